//! Export and import: byte-identical round trips, all-or-nothing imports, hostile ids that
//! never escape the export directory, and a consistent export of a live database.

mod common;

#[path = "common/scripted.rs"]
mod scripted;

use maestro_core::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{backends, tree, Backend};

fn file_db(dir: &Path, name: &str) -> Maestro {
    Maestro::open(dir.join(name), Options::durability(Durability::Normal)).unwrap()
}

/// The scripted workflow exported from every backend, imported into an empty store of
/// every backend (SQLite → SQLite, PostgreSQL → PostgreSQL, PostgreSQL → SQLite, SQLite →
/// PostgreSQL...) and exported again: byte-identical, and the imported store answers as
/// the original does.
#[test]
fn export_import_export_is_byte_identical() {
    for src in backends() {
        let tmp = tempfile::tempdir().unwrap();
        let a = &src.m;
        let wf = scripted::checkout(a);
        let n = a.export(tmp.path().join("one")).unwrap();
        let one = tree(&tmp.path().join("one"));
        assert_eq!(n, one.len(), "{}", src.name);
        for want in [
            "DECISIONS.md".to_string(),
            format!("workflows/{wf}/metadata.json"),
            format!("workflows/{wf}/decisions.json"),
            format!("workflows/{wf}/checkpoints.json"),
            format!("workflows/{wf}/execution-log.md"),
            format!("workflows/{wf}/final-report.md"),
        ] {
            assert!(one.contains_key(Path::new(&want)), "{}: missing {want}", src.name);
        }
        let in_sessions = |ext: &str| {
            one.keys()
                .filter(|p| p.starts_with("sessions") && p.extension().is_some_and(|e| e == ext))
                .count()
        };
        assert_eq!(
            (in_sessions("json"), in_sessions("jsonl")),
            (3, 3),
            "{}: each session and its timeline",
            src.name
        );
        assert_eq!(one.keys().filter(|p| p.starts_with("tasks")).count(), 4, "{}", src.name);

        for dst in backends() {
            let (b, to) = (&dst.m, format!("{} → {}", src.name, dst.name));
            let sum = b.import(tmp.path().join("one")).unwrap();
            assert_eq!(
                (
                    sum.projects,
                    sum.workflows,
                    sum.sessions,
                    sum.tasks,
                    sum.decisions,
                    sum.checkpoints
                ),
                (1, 1, 3, 4, 2, 1),
                "{to}"
            );
            let two_dir = tmp.path().join(format!("two-{}", dst.name));
            b.export(&two_dir).unwrap();
            let two = tree(&two_dir);
            assert_eq!(one.keys().collect::<Vec<_>>(), two.keys().collect::<Vec<_>>(), "{to}");
            for (path, bytes) in &one {
                assert!(
                    bytes == &two[path],
                    "{to}: {} differs after the round trip",
                    path.display()
                );
            }

            // The imported store works like the original: same ready set, same decision queries.
            let p = b.projects().get_by_name("shop").unwrap();
            let ready = |m: &Maestro| {
                m.tasks()
                    .ready(&p.id)
                    .unwrap()
                    .into_iter()
                    .map(|t| t.id)
                    .collect::<Vec<_>>()
            };
            assert_eq!(ready(a), ready(b), "{to}");
            let hits = b
                .decisions()
                .search("PostgreSQL", &DecisionFilter::default(), 10)
                .unwrap();
            assert_eq!(hits.len(), 1, "{to}");
            assert_eq!(hits[0].outcome().unwrap().status, OutcomeStatus::Successful, "{to}");
            assert_eq!(
                b.sessions()
                    .timeline(&b.sessions().list(&SessionFilter::default()).unwrap()[1].id)
                    .unwrap(),
                a.sessions()
                    .timeline(&a.sessions().list(&SessionFilter::default()).unwrap()[1].id)
                    .unwrap(),
                "{to}"
            );
        }
    }
}

