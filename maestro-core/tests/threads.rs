//! Agent threads (LangGraph-style checkpoints) on every backend: latest and history
//! order, the pending-write rule, filters, deletes, copies, prunes, links to sessions,
//! what the feed says, and the JSON surface's limits.

mod common;

use common::*;
use maestro_core::thread::{Blob, NewThreadCheckpoint, NewWrite, NewWrites, PruneStrategy, ThreadQuery};
use maestro_core::*;
use serde_json::json;

fn blob(s: &str) -> Blob {
    Blob {
        kind: "msgpack".into(),
        data: s.as_bytes().to_vec(),
    }
}

fn put(m: &Maestro, p: &ProjectId, thread: &str, ns: &str, id: &str, parent: Option<&str>, meta: serde_json::Value) {
    m.threads()
        .put(
            p,
            NewThreadCheckpoint {
                thread_id: thread.into(),
                checkpoint_ns: ns.into(),
                checkpoint_id: id.into(),
                parent_id: parent.map(Into::into),
                checkpoint: blob(&format!("state of {id}")),
                metadata: meta,
            },
        )
        .unwrap();
}

fn writes(m: &Maestro, p: &ProjectId, thread: &str, id: &str, task: &str, list: &[(i64, &str, &str)]) -> usize {
    m.threads()
        .put_writes(
            p,
            &NewWrites {
                thread_id: thread.into(),
                checkpoint_ns: String::new(),
                checkpoint_id: id.into(),
                task_id: task.into(),
                task_path: "node".into(),
                writes: list
                    .iter()
                    .map(|(idx, channel, v)| NewWrite {
                        idx: *idx,
                        channel: (*channel).into(),
                        value: blob(v),
                    })
                    .collect(),
            },
        )
        .unwrap()
}

fn ids(list: &[thread::ThreadCheckpoint]) -> Vec<String> {
    list.iter()
        .map(|c| format!("{}/{}", c.thread_id, c.checkpoint_id))
        .collect()
}

