//! The schemas in `schemas/`: they compile, their enums equal the Rust enums (no drift),
//! every example validates, every document of the invalid corpus is rejected at its
//! expected JSON path, and what the store writes validates.

mod common;

use common::*;
use maestro_core::decision::*;
use maestro_core::learning::{NewAgentLog, NewComplexitySnapshot, NewPatternUsage};
use maestro_core::schema::Schema;
use maestro_core::workflow::Terminal;
use maestro_core::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn names<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(|v| v.to_string()).collect()
}

/// Every enum the schemas may use, from the one Rust declaration of each.
fn rust_enums() -> BTreeMap<&'static str, Vec<String>> {
    BTreeMap::from([
        ("TaskStatus", names(TaskStatus::ALL)),
        ("Priority", names(Priority::ALL)),
        ("LinkStatus", names(LinkStatus::ALL)),
        ("QueueStatus", names(QueueStatus::ALL)),
        ("TimelineType", names(TimelineType::ALL)),
        ("SessionStatus", names(SessionStatus::ALL)),
        ("Strategy", names(Strategy::ALL)),
        ("SpawnSource", names(SpawnSource::ALL)),
        ("Terminal", names(Terminal::ALL)),
        ("HistoryKind", names(HistoryKind::ALL)),
        ("WorkflowStatus", names(WorkflowStatus::ALL)),
        ("CheckpointType", names(CheckpointType::ALL)),
        ("EntityKind", names(EntityKind::ALL)),
        ("DecisionCategory", names(DecisionCategory::ALL)),
        ("Confidence", names(Confidence::ALL)),
        ("Scope", names(Scope::ALL)),
        ("RiskLevel", names(RiskLevel::ALL)),
        ("Reversibility", names(Reversibility::ALL)),
        ("OutcomeStatus", names(OutcomeStatus::ALL)),
        ("Durability", names(Durability::ALL)),
        ("RollbackMode", names(RollbackMode::ALL)),
        ("PruneStrategy", names(maestro_core::thread::PruneStrategy::ALL)),
    ])
}

