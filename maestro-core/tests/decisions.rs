//! The decision log: recording, validation, outcomes with history, queries, full-text
//! search, registered categories and the workflow replay, on every backend.

mod common;

use common::*;
use maestro_core::*;

fn flow(m: &Maestro, p: &ProjectId) -> Workflow {
    m.workflows()
        .create(NewWorkflow::new(
            p.clone(),
            "checkout",
            ModelRef::Builtin("flow".into()),
        ))
        .unwrap()
}

fn session_in(m: &Maestro, p: &ProjectId, wf: &WorkflowId, name: &str) -> Session {
    let mut n = NewSession::new(p.clone(), name);
    n.workflow_id = Some(wf.clone());
    let s = m.sessions().spawn(n).unwrap();
    m.sessions().register(&s.id).unwrap()
}

fn tech(wf: &WorkflowId, decision: &str, rationale: &str, technology: &str) -> NewDecision {
    let mut d = NewDecision::new(wf.clone(), "tech_stack", decision, rationale);
    d.subject = Some(Subject {
        category: Some("database".into()),
        technology: Some(technology.into()),
        pattern: None,
    });
    d
}

#[test]
fn a_decision_records_every_field_and_the_workflow_phase() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let wf = flow(m, &p.id);
        m.workflows().advance(&wf.id, "planning", "orch", None).unwrap();
        let s = session_in(m, &p.id, &wf.id, "architect");
        let t = task(m, &p.id, "schema", &[]);
        let parent = m
            .decisions()
            .record(tech(&wf.id, "Use SQLite", "embedded", "sqlite"))
            .unwrap();
        let mut n = tech(
            &wf.id,
            "Use PostgreSQL for orders",
            "concurrent writers from many hosts",
            "postgresql",
        );
        n.session_id = Some(s.id.clone());
        n.task_id = Some(t.id.clone());
        n.alternatives_considered = vec![Alternative {
            option: "MySQL".into(),
            reason_rejected: "weaker JSON support".into(),
        }];
        n.context = Some(DecisionContext {
            sources: vec!["docs/adr/001.md".into()],
            confidence: Confidence::High,
        });
        n.impact = Some(Impact {
            scope: Scope::Codebase,
            risk_level: RiskLevel::Medium,
            reversibility: Reversibility::Difficult,
        });
        n.parent_decision_id = Some(parent.id.clone());
        n.related = vec![parent.id.clone()];
        let d = m.decisions().record(n).unwrap();
        assert_eq!(d.phase, "planning", "{}", b.name);
        assert_eq!(d.project_id, p.id);
        assert!(d.outcomes.is_empty());
        let got = m.decisions().get(&d.id).unwrap();
        assert_eq!(got, d, "{}", b.name);
        assert_eq!(got.alternatives_considered[0].reason_rejected, "weaker JSON support");
        assert_eq!(got.impact.unwrap().reversibility, Reversibility::Difficult);

        let ev = m
            .events()
            .since(
                0,
                &EventFilter {
                    entity_id: Some(d.id.to_string()),
                    ..Default::default()
                },
                10,
            )
            .unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, "decision.recorded");
        assert_eq!(ev[0].workflow_id.as_deref(), Some(wf.id.as_str()));
        assert_eq!(ev[0].session_id.as_deref(), Some(s.id.as_str()));
        assert_eq!(ev[0].payload["rationale"], "concurrent writers from many hosts");
    }
}

