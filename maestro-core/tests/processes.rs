//! Contention and crash tests with real child processes sharing one store: a SQLite file
//! and, where the test is not about SQLite's files, a PostgreSQL database over TCP.

mod common;

use common::*;
use maestro_core::*;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const STRESS: &str = env!("CARGO_BIN_EXE_maestro-stress");

fn spawn(args: &[&str]) -> Child {
    Command::new(STRESS)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn maestro-stress")
}

fn finish(children: Vec<Child>) -> Vec<Vec<String>> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(out.status.success(), "child failed: {:?}\n{text}", out.status);
            assert!(!text.contains("ERR"), "an error reached a caller:\n{text}");
            text.lines().map(str::to_owned).collect()
        })
        .collect()
}

fn open(path: impl AsRef<Path>) -> Maestro {
    Maestro::open(path, Options::durability(Durability::Normal)).unwrap()
}

/// Runs `test` on a new SQLite file and on a new PostgreSQL store, each given by the
/// location the child processes open.
fn on_every_store(test: fn(&str)) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.db");
    test(file.to_str().unwrap());
    #[cfg(feature = "postgres")]
    test(&pg_url());
}

#[test]
fn eight_processes_claim_each_of_400_tasks_exactly_once() {
    on_every_store(claims);
}

fn claims(db: &str) {
    let m = open(db);
    let p = project(&m, "pool");
    let ids: HashSet<String> = m
        .batch(|b| {
            (0..400)
                .map(|i| {
                    b.tasks()
                        .create(NewTask::new(p.id.clone(), format!("t{i}")))
                        .map(|t| t.id.to_string())
                })
                .collect()
        })
        .unwrap();
    let children: Vec<_> = (0..8).map(|_| spawn(&["claim", db, p.id.as_str()])).collect();
    let outputs = finish(children);
    let mut claimed: Vec<String> = outputs
        .iter()
        .flatten()
        .filter_map(|l| l.strip_prefix("CLAIM ").map(str::to_owned))
        .collect();
    let per_child: Vec<usize> = outputs.iter().map(|o| o.len()).collect();
    assert_eq!(claimed.len(), 400, "claims per child: {per_child:?}");
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), 400, "a task was claimed twice");
    assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), ids);
    assert!(m
        .tasks()
        .list(&p.id)
        .unwrap()
        .iter()
        .all(|t| t.status == TaskStatus::Completed));
}

#[test]
fn eight_processes_racing_to_advance_get_exactly_one_winner_per_transition() {
    on_every_store(races);
}

fn races(db: &str) {
    let m = open(db);
    let p = project(&m, "race");
    let n = 60;
    let phases: Vec<_> = (0..n)
        .map(|i| {
            if i == n - 1 {
                serde_json::json!({"name": format!("p{i}"), "terminal": "success"})
            } else {
                serde_json::json!({"name": format!("p{i}")})
            }
        })
        .collect();
    let transitions: Vec<_> = (0..n - 1)
        .map(|i| serde_json::json!({"from": format!("p{i}"), "to": format!("p{}", i + 1)}))
        .collect();
    let model = serde_json::json!({"schema_version": 1, "name": "long", "initial": "p0", "phases": phases, "transitions": transitions});
    let model = PhaseModel::from_json(&model.to_string()).unwrap();
    let wf = m
        .workflows()
        .create(NewWorkflow::new(p.id.clone(), "race", ModelRef::Custom(model)))
        .unwrap();
    let children: Vec<_> = (0..8).map(|_| spawn(&["advance", db, wf.id.as_str()])).collect();
    let outputs = finish(children);
    let mut wins: HashMap<String, usize> = HashMap::new();
    for line in outputs.iter().flatten() {
        if let Some(t) = line.strip_prefix("WIN ") {
            *wins.entry(t.to_owned()).or_default() += 1;
        }
    }
    assert_eq!(wins.len(), n - 1, "every transition was won");
    assert!(
        wins.values().all(|c| *c == 1),
        "exactly one winner per transition: {wins:?}"
    );
    let losses = outputs.iter().flatten().filter(|l| l.starts_with("LOSE ")).count();
    let done = m.workflows().get(&wf.id).unwrap();
    assert_eq!(
        (done.phase.as_str(), done.status, done.epoch),
        ("p59", WorkflowStatus::Completed, 59)
    );
    let history = m.workflows().history(&wf.id).unwrap();
    assert_eq!(
        history.iter().filter(|h| h.kind == HistoryKind::Transition).count(),
        n - 1,
        "{losses} losing attempts left no trace"
    );
}