/// Every `enum` in `v` with the JSON pointer of the object holding it.
fn enums_in(v: &Value, path: &str, out: &mut Vec<(String, Vec<String>)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(values)) = m.get("enum") {
                out.push((
                    path.to_owned(),
                    values
                        .iter()
                        .map(|v| v.as_str().unwrap_or("<not a string>").to_owned())
                        .collect(),
                ));
            }
            for (k, child) in m {
                enums_in(child, &format!("{path}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                enums_in(child, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn there_is_one_schema_file_per_document_and_each_compiles() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter(|n| n.ends_with(".schema.json"))
        .collect();
    on_disk.sort();
    let mut known: Vec<String> = Schema::ALL.iter().map(|s| s.file_name()).collect();
    known.sort();
    assert_eq!(on_disk, known);
    assert_eq!(
        Schema::ALL.len(),
        23,
        "19 SPEC §5 documents + 3 learning records + agent-thread records"
    );
    for s in Schema::ALL {
        let v: Value = serde_json::from_str(s.source()).unwrap();
        assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#", "{s}");
        assert_eq!(v["schema_version"], 1, "{s} carries schema_version");
        assert_eq!(
            std::fs::read_to_string(dir().join(s.file_name())).unwrap(),
            s.source(),
            "the compiled-in copy of {s} is the file"
        );
        // Compiles (a broken schema panics here) and rejects a non-object.
        assert!(s.validate(&Value::from(3)).is_err(), "{s}");
    }
}

#[test]
fn every_schema_enum_is_a_rust_enum_with_the_same_values_in_the_same_order() {
    let rust = rust_enums();
    let mut used = std::collections::BTreeSet::new();
    let documents = Schema::ALL.iter().map(|s| (s.to_string(), s.source()));
    let api = std::iter::once(("api/operations".to_owned(), maestro_core::api::OPERATIONS_SCHEMA));
    for (s, source) in documents.chain(api) {
        let v: Value = serde_json::from_str(source).unwrap();
        let mut found = Vec::new();
        enums_in(&v, "", &mut found);
        for (path, values) in found {
            let name = path
                .strip_prefix("/definitions/")
                .filter(|n| !n.contains('/'))
                .unwrap_or_else(|| panic!("{s}: enum at {path}; enums live only in /definitions/<RustEnumName>"));
            let want = rust
                .get(name)
                .unwrap_or_else(|| panic!("{s}: /definitions/{name} is not a Rust enum"));
            assert_eq!(&values, want, "{s}: {name} drifted from the Rust enum");
            used.insert(name.to_owned());
        }
    }
    let unused: Vec<_> = rust.keys().filter(|k| !used.contains(**k)).collect();
    assert!(unused.is_empty(), "Rust enums no schema uses: {unused:?}");
}

fn schema_for(file: &str) -> Schema {
    let stem = file.split('.').next().unwrap();
    Schema::parse(stem).unwrap_or_else(|_| panic!("{file}: no schema named {stem}"))
}

#[test]
fn every_example_validates() {
    let mut n = 0;
    for e in std::fs::read_dir(dir().join("examples")).unwrap() {
        let path = e.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let schema = schema_for(&file);
        let v = schema.parse_json(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        if schema == Schema::Session {
            for item in v["timeline"].as_array().into_iter().flatten() {
                Schema::TimelineEvent
                    .validate(item)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
            }
            for item in v["queue"].as_array().into_iter().flatten() {
                Schema::QueueItem
                    .validate(item)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
            }
        }
        n += 1;
    }
    assert!(n >= Schema::ALL.len(), "at least one example per schema, found {n}");
    for name in ["spec", "flow", "pipeline"] {
        let model = serde_json::to_value(builtin_model(name).unwrap()).unwrap();
        Schema::PhaseModel
            .validate(&model)
            .unwrap_or_else(|e| panic!("built-in {name}: {e}"));
    }
}

#[test]
fn the_invalid_corpus_is_rejected_at_the_expected_paths() {
    let mut total = 0;
    for e in std::fs::read_dir(dir().join("invalid")).unwrap() {
        let path = e.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        let schema = schema_for(&file);
        let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in cases {
            let what = case["description"].as_str().unwrap();
            let want = case["expect_path"].as_str().unwrap();
            let text = serde_json::to_string(&case["document"]).unwrap();
            let err = schema
                .parse_json(&text)
                .expect_err(&format!("{file}: {what}: accepted"));
            assert_eq!(err.kind(), ErrorKind::Validation, "{file}: {what}");
            assert_eq!(err.path(), Some(want), "{file}: {what}: {err}");
            assert!(err.to_string().contains("(violates /"), "names the constraint: {err}");
            assert!(
                err.to_string().len() < 2_000,
                "a huge value is not echoed back: {file}: {what}"
            );
            total += 1;
        }
    }
    assert!(total >= 100, "the corpus has {total} documents");
}

#[test]
fn limits_on_untrusted_documents_are_clear_errors() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = Schema::Decision.parse_json(&deep).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let mut nested = serde_json::json!({});
    for _ in 0..80 {
        nested = serde_json::json!({ "x": nested });
    }
    let mut session: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("examples/session.json")).unwrap()).unwrap();
    session["metadata"] = nested;
    let e = Schema::Session.validate(&session).unwrap_err();
    assert_eq!(e.path(), Some(format!("/metadata{}", "/x".repeat(63)).as_str()), "{e}");
    assert!(e.to_string().contains("nested more than 64"), "{e}");
    let e = Schema::Decision.parse_json("{\"decision\": ").unwrap_err();
    assert!(e.to_string().contains("not valid JSON"), "{e}");
}