#[test]
fn bad_decisions_are_refused_with_the_field_and_nothing_is_written() {
    let b = &backends()[0];
    let m = &b.m;
    let p = project(m, "shop");
    let other = project(m, "other");
    let wf = flow(m, &p.id);
    let owf = flow(m, &other.id);
    let od = m
        .decisions()
        .record(NewDecision::new(owf.id.clone(), "architecture", "x", "y"))
        .unwrap();
    let before = m.events().latest_seq().unwrap();

    let cases: Vec<(NewDecision, &str)> = vec![
        (NewDecision::new(wf.id.clone(), "astrology", "d", "r"), "/category"),
        (NewDecision::new(wf.id.clone(), "architecture", "  ", "r"), "/decision"),
        (
            NewDecision::new(wf.id.clone(), "architecture", "d", "r".repeat(decision::MAX_TEXT + 1)),
            "/rationale",
        ),
        (
            NewDecision {
                parent_decision_id: Some(DecisionId::parse("dec_missing").unwrap()),
                ..NewDecision::new(wf.id.clone(), "architecture", "d", "r")
            },
            "/parent_decision_id",
        ),
        (
            NewDecision {
                related: vec![od.id.clone()],
                ..NewDecision::new(wf.id.clone(), "architecture", "d", "r")
            },
            "/related/0",
        ),
        (
            NewDecision {
                subject: Some(Subject::default()),
                ..NewDecision::new(wf.id.clone(), "architecture", "d", "r")
            },
            "/subject",
        ),
        (
            NewDecision {
                alternatives_considered: vec![Alternative {
                    option: "a".into(),
                    reason_rejected: "".into(),
                }],
                ..NewDecision::new(wf.id.clone(), "architecture", "d", "r")
            },
            "/alternatives_considered/0/reason_rejected",
        ),
    ];
    for (n, path) in cases {
        let e = m.decisions().record(n).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{path}: {e}");
        assert_eq!(e.path(), Some(path), "{e}");
    }
    let e = m
        .decisions()
        .record(NewDecision::new(
            WorkflowId::parse("wf_nope").unwrap(),
            "architecture",
            "d",
            "r",
        ))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(
        m.events().latest_seq().unwrap(),
        before,
        "a refused decision wrote nothing"
    );
    assert_eq!(m.decisions().list(&DecisionFilter::default(), 100).unwrap().len(), 1);
}

#[test]
fn outcomes_are_amended_with_their_history_and_queried_by_current_status() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let wf = flow(m, &p.id);
        let a = m
            .decisions()
            .record(tech(&wf.id, "Use Redis", "fast", "redis"))
            .unwrap();
        let c = m
            .decisions()
            .record(tech(&wf.id, "Use Kafka", "durable", "kafka"))
            .unwrap();
        m.decisions()
            .record_outcome(&a.id, NewOutcome::new(OutcomeStatus::Successful))
            .unwrap();
        let amended = m
            .decisions()
            .record_outcome(
                &a.id,
                NewOutcome {
                    status: OutcomeStatus::Failed,
                    issues: vec!["evictions lost sessions".into()],
                    would_choose_again: Some(false),
                    notes: "moved to postgres".into(),
                },
            )
            .unwrap();
        m.decisions()
            .record_outcome(&c.id, NewOutcome::new(OutcomeStatus::Successful))
            .unwrap();
        assert_eq!(amended.outcomes.len(), 2, "{}", b.name);
        assert_eq!(amended.outcomes[0].status, OutcomeStatus::Successful);
        assert_eq!(amended.outcomes[0].revision, 1);
        assert_eq!(amended.outcome().unwrap().revision, 2);
        assert_eq!(
            amended.outcome().unwrap().issues,
            vec!["evictions lost sessions".to_string()]
        );
        assert_eq!(m.decisions().get(&a.id).unwrap(), amended);

        let by = |o| {
            m.decisions()
                .list(
                    &DecisionFilter {
                        outcome: Some(o),
                        ..Default::default()
                    },
                    100,
                )
                .unwrap()
                .into_iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(by(OutcomeStatus::Failed), vec![a.id.clone()], "{}", b.name);
        assert_eq!(
            by(OutcomeStatus::Successful),
            vec![c.id.clone()],
            "the amended one left 'successful'"
        );
        let e = m
            .decisions()
            .record_outcome(
                &DecisionId::parse("dec_nope").unwrap(),
                NewOutcome::new(OutcomeStatus::Partial),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let kinds: Vec<String> = m
            .events()
            .since(
                0,
                &EventFilter {
                    entity_id: Some(a.id.to_string()),
                    ..Default::default()
                },
                10,
            )
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "decision.recorded",
                "decision.outcome_recorded",
                "decision.outcome_recorded"
            ]
        );
    }
}

