//! The JSON surface of the API: every operation of [`crate::ops::OPERATIONS`] called by
//! name with its arguments as one JSON object, answered with the JSON of its result.
//! The C ABI, the Node module and the Python package all go through here, so an input is
//! checked the same way whatever language sent it.
//!
//! An input passes three gates before anything is read or written: the size and nesting
//! limits of [`crate::schema::limits`], the operation's schema in
//! `schemas/api/operations.schema.json` (`definitions/<namespace>.<verb>`), and the same
//! domain rules as the Rust API. A rejected input is a [`crate::Error::Validation`] whose
//! path is the JSON pointer of the offending value inside the input, whichever gate
//! refused it: a domain rule's field path is placed under the argument it checked
//! (`/event/metadata/progress`), and an unknown property is pointed at by name (`/colour`).
//! `tests/errors/cases.json` is the table of such errors every language runs.

mod args;
mod dispatch;

use crate::error::{Error, Result};
use crate::maestro::{Ctx, Maestro, Options};
use crate::ops::OPERATIONS;
use crate::schema::{self, limits};
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

static OPTIONS: OnceLock<jsonschema::Validator> = OnceLock::new();

/// The validator of `definitions/<name>` of the operations schema.
fn compile(name: &str) -> jsonschema::Validator {
    let mut root: Value =
        serde_json::from_str(OPERATIONS_SCHEMA).expect("schemas/api/operations.schema.json is not JSON");
    // The root holds the shared definitions; the schema wanted is one of them.
    root["allOf"] = serde_json::json!([{ "$ref": format!("#/definitions/{name}") }]);
    jsonschema::draft7::new(&root)
        .unwrap_or_else(|e| panic!("schemas/api/operations.schema.json ({name}) does not compile: {e}"))
}

/// Checks `input` against the schema of operation `op` (and the size and nesting limits).
pub fn validate(op: &str, input: &Value) -> Result<()> {
    let index = position(op)?;
    let validator = VALIDATORS[index].get_or_init(|| {
        let (ns, verb) = OPERATIONS[index];
        compile(&format!("{ns}.{verb}"))
    });
    schema::check(validator, "input", input, Some(op))
}

