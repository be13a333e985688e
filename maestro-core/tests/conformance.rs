//! The storage conformance suite: every test runs against every [`Store`] implementation
//! (a SQLite file and in-memory SQLite today). A new backend joins `common::backends()`.

mod common;

use common::*;
use maestro_core::*;
use std::time::Duration;

#[test]
fn projects_are_unique_by_name_and_deletion_cascades() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        assert_eq!(m.projects().get(&p.id).unwrap(), p, "{}", b.name);
        assert_eq!(m.projects().get_by_name("shop").unwrap().id, p.id);
        let dup = m
            .projects()
            .create(NewProject {
                name: "shop".into(),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(dup.kind(), ErrorKind::Conflict, "{}", b.name);
        let t = task(m, &p.id, "a", &[]);
        let s = live_session(m, &p.id, "w");
        m.projects().delete(&p.id).unwrap();
        assert_eq!(m.projects().get(&p.id).unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(
            m.tasks().get(&t.id).unwrap_err().kind(),
            ErrorKind::NotFound,
            "{}: task cascaded",
            b.name
        );
        assert_eq!(
            m.sessions().get(&s.id).unwrap_err().kind(),
            ErrorKind::NotFound,
            "{}: session cascaded",
            b.name
        );
        assert!(m.projects().list().unwrap().is_empty());
    }
}

#[test]
fn caller_supplied_ids_are_validated() {
    for b in backends() {
        let e =
            b.m.projects()
                .create(NewProject {
                    id: Some("../../etc/passwd".into()),
                    name: "x".into(),
                    root: None,
                })
                .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{}", b.name);
        assert_eq!(e.path(), Some("id"));
        let p =
            b.m.projects()
                .create(NewProject {
                    id: Some("prj_mine".into()),
                    name: "x".into(),
                    root: None,
                })
                .unwrap();
        assert_eq!(p.id.as_str(), "prj_mine");
    }
}

#[test]
fn spec_workflow_needs_approval_for_every_forward_step() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let wf = m
            .workflows()
            .create(NewWorkflow {
                id: None,
                project_id: p.id.clone(),
                feature: "oauth".into(),
                request: "Add OAuth".into(),
                model: ModelRef::Builtin("spec".into()),
            })
            .unwrap();
        assert_eq!((wf.phase.as_str(), wf.status), ("requirements", WorkflowStatus::Active));
        let e = m.workflows().advance(&wf.id, "design", "alice", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict, "{}", b.name);
        assert!(e.to_string().contains("needs approval"), "{e}");
        let e = m.workflows().advance(&wf.id, "tasks", "alice", None).unwrap_err();
        assert!(
            matches!(&e, Error::IllegalTransition { from, to, .. } if from == "requirements" && to == "tasks"),
            "{e}"
        );
        assert!(e.to_string().contains("requirements → tasks"), "{e}");
        let gate = m
            .workflows()
            .vote(&wf.id, "design", "reviewer", true, Some("lgtm"))
            .unwrap();
        assert_eq!((gate.approvals, gate.state), (1, GateState::Approved));
        let wf2 = m
            .workflows()
            .advance(&wf.id, "design", "alice", Some("requirements"))
            .unwrap();
        assert_eq!((wf2.phase.as_str(), wf2.epoch, wf2.version), ("design", 1, 2));
        // The approval belonged to the previous round: the next step needs a new one.
        assert_eq!(m.workflows().gate(&wf.id, "tasks").unwrap().state, GateState::Pending);
        // One step back needs no approval.
        let back = m.workflows().advance(&wf.id, "requirements", "alice", None).unwrap();
        assert_eq!(back.phase, "requirements");
        for (from, to) in [
            ("requirements", "design"),
            ("design", "tasks"),
            ("tasks", "implementation"),
            ("implementation", "completed"),
        ] {
            m.workflows().vote(&wf.id, to, "reviewer", true, None).unwrap();
            m.workflows().advance(&wf.id, to, "alice", Some(from)).unwrap();
        }
        let done = m.workflows().get(&wf.id).unwrap();
        assert_eq!(
            (done.phase.as_str(), done.status),
            ("completed", WorkflowStatus::Completed)
        );
        assert!(done.ended_at.is_some());
        let kinds: Vec<_> = m.workflows().history(&wf.id).unwrap().iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == HistoryKind::Transition).count(),
            6,
            "{}: {kinds:?}",
            b.name
        );
        assert_eq!(kinds.iter().filter(|k| **k == HistoryKind::Vote).count(), 5);
        assert_eq!(kinds[0], HistoryKind::Created);
    }
}

