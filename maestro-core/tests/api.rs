//! The JSON surface every binding uses: each operation of the table has a schema and a
//! dispatch arm, inputs are checked at the right JSON paths, and a scenario runs end to
//! end on a real database file.

use maestro_core::{api, ErrorKind, Maestro, Options};
use serde_json::{json, Value};

fn call(m: &Maestro, op: &str, input: Value) -> Value {
    let text = api::call(m, op, &input.to_string()).unwrap_or_else(|e| panic!("{op} {input}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn fails(m: &Maestro, op: &str, input: &str) -> maestro_core::Error {
    api::call(m, op, input).expect_err(&format!("{op} {input} should fail"))
}

#[test]
fn every_operation_has_an_input_schema_and_a_dispatch_arm() {
    let schema: Value = serde_json::from_str(api::OPERATIONS_SCHEMA).unwrap();
    let defs = schema["definitions"].as_object().unwrap();
    let in_schema: Vec<&String> = defs.keys().filter(|k| k.contains('.')).collect();
    let in_table = maestro_core::ops::names();
    assert_eq!(in_schema.len(), in_table.len(), "schema operations {in_schema:?}");
    let m = Maestro::open_in_memory().unwrap();
    for op in &in_table {
        assert!(defs.contains_key(op), "no schema for {op}");
        // `{}` either runs (operations without required arguments) or is refused by the
        // schema; it never reaches "unknown operation".
        if let Err(e) = api::call(&m, op, "{}") {
            assert!(!e.to_string().contains("unknown operation"), "{op}: {e}");
            if e.kind() == ErrorKind::Validation && e.to_string().contains("required") {
                assert_eq!(e.path(), Some(""), "{op}: {e}");
            }
        }
    }
    // `{}` stops at the schema for most operations: check the arms by name too.
    let dispatch = include_str!("../src/api/dispatch.rs");
    for op in &in_table {
        assert!(
            dispatch.contains(&format!("\"{op}\" =>")),
            "dispatch.rs has no arm for {op}"
        );
    }
    let e = fails(&m, "sessions.explode", "{}");
    assert_eq!((e.kind(), e.path()), (ErrorKind::Validation, Some("op")));
}

#[test]
fn a_workflow_runs_end_to_end_through_json_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = Maestro::open(dir.path().join("m.db"), Options::default()).unwrap();
    let p = call(&m, "projects.create", json!({"name": "shop"}));
    let pid = p["id"].as_str().unwrap();
    let w = call(
        &m,
        "workflows.create",
        json!({"project_id": pid, "feature": "login", "model": "flow"}),
    );
    let wid = w["id"].as_str().unwrap();
    let db = call(
        &m,
        "tasks.create",
        json!({"project_id": pid, "workflow_id": wid, "title": "DB", "labels": ["database"]}),
    );
    let api_task = call(
        &m,
        "tasks.create",
        json!({"project_id": pid, "title": "API", "depends_on": [db["id"]], "priority": "high"}),
    );
    let ready = call(&m, "tasks.ready", json!({"project_id": pid}));
    assert_eq!(ready.as_array().unwrap().len(), 1);
    assert_eq!(ready[0]["id"], db["id"]);
    let s = call(
        &m,
        "sessions.spawn",
        json!({"project_id": pid, "workflow_id": wid, "name": "w1", "strategy": "dag"}),
    );
    let sid = s["id"].as_str().unwrap();
    assert_eq!(call(&m, "sessions.register", json!({"id": sid}))["status"], "idle");
    let claimed = call(
        &m,
        "tasks.claim",
        json!({"session_id": sid, "filter": {"labels": ["database"]}}),
    );
    assert_eq!(
        (claimed["id"].clone(), claimed["status"].clone()),
        (db["id"].clone(), json!("in_progress"))
    );
    assert_eq!(call(&m, "tasks.claim", json!({"session_id": sid})), Value::Null);
    call(
        &m,
        "sessions.append",
        json!({"id": sid, "event": {"type": "progress", "message": "half", "metadata": {"progress": 0.5}}}),
    );
    let done = call(&m, "tasks.complete", json!({"id": db["id"], "session_id": sid}));
    assert_eq!(done["status"], "completed");
    assert_eq!(
        call(&m, "tasks.ready", json!({"project_id": pid}))[0]["id"],
        api_task["id"]
    );
    let order = call(&m, "tasks.topological_order", json!({"project_id": pid}));
    assert_eq!(order, json!([db["id"], api_task["id"]]));
    let tl = call(&m, "sessions.timeline", json!({"id": sid}));
    assert!(tl.as_array().unwrap().iter().any(|e| e["message"] == "half"));
    let evs = call(&m, "events.since", json!({"seq": 0, "filter": {"entities": ["task"]}}));
    let kinds: Vec<&str> = evs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"task.created"));
    assert!(
        kinds.contains(&"task.claimed") || kinds.contains(&"task.updated"),
        "{kinds:?}"
    );
    let latest = call(&m, "events.latest_seq", json!({}));
    assert!(latest.as_i64().unwrap() >= evs.as_array().unwrap().len() as i64);
    assert_eq!(call(&m, "store.check_integrity", json!({})), Value::Null);
}

