//! The crash soak: real child processes killed with SIGKILL at random moments, round
//! after round, on one store.
//!
//! - **Mixed workload**, at `full` and at `normal`: two workers per round create tasks,
//!   claim and complete them, append timeline events, record decisions and put thread
//!   checkpoints. After each kill: the database passes its integrity check, every write
//!   acknowledged so far is there, no task was ever claimed twice, the change feed has no
//!   gap, and it replays to the tables (each entity's state at the latest seq is what the
//!   store answers).
//! - **Git**: a worker writes a file and checkpoints or hard-rolls back until killed, also
//!   in the middle of a commit or a reset. After each kill: every acknowledged checkpoint's
//!   commit exists, `maestro check --fix` clears what the killed operation left, the next
//!   checkpoint works, and every content the worker wrote is recoverable (in a commit, a
//!   rollback's safety ref, or the work tree).
//!
//! `MAESTRO_SOAK_ROUNDS` (per durability, default 6) and `MAESTRO_SOAK_GIT_ROUNDS`
//! (default 4) set the rounds; `scripts/soak` runs the recorded numbers.

mod common;

use common::Rng;
use maestro_core::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn rounds(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_maestro-stress"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kills `child` after `delay` and returns every line it acknowledged.
fn kill_after(mut child: Child, delay: Duration) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>());
    std::thread::sleep(delay);
    child.kill().unwrap();
    child.wait().unwrap();
    let lines = reader.join().unwrap();
    for l in &lines {
        assert!(!l.starts_with("ERR"), "a worker failed: {l}");
    }
    lines
}

/// Every event, checked gap-free from seq 1.
fn whole_feed(m: &Maestro) -> Vec<Event> {
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |e: &Event| e.seq);
        let page = m.events().since(after, &EventFilter::default(), 10_000).unwrap();
        if page.is_empty() {
            break;
        }
        all.extend(page);
    }
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "the feed has a gap before seq {}", e.seq);
    }
    assert_eq!(all.last().map_or(0, |e| e.seq), m.events().latest_seq().unwrap());
    all
}

fn soak_mixed(durability: Durability, n: usize, seed: u64) -> (usize, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("soak.db");
    let (project, wf) = {
        let m = Maestro::open(&db, Options::durability(durability)).unwrap();
        let p = common::project(&m, "soak");
        let wf = m
            .workflows()
            .create(NewWorkflow::new(p.id.clone(), "soak", ModelRef::Builtin("spec".into())))
            .unwrap();
        (p.id, wf.id)
    };
    let mut rng = Rng(seed);
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    let mut acked_total = 0;
    for round in 0..n {
        let workers: Vec<Child> = (0..2)
            .map(|w| {
                spawn(&[
                    "soak-mixed",
                    db.to_str().unwrap(),
                    &durability.to_string(),
                    project.as_str(),
                    wf.as_str(),
                    &(seed * 1000 + round as u64 * 2 + w).to_string(),
                ])
            })
            .collect();
        let delay = Duration::from_millis(30 + rng.below(300) as u64);
        let lines: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = workers
                .into_iter()
                .map(|c| s.spawn(move || kill_after(c, delay)))
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        acked_total += lines.len();

        let m = Maestro::open(&db, Options::durability(durability)).unwrap();
        m.check_integrity().unwrap();
        let mut touched = BTreeSet::new();
        for l in &lines {
            let f: Vec<&str> = l.split(' ').collect();
            match f[0] {
                "TASK" => {
                    let t = m.tasks().get(&TaskId::parse(f[1]).unwrap()).unwrap();
                    touched.insert(t.id.to_string());
                }
                "CLAIM" => {
                    if let Some(other) = claimed.insert(f[1].to_owned(), f[2].to_owned()) {
                        panic!("round {round}: task {} claimed by {other} and by {}", f[1], f[2]);
                    }
                    touched.insert(f[1].to_owned());
                }
                "DONE" => {
                    let t = m.tasks().get(&TaskId::parse(f[1]).unwrap()).unwrap();
                    assert_eq!(t.status, TaskStatus::Completed, "round {round}: {l}");
                }
                "EVENT" => {
                    let tl = m.sessions().timeline(&SessionId::parse(f[1]).unwrap()).unwrap();
                    assert!(tl.iter().any(|e| e.id.to_string() == f[2]), "round {round}: {l} lost");
                }
                "DECISION" => {
                    m.decisions().get(&DecisionId::parse(f[1]).unwrap()).unwrap();
                }
                "THREAD" => {
                    let got = m.threads().get(&project, f[1], "", Some(f[2])).unwrap();
                    assert!(got.is_some(), "round {round}: {l} lost");
                }
                other => panic!("unknown line {other}: {l}"),
            }
        }
        // Every claim ever acknowledged is still held by its claimer or completed.
        for (task, session) in &claimed {
            let t = m.tasks().get(&TaskId::parse(task).unwrap()).unwrap();
            assert!(
                matches!(t.status, TaskStatus::InProgress | TaskStatus::Completed),
                "round {round}: claimed task {task} (by {session}) is {:?}",
                t.status
            );
        }
        let feed = whole_feed(&m);
        let latest = feed.last().map_or(0, |e| e.seq);
        for id in &touched {
            let state = m.events().state_at(EntityKind::Task, id, latest).unwrap();
            let now = serde_json::to_value(m.tasks().get(&TaskId::parse(id).unwrap()).unwrap()).unwrap();
            assert_eq!(
                state.as_ref(),
                Some(&now),
                "round {round}: the feed does not replay to task {id}"
            );
        }
    }
    (n, acked_total)
}

