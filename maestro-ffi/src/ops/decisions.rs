//! `decisions.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Records a decision. The workflow must exist; its current phase is filled in. The category
/// must be built in or registered for the project; the session, task, parent and related
/// decisions, when given, must exist in the same project (the session in the same workflow).
/// Writes `decision.recorded` on the change feed.
///
/// Input: a JSON object {"workflow_id", "session_id"?, "task_id"?, "category", "decision",
/// "rationale", "alternatives_considered"?, "context"?, "impact"?, "subject"?,
/// "parent_decision_id"?, "related"?}
/// (`schemas/api/operations.schema.json#/definitions/decisions.record`).
/// Output in `*json_out` on success: Decision as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_record(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.record", input_json, json_out) } })
}

/// The decision with its outcome history.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/decisions.get`).
/// Output in `*json_out` on success: Decision as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_get(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.get", input_json, json_out) } })
}

/// Decisions matching `filter`, in the order they were recorded, at most `limit` (capped at
/// `MAX_RESULTS`). A workflow's decisions in order: set `workflow_id`.
///
/// Input: a JSON object {"filter"?, "limit"?}
/// (`schemas/api/operations.schema.json#/definitions/decisions.list`).
/// Output in `*json_out` on success: array of Decision as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.list", input_json, json_out) } })
}

/// Decisions whose decision or rationale text contains every word of `text`, best match first
/// (FTS5 rank), restricted by `filter`, at most `limit`. Punctuation and FTS operators in
/// `text` are treated as word separators, never as query syntax. The full-text index is filled
/// lazily: the first search after new decisions were recorded indexes them first, in a short
/// write transaction.
///
/// Input: a JSON object {"text", "filter"?, "limit"?}
/// (`schemas/api/operations.schema.json#/definitions/decisions.search`).
/// Output in `*json_out` on success: array of Decision as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_search(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.search", input_json, json_out) } })
}

/// Records how a decision turned out, or amends the previous record: each call adds a revision
/// and keeps the earlier ones. Writes `decision.outcome_recorded`.
///
/// Input: a JSON object {"id", "outcome"}
/// (`schemas/api/operations.schema.json#/definitions/decisions.record_outcome`).
/// Output in `*json_out` on success: Decision as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_record_outcome(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.record_outcome", input_json, json_out) } })
}

/// Registers a decision category for a project beyond the built-ins. Registering a built-in or
/// an existing name is a conflict.
///
/// Input: a JSON object {"project_id", "name", "description"?}
/// (`schemas/api/operations.schema.json#/definitions/decisions.register_category`).
/// Output in `*json_out` on success: CategoryDef as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_register_category(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.register_category", input_json, json_out) } })
}

/// Every category a decision of the project may use: the built-ins (with an empty description
/// and the project's creation time) and then the registered ones by name.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/decisions.categories`).
/// Output in `*json_out` on success: array of CategoryDef as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_categories(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.categories", input_json, json_out) } })
}

/// Everything that happened in a workflow, in commit order: its own events (phase changes,
/// pauses, approvals), its decisions and their outcomes, its checkpoints, and the timeline
/// events of its sessions.
///
/// Input: a JSON object {"workflow_id"}
/// (`schemas/api/operations.schema.json#/definitions/decisions.replay`).
/// Output in `*json_out` on success: array of Event as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_decisions_replay(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "decisions.replay", input_json, json_out) } })
}