#[test]
fn a_bad_file_anywhere_leaves_the_store_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let a = file_db(tmp.path(), "a.db");
    let wf = scripted::checkout(&a);
    a.export(tmp.path().join("good")).unwrap();
    let good = tree(&tmp.path().join("good"));
    let task = good.keys().filter(|p| p.starts_with("tasks")).nth(2).unwrap().clone();
    let session = good
        .keys()
        .filter(|p| p.starts_with("sessions") && p.extension().is_some_and(|e| e == "jsonl"))
        .nth(1)
        .unwrap()
        .clone();
    let text = |p: &Path| String::from_utf8(good[p].clone()).unwrap();

    let cases: Vec<(PathBuf, String, String)> = vec![
        (
            task.clone(),
            text(&task).replacen("\"priority\": \"", "\"priority\": \"urgent-", 1),
            format!("{}#/priority", task.display()),
        ),
        (task.clone(), "{ not json".into(), format!("{}#", task.display())),
        (
            session.clone(),
            text(&session).replacen("\"type\":\"", "\"type\":\"x", 1),
            format!("{}#/0/type", session.display()),
        ),
        (
            PathBuf::from(format!("workflows/{wf}/decisions.json")),
            text(Path::new(&format!("workflows/{wf}/decisions.json"))).replacen(
                "\"risk_level\": \"medium\"",
                "\"risk_level\": \"extreme\"",
                1,
            ),
            format!("workflows/{wf}/decisions.json#/0/impact/risk_level"),
        ),
        (
            task.clone(),
            text(&task).replacen("\"id\": \"tsk_", "\"id\": \"tsk_other", 1),
            format!("{}#/id", task.display()),
        ),
    ];
    for (i, (file, content, path)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(format!("bad{i}"));
        for (p, bytes) in &good {
            std::fs::create_dir_all(dir.join(p).parent().unwrap()).unwrap();
            std::fs::write(dir.join(p), bytes).unwrap();
        }
        std::fs::write(dir.join(&file), content).unwrap();
        let b = file_db(tmp.path(), &format!("b{i}.db"));
        let e = b.import(&dir).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
        assert_eq!(e.path(), Some(path.as_str()), "{e}");
        assert!(b.projects().list().unwrap().is_empty(), "case {i}: nothing imported");
        assert_eq!(b.events().latest_seq().unwrap(), 0, "case {i}: nothing written");
    }

    // A conflict met halfway through the transaction (the tasks exist already) rolls
    // back the projects and workflows written before it.
    let c = file_db(tmp.path(), "c.db");
    c.import(tmp.path().join("good")).unwrap();
    let d = file_db(tmp.path(), "d.db");
    let dir = tmp.path().join("renamed");
    for (p, bytes) in &good {
        std::fs::create_dir_all(dir.join(p).parent().unwrap()).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        std::fs::write(dir.join(p), text.replace("\"name\": \"shop\"", "\"name\": \"shop2\"")).unwrap();
    }
    d.import(tmp.path().join("good")).unwrap();
    let before = d.events().latest_seq().unwrap();
    let e = d.import(&dir).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert_eq!(d.events().latest_seq().unwrap(), before);
    assert_eq!(d.projects().list().unwrap().len(), 1);
}

