//! `projects.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// Creates a project. Names are unique: a second project with the same name is a conflict.
///
/// Input: a JSON object {"id"?, "name", "root"?}
/// (`schemas/api/operations.schema.json#/definitions/projects.create`).
/// Output in `*json_out` on success: Project as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_projects_create(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "projects.create", input_json, json_out) } })
}

/// The project with this id.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/projects.get`).
/// Output in `*json_out` on success: Project as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_projects_get(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "projects.get", input_json, json_out) } })
}

/// The project with this name.
///
/// Input: a JSON object {"name"}
/// (`schemas/api/operations.schema.json#/definitions/projects.get_by_name`).
/// Output in `*json_out` on success: Project as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_projects_get_by_name(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "projects.get_by_name", input_json, json_out) } })
}

/// Every project, oldest first.
///
/// Input: a JSON object {} (`schemas/api/operations.schema.json#/definitions/projects.list`).
/// Output in `*json_out` on success: array of Project as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_projects_list(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "projects.list", input_json, json_out) } })
}

/// Deletes the project and, by cascade, everything it owns. The feed gets one `project.deleted`
/// event carrying the project's last state; it stands for the deletion of everything in the
/// project (`state_at` returns `None` for all of it from then on).
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/projects.delete`).
/// Output in `*json_out` on success: `null` as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_projects_delete(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "projects.delete", input_json, json_out) } })
}

/// Stores a new version of the project's steering document for `domain`. `audiences` names the
/// agent types it is for; empty means all.
///
/// Input: a JSON object {"project_id", "domain", "content", "audiences"?}
/// (`schemas/api/operations.schema.json#/definitions/projects.put_steering`).
/// Output in `*json_out` on success: SteeringDocument as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_projects_put_steering(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "projects.put_steering", input_json, json_out) } })
}

/// The latest version of every steering document meant for `audience` (or for everyone),
/// ordered by domain.
///
/// Input: a JSON object {"project_id", "audience"}
/// (`schemas/api/operations.schema.json#/definitions/projects.steering_context`).
/// Output in `*json_out` on success: array of SteeringDocument as JSON, owned by the caller
/// (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_projects_steering_context(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "projects.steering_context", input_json, json_out) } })
}
