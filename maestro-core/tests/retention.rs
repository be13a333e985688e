//! Retention: prune archives then deletes ended workflows, keeps learning, gives the feed
//! a horizon that readers see as a typed error, and returns space to the file system.
//! Every test runs on a SQLite file and on PostgreSQL (`durable_backends`); what only a
//! SQLite file has (its free pages) is checked on it alone.

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
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let done: Vec<WorkflowId> = (0..3)
            .map(|i| ended_workflow(m, &p.id, &format!("f{i}"), i != 1))
            .collect();
        let live = flow_workflow(m, &p.id, "live");
        let live_task = task(m, &p.id, "live task", &[]);
        let before = advice(m, &p.id);
        let archive = dir.path().join("archive");
        let policy = everything_due(&archive);

        let dry = m.prune(Some(&policy), true).unwrap();
        assert!(dry.dry_run, "{name}");
        assert_eq!(
            dry.workflows.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
            done.iter().map(|w| w.as_str()).collect::<Vec<_>>()
        );
        assert!(!archive.exists(), "{name}: a dry run writes nothing");
        assert_eq!(m.events().horizon().unwrap(), 0, "{name}: a dry run moves no horizon");
        assert!(dry.events > 0, "{name}");

        let real = m.prune(Some(&policy), false).unwrap();
        assert!(!real.dry_run, "{name}");
        assert_eq!(
            real.workflows, dry.workflows,
            "{name}: the dry run named the same workflows and rows"
        );
        assert_eq!(
            real.events, dry.events,
            "{name}: the dry run counted the events the prune deleted"
        );
        assert_eq!(real.horizon, dry.horizon, "{name}");
        assert_eq!(real.kept, dry.kept, "{name}");
        for w in &real.workflows {
            assert_eq!(w.rows.sessions, 1, "{name}");
            assert_eq!(w.rows.tasks, 2, "{name}");
            assert_eq!(w.rows.decisions, 1, "{name}");
            assert_eq!(w.rows.checkpoints, 1, "{name}");
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
        assert_eq!(
            m.workflows().get(&live.id).unwrap().status,
            WorkflowStatus::Active,
            "{name}"
        );
        assert_eq!(m.tasks().get(&live_task.id).unwrap().title, "live task", "{name}");
        assert_eq!(
            advice(m, &p.id),
            before,
            "{name}: advice, ordering rules and failures survive the prune"
        );
        m.check_integrity().unwrap();

        let again = m.prune(Some(&policy), false).unwrap();
        assert!(
            again.workflows.is_empty(),
            "{name}: a second prune finds nothing left: {again:?}"
        );
        assert_eq!(again.events, 0, "{name}");
    }
}

