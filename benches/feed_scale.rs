//! Feed reads at 10k, 100k and 1M events (BENCHMARKS.md, "Feed at a million events"):
//!
//! - `state_at` of a timeline event (a random one of the feed);
//! - `events_since(0, project = a small project)`, 100 events (the small project has 1 %
//!   of the feed);
//! - `events_since(0, entities = [decision])`, 100 events (decisions are 1 % of the feed);
//! - the cost of a timeline append at `normal`, against the same append on a store at
//!   schema version 6 (before the indexes of issue 14) grown with the same writes,
//!   measured in interleaved rounds.
//!
//! Run: `cargo bench -p maestro-benches --bench feed_scale` (`MAESTRO_BENCH_EVENTS`
//! overrides the largest size, 1,000,000). Growing the two stores takes a few minutes.

use maestro_core::*;
use std::path::Path;
use std::time::Instant;

struct Store {
    m: Maestro,
    big: SessionId,
    small: SessionId,
    small_project: ProjectId,
    wf: WorkflowId,
}

fn store(path: &Path, version: Option<usize>) -> Store {
    let options = SqliteOptions {
        durability: Durability::Normal,
        ..Default::default()
    };
    let m = match version {
        Some(v) => Maestro::with_store(Box::new(SqliteStore::open_at_version(path, options, v).unwrap())),
        None => Maestro::open(path, Options::durability(Durability::Normal)).unwrap(),
    };
    let project = |name: &str| {
        m.projects()
            .create(NewProject {
                name: name.into(),
                ..Default::default()
            })
            .unwrap()
            .id
    };
    let (bp, sp) = (project("big"), project("small"));
    let live = |p: &ProjectId| {
        let s = m.sessions().spawn(NewSession::new(p.clone(), "agent")).unwrap();
        m.sessions().register(&s.id).unwrap().id
    };
    let (big, small) = (live(&bp), live(&sp));
    let wf = m
        .workflows()
        .create(NewWorkflow {
            id: None,
            project_id: bp,
            feature: "scale".into(),
            request: "grow the feed".into(),
            model: ModelRef::Builtin("flow".into()),
        })
        .unwrap()
        .id;
    Store {
        m,
        big,
        small,
        small_project: sp,
        wf,
    }
}

/// Appends `n` events: 98 % timeline events of the big project, 1 % of the small one,
/// 1 % decisions.
fn grow(s: &Store, n: usize, from: usize) {
    for chunk in (from..from + n).collect::<Vec<_>>().chunks(1000) {
        s.m.batch(|b| {
            for &i in chunk {
                match i % 100 {
                    0 => {
                        b.sessions().append(
                            &s.small,
                            NewTimelineEvent::new(TimelineType::Milestone, format!("small {i}")),
                        )?;
                    }
                    1 => {
                        b.decisions().record(NewDecision::new(
                            s.wf.clone(),
                            "architecture",
                            format!("d {i}"),
                            "why",
                        ))?;
                    }
                    _ => {
                        b.sessions().append(
                            &s.big,
                            NewTimelineEvent::new(TimelineType::Milestone, format!("big {i}")),
                        )?;
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    }
}

fn median_us(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn time_us(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e6
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let largest: usize = std::env::var("MAESTRO_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let now = store(&dir.path().join("v7.db"), None);
    let before = store(&dir.path().join("v6.db"), Some(6));
    let mut grown = 0;
    println!("size | state_at(timeline) | since(project) | since(decision) | append v7 | append v6 | ratio");
    for size in [10_000, 100_000, largest] {
        grow(&now, size - grown, grown);
        grow(&before, size - grown, grown);
        grown = size;
        let timeline: Vec<Event> = now
            .m
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
        let latest = now.m.events().latest_seq().unwrap();
        let mut seed = 0x9e37_79b9u64;
        let mut state_at = Vec::new();
        let mut by_project = Vec::new();
        let mut by_kind = Vec::new();
        for _ in 0..300 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let e = &timeline[(seed % timeline.len() as u64) as usize];
            state_at.push(time_us(|| {
                assert!(now
                    .m
                    .events()
                    .state_at(e.entity, &e.entity_id, latest)
                    .unwrap()
                    .is_some());
            }));
            by_project.push(time_us(|| {
                let f = EventFilter {
                    project_id: Some(now.small_project.to_string()),
                    ..Default::default()
                };
                assert_eq!(now.m.events().since(0, &f, 100).unwrap().len(), 100);
            }));
            by_kind.push(time_us(|| {
                let f = EventFilter {
                    entities: vec![EntityKind::Decision],
                    ..Default::default()
                };
                assert_eq!(now.m.events().since(0, &f, 100).unwrap().len(), 100);
            }));
        }
        let (mut ours, mut base) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            for (s, out) in [(&now, &mut ours), (&before, &mut base)] {
                let t = Instant::now();
                for _ in 0..200 {
                    s.m.sessions()
                        .append(&s.big, NewTimelineEvent::new(TimelineType::Milestone, "measured"))
                        .unwrap();
                }
                out.push(t.elapsed().as_secs_f64() * 1e6 / 200.0);
            }
        }
        let (a, b) = (median_us(ours), median_us(base));
        println!(
            "{size} | {:.1} µs | {:.1} µs | {:.1} µs | {a:.1} µs | {b:.1} µs | {:.2}",
            median_us(state_at),
            median_us(by_project),
            median_us(by_kind),
            a / b
        );
    }
}