#[test]
fn queries_by_workflow_category_and_subject_keep_recording_order() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let w1 = flow(m, &p.id);
        let w2 = flow(m, &p.id);
        let mut ids1 = Vec::new();
        for i in 0..6 {
            let wf = if i % 2 == 0 { &w1 } else { &w2 };
            let d = if i % 3 == 0 {
                m.decisions().record(tech(
                    &wf.id,
                    &format!("db {i}"),
                    "r",
                    if i == 0 { "postgresql" } else { "sqlite" },
                ))
            } else {
                m.decisions().record(NewDecision::new(
                    wf.id.clone(),
                    "architecture",
                    format!("arch {i}"),
                    "r",
                ))
            }
            .unwrap();
            if i % 2 == 0 {
                ids1.push(d.id);
            }
        }
        let ids = |f: DecisionFilter| -> Vec<String> {
            m.decisions()
                .list(&f, 100)
                .unwrap()
                .into_iter()
                .map(|d| d.decision)
                .collect()
        };
        let got: Vec<DecisionId> = m
            .decisions()
            .list(
                &DecisionFilter {
                    workflow_id: Some(w1.id.clone()),
                    ..Default::default()
                },
                100,
            )
            .unwrap()
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(got, ids1, "{}", b.name);
        assert_eq!(
            ids(DecisionFilter {
                category: Some("tech_stack".into()),
                ..Default::default()
            }),
            ["db 0", "db 3"]
        );
        assert_eq!(
            ids(DecisionFilter {
                subject_category: Some("database".into()),
                technology: Some("sqlite".into()),
                ..Default::default()
            }),
            ["db 3"]
        );
        assert_eq!(
            ids(DecisionFilter {
                workflow_id: Some(w2.id.clone()),
                category: Some("architecture".into()),
                ..Default::default()
            }),
            ["arch 1", "arch 5"]
        );
        assert_eq!(m.decisions().list(&DecisionFilter::default(), 2).unwrap().len(), 2);
    }
}

#[test]
fn full_text_search_ranks_matches_and_treats_operators_as_text() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let wf = flow(m, &p.id);
        let mk = |d: &str, r: &str| {
            m.decisions()
                .record(NewDecision::new(wf.id.clone(), "architecture", d, r))
                .unwrap()
        };
        let a = mk("Split the monolith into services", "deploy cadence differs per team");
        let c = mk("Keep a modular monolith", "one team; services add operational cost");
        mk("Cache product pages", "latency budget");
        let hits = |q: &str| -> Vec<DecisionId> {
            m.decisions()
                .search(q, &DecisionFilter::default(), 10)
                .unwrap()
                .into_iter()
                .map(|d| d.id)
                .collect()
        };
        let mut mono = hits("monolith");
        mono.sort();
        let mut want = vec![a.id.clone(), c.id.clone()];
        want.sort();
        assert_eq!(mono, want, "{}", b.name);
        assert_eq!(hits("operational cost"), vec![c.id.clone()], "every word must match");
        let mut star = hits("\"monolith*");
        star.sort();
        assert_eq!(star, want, "quotes and stars are separators");
        assert!(
            hits("monolith AND zebra").is_empty(),
            "AND is a word that must match, not an operator"
        );
        assert!(hits("NEAR(").is_empty(), "operators are words, never syntax");
        assert!(hits("zebra").is_empty());
        let e = m.decisions().search("  ", &DecisionFilter::default(), 10).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation);
        let other = flow(m, &p.id);
        m.decisions()
            .record(NewDecision::new(
                other.id.clone(),
                "architecture",
                "monolith again",
                "r",
            ))
            .unwrap();
        let scoped = m
            .decisions()
            .search(
                "monolith",
                &DecisionFilter {
                    workflow_id: Some(other.id.clone()),
                    ..Default::default()
                },
                10,
            )
            .unwrap();
        assert_eq!(scoped.len(), 1);
        m.projects().delete(&p.id).unwrap();
        assert!(
            hits("monolith").is_empty(),
            "deleting the project removes its decisions from the index"
        );
    }
}

#[test]
fn categories_are_registered_per_project() {
    let b = &backends()[0];
    let m = &b.m;
    let p = project(m, "shop");
    let q = project(m, "other");
    let wf = flow(m, &p.id);
    let owf = flow(m, &q.id);
    let c = m
        .decisions()
        .register_category(&p.id, "security", "threat model choices")
        .unwrap();
    assert_eq!(c.name, "security");
    assert!(m
        .decisions()
        .record(NewDecision::new(wf.id.clone(), "security", "mTLS", "zero trust"))
        .is_ok());
    let e = m
        .decisions()
        .record(NewDecision::new(owf.id.clone(), "security", "mTLS", "r"))
        .unwrap_err();
    assert_eq!(e.path(), Some("/category"), "registered for another project only");
    for (name, kind) in [
        ("security", ErrorKind::Conflict),
        ("tech_stack", ErrorKind::Conflict),
        ("Bad Name", ErrorKind::Validation),
    ] {
        assert_eq!(
            m.decisions().register_category(&p.id, name, "d").unwrap_err().kind(),
            kind,
            "{name}"
        );
    }
    let names: Vec<String> = m
        .decisions()
        .categories(&p.id)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names.len(), DecisionCategory::ALL.len() + 1);
    assert_eq!(names.last().unwrap(), "security");
}

