//! The library's version, for hosts that check what they loaded.

use std::ffi::c_char;

/// The ABI version: bumped on every incompatible change of the C ABI; the N of the shared
/// library's SONAME (`libmaestro.so.N`).
pub const MAESTRO_ABI_VERSION: u32 = 0;

/// The library version (`"0.1.0"`), equal to the header's `MAESTRO_VERSION_*` macros when
/// the header matches the library. Static storage: never free it.
#[no_mangle]
pub extern "C" fn maestro_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version of the loaded library; compare it with `MAESTRO_ABI_VERSION`.
#[no_mangle]
pub extern "C" fn maestro_abi_version() -> u32 {
    MAESTRO_ABI_VERSION
}
