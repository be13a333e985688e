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

/// Runs the operation named `op` (`"tasks.create"`, one of `maestro_operations`) with
/// `input_json`, like its own function `maestro_<namespace>_<verb>`, for hosts that
/// dispatch by name or call from a worker thread and read the outcome on another.
///
/// On success `*json_out` receives the result as JSON. On failure the thread's last error
/// is set as for every call and, unlike other functions, `*json_out` also receives that
/// error as a JSON object: `{"status", "code", "message", "path", "oldest_seq", "entity",
/// "id", "from", "to"}` (absent parts `null`), so the error travels with the output. Either
/// way the string is owned by the caller (free with `maestro_string_free`); when `json_out`
/// itself is NULL nothing is written and the status is `MAESTRO_NULL_ARGUMENT`.
/// `maestro_events_since` and `maestro_events_subscribe` have C parameters of their own
/// and are not called through here: `"events.since"` takes the JSON input of its schema.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_call(
    maestro: *const maestro_t,
    op: *const c_char,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    let status = ffi_boundary!({
        let m = &unsafe { handle(maestro) }?.inner;
        let op = unsafe { arg(op, "op") }?;
        let input = unsafe { arg(input_json, "input_json") }?;
        out_ptr(json_out, "json_out")?;
        let result = api::call(m, op, input)?;
        unsafe { give(json_out, result) }
    });
    if status != maestro_status_t::MAESTRO_OK && !json_out.is_null() {
        if let Some(error) = crate::error::last_json() {
            // SAFETY: json_out was checked non-NULL and is writable by the contract.
            let _ = unsafe { give(json_out, error) };
        }
    }
    status
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
