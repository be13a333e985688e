//! Criterion benchmarks of the foundation, each beside its raw-rusqlite baseline measured
//! in the same run. Run: `cargo bench -p maestro-benches --bench core`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use maestro_benches::*;
use maestro_core::*;
use std::time::{Duration, Instant};

fn append(c: &mut Criterion) {
    for (name, d) in [("normal", Durability::Normal), ("full", Durability::Full)] {
        let mut g = c.benchmark_group(format!("append_timeline_event/{name}"));
        if d == Durability::Full {
            g.sample_size(30).measurement_time(Duration::from_secs(8));
        }
        let f = fixture(d);
        let s = session(&f);
        g.bench_function("maestro", |b| {
            b.iter(|| f.m.sessions().append(&s, milestone()).unwrap())
        });
        let raw = raw_timeline_db(f.dir.path(), d);
        let mut i = 0;
        g.bench_function("raw_rusqlite", |b| {
            b.iter(|| {
                i += 1;
                raw_insert(&raw, true, i)
            })
        });
        g.finish();
    }
}

fn batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_10k_events");
    g.sample_size(10).throughput(Throughput::Elements(10_000));
    let f = fixture(Durability::Normal);
    let s = session(&f);
    g.bench_function("maestro", |b| {
        b.iter(|| {
            f.m.batch(|bt| {
                for _ in 0..10_000 {
                    bt.sessions().append(&s, milestone())?;
                }
                Ok(())
            })
            .unwrap()
        })
    });
    let raw = raw_timeline_db(f.dir.path(), Durability::Normal);
    let mut i = 0;
    g.bench_function("raw_rusqlite", |b| {
        b.iter(|| {
            raw.execute_batch("BEGIN IMMEDIATE").unwrap();
            for _ in 0..10_000 {
                i += 1;
                raw_insert(&raw, false, i);
            }
            raw.execute_batch("COMMIT").unwrap();
        })
    });
    g.finish();
}

/// 10,000 tasks: 1,000 chains of 10 (each task depends on the previous one of its chain),
/// so 1,000 are ready and 9,000 wait.
fn task_pool(f: &Fixture, chained: bool) {
    f.m.batch(|b| {
        for _chain in 0..1_000 {
            let mut prev: Option<TaskId> = None;
            for i in 0..10 {
                let mut t = NewTask::new(f.project.clone(), format!("task {i}"));
                t.priority = Priority::ALL[i % 4];
                t.labels = vec!["bench".into()];
                if chained {
                    t.depends_on = prev.iter().cloned().collect();
                }
                prev = Some(b.tasks().create(t)?.id);
            }
        }
        Ok(())
    })
    .unwrap();
}

fn claim(c: &mut Criterion) {
    let mut g = c.benchmark_group("claim_pool_10k");
    let f = fixture(Durability::Normal);
    task_pool(&f, false);
    let s = session(&f);
    g.bench_function("maestro", |b| {
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
    // The baseline: the same rows written by hand on the same schema (pick the first ready
    // task, mark it in progress, upsert the session link, insert the three feed rows) in
    // one transaction, with none of Maestro's checks or JSON encoding.
    let raw = rusqlite::Connection::open(f.dir.path().join("state.db")).unwrap();
    raw.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .unwrap();
    let pick = format!(
        "SELECT id FROM tasks INDEXED BY tasks_ready WHERE status = 'todo' AND open_deps = 0 AND project_id = '{}'
         ORDER BY priority DESC, created_at, id LIMIT 1",
        f.project
    );
    g.bench_function("raw_rusqlite_same_writes", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for i in 0..iters as i64 {
                let start = Instant::now();
                raw.prepare_cached("BEGIN IMMEDIATE").unwrap().execute([]).unwrap();
                let id: String = raw.prepare_cached(&pick).unwrap().query_row([], |r| r.get(0)).unwrap();
                raw.prepare_cached("UPDATE tasks SET status = 'in_progress', updated_at = ?2, version = version + 1 WHERE id = ?1")
                    .unwrap()
                    .execute(rusqlite::params![id, i])
                    .unwrap();
                raw.prepare_cached(
                    "INSERT INTO session_tasks (session_id, task_id, project_id, status, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'working', ?4, ?4)
                     ON CONFLICT (session_id, task_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
                )
                .unwrap()
                .execute(rusqlite::params![s.as_str(), id, f.project.as_str(), i])
                .unwrap();
                for (entity, kind, sid) in [("task", "task.updated", None), ("session_task", "session_task.updated", Some(s.as_str())), ("timeline_event", "timeline_event.appended", Some(s.as_str()))] {
                    raw.prepare_cached(
                        "INSERT INTO events (at, kind, version, entity, entity_id, project_id, workflow_id, session_id, payload)
                         VALUES (?1, ?2, 1, ?3, ?4, ?5, NULL, ?6, '{}')",
                    )
                    .unwrap()
                    .execute(rusqlite::params![i, kind, entity, id, f.project.as_str(), sid])
                    .unwrap();
                }
                raw.prepare_cached("COMMIT").unwrap().execute([]).unwrap();
                spent += start.elapsed();
                raw.execute("UPDATE tasks SET status = 'todo' WHERE id = ?1", [id]).unwrap();
            }
            spent
        })
    });
    g.finish();
}

fn ready(c: &mut Criterion) {
    let mut g = c.benchmark_group("ready_10k_tasks_with_deps");
    let f = fixture(Durability::Normal);
    task_pool(&f, true);
    assert_eq!(f.m.tasks().ready(&f.project).unwrap().len(), 1_000);
    g.bench_function("maestro", |b| b.iter(|| f.m.tasks().ready(&f.project).unwrap()));
    g.finish();
}

fn events_since(c: &mut Criterion) {
    let mut g = c.benchmark_group("events_since_10k");
    g.sample_size(30);
    let f = fixture(Durability::Normal);
    let s = session(&f);
    let start = f.m.events().latest_seq().unwrap();
    f.m.batch(|b| {
        for _ in 0..10_000 {
            b.sessions().append(&s, milestone())?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        f.m.events()
            .since(start, &EventFilter::default(), 10_000)
            .unwrap()
            .len(),
        10_000
    );
    g.bench_function("maestro", |b| {
        b.iter(|| f.m.events().since(start, &EventFilter::default(), 10_000).unwrap())
    });
    let raw = rusqlite::Connection::open(f.dir.path().join("state.db")).unwrap();
    g.bench_function("raw_scan_and_parse", |b| {
        b.iter(|| {
            let mut stmt = raw
                .prepare_cached(
                    "SELECT seq, at, kind, version, entity, entity_id, project_id, workflow_id, payload
                     FROM events WHERE seq > ?1 ORDER BY seq LIMIT 10000",
                )
                .unwrap();
            let rows = stmt
                .query_map([start], |r| {
                    let payload: String = r.get(8)?;
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                        serde_json::from_str::<serde_json::Value>(&payload).unwrap(),
                    ))
                })
                .unwrap();
            rows.collect::<rusqlite::Result<Vec<_>>>().unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, append, batch, claim, ready, events_since);
criterion_main!(benches);