#[test]
fn latest_is_the_greatest_id_and_history_is_newest_first() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "agents").id;
        put(m, &p, "t-1", "", "1ef-b", None, json!({"step": 0, "source": "input"}));
        put(
            m,
            &p,
            "t-1",
            "",
            "1ef-c",
            Some("1ef-b"),
            json!({"step": 1, "source": "loop"}),
        );
        // Written last, but its id is smaller: not the latest.
        put(m, &p, "t-1", "", "1ef-a", None, json!({"step": -1, "source": "input"}));
        put(m, &p, "t-1", "child:1", "1ef-z", None, json!({"step": 0}));
        let latest = m.threads().get(&p, "t-1", "", None).unwrap().unwrap();
        assert_eq!(latest.checkpoint_id, "1ef-c", "{}", b.name);
        assert_eq!(latest.parent_id.as_deref(), Some("1ef-b"));
        assert_eq!(latest.checkpoint, Some(blob("state of 1ef-c")));
        assert_eq!(latest.metadata, json!({"step": 1, "source": "loop"}));
        let by_id = m.threads().get(&p, "t-1", "", Some("1ef-a")).unwrap().unwrap();
        assert_eq!(by_id.metadata["step"], json!(-1));
        assert!(m.threads().get(&p, "t-1", "", Some("nope")).unwrap().is_none());
        assert!(m.threads().get(&p, "t-2", "", None).unwrap().is_none());
        assert_eq!(
            m.threads()
                .get(&p, "t-1", "child:1", None)
                .unwrap()
                .unwrap()
                .checkpoint_id,
            "1ef-z"
        );

        let q = |q: ThreadQuery| ids(&m.threads().list(&p, &q).unwrap());
        let one = |t: &str| ThreadQuery {
            thread_id: Some(t.into()),
            ..Default::default()
        };
        assert_eq!(
            q(one("t-1")),
            ["t-1/1ef-z", "t-1/1ef-c", "t-1/1ef-b", "t-1/1ef-a"],
            "{}",
            b.name
        );
        assert_eq!(
            q(ThreadQuery {
                checkpoint_ns: Some(String::new()),
                before: Some("1ef-c".into()),
                ..one("t-1")
            }),
            ["t-1/1ef-b", "t-1/1ef-a"]
        );
        assert_eq!(
            q(ThreadQuery {
                limit: Some(2),
                ..one("t-1")
            }),
            ["t-1/1ef-z", "t-1/1ef-c"]
        );
        let filter = |f: serde_json::Value| ThreadQuery {
            filter: f.as_object().cloned(),
            ..one("t-1")
        };
        assert_eq!(
            q(filter(json!({"source": "input"}))),
            ["t-1/1ef-b", "t-1/1ef-a"],
            "{}",
            b.name
        );
        assert_eq!(q(filter(json!({"source": "input", "step": 0}))), ["t-1/1ef-b"]);
        assert_eq!(
            q(ThreadQuery {
                limit: Some(1),
                ..filter(json!({"source": "input"}))
            }),
            ["t-1/1ef-b"]
        );
        assert!(q(filter(json!({"source": "other"}))).is_empty());
        assert!(q(filter(json!({"missing": null}))).is_empty(), "{}", b.name);

        // Across threads: the newest of the project, by id.
        put(m, &p, "t-2", "", "1ef-d", None, json!({}));
        assert_eq!(
            q(ThreadQuery {
                limit: Some(3),
                ..Default::default()
            }),
            ["t-1/1ef-z", "t-2/1ef-d", "t-1/1ef-c"],
            "{}",
            b.name
        );
        // Another project's threads are not this project's.
        let other = project(m, "other").id;
        assert!(m.threads().list(&other, &ThreadQuery::default()).unwrap().is_empty());
        assert!(m.threads().get(&other, "t-1", "", None).unwrap().is_none());
        let e = m
            .threads()
            .put(
                &ProjectId::parse("prj_none").unwrap(),
                NewThreadCheckpoint {
                    thread_id: "t".into(),
                    checkpoint_ns: String::new(),
                    checkpoint_id: "1".into(),
                    parent_id: None,
                    checkpoint: blob("x"),
                    metadata: json!({}),
                },
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{}: {e}", b.name);
    }
}

#[test]
fn a_repeated_write_index_is_kept_once_and_special_channels_are_replaced() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "agents").id;
        put(m, &p, "t", "", "1", None, json!({}));
        assert_eq!(
            writes(m, &p, "t", "1", "task-b", &[(0, "messages", "hi"), (1, "count", "1")]),
            2
        );
        writes(
            m,
            &p,
            "t",
            "1",
            "task-a",
            &[(0, "messages", "first"), (-3, "__interrupt__", "ask")],
        );
        // Again: index 0 is ignored, the interrupt (-3) replaced.
        writes(
            m,
            &p,
            "t",
            "1",
            "task-a",
            &[(0, "messages", "second"), (-3, "__interrupt__", "ask again")],
        );
        let c = m.threads().get(&p, "t", "", None).unwrap().unwrap();
        let seen: Vec<(String, i64, String, String)> = c
            .writes
            .iter()
            .map(|w| {
                (
                    w.task_id.clone(),
                    w.idx,
                    w.channel.clone(),
                    String::from_utf8(w.value.data.clone()).unwrap(),
                )
            })
            .collect();
        let want = [
            ("task-a", -3, "__interrupt__", "ask again"),
            ("task-a", 0, "messages", "first"),
            ("task-b", 0, "messages", "hi"),
            ("task-b", 1, "count", "1"),
        ];
        let want: Vec<(String, i64, String, String)> = want
            .iter()
            .map(|(t, i, c, v)| (t.to_string(), *i, c.to_string(), v.to_string()))
            .collect();
        assert_eq!(seen, want, "{}", b.name);
        assert_eq!(c.writes[0].task_path, "node");
        // A put with the same id replaces the checkpoint and keeps its writes.
        put(m, &p, "t", "", "1", None, json!({"again": true}));
        let c = m.threads().get(&p, "t", "", None).unwrap().unwrap();
        assert_eq!(c.metadata, json!({"again": true}));
        assert_eq!(c.writes.len(), 4, "{}", b.name);
    }
}