#[test]
fn quorum_gates_count_votes_and_reject_duplicates_and_strangers() {
    let model = r#"{"schema_version":1,"name":"review","initial":"draft",
        "phases":[{"name":"draft"},{"name":"published","terminal":"success"},{"name":"dropped","terminal":"failure"}],
        "transitions":[{"from":"draft","to":"published","approval":{"quorum":{"kind":"count","k":2,"n":3,"voters":["ann","bob","cid"]}}},
                       {"from":"*","to":"dropped"}]}"#;
    for b in backends() {
        let m = &b.m;
        let p = project(m, "docs");
        let model = PhaseModel::from_json(model).unwrap();
        let wf = m
            .workflows()
            .create(NewWorkflow::new(p.id.clone(), "f", ModelRef::Custom(model)))
            .unwrap();
        assert_eq!(
            m.workflows()
                .vote(&wf.id, "published", "ann", true, None)
                .unwrap()
                .state,
            GateState::Pending
        );
        assert_eq!(
            m.workflows()
                .vote(&wf.id, "published", "ann", true, None)
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict,
            "{}: double vote",
            b.name
        );
        assert_eq!(
            m.workflows()
                .vote(&wf.id, "published", "eve", true, None)
                .unwrap_err()
                .path(),
            Some("voter")
        );
        assert_eq!(
            m.workflows()
                .vote(&wf.id, "dropped", "ann", true, None)
                .unwrap_err()
                .path(),
            Some("to"),
            "no gate on dropped"
        );
        assert_eq!(
            m.workflows()
                .advance(&wf.id, "published", "x", None)
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );
        let g = m.workflows().vote(&wf.id, "published", "bob", true, None).unwrap();
        assert_eq!((g.approvals, g.rejections, g.state), (2, 0, GateState::Approved));
        let end = m.workflows().advance(&wf.id, "published", "x", None).unwrap();
        assert_eq!(end.status, WorkflowStatus::Completed);
        assert_eq!(
            m.workflows().advance(&wf.id, "dropped", "x", None).unwrap_err().kind(),
            ErrorKind::Conflict,
            "ended workflows stay ended"
        );
    }
}

#[test]
fn pause_resume_fail_work_in_every_model() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        for model in BUILTIN_MODELS_FOR_TEST {
            let wf = m
                .workflows()
                .create(NewWorkflow::new(
                    p.id.clone(),
                    *model,
                    ModelRef::Builtin((*model).into()),
                ))
                .unwrap();
            let next = wf.model.next_phases(&wf.phase)[0].to_owned();
            m.workflows().pause(&wf.id, "ops").unwrap();
            let e = m.workflows().advance(&wf.id, &next, "ops", None).unwrap_err();
            assert_eq!(
                e.kind(),
                ErrorKind::Conflict,
                "{}/{model}: paused workflows do not move",
                b.name
            );
            assert!(matches!(
                m.workflows().pause(&wf.id, "ops").unwrap_err(),
                Error::IllegalTransition { .. }
            ));
            m.workflows().resume(&wf.id, "ops").unwrap();
            let failed = m.workflows().fail(&wf.id, "budget exhausted", "ops").unwrap();
            assert_eq!(
                (failed.status, failed.fail_reason.as_deref()),
                (WorkflowStatus::Failed, Some("budget exhausted"))
            );
            let e = m.workflows().resume(&wf.id, "ops").unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("illegal transition of workflow {}: failed → active", wf.id)
            );
        }
    }
}

const BUILTIN_MODELS_FOR_TEST: &[&str] = &["spec", "flow", "pipeline"];

#[test]
fn stale_expected_phase_is_a_conflict() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let wf = m
            .workflows()
            .create(NewWorkflow::new(p.id.clone(), "f", ModelRef::Builtin("flow".into())))
            .unwrap();
        m.workflows()
            .advance(&wf.id, "planning", "a", Some("initializing"))
            .unwrap();
        let e = m
            .workflows()
            .advance(&wf.id, "planning", "b", Some("initializing"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict, "{}", b.name);
        assert!(
            e.to_string().contains("phase is planning, expected initializing"),
            "{e}"
        );
    }
}

