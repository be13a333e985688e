//! The learning layer, each against a baseline measured in the same run:
//! - `recommend` with 100,000 decisions with outcomes in the store, against the same
//!   counts computed by one SQL `GROUP BY` over the decision rows (what recommending
//!   would cost without the incremental aggregates);
//! - `similar_failures` over 10,000 stored 384-dimension embeddings, k = 5, against a
//!   plain in-memory brute-force cosine scan over the same vectors;
//! - `suggest_order` for 50 tasks with 1,000 completed workflows of history, against a
//!   plain Kahn topological sort of the same tasks without rules.
//!
//! Run: `cargo bench -p maestro-benches --bench learning`.

use criterion::{criterion_group, criterion_main, Criterion};
use maestro_benches::*;
use maestro_core::learning::*;
use maestro_core::*;
use std::hint::black_box;

fn recommend(c: &mut Criterion) {
    let f = fixture(Durability::Normal);
    let wf = workflow(&f);
    let statuses = OutcomeStatus::ALL;
    for chunk in 0..100u64 {
        f.m.batch(|b| {
            for j in 0..1000u64 {
                let i = chunk * 1000 + j;
                let d = b.decisions().record(decision(&wf, i))?;
                let mut o = NewOutcome::new(statuses[(i.wrapping_mul(31) % 4) as usize]);
                o.issues = vec![format!("issue {}", i % 17)];
                b.decisions().record_outcome(&d.id, o)?;
            }
            Ok(())
        })
        .unwrap();
    }
    let r =
        f.m.learning()
            .recommend(Some(&f.project), "tech_stack", Some("database"), None)
            .unwrap();
    let used: i64 = r
        .preferred
        .iter()
        .chain(&r.undecided)
        .map(|s| s.usage_count)
        .sum::<i64>();
    assert!(used + r.avoid.len() as i64 > 0);
    let raw = rusqlite::Connection::open(f.dir.path().join("state.db")).unwrap();
    let group_by = "SELECT technology, COUNT(*), SUM(outcome IS NOT NULL), SUM(outcome = 'successful'), \
         SUM(outcome IN ('failed', 'reverted')) FROM decisions \
         WHERE category = 'tech_stack' AND subject_category = 'database' AND project_id = ?1 GROUP BY technology";
    let rows: i64 = raw
        .prepare(group_by)
        .unwrap()
        .query_map([f.project.as_str()], |r| r.get::<_, i64>(1))
        .unwrap()
        .map(|r| r.unwrap())
        .sum();
    assert_eq!(rows, 100_000);
    let mut g = c.benchmark_group("recommend_100k_decisions");
    g.bench_function("maestro", |b| {
        b.iter(|| {
            f.m.learning()
                .recommend(Some(&f.project), "tech_stack", Some("database"), None)
                .unwrap()
        })
    });
    g.bench_function("sql_group_by_baseline", |b| {
        b.iter(|| {
            let mut st = raw.prepare_cached(group_by).unwrap();
            let v: Vec<(String, i64, i64, i64, i64)> = st
                .query_map([f.project.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            black_box(v)
        })
    });
    g.finish();
}

/// A plain cosine scan: norms computed per vector, every score kept, then sorted.
fn brute_force(vectors: &[Vec<f32>], q: &[f32], k: usize) -> Vec<(f32, usize)> {
    let qn = q.iter().map(|x| x * x).sum::<f32>().sqrt();
    let mut scored: Vec<(f32, usize)> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let dot: f32 = v.iter().zip(q).map(|(a, b)| a * b).sum();
            let vn = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            (dot / (vn * qn), i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.truncate(k);
    scored
}

fn similar_failures(c: &mut Criterion) {
    const N: usize = 10_000;
    const DIM: usize = 384;
    let f = fixture(Durability::Normal);
    let mut rng = Rng(0x5EED);
    let vectors: Vec<Vec<f32>> = (0..N).map(|_| (0..DIM).map(|_| rng.unit()).collect()).collect();
    for chunk in vectors.chunks(1000) {
        f.m.batch(|b| {
            for (i, v) in chunk.iter().enumerate() {
                b.learning().record_failure(NewFailure {
                    project_id: f.project.clone(),
                    workflow_id: None,
                    feature: format!("feature {}", i % 50),
                    approach: "an approach that did not work".into(),
                    why_failed: "it failed".into(),
                    lesson: "do it differently".into(),
                    related_decision: None,
                    tags: vec![],
                    embedding: Some(v.clone()),
                })?;
            }
            Ok(())
        })
        .unwrap();
    }
    let query: Vec<f32> = (0..DIM).map(|_| rng.unit()).collect();
    let q = FailureQuery {
        text: None,
        embedding: Some(query.clone()),
    };
    // Both find the same five, in the same order.
    let got = f.m.learning().similar_failures(Some(&f.project), &q, 5).unwrap();
    let want = brute_force(&vectors, &query, 5);
    for (g, (s, _)) in got.iter().zip(&want) {
        assert!((g.score - f64::from(*s)).abs() < 1e-4, "{} vs {s}", g.score);
    }
    let mut g = c.benchmark_group("similar_failures_10k_x_384_k5");
    g.bench_function("maestro", |b| {
        b.iter(|| f.m.learning().similar_failures(Some(&f.project), &q, 5).unwrap())
    });
    g.bench_function("in_memory_brute_force", |b| b.iter(|| brute_force(&vectors, &query, 5)));
    let text = FailureQuery {
        text: Some("feature 7".into()),
        embedding: None,
    };
    g.bench_function("maestro_text_only", |b| {
        b.iter(|| f.m.learning().similar_failures(Some(&f.project), &text, 5).unwrap())
    });
    g.finish();
}

const LABELS: &[&str] = &[
    "database", "schema", "backend", "api", "auth", "frontend", "ui", "testing", "docs", "deploy",
];

fn mini_model() -> PhaseModel {
    PhaseModel::from_json(
        r#"{"schema_version":1,"name":"mini","initial":"work",
            "phases":[{"name":"work"},{"name":"done","terminal":"success"}],
            "transitions":[{"from":"work","to":"done"}]}"#,
    )
    .unwrap()
}

/// A plain Kahn sort by input order: the baseline suggest_order is compared with.
fn kahn(tasks: &[TaskToOrder]) -> Vec<usize> {
    let index: std::collections::HashMap<&str, usize> =
        tasks.iter().enumerate().map(|(i, t)| (t.key.as_str(), i)).collect();
    let mut waiting: Vec<usize> = tasks.iter().map(|t| t.depends_on.len()).collect();
    let mut dependents = vec![Vec::new(); tasks.len()];
    for (i, t) in tasks.iter().enumerate() {
        for d in &t.depends_on {
            dependents[index[d.as_str()]].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..tasks.len()).filter(|&i| waiting[i] == 0).collect();
    let mut out = Vec::new();
    while let Some(i) = ready.pop_first() {
        out.push(i);
        for &j in &dependents[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.insert(j);
            }
        }
    }
    out
}

fn suggest_order(c: &mut Criterion) {
    let f = fixture(Durability::Normal);
    let mut rng = Rng(0xC0FFEE);
    for chunk in 0..10 {
        f.m.batch(|b| {
            for w in 0..100 {
                let wf = b.workflows().create(NewWorkflow::new(
                    f.project.clone(),
                    format!("feature {chunk}-{w}"),
                    ModelRef::Custom(mini_model()),
                ))?;
                // Mostly the canonical order, sometimes two neighbours swapped.
                let mut labels: Vec<&str> = LABELS.iter().copied().filter(|_| rng.below(3) > 0).collect();
                if labels.len() > 1 && rng.below(5) == 0 {
                    let i = rng.below(labels.len() - 1);
                    labels.swap(i, i + 1);
                }
                for l in labels {
                    let mut t = NewTask::new(f.project.clone(), l);
                    t.workflow_id = Some(wf.id.clone());
                    t.labels = vec![l.to_owned()];
                    let t = b.tasks().create(t)?;
                    b.tasks().transition(&t.id, TaskStatus::InProgress, None, None)?;
                    b.tasks().complete(&t.id, None)?;
                }
                b.workflows().advance(&wf.id, "done", "bench", None)?;
            }
            Ok(())
        })
        .unwrap();
    }
    let rules = f.m.learning().ordering_rules(Some(&f.project), None).unwrap();
    assert!(rules.rules.len() > 20, "{} rules", rules.rules.len());
    let tasks: Vec<TaskToOrder> = (0..50)
        .map(|i| TaskToOrder {
            key: format!("t{i}"),
            labels: vec![LABELS[rng.below(LABELS.len())].to_owned()],
            depends_on: (0..i).filter(|_| rng.below(25) == 0).map(|d| format!("t{d}")).collect(),
            priority: Priority::Medium,
        })
        .collect();
    let s = f.m.learning().suggest_order(Some(&f.project), &tasks, None).unwrap();
    assert_eq!(s.order.len(), 50);
    assert!(!s.applied.is_empty());
    let mut g = c.benchmark_group("suggest_order_50_tasks_1000_workflows");
    g.bench_function("maestro", |b| {
        b.iter(|| f.m.learning().suggest_order(Some(&f.project), &tasks, None).unwrap())
    });
    g.bench_function("kahn_without_rules_baseline", |b| b.iter(|| kahn(black_box(&tasks))));
    g.finish();
}

criterion_group!(benches, recommend, similar_failures, suggest_order);
criterion_main!(benches);