#[test]
fn delete_copy_prune_and_delete_runs() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "agents").id;
        for (i, run) in [(1, "run-1"), (2, "run-1"), (3, "run-2")] {
            put(m, &p, "a", "", &format!("{i}"), None, json!({"run_id": run}));
            put(m, &p, "a", "sub", &format!("{i}"), None, json!({"run_id": run}));
            writes(m, &p, "a", &format!("{i}"), "task", &[(0, "c", "v")]);
        }
        put(m, &p, "b", "", "9", None, json!({"run_id": "run-2"}));

        assert_eq!(m.threads().copy(&p, "a", "a2").unwrap(), 6, "{}", b.name);
        let copied = m.threads().get(&p, "a2", "", None).unwrap().unwrap();
        assert_eq!((copied.checkpoint_id.as_str(), copied.writes.len()), ("3", 1));
        assert_eq!(
            m.threads().get(&p, "a2", "sub", Some("1")).unwrap().unwrap().metadata["run_id"],
            "run-1"
        );
        assert_eq!(m.threads().copy(&p, "nobody", "x").unwrap(), 0);
        assert_eq!(m.threads().get_thread(&p, "x").unwrap_err().kind(), ErrorKind::NotFound);

        // keep_latest keeps the latest of each namespace and its writes.
        assert_eq!(
            m.threads().prune(&p, &["a".into()], PruneStrategy::KeepLatest).unwrap(),
            4,
            "{}",
            b.name
        );
        let left = m
            .threads()
            .list(
                &p,
                &ThreadQuery {
                    thread_id: Some("a".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(ids(&left), ["a/3", "a/3"]);
        assert_eq!(left.iter().map(|c| c.writes.len()).sum::<usize>(), 1);

        // Runs go across threads; a thread emptied by it stays a thread.
        assert_eq!(
            m.threads().delete_runs(&p, &["run-1".into()]).unwrap(),
            4,
            "{}: a2's four",
            b.name
        );
        assert_eq!(m.threads().delete_runs(&p, &["run-2".into()]).unwrap(), 5);
        assert!(m.threads().get(&p, "b", "", None).unwrap().is_none());
        assert!(m.threads().get_thread(&p, "b").is_ok());

        put(m, &p, "c", "", "1", None, json!({}));
        assert_eq!(m.threads().delete(&p, "c").unwrap(), 1);
        assert_eq!(m.threads().delete(&p, "c").unwrap(), 0);
        assert_eq!(m.threads().get_thread(&p, "c").unwrap_err().kind(), ErrorKind::NotFound);
        put(m, &p, "d", "", "1", None, json!({}));
        assert_eq!(m.threads().prune(&p, &["d".into()], PruneStrategy::Delete).unwrap(), 1);
        let names: Vec<String> = m
            .threads()
            .list_threads(&p)
            .unwrap()
            .into_iter()
            .map(|t| t.thread_id)
            .collect();
        assert_eq!(names, ["a", "a2", "b"], "{}", b.name);
    }
}

#[test]
fn a_linked_thread_shows_its_checkpoints_on_the_session_timeline_and_the_feed_never_carries_blobs() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "agents").id;
        let s = live_session(m, &p, "agent");
        let t = m.threads().link(&p, "conv", Some(&s.id), None).unwrap();
        assert_eq!(t.session_id.as_ref(), Some(&s.id));
        let before = m.events().latest_seq().unwrap();
        put(m, &p, "conv", "", "1", None, json!({"step": 3, "source": "loop"}));
        writes(m, &p, "conv", "1", "task", &[(0, "messages", "secret payload")]);
        let timeline = m.sessions().timeline(&s.id).unwrap();
        let last = timeline.last().unwrap();
        assert_eq!(last.kind, TimelineType::ThreadCheckpoint, "{}", b.name);
        assert_eq!(last.metadata["checkpoint_id"], "1");
        assert!(last.message.contains("loop, step 3"), "{}", last.message);
        let events = m.events().since(before, &EventFilter::default(), 100).unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "thread_checkpoint.put",
                "timeline_event.appended",
                "thread_checkpoint.writes"
            ],
            "{}",
            b.name
        );
        for e in &events {
            let text = e.payload.to_string();
            assert!(!text.contains("state of") && !text.contains("secret"), "{text}");
            assert_eq!(e.session_id.as_deref(), Some(s.id.as_str()));
        }
        assert_eq!(events[2].payload["channels"], json!(["messages"]));
        // A session of another project cannot be linked.
        let other = project(m, "other").id;
        let stranger = live_session(m, &other, "x");
        let e = m.threads().link(&p, "conv", Some(&stranger.id), None).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Validation, Some("/session_id")));
    }
}

