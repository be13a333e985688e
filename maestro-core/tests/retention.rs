//! Retention: prune archives then deletes ended workflows, keeps learning, gives the feed
//! a horizon that readers see as a typed error, and returns space to the file system.

mod common;

use common::*;
use maestro_core::*;
use std::path::Path;

fn everything_due(archive: &Path) -> RetentionPolicy {
    RetentionPolicy {
        sessions_days: 0,
        events_days: 0,
        agent_logs_days: 0,
        docs_cache_days: 0,
        archive_dir: Some(archive.to_owned()),
        ..Default::default()
    }
}

fn open(path: &Path) -> Maestro {
    Maestro::open(path, Options::durability(Durability::Normal)).unwrap()
}

fn advice(m: &Maestro, p: &ProjectId) -> (String, String, usize) {
    let one = LearningThresholds {
        min_usage_count: 1,
        min_rule_evidence: 1,
        ..Default::default()
    };
    let rec = m
        .learning()
        .recommend(Some(p), "tech_stack", Some("database"), Some(&one))
        .unwrap();
    let rules = m.learning().ordering_rules(Some(p), Some(&one)).unwrap();
    let failures = m.learning().failures(Some(p), 1000).unwrap().len();
    (
        serde_json::to_string(&rec).unwrap(),
        serde_json::to_string(&rules).unwrap(),
        failures,
    )
}

#[test]
fn a_dry_run_reports_exactly_what_the_prune_then_does_and_learning_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let m = open(&dir.path().join("state.db"));
    let p = project(&m, "shop");
    let done: Vec<WorkflowId> = (0..3)
        .map(|i| ended_workflow(&m, &p.id, &format!("f{i}"), i != 1))
        .collect();
    let live = flow_workflow(&m, &p.id, "live");
    let live_task = task(&m, &p.id, "live task", &[]);
    let before = advice(&m, &p.id);
    let archive = dir.path().join("archive");
    let policy = everything_due(&archive);

    let dry = m.prune(Some(&policy), true).unwrap();
    assert!(dry.dry_run);
    assert_eq!(
        dry.workflows.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
        done.iter().map(|w| w.as_str()).collect::<Vec<_>>()
    );
    assert!(!archive.exists(), "a dry run writes nothing");
    assert_eq!(m.events().horizon().unwrap(), 0, "a dry run moves no horizon");
    assert!(dry.events > 0);

    let real = m.prune(Some(&policy), false).unwrap();
    assert!(!real.dry_run);
    assert_eq!(
        real.workflows, dry.workflows,
        "the dry run named the same workflows and rows"
    );
    assert_eq!(
        real.events, dry.events,
        "the dry run counted the events the prune deleted"
    );
    assert_eq!(real.horizon, dry.horizon);
    assert_eq!(real.kept, dry.kept);
    for w in &real.workflows {
        assert_eq!(w.rows.sessions, 1);
        assert_eq!(w.rows.tasks, 2);
        assert_eq!(w.rows.decisions, 1);
        assert_eq!(w.rows.checkpoints, 1);
        assert!(Path::new(&w.archive)
            .join("workflows")
            .join(&w.id)
            .join("metadata.json")
            .is_file());
        assert!(matches!(
            m.workflows().get(&WorkflowId::parse(&w.id).unwrap()),
            Err(Error::NotFound { .. })
        ));
    }
    assert_eq!(m.workflows().get(&live.id).unwrap().status, WorkflowStatus::Active);
    assert_eq!(m.tasks().get(&live_task.id).unwrap().title, "live task");
    assert_eq!(
        advice(&m, &p.id),
        before,
        "advice, ordering rules and failures survive the prune"
    );
    m.check_integrity().unwrap();

    let again = m.prune(Some(&policy), false).unwrap();
    assert!(
        again.workflows.is_empty(),
        "a second prune finds nothing left: {again:?}"
    );
    assert_eq!(again.events, 0);
}

#[test]
fn an_archive_imports_back_and_its_re_export_is_byte_identical() {
    for compress in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let m = open(&dir.path().join("state.db"));
        let p = project(&m, "shop");
        let wf = ended_workflow(&m, &p.id, "checkout", true);
        let before_rules = advice(&m, &p.id);
        let archive = dir.path().join("archive");
        let policy = RetentionPolicy {
            compress_archives: compress,
            ..everything_due(&archive)
        };
        let report = m.prune(Some(&policy), false).unwrap();
        assert_eq!(report.workflows.len(), 1);
        let path = Path::new(&report.workflows[0].archive);
        assert_eq!(path.is_file(), compress, "{}", path.display());
        assert!(m.workflows().get(&wf).is_err());

        let sum = m.import(path).unwrap();
        assert_eq!(
            (sum.workflows, sum.sessions, sum.tasks, sum.decisions, sum.checkpoints),
            (1, 1, 2, 1, 1)
        );
        assert_eq!(sum.projects_existing, 1, "the project stayed and is reused");
        assert_eq!(m.workflows().get(&wf).unwrap().status, WorkflowStatus::Completed);
        assert_eq!(advice(&m, &p.id), before_rules, "restoring counts nothing twice");

        let again = dir.path().join("again");
        m.export_workflow(&wf, &again).unwrap();
        let original = if compress {
            let unpacked = dir.path().join("unpacked");
            std::fs::create_dir(&unpacked).unwrap();
            let status = std::process::Command::new("tar")
                .args(["-xzf", path.to_str().unwrap(), "-C", unpacked.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success());
            unpacked
        } else {
            path.to_owned()
        };
        assert_eq!(
            tree(&again),
            tree(&original),
            "re-export equals the archive (compress {compress})"
        );
    }
}