#[test]
fn spec_and_steering_documents_are_versioned() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let wf = m
            .workflows()
            .create(NewWorkflow::new(p.id.clone(), "f", ModelRef::Builtin("spec".into())))
            .unwrap();
        m.workflows().put_spec(&wf.id, "requirements", "v1 text", "pm").unwrap();
        let v2 = m.workflows().put_spec(&wf.id, "requirements", "v2 text", "pm").unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(
            m.workflows().spec(&wf.id, "requirements", None).unwrap().content,
            "v2 text",
            "{}",
            b.name
        );
        assert_eq!(
            m.workflows().spec(&wf.id, "requirements", Some(1)).unwrap().content,
            "v1 text"
        );
        assert_eq!(
            m.workflows().spec(&wf.id, "requirements", Some(3)).unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(m.workflows().spec_versions(&wf.id, "requirements").unwrap().len(), 2);
        assert_eq!(
            m.workflows().put_spec(&wf.id, "../x", "t", "pm").unwrap_err().path(),
            Some("kind")
        );

        m.projects().put_steering(&p.id, "product", "sell shoes", &[]).unwrap();
        m.projects()
            .put_steering(&p.id, "tech", "rust v1", &["worker".into()])
            .unwrap();
        m.projects()
            .put_steering(&p.id, "tech", "rust v2", &["worker".into()])
            .unwrap();
        m.projects()
            .put_steering(&p.id, "ops", "pager rota", &["orchestrator".into()])
            .unwrap();
        let ctx = m.projects().steering_context(&p.id, "worker").unwrap();
        let got: Vec<_> = ctx
            .iter()
            .map(|d| (d.domain.as_str(), d.content.as_str(), d.version))
            .collect();
        assert_eq!(
            got,
            vec![("product", "sell shoes", 1), ("tech", "rust v2", 2)],
            "{}",
            b.name
        );
        let orch: Vec<_> = m
            .projects()
            .steering_context(&p.id, "orchestrator")
            .unwrap()
            .into_iter()
            .map(|d| d.domain)
            .collect();
        assert_eq!(orch, vec!["ops", "product"]);
    }
}

#[test]
fn session_status_machine_is_enforced_with_automatic_timeline() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let s = m.sessions().spawn(NewSession::new(p.id.clone(), "w1")).unwrap();
        assert_eq!(s.status, SessionStatus::Spawning);
        let e = m
            .sessions()
            .transition(&s.id, SessionStatus::Working, None, None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("illegal transition of session {}: spawning → working", s.id),
            "{}",
            b.name
        );
        m.sessions().register(&s.id).unwrap();
        m.sessions()
            .transition(&s.id, SessionStatus::Working, Some(SessionStatus::Idle), None)
            .unwrap();
        let e = m
            .sessions()
            .transition(&s.id, SessionStatus::Idle, Some(SessionStatus::Idle), None)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict, "stale expected status");
        let done = m.sessions().complete(&s.id).unwrap();
        assert_eq!(done.status, SessionStatus::Completed);
        assert!(done.completed_at.is_some());
        let kinds: Vec<_> = m
            .sessions()
            .timeline(&s.id)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![TimelineType::SessionStarted, TimelineType::SessionStopped],
            "{}",
            b.name
        );
        let e = m
            .sessions()
            .append(&s.id, NewTimelineEvent::new(TimelineType::Milestone, "late"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(matches!(
            m.sessions().stop(&s.id, None).unwrap_err(),
            Error::IllegalTransition { .. }
        ));

        let f = live_session(m, &p.id, "w2");
        m.sessions().fail(&f.id, "oom").unwrap();
        let tl = m.sessions().timeline(&f.id).unwrap();
        assert_eq!(tl.last().unwrap().kind, TimelineType::Error);
        assert_eq!(tl.last().unwrap().message, "session failed: oom");
    }
}

#[test]
fn timeline_validates_types_and_records_task_duration() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let t = task(m, &p.id, "build", &[]);
        let s = live_session(m, &p.id, "w");
        let e = m
            .sessions()
            .append(&s.id, NewTimelineEvent::new(TimelineType::TaskStarted, "x"))
            .unwrap_err();
        assert_eq!(e.path(), Some("task_id"), "{}", b.name);
        let mut prog = NewTimelineEvent::new(TimelineType::Progress, "half");
        prog.metadata = serde_json::json!({ "progress": 1.5 });
        assert_eq!(
            m.sessions().append(&s.id, prog.clone()).unwrap_err().path(),
            Some("metadata/progress")
        );
        prog.metadata = serde_json::json!({ "progress": 0.5 });
        m.sessions().append(&s.id, prog).unwrap();
        let mut ghost = NewTimelineEvent::new(TimelineType::TaskBlocked, "x");
        ghost.task_id = Some(TaskId::parse("tsk_ghost").unwrap());
        assert_eq!(
            m.sessions().append(&s.id, ghost).unwrap_err().kind(),
            ErrorKind::NotFound
        );

        let claimed = m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
        assert_eq!(claimed.id, t.id);
        std::thread::sleep(Duration::from_millis(15));
        m.tasks().complete(&t.id, Some(&s.id)).unwrap();
        let tl = m.sessions().timeline(&s.id).unwrap();
        let done = tl.iter().find(|e| e.kind == TimelineType::TaskCompleted).unwrap();
        let ms = done.metadata["duration_ms"].as_i64().unwrap();
        assert!(ms >= 15, "{}: duration {ms}", b.name);
        assert_eq!(
            m.sessions().get(&s.id).unwrap().status,
            SessionStatus::Working,
            "the agent decides when it is idle"
        );
        let links = m.sessions().tasks(&s.id).unwrap();
        assert_eq!((links.len(), links[0].status), (1, LinkStatus::Completed));
        assert_eq!(m.tasks().sessions(&t.id).unwrap()[0].session_id, s.id);
    }
}