#[test]
fn the_json_surface_takes_large_blobs_and_names_bad_input() {
    let m = Maestro::open_in_memory().unwrap();
    let p = project(&m, "agents").id;
    let big = "A".repeat(3 << 20);
    let input = json!({
        "project_id": p.as_str(), "thread_id": "t", "checkpoint_id": "1",
        "checkpoint": {"type": "bytes", "data": big}, "metadata": {"step": 1}
    });
    let out: serde_json::Value =
        serde_json::from_str(&api::call(&m, "threads.put", &input.to_string()).unwrap()).unwrap();
    assert_eq!(
        out["checkpoint"],
        serde_json::Value::Null,
        "the answer never echoes the blob"
    );
    let got: serde_json::Value = serde_json::from_str(
        &api::call(
            &m,
            "threads.get",
            &json!({"project_id": p.as_str(), "thread_id": "t"}).to_string(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(got["checkpoint"]["data"].as_str().unwrap().len(), big.len());
    // Elsewhere the string limit holds.
    let e = api::call(
        &m,
        "threads.put",
        &json!({"project_id": p.as_str(), "thread_id": "t", "checkpoint_id": "2",
                "checkpoint": {"type": "b", "data": ""}, "metadata": {"note": "x".repeat(2 << 20)}})
        .to_string(),
    )
    .unwrap_err();
    assert_eq!(e.path(), Some("/metadata/note"), "{e}");
    let bad = |input: serde_json::Value, path: &str| {
        let e = api::call(&m, "threads.put", &input.to_string()).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Validation, Some(path)), "{e}");
    };
    bad(
        json!({"project_id": p.as_str(), "thread_id": "t", "checkpoint_id": "1", "checkpoint": {"type": "b", "data": "!!"}}),
        "/checkpoint/data",
    );
    bad(
        json!({"project_id": p.as_str(), "thread_id": "x".repeat(300), "checkpoint_id": "1", "checkpoint": {"type": "b", "data": ""}}),
        "/thread_id",
    );
    bad(
        json!({"project_id": p.as_str(), "thread_id": "t", "checkpoint_id": "1", "checkpoint": {"type": "b", "data": ""}, "metadata": []}),
        "/metadata",
    );
    let e = api::call(
        &m,
        "threads.put_writes",
        &json!({"project_id": p.as_str(), "thread_id": "t", "checkpoint_id": "1", "task_id": "k",
                "writes": [{"idx": 0, "channel": "", "value": {"type": "b", "data": ""}}]})
        .to_string(),
    )
    .unwrap_err();
    assert_eq!(e.path(), Some("/writes/0/channel"), "{e}");
}

#[test]
fn threads_survive_export_and_import_byte_for_byte() {
    for b in durable_backends() {
        let m = &b.m;
        let p = project(m, "agents").id;
        let s = live_session(m, &p, "agent");
        m.threads().link(&p, "conv", Some(&s.id), None).unwrap();
        put(m, &p, "conv", "", "1", None, json!({"step": 0, "run_id": "r"}));
        put(m, &p, "conv", "", "2", Some("1"), json!({"step": 1}));
        put(m, &p, "conv", "sub:9", "1", None, json!({}));
        writes(m, &p, "conv", "1", "k", &[(0, "a", "x"), (-1, "__error__", "boom")]);
        // Writes that arrived before (or without) their checkpoint are kept too.
        writes(m, &p, "conv", "0-early", "k", &[(0, "a", "early")]);
        writes(m, &p, "conv", "9-late", "k", &[(0, "a", "late")]);
        m.threads().link(&p, "empty", None, None).unwrap();
        // A blob larger than one JSON string may be.
        m.threads()
            .put(
                &p,
                NewThreadCheckpoint {
                    thread_id: "big".into(),
                    checkpoint_ns: String::new(),
                    checkpoint_id: "1".into(),
                    parent_id: None,
                    checkpoint: Blob {
                        kind: "bytes".into(),
                        data: vec![7u8; 3 << 20],
                    },
                    metadata: json!({}),
                },
            )
            .unwrap();

        let dir = tempfile::tempdir().unwrap();
        m.export(dir.path().join("a")).unwrap();
        let file = dir.path().join("a/threads").join(format!("{p}.jsonl"));
        assert!(file.exists(), "{}", b.name);
        let fresh = b.fresh();
        let sum = fresh.m.import(dir.path().join("a")).unwrap();
        assert_eq!((sum.threads, sum.thread_checkpoints), (3, 4), "{}", b.name);
        fresh.m.export(dir.path().join("b")).unwrap();
        let again = dir.path().join("b/threads").join(format!("{p}.jsonl"));
        assert_eq!(
            std::fs::read(&file).unwrap(),
            std::fs::read(&again).unwrap(),
            "{}: byte-identical",
            b.name
        );
        let c = fresh.m.threads().get(&p, "conv", "", Some("1")).unwrap().unwrap();
        assert_eq!(c.writes.len(), 2);
        assert_eq!(
            fresh.m.threads().get_thread(&p, "conv").unwrap().session_id.as_ref(),
            Some(&s.id)
        );
        // Importing again refuses the existing threads and writes nothing.
        let e = fresh.m.import(dir.path().join("a")).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Conflict), "{}: {e}", b.name);
    }
}

