//! `reports.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// The chronological story of a workflow: phase changes, votes, sessions, their timelines,
/// decisions and outcomes, checkpoints and rollbacks.
///
/// Input: a JSON object {"workflow_id"}
/// (`schemas/api/operations.schema.json#/definitions/reports.execution_log`).
/// Output in `*json_out` on success: string as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_reports_execution_log(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "reports.execution_log", input_json, json_out) } })
}

/// The summary of a workflow: phases with durations; tasks done, failed and skipped, with
/// estimates against actual time; decisions with rationale and outcome; checkpoints and
/// rollbacks; and a Mermaid gantt of sessions and tasks.
///
/// Input: a JSON object {"workflow_id"}
/// (`schemas/api/operations.schema.json#/definitions/reports.final_report`).
/// Output in `*json_out` on success: string as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_reports_final_report(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "reports.final_report", input_json, json_out) } })
}

/// The project's decisions as a living, ADR-like document.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/reports.decisions_md`).
/// Output in `*json_out` on success: string as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_reports_decisions_md(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "reports.decisions_md", input_json, json_out) } })
}

/// `FAILURES.md` of the project: every failure with why it failed and its lesson.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/reports.failures_md`).
/// Output in `*json_out` on success: string as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_reports_failures_md(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "reports.failures_md", input_json, json_out) } })
}

/// `ESTIMATES.md` of the project: estimated against actual effort and the correction factor.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/reports.estimates_md`).
/// Output in `*json_out` on success: string as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_reports_estimates_md(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "reports.estimates_md", input_json, json_out) } })
}

/// `PATTERNS.md` of the project: pattern usage and compliance.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/reports.patterns_md`).
/// Output in `*json_out` on success: string as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_reports_patterns_md(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "reports.patterns_md", input_json, json_out) } })
}
