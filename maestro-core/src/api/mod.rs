//! The JSON surface of the API: every operation of [`crate::ops::OPERATIONS`] called by
//! name with its arguments as one JSON object, answered with the JSON of its result.
//! The C ABI, the Node module and the Python package all go through here, so an input is
//! checked the same way whatever language sent it.
//!
//! An input passes three gates before anything is read or written: the size and nesting
//! limits of [`crate::schema::limits`], the operation's schema in
//! `schemas/api/operations.schema.json` (`definitions/<namespace>.<verb>`), and the same
//! domain rules as the Rust API. A rejected input is a [`crate::Error::Validation`] whose
//! path is the JSON pointer of the offending value inside the input.

mod args;
mod dispatch;

use crate::error::{Error, Result};
use crate::maestro::{Ctx, Maestro};
use crate::ops::OPERATIONS;
use crate::schema::limits;
use serde_json::Value;
use std::sync::OnceLock;

pub(crate) use args::Args;

/// The schema file of every operation's input, as committed in `schemas/api/`.
pub const OPERATIONS_SCHEMA: &str = include_str!("../../../schemas/api/operations.schema.json");

static VALIDATORS: [OnceLock<jsonschema::Validator>; OPERATIONS.len()] = [const { OnceLock::new() }; OPERATIONS.len()];

/// The position of `op` (`"<namespace>.<verb>"`) in [`OPERATIONS`].
fn position(op: &str) -> Result<usize> {
    let (ns, verb) = op.split_once('.').unwrap_or((op, ""));
    OPERATIONS
        .iter()
        .position(|(n, v)| *n == ns && *v == verb)
        .ok_or_else(|| Error::validation("operation", "op", format!("unknown operation {op:?}")))
}

fn validator(index: usize) -> &'static jsonschema::Validator {
    VALIDATORS[index].get_or_init(|| {
        let (ns, verb) = OPERATIONS[index];
        let mut root: Value =
            serde_json::from_str(OPERATIONS_SCHEMA).expect("schemas/api/operations.schema.json is not JSON");
        // The root holds the shared definitions; the operation's own schema is one of them.
        root["allOf"] = serde_json::json!([{ "$ref": format!("#/definitions/{ns}.{verb}") }]);
        jsonschema::draft7::new(&root)
            .unwrap_or_else(|e| panic!("schemas/api/operations.schema.json ({ns}.{verb}) does not compile: {e}"))
    })
}

/// Checks `input` against the schema of operation `op` (and the size and nesting limits).
pub fn validate(op: &str, input: &Value) -> Result<()> {
    let index = position(op)?;
    limits::check("input", input)?;
    let Some(e) = validator(index).iter_errors(input).next() else {
        return Ok(());
    };
    let shown = e.to_string();
    let what = if shown.len() > 200 {
        e.masked().to_string()
    } else {
        shown
    };
    Err(Error::validation(
        "input",
        e.instance_path().as_str().to_owned(),
        format!("{what} (operation {op})"),
    ))
}

/// Runs operation `op` with `input` (JSON text of an object of named arguments) as one
/// atomic operation and returns its result as JSON text. Equivalent to the Rust method
/// of the same name; see the operation's schema for its arguments.
pub fn call(m: &Maestro, op: &str, input: &str) -> Result<String> {
    let v = limits::parse("input", input)?;
    let out = call_value(m, op, v)?;
    serde_json::to_string(&out).map_err(|e| Error::Internal(format!("encoding the result of {op}: {e}")))
}

/// [`call`] on an already parsed input.
pub fn call_value(m: &Maestro, op: &str, input: Value) -> Result<Value> {
    validate(op, &input)?;
    dispatch::run(Ctx::of(m), Some(m), op, Args::new(input))
}

/// Runs one operation of a `store.batch` inside the batch's transaction. Errors name
/// where the operation sits in the batch.
pub(crate) fn call_in_batch(ctx: Ctx<'_>, index: usize, op: &str, input: Value) -> Result<Value> {
    let at = format!("/operations/{index}/input");
    validate(op, &input).map_err(|e| e.within(&at))?;
    dispatch::run(ctx, None, op, Args::new(input)).map_err(|e| e.within(&at))
}