#[test]
fn session_trees_and_children() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let o = live_session(m, &p.id, "orchestrator");
        let mut kids = Vec::new();
        for name in ["w1", "w2"] {
            let mut n = NewSession::new(p.id.clone(), name);
            n.parent_session_id = Some(o.id.clone());
            n.spawn_source = SpawnSource::Session;
            kids.push(m.sessions().spawn(n).unwrap());
        }
        let mut gn = NewSession::new(p.id.clone(), "w1.1");
        gn.parent_session_id = Some(kids[0].id.clone());
        m.sessions().spawn(gn).unwrap();
        let names: Vec<_> = m
            .sessions()
            .children(&o.id)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, vec!["w1", "w2"], "{}", b.name);
        let tree = m.sessions().tree(&o.id).unwrap();
        assert_eq!(tree.children.len(), 2);
        assert_eq!(tree.children[0].children[0].session.name, "w1.1");
        assert!(tree.children[1].children.is_empty());
        let mut other = NewSession::new(project(m, "q").id, "x");
        other.parent_session_id = Some(o.id.clone());
        assert_eq!(m.sessions().spawn(other).unwrap_err().path(), Some("parent_session_id"));
    }
}

#[test]
fn reap_stale_fails_silent_sessions_and_releases_their_work() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let t = task(m, &p.id, "work", &[]);
        let stuck = m.sessions().spawn(NewSession::new(p.id.clone(), "stuck")).unwrap();
        let w = live_session(m, &p.id, "silent");
        m.tasks().claim(&w.id, &ClaimFilter::default()).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(700));
        let alive = live_session(m, &p.id, "alive");
        let reaped: Vec<_> = m
            .sessions()
            .reap_stale(Duration::from_millis(600))
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(reaped, vec![stuck.id.clone(), w.id.clone()], "{}", b.name);
        assert_eq!(m.sessions().get(&w.id).unwrap().status, SessionStatus::Failed);
        assert_eq!(m.sessions().get(&alive.id).unwrap().status, SessionStatus::Idle);
        assert_eq!(
            m.tasks().get(&t.id).unwrap().status,
            TaskStatus::Todo,
            "{}: claimed task released",
            b.name
        );
        assert_eq!(m.sessions().tasks(&w.id).unwrap()[0].status, LinkStatus::Failed);
        let again = m.tasks().claim(&alive.id, &ClaimFilter::default()).unwrap().unwrap();
        assert_eq!(again.id, t.id);
        assert!(m.sessions().reap_stale(Duration::from_secs(60)).unwrap().is_empty());
    }
}

#[test]
fn task_dag_rejects_cycles_and_dangling_references() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let a = task(m, &p.id, "a", &[]);
        let bb = task(m, &p.id, "b", &[&a.id]);
        let c = task(m, &p.id, "c", &[&bb.id]);
        let e = m.tasks().add_dependency(&a.id, &c.id).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{}", b.name);
        assert!(
            e.to_string()
                .contains(&format!("{} → {} → {} → {}", a.id, c.id, bb.id, a.id)),
            "{e}"
        );
        assert_eq!(
            m.tasks().add_dependency(&a.id, &a.id).unwrap_err().kind(),
            ErrorKind::Validation
        );
        let mut dangling = NewTask::new(p.id.clone(), "d");
        dangling.depends_on = vec![TaskId::parse("tsk_nope").unwrap()];
        assert_eq!(m.tasks().create(dangling).unwrap_err().path(), Some("depends_on/0"));
        let other = task(m, &project(m, "q").id, "foreign", &[]);
        assert_eq!(
            m.tasks().add_dependency(&c.id, &other.id).unwrap_err().path(),
            Some("depends_on")
        );
        let a2 = m.tasks().add_dependency(&c.id, &a.id).unwrap();
        assert_eq!(a2.depends_on, {
            let mut v = vec![a.id.clone(), bb.id.clone()];
            v.sort();
            v
        });
        assert_eq!(
            m.tasks().remove_dependency(&c.id, &a.id).unwrap().depends_on,
            vec![bb.id.clone()]
        );
        assert_eq!(
            m.tasks().remove_dependency(&c.id, &a.id).unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(m.tasks().get(&c.id).unwrap().depends_on, vec![bb.id.clone()]);
    }
}

