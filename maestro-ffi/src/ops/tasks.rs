//! `tasks.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Creates a task in `todo`. Parent and dependencies must exist in the same project.
///
/// Input: a JSON object {"id"?, "project_id", "workflow_id"?, "parent_id"?, "title",
/// "description"?, "priority"?, "labels"?, "estimate"?, "depends_on"?}
/// (`schemas/api/operations.schema.json#/definitions/tasks.create`).
/// Output in `*json_out` on success: Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_create(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.create", input_json, json_out) } })
}

/// The task with this id, with its dependencies.
///
/// Input: a JSON object {"id"} (`schemas/api/operations.schema.json#/definitions/tasks.get`).
/// Output in `*json_out` on success: Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_get(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.get", input_json, json_out) } })
}

/// Every task of a project, oldest first.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.list`).
/// Output in `*json_out` on success: array of Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.list", input_json, json_out) } })
}

/// Direct subtasks of a task, oldest first.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.children`).
/// Output in `*json_out` on success: array of Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_children(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.children", input_json, json_out) } })
}

/// Makes `task` depend on `depends_on`. Rejects a dangling reference, a task of another
/// project, and any edge that would close a cycle (the error names the cycle).
///
/// Input: a JSON object {"id", "depends_on"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.add_dependency`).
/// Output in `*json_out` on success: Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_add_dependency(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.add_dependency", input_json, json_out) } })
}

/// Removes a dependency edge.
///
/// Input: a JSON object {"id", "depends_on"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.remove_dependency`).
/// Output in `*json_out` on success: Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_remove_dependency(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.remove_dependency", input_json, json_out) } })
}

/// Moves the task to `to`, enforcing the transition table; with `session`, the link and
/// timeline follow. `expected` makes it a compare-and-swap on the current status. Starting a
/// task requires its dependencies to be completed.
///
/// Input: a JSON object {"id", "to", "session_id"?, "expected"?}
/// (`schemas/api/operations.schema.json#/definitions/tasks.transition`).
/// Output in `*json_out` on success: Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_transition(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.transition", input_json, json_out) } })
}

/// Completes the task (from in_progress or in_review), crediting `session`.
///
/// Input: a JSON object {"id", "session_id"?}
/// (`schemas/api/operations.schema.json#/definitions/tasks.complete`).
/// Output in `*json_out` on success: Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_complete(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.complete", input_json, json_out) } })
}

/// Fails the task with a reason, crediting `session`.
///
/// Input: a JSON object {"id", "session_id"?, "reason"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.fail`).
/// Output in `*json_out` on success: Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_fail(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.fail", input_json, json_out) } })
}

/// Ready tasks of a project: `todo` with every dependency completed, by priority (critical
/// first), then age.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.ready`).
/// Output in `*json_out` on success: array of Task as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_ready(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.ready", input_json, json_out) } })
}

/// Every task of the project in an order where dependencies come first.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.topological_order`).
/// Output in `*json_out` on success: array of TaskId as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_topological_order(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.topological_order", input_json, json_out) } })
}

/// The project's tasks in parallel layers: each task's dependencies lie in earlier layers.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.layers`).
/// Output in `*json_out` on success: array of arrays of TaskId as JSON, owned by the caller
/// (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_layers(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.layers", input_json, json_out) } })
}

/// Atomically hands the highest-priority ready task matching `filter` in the session's project
/// to the session: the task becomes in_progress, the link working, the session working, and
/// task_started is written. Of any number of concurrent claimers in any number of processes,
/// each task goes to exactly one. `None` when nothing is ready.
///
/// Input: a JSON object {"session_id", "filter"?}
/// (`schemas/api/operations.schema.json#/definitions/tasks.claim`).
/// Output in `*json_out` on success: Task or null as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_claim(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.claim", input_json, json_out) } })
}

/// The sessions linked to a task, with their per-link status.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/tasks.sessions`).
/// Output in `*json_out` on success: array of SessionTask as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_tasks_sessions(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "tasks.sessions", input_json, json_out) } })
}