#[test]
fn hostile_ids_never_leave_the_export_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let m = file_db(tmp.path(), "a.db");
    let p = m
        .projects()
        .create(NewProject {
            name: "scratch".into(),
            ..Default::default()
        })
        .unwrap();
    let long = "a".repeat(300);
    for id in ["../../evil", "/etc/passwd", "a\0b", long.as_str(), "..", "a/b"] {
        let mut t = NewTask::new(p.id.clone(), "x");
        t.id = Some(id.into());
        let e = m.tasks().create(t).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{id:?}");
    }

    // An import file naming a hostile id is refused by validation, before any write.
    scripted::checkout(&m);
    let out = tmp.path().join("sandbox/export");
    m.export(&out).unwrap();
    let good = tree(&out);
    let task = good.keys().find(|p| p.starts_with("tasks")).unwrap().clone();
    let text = String::from_utf8(good[&task].clone()).unwrap();
    let id = task.file_stem().unwrap().to_str().unwrap().to_owned();
    for hostile in ["../../evil", "/tmp/x", "a\\u0000b", &"b".repeat(65)] {
        let dir = tmp.path().join("sandbox/hostile");
        let _ = std::fs::remove_dir_all(&dir);
        for (p, bytes) in &good {
            std::fs::create_dir_all(dir.join(p).parent().unwrap()).unwrap();
            std::fs::write(dir.join(p), bytes).unwrap();
        }
        std::fs::write(dir.join(&task), text.replace(&id, hostile)).unwrap();
        let fresh = file_db(tmp.path(), "fresh.db");
        let e = fresh.import(&dir).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{hostile}: {e}");
        assert!(e.path().unwrap().starts_with(task.to_str().unwrap()), "{e}");
        assert!(fresh.projects().list().unwrap().is_empty());
    }

    // A tampered database whose id would escape: the export fails and writes nothing.
    drop(m);
    let raw = rusqlite_open(&tmp.path().join("a.db"));
    raw.execute(
        "UPDATE tasks SET id = '../../../escaped' WHERE rowid = (SELECT MIN(rowid) FROM tasks)",
        [],
    )
    .unwrap();
    drop(raw);
    let m = file_db(tmp.path(), "a.db");
    let target = tmp.path().join("sandbox/tampered");
    assert!(m.export(&target).is_err());
    assert!(!target.exists(), "a failed export leaves no directory");
    let escaped: Vec<_> = walk_names(tmp.path())
        .into_iter()
        .filter(|n| n.contains("escaped"))
        .collect();
    assert!(escaped.is_empty(), "{escaped:?}");
}

fn rusqlite_open(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    c
}

fn walk_names(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push(p.display().to_string());
        if p.is_dir() {
            out.extend(walk_names(&p));
        }
    }
    out
}

#[test]
fn export_refuses_a_non_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let m = file_db(tmp.path(), "a.db");
    scripted::checkout(&m);
    std::fs::create_dir(tmp.path().join("full")).unwrap();
    std::fs::write(tmp.path().join("full/keep.txt"), "mine").unwrap();
    let e = m.export(tmp.path().join("full")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("full/keep.txt")).unwrap(),
        "mine"
    );
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    assert!(m.export(tmp.path().join("empty")).unwrap() > 10);
}