#[test]
fn retention_keeps_the_newest_checkpoints_of_each_thread_and_a_pruned_workflow_leaves_its_threads() {
    for b in durable_backends() {
        let m = &b.m;
        let p = project(m, "agents").id;
        for i in 0..5 {
            put(m, &p, "a", "", &format!("{i}"), None, json!({}));
            writes(m, &p, "a", &format!("{i}"), "k", &[(0, "c", "v")]);
        }
        put(m, &p, "a", "sub", "0", None, json!({}));
        put(m, &p, "b", "", "0", None, json!({}));
        let policy = RetentionPolicy {
            keep_thread_checkpoints: Some(2),
            archive_dir: Some(tempfile::tempdir().unwrap().keep()),
            ..Default::default()
        };
        let dry = m.prune(Some(&policy), true).unwrap();
        assert_eq!(dry.thread_checkpoints, 3, "{}", b.name);
        let real = m.prune(Some(&policy), false).unwrap();
        assert_eq!(real.thread_checkpoints, 3, "{}", b.name);
        let left = m
            .threads()
            .list(
                &p,
                &ThreadQuery {
                    thread_id: Some("a".into()),
                    checkpoint_ns: Some(String::new()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(ids(&left), ["a/4", "a/3"], "{}", b.name);
        assert!(left.iter().all(|c| c.writes.len() == 1));
        assert!(m.threads().get(&p, "a", "sub", None).unwrap().is_some());
        assert_eq!(m.prune(Some(&policy), false).unwrap().thread_checkpoints, 0);

        // A pruned workflow takes no thread with it: the links are cleared.
        let wf = ended_workflow(m, &p, "done", true);
        m.threads().link(&p, "b", None, Some(&wf)).unwrap();
        let r = m
            .prune(
                Some(&RetentionPolicy {
                    sessions_days: 0,
                    ..policy.clone()
                }),
                false,
            )
            .unwrap();
        assert_eq!(r.workflows.len(), 1, "{}: {r:?}", b.name);
        let t = m.threads().get_thread(&p, "b").unwrap();
        assert_eq!((t.session_id, t.workflow_id), (None, None), "{}", b.name);
        assert!(m.threads().get(&p, "b", "", None).unwrap().is_some());
    }
}
