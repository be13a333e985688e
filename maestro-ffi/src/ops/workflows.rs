//! `workflows.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Creates a workflow in its model's initial phase, status `active`.
///
/// Input: a JSON object {"id"?, "project_id", "feature", "request"?, "model"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.create`).
/// Output in `*json_out` on success: Workflow as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_create(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.create", input_json, json_out) } })
}

/// The workflow with this id.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.get`).
/// Output in `*json_out` on success: Workflow as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_get(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.get", input_json, json_out) } })
}

/// Every workflow of a project, oldest first.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.list`).
/// Output in `*json_out` on success: array of Workflow as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.list", input_json, json_out) } })
}

/// Moves the workflow to phase `to`. The move must be allowed by the model, the workflow must
/// be active, and a gated move needs its gate approved this round. With `expected_from`, the
/// move happens only if the workflow is still in that phase: of several racing callers exactly
/// one succeeds, the others get a conflict. Reaching a terminal phase completes (or fails) the
/// workflow.
///
/// Input: a JSON object {"id", "to", "actor", "expected_from"?}
/// (`schemas/api/operations.schema.json#/definitions/workflows.advance`).
/// Output in `*json_out` on success: Workflow as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_advance(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.advance", input_json, json_out) } })
}

/// Casts `voter`'s vote on the gate `current phase → to`. One vote per voter per round;
/// named-voter quorums accept only their voters.
///
/// Input: a JSON object {"id", "to", "voter", "approve", "comment"?}
/// (`schemas/api/operations.schema.json#/definitions/workflows.vote`).
/// Output in `*json_out` on success: Gate as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_vote(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.vote", input_json, json_out) } })
}

/// The current state of the gate `current phase → to`.
///
/// Input: a JSON object {"id", "to"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.gate`).
/// Output in `*json_out` on success: Gate as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_gate(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.gate", input_json, json_out) } })
}

/// Pauses an active workflow.
///
/// Input: a JSON object {"id", "actor"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.pause`).
/// Output in `*json_out` on success: Workflow as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_pause(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.pause", input_json, json_out) } })
}

/// Resumes a paused workflow.
///
/// Input: a JSON object {"id", "actor"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.resume`).
/// Output in `*json_out` on success: Workflow as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_resume(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.resume", input_json, json_out) } })
}

/// Fails an active or paused workflow with a reason.
///
/// Input: a JSON object {"id", "reason", "actor"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.fail`).
/// Output in `*json_out` on success: Workflow as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_fail(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.fail", input_json, json_out) } })
}

/// Every history row of the workflow, in commit order.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.history`).
/// Output in `*json_out` on success: array of HistoryEntry as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_history(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.history", input_json, json_out) } })
}

/// Stores a new version of the workflow's `kind` document and returns it.
///
/// Input: a JSON object {"id", "kind", "content", "author"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.put_spec`).
/// Output in `*json_out` on success: SpecDocument as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_put_spec(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.put_spec", input_json, json_out) } })
}

/// The `kind` document at `version`, or the latest version when `None`.
///
/// Input: a JSON object {"id", "kind", "version"?}
/// (`schemas/api/operations.schema.json#/definitions/workflows.spec`).
/// Output in `*json_out` on success: SpecDocument as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_spec(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.spec", input_json, json_out) } })
}

/// Every version of the `kind` document, oldest first.
///
/// Input: a JSON object {"id", "kind"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.spec_versions`).
/// Output in `*json_out` on success: array of SpecDocument as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_spec_versions(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.spec_versions", input_json, json_out) } })
}

/// Deletes a workflow and everything it owns: its history, votes, spec documents, sessions (with
/// their timelines' rows, links and queues), tasks, decisions and checkpoints. What the learning
/// layer learned from it stays. Writes one `workflow.deleted` event carrying its last state; the
/// feed keeps the earlier events.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/workflows.delete`).
/// Output in `*json_out` on success: `null` as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_workflows_delete(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "workflows.delete", input_json, json_out) } })
}