#[test]
fn below_the_horizon_since_and_state_at_fail_with_the_oldest_retained_seq() {
    let dir = tempfile::tempdir().unwrap();
    let m = open(&dir.path().join("state.db"));
    let p = project(&m, "shop");
    let t = task(&m, &p.id, "keep me", &[]);
    for i in 0..5 {
        m.tasks()
            .transition(
                &t.id,
                if i % 2 == 0 {
                    TaskStatus::InProgress
                } else {
                    TaskStatus::Todo
                },
                None,
                None,
            )
            .unwrap();
    }
    ended_workflow(&m, &p.id, "old", true);
    let latest = m.events().latest_seq().unwrap();
    let report = m.prune(Some(&everything_due(&dir.path().join("a"))), false).unwrap();
    let horizon = report.horizon;
    assert_eq!(
        horizon,
        latest - 1,
        "everything but the newest event is below the horizon"
    );
    let e = m.events().since(0, &EventFilter::default(), 10).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Pruned);
    assert_eq!(e.oldest_seq(), Some(horizon + 1));
    assert!(e.to_string().contains("horizon"), "{e}");
    m.events().since(horizon, &EventFilter::default(), 10).unwrap();
    let e = m.events().state_at(EntityKind::Task, t.id.as_str(), 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Pruned);
    let now = m
        .events()
        .state_at(EntityKind::Task, t.id.as_str(), horizon)
        .unwrap()
        .unwrap();
    assert_eq!(
        now["status"], "in_progress",
        "the retained state at the horizon is exact"
    );
    assert_eq!(now["version"], serde_json::json!(m.tasks().get(&t.id).unwrap().version));
    // Through the JSON surface too.
    let e = api::call(&m, "events.since", r#"{"seq": 0}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Pruned);
}

#[test]
fn a_workflow_something_retained_needs_is_kept_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let m = open(&dir.path().join("state.db"));
    let p = project(&m, "shop");
    let old = ended_workflow(&m, &p.id, "old", true);
    let old_task = m
        .tasks()
        .list(&p.id)
        .unwrap()
        .into_iter()
        .find(|t| t.workflow_id.as_ref() == Some(&old))
        .unwrap();
    let later = task(&m, &p.id, "depends on old work", &[&old_task.id]);
    let report = m.prune(Some(&everything_due(&dir.path().join("a"))), false).unwrap();
    assert!(report.workflows.is_empty());
    assert_eq!(report.kept.len(), 1);
    assert!(report.kept[0].reason.contains(later.id.as_str()), "{:?}", report.kept);
    assert_eq!(m.tasks().get(&later.id).unwrap().depends_on, vec![old_task.id]);
}

#[test]
fn agent_logs_docs_cache_and_surplus_checkpoints_go_and_space_is_returned() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let m = open(&db);
    let p = project(&m, "shop");
    let wf = flow_workflow(&m, &p.id, "long");
    let cps: Vec<_> = (0..5)
        .map(|i| {
            m.checkpoints()
                .create(NewCheckpoint::new(
                    wf.clone().id,
                    format!("cp{i}"),
                    CheckpointType::SafeState,
                ))
                .unwrap()
        })
        .collect();
    for i in 0..50 {
        m.learning()
            .log_agent(learning::NewAgentLog {
                project_id: p.id.clone(),
                workflow_id: None,
                session_id: None,
                agent: "coder".into(),
                phase: "implementing".into(),
                action: format!("step {i} {}", "x".repeat(2000)),
                duration_ms: 10.0,
                success: true,
                error: None,
            })
            .unwrap();
    }
    m.learning()
        .cache_docs("serde", "1", "docs", Some(std::time::Duration::from_secs(3600)))
        .unwrap();
    let policy = RetentionPolicy {
        keep_checkpoints: Some(2),
        ..everything_due(&dir.path().join("a"))
    };
    let dry = m.prune(Some(&policy), true).unwrap();
    let real = m.prune(Some(&policy), false).unwrap();
    assert_eq!(
        real.checkpoints,
        cps[..3].iter().map(|c| c.id.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(dry.checkpoints, real.checkpoints);
    assert_eq!((dry.agent_logs, real.agent_logs), (50, 50));
    assert_eq!((dry.docs_cache, real.docs_cache), (1, 1));
    assert_eq!(dry.events, real.events);
    assert_eq!(
        real.events,
        49 + 3,
        "the agent logs' events but the newest, and the pruned checkpoints'"
    );
    let left: Vec<_> = m
        .checkpoints()
        .list(&wf.id)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, vec![cps[3].id.clone(), cps[4].id.clone()]);
    assert!(m.learning().agent_logs(&p.id, None).unwrap().is_empty());
    assert!(real.bytes_after < real.bytes_before, "{real:?}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0)).unwrap();
    let auto: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0)).unwrap();
    assert_eq!((auto, free), (2, 0), "incremental auto-vacuum returned every free page");
}

