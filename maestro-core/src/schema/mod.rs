//! The JSON Schemas (Draft 07) of every document that crosses a boundary (SPEC §5),
//! compiled once and reused. JSON from outside the Rust API — C ABI and Python input,
//! import files, custom phase models — goes through [`Schema::parse_json`] before anything is
//! written: size and nesting limits first, then the schema. Errors carry the JSON
//! pointer of the offending value and the violated constraint.

pub mod limits;

use crate::error::{Error, Result};
use crate::macros::str_enum;
use serde_json::Value;
use std::sync::OnceLock;

str_enum!(
    /// A document with a schema in `schemas/<name>.schema.json`.
    Schema, "schema" {
        /// A project, with its steering documents in an export.
        Project => "project",
        /// A workflow, with its history, votes and spec documents in an export.
        Workflow => "workflow",
        /// A phase model.
        PhaseModel => "phase-model",
        /// A session, with its timeline, links and queue in an export.
        Session => "session",
        /// One timeline event.
        TimelineEvent => "timeline-event",
        /// A task.
        Task => "task",
        /// A queue item.
        QueueItem => "queue-item",
        /// A decision, with its outcome history.
        Decision => "decision",
        /// One outcome revision of a decision.
        DecisionOutcome => "decision-outcome",
        /// A checkpoint.
        Checkpoint => "checkpoint",
        /// A recorded failure and its lesson.
        Failure => "failure",
        /// An estimate against the actual effort.
        Estimate => "estimate",
        /// A retrospective.
        Retrospective => "retrospective",
        /// A spike.
        Spike => "spike",
        /// An agent log entry.
        AgentLog => "agent-log",
        /// A file's complexity snapshot.
        ComplexitySnapshot => "complexity-snapshot",
        /// A pattern usage.
        PatternUsage => "pattern-usage",
        /// A change-feed event.
        Event => "event",
        /// The historical tech-stack export.
        HistoricalTechStack => "historical-tech-stack",
        /// The historical architecture export.
        HistoricalArchitecture => "historical-architecture",
        /// The historical task-ordering export.
        HistoricalTaskOrdering => "historical-task-ordering",
        /// The configuration file.
        Config => "config",
        /// A line of an export's `threads/<project>.jsonl`: an agent thread with one
        /// checkpoint or one pending write.
        Thread => "thread",
    }
);

/// The version every schema and every exported document carries.
pub const SCHEMA_VERSION: u32 = 1;

macro_rules! sources {
    ($($name:literal),+ $(,)?) => {
        [$(include_str!(concat!("../../../schemas/", $name, ".schema.json"))),+]
    };
}

const SOURCES: [&str; 23] = sources!(
    "project",
    "workflow",
    "phase-model",
    "session",
    "timeline-event",
    "task",
    "queue-item",
    "decision",
    "decision-outcome",
    "checkpoint",
    "failure",
    "estimate",
    "retrospective",
    "spike",
    "agent-log",
    "complexity-snapshot",
    "pattern-usage",
    "event",
    "historical-tech-stack",
    "historical-architecture",
    "historical-task-ordering",
    "config",
    "thread",
);

static COMPILED: [OnceLock<jsonschema::Validator>; 23] = [const { OnceLock::new() }; 23];

/// Longest rendering of an offending value kept in an error message.
const MAX_SHOWN: usize = 200;

/// The first violation of `validator` by `v`: its JSON pointer, what is wrong, and for an
/// unknown property its name.
pub(crate) struct Violation {
    pub pointer: String,
    pub message: String,
    pub unexpected: Option<String>,
}

fn first_violation(validator: &jsonschema::Validator, v: &Value, op: Option<&str>) -> Option<Violation> {
    // The fast check first: collecting errors costs more than validating.
    if validator.is_valid(v) {
        return None;
    }
    let e = validator.iter_errors(v).next()?;
    let shown = e.to_string();
    let what = if shown.len() > MAX_SHOWN {
        e.masked().to_string()
    } else {
        shown
    };
    let of = op.map(|op| format!(" of operation {op}")).unwrap_or_default();
    let unexpected = match e.kind() {
        jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => unexpected.first().cloned(),
        _ => None,
    };
    Some(Violation {
        pointer: e.instance_path().as_str().to_owned(),
        message: format!("{what} (violates {}{of})", e.schema_path().as_str()),
        unexpected,
    })
}

/// Checks `v` with `validator` after the size and nesting limits. The error names the
/// first violation: its JSON pointer, the value (masked when long), the violated schema
/// path and, for an operation's input, the operation.
pub(crate) fn check(
    validator: &jsonschema::Validator,
    entity: &'static str,
    v: &Value,
    op: Option<&str>,
) -> Result<()> {
    // An operation's input is named by the operation, a document by its schema.
    limits::check_allowing(entity, v, limits::large_strings(op.unwrap_or(entity)))?;
    match first_violation(validator, v, op) {
        None => Ok(()),
        // In an operation's input, an unknown property is pointed at by name.
        Some(Violation {
            pointer,
            message,
            unexpected: Some(name),
        }) if op.is_some() => Err(Error::validation(
            entity,
            format!("{pointer}/{}", limits::pointer_segment(&name)),
            message,
        )),
        Some(x) => Err(Error::validation(entity, x.pointer, x.message)),
    }
}

impl Schema {
    fn index(self) -> usize {
        Schema::ALL.iter().position(|s| *s == self).unwrap_or_default()
    }

    /// The schema's JSON text, as committed in `schemas/`.
    pub fn source(self) -> &'static str {
        SOURCES[self.index()]
    }

    /// The file name in `schemas/`.
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.as_str())
    }

    fn validator(self) -> &'static jsonschema::Validator {
        COMPILED[self.index()].get_or_init(|| {
            let schema: Value = serde_json::from_str(self.source())
                .unwrap_or_else(|e| panic!("schemas/{} is not JSON: {e}", self.file_name()));
            jsonschema::draft7::new(&schema)
                .unwrap_or_else(|e| panic!("schemas/{} does not compile: {e}", self.file_name()))
        })
    }

    /// Checks `v` against this schema (and the size and nesting limits). The error names
    /// the first violation: its JSON pointer and the violated constraint.
    pub fn validate(self, v: &Value) -> Result<()> {
        check(self.validator(), self.as_str(), v, None)
    }

    /// The first violation of this schema by `v` (limits not checked), if any.
    pub(crate) fn violation(self, v: &Value) -> Option<Violation> {
        first_violation(self.validator(), v, None)
    }

    /// Parses untrusted JSON text within the limits and validates it.
    pub fn parse_json(self, text: &str) -> Result<Value> {
        let v = limits::parse_allowing(self.as_str(), text, limits::large_strings(self.as_str()))?;
        self.validate(&v)?;
        Ok(v)
    }

    /// Parses and validates untrusted JSON text, then converts it to `T`.
    pub fn parse_json_into<T: serde::de::DeserializeOwned>(self, text: &str) -> Result<T> {
        self.convert(self.parse_json(text)?)
    }

    /// Converts an already validated value to `T`; a mismatch names the path.
    pub fn convert<T: serde::de::DeserializeOwned>(self, v: Value) -> Result<T> {
        serde_json::from_value(v).map_err(|e| Error::validation(self.as_str(), "", e.to_string()))
    }
}
