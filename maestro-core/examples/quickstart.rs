//! The end-to-end demo: a temporary git repository and project run the `spec` workflow
//! through its phases with approvals; an orchestrator spawns two workers that take tasks
//! from their queues in dependency order, in parallel threads, writing files; a
//! checkpoint is taken, a bad change is rolled back (the bad change itself kept under a
//! safety ref); then the story is printed from stored state, the store is exported, and
//! a dry-run prune shows what retention would archive and delete.
//!
//! Run: `cargo run --example quickstart`, or `cargo run --example quickstart -- DIR` to
//! keep the project (its store is `DIR/.flow/maestro/state.db`) and look at it with the
//! `maestro` command from inside `DIR`.

use maestro_core::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn main() -> Result<()> {
    let temp = tempfile::tempdir()?;
    let kept = std::env::args_os().nth(1).map(std::path::PathBuf::from);
    if let Some(k) = &kept {
        if k.exists() && std::fs::read_dir(k)?.next().is_some() {
            return Err(Error::validation(
                "quickstart",
                "DIR",
                format!("{} is not empty", k.display()),
            ));
        }
        std::fs::create_dir_all(k)?;
    }
    let root = kept.map(std::fs::canonicalize).transpose()?;
    let dir = root.as_deref().unwrap_or(temp.path());
    let repo = dir.to_path_buf();
    git(&repo, &["init", "-q", "-b", "main"])?;
    git(&repo, &["config", "user.name", "Maestro Quickstart"])?;
    git(&repo, &["config", "user.email", "quickstart@example.invalid"])?;
    std::fs::write(repo.join(".gitignore"), ".flow/\n")?;
    std::fs::write(repo.join("README.md"), "# shop\n")?;
    git(&repo, &["add", "-A"])?;
    git(&repo, &["commit", "-q", "-m", "initial"])?;
    let db = dir.join(".flow/maestro/state.db");
    let m = Arc::new(Maestro::open(&db, Options::default())?);
    println!("Maestro quickstart: state in {}\n", db.display());

    let p = m.projects().create(NewProject {
        name: "shop".into(),
        root: Some(dir.display().to_string()),
        ..Default::default()
    })?;
    m.projects()
        .put_steering(&p.id, "tech", "Rust services, PostgreSQL, React front end.", &[])?;
    let wf = m.workflows().create(NewWorkflow {
        id: None,
        project_id: p.id.clone(),
        feature: "oauth-login".into(),
        request: "Add OAuth login".into(),
        model: ModelRef::Builtin("spec".into()),
    })?;
    println!(
        "workflow {} ({}) starts in phase {}",
        wf.feature, wf.model.name, wf.phase
    );

    let approve_and_advance = |to: &str| -> Result<Workflow> {
        let gate = m
            .workflows()
            .vote(&wf.id, to, "product-owner", true, Some("approved"))?;
        println!("  gate → {to}: {:?} ({} approval)", gate.state, gate.approvals);
        let w = m.workflows().advance(&wf.id, to, "orchestrator", None)?;
        println!("  phase is now {}", w.phase);
        Ok(w)
    };
    m.workflows()
        .put_spec(&wf.id, "requirements", "Users sign in with GitHub or Google.", "pm")?;
    approve_and_advance("design")?;
    m.workflows().put_spec(
        &wf.id,
        "design",
        "Authorization-code flow; sessions table in PostgreSQL.",
        "architect",
    )?;
    let mut choice = NewDecision::new(
        wf.id.clone(),
        "tech_stack",
        "Keep OAuth sessions in PostgreSQL",
        "One store for users and sessions; revocation is a row delete",
    );
    choice.alternatives_considered = vec![Alternative {
        option: "Redis".into(),
        reason_rejected: "another service to run for a few thousand rows".into(),
    }];
    choice.subject = Some(Subject {
        category: Some("session_store".into()),
        technology: Some("postgresql".into()),
        pattern: None,
    });
    let choice = m.decisions().record(choice)?;
    println!("  decision recorded in phase {}: {}", choice.phase, choice.decision);
    approve_and_advance("tasks")?;

    let mk = |title: &str, label: &str, deps: &[&TaskId], priority: Priority| -> Result<Task> {
        let mut t = NewTask::new(p.id.clone(), title);
        t.workflow_id = Some(wf.id.clone());
        t.labels = vec![label.into()];
        t.priority = priority;
        t.depends_on = deps.iter().map(|d| (*d).clone()).collect();
        m.tasks().create(t)
    };
    let schema = mk("DB schema for sessions", "database", &[], Priority::High)?;
    let provider = mk("OAuth provider config", "backend", &[], Priority::Medium)?;
    let routes = mk(
        "API routes /login /callback",
        "backend",
        &[&schema.id, &provider.id],
        Priority::High,
    )?;
    let ui = mk(
        "Login button and callback page",
        "frontend",
        &[&routes.id],
        Priority::Medium,
    )?;
    let e2e = mk("End-to-end login test", "qa", &[&ui.id, &routes.id], Priority::Medium)?;
    let layers = m.tasks().layers(&p.id)?;
    println!(
        "  {} tasks in {} dependency layers",
        m.tasks().list(&p.id)?.len(),
        layers.len()
    );
    approve_and_advance("implementation")?;

    let orch = m.sessions().spawn(NewSession {
        role: "orchestrator".into(),
        workflow_id: Some(wf.id.clone()),
        ..NewSession::new(p.id.clone(), "orchestrator")
    })?;
    m.sessions().register(&orch.id)?;
    m.sessions().transition(&orch.id, SessionStatus::Working, None, None)?;
    m.sessions().append(
        &orch.id,
        NewTimelineEvent::new(TimelineType::Milestone, "plan ready, spawning 2 workers"),
    )?;

    let plans = [
        (
            "worker-backend",
            vec![schema.id.clone(), routes.id.clone(), e2e.id.clone()],
        ),
        ("worker-frontend", vec![provider.id.clone(), ui.id.clone()]),
    ];
    let mut threads = Vec::new();
    for (name, tasks) in plans {
        let worker = m.sessions().spawn(NewSession {
            workflow_id: Some(wf.id.clone()),
            strategy: Strategy::Queue,
            parent_session_id: Some(orch.id.clone()),
            spawn_source: SpawnSource::Session,
            tasks,
            ..NewSession::new(p.id.clone(), name)
        })?;
        let m = Arc::clone(&m);
        let root = repo.clone();
        threads.push(std::thread::spawn(move || -> Result<()> {
            m.sessions().register(&worker.id)?;
            loop {
                match m.queues().next(&worker.id)? {
                    Some(item) => {
                        let task = m.tasks().get(&item.task_id)?;
                        println!("  [{}] started  {}", worker.name, task.title);
                        std::thread::sleep(Duration::from_millis(20));
                        m.sessions().append(
                            &worker.id,
                            NewTimelineEvent::new(TimelineType::Progress, "halfway").with_progress(0.5),
                        )?;
                        std::thread::sleep(Duration::from_millis(20));
                        let file = format!("src/{}.txt", task.labels[0]);
                        std::fs::create_dir_all(root.join("src"))?;
                        std::fs::write(root.join(&file), format!("{}\n", task.title))?;
                        m.queues().complete(&worker.id)?;
                        println!("  [{}] finished {}", worker.name, task.title);
                    }
                    None if m
                        .queues()
                        .list(&worker.id)?
                        .iter()
                        .any(|q| q.status == QueueStatus::Queued) =>
                    {
                        // The next item waits on a task another worker holds.
                        m.sessions().heartbeat(&worker.id)?;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    None => break,
                }
            }
            m.sessions().complete(&worker.id)?;
            Ok(())
        }));
    }
    for t in threads {
        t.join().expect("worker thread panicked")?;
    }
    m.sessions().append(
        &orch.id,
        NewTimelineEvent::new(TimelineType::Milestone, "all workers done"),
    )?;

    let mut new = NewCheckpoint::new(wf.id.clone(), "implementation done", CheckpointType::TaskGroupComplete);
    new.session_id = Some(orch.id.clone());
    let cp = m.checkpoints().create(new)?;
    let sha = cp.commit_sha.clone().unwrap_or_default();
    println!("  checkpoint {} → commit {}", cp.id, &sha[..sha.len().min(10)]);
    std::fs::write(repo.join("src/backend.txt"), "a risky refactor that broke everything\n")?;
    std::fs::write(repo.join("scratch.txt"), "notes the refactor left behind\n")?;
    let out = m.checkpoints().rollback(&cp.id, RollbackMode::Hard, false)?;
    println!(
        "  rolled back to {}: src/backend.txt is {:?} again; the refactor is kept in {}",
        cp.id,
        std::fs::read_to_string(repo.join("src/backend.txt"))?.trim(),
        out.safety_ref.as_deref().unwrap_or("(nothing to save)")
    );
    println!("  the rollback is logged as decision {}", out.decision_id);
    m.sessions().complete(&orch.id)?;
    m.decisions().record_outcome(
        &choice.id,
        NewOutcome {
            would_choose_again: Some(true),
            ..NewOutcome::new(OutcomeStatus::Successful)
        },
    )?;
    approve_and_advance("completed")?;

    print_summary(&m, &wf.id, &orch.id)?;
    // One run is little evidence: the default thresholds want two uses before preferring
    // a choice, so ask with them lowered to one.
    println!("\nWhat this run taught (thresholds lowered to one run):");
    let one_run = LearningThresholds {
        min_usage_count: 1,
        min_rule_evidence: 1,
        ..Default::default()
    };
    let advice = m
        .learning()
        .recommend(Some(&p.id), "tech_stack", Some("session_store"), Some(&one_run))?;
    for s in &advice.preferred {
        println!(
            "  recommended for session_store: {} ({} of {} outcomes successful, rank {:.2})",
            s.name, s.success_count, s.outcome_count, s.score
        );
    }
    for r in m
        .learning()
        .ordering_rules(Some(&p.id), Some(&one_run))?
        .rules
        .iter()
        .take(3)
    {
        println!(
            "  task order learned: {} before {} (confidence {:.2}, {} workflow)",
            r.before, r.after, r.confidence, r.supporting_evidence
        );
    }
    let files = m.export(dir.join("export"))?;
    println!(
        "Exported {files} files (JSON and markdown) to {}",
        dir.join("export").display()
    );
    // Retention as config.yaml would set it, asked as a dry run: the workflow ended just
    // now, so a policy of "ended 0 days ago" shows what a prune months from now will do.
    let policy = RetentionPolicy {
        sessions_days: 0,
        events_days: 0,
        ..m.config().retention.clone()
    };
    let plan = m.prune(Some(&policy), true)?;
    for w in &plan.workflows {
        println!(
            "Dry-run prune: would archive workflow {} ({} sessions, {} tasks, {} decisions, {} checkpoints) to {}",
            w.id, w.rows.sessions, w.rows.tasks, w.rows.decisions, w.rows.checkpoints, w.archive
        );
    }
    println!(
        "Dry-run prune: would delete {} feed events up to seq {} (the horizon), {} agent logs; {} bytes now; nothing was written\n",
        plan.events, plan.horizon, plan.agent_logs, plan.bytes_before
    );
    println!("{}", m.reports().final_report(&wf.id)?);
    Ok(())
}

fn git(dir: &std::path::Path, args: &[&str]) -> Result<()> {
    let status = std::process::Command::new("git").current_dir(dir).args(args).status()?;
    if !status.success() {
        return Err(Error::Git(format!("git {} failed ({status})", args.join(" "))));
    }
    Ok(())
}

fn print_summary(m: &Maestro, wf: &WorkflowId, orch: &SessionId) -> Result<()> {
    let w = m.workflows().get(wf)?;
    println!("\n=== What happened ===");
    println!("Workflow {} is {} in phase {}.", w.feature, w.status, w.phase);
    println!("\nPhases:");
    let history = m.workflows().history(wf)?;
    let transitions: Vec<_> = history.iter().filter(|h| h.kind == HistoryKind::Transition).collect();
    let mut entered = w.created_at;
    for h in &transitions {
        println!(
            "  {:<15} → {:<15} after {:>4} ms",
            h.details["from"].as_str().unwrap_or("?"),
            h.phase,
            h.at.0 - entered.0
        );
        entered = h.at;
    }
    println!("\nSessions:");
    let tree = m.sessions().tree(orch)?;
    let mut by_session: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in std::iter::once(&tree).chain(tree.children.iter()) {
        let s = &node.session;
        let timeline = m.sessions().timeline(&s.id)?;
        println!(
            "  {} ({}, {}): {} timeline events",
            s.name,
            s.role,
            s.status,
            timeline.len()
        );
        for e in timeline.iter().filter(|e| e.kind == TimelineType::TaskCompleted) {
            let ms = e.metadata["duration_ms"].as_i64().unwrap_or(0);
            by_session
                .entry(s.name.clone())
                .or_default()
                .push(format!("{} ({ms} ms)", e.message));
        }
    }
    println!("\nTasks completed, by worker, in order:");
    for (name, tasks) in by_session {
        println!("  {name}: {}", tasks.join(", "));
    }
    println!("\nCheckpoints:");
    for c in m.checkpoints().list(wf)? {
        let sha = c.commit_sha.unwrap_or_default();
        println!(
            "  {} {:<22} commit {} in phase {}, rolled back {} time(s)",
            c.id,
            c.commit_message,
            &sha[..sha.len().min(10)],
            c.phase,
            c.rollback_count
        );
    }
    let seq = m.events().latest_seq()?;
    println!("\nChange feed: {seq} events, each written in the same transaction as its change.");
    Ok(())
}