#[test]
fn ready_set_orders_by_priority_then_age_and_layers_respect_dependencies() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let db = task(m, &p.id, "db", &[]);
        let mut crit = NewTask::new(p.id.clone(), "hotfix");
        crit.priority = Priority::Critical;
        let hot = m.tasks().create(crit).unwrap();
        let api = task(m, &p.id, "api", &[&db.id]);
        let ui = task(m, &p.id, "ui", &[&api.id, &db.id]);
        let docs = task(m, &p.id, "docs", &[]);
        let ready: Vec<_> = m.tasks().ready(&p.id).unwrap().into_iter().map(|t| t.title).collect();
        assert_eq!(ready, vec!["hotfix", "db", "docs"], "{}", b.name);
        let layers = m.tasks().layers(&p.id).unwrap();
        assert_eq!(
            layers,
            vec![
                vec![db.id.clone(), hot.id.clone(), docs.id.clone()],
                vec![api.id.clone()],
                vec![ui.id.clone()]
            ]
        );
        let order = m.tasks().topological_order(&p.id).unwrap();
        assert_eq!(order.len(), 5);
        assert!(order.iter().position(|x| *x == db.id) < order.iter().position(|x| *x == api.id));

        let s = live_session(m, &p.id, "w");
        for expected in ["hotfix", "db"] {
            let t = m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
            assert_eq!(t.title, expected);
            assert_eq!(t.status, TaskStatus::InProgress);
            m.tasks().complete(&t.id, Some(&s.id)).unwrap();
        }
        let ready: Vec<_> = m.tasks().ready(&p.id).unwrap().into_iter().map(|t| t.title).collect();
        assert_eq!(
            ready,
            vec!["api", "docs"],
            "{}: api became ready when db completed",
            b.name
        );
        assert_eq!(
            m.tasks()
                .transition(&ui.id, TaskStatus::InProgress, None, None)
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict,
            "cannot start a task whose dependencies are open"
        );
        let e = m
            .tasks()
            .transition(&docs.id, TaskStatus::Completed, None, None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("illegal transition of task {}: todo → completed", docs.id)
        );
    }
}

#[test]
fn claims_filter_by_label_and_workflow() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let mut fe = NewTask::new(p.id.clone(), "frontend");
        fe.labels = vec!["ui".into()];
        m.tasks().create(fe).unwrap();
        let mut be = NewTask::new(p.id.clone(), "backend");
        be.labels = vec!["api".into(), "database".into()];
        m.tasks().create(be).unwrap();
        let s = live_session(m, &p.id, "w");
        let f = ClaimFilter {
            labels: vec!["database".into()],
            workflow_id: None,
        };
        assert_eq!(
            m.tasks().claim(&s.id, &f).unwrap().unwrap().title,
            "backend",
            "{}",
            b.name
        );
        assert!(m.tasks().claim(&s.id, &f).unwrap().is_none());
        let spawning = m.sessions().spawn(NewSession::new(p.id.clone(), "new")).unwrap();
        assert_eq!(
            m.tasks()
                .claim(&spawning.id, &ClaimFilter::default())
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );
    }
}

#[test]
fn queues_take_ready_items_in_order_one_at_a_time() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let t1 = task(m, &p.id, "schema", &[]);
        let t2 = task(m, &p.id, "routes", &[&t1.id]);
        let t3 = task(m, &p.id, "readme", &[]);
        let mut n = NewSession::new(p.id.clone(), "q");
        n.strategy = Strategy::Queue;
        n.tasks = vec![t2.id.clone(), t1.id.clone(), t3.id.clone()];
        let s = m.sessions().spawn(n).unwrap();
        m.sessions().register(&s.id).unwrap();
        let first = m.queues().next(&s.id).unwrap().unwrap();
        assert_eq!(first.task_id, t1.id, "{}: routes waits on schema", b.name);
        assert_eq!(
            m.queues().next(&s.id).unwrap_err().kind(),
            ErrorKind::Conflict,
            "one processing item per session"
        );
        assert_eq!(m.sessions().get(&s.id).unwrap().status, SessionStatus::Working);
        assert_eq!(m.queues().complete(&s.id).unwrap().status, QueueStatus::Completed);
        assert_eq!(m.tasks().get(&t1.id).unwrap().status, TaskStatus::Completed);
        assert_eq!(m.sessions().get(&s.id).unwrap().status, SessionStatus::Working);
        m.sessions()
            .transition(&s.id, SessionStatus::Idle, Some(SessionStatus::Working), None)
            .unwrap();
        let second = m.queues().next(&s.id).unwrap().unwrap();
        assert_eq!(second.task_id, t2.id, "routes is first in line and now ready");
        assert_eq!(m.queues().fail(&s.id, "tests red").unwrap().status, QueueStatus::Failed);
        assert_eq!(m.tasks().get(&t2.id).unwrap().status, TaskStatus::Failed);
        let third = m.queues().next(&s.id).unwrap().unwrap();
        assert_eq!(m.queues().skip(&s.id, &third.id).unwrap().status, QueueStatus::Skipped);
        assert_eq!(
            m.tasks().get(&t3.id).unwrap().status,
            TaskStatus::Todo,
            "a skipped processing item gives its task back"
        );
        assert!(m.queues().next(&s.id).unwrap().is_none());
        let statuses: Vec<_> = m.queues().list(&s.id).unwrap().into_iter().map(|q| q.status).collect();
        assert_eq!(
            statuses,
            vec![QueueStatus::Failed, QueueStatus::Completed, QueueStatus::Skipped]
        );
        let kinds: Vec<_> = m
            .sessions()
            .timeline(&s.id)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        use TimelineType::*;
        assert_eq!(
            kinds,
            vec![
                SessionStarted,
                TaskStarted,
                TaskCompleted,
                TaskStarted,
                TaskFailed,
                TaskStarted,
                TaskSkipped
            ],
            "{}",
            b.name
        );
        assert_eq!(m.queues().enqueue(&s.id, &t3.id).unwrap().position, 4);
        assert_eq!(
            m.queues().enqueue(&s.id, &t3.id).unwrap_err().kind(),
            ErrorKind::Conflict,
            "already waiting"
        );
    }
}