/// Parses the options of a binding's `open` (`{"durability": "normal", "busy_timeout_ms":
/// 5000, "learning": {...}, "config": "path", "read_only": true}`), checked against `definitions/Options`,
/// for a store at `db` (`None` in memory). The config (named, else beside the database)
/// is loaded first; every option given explicitly wins over it, key by key (a partial
/// `learning` object keeps the config's other thresholds).
pub fn options(json: &str, db: Option<&std::path::Path>) -> Result<Options> {
    let v = limits::parse("options", json)?;
    schema::check(OPTIONS.get_or_init(|| compile("Options")), "options", &v, None)?;
    let source = match v.get("config").and_then(Value::as_str) {
        Some(path) => crate::config::ConfigSource::File(path.into()),
        None => crate::config::ConfigSource::Discover,
    };
    let mut config = crate::config::Config::resolve(&source, db)?;
    if let Some(d) = v.get("durability") {
        config.storage.durability = Some(
            serde_json::from_value(d.clone())
                .map_err(|e| Error::validation("options", "/durability", e.to_string()))?,
        );
    }
    if let Some(ms) = v.get("busy_timeout_ms").and_then(Value::as_u64) {
        config.storage.busy_timeout_ms = Some(ms);
    }
    if let Some(Value::Object(given)) = v.get("learning") {
        let mut merged = serde_json::to_value(&config.learning).map_err(|e| Error::Internal(e.to_string()))?;
        if let Value::Object(m) = &mut merged {
            m.extend(given.clone());
        }
        let l: crate::learning::LearningThresholds =
            serde_json::from_value(merged).map_err(|e| Error::validation("options", "/learning", e.to_string()))?;
        l.check().map_err(|e| e.within("/learning"))?;
        config.learning = l;
    }
    let defaults = crate::store::sqlite::SqliteOptions::default();
    Ok(Options {
        sqlite: crate::store::sqlite::SqliteOptions {
            durability: config.storage.durability.unwrap_or(defaults.durability),
            busy_timeout: config
                .storage
                .busy_timeout_ms
                .map(std::time::Duration::from_millis)
                .unwrap_or(defaults.busy_timeout),
        },
        learning: config.learning.clone(),
        config: crate::config::ConfigSource::Given(Box::new(config)),
        read_only: v.get("read_only").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// Runs operation `op` with `input` (JSON text of an object of named arguments) as one
/// atomic operation and returns its result as JSON text. Equivalent to the Rust method
/// of the same name; see the operation's schema for its arguments.
pub fn call(m: &Maestro, op: &str, input: &str) -> Result<String> {
    call_parsed(
        m,
        op,
        limits::parse_allowing("input", input, limits::large_strings(op))?,
    )
}

/// [`call`] on an already parsed input, answering JSON text.
pub fn call_parsed(m: &Maestro, op: &str, input: Value) -> Result<String> {
    validate(op, &input)?;
    dispatch::run(Ctx::of(m), Some(m), op, Args::new(input)).map_err(|e| pointed(op, e))
}

/// [`call`] on an already parsed input, answering a JSON value.
pub fn call_value(m: &Maestro, op: &str, input: Value) -> Result<Value> {
    validate(op, &input)?;
    dispatch::run(Ctx::of(m), Some(m), op, Args::new(input)).map_err(|e| pointed(op, e))
}

/// Where, in the input of `op`, the value the domain rules check sits, when it is one
/// argument rather than the whole input (`sessions.append`'s `event`).
fn domain_root(op: &str) -> &'static str {
    match op {
        "sessions.append" => "/event",
        "decisions.record_outcome" => "/outcome",
        "tasks.claim" | "decisions.list" | "decisions.search" => "/filter",
        _ => "",
    }
}

/// A validation error of the domain rules (whose path names a field of the value they
/// checked, `depends_on/0`) as a JSON pointer into the caller's input
/// (`/depends_on/0`, `/event/metadata/progress`). Paths that already are pointers, and
/// `op` (the operation's name itself), stay as they are.
fn pointed(op: &str, e: Error) -> Error {
    match e.path() {
        Some(path) if !path.is_empty() && !path.starts_with('/') && path != "op" => e.within(domain_root(op)),
        _ => e,
    }
}

/// Runs one operation of a `store.batch` inside the batch's transaction. Errors name
/// where the operation sits in the batch.
pub(crate) fn call_in_batch<O: dispatch::Output>(ctx: Ctx<'_>, index: usize, op: &str, input: Value) -> Result<O> {
    let at = |e: Error| match e.path() {
        // The operation's name, not its input, was wrong.
        Some("op") => e.within(&format!("/operations/{index}")),
        _ => e.within(&format!("/operations/{index}/input")),
    };
    validate(op, &input).map_err(at)?;
    dispatch::run(ctx, None, op, Args::new(input))
        .map_err(|e| pointed(op, e))
        .map_err(at)
}

/// Opens a store for a binding: `":memory:"` is a private in-memory database (whose
/// options are checked but do not apply); a `postgres://` URL a PostgreSQL database;
/// any other path a file database, created with its missing parent directories. `options` is JSON as for [`options`], or `None`.
pub fn open(path: &str, options: Option<&str>) -> Result<Maestro> {
    let db = (path != ":memory:" && !crate::store::is_url(path)).then(|| std::path::Path::new(path));
    let options = match options {
        Some(json) => self::options(json, db)?,
        None => Options::default(),
    };
    if path == ":memory:" {
        Maestro::open_in_memory_with(options)
    } else {
        Maestro::open(path, options)
    }
}

/// Parses an event filter given on its own (a binding's `subscribe` or `since`
/// argument), checked against the schema; errors have paths under `/filter`.
pub fn event_filter(json: &str) -> Result<crate::feed::EventFilter> {
    let filter = limits::parse("input", json).map_err(|e| e.within("/filter"))?;
    let mut input = serde_json::Map::new();
    input.insert("filter".into(), filter);
    let input = Value::Object(input);
    validate("events.subscribe", &input)?;
    Args::new(input).req("filter")
}
