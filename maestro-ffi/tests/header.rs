//! The committed header against the library: one C function per operation of the Rust
//! API (parity), and version macros equal to `Cargo.toml`.

use std::path::PathBuf;

fn header() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include/maestro.h");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `maestro_*` function the header declares.
fn declared(h: &str) -> Vec<String> {
    h.lines()
        .filter(|l| !l.starts_with("//") && !l.starts_with(' '))
        .filter(|l| !l.starts_with("typedef") && !l.starts_with('#'))
        .filter_map(|l| {
            let before = &l[..l.find('(')?];
            let name = before.rsplit([' ', '*']).next()?;
            name.starts_with("maestro_").then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn the_header_has_a_function_for_every_operation_of_the_rust_api() {
    let h = header();
    let functions = declared(&h);
    let missing: Vec<String> = maestro_core::ops::OPERATIONS
        .iter()
        .map(|(ns, verb)| format!("maestro_{ns}_{verb}"))
        .filter(|f| !functions.contains(f))
        .collect();
    assert!(missing.is_empty(), "include/maestro.h lacks {missing:?}");
    let ops: Vec<String> = maestro_core::ops::OPERATIONS
        .iter()
        .map(|(ns, verb)| format!("maestro_{ns}_{verb}"))
        .collect();
    let plumbing = [
        "maestro_open",
        "maestro_close",
        "maestro_version",
        "maestro_abi_version",
        "maestro_operations",
        "maestro_string_free",
        "maestro_subscription_free",
        "maestro_last_error_code",
        "maestro_last_error_message",
        "maestro_last_error_path",
        "maestro_last_error_oldest_seq",
        "maestro_last_error_entity",
        "maestro_last_error_id",
        "maestro_last_error_from",
        "maestro_last_error_to",
        "maestro_subscription_open",
        "maestro_subscription_next",
        "maestro_clear_error",
        "maestro_call",
    ];
    let unknown: Vec<&String> = functions
        .iter()
        .filter(|f| !ops.contains(f) && !plumbing.contains(&f.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "functions that are neither operations nor plumbing: {unknown:?}"
    );
    assert_eq!(functions.len(), ops.len() + plumbing.len(), "{functions:?}");
}

#[test]
fn the_version_macros_match_cargo_toml() {
    let h = header();
    let macro_value = |name: &str| -> String {
        let line = h
            .lines()
            .find(|l| l.starts_with(&format!("#define {name} ")))
            .unwrap_or_else(|| panic!("no {name} in the header"));
        line.split_whitespace().nth(2).unwrap().trim_matches('"').to_owned()
    };
    assert_eq!(macro_value("MAESTRO_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MAJOR"));
    assert_eq!(macro_value("MAESTRO_VERSION_MINOR"), env!("CARGO_PKG_VERSION_MINOR"));
    assert_eq!(macro_value("MAESTRO_VERSION_PATCH"), env!("CARGO_PKG_VERSION_PATCH"));
    assert_eq!(macro_value("MAESTRO_VERSION_STRING"), env!("CARGO_PKG_VERSION"));
    assert_eq!(
        macro_value("MAESTRO_ABI_VERSION"),
        maestro::version::MAESTRO_ABI_VERSION.to_string()
    );
    let v = unsafe { std::ffi::CStr::from_ptr(maestro::version::maestro_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    // The SONAME's number is the ABI version (build.rs uses the major version).
    assert_eq!(
        env!("CARGO_PKG_VERSION_MAJOR"),
        maestro::version::MAESTRO_ABI_VERSION.to_string()
    );
}
