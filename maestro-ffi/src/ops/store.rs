//! `store.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Runs a list of operations as one transaction: all of them commit or none does. Each item is
/// `{"op": "<namespace>.<verb>", "input": {...}}`; handle-level operations (store.*) are
/// refused inside. A failure names the item in its path (`/operations/2/input/title`).
///
/// Input: a JSON object {"operations"}
/// (`schemas/api/operations.schema.json#/definitions/store.batch`).
/// Output in `*json_out` on success: array of object as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_batch(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.batch", input_json, json_out) } })
}

/// Writes a consistent copy of the whole store to `dest`, a new file (never overwritten):
/// on SQLite, a database file (SQLite's backup API) that opens as a store; on
/// PostgreSQL, a `pg_dump --format=custom` archive, restored with `pg_restore`.
///
/// Input: a JSON object {"path"}
/// (`schemas/api/operations.schema.json#/definitions/store.backup`).
/// Output in `*json_out` on success: `null` as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_backup(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.backup", input_json, json_out) } })
}

/// Exports every project to `dir` (which must not exist or be empty) as stable, pretty JSON
/// plus the markdown reports, read in one consistent snapshot while writers go on, and written
/// all at once. Returns the number of files. Every file stays inside `dir`. See
/// `crate::exchange` for the layout.
///
/// Input: a JSON object {"dir"}
/// (`schemas/api/operations.schema.json#/definitions/store.export`).
/// Output in `*json_out` on success: integer as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_export(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.export", input_json, json_out) } })
}

/// Imports an export: validates every file against its schema and the references between them
/// first, then applies everything in one transaction — all or nothing. Ids that already exist
/// in this store are a conflict.
///
/// Input: a JSON object {"dir"}
/// (`schemas/api/operations.schema.json#/definitions/store.import`).
/// Output in `*json_out` on success: ImportSummary as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_import(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.import", input_json, json_out) } })
}

/// Runs the store's integrity check.
///
/// Input: a JSON object {}
/// (`schemas/api/operations.schema.json#/definitions/store.check_integrity`).
/// Output in `*json_out` on success: `null` as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_check_integrity(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.check_integrity", input_json, json_out) } })
}

/// Exports one workflow as retention archives it: the export layout narrowed to the workflow,
/// its sessions and tasks, with its project's file. `dir` must not exist or be empty. Returns
/// the number of files.
///
/// Input: a JSON object {"workflow_id", "dir"}
/// (`schemas/api/operations.schema.json#/definitions/store.export_workflow`).
/// Output in `*json_out` on success: integer as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_export_workflow(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.export_workflow", input_json, json_out) } })
}

/// Applies the retention policy (the config's `retention` section, with the keys of `policy`
/// replacing its values for this call) and reports what it removed; with `dry_run`, exactly what it would remove and archive, writing nothing.
/// Ended workflows are archived before they are deleted; learning is never pruned; the feed
/// gets a horizon below which reads fail with `MAESTRO_PRUNED`. Short transactions, idempotent,
/// resumable after a crash.
///
/// Input: a JSON object {"policy", "dry_run"}
/// (`schemas/api/operations.schema.json#/definitions/store.prune`).
/// Output in `*json_out` on success: PruneReport as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_prune(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.prune", input_json, json_out) } })
}

/// The configuration the handle runs with: its `config.yaml` merged with the open options.
///
/// Input: a JSON object {}
/// (`schemas/api/operations.schema.json#/definitions/store.config`).
/// Output in `*json_out` on success: Config as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_store_config(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "store.config", input_json, json_out) } })
}
