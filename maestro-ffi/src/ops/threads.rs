//! `threads.*`: one C function per operation, JSON in and out. Blobs travel as
//! `{"type": tag, "data": base64}`.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Stores a checkpoint of (thread, namespace), replacing one with the same id (its pending
/// writes stay); the thread is created by its first put. Answers the checkpoint without its
/// blob.
///
/// Input: a JSON object {"project_id", "thread_id", "checkpoint_ns", "checkpoint_id",
/// "parent_id", "checkpoint", "metadata"}
/// (`schemas/api/operations.schema.json#/definitions/threads.put`).
/// Output in `*json_out` on success: ThreadCheckpoint (without its blob) as JSON, owned by the
/// caller (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_put(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.put", input_json, json_out) } })
}

/// Stores the pending writes of one task for a checkpoint. A write whose (task_id, idx) is
/// already stored is ignored when idx >= 0 and replaces it when idx < 0 (LangGraph's special
/// channels). Answers how many writes were given.
///
/// Input: a JSON object {"project_id", "thread_id", "checkpoint_ns", "checkpoint_id",
/// "task_id", "task_path", "writes"}
/// (`schemas/api/operations.schema.json#/definitions/threads.put_writes`).
/// Output in `*json_out` on success: the number of writes given, as JSON, owned by the caller
/// (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_put_writes(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.put_writes", input_json, json_out) } })
}

/// The checkpoint checkpoint_id of (thread, namespace), or its latest when absent, with its
/// blob and pending writes; null when there is none.
///
/// Input: a JSON object {"project_id", "thread_id", "checkpoint_ns", "checkpoint_id"}
/// (`schemas/api/operations.schema.json#/definitions/threads.get`).
/// Output in `*json_out` on success: ThreadCheckpoint or null as JSON, owned by the caller
/// (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_get(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.get", input_json, json_out) } })
}

/// The project's checkpoints matching every filter given, newest (greatest id) first, with
/// blobs and pending writes.
///
/// Input: a JSON object {"project_id", "thread_id", "checkpoint_ns", "checkpoint_id", "before",
/// "filter", "limit"} (`schemas/api/operations.schema.json#/definitions/threads.list`).
/// Output in `*json_out` on success: array of ThreadCheckpoint as JSON, owned by the caller
/// (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.list", input_json, json_out) } })
}

/// Deletes a thread: every checkpoint and write of every namespace, and the thread. Answers how
/// many checkpoints went (0 for an unknown thread).
///
/// Input: a JSON object {"project_id", "thread_id"}
/// (`schemas/api/operations.schema.json#/definitions/threads.delete`).
/// Output in `*json_out` on success: the number of checkpoints deleted, as JSON, owned by the
/// caller (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_delete(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.delete", input_json, json_out) } })
}

/// Deletes, across the project's threads, every checkpoint whose metadata.run_id is one of
/// run_ids, with its writes. Answers how many checkpoints went.
///
/// Input: a JSON object {"project_id", "run_ids"}
/// (`schemas/api/operations.schema.json#/definitions/threads.delete_runs`).
/// Output in `*json_out` on success: the number of checkpoints deleted, as JSON, owned by the
/// caller (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_delete_runs(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.delete_runs", input_json, json_out) } })
}

/// Copies every checkpoint and write of the source thread (every namespace, same ids) to the
/// target, created with the source's links when new. Answers how many checkpoints (0 for an
/// unknown source).
///
/// Input: a JSON object {"project_id", "source_thread_id", "target_thread_id"}
/// (`schemas/api/operations.schema.json#/definitions/threads.copy`).
/// Output in `*json_out` on success: the number of checkpoints copied, as JSON, owned by the
/// caller (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_copy(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.copy", input_json, json_out) } })
}

/// Prunes threads: keep_latest (the default) keeps the latest checkpoint of each namespace with
/// its writes; delete deletes the threads. Answers how many checkpoints went.
///
/// Input: a JSON object {"project_id", "thread_ids", "strategy"}
/// (`schemas/api/operations.schema.json#/definitions/threads.prune`).
/// Output in `*json_out` on success: the number of checkpoints deleted, as JSON, owned by the
/// caller (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_prune(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.prune", input_json, json_out) } })
}

/// Links a thread (created if new) to a session and a workflow of its project, or clears a link
/// given as null; the workflow defaults to the session's. The session's timeline then shows
/// each new checkpoint.
///
/// Input: a JSON object {"project_id", "thread_id", "session_id", "workflow_id"}
/// (`schemas/api/operations.schema.json#/definitions/threads.link`).
/// Output in `*json_out` on success: Thread as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_link(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.link", input_json, json_out) } })
}

/// The thread (not_found when it was never put or linked).
///
/// Input: a JSON object {"project_id", "thread_id"}
/// (`schemas/api/operations.schema.json#/definitions/threads.get_thread`).
/// Output in `*json_out` on success: Thread as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_get_thread(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.get_thread", input_json, json_out) } })
}

/// Every thread of the project, by thread id.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/threads.list_threads`).
/// Output in `*json_out` on success: array of Thread as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_threads_list_threads(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "threads.list_threads", input_json, json_out) } })
}
