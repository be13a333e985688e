//! One C function per operation of the Rust API (`maestro_<namespace>_<verb>`), each a
//! call of the core's JSON surface: the handle first, the input as a JSON object of named
//! arguments, the result as JSON through `json_out`.

pub mod checkpoints;
pub mod decisions;
pub mod events;
pub mod learning;
pub mod projects;
pub mod queues;
pub mod reports;
pub mod sessions;
pub mod store;
pub mod tasks;
pub mod threads;
pub mod workflows;

use crate::error::Failure;
use crate::handle::{handle, maestro_t};
use crate::status::maestro_status_t;
use crate::strings::{arg, give, out_ptr};
use maestro_core::api;
use std::ffi::c_char;

/// Runs operation `op`: checks every pointer before anything runs, then writes the
/// result only on success.
///
/// # Safety
/// Each pointer is NULL or valid as documented on the exported function.
pub(crate) unsafe fn call(
    m: *const maestro_t,
    op: &'static str,
    input: *const c_char,
    out: *mut *mut c_char,
) -> Result<(), Failure> {
    let m = &unsafe { handle(m) }?.inner;
    let input = unsafe { arg(input, "input_json") }?;
    out_ptr(out, "json_out")?;
    let result = api::call(m, op, input)?;
    unsafe { give(out, result) }
}

/// Every operation this library exports, as a JSON array of `"<namespace>.<verb>"`
/// (the C function is `maestro_<namespace>_<verb>`, with the generic signature
/// `(maestro, input_json, json_out)` except `maestro_events_since` and
/// `maestro_events_subscribe`, which take their arguments as C parameters). Output owned by the caller (free
/// with `maestro_string_free`). Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_operations(json_out: *mut *mut c_char) -> maestro_status_t {
    ffi_boundary!({
        out_ptr(json_out, "json_out")?;
        let names = maestro_core::ops::names();
        let text = serde_json::to_string(&names).map_err(|e| maestro_core::Error::Internal(e.to_string()))?;
        unsafe { give(json_out, text) }
    })
}
