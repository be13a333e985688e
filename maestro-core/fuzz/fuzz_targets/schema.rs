//! Schema validation of every document kind (the first byte picks it): any text through
//! the size and nesting limits, the JSON parser and the document's schema; a document that
//! passes must convert or be refused with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_core::schema::Schema;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let schema = Schema::ALL[pick as usize % Schema::ALL.len()];
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if let Ok(value) = schema.parse_json(text) {
        let _ = schema.convert::<serde_json::Value>(value);
    }
});