/// Events with neither a workflow nor a session (a project's steering, decision
/// categories, standalone tasks, a deleted project's rows) compact like any other; a dry
/// run that also prunes workflows must count them (`NULL IN (...)` once dropped them).
#[test]
fn a_dry_run_counts_the_events_of_no_workflow_or_session_over_several_prunes() {
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let policy = everything_due(&dir.path().join("archive"));
        let p = project(m, "shop");
        let events = || b.raw_i64("SELECT COUNT(*) FROM events");
        let orphans = || b.raw_i64("SELECT COUNT(*) FROM events WHERE workflow_id IS NULL AND session_id IS NULL");
        let mut standalone: Vec<TaskId> = Vec::new();
        for round in 0..4 {
            let r = format!("{name}, round {round}");
            ended_workflow(m, &p.id, &format!("f{round}"), round % 2 == 0);
            // Project-level state written several times: all but the newest version go.
            m.projects()
                .put_steering(&p.id, "tech", &format!("Rust, round {round}"), &[])
                .unwrap();
            m.projects()
                .put_steering(&p.id, "tech", &format!("Rust and PostgreSQL, round {round}"), &[])
                .unwrap();
            m.decisions()
                .register_category(&p.id, &format!("area_{round}"), "a category of no workflow")
                .unwrap();
            let t = task(m, &p.id, &format!("standalone {round}"), &[]);
            for status in [TaskStatus::InProgress, TaskStatus::Todo, TaskStatus::InProgress] {
                m.tasks().transition(&t.id, status, None, None).unwrap();
            }
            // The tasks of earlier rounds change again: their versions retained below the
            // horizon by the last prune are superseded now.
            for old in &standalone {
                let now = m.tasks().get(old).unwrap().status;
                let next = if now == TaskStatus::Todo {
                    TaskStatus::InProgress
                } else {
                    TaskStatus::Todo
                };
                m.tasks().transition(old, next, None, None).unwrap();
            }
            standalone.push(t.id);
            // A project deleted with its standalone tasks: its events are of a gone entity.
            let q = project(m, &format!("scratch-{round}"));
            let qt = task(m, &q.id, "scratch task", &[]);
            m.tasks()
                .transition(&qt.id, TaskStatus::InProgress, None, None)
                .unwrap();
            m.projects().delete(&q.id).unwrap();
            // The newest event stays above the horizon, and is of a workflow.
            flow_workflow(m, &p.id, &format!("tail {round}"));

            let orphans_before = orphans();
            let stored = events();
            let dry = m.prune(Some(&policy), true).unwrap();
            assert_eq!(dry.workflows.len(), 1, "{r}: {dry:?}");
            assert_eq!(events(), stored, "{r}: a dry run deletes nothing");
            let real = m.prune(Some(&policy), false).unwrap();
            assert_eq!(real.workflows, dry.workflows, "{r}");
            let deleted = stored - events();
            assert_eq!(real.events as i64, deleted, "{r}: the prune reports what it deleted");
            assert!(
                orphans() < orphans_before,
                "{r}: events of no workflow or session were compacted ({orphans_before} before)"
            );
            assert_eq!(
                dry.events, real.events,
                "{r}: the dry run counted exactly the events the prune deleted"
            );
            assert_eq!((dry.horizon, dry.kept.len()), (real.horizon, 0), "{r}");
            // Nothing was lost that is still current.
            for id in &standalone {
                let t = m.tasks().get(id).unwrap();
                assert_eq!(
                    m.events()
                        .state_at(EntityKind::Task, id.as_str(), real.horizon)
                        .unwrap()
                        .unwrap()["status"],
                    serde_json::to_value(t.status).unwrap(),
                    "{r}: {id} at the horizon"
                );
            }
            let steering = m.projects().steering_context(&p.id, "coder").unwrap();
            assert_eq!(
                steering
                    .iter()
                    .map(|d| (d.version, d.content.as_str()))
                    .collect::<Vec<_>>(),
                [(
                    2 * round as i64 + 2,
                    format!("Rust and PostgreSQL, round {round}").as_str()
                )],
                "{r}"
            );
            assert_eq!(
                m.decisions()
                    .categories(&p.id)
                    .unwrap()
                    .iter()
                    .filter(|c| c.name.starts_with("area_"))
                    .count(),
                round + 1,
                "{r}"
            );
        }
        let dry = m.prune(Some(&policy), true).unwrap();
        let real = m.prune(Some(&policy), false).unwrap();
        assert_eq!((dry.events, real.events), (0, 0), "{name}: nothing is left to prune");
    }
}

