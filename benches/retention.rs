//! Retention at scale (BENCHMARKS.md, "Retention"): a store grown to 10,000 ended
//! workflows of a realistic shape in 50 projects, 9,000 of them ended 100 days ago,
//! pruned with the default policy to its last 1,000. Measured in one run:
//!
//! - the file size (database + WAL) after the prune as a share of before;
//! - prune throughput (archive + delete + compaction) in workflows/s, against deleting
//!   the same workflows with `workflows().delete` on an identical copy (no archive);
//! - the p50/p99 latency of a timeline append in **another process** while the prune
//!   runs, against the same appender with no prune.
//!
//! Run: `cargo bench -p maestro-benches --bench retention` (MAESTRO_BENCH_WORKFLOWS
//! overrides 10,000). Not a criterion bench: one prune of a 10,000-workflow store is the
//! measurement.

use maestro_core::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const PROJECTS: usize = 50;

/// One ended workflow of the benchmark's shape: 3 tasks in a chain worked by one queue
/// session with 6 progress events (metadata of ~200 bytes), one decision with an outcome,
/// one state-only checkpoint, one agent log; then the `flow` model to `completed`.
fn workflow(m: &Maestro, p: &ProjectId, i: usize) -> WorkflowId {
    let wf = m
        .workflows()
        .create(NewWorkflow {
            id: None,
            project_id: p.clone(),
            feature: format!("feature-{i}"),
            request: format!("Build feature {i}: a paragraph of what the user asked for, as agents get it."),
            model: ModelRef::Builtin("flow".into()),
        })
        .unwrap();
    let mut prev: Option<TaskId> = None;
    let mut tasks = Vec::new();
    for (n, label) in ["database", "backend", "frontend"].iter().enumerate() {
        let mut t = NewTask::new(p.clone(), format!("feature-{i} step {n}"));
        t.labels = vec![(*label).into()];
        t.workflow_id = Some(wf.id.clone());
        t.depends_on = prev.iter().cloned().collect();
        let t = m.tasks().create(t).unwrap();
        prev = Some(t.id.clone());
        tasks.push(t.id);
    }
    let s = m
        .sessions()
        .spawn(NewSession {
            workflow_id: Some(wf.id.clone()),
            strategy: Strategy::Queue,
            tasks: tasks.clone(),
            ..NewSession::new(p.clone(), format!("worker-{i}"))
        })
        .unwrap();
    m.sessions().register(&s.id).unwrap();
    for _ in &tasks {
        m.queues().next(&s.id).unwrap().unwrap();
        for k in 0..2 {
            let mut e = NewTimelineEvent::new(TimelineType::Progress, "working through the task");
            e.metadata = serde_json::json!({"progress": 0.5, "k": k, "note": "x".repeat(160)});
            m.sessions().append(&s.id, e).unwrap();
        }
        m.queues().complete(&s.id).unwrap();
    }
    m.sessions().complete(&s.id).unwrap();
    let mut d = NewDecision::new(
        wf.id.clone(),
        "tech_stack",
        "Use PostgreSQL",
        "JSONB and known operations",
    );
    d.subject = Some(Subject {
        category: Some("database".into()),
        technology: Some(if i.is_multiple_of(3) { "sqlite" } else { "postgresql" }.into()),
        pattern: None,
    });
    let d = m.decisions().record(d).unwrap();
    m.decisions()
        .record_outcome(&d.id, NewOutcome::new(OutcomeStatus::Successful))
        .unwrap();
    m.checkpoints()
        .create(NewCheckpoint::new(
            wf.id.clone(),
            "all tasks done",
            CheckpointType::TaskGroupComplete,
        ))
        .unwrap();
    m.learning()
        .log_agent(learning::NewAgentLog {
            project_id: p.clone(),
            workflow_id: Some(wf.id.clone()),
            session_id: Some(s.id.clone()),
            agent: "coder".into(),
            phase: "implementing".into(),
            action: "implemented the feature".into(),
            duration_ms: 1500.0,
            success: true,
            error: None,
        })
        .unwrap();
    for phase in [
        "planning",
        "generating_tasks",
        "implementing",
        "validating",
        "generating_report",
        "completed",
    ] {
        m.workflows().advance(&wf.id, phase, "orchestrator", None).unwrap();
    }
    wf.id
}

