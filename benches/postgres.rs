//! The PostgreSQL store beside the SQLite store, same run, same operations, both at
//! durability `full` (PostgreSQL: `synchronous_commit = on`; the server over its Unix
//! socket): append a timeline event, claim from 10,000 tasks, the ready set, read 1,000
//! events, record a decision. Then 1 and 8 processes claiming 10,000 tasks on each
//! store (claims/s; each task exactly once).
//!
//! Run: `cargo bench -p maestro-benches --bench postgres` (starts `scripts/pg` unless
//! `MAESTRO_BENCH_PG_URL` names a server). The server's own settings apply: start it
//! without `MAESTRO_PG_FAST` to measure real commits.

use criterion::{criterion_group, Criterion};
use maestro_benches::*;
use maestro_core::*;
use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stores() -> Vec<(&'static str, Fixture)> {
    vec![
        ("sqlite", fixture(Durability::Full)),
        ("postgres", pg_fixture(Durability::Full)),
    ]
}

fn pool(f: &Fixture, n: usize) {
    f.m.batch(|b| {
        for i in 0..n {
            let mut t = NewTask::new(f.project.clone(), format!("task {i}"));
            t.priority = Priority::ALL[i % 4];
            b.tasks().create(t)?;
        }
        Ok(())
    })
    .unwrap();
}

fn operations(c: &mut Criterion) {
    for (name, f) in stores() {
        let s = session(&f);
        let wf = workflow(&f);
        let mut g = c.benchmark_group("store_side_by_side");
        g.sample_size(30).measurement_time(Duration::from_secs(6));
        g.bench_function(format!("append_timeline_event/{name}"), |b| {
            b.iter(|| f.m.sessions().append(&s, milestone()).unwrap())
        });
        let mut i = 0;
        g.bench_function(format!("record_decision/{name}"), |b| {
            b.iter(|| {
                i += 1;
                f.m.decisions().record(decision(&wf, i)).unwrap()
            })
        });
        let after = f.m.events().latest_seq().unwrap();
        f.m.batch(|b| {
            for _ in 0..1000 {
                b.sessions().append(&s, milestone())?;
            }
            Ok(())
        })
        .unwrap();
        g.bench_function(format!("events_since_1000/{name}"), |b| {
            b.iter(|| {
                let e = f.m.events().since(after, &EventFilter::default(), 1000).unwrap();
                assert_eq!(e.len(), 1000);
            })
        });
        pool(&f, 10_000);
        g.bench_function(format!("ready_10k/{name}"), |b| {
            b.iter(|| f.m.tasks().ready(&f.project).unwrap())
        });
        g.bench_function(format!("claim_10k/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let t = f.m.tasks().claim(&s, &ClaimFilter::default()).unwrap().unwrap();
                    spent += start.elapsed();
                    // Untimed: give the task back so the pool stays at 10,000.
                    f.m.tasks().transition(&t.id, TaskStatus::Todo, None, None).unwrap();
                }
                spent
            })
        });
        g.finish();
    }
}

criterion_group!(benches, operations);

/// The child: claims and completes tasks of `project` until none is left; prints the ids.
fn claimer(location: &str, project: &str) {
    let m = Maestro::open(location, Options::durability(Durability::Full)).unwrap();
    let s = m
        .sessions()
        .spawn(NewSession::new(ProjectId::parse(project).unwrap(), "claimer"))
        .unwrap();
    let s = m.sessions().register(&s.id).unwrap().id;
    while let Some(t) = m.tasks().claim(&s, &ClaimFilter::default()).unwrap() {
        m.tasks().complete(&t.id, Some(&s)).unwrap();
        println!("{}", t.id);
    }
}

/// `n` processes claiming (and completing) 10,000 tasks: claims/s, and each exactly once.
fn claimers(n: usize, name: &str, location: &str) {
    let f = fixture_at(location, Durability::Full, tempfile::tempdir().unwrap());
    pool(&f, 10_000);
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..n)
        .map(|_| {
            Command::new(&exe)
                .env("MAESTRO_BENCH_CHILD", "1")
                .args([location, f.project.as_str()])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        ids.extend(String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned));
    }
    let took = started.elapsed();
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (10_000, 10_000), "each task exactly once");
    println!(
        "{n} process(es) claim+complete 10,000 tasks on {name:<8}: {:>6.1} s, {:>6.0} claims/s (each task exactly once)",
        took.as_secs_f64(),
        10_000.0 / took.as_secs_f64()
    );
}

fn main() {
    if std::env::var_os("MAESTRO_BENCH_CHILD").is_some() {
        let a: Vec<String> = std::env::args().skip(1).collect();
        claimer(&a[0], &a[1]);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `MAESTRO_BENCH_ONLY=claimers` runs the multi-process part alone.
    if std::env::var("MAESTRO_BENCH_ONLY").as_deref() != Ok("claimers") {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    for n in [1, 8] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state.db");
        claimers(n, "sqlite", file.to_str().unwrap());
        claimers(n, "postgres", &pg_store_url());
    }
}