#[test]
fn events_since_returns_exactly_the_mutations_in_order() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let s = live_session(m, &p.id, "w");
        let start = m.events().latest_seq().unwrap();
        let mut ids = Vec::new();
        for i in 0..25 {
            ids.push(
                m.sessions()
                    .append(&s.id, NewTimelineEvent::new(TimelineType::Milestone, format!("m{i}")))
                    .unwrap()
                    .id,
            );
        }
        let evs = m.events().since(start, &EventFilter::default(), 1000).unwrap();
        assert_eq!(evs.len(), 25, "{}", b.name);
        assert!(evs.windows(2).all(|w| w[0].seq < w[1].seq));
        let got: Vec<_> = evs.iter().map(|e| e.entity_id.clone()).collect();
        assert_eq!(got, ids.iter().map(|i| i.to_string()).collect::<Vec<_>>());
        assert!(evs
            .iter()
            .all(|e| e.kind == "timeline_event.appended" && e.project_id == p.id.as_str()));
        assert_eq!(evs[3].payload["message"], "m3");
        let page = m.events().since(evs[9].seq, &EventFilter::default(), 5).unwrap();
        assert_eq!(
            page.iter().map(|e| e.seq).collect::<Vec<_>>(),
            evs[10..15].iter().map(|e| e.seq).collect::<Vec<_>>()
        );
        let f = EventFilter {
            entities: vec![EntityKind::Session],
            ..Default::default()
        };
        let sess = m.events().since(0, &f, 100).unwrap();
        assert_eq!(
            sess.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            vec!["session.created", "session.updated"]
        );
        let f = EventFilter {
            types: vec!["project.created".into()],
            project_id: Some(p.id.to_string()),
            ..Default::default()
        };
        assert_eq!(m.events().since(0, &f, 100).unwrap().len(), 1);
    }
}

#[test]
fn state_at_reproduces_earlier_states() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let t = task(m, &p.id, "t", &[]);
        let before_claim = m.events().latest_seq().unwrap();
        let s = live_session(m, &p.id, "w");
        m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap();
        let mid = m.events().latest_seq().unwrap();
        m.tasks().complete(&t.id, Some(&s.id)).unwrap();
        let ev = |seq| {
            m.events()
                .state_at(EntityKind::Task, t.id.as_str(), seq)
                .unwrap()
                .unwrap()
        };
        assert_eq!(ev(before_claim)["status"], "todo", "{}", b.name);
        assert_eq!(ev(mid)["status"], "in_progress");
        assert_eq!(ev(i64::MAX)["status"], "completed");
        let old: Task = serde_json::from_value(ev(before_claim)).unwrap();
        assert_eq!(old.version, 1);
        assert_eq!(
            m.events().state_at(EntityKind::Task, t.id.as_str(), 0).unwrap(),
            None,
            "did not exist yet"
        );
        m.projects().delete(&p.id).unwrap();
        assert_eq!(
            m.events()
                .state_at(EntityKind::Project, p.id.as_str(), i64::MAX)
                .unwrap(),
            None,
            "deleted"
        );
        assert_eq!(
            m.events().state_at(EntityKind::Task, t.id.as_str(), i64::MAX).unwrap(),
            None,
            "{}: deleted with its project",
            b.name
        );
        assert_eq!(ev(mid)["status"], "in_progress", "the past stays readable");
        assert_eq!(
            m.events()
                .state_at(EntityKind::Project, p.id.as_str(), before_claim)
                .unwrap()
                .unwrap()["name"],
            "p"
        );
    }
}