#[test]
fn replay_interleaves_decisions_phases_checkpoints_and_timelines_in_commit_order() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let wf = flow(m, &p.id);
        let noise = flow(m, &p.id);
        let s1 = session_in(m, &p.id, &wf.id, "planner");
        let s2 = session_in(m, &p.id, &wf.id, "coder");
        let stranger = session_in(m, &p.id, &noise.id, "stranger");
        let mut want: Vec<String> = Vec::new();
        let latest = |m: &Maestro| m.events().latest_seq().unwrap();

        m.workflows().advance(&wf.id, "planning", "orch", None).unwrap();
        want.push("workflow.updated".into());
        m.sessions()
            .append(
                &s1.id,
                NewTimelineEvent::new(TimelineType::Milestone, "reading the spec"),
            )
            .unwrap();
        want.push("timeline_event.appended:planner".into());
        m.sessions()
            .append(
                &stranger.id,
                NewTimelineEvent::new(TimelineType::Milestone, "elsewhere"),
            )
            .unwrap();
        m.decisions()
            .record(NewDecision::new(noise.id.clone(), "architecture", "not ours", "r"))
            .unwrap();
        let d = m
            .decisions()
            .record(tech(&wf.id, "Postgres", "r", "postgresql"))
            .unwrap();
        want.push("decision.recorded".into());
        m.sessions()
            .append(&s2.id, NewTimelineEvent::new(TimelineType::Milestone, "writing code"))
            .unwrap();
        want.push("timeline_event.appended:coder".into());
        m.checkpoints()
            .create(NewCheckpoint::new(
                wf.id.clone(),
                "after planning",
                CheckpointType::PhaseComplete,
            ))
            .unwrap();
        want.push("checkpoint.created".into());
        m.sessions()
            .append(&s1.id, NewTimelineEvent::new(TimelineType::Milestone, "done planning"))
            .unwrap();
        want.push("timeline_event.appended:planner".into());
        m.decisions()
            .record_outcome(&d.id, NewOutcome::new(OutcomeStatus::Successful))
            .unwrap();
        want.push("decision.outcome_recorded".into());
        m.workflows().advance(&wf.id, "generating_tasks", "orch", None).unwrap();
        want.push("workflow.updated".into());
        assert!(latest(m) > 0);

        let replay = m.decisions().replay(&wf.id).unwrap();
        let got: Vec<String> = replay
            .iter()
            .filter(|e| e.kind != "workflow.created")
            .filter(|e| !(e.entity == EntityKind::TimelineEvent && e.payload["type"] != "milestone"))
            .map(|e| match e.entity {
                EntityKind::TimelineEvent => {
                    let who = if e.session_id.as_deref() == Some(s1.id.as_str()) {
                        "planner"
                    } else {
                        "coder"
                    };
                    format!("{}:{who}", e.kind)
                }
                _ => e.kind.clone(),
            })
            .collect();
        assert_eq!(got, want, "{}", b.name);
        assert!(replay.windows(2).all(|w| w[0].seq < w[1].seq), "commit order");
        assert!(replay
            .iter()
            .all(|e| e.session_id.as_deref() != Some(stranger.id.as_str())));
        assert_eq!(replay[0].kind, "workflow.created");
        let e = m
            .decisions()
            .replay(&WorkflowId::parse("wf_nope").unwrap())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
}

#[test]
fn search_finds_words_with_digits_in_many_decisions() {
    let m = Maestro::open_in_memory().unwrap();
    let p = project(&m, "shop");
    let wf = flow(&m, &p.id);
    m.batch(|b| {
        for i in 0..300u64 {
            b.decisions().record(NewDecision::new(
                wf.id.clone(),
                "architecture",
                format!("decision {i}"),
                format!("We measured it. See ticket{}.", i % 30),
            ))?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        m.decisions()
            .search("ticket7", &DecisionFilter::default(), 100)
            .unwrap()
            .len(),
        10
    );
    let scoped = DecisionFilter {
        workflow_id: Some(wf.id.clone()),
        ..Default::default()
    };
    assert_eq!(m.decisions().search("ticket7", &scoped, 100).unwrap().len(), 10);
    assert_eq!(
        m.decisions()
            .search("ticket7", &DecisionFilter::default(), 4)
            .unwrap()
            .len(),
        4
    );
}
