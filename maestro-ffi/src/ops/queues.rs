//! `queues.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Appends a task to the end of the session's queue.
///
/// Input: a JSON object {"session_id", "task_id"}
/// (`schemas/api/operations.schema.json#/definitions/queues.enqueue`).
/// Output in `*json_out` on success: QueueItem as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_queues_enqueue(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "queues.enqueue", input_json, json_out) } })
}

/// The session's queue in FIFO order, every status included.
///
/// Input: a JSON object {"session_id"}
/// (`schemas/api/operations.schema.json#/definitions/queues.list`).
/// Output in `*json_out` on success: array of QueueItem as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_queues_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "queues.list", input_json, json_out) } })
}

/// Atomically takes the first queued item whose task is ready (todo with every dependency
/// completed): the item becomes processing, the task in_progress, the session working, and
/// task_started is written. `None` when no queued item is ready. A conflict if the session is
/// already processing an item.
///
/// Input: a JSON object {"session_id"}
/// (`schemas/api/operations.schema.json#/definitions/queues.next`).
/// Output in `*json_out` on success: QueueItem or null as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_queues_next(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "queues.next", input_json, json_out) } })
}

/// Completes the processing item and its task (task_completed carries the duration). The
/// session stays `working` until it says otherwise (`idle` to wait, `complete` when done).
///
/// Input: a JSON object {"session_id"}
/// (`schemas/api/operations.schema.json#/definitions/queues.complete`).
/// Output in `*json_out` on success: QueueItem as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_queues_complete(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "queues.complete", input_json, json_out) } })
}

/// Fails the processing item and its task.
///
/// Input: a JSON object {"session_id", "reason"}
/// (`schemas/api/operations.schema.json#/definitions/queues.fail`).
/// Output in `*json_out` on success: QueueItem as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_queues_fail(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "queues.fail", input_json, json_out) } })
}

/// Skips an item: a queued one is dropped; a processing one gives its task back to `todo`.
///
/// Input: a JSON object {"session_id", "item_id"}
/// (`schemas/api/operations.schema.json#/definitions/queues.skip`).
/// Output in `*json_out` on success: QueueItem as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_queues_skip(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "queues.skip", input_json, json_out) } })
}