#[test]
fn subscribers_get_committed_events_only() {
    for b in backends() {
        let m = &b.m;
        let sub = m
            .events()
            .subscribe(EventFilter {
                entities: vec![EntityKind::Task],
                ..Default::default()
            })
            .unwrap();
        let p = project(m, "p");
        let t = task(m, &p.id, "t", &[]);
        let r: Result<()> = m.batch(|b| {
            b.tasks().create(NewTask::new(p.id.clone(), "rolled back"))?;
            Err(Error::Internal("abort".into()))
        });
        assert!(r.is_err());
        let got = sub.recv_timeout(Duration::from_secs(1)).unwrap();
        assert_eq!(
            (got.kind.as_str(), got.entity_id.as_str()),
            ("task.created", t.id.as_str()),
            "{}",
            b.name
        );
        assert!(
            sub.try_recv().is_none(),
            "{}: no event for the rolled-back batch, none for the project",
            b.name
        );
        assert_eq!(m.tasks().list(&p.id).unwrap().len(), 1);
    }
}

#[test]
fn batches_commit_together_and_failed_operations_undo_only_themselves() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let s = live_session(m, &p.id, "w");
        let before = m.events().latest_seq().unwrap();
        let n = m
            .batch(|bt| {
                for i in 0..100 {
                    bt.sessions().append(
                        &s.id,
                        NewTimelineEvent::new(TimelineType::Progress, format!("{i}")).with_progress(i as f64 / 100.0),
                    )?;
                }
                let bad = bt.tasks().create(NewTask::new(ProjectId::parse("prj_missing")?, "x"));
                assert_eq!(bad.unwrap_err().kind(), ErrorKind::NotFound);
                bt.tasks().create(NewTask::new(p.id.clone(), "kept"))?;
                Ok(bt.sessions().timeline(&s.id)?.len())
            })
            .unwrap();
        assert_eq!(n, 101, "{}: reads inside a batch see its writes", b.name);
        assert_eq!(
            m.events().since(before, &EventFilter::default(), 1000).unwrap().len(),
            101
        );
        let r: Result<()> = m.batch(|bt| {
            bt.tasks().create(NewTask::new(p.id.clone(), "gone"))?;
            bt.sessions().complete(&s.id)?; // idle → completed is illegal: the batch fails
            Ok(())
        });
        assert!(matches!(r.unwrap_err(), Error::IllegalTransition { .. }));
        let titles: Vec<_> = m.tasks().list(&p.id).unwrap().into_iter().map(|t| t.title).collect();
        assert_eq!(titles, vec!["kept"], "{}", b.name);
    }
}

#[test]
fn backup_is_a_complete_consistent_copy() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        for i in 0..10 {
            task(m, &p.id, &format!("t{i}"), &[]);
        }
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("copy.db");
        m.backup(&dest).unwrap();
        let copy = restore_backup(&b, &dest);
        assert_eq!(copy.tasks().list(&p.id).unwrap().len(), 10, "{}", b.name);
        assert_eq!(copy.events().latest_seq().unwrap(), m.events().latest_seq().unwrap());
        copy.check_integrity().unwrap();
        assert_eq!(
            m.backup(&dest).unwrap_err().kind(),
            ErrorKind::Validation,
            "never overwrites"
        );
    }
}

#[test]
fn readiness_follows_reopens_and_dependency_edits() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let s = live_session(m, &p.id, "w");
        let db = task(m, &p.id, "db", &[]);
        let api = task(m, &p.id, "api", &[&db.id]);
        let ready = |m: &Maestro| {
            m.tasks()
                .ready(&p.id)
                .unwrap()
                .into_iter()
                .map(|t| t.title)
                .collect::<Vec<_>>()
        };
        assert_eq!(ready(m), vec!["db"], "{}", b.name);
        m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap();
        m.tasks().complete(&db.id, Some(&s.id)).unwrap();
        assert_eq!(ready(m), vec!["api"]);
        m.tasks().transition(&db.id, TaskStatus::Todo, None, None).unwrap(); // reopen
        assert_eq!(
            ready(m),
            vec!["db"],
            "{}: reopening a dependency blocks its dependents again",
            b.name
        );
        m.tasks().remove_dependency(&api.id, &db.id).unwrap();
        assert_eq!(ready(m), vec!["db", "api"]);
        let done = task(m, &p.id, "done", &[]);
        m.tasks()
            .transition(&done.id, TaskStatus::InProgress, None, None)
            .unwrap();
        m.tasks()
            .transition(&done.id, TaskStatus::Completed, None, None)
            .unwrap();
        m.tasks().add_dependency(&api.id, &done.id).unwrap();
        assert_eq!(
            ready(m),
            vec!["db", "api"],
            "{}: a completed dependency does not block",
            b.name
        );
        m.tasks().add_dependency(&api.id, &db.id).unwrap();
        assert_eq!(ready(m), vec!["db"]);
        let mut with_done_dep = NewTask::new(p.id.clone(), "docs");
        with_done_dep.depends_on = vec![done.id.clone()];
        m.tasks().create(with_done_dep).unwrap();
        assert_eq!(ready(m), vec!["db", "docs"]);
    }
}