#[test]
fn an_archive_imports_back_and_its_re_export_is_byte_identical() {
    for (compress, b) in [false, true]
        .into_iter()
        .flat_map(|c| durable_backends().into_iter().map(move |b| (c, b)))
    {
        let (m, name) = (&b.m, format!("{} (compress {c})", b.name, c = compress));
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let wf = ended_workflow(m, &p.id, "checkout", true);
        let before_rules = advice(m, &p.id);
        let archive = dir.path().join("archive");
        let policy = RetentionPolicy {
            compress_archives: compress,
            ..everything_due(&archive)
        };
        let report = m.prune(Some(&policy), false).unwrap();
        assert_eq!(report.workflows.len(), 1, "{name}");
        let path = Path::new(&report.workflows[0].archive);
        assert_eq!(path.is_file(), compress, "{name}: {}", path.display());
        assert!(m.workflows().get(&wf).is_err(), "{name}");

        let sum = m.import(path).unwrap();
        assert_eq!(
            (sum.workflows, sum.sessions, sum.tasks, sum.decisions, sum.checkpoints),
            (1, 1, 2, 1, 1),
            "{name}"
        );
        assert_eq!(sum.projects_existing, 1, "{name}: the project stayed and is reused");
        assert_eq!(
            m.workflows().get(&wf).unwrap().status,
            WorkflowStatus::Completed,
            "{name}"
        );
        assert_eq!(advice(m, &p.id), before_rules, "{name}: restoring counts nothing twice");

        let again = dir.path().join("again");
        m.export_workflow(&wf, &again).unwrap();
        let original = if compress {
            let unpacked = dir.path().join("unpacked");
            std::fs::create_dir(&unpacked).unwrap();
            let status = std::process::Command::new("tar")
                .args(["-xzf", path.to_str().unwrap(), "-C", unpacked.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "{name}");
            unpacked
        } else {
            path.to_owned()
        };
        assert_eq!(
            tree(&again),
            tree(&original),
            "{name}: re-export equals the archive (compress {compress})"
        );
    }
}

#[test]
fn below_the_horizon_since_and_state_at_fail_with_the_oldest_retained_seq() {
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let t = task(m, &p.id, "keep me", &[]);
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
        ended_workflow(m, &p.id, "old", true);
        let latest = m.events().latest_seq().unwrap();
        let report = m.prune(Some(&everything_due(&dir.path().join("a"))), false).unwrap();
        let horizon = report.horizon;
        assert_eq!(
            horizon,
            latest - 1,
            "{name}: everything but the newest event is below the horizon"
        );
        let e = m.events().since(0, &EventFilter::default(), 10).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Pruned, "{name}");
        assert_eq!(e.oldest_seq(), Some(horizon + 1), "{name}");
        assert!(e.to_string().contains("horizon"), "{name}: {e}");
        m.events().since(horizon, &EventFilter::default(), 10).unwrap();
        let e = m.events().state_at(EntityKind::Task, t.id.as_str(), 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Pruned, "{name}");
        let now = m
            .events()
            .state_at(EntityKind::Task, t.id.as_str(), horizon)
            .unwrap()
            .unwrap();
        assert_eq!(
            now["status"], "in_progress",
            "{name}: the retained state at the horizon is exact"
        );
        assert_eq!(
            now["version"],
            serde_json::json!(m.tasks().get(&t.id).unwrap().version),
            "{name}"
        );
        // Through the JSON surface too.
        let e = api::call(m, "events.since", r#"{"seq": 0}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Pruned, "{name}");
    }
}

#[test]
fn a_workflow_something_retained_needs_is_kept_with_the_reason() {
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let old = ended_workflow(m, &p.id, "old", true);
        let old_task = m
            .tasks()
            .list(&p.id)
            .unwrap()
            .into_iter()
            .find(|t| t.workflow_id.as_ref() == Some(&old))
            .unwrap();
        let later = task(m, &p.id, "depends on old work", &[&old_task.id]);
        let report = m.prune(Some(&everything_due(&dir.path().join("a"))), false).unwrap();
        assert!(report.workflows.is_empty(), "{name}");
        assert_eq!(report.kept.len(), 1, "{name}");
        assert!(
            report.kept[0].reason.contains(later.id.as_str()),
            "{name}: {:?}",
            report.kept
        );
        assert_eq!(
            m.tasks().get(&later.id).unwrap().depends_on,
            vec![old_task.id],
            "{name}"
        );
    }
}

#[test]
fn agent_logs_docs_cache_and_surplus_checkpoints_go_and_space_is_returned() {
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let wf = flow_workflow(m, &p.id, "long");
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
        assert_eq!(dry.checkpoints, real.checkpoints, "{name}");
        assert_eq!((dry.agent_logs, real.agent_logs), (50, 50), "{name}");
        assert_eq!((dry.docs_cache, real.docs_cache), (1, 1), "{name}");
        assert_eq!(dry.events, real.events, "{name}");
        assert_eq!(
            real.events,
            49 + 3,
            "{name}: the agent logs' events but the newest, and the pruned checkpoints'"
        );
        let left: Vec<_> = m
            .checkpoints()
            .list(&wf.id)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(left, vec![cps[3].id.clone(), cps[4].id.clone()], "{name}");
        assert!(m.learning().agent_logs(&p.id, None).unwrap().is_empty(), "{name}");
        assert_eq!(
            real.bytes_reclaimed,
            real.bytes_before.saturating_sub(real.bytes_after),
            "{name}: {real:?}"
        );
        assert_eq!(dry.bytes_after, dry.bytes_before, "{name}: a dry run changes no size");
        assert!(dry.bytes_before > 0, "{name}: {dry:?}");
        // Only a SQLite file gives pages back to the file system: PostgreSQL's plain VACUUM
        // keeps them for reuse.
        if b.name == "sqlite-file" {
            assert!(real.bytes_after < real.bytes_before, "{name}: {real:?}");
            assert_eq!(
                (b.raw_i64("PRAGMA auto_vacuum"), b.raw_i64("PRAGMA freelist_count")),
                (2, 0),
                "{name}: incremental auto-vacuum returned every free page"
            );
        }
    }
}

