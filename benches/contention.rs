//! Many writers at `full` durability (BENCHMARKS.md, "Contention"), measured in one run:
//!
//! - **8 processes** appending timeline events to one file for `MAESTRO_BENCH_SECONDS`
//!   (default 10): total commits/s, the slowest process's share of the fair share, the
//!   longest single call. Baseline in the same run: the same with the write queue off
//!   (`MAESTRO_WRITE_QUEUE=off`: SQLite's busy handler alone, as before issue 14).
//! - **8 threads on one handle** against 1 thread, the same seconds each: throughput, and
//!   how many calls each commit carried (group commit).
//!
//! Run: `cargo bench -p maestro-benches --bench contention`. Not a criterion bench: each
//! configuration is one timed run; the table in BENCHMARKS.md shows every run.

use maestro_core::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROCESSES: usize = 8;
const THREADS: usize = 8;

fn seconds() -> u64 {
    std::env::var("MAESTRO_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

fn open(db: &Path) -> Maestro {
    open_at(db, Durability::Full)
}

fn open_at(db: &Path, durability: Durability) -> Maestro {
    Maestro::open(db, Options::durability(durability)).unwrap()
}

fn append(m: &Maestro, s: &SessionId, text: String) -> Duration {
    let started = Instant::now();
    m.sessions()
        .append(s, NewTimelineEvent::new(TimelineType::Milestone, text))
        .unwrap();
    started.elapsed()
}

/// The child: appends from `start` to `end` (unix ms), prints `count longest_us p99_us`.
fn child(db: &str, session: &str, start: i64, end: i64) {
    let m = open(Path::new(db));
    let s = SessionId::parse(session).unwrap();
    while time::now_ms() < start {
        std::thread::sleep(Duration::from_micros(200));
    }
    let mut waits = Vec::new();
    while time::now_ms() < end {
        waits.push(append(&m, &s, format!("{} {}", std::process::id(), waits.len())));
    }
    waits.sort();
    let p99 = waits[waits.len() * 99 / 100];
    println!(
        "{} {} {}",
        waits.len(),
        waits.last().unwrap().as_micros(),
        p99.as_micros()
    );
}

fn store() -> (tempfile::TempDir, std::path::PathBuf, SessionId) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let m = open(&db);
    let p = m
        .projects()
        .create(NewProject {
            name: "bench".into(),
            ..Default::default()
        })
        .unwrap();
    let s = m.sessions().spawn(NewSession::new(p.id, "shared")).unwrap();
    let s = m.sessions().register(&s.id).unwrap().id;
    (dir, db, s)
}

fn processes(queue: bool) {
    let (_dir, db, s) = store();
    let start = time::now_ms() + 2_000;
    let end = start + seconds() as i64 * 1000;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            let mut c = Command::new(&exe);
            c.env("MAESTRO_BENCH_CHILD", "1")
                .args([db.to_str().unwrap(), s.as_str(), &start.to_string(), &end.to_string()])
                .stdout(Stdio::piped());
            if !queue {
                c.env("MAESTRO_WRITE_QUEUE", "off");
            }
            c.spawn().unwrap()
        })
        .collect();
    let mut rows: Vec<(u64, u64, u64)> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success());
            let text = String::from_utf8(out.stdout).unwrap();
            let v: Vec<u64> = text.split_whitespace().map(|x| x.parse().unwrap()).collect();
            (v[0], v[1], v[2])
        })
        .collect();
    rows.sort();
    let total: u64 = rows.iter().map(|r| r.0).sum();
    let fair = total as f64 / PROCESSES as f64;
    let longest = rows.iter().map(|r| r.1).max().unwrap();
    let p99 = rows.iter().map(|r| r.2).max().unwrap();
    println!(
        "{:<34} total {:>6.0} commits/s | slowest {:>5} = {:>5.1}% of fair {:>7.0} | fastest {:>5} | longest call {:>8.1} ms | worst p99 {:>6.1} ms",
        if queue { "8 processes, write queue" } else { "8 processes, busy handler (baseline)" },
        total as f64 / seconds() as f64,
        rows[0].0,
        100.0 * rows[0].0 as f64 / fair,
        fair,
        rows[PROCESSES - 1].0,
        longest as f64 / 1000.0,
        p99 as f64 / 1000.0,
    );
}

fn threads(n: usize, durability: Durability) -> f64 {
    let (_dir, db, s) = store();
    let m = open_at(&db, durability);
    let (calls0, commits0) = m.write_counts();
    let end = Instant::now() + Duration::from_secs(seconds());
    let total: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|t| {
                let (m, s) = (&m, &s);
                scope.spawn(move || {
                    let mut done = 0;
                    while Instant::now() < end {
                        append(m, s, format!("{t} {done}"));
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let (calls, commits) = m.write_counts();
    let rate = total as f64 / seconds() as f64;
    println!(
        "{:<34} {:>6.0} appends/s | {:.2} calls per commit",
        format!("{n} thread(s), one handle, {durability}"),
        rate,
        (calls - calls0) as f64 / (commits - commits0).max(1) as f64
    );
    rate
}

fn main() {
    if std::env::var_os("MAESTRO_BENCH_CHILD").is_some() {
        let a: Vec<String> = std::env::args().skip(1).collect();
        child(&a[0], &a[1], a[2].parse().unwrap(), a[3].parse().unwrap());
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("contention at durability full, {} s per configuration", seconds());
    processes(false);
    processes(true);
    let one = threads(1, Durability::Full);
    let many = threads(THREADS, Durability::Full);
    println!("8 threads / 1 thread at full: {:.2}x", many / one);
    // The ceiling the machine's cores set: the same without a sync per commit.
    let one = threads(1, Durability::Normal);
    let many = threads(THREADS, Durability::Normal);
    println!("8 threads / 1 thread at normal: {:.2}x", many / one);
}