fn size(db: &Path) -> u64 {
    let len = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(db.to_owned()) + len(PathBuf::from(format!("{}-wal", db.display())))
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The child: appends to `session` until `stop` exists, then prints one latency (µs) a line.
fn appender(db: &str, session: &str, stop: &str, durability: &str) {
    let d = if durability == "full" {
        Durability::Full
    } else {
        Durability::Normal
    };
    let m = Maestro::open(db, Options::durability(d)).unwrap();
    let s = SessionId::parse(session).unwrap();
    let mut out = Vec::new();
    while !Path::new(stop).exists() || out.len() < 50 {
        let t = Instant::now();
        m.sessions()
            .append(&s, NewTimelineEvent::new(TimelineType::Milestone, "tick"))
            .unwrap();
        out.push(t.elapsed().as_micros() as u64);
        std::thread::sleep(Duration::from_millis(2));
    }
    let text: Vec<String> = out.iter().map(u64::to_string).collect();
    println!("{}", text.join("\n"));
}

/// Runs the appender (at `durability`) in another process while `during` runs; returns
/// its sorted latencies.
fn appends_while(db: &Path, session: &SessionId, durability: &str, during: impl FnOnce()) -> Vec<u64> {
    let stop = db.with_extension("stop");
    let _ = std::fs::remove_file(&stop);
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .env(
            "MAESTRO_BENCH_APPENDER",
            format!("{}|{}|{}|{durability}", db.display(), session, stop.display()),
        )
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    during();
    std::fs::write(&stop, "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let mut v: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    v.sort_unstable();
    v
}

fn main() {
    if let Ok(spec) = std::env::var("MAESTRO_BENCH_APPENDER") {
        let parts: Vec<&str> = spec.split('|').collect();
        return appender(parts[0], parts[1], parts[2], parts[3]);
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("MAESTRO_BENCH_WORKFLOWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let old = n * 9 / 10;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let m = Maestro::open(&db, Options::durability(Durability::Normal)).unwrap();
    // 50 projects of n / 50 workflows: task creation checks the project's whole
    // dependency graph for cycles, so one project of 30,000 tasks would make building
    // the store (not the prune) quadratic.
    let projects: Vec<ProjectId> = (0..PROJECTS)
        .map(|i| {
            m.projects()
                .create(NewProject {
                    name: format!("bench-{i}"),
                    ..Default::default()
                })
                .unwrap()
                .id
        })
        .collect();
    let p = &projects[0];
    let started = Instant::now();
    let ids: Vec<WorkflowId> = (0..n).map(|i| workflow(&m, &projects[i % PROJECTS], i)).collect();
    let writer = m.sessions().spawn(NewSession::new(p.clone(), "live-writer")).unwrap();
    m.sessions().register(&writer.id).unwrap();
    println!("built {n} ended workflows in {:.1}s", started.elapsed().as_secs_f64());
    // 100 days pass for the oldest 90 %: their end, and every event they wrote.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let list = serde_json::to_string(&ids[..old].iter().map(|w| w.as_str()).collect::<Vec<_>>()).unwrap();
        let shift = 100 * DAY_MS;
        c.execute(
            "UPDATE workflows SET ended_at = ended_at - ?2 WHERE id IN (SELECT value FROM json_each(?1))",
            rusqlite::params![list, shift],
        )
        .unwrap();
        c.execute(
            "UPDATE events SET at = at - ?2 WHERE workflow_id IN (SELECT value FROM json_each(?1))
                OR session_id IN (SELECT id FROM sessions WHERE workflow_id IN (SELECT value FROM json_each(?1)))
                OR (workflow_id IS NULL AND session_id IS NULL AND seq < (SELECT MIN(seq) FROM events WHERE workflow_id = ?3))",
            rusqlite::params![list, shift, ids[old].as_str()],
        )
        .unwrap();
        c.execute(
            "UPDATE learning_records SET at = at - ?2 WHERE workflow_id IN (SELECT value FROM json_each(?1))",
            rusqlite::params![list, shift],
        )
        .unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let copies: Vec<PathBuf> = ["copy.db", "normal.db", "full.db"]
        .iter()
        .map(|n| dir.path().join(n))
        .collect();
    for c in &copies {
        m.backup(c).unwrap();
    }
    let copy = &copies[0];
    let before = size(&db);
    let compress = std::env::var_os("MAESTRO_BENCH_COMPRESS").is_some();
    let policy = RetentionPolicy {
        compress_archives: compress,
        ..m.config().retention.clone()
    };

    // Size and throughput: the prune alone.
    let t = Instant::now();
    let report = m.prune(Some(&policy), false).unwrap();
    let prune_secs = t.elapsed().as_secs_f64();
    assert_eq!(report.workflows.len(), old, "{:?}", report.kept.first());
    let after = size(&db);
    drop(m);

    // Latency: another process appends while an identical copy is pruned, at `normal`
    // (no sync per commit: the stricter comparison) and at the default, `full`.
    let latency = |store: &Path, durability: &str, archive: &str| {
        let quiet = appends_while(store, &writer.id, durability, || {
            std::thread::sleep(Duration::from_secs(3))
        });
        let m = Maestro::open(store, Options::durability(Durability::Normal)).unwrap();
        let p = RetentionPolicy {
            archive_dir: Some(dir.path().join(archive)),
            ..policy.clone()
        };
        let busy = appends_while(store, &writer.id, durability, || {
            assert_eq!(m.prune(Some(&p), false).unwrap().workflows.len(), old);
        });
        (quiet, busy)
    };
    let (quiet, busy) = latency(&copies[1], "normal", "archive-normal");
    let (quiet_full, busy_full) = latency(&copies[2], "full", "archive-full");

    let baseline = Maestro::open(copy, Options::durability(Durability::Normal)).unwrap();
    let t = Instant::now();
    for id in &ids[..old] {
        baseline.workflows().delete(id).unwrap();
    }
    let delete_secs = t.elapsed().as_secs_f64();
    let baseline_size = size(copy);
    drop(baseline);

    let (q50, q99, b50, b99) = (
        percentile(&quiet, 0.5),
        percentile(&quiet, 0.99),
        percentile(&busy, 0.5),
        percentile(&busy, 0.99),
    );
    println!("retention/size: before {before} B, after {after} B = {:.1} % of before (target <= 15 %); events deleted {}, horizon {}",
        100.0 * after as f64 / before as f64, report.events, report.horizon);
    println!(
        "retention/size baseline: workflows().delete of the same {old} leaves {baseline_size} B ({:.1} % of before)",
        100.0 * baseline_size as f64 / before as f64
    );
    println!(
        "retention/throughput: prune {old} workflows in {prune_secs:.2}s = {:.0} workflows/s; workflows().delete {:.0} workflows/s; ratio prune/delete {:.2}",
        old as f64 / prune_secs,
        old as f64 / delete_secs,
        (old as f64 / prune_secs) / (old as f64 / delete_secs)
    );
    println!(
        "retention/append-latency (normal): without prune p50 {q50} µs p99 {q99} µs ({} appends); during prune p50 {b50} µs p99 {b99} µs ({} appends); p99 ratio {:.2} (target <= 2)",
        quiet.len(),
        busy.len(),
        b99 as f64 / q99 as f64
    );
    let (f50, f99, g50, g99) = (
        percentile(&quiet_full, 0.5),
        percentile(&quiet_full, 0.99),
        percentile(&busy_full, 0.5),
        percentile(&busy_full, 0.99),
    );
    println!(
        "retention/append-latency (full, the default): without prune p50 {f50} µs p99 {f99} µs ({} appends); during prune p50 {g50} µs p99 {g99} µs ({} appends); p99 ratio {:.2} (target <= 2)",
        quiet_full.len(),
        busy_full.len(),
        g99 as f64 / f99 as f64
    );
    println!("archives compressed: {compress}");
}
