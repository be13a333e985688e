//! What the C ABI adds per call: the same cheap read and small write through the exported
//! C functions (JSON in, JSON out, string freed) and through the Rust API, same run.
//! Run: `cargo bench -p maestro-benches --bench ffi`.

use criterion::{criterion_group, criterion_main, Criterion};
use maestro::handle::{maestro_close, maestro_open, maestro_t};
use maestro::ops::{sessions::maestro_sessions_heartbeat, tasks::maestro_tasks_get};
use maestro::status::maestro_status_t::MAESTRO_OK;
use maestro::strings::maestro_string_free;
use maestro_benches::*;
use maestro_core::*;
use std::ffi::{c_char, CString};
use std::ptr;

/// Calls one exported operation and frees its output, as a C host does.
fn c_call(
    f: extern "C" fn(*const maestro_t, *const c_char, *mut *mut c_char) -> maestro::status::maestro_status_t,
    m: *const maestro_t,
    input: &CString,
) {
    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(f(m, input.as_ptr(), &mut out), MAESTRO_OK);
    maestro_string_free(out);
}

fn ffi(c: &mut Criterion) {
    // The Rust side: a store with one task and one live session.
    let rust = fixture(Durability::Normal);
    let rust_session = session(&rust);
    let rust_task = rust
        .m
        .tasks()
        .create(NewTask::new(rust.project.clone(), "read me"))
        .unwrap()
        .id;

    // The C side: the same, created through the C ABI on its own file.
    let dir = tempfile::tempdir().unwrap();
    let path = CString::new(dir.path().join("c.db").to_str().unwrap()).unwrap();
    let options = CString::new(r#"{"durability": "normal"}"#).unwrap();
    let mut m: *mut maestro_t = ptr::null_mut();
    assert_eq!(maestro_open(path.as_ptr(), options.as_ptr(), &mut m), MAESTRO_OK);
    let created = |f: extern "C" fn(*const maestro_t, *const c_char, *mut *mut c_char) -> _, input: String| {
        let input = CString::new(input).unwrap();
        let mut out: *mut c_char = ptr::null_mut();
        assert_eq!(f(m, input.as_ptr(), &mut out), MAESTRO_OK);
        let v: serde_json::Value =
            serde_json::from_str(unsafe { std::ffi::CStr::from_ptr(out) }.to_str().unwrap()).unwrap();
        maestro_string_free(out);
        v["id"].as_str().unwrap().to_owned()
    };
    let project = created(
        maestro::ops::projects::maestro_projects_create,
        r#"{"name": "bench"}"#.into(),
    );
    let task = created(
        maestro::ops::tasks::maestro_tasks_create,
        format!(r#"{{"project_id": "{project}", "title": "read me"}}"#),
    );
    let session = created(
        maestro::ops::sessions::maestro_sessions_spawn,
        format!(r#"{{"project_id": "{project}", "name": "bench"}}"#),
    );
    created(
        maestro::ops::sessions::maestro_sessions_register,
        format!(r#"{{"id": "{session}"}}"#),
    );
    let get = CString::new(format!(r#"{{"id": "{task}"}}"#)).unwrap();
    let beat = CString::new(format!(r#"{{"id": "{session}"}}"#)).unwrap();

    let mut g = c.benchmark_group("ffi_read_task_get");
    g.bench_function("rust", |b| b.iter(|| rust.m.tasks().get(&rust_task).unwrap()));
    g.bench_function("c_abi", |b| b.iter(|| c_call(maestro_tasks_get, m, &get)));
    g.finish();

    let mut g = c.benchmark_group("ffi_write_session_heartbeat");
    g.bench_function("rust", |b| {
        b.iter(|| rust.m.sessions().heartbeat(&rust_session).unwrap())
    });
    g.bench_function("c_abi", |b| b.iter(|| c_call(maestro_sessions_heartbeat, m, &beat)));
    g.finish();

    maestro_close(m);
}

criterion_group!(benches, ffi);
criterion_main!(benches);