#[test]
fn eight_processes_append_500_timeline_events_each_all_land_in_order() {
    on_every_store(appends);
}

fn appends(db: &str) {
    let m = open(db);
    let p = project(&m, "log");
    let s = live_session(&m, &p.id, "shared");
    let children: Vec<_> = (0..8).map(|_| spawn(&["append", db, s.id.as_str(), "500"])).collect();
    let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
    let outputs = finish(children);
    let acked: HashSet<String> = outputs
        .iter()
        .flatten()
        .filter_map(|l| l.strip_prefix("ACK ").map(str::to_owned))
        .collect();
    assert_eq!(acked.len(), 4000);
    let timeline: Vec<_> = m
        .sessions()
        .timeline(&s.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == TimelineType::Milestone)
        .collect();
    assert_eq!(timeline.len(), 4000);
    assert_eq!(timeline.iter().map(|e| e.id.to_string()).collect::<HashSet<_>>(), acked);
    for pid in pids {
        let mine: Vec<usize> = timeline
            .iter()
            .filter_map(|e| e.message.strip_prefix(&format!("{pid} ")).map(|n| n.parse().unwrap()))
            .collect();
        assert_eq!(
            mine,
            (0..500).collect::<Vec<_>>(),
            "process {pid}'s events are in its own order"
        );
    }
    let feed = m
        .events()
        .since(
            0,
            &EventFilter {
                entities: vec![EntityKind::TimelineEvent],
                ..Default::default()
            },
            10_000,
        )
        .unwrap();
    let feed_ids: Vec<_> = feed
        .iter()
        .filter(|e| e.payload["type"] == "milestone")
        .map(|e| e.entity_id.clone())
        .collect();
    let timeline_ids: Vec<_> = timeline.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(
        feed_ids, timeline_ids,
        "the feed and the timeline agree on one commit order"
    );
}

/// A tiny deterministic generator, so a failing round can be replayed.
fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_write() {
    on_every_store(sigkills);
}

fn sigkills(db: &str) {
    let session = {
        let m = open(db);
        let p = project(&m, "crash");
        live_session(&m, &p.id, "victim").id
    };
    let mut seed = 0x2545_f491_4f6c_dd1d_u64 ^ std::process::id() as u64;
    let mut acked_total = HashSet::new();
    for round in 0..20 {
        let mut child = spawn(&["append-forever", db, session.as_str()]);
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let wait_for = 1 + (xorshift(&mut seed) % 150) as usize;
        let mut line = String::new();
        for _ in 0..wait_for {
            line.clear();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "round {round}: child died early"
            );
            let id = line
                .trim()
                .strip_prefix("ACK ")
                .unwrap_or_else(|| panic!("round {round}: {line}"))
                .to_owned();
            acked_total.insert(id);
        }
        std::thread::sleep(std::time::Duration::from_micros(xorshift(&mut seed) % 3000));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Everything the child printed before dying was acknowledged.
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        acked_total.extend(rest.lines().filter_map(|l| l.strip_prefix("ACK ").map(str::to_owned)));

        let m = open(db);
        m.check_integrity().unwrap_or_else(|e| panic!("round {round}: {e}"));
        let present: HashSet<String> = m
            .sessions()
            .timeline(&session)
            .unwrap()
            .into_iter()
            .map(|e| e.id.to_string())
            .collect();
        let missing: Vec<_> = acked_total.difference(&present).collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} acknowledged events lost, e.g. {:?}",
            missing.len(),
            missing.first()
        );
    }
    assert!(acked_total.len() >= 20);
}

/// Rows of the tables a workflow owns, keyed by workflow: (sessions, tasks, decisions,
/// checkpoints).
fn owned_rows(db: &Path, wf: &str) -> (i64, i64, i64, i64) {
    let c = rusqlite::Connection::open(db).unwrap();
    let n = |t: &str| -> i64 {
        c.query_row(&format!("SELECT COUNT(*) FROM {t} WHERE workflow_id = ?1"), [wf], |r| {
            r.get(0)
        })
        .unwrap()
    };
    (n("sessions"), n("tasks"), n("decisions"), n("checkpoints"))
}

/// A store of `n` ended workflows (half completed, half failed) at `db`, closed.
fn store_of_ended_workflows(db: &Path, n: usize) -> (ProjectId, Vec<WorkflowId>) {
    let m = open(db);
    let p = project(&m, "shop");
    let wfs = (0..n)
        .map(|i| ended_workflow(&m, &p.id, &format!("f{i}"), i % 2 == 0))
        .collect();
    (p.id, wfs)
}