#[test]
fn exporting_a_live_database_sees_one_consistent_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let m = std::sync::Arc::new(file_db(tmp.path(), "a.db"));
    let p = m
        .projects()
        .create(NewProject {
            name: "live".into(),
            ..Default::default()
        })
        .unwrap();
    let s = m.sessions().spawn(NewSession::new(p.id.clone(), "writer")).unwrap();
    m.sessions().register(&s.id).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (m, stop, p, s) = (m.clone(), stop.clone(), p.id.clone(), s.id.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // A task and the timeline event naming it, always together.
                m.batch(|b| {
                    let t = b.tasks().create(NewTask::new(p.clone(), format!("t{n}")))?;
                    let mut e = NewTimelineEvent::new(TimelineType::Milestone, format!("made {}", t.id));
                    e.metadata = serde_json::json!({ "task": t.id.to_string() });
                    b.sessions().append(&s, e)?;
                    Ok(())
                })
                .unwrap();
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    for round in 0..5 {
        let dir = tmp.path().join(format!("snap{round}"));
        m.export(&dir).unwrap();
        let files = tree(&dir);
        let tasks: std::collections::BTreeSet<String> = files
            .keys()
            .filter(|k| k.starts_with("tasks"))
            .map(|k| k.file_stem().unwrap().to_str().unwrap().to_owned())
            .collect();
        let timeline = &files[&PathBuf::from(format!("sessions/{}.timeline.jsonl", s.id))];
        let named: std::collections::BTreeSet<String> = String::from_utf8_lossy(timeline)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter_map(|e| e["metadata"]["task"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            tasks, named,
            "round {round}: tasks and the events naming them were written together"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(writer.join().unwrap() > 0);
}

#[test]
fn a_deleted_project_imported_again_is_whole_and_replays_once() {
    let tmp = tempfile::tempdir().unwrap();
    let m = file_db(tmp.path(), "a.db");
    let wf = scripted::checkout(&m);
    let before = m.decisions().replay(&wf).unwrap().len();
    m.export(tmp.path().join("backup")).unwrap();
    let p = m.projects().get_by_name("shop").unwrap();
    let decisions = m
        .decisions()
        .list(
            &DecisionFilter {
                workflow_id: Some(wf.clone()),
                ..Default::default()
            },
            10,
        )
        .unwrap();
    m.projects().delete(&p.id).unwrap();
    assert_eq!(
        m.decisions().get(&decisions[0].id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    m.import(tmp.path().join("backup")).unwrap();
    assert_eq!(m.decisions().get(&decisions[0].id).unwrap(), decisions[0]);
    let amended = m
        .decisions()
        .record_outcome(&decisions[0].id, NewOutcome::new(OutcomeStatus::Reverted))
        .unwrap();
    assert_eq!(amended.outcomes.len(), 2);
    let replay = m.decisions().replay(&wf).unwrap();
    assert!(
        replay.len() < before,
        "only the imported copy's events: {} vs {before}",
        replay.len()
    );
    assert_eq!(replay.iter().filter(|e| e.kind == "workflow.created").count(), 0);
    assert_eq!(replay.iter().filter(|e| e.kind == "workflow.imported").count(), 1);
}

#[test]
fn an_import_file_cannot_attach_rows_to_another_entity() {
    let tmp = tempfile::tempdir().unwrap();
    let m = file_db(tmp.path(), "a.db");
    scripted::checkout(&m);
    m.export(tmp.path().join("good")).unwrap();
    let good = tree(&tmp.path().join("good"));
    let sessions: Vec<PathBuf> = good
        .keys()
        .filter(|p| p.starts_with("sessions") && p.extension().is_some_and(|e| e == "json"))
        .cloned()
        .collect();
    let (victim, carrier) = (&sessions[0], &sessions[1]);
    let victim_id = victim.file_stem().unwrap().to_str().unwrap();
    let carrier_id = carrier.file_stem().unwrap().to_str().unwrap();
    // An event of the victim's smuggled into the carrier's file.
    let mut doc: serde_json::Value = serde_json::from_slice(&good[carrier]).unwrap();
    let first_line = String::from_utf8_lossy(&good[&PathBuf::from(format!("sessions/{carrier_id}.timeline.jsonl"))])
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let mut event: serde_json::Value = serde_json::from_str(&first_line).unwrap();
    event["session_id"] = victim_id.into();
    doc["timeline"] = serde_json::json!([event]);
    let dir = tmp.path().join("crafted");
    for (p, bytes) in &good {
        std::fs::create_dir_all(dir.join(p).parent().unwrap()).unwrap();
        std::fs::write(dir.join(p), bytes).unwrap();
    }
    std::fs::write(dir.join(carrier), serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let fresh = file_db(tmp.path(), "fresh.db");
    let e = fresh.import(&dir).unwrap_err();
    assert_eq!(
        e.path(),
        Some(format!("sessions/{carrier_id}.json#/timeline/0/session_id").as_str()),
        "{e}"
    );
    assert_eq!(fresh.events().latest_seq().unwrap(), 0);
}

/// Export → import into the empty store `b` → export, asserting the two exports are equal.
fn round_trip(tmp: &Path, a: &Maestro, b: &Backend) -> (BTreeMap<PathBuf, Vec<u8>>, ImportSummary) {
    let one = tmp.join(format!("rt-one-{}", b.name));
    a.export(&one).unwrap();
    let sum = b.m.import(&one).unwrap();
    let two = tmp.join(format!("rt-two-{}", b.name));
    b.m.export(&two).unwrap();
    let (t1, t2) = (tree(&one), tree(&two));
    assert_eq!(
        t1.keys().collect::<Vec<_>>(),
        t2.keys().collect::<Vec<_>>(),
        "into {}",
        b.name
    );
    for (k, v) in &t1 {
        assert!(
            t2[k] == *v,
            "into {}: {} differs after the round trip",
            b.name,
            k.display()
        );
    }
    (t1, sum)
}

#[test]
fn a_timeline_event_nested_as_deep_as_the_api_accepts_round_trips() {
    for src in backends() {
        let tmp = tempfile::tempdir().unwrap();
        let a = &src.m;
        let p = common::project(a, "deep");
        let s = common::live_session(a, &p.id, "w");
        let mut metadata = serde_json::json!("bottom");
        for _ in 0..60 {
            metadata = serde_json::json!({ "n": metadata });
        }
        let input = serde_json::json!({
            "session_id": s.id,
            "event": {"type": "milestone", "message": "deep", "metadata": metadata.clone()}
        });
        let input = serde_json::json!({"id": input["session_id"], "event": input["event"]});
        api::call(a, "sessions.append", &input.to_string()).expect("the API accepts 60 levels");
        for dst in backends() {
            let to = format!("{} → {}", src.name, dst.name);
            let (files, sum) = round_trip(tmp.path(), a, &dst);
            assert_eq!(sum.sessions, 1, "{to}");
            let lines = &files[&PathBuf::from(format!("sessions/{}.timeline.jsonl", s.id))];
            assert!(String::from_utf8_lossy(lines).contains("\"bottom\""), "{to}");
            let deep = &dst.m.sessions().timeline(&s.id).unwrap()[1].metadata;
            assert_eq!(deep, &metadata, "{to}: the imported event is the one appended");
        }
    }
}

#[test]
fn a_timeline_larger_than_one_document_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let a = file_db(tmp.path(), "a.db");
    let p = common::project(&a, "big");
    let s = common::live_session(&a, &p.id, "w");
    let big = "x".repeat((1 << 20) - 64);
    a.batch(|b| {
        for i in 0..66 {
            let mut e = NewTimelineEvent::new(TimelineType::Milestone, format!("chunk {i}"));
            e.metadata = serde_json::json!({ "blob": big });
            b.sessions().append(&s.id, e)?;
        }
        Ok(())
    })
    .unwrap();
    let (files, _) = round_trip(tmp.path(), &a, &common::sqlite_file());
    let lines = &files[&PathBuf::from(format!("sessions/{}.timeline.jsonl", s.id))];
    assert!(
        lines.len() > 66 << 20,
        "the timeline is bigger than the 64 MiB document limit"
    );
    assert_eq!(
        lines.iter().filter(|b| **b == b'\n').count(),
        66 + 1,
        "one line per event (and session_started)"
    );
}

#[test]
fn every_learning_record_round_trips_with_embeddings_and_living_documents() {
    for src in backends() {
        let tmp = tempfile::tempdir().unwrap();
        let a = &src.m;
        let p = common::project(a, "learned");
        let wf = common::ended_workflow(a, &p.id, "search", true);
        let l = a.learning();
        l.record_retrospective(learning::NewRetrospective {
            project_id: p.id.clone(),
            workflow_id: Some(wf.clone()),
            feature: "search".into(),
            surprises: "ranking was slow".into(),
            would_change: "index earlier".into(),
            new_patterns: vec!["cqrs".into()],
            spike_accuracy: Some(0.5),
        })
        .unwrap();
        l.record_spike(learning::NewSpike {
            project_id: p.id.clone(),
            workflow_id: Some(wf.clone()),
            feature: "search".into(),
            question: "does FTS5 rank well enough?".into(),
            approach: "bm25 on 10k docs".into(),
            result: "yes".into(),
            viable: true,
            lessons: Some("tune weights".into()),
            time_spent_minutes: Some(45),
        })
        .unwrap();
        l.log_agent(learning::NewAgentLog {
            project_id: p.id.clone(),
            workflow_id: Some(wf.clone()),
            session_id: None,
            agent: "coder".into(),
            phase: "implementing".into(),
            action: "wrote the index".into(),
            duration_ms: 1250.0,
            success: false,
            error: Some("timeout".into()),
        })
        .unwrap();
        l.record_complexity(learning::NewComplexitySnapshot {
            project_id: p.id.clone(),
            workflow_id: None,
            file: "src/search.rs".into(),
            complexity: 12.5,
            lines: Some(300),
        })
        .unwrap();
        l.record_pattern_usage(learning::NewPatternUsage {
            project_id: p.id.clone(),
            workflow_id: Some(wf.clone()),
            pattern: "repository".into(),
            file: Some("src/db.rs".into()),
            compliance: 0.25,
            notes: Some("queries leak into handlers".into()),
        })
        .unwrap();
        for dst in backends() {
            let to = format!("{} → {}", src.name, dst.name);
            let (files, sum) = round_trip(tmp.path(), a, &dst);
            assert_eq!(
                sum.learning_records, 7,
                "{to}: failure, estimate, retrospective, spike, agent log, complexity, pattern"
            );
            for name in [
                "failures.json",
                "estimates.json",
                "retrospectives.json",
                "spikes.json",
                "agent-logs.json",
                "complexity-snapshots.json",
                "pattern-usage.json",
            ] {
                assert!(
                    files.contains_key(&PathBuf::from(format!("learning/{}/{name}", p.id))),
                    "{to}: {name}"
                );
            }
            let failures =
                String::from_utf8(files[&PathBuf::from(format!("learning/{}/failures.json", p.id))].clone()).unwrap();
            assert!(failures.contains("\"embedding\""), "{to}: the embedding is exported");
            for (doc, needle) in [
                ("FAILURES.md", "migrate in batches"),
                ("ESTIMATES.md", "Correction factor: **1.5**"),
                ("PATTERNS.md", "queries leak into handlers"),
                ("config.yaml", "sessions_days"),
            ] {
                let text = String::from_utf8(files[&PathBuf::from(doc)].clone()).unwrap();
                assert!(text.contains(needle), "{to}: {doc} lacks {needle:?}:\n{text}");
            }
            // The imported embedding still finds the failure by similarity.
            let b = &dst.m;
            let similar = b
                .learning()
                .similar_failures(
                    Some(&p.id),
                    &learning::FailureQuery {
                        embedding: Some(vec![0.25, 0.5, 1.0]),
                        ..Default::default()
                    },
                    1,
                )
                .unwrap();
            assert!(similar[0].cosine.unwrap() > 0.999, "{to}: {similar:?}");
            assert_eq!(
                b.reports().failures_md(&p.id).unwrap(),
                a.reports().failures_md(&p.id).unwrap(),
                "{to}"
            );
        }
    }
}

#[test]
fn an_import_cannot_attach_sessions_or_timelines_to_a_workflow_outside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let a = file_db(tmp.path(), "a.db");
    let p = common::project(&a, "shop");
    let wf = common::ended_workflow(&a, &p.id, "old", true);
    let other = common::ended_workflow(&a, &p.id, "other", true);
    let dir = tmp.path().join("archive");
    a.export_workflow(&wf, &dir).unwrap();
    let session = tree(&dir)
        .into_keys()
        .find(|k| k.starts_with("sessions") && k.extension().is_some_and(|e| e == "json"))
        .unwrap();
    // The archive's session re-pointed at another live workflow of the store.
    let text = std::fs::read_to_string(dir.join(&session)).unwrap();
    std::fs::write(
        dir.join(&session),
        text.replacen(
            &format!("\"workflow_id\": \"{wf}\""),
            &format!("\"workflow_id\": \"{other}\""),
            1,
        ),
    )
    .unwrap();
    let before = a.events().latest_seq().unwrap();
    a.workflows().delete(&wf).unwrap();
    let e = a.import(&dir).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert_eq!(
        e.path(),
        Some(format!("{}#/workflow_id", session.display()).as_str()),
        "{e}"
    );
    assert_eq!(
        a.events().latest_seq().unwrap(),
        before + 1,
        "nothing but the delete was written"
    );
}
