//! A scripted workflow touching every kind of state: the input of the export, import
//! and report tests.

use maestro_core::*;

fn pause() {
    std::thread::sleep(std::time::Duration::from_millis(3));
}

/// Runs the scripted `checkout` workflow of project `shop` in `m`; returns its id.
pub fn checkout(m: &Maestro) -> WorkflowId {
    let p = m
        .projects()
        .create(NewProject {
            name: "shop".into(),
            ..Default::default()
        })
        .unwrap();
    m.projects()
        .put_steering(&p.id, "tech", "Rust services, PostgreSQL.", &[])
        .unwrap();
    m.projects()
        .put_steering(&p.id, "tech", "Rust services, PostgreSQL 16.", &[])
        .unwrap();
    m.decisions()
        .register_category(&p.id, "security", "threat-model choices")
        .unwrap();
    let wf = m
        .workflows()
        .create(NewWorkflow {
            id: None,
            project_id: p.id.clone(),
            feature: "checkout".into(),
            request: "Let customers pay by card".into(),
            model: ModelRef::Builtin("flow".into()),
        })
        .unwrap();
    pause();
    m.workflows().advance(&wf.id, "planning", "orchestrator", None).unwrap();
    m.workflows()
        .put_spec(&wf.id, "requirements", "Card payments via a PSP.", "pm")
        .unwrap();
    let spawn = |name: &str, role: &str| {
        let mut n = NewSession::new(p.id.clone(), name);
        n.workflow_id = Some(wf.id.clone());
        n.role = role.into();
        let s = m.sessions().spawn(n).unwrap();
        m.sessions().register(&s.id).unwrap()
    };
    let planner = spawn("planner", "architect");
    let mut d = NewDecision::new(
        wf.id.clone(),
        "tech_stack",
        "Use PostgreSQL for orders",
        "Transactions across order and payment rows",
    );
    d.session_id = Some(planner.id.clone());
    d.alternatives_considered = vec![Alternative {
        option: "MongoDB".into(),
        reason_rejected: "no multi-document transactions we trust".into(),
    }];
    d.context = Some(DecisionContext {
        sources: vec!["docs/adr/001.md".into()],
        confidence: Confidence::High,
    });
    d.impact = Some(Impact {
        scope: Scope::Codebase,
        risk_level: RiskLevel::Medium,
        reversibility: Reversibility::Difficult,
    });
    d.subject = Some(Subject {
        category: Some("database".into()),
        technology: Some("postgresql".into()),
        pattern: None,
    });
    let db = m.decisions().record(d).unwrap();
    pause();
    let sec = m
        .decisions()
        .record(NewDecision {
            related: vec![db.id.clone()],
            ..NewDecision::new(
                wf.id.clone(),
                "security",
                "Tokenise cards at the PSP",
                "We never store card numbers",
            )
        })
        .unwrap();
    m.sessions().stop(&planner.id, Some("plan written")).unwrap();
    pause();
    m.workflows()
        .advance(&wf.id, "generating_tasks", "orchestrator", None)
        .unwrap();
    let task = |title: &str, deps: &[&TaskId], estimate: f64| {
        let mut t = NewTask::new(p.id.clone(), title);
        t.workflow_id = Some(wf.id.clone());
        t.depends_on = deps.iter().map(|d| (*d).clone()).collect();
        t.estimate = Some(estimate);
        t.labels = vec!["backend".into()];
        m.tasks().create(t).unwrap()
    };
    let schema = task("Orders schema", &[], 2.0);
    let api = task("Payment API", &[&schema.id], 5.0);
    let ui = task("Checkout page", &[&api.id], 3.0);
    let mut sub = NewTask::new(p.id.clone(), "Card form validation");
    sub.workflow_id = Some(wf.id.clone());
    sub.parent_id = Some(ui.id.clone());
    let sub = m.tasks().create(sub).unwrap();
    m.workflows()
        .advance(&wf.id, "implementing", "orchestrator", None)
        .unwrap();
    let coder = spawn("coder", "backend");
    m.queues().enqueue(&coder.id, &schema.id).unwrap();
    m.queues().enqueue(&coder.id, &api.id).unwrap();
    m.queues().next(&coder.id).unwrap();
    pause();
    m.queues().complete(&coder.id).unwrap();
    m.checkpoints()
        .create(NewCheckpoint::new(
            wf.id.clone(),
            "schema in place",
            CheckpointType::TaskGroupComplete,
        ))
        .unwrap();
    m.queues().next(&coder.id).unwrap();
    pause();
    m.sessions()
        .append(
            &coder.id,
            NewTimelineEvent::new(TimelineType::Milestone, "PSP sandbox answers"),
        )
        .unwrap();
    m.queues().complete(&coder.id).unwrap();
    m.decisions()
        .record_outcome(
            &db.id,
            NewOutcome {
                would_choose_again: Some(true),
                ..NewOutcome::new(OutcomeStatus::Successful)
            },
        )
        .unwrap();
    let front = spawn("front", "frontend");
    let claimed = m.tasks().claim(&front.id, &ClaimFilter::default()).unwrap().unwrap();
    assert_eq!(claimed.id, ui.id);
    pause();
    m.tasks()
        .fail(&ui.id, Some(&front.id), "the PSP iframe breaks our CSP")
        .unwrap();
    m.tasks()
        .transition(&sub.id, TaskStatus::Cancelled, None, None)
        .unwrap();
    m.decisions()
        .record_outcome(
            &sec.id,
            NewOutcome {
                issues: vec!["iframe blocked by CSP".into()],
                notes: "needs a CSP exception".into(),
                ..NewOutcome::new(OutcomeStatus::Partial)
            },
        )
        .unwrap();
    m.sessions().fail(&front.id, "gave up on the iframe").unwrap();
    m.workflows()
        .advance(&wf.id, "validating", "orchestrator", None)
        .unwrap();
    wf.id
}
