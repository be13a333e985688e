//! `events.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use maestro_core::schema::limits;
use std::ffi::c_char;

/// The highest committed `seq` (0 when the feed is empty).
///
/// Input: a JSON object {}
/// (`schemas/api/operations.schema.json#/definitions/events.latest_seq`).
/// Output in `*json_out` on success: integer as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_events_latest_seq(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "events.latest_seq", input_json, json_out) } })
}

/// The entity's state as JSON as of feed position `seq`; `None` if it did not exist then (not
/// yet created, or deleted).
///
/// Input: a JSON object {"entity", "id", "seq"}
/// (`schemas/api/operations.schema.json#/definitions/events.state_at`).
/// Output in `*json_out` on success: object or null as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_events_state_at(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "events.state_at", input_json, json_out) } })
}
/// Events after `seq` (0: from the beginning; negative is a validation error at `/seq`) matching `filter_json` (NULL: every event;
/// otherwise an EventFilter such as `{"entities": ["task"], "workflow_id": "wf_..."}`), in
/// commit order, at most `limit` (capped at 100,000). A bad filter is reported with paths
/// under `/filter` (`/filter/entities/0`). Polling: pass the `seq` of the last
/// event you saw to resume, also after a restart; sees the writes of every process.
///
/// Output in `*json_out` on success: array of Event (`schemas/event.schema.json`) as JSON,
/// owned by the caller (free with `maestro_string_free`). Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_events_since(
    maestro: *const maestro_t,
    seq: i64,
    filter_json: *const c_char,
    limit: usize,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({
        let m = &unsafe { crate::handle::handle(maestro) }?.inner;
        let filter = unsafe { crate::strings::opt_arg(filter_json, "filter_json") }?;
        crate::strings::out_ptr(json_out, "json_out")?;
        // The cap is the Rust API's; a C caller may pass SIZE_MAX for "as many as allowed".
        let mut input = serde_json::json!({ "seq": seq, "limit": limit.min(maestro_core::MAX_EVENTS_PER_CALL) });
        if let Some(text) = filter {
            input["filter"] = limits::parse("input", text).map_err(|e| e.within("/filter"))?;
        }
        let events = maestro_core::api::call_parsed(m, "events.since", input)?;
        unsafe { crate::strings::give(json_out, events) }
    })
}

/// The feed horizon: every event after this seq is retained (0 when nothing was ever pruned).
/// `maestro_events_since` and `events.state_at` below it fail with `MAESTRO_PRUNED`.
///
/// Input: a JSON object {}
/// (`schemas/api/operations.schema.json#/definitions/events.horizon`).
/// Output in `*json_out` on success: integer as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_events_horizon(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "events.horizon", input_json, json_out) } })
}