#[test]
fn a_blocked_task_cannot_start_before_its_dependencies() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let dep = task(m, &p.id, "dep", &[]);
        let t = task(m, &p.id, "t", &[&dep.id]);
        m.tasks().transition(&t.id, TaskStatus::Blocked, None, None).unwrap();
        let e = m
            .tasks()
            .transition(&t.id, TaskStatus::InProgress, None, None)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict, "{}: {e}", b.name);
        assert_eq!(m.tasks().get(&t.id).unwrap().status, TaskStatus::Blocked);
    }
}

#[test]
fn an_ending_session_never_hands_back_a_task_someone_else_claimed() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let t = task(m, &p.id, "t", &[]);
        let a = live_session(m, &p.id, "a");
        let bb = live_session(m, &p.id, "b");
        m.tasks().claim(&a.id, &ClaimFilter::default()).unwrap().unwrap();
        m.tasks().transition(&t.id, TaskStatus::Todo, None, None).unwrap(); // released by an operator
        assert_eq!(
            m.sessions().tasks(&a.id).unwrap()[0].status,
            LinkStatus::Skipped,
            "{}",
            b.name
        );
        assert_eq!(
            m.tasks().claim(&bb.id, &ClaimFilter::default()).unwrap().unwrap().id,
            t.id
        );
        m.sessions().stop(&a.id, Some("done for today")).unwrap();
        assert_eq!(
            m.tasks().get(&t.id).unwrap().status,
            TaskStatus::InProgress,
            "{}: b still holds it",
            b.name
        );
        assert_eq!(m.sessions().tasks(&bb.id).unwrap()[0].status, LinkStatus::Working);
        m.sessions().fail(&bb.id, "crashed").unwrap();
        assert_eq!(
            m.tasks().get(&t.id).unwrap().status,
            TaskStatus::Todo,
            "{}: the holder's end releases it",
            b.name
        );
    }
}

#[test]
fn task_changes_are_credited_only_to_live_sessions_of_the_same_project() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        let q = project(m, "q");
        let t = task(m, &p.id, "t", &[]);
        let stranger = live_session(m, &q.id, "stranger");
        let e = m
            .tasks()
            .transition(&t.id, TaskStatus::Blocked, Some(&stranger.id), None)
            .unwrap_err();
        assert_eq!(e.path(), Some("session_id"), "{}: {e}", b.name);
        let gone = live_session(m, &p.id, "gone");
        m.sessions().stop(&gone.id, None).unwrap();
        let e = m
            .tasks()
            .transition(&t.id, TaskStatus::Blocked, Some(&gone.id), None)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict, "{}: {e}", b.name);
        assert_eq!(
            m.tasks().get(&t.id).unwrap().status,
            TaskStatus::Todo,
            "nothing changed"
        );
        assert!(m.sessions().tasks(&gone.id).unwrap().is_empty());
    }
}

#[test]
fn any_session_event_counts_as_activity_for_reaping() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "p");
        task(m, &p.id, "t", &[]);
        let s = live_session(m, &p.id, "busy");
        std::thread::sleep(Duration::from_millis(700));
        m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap(); // no heartbeat, but active
        assert!(
            m.sessions().reap_stale(Duration::from_millis(600)).unwrap().is_empty(),
            "{}",
            b.name
        );
        std::thread::sleep(Duration::from_millis(700));
        assert_eq!(m.sessions().reap_stale(Duration::from_millis(600)).unwrap().len(), 1);
    }
}

#[test]
fn subscribers_see_commit_order_across_threads() {
    for b in backends() {
        let m = std::sync::Arc::new(b.m);
        let p = project(&m, "p");
        let s = live_session(&m, &p.id, "w");
        let sub = m.events().subscribe(EventFilter::default()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (m, s) = (m.clone(), s.id.clone());
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        m.sessions()
                            .append(&s, NewTimelineEvent::new(TimelineType::Milestone, "x"))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // A store shared with other hosts delivers by following the feed: shortly after.
        let mut seqs: Vec<i64> = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while seqs.len() < 800 && std::time::Instant::now() < deadline {
            seqs.extend(sub.recv_timeout(Duration::from_millis(100)).map(|e| e.seq));
        }
        seqs.extend(sub.drain().into_iter().map(|e| e.seq));
        assert_eq!(seqs.len(), 800, "{}", b.name);
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "{}: pushed out of commit order",
            b.name
        );
    }
}