fn copy_store(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

#[test]
fn a_prune_killed_at_random_points_never_leaves_a_half_pruned_workflow() {
    let base = tempfile::tempdir().unwrap();
    let template = base.path().join("template.db");
    let (p, wfs) = store_of_ended_workflows(&template, 100);
    {
        // One file to copy: everything checkpointed out of the WAL.
        let c = rusqlite::Connection::open(&template).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let full = owned_rows(&template, wfs[0].as_str());
    assert_eq!(full, (1, 2, 1, 1));
    let orderings = open(&template).learning().orderings(&p).unwrap();
    assert_eq!(orderings.len(), wfs.len(), "every ended workflow left its task order");
    // How long an uninterrupted prune takes here, so the kills spread over all of it.
    let calibrate = base.path().join("calibrate/state.db");
    copy_store(&template, &calibrate);
    let started = std::time::Instant::now();
    let out = spawn(&[
        "prune",
        calibrate.to_str().unwrap(),
        base.path().join("calibrate/archive").to_str().unwrap(),
    ])
    .wait_with_output()
    .unwrap();
    assert!(out.status.success());
    let span = started.elapsed().as_micros() as usize;

    let mut rng = Rng(0x5eed_cafe);
    let mut midway = 0;
    let mut tally = Vec::new();
    for round in 0..50 {
        let dir = base.path().join(format!("round{round}"));
        let db = dir.join("state.db");
        let archive = dir.join("archive");
        copy_store(&template, &db);
        let mut child = spawn(&["prune", db.to_str().unwrap(), archive.to_str().unwrap()]);
        if round % 2 == 0 {
            // Anywhere in the prune: archiving, deleting, compacting, vacuuming.
            std::thread::sleep(std::time::Duration::from_micros(rng.below(span) as u64));
        } else {
            // Inside the deleting phase, after a random number of workflows went: the
            // deletes are paced, so the kill lands in or between transactions.
            let target = 1 + rng.below(wfs.len() - 1) as i64;
            let watch = rusqlite::Connection::open(&db).unwrap();
            let started = std::time::Instant::now();
            while started.elapsed() < std::time::Duration::from_secs(30) {
                let left: i64 = watch
                    .query_row("SELECT COUNT(*) FROM workflows", [], |r| r.get(0))
                    .unwrap_or(wfs.len() as i64);
                if left <= wfs.len() as i64 - target {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let m = open(&db);
        m.check_integrity().unwrap();
        let mut gone = 0;
        for wf in &wfs {
            let rows = owned_rows(&db, wf.as_str());
            if m.workflows().get(wf).is_ok() {
                assert_eq!(rows, full, "round {round}: {wf} is half pruned");
            } else {
                assert_eq!(rows, (0, 0, 0, 0), "round {round}: {wf} left rows behind");
                assert!(
                    archive
                        .join(wf.as_str())
                        .join("workflows")
                        .join(wf.as_str())
                        .join("metadata.json")
                        .is_file(),
                    "round {round}: {wf} was deleted without its archive"
                );
                gone += 1;
            }
        }
        tally.push(gone);
        midway += usize::from(gone > 0 && gone < wfs.len());
        let (horizon, latest) = (m.events().horizon().unwrap(), m.events().latest_seq().unwrap());
        assert!(horizon < latest, "round {round}: the newest event stays");
        // The next prune finishes the job.
        let r = m
            .prune(
                Some(&RetentionPolicy {
                    sessions_days: 0,
                    events_days: 0,
                    archive_dir: Some(archive.clone()),
                    ..Default::default()
                }),
                false,
            )
            .unwrap();
        assert_eq!(r.workflows.len() + gone, wfs.len(), "round {round}: {:?}", r.kept);
        assert!(wfs.iter().all(|wf| m.workflows().get(wf).is_err()), "round {round}");
        for k in 0..2 {
            let wf = &wfs[rng.below(wfs.len())];
            let fresh = open(dir.join(format!("fresh-{k}.db")));
            let sum = fresh.import(archive.join(wf.as_str())).unwrap();
            assert_eq!(
                (sum.workflows, sum.tasks, sum.decisions),
                (1, 2, 1),
                "round {round}: archive of {wf}"
            );
        }
        m.check_integrity().unwrap();
        assert_eq!(
            m.learning().orderings(&p).unwrap(),
            orderings,
            "round {round}: the ordering history outlives the workflows"
        );
        drop(m);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!(
        "prune of {} workflows takes {span} µs; pruned before the kill, per round: {tally:?}",
        wfs.len()
    );
    assert!(
        midway >= 5,
        "too few kills landed inside a prune to prove anything: {tally:?}"
    );
}

#[test]
fn a_prune_while_eight_processes_append_costs_them_no_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let archive = dir.path().join("archive");
    let m = open(&db);
    let p = project(&m, "busy");
    let wfs: Vec<WorkflowId> = (0..40)
        .map(|i| ended_workflow(&m, &p.id, &format!("old{i}"), true))
        .collect();
    let sessions: Vec<Session> = (0..8).map(|i| live_session(&m, &p.id, &format!("writer{i}"))).collect();
    let children: Vec<Child> = sessions
        .iter()
        .map(|s| spawn(&["append-timed", db.to_str().unwrap(), s.id.as_str(), "400"]))
        .collect();
    let policy = RetentionPolicy {
        sessions_days: 0,
        events_days: 0,
        archive_dir: Some(archive.clone()),
        ..Default::default()
    };
    let mut pruned = 0;
    let mut prunes = 0;
    while prunes < 5 || pruned < wfs.len() {
        pruned += m.prune(Some(&policy), false).unwrap().workflows.len();
        prunes += 1;
        assert!(prunes < 200, "prune never finished");
    }
    let outputs = finish(children);
    let mut worst = 0u64;
    for (s, lines) in sessions.iter().zip(&outputs) {
        assert_eq!(lines.len(), 400, "every append was acknowledged");
        let timeline: HashSet<String> = m
            .sessions()
            .timeline(&s.id)
            .unwrap()
            .into_iter()
            .map(|e| e.id.to_string())
            .collect();
        for l in lines {
            let mut parts = l.split_whitespace();
            assert_eq!(parts.next(), Some("ACK"));
            let id = parts.next().unwrap();
            assert!(timeline.contains(id), "acknowledged {id} was lost");
            worst = worst.max(parts.next().unwrap().parse().unwrap());
        }
    }
    assert!(
        worst < 30_000_000,
        "a writer waited {worst} µs, past the 30 s busy timeout"
    );
    assert_eq!(pruned, wfs.len());
    // Feed invariants: strictly increasing seqs above the horizon, nothing missing there.
    let horizon = m.events().horizon().unwrap();
    let events = m
        .events()
        .since(horizon, &EventFilter::default(), MAX_EVENTS_PER_CALL)
        .unwrap();
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    m.check_integrity().unwrap();
    eprintln!("worst append latency during prunes: {worst} µs");
}

#[test]
fn eight_processes_appending_at_full_each_get_a_fair_share_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let m = open(&db);
    let p = project(&m, "fair");
    let s = live_session(&m, &p.id, "shared");
    // Every child opens first, then all start together and stop together.
    let start = time::now_ms() + 1_500;
    let end = start + 4_000;
    let (start_s, end_s) = (start.to_string(), end.to_string());
    let children: Vec<_> = (0..8)
        .map(|_| spawn(&["append-until", db.to_str().unwrap(), s.id.as_str(), &start_s, &end_s]))
        .collect();
    let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
    let outputs = finish(children);
    let mut counts = Vec::new();
    for out in &outputs {
        let fair: Vec<&str> = out
            .iter()
            .find_map(|l| l.strip_prefix("FAIR "))
            .unwrap()
            .split(' ')
            .collect();
        counts.push((fair[0].parse::<u64>().unwrap(), fair[1].parse::<u64>().unwrap()));
    }
    let total: u64 = counts.iter().map(|c| c.0).sum();
    let share = total / 8;
    let order: Vec<u32> = m
        .sessions()
        .timeline(&s.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == TimelineType::Milestone)
        .map(|e| e.message.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        order.len() as u64,
        total,
        "every acknowledged append is in the timeline"
    );
    for (pid, (count, longest)) in pids.iter().zip(&counts) {
        assert!(
            *count * 4 >= share,
            "process {pid} committed {count} of {total}: less than a quarter of its fair share {share} ({counts:?})"
        );
        // Queued writers take turns: between two commits of one process the others commit
        // about once each. The bound leaves room for the kernel waking two waiters out of
        // order and for a process descheduled on a 2-core machine.
        let mine: Vec<usize> = order
            .iter()
            .enumerate()
            .filter(|(_, p)| *p == pid)
            .map(|(i, _)| i)
            .collect();
        let gap = mine.windows(2).map(|w| w[1] - w[0] - 1).max().unwrap_or(0);
        assert!(
            gap <= 8 * 64,
            "process {pid} waited through {gap} commits of others in a row (longest call {longest} µs)"
        );
    }
}