#[test]
fn sigkill_rounds_of_a_mixed_workload_at_full_and_at_normal() {
    let n = rounds("MAESTRO_SOAK_ROUNDS", 6);
    for (durability, seed) in [(Durability::Full, 7), (Durability::Normal, 11)] {
        let started = Instant::now();
        let (rounds, acked) = soak_mixed(durability, n, seed);
        println!(
            "SOAK mixed durability={durability} rounds={rounds} acknowledged={acked} seconds={:.1}",
            started.elapsed().as_secs_f64()
        );
    }
}

#[test]
fn sigkill_rounds_during_checkpoints_and_rollbacks() {
    let n = rounds("MAESTRO_SOAK_GIT_ROUNDS", 4);
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    common::git_repo(&root, &[("soak.txt", "start")]);
    let db = tmp.path().join("soak.db");
    let wf = {
        let m = Maestro::open(&db, Options::default()).unwrap();
        let p = m
            .projects()
            .create(NewProject {
                name: "repo".into(),
                root: Some(root.display().to_string()),
                ..Default::default()
            })
            .unwrap();
        m.workflows()
            .create(NewWorkflow::new(p.id, "soak", ModelRef::Builtin("flow".into())))
            .unwrap()
            .id
    };
    let mut rng = Rng(13);
    let mut written = Vec::new();
    let mut checkpoints = Vec::new();
    let mut stale_cleared = 0;
    for round in 0..n {
        let child = spawn(&[
            "soak-git",
            db.to_str().unwrap(),
            wf.as_str(),
            root.to_str().unwrap(),
            &(round + 1).to_string(),
        ]);
        let lines = kill_after(child, Duration::from_millis(20 + rng.below(400) as u64));
        for l in &lines {
            if let Some(content) = l.strip_prefix("WROTE ") {
                written.push(content.to_owned());
            } else if let Some(rest) = l.strip_prefix("CP ") {
                let (id, sha) = rest.split_once(' ').unwrap();
                checkpoints.push((id.to_owned(), sha.to_owned()));
            }
        }
        // What the kill left is cleared by the operator's command, then work goes on.
        let out = Command::new(env!("CARGO_BIN_EXE_maestro"))
            .arg("--db")
            .arg(&db)
            .args(["check", "--fix", "--json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let locks = report["data"]["git_locks"].as_array().unwrap();
        stale_cleared += locks.iter().filter(|l| l["removed"] == true).count();
        assert!(
            locks.iter().all(|l| l["removed"] == true),
            "round {round}: a lock stays after check --fix: {report}"
        );
        let m = Maestro::open(&db, Options::default()).unwrap();
        m.check_integrity().unwrap();
        for (id, sha) in &checkpoints {
            m.checkpoints().get(&CheckpointId::parse(id).unwrap()).unwrap();
            assert!(
                common::git_try(&root, &["cat-file", "-e", &format!("{sha}^{{commit}}")]).is_some(),
                "round {round}: commit {sha} of {id} is gone"
            );
        }
        // Every content ever written is in a commit (checkpoints, safety refs) or the work tree.
        let mut found: BTreeSet<String> = BTreeSet::new();
        found.insert(std::fs::read_to_string(root.join("soak.txt")).unwrap_or_default());
        for rev in common::git(&root, &["rev-list", "--all"]).lines() {
            found.extend(common::git_try(&root, &["show", &format!("{rev}:soak.txt")]));
        }
        for content in &written {
            assert!(
                found.contains(content),
                "round {round}: {content:?} was written and is nowhere now"
            );
        }
        m.checkpoints()
            .create(NewCheckpoint::new(
                wf.clone(),
                format!("after round {round}"),
                CheckpointType::SafeState,
            ))
            .unwrap_or_else(|e| panic!("round {round}: a checkpoint after the kill fails: {e}"));
    }
    println!(
        "SOAK git rounds={n} checkpoints={} contents={} stale_locks_cleared={stale_cleared} seconds={:.1}",
        checkpoints.len(),
        written.len(),
        started.elapsed().as_secs_f64()
    );
}
