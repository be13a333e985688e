//! `sessions.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Creates a session in `spawning` with a `session_started` timeline event, and queues the
/// given tasks in order.
///
/// Input: a JSON object {"id"?, "project_id", "workflow_id"?, "name", "role"?, "strategy"?,
/// "parent_session_id"?, "spawn_source"?, "env"?, "metadata"?, "tasks"?}
/// (`schemas/api/operations.schema.json#/definitions/sessions.spawn`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_spawn(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.spawn", input_json, json_out) } })
}

/// The session with this id.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.get`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_get(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.get", input_json, json_out) } })
}

/// Sessions matching `filter`, oldest first.
///
/// Input: a JSON object {"project_id"?, "workflow_id"?, "parent_session_id"?, "status"?}
/// (`schemas/api/operations.schema.json#/definitions/sessions.list`).
/// Output in `*json_out` on success: array of Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.list", input_json, json_out) } })
}

/// Direct children of a session, oldest first.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.children`).
/// Output in `*json_out` on success: array of Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_children(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.children", input_json, json_out) } })
}

/// The session and all its descendants, read in one snapshot.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.tree`).
/// Output in `*json_out` on success: SessionTree as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_tree(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.tree", input_json, json_out) } })
}

/// Moves the session to `to`; illegal moves fail with `from → to` and change nothing. With
/// `expected`, the move happens only if the status still is `expected`.
///
/// Input: a JSON object {"id", "to", "expected"?, "reason"?}
/// (`schemas/api/operations.schema.json#/definitions/sessions.transition`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_transition(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.transition", input_json, json_out) } })
}

/// The agent registered: spawning → idle.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.register`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_register(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.register", input_json, json_out) } })
}

/// working → completed.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.complete`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_complete(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.complete", input_json, json_out) } })
}

/// idle | working → stopped; claimed work is released.
///
/// Input: a JSON object {"id", "reason"?}
/// (`schemas/api/operations.schema.json#/definitions/sessions.stop`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_stop(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.stop", input_json, json_out) } })
}

/// Any live status → failed; claimed work is released.
///
/// Input: a JSON object {"id", "reason"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.fail`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_fail(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.fail", input_json, json_out) } })
}

/// Records that the session is alive.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.heartbeat`).
/// Output in `*json_out` on success: Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_heartbeat(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.heartbeat", input_json, json_out) } })
}

/// Appends an event to the session's timeline. Ended sessions accept no events.
///
/// Input: a JSON object {"id", "event"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.append`).
/// Output in `*json_out` on success: TimelineEvent as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_append(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.append", input_json, json_out) } })
}

/// The session's timeline in append order.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.timeline`).
/// Output in `*json_out` on success: array of TimelineEvent as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_timeline(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.timeline", input_json, json_out) } })
}

/// The session's task links with their per-link status.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.tasks`).
/// Output in `*json_out` on success: array of SessionTask as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_tasks(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.tasks", input_json, json_out) } })
}

/// Fails every live session whose last heartbeat and last feed event (timeline append, claim,
/// queue change) are older than `timeout` (sessions stuck in spawning included), releasing
/// their claimed tasks back to `todo` and their queue items. Returns the reaped sessions. Each
/// session is re-checked and reaped in its own transaction, so a concurrent heartbeat or append
/// wins cleanly.
///
/// Input: a JSON object {"timeout_ms"}
/// (`schemas/api/operations.schema.json#/definitions/sessions.reap_stale`).
/// Output in `*json_out` on success: array of Session as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_sessions_reap_stale(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "sessions.reap_stale", input_json, json_out) } })
}