#[test]
fn rejected_inputs_name_the_json_path_and_change_nothing() {
    let m = Maestro::open_in_memory().unwrap();
    let pid = call(&m, "projects.create", json!({"name": "p"}))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = call(&m, "events.latest_seq", json!({}));
    let cases: &[(&str, String, &str)] = &[
        (
            "tasks.create",
            json!({"project_id": pid, "title": "t", "labels": ["ok", 7]}).to_string(),
            "/labels/1",
        ),
        (
            "tasks.create",
            json!({"project_id": pid, "title": "t", "colour": "red"}).to_string(),
            "/colour",
        ),
        (
            "sessions.spawn",
            json!({"project_id": "../etc", "name": "x"}).to_string(),
            "/project_id",
        ),
        (
            "sessions.append",
            json!({"id": "ses_x", "event": {"type": "dance"}}).to_string(),
            "/event/type",
        ),
        (
            "workflows.create",
            json!({"project_id": pid, "feature": "f", "model": {"name": "m", "phases": 3}}).to_string(),
            "/model",
        ),
        ("projects.create", "{\"name\": ".to_owned(), ""),
        ("projects.create", "[1,2]".to_owned(), ""),
        (
            "store.batch",
            json!({"operations": [
            {"op": "tasks.create", "input": {"project_id": pid, "title": "kept?"}},
            {"op": "tasks.create", "input": {"project_id": pid, "title": ""}}]})
            .to_string(),
            "/operations/1/input/title",
        ),
    ];
    for (op, input, path) in cases {
        let e = fails(&m, op, input);
        assert_eq!(e.kind(), ErrorKind::Validation, "{op} {input}: {e}");
        let got = e.path().unwrap_or_default();
        let matches = if path.is_empty() {
            got.is_empty()
        } else {
            got.starts_with(path)
        };
        assert!(matches, "{op} {input}: path {got:?}, want {path:?}: {e}");
    }
    assert_eq!(
        call(&m, "events.latest_seq", json!({})),
        before,
        "a rejected input wrote something"
    );
    assert_eq!(call(&m, "tasks.list", json!({"project_id": pid})), json!([]));
}

#[test]
fn a_batch_commits_together_and_domain_errors_keep_their_kind() {
    let m = Maestro::open_in_memory().unwrap();
    let pid = call(&m, "projects.create", json!({"name": "p"}))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = call(
        &m,
        "store.batch",
        json!({"operations": [
            {"op": "tasks.create", "input": {"id": "a", "project_id": pid, "title": "A"}},
            {"op": "tasks.create", "input": {"id": "b", "project_id": pid, "title": "B", "depends_on": ["a"]}},
            {"op": "tasks.ready", "input": {"project_id": pid}}]}),
    );
    assert_eq!(out[2].as_array().unwrap().len(), 1);
    assert_eq!(out[2][0]["id"], "a");

    let e = fails(
        &m,
        "tasks.transition",
        &json!({"id": "b", "to": "completed"}).to_string(),
    );
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(e.to_string().contains("todo → completed"), "{e}");
    let e = fails(&m, "tasks.get", r#"{"id": "nope"}"#);
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = fails(
        &m,
        "store.batch",
        &json!({"operations": [{"op": "tasks.create", "input": {"id": "c", "project_id": pid, "title": "C"}},
                               {"op": "tasks.add_dependency", "input": {"id": "a", "depends_on": "b"}}]})
        .to_string(),
    );
    assert_eq!(e.kind(), ErrorKind::Validation, "a cycle: {e}");
    assert_eq!(
        call(&m, "tasks.list", json!({"project_id": pid}))
            .as_array()
            .unwrap()
            .len(),
        2,
        "c was rolled back"
    );
    let e = fails(
        &m,
        "store.batch",
        &json!({"operations": [{"op": "store.check_integrity"}]}).to_string(),
    );
    assert!(e.to_string().contains("inside a batch"), "{e}");
}

/// `tests/errors/cases.json`, the error table every language runs: each case fails with
/// its kind, its JSON pointer into the input and a message naming what it lists.
#[test]
fn the_shared_error_table() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/errors/cases.json");
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let m = Maestro::open_in_memory().unwrap();
    for step in table["setup"].as_array().unwrap() {
        api::call(&m, step["op"].as_str().unwrap(), &step["input"].to_string())
            .unwrap_or_else(|e| panic!("setup {}: {e}", step["op"]));
    }
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let e = api::call(&m, case["op"].as_str().unwrap(), &case["input"].to_string())
            .expect_err(&format!("{name}: succeeded"));
        assert_eq!(e.kind().as_str(), case["kind"].as_str().unwrap(), "{name}: {e}");
        assert_eq!(e.path(), case["path"].as_str(), "{name}: {e}");
        for part in case["message"].as_array().unwrap() {
            assert!(e.to_string().contains(part.as_str().unwrap()), "{name}: {e}");
        }
        if case.get("entity").is_some() {
            assert_eq!(e.entity(), case["entity"].as_str(), "{name}: {e}");
            assert_eq!(e.entity_id(), case["id"].as_str(), "{name}: {e}");
            let states = case["from"].as_str().zip(case["to"].as_str());
            assert_eq!(e.states(), states, "{name}: {e}");
        }
    }
}
