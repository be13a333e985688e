//! `checkpoints.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Takes a checkpoint: commits every change in the project's work tree (tracked and untracked,
/// honouring `.gitignore`) on the current branch, or references HEAD when the tree is clean;
/// tags the commit `maestro/checkpoint/<id>` so it survives gc; and stores the workflow's state
/// snapshot. State-only without a repository.
///
/// Input: a JSON object {"workflow_id", "session_id"?, "description"?, "type", "tags"?,
/// "message"} (`schemas/api/operations.schema.json#/definitions/checkpoints.create`).
/// Output in `*json_out` on success: Checkpoint as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_checkpoints_create(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "checkpoints.create", input_json, json_out) } })
}

/// The checkpoint with this id.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/checkpoints.get`).
/// Output in `*json_out` on success: Checkpoint as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_checkpoints_get(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "checkpoints.get", input_json, json_out) } })
}

/// A workflow's checkpoints, oldest first.
///
/// Input: a JSON object {"workflow_id"}
/// (`schemas/api/operations.schema.json#/definitions/checkpoints.list`).
/// Output in `*json_out` on success: array of Checkpoint as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_checkpoints_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "checkpoints.list", input_json, json_out) } })
}

/// Marks invalid every checkpoint of the workflow whose commit no longer exists (after a
/// history rewrite and gc); returns the ones newly marked.
///
/// Input: a JSON object {"workflow_id"}
/// (`schemas/api/operations.schema.json#/definitions/checkpoints.verify`).
/// Output in `*json_out` on success: array of Checkpoint as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_checkpoints_verify(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "checkpoints.verify", input_json, json_out) } })
}

/// The files that differ between two checkpoints' commits.
///
/// Input: a JSON object {"from", "to"}
/// (`schemas/api/operations.schema.json#/definitions/checkpoints.diff`).
/// Output in `*json_out` on success: CheckpointDiff as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_checkpoints_diff(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "checkpoints.diff", input_json, json_out) } })
}

/// Rolls the work tree back to the checkpoint's commit. Before any reset, every uncommitted
/// change — modified, staged and untracked files — is saved to a commit under
/// `refs/maestro/safety/…`, returned in the outcome. A detached HEAD, a merge or rebase in
/// progress, or a live `index.lock` refuse the rollback before anything changes. Then the
/// rollback is counted, logged in the workflow history and (when the checkpoint has a live
/// session) its timeline; with `restore_state`, task statuses and queue positions go back to
/// the snapshot through the change feed.
///
/// Input: a JSON object {"id", "mode", "restore_state"?}
/// (`schemas/api/operations.schema.json#/definitions/checkpoints.rollback`).
/// Output in `*json_out` on success: RollbackOutcome as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_checkpoints_rollback(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "checkpoints.rollback", input_json, json_out) } })
}
