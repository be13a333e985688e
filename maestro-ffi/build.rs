//! Gives the shared library its SONAME, so hosts record `libmaestro.so.0` and a later
//! ABI-compatible release can replace the file underneath them.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "freebsd" {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmaestro.so.{major}");
    }
}