#[test]
fn what_the_store_writes_validates_against_the_schemas() {
    let b = &backends()[0];
    let m = &b.m;
    let p = project(m, "shop");
    let wf = m
        .workflows()
        .create(NewWorkflow::new(
            p.id.clone(),
            "checkout",
            ModelRef::Builtin("spec".into()),
        ))
        .unwrap();
    let mut ns = NewSession::new(p.id.clone(), "coder");
    ns.workflow_id = Some(wf.id.clone());
    let s = m.sessions().spawn(ns).unwrap();
    m.sessions().register(&s.id).unwrap();
    let t = task(m, &p.id, "schema", &[]);
    m.queues().enqueue(&s.id, &t.id).unwrap();
    m.queues().next(&s.id).unwrap();
    let mut nd = NewDecision::new(wf.id.clone(), "tech_stack", "Postgres", "JSONB");
    nd.subject = Some(Subject {
        category: Some("database".into()),
        technology: Some("postgresql".into()),
        pattern: None,
    });
    nd.impact = Some(Impact {
        scope: Scope::Codebase,
        risk_level: RiskLevel::Low,
        reversibility: Reversibility::Moderate,
    });
    let d = m.decisions().record(nd).unwrap();
    let d = m
        .decisions()
        .record_outcome(&d.id, NewOutcome::new(OutcomeStatus::Successful))
        .unwrap();
    let c = m
        .checkpoints()
        .create(NewCheckpoint::new(wf.id.clone(), "cp", CheckpointType::Manual))
        .unwrap();
    let l = m.learning();
    let log = l
        .log_agent(NewAgentLog {
            project_id: p.id.clone(),
            workflow_id: Some(wf.id.clone()),
            session_id: Some(s.id.clone()),
            agent: "backend-coder".into(),
            phase: "implementing".into(),
            action: "edit".into(),
            duration_ms: 1250.0,
            success: false,
            error: Some("tests failed".into()),
        })
        .unwrap();
    let snapshot = l
        .record_complexity(NewComplexitySnapshot {
            project_id: p.id.clone(),
            workflow_id: Some(wf.id.clone()),
            file: "src/checkout.rs".into(),
            complexity: 0.0,
            lines: Some(0),
        })
        .unwrap();
    let usage = l
        .record_pattern_usage(NewPatternUsage {
            project_id: p.id.clone(),
            workflow_id: None,
            pattern: "repository".into(),
            file: None,
            compliance: 1.0,
            notes: Some(String::new()),
        })
        .unwrap();

    let check = |schema: Schema, v: Value| schema.validate(&v).unwrap_or_else(|e| panic!("{schema}: {e}\n{v:#}"));
    check(
        Schema::Project,
        serde_json::to_value(m.projects().get(&p.id).unwrap()).unwrap(),
    );
    check(
        Schema::Workflow,
        serde_json::to_value(m.workflows().get(&wf.id).unwrap()).unwrap(),
    );
    check(
        Schema::Session,
        serde_json::to_value(m.sessions().get(&s.id).unwrap()).unwrap(),
    );
    check(
        Schema::Task,
        serde_json::to_value(m.tasks().get(&t.id).unwrap()).unwrap(),
    );
    for q in m.queues().list(&s.id).unwrap() {
        check(Schema::QueueItem, serde_json::to_value(q).unwrap());
    }
    for e in m.sessions().timeline(&s.id).unwrap() {
        check(Schema::TimelineEvent, serde_json::to_value(e).unwrap());
    }
    check(Schema::Decision, serde_json::to_value(&d).unwrap());
    check(
        Schema::DecisionOutcome,
        serde_json::to_value(d.outcome().unwrap()).unwrap(),
    );
    check(Schema::Checkpoint, serde_json::to_value(c).unwrap());
    check(Schema::AgentLog, serde_json::to_value(&log).unwrap());
    check(Schema::ComplexitySnapshot, serde_json::to_value(&snapshot).unwrap());
    check(Schema::PatternUsage, serde_json::to_value(&usage).unwrap());
    for e in m.events().since(0, &EventFilter::default(), 1000).unwrap() {
        check(Schema::Event, serde_json::to_value(e).unwrap());
    }
}