#[test]
fn an_existing_archive_path_is_never_replaced_and_a_live_session_keeps_its_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let m = open(&dir.path().join("state.db"));
    let p = project(&m, "shop");
    let wf = ended_workflow(&m, &p.id, "old", true);
    let archive = dir.path().join("archive");
    // Something already at the archive's name: another store's archive, or anything else.
    std::fs::create_dir_all(archive.join(wf.as_str())).unwrap();
    std::fs::write(archive.join(wf.as_str()).join("keep.txt"), "not yours").unwrap();
    let live = flow_workflow(&m, &p.id, "ended-but-working");
    let s = m
        .sessions()
        .spawn(NewSession {
            workflow_id: Some(live.id.clone()),
            ..NewSession::new(p.id.clone(), "still-working")
        })
        .unwrap();
    m.sessions().register(&s.id).unwrap();
    m.workflows().fail(&live.id, "gave up", "orchestrator").unwrap();
    let r = m.prune(Some(&everything_due(&archive)), false).unwrap();
    assert_eq!(r.workflows.len(), 1);
    assert_eq!(
        r.workflows[0].archive,
        archive.join(format!("{wf}-2")).display().to_string()
    );
    assert_eq!(
        std::fs::read_to_string(archive.join(wf.as_str()).join("keep.txt")).unwrap(),
        "not yours"
    );
    assert_eq!(r.kept.len(), 1, "{:?}", r.kept);
    assert!(r.kept[0].reason.contains("is still idle"), "{:?}", r.kept);
    assert!(m.workflows().get(&live.id).is_ok());
}

#[test]
fn a_decision_keeps_its_state_at_every_seq_from_the_horizon_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let m = open(&db);
    let p = project(&m, "shop");
    let wf = flow_workflow(&m, &p.id, "f");
    let d = m
        .decisions()
        .record(NewDecision::new(wf.id.clone(), "tech_stack", "Use SQLite", "small"))
        .unwrap();
    m.decisions()
        .record_outcome(&d.id, NewOutcome::new(OutcomeStatus::Partial))
        .unwrap();
    let first_outcome = m.events().latest_seq().unwrap();
    m.decisions()
        .record_outcome(&d.id, NewOutcome::new(OutcomeStatus::Successful))
        .unwrap();
    let t = task(&m, &p.id, "later", &[]);
    // Ten days pass for everything up to the first outcome.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE events SET at = at - 864000000 WHERE seq <= ?1", [first_outcome])
        .unwrap();
    let r = m
        .prune(
            Some(&RetentionPolicy {
                events_days: 5,
                ..everything_due(&dir.path().join("a"))
            }),
            false,
        )
        .unwrap();
    assert_eq!(r.horizon, first_outcome);
    let then = m
        .events()
        .state_at(EntityKind::Decision, d.id.as_str(), first_outcome)
        .unwrap()
        .unwrap();
    assert_eq!(
        then["outcomes"].as_array().unwrap().len(),
        1,
        "the partial outcome, as it was then"
    );
    let now = m.decisions().get(&d.id).unwrap();
    assert_eq!(now.outcomes.len(), 2);
    assert_eq!(m.tasks().get(&t.id).unwrap().title, "later");
    assert_eq!(
        m.decisions().search("sqlite", &DecisionFilter::default(), 5).unwrap()[0].id,
        d.id
    );
}

#[test]
fn deleting_a_workflow_takes_its_events_below_the_horizon_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let m = open(&db);
    let p = project(&m, "shop");
    let wf = flow_workflow(&m, &p.id, "kept by retention");
    task(&m, &p.id, "tail", &[]);
    m.prune(Some(&everything_due(&dir.path().join("a"))), false).unwrap();
    let count = || -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM events WHERE workflow_id = ?1",
                [wf.id.as_str()],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(count(), 1, "the active workflow's state is retained below the horizon");
    m.workflows().delete(&wf.id).unwrap();
    assert_eq!(count(), 1, "only the workflow.deleted event is left");
    let last = m
        .events()
        .since(m.events().horizon().unwrap(), &EventFilter::default(), 10)
        .unwrap();
    assert_eq!(last.last().unwrap().kind, "workflow.deleted");
}
