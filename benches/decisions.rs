//! The decision log against raw rusqlite, same run: recording one ~1 KB decision at both
//! durabilities, 10,000 decisions in one batch, schema validation of one decision, and a
//! full-text query over 100,000 decisions.
//! Run: `cargo bench -p maestro-benches --bench decisions`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use maestro_benches::*;
use maestro_core::*;
use std::time::Duration;

fn record(c: &mut Criterion) {
    for (name, d) in [("normal", Durability::Normal), ("full", Durability::Full)] {
        let mut g = c.benchmark_group(format!("record_decision/{name}"));
        if d == Durability::Full {
            g.sample_size(30).measurement_time(Duration::from_secs(8));
        }
        let f = fixture(d);
        let wf = workflow(&f);
        let mut i = 0u64;
        let sample = f.m.decisions().record(decision(&wf, 0)).unwrap();
        let body = serde_json::to_string(&sample).unwrap();
        assert!((900..1300).contains(&body.len()), "decision is {} bytes", body.len());
        g.bench_function("maestro", |b| {
            b.iter(|| {
                i += 1;
                f.m.decisions().record(decision(&wf, i)).unwrap()
            })
        });
        let raw = raw_json_db(f.dir.path(), d);
        g.bench_function("raw_rusqlite", |b| b.iter(|| raw_json_insert(&raw, true, &body)));
        g.finish();
    }
}

fn batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_10k_decisions");
    g.sample_size(10).throughput(Throughput::Elements(10_000));
    let f = fixture(Durability::Normal);
    let wf = workflow(&f);
    let mut i = 0u64;
    g.bench_function("maestro", |b| {
        b.iter(|| {
            f.m.batch(|bt| {
                for _ in 0..10_000 {
                    i += 1;
                    bt.decisions().record(decision(&wf, i))?;
                }
                Ok(())
            })
            .unwrap()
        })
    });
    g.finish();
}

fn validate(c: &mut Criterion) {
    let f = fixture(Durability::Normal);
    let wf = workflow(&f);
    let d = serde_json::to_value(f.m.decisions().record(decision(&wf, 7)).unwrap()).unwrap();
    Schema::Decision.validate(&d).unwrap();
    c.bench_function("validate_decision_schema", |b| {
        b.iter(|| Schema::Decision.validate(&d).unwrap())
    });
}

fn search(c: &mut Criterion) {
    let f = fixture(Durability::Normal);
    let wf = workflow(&f);
    for chunk in 0..10u64 {
        f.m.batch(|bt| {
            for i in 0..10_000 {
                bt.decisions().record(decision(&wf, chunk * 10_000 + i))?;
            }
            Ok(())
        })
        .unwrap();
    }
    let filter = DecisionFilter::default();
    let hits = f.m.decisions().search("replication", &filter, 20).unwrap();
    assert_eq!(hits.len(), 20);
    let mut g = c.benchmark_group("search_100k_decisions");
    // A selective word (in 0.2% of decisions, like a ticket or library name) and a word
    // of the 40-word vocabulary every decision is written in (in most of them).
    let rare = f.m.decisions().search("ticket42", &filter, 1000).unwrap();
    assert_eq!(rare.len(), 200);
    g.bench_function("selective_word_top20", |b| {
        b.iter(|| f.m.decisions().search("ticket42", &filter, 20).unwrap())
    });
    g.bench_function("selective_word_in_workflow_top20", |b| {
        let scoped = DecisionFilter {
            workflow_id: Some(wf.clone()),
            ..Default::default()
        };
        b.iter(|| f.m.decisions().search("ticket42", &scoped, 20).unwrap())
    });
    g.bench_function("common_word_top20", |b| {
        b.iter(|| f.m.decisions().search("replication", &filter, 20).unwrap())
    });
    g.finish();
}

criterion_group!(benches, record, batch, validate, search);
criterion_main!(benches);
