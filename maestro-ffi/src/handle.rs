//! The opaque handle.

use crate::error::Failure;
use crate::status::maestro_status_t;
use crate::strings::{arg, opt_arg, out_ptr};
use crate::subscription::Delivery;
use maestro_core::{api, Maestro};
use std::ffi::c_char;
use std::sync::{Mutex, Weak};

/// An open Maestro store (a SQLite database file).
///
/// Thread-safety: a handle may be shared between threads and used from all of them at
/// once; every call is one atomic transaction. Several processes may open the same file.
/// Lifetime: from `maestro_open` until `maestro_close`; closing while another thread is
/// still inside a call on the same handle is undefined behaviour.
pub struct maestro_t {
    pub(crate) inner: Maestro,
    /// The delivery state of every subscription made on this handle, so closing the
    /// handle can stop them all before it frees anything.
    pub(crate) subscriptions: Mutex<Vec<Weak<Delivery>>>,
}

/// Borrows the handle behind `m`.
///
/// # Safety
/// `m` is NULL or a pointer returned by `maestro_open` and not yet closed.
pub(crate) unsafe fn handle<'a>(m: *const maestro_t) -> Result<&'a maestro_t, Failure> {
    unsafe { m.as_ref() }.ok_or(Failure::Null("maestro"))
}

/// Opens the database at `path` and migrates it, creating the file (mode 0600) and its
/// missing parent directories if needed; `":memory:"` opens a private in-memory database
/// (options are checked but durability and busy timeout do not apply to it); a
/// `postgres://user:password@host:port/db` URL opens (and migrates) that PostgreSQL
/// database, shared by every process and host that opens it (a `?options=-csearch_path%3Dname`
/// parameter keeps a store in a schema of its own; its password never appears in errors).
/// `options_json` may be NULL (defaults) or an object such as
/// `{"durability": "normal", "busy_timeout_ms": 5000}`
/// (`schemas/api/operations.schema.json#/definitions/Options`). `{"read_only": true}`
/// opens an existing store without creating, migrating or locking anything: a missing
/// database is `MAESTRO_NOT_FOUND`, and every write fails with `MAESTRO_STORAGE`.
///
/// On success `*maestro_out` receives a new handle owned by the caller, to be released
/// with `maestro_close`. Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_open(
    path: *const c_char,
    options_json: *const c_char,
    maestro_out: *mut *mut maestro_t,
) -> maestro_status_t {
    ffi_boundary!({
        let path = unsafe { arg(path, "path") }?;
        let options = unsafe { opt_arg(options_json, "options_json") }?;
        out_ptr(maestro_out, "maestro_out")?;
        let inner = api::open(path, options)?;
        let h = Box::into_raw(Box::new(maestro_t {
            inner,
            subscriptions: Default::default(),
        }));
        unsafe { *maestro_out = h };
        Ok(())
    })
}

/// Closes a handle and frees it. NULL is a no-op. No other thread may be inside a call
/// on this handle. Subscriptions made on it are stopped first: when this returns, none
/// of their callbacks is running or will run again (free them as usual afterwards).
/// Must not be called from a subscription callback.
#[no_mangle]
pub extern "C" fn maestro_close(maestro: *mut maestro_t) {
    if maestro.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let h = unsafe { Box::from_raw(maestro) };
        let subs = std::mem::take(&mut *h.subscriptions.lock().unwrap_or_else(|p| p.into_inner()));
        for d in subs.iter().filter_map(Weak::upgrade) {
            d.stop();
        }
        drop(h);
    }));
}