#[test]
fn an_existing_archive_path_is_never_replaced_and_a_live_session_keeps_its_workflow() {
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let wf = ended_workflow(m, &p.id, "old", true);
        let archive = dir.path().join("archive");
        // Something already at the archive's name: another store's archive, or anything else.
        std::fs::create_dir_all(archive.join(wf.as_str())).unwrap();
        std::fs::write(archive.join(wf.as_str()).join("keep.txt"), "not yours").unwrap();
        let live = flow_workflow(m, &p.id, "ended-but-working");
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
        assert_eq!(r.workflows.len(), 1, "{name}");
        assert_eq!(
            r.workflows[0].archive,
            archive.join(format!("{wf}-2")).display().to_string()
        );
        assert_eq!(
            std::fs::read_to_string(archive.join(wf.as_str()).join("keep.txt")).unwrap(),
            "not yours",
            "{name}"
        );
        assert_eq!(r.kept.len(), 1, "{name}: {:?}", r.kept);
        assert!(r.kept[0].reason.contains("is still idle"), "{name}: {:?}", r.kept);
        assert!(m.workflows().get(&live.id).is_ok(), "{name}");
    }
}

#[test]
fn a_decision_keeps_its_state_at_every_seq_from_the_horizon_on() {
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let wf = flow_workflow(m, &p.id, "f");
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
        let t = task(m, &p.id, "later", &[]);
        // Ten days pass for everything up to the first outcome.
        b.raw_exec(&format!(
            "UPDATE events SET at = at - 864000000 WHERE seq <= {first_outcome}"
        ));
        let r = m
            .prune(
                Some(&RetentionPolicy {
                    events_days: 5,
                    ..everything_due(&dir.path().join("a"))
                }),
                false,
            )
            .unwrap();
        assert_eq!(r.horizon, first_outcome, "{name}");
        let then = m
            .events()
            .state_at(EntityKind::Decision, d.id.as_str(), first_outcome)
            .unwrap()
            .unwrap();
        assert_eq!(
            then["outcomes"].as_array().unwrap().len(),
            1,
            "{name}: the partial outcome, as it was then"
        );
        let now = m.decisions().get(&d.id).unwrap();
        assert_eq!(now.outcomes.len(), 2, "{name}");
        assert_eq!(m.tasks().get(&t.id).unwrap().title, "later", "{name}");
        assert_eq!(
            m.decisions().search("sqlite", &DecisionFilter::default(), 5).unwrap()[0].id,
            d.id
        );
    }
}

#[test]
fn deleting_a_workflow_takes_its_events_below_the_horizon_with_it() {
    for b in durable_backends() {
        let (m, name) = (&b.m, b.name);
        let dir = tempfile::tempdir().unwrap();
        let p = project(m, "shop");
        let wf = flow_workflow(m, &p.id, "kept by retention");
        task(m, &p.id, "tail", &[]);
        m.prune(Some(&everything_due(&dir.path().join("a"))), false).unwrap();
        let count = || b.raw_i64(&format!("SELECT COUNT(*) FROM events WHERE workflow_id = '{}'", wf.id));
        assert_eq!(
            count(),
            1,
            "{name}: the active workflow's state is retained below the horizon"
        );
        m.workflows().delete(&wf.id).unwrap();
        assert_eq!(count(), 1, "{name}: only the workflow.deleted event is left");
        let last = m
            .events()
            .since(m.events().horizon().unwrap(), &EventFilter::default(), 10)
            .unwrap();
        assert_eq!(last.last().unwrap().kind, "workflow.deleted", "{name}");
    }
}
