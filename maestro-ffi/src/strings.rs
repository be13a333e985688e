//! Strings across the boundary: borrowed UTF-8 in, owned NUL-terminated UTF-8 out.

use crate::error::Failure;
use std::ffi::{c_char, CStr, CString};

/// Borrows a required string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn arg<'a>(p: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::Null(name));
    }
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| Failure::Utf8(name))
}

/// Borrows an optional string argument (NULL is `None`).
///
/// # Safety
/// As for [`arg`].
pub(crate) unsafe fn opt_arg<'a>(p: *const c_char, name: &'static str) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        Ok(None)
    } else {
        unsafe { arg(p, name) }.map(Some)
    }
}

/// Fails unless the output pointer can be written.
pub(crate) fn out_ptr<T>(out: *mut *mut T, name: &'static str) -> Result<(), Failure> {
    if out.is_null() {
        Err(Failure::Null(name))
    } else {
        Ok(())
    }
}

/// Hands `s` to the caller through `out`, which [`out_ptr`] checked.
///
/// # Safety
/// `out` is a valid, writable pointer.
pub(crate) unsafe fn give(out: *mut *mut c_char, s: String) -> Result<(), Failure> {
    // JSON text escapes NUL, so this only fails on a bug.
    let c = CString::new(s).map_err(|_| Failure::Core(maestro_core::Error::Internal("NUL in output".into())))?;
    unsafe { *out = c.into_raw() };
    Ok(())
}

/// Frees a string returned by the library. NULL is a no-op. Passing anything else than a
/// string returned by this library, or freeing one twice, is undefined behaviour.
#[no_mangle]
pub extern "C" fn maestro_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| drop(unsafe { CString::from_raw(s) }));
}
