//! The JSON call surface: any operation of the table (the first byte picks it), any
//! input text, on one in-memory store. Nothing may panic or abort; every input is either
//! answered or refused with an error. Operations that reach the file system or git (backup,
//! export, import, prune's archives, checkpoints) are left to the targets that confine
//! them: here any path could be one of the machine's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_core::{api, ops::OPERATIONS, Maestro};
use std::cell::RefCell;

const OUTSIDE: &[&str] = &[
    "store.backup",
    "store.export",
    "store.import",
    "store.export_workflow",
    "store.prune",
    "checkpoints.create",
    "checkpoints.rollback",
    "checkpoints.verify",
    "checkpoints.diff",
];

thread_local! {
    // A fresh store every 10,000 inputs keeps its size, and the speed, bounded.
    static STORE: RefCell<(usize, Option<Maestro>)> = const { RefCell::new((0, None)) };
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (ns, verb) = OPERATIONS[pick as usize % OPERATIONS.len()];
    let op = format!("{ns}.{verb}");
    if OUTSIDE.contains(&op.as_str()) {
        return;
    }
    let input = String::from_utf8_lossy(rest);
    if op == "store.batch" && (input.contains("checkpoints") || input.contains("store")) {
        return;
    }
    STORE.with(|s| {
        let mut s = s.borrow_mut();
        if s.1.is_none() || s.0 >= 10_000 {
            let m = Maestro::open_in_memory().expect("an in-memory store opens");
            for (op, input) in maestro_fuzz::SETUP {
                api::call(&m, op, input).expect("the setup runs");
            }
            *s = (0, Some(m));
        }
        s.0 += 1;
        let m = s.1.as_ref().unwrap();
        if let Ok(text) = api::call(m, &op, &input) {
            let _: serde_json::Value = serde_json::from_str(&text).expect("an answer is JSON");
        }
    });
});
