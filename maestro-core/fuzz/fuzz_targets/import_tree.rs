//! Import of arbitrary directory trees: files of any name, size and content, folders, and
//! symlinks (inside the tree, or to a folder and a file outside it). The import must never
//! panic, never read what lies behind a symlink, and never name it in an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_core::Maestro;
use std::cell::RefCell;
use std::path::PathBuf;

thread_local! {
    static STATE: RefCell<Option<(PathBuf, usize, Maestro)>> = const { RefCell::new(None) };
}

/// What lies outside every tree: a folder and a file whose names must never be read.
const SECRET: &str = "never-read-this-secret";

fuzz_target!(|data: &[u8]| {
    let entries = maestro_fuzz::decode(data);
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        if state.as_ref().is_none_or(|s| s.1 >= 2_000) {
            let base = std::env::temp_dir().join(format!("maestro-fuzz-import-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&base);
            std::fs::create_dir_all(base.join("outside")).unwrap();
            std::fs::write(base.join("outside").join(format!("{SECRET}.json")), "{}").unwrap();
            *state = Some((base, 0, Maestro::open_in_memory().unwrap()));
        }
        let (base, n, m) = state.as_mut().unwrap();
        *n += 1;
        let tree = base.join("tree");
        let _ = std::fs::remove_dir_all(&tree);
        std::fs::create_dir_all(&tree).unwrap();
        maestro_fuzz::materialize(&tree, &entries);
        if let Err(e) = m.import(&tree) {
            let text = e.to_string();
            assert!(
                !text.contains(SECRET),
                "an import error names what lies behind a symlink: {text}"
            );
        }
    });
});
