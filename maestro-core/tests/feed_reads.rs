//! The indexed feed reads answer exactly what a full scan of the feed answers: every
//! filter of `events_since` (alone and combined, with limits) and `state_at` of every
//! entity kind, on randomised feeds, on every backend.

mod common;

use common::*;
use maestro_core::*;

/// A tiny deterministic generator, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Grows a feed of about `steps` random writes over three projects: workflows and their
/// phases, sessions and their timelines, tasks claimed and completed, decisions.
fn random_feed(m: &Maestro, rng: &mut Rng, steps: usize) {
    let projects: Vec<ProjectId> = (0..3).map(|i| project(m, &format!("p{i}")).id).collect();
    let mut workflows: Vec<(ProjectId, WorkflowId)> = Vec::new();
    let mut sessions: Vec<(ProjectId, SessionId)> = Vec::new();
    for _ in 0..steps {
        let p = rng.pick(&projects).clone();
        match rng.below(7) {
            0 => workflows.push((p.clone(), flow_workflow(m, &p, "feature").id)),
            1 => {
                let mut s = NewSession::new(p.clone(), "agent");
                s.workflow_id = workflows.iter().find(|(wp, _)| *wp == p).map(|(_, w)| w.clone());
                let s = m.sessions().spawn(s).unwrap();
                m.sessions().register(&s.id).unwrap();
                sessions.push((p, s.id));
            }
            2 | 3 if !sessions.is_empty() => {
                let (_, s) = rng.pick(&sessions).clone();
                m.sessions()
                    .append(
                        &s,
                        NewTimelineEvent::new(TimelineType::Progress, "step").with_progress(0.5),
                    )
                    .unwrap();
            }
            4 if !sessions.is_empty() => {
                let (sp, s) = rng.pick(&sessions).clone();
                task(m, &sp, "work", &[]);
                if let Some(t) = m.tasks().claim(&s, &ClaimFilter::default()).unwrap() {
                    m.tasks().complete(&t.id, Some(&s)).unwrap();
                }
            }
            5 if !workflows.is_empty() => {
                let (_, w) = rng.pick(&workflows).clone();
                m.decisions()
                    .record(NewDecision::new(w, "architecture", "use a queue", "it decouples"))
                    .unwrap();
            }
            _ => {
                task(m, &p, "todo", &[]);
            }
        }
    }
}

fn scan(m: &Maestro) -> Vec<Event> {
    m.events().since(0, &EventFilter::default(), usize::MAX).unwrap()
}

/// Filters built from what the feed holds: each field alone, and pairs.
fn random_filter(rng: &mut Rng, all: &[Event]) -> EventFilter {
    let e = rng.pick(all).clone();
    let mut f = EventFilter::default();
    let fields = rng.below(6) + 1;
    for _ in 0..fields.min(2) {
        match rng.below(7) {
            0 => f.project_id = Some(e.project_id.clone()),
            1 => f.workflow_id = e.workflow_id.clone(),
            2 => f.session_id = e.session_id.clone(),
            3 => f.entity_id = Some(e.entity_id.clone()),
            4 => f.entities = vec![e.entity, *rng.pick(EntityKind::ALL)],
            5 => f.entities = vec![e.entity],
            _ => f.types = vec![e.kind.clone()],
        }
    }
    f
}

#[test]
fn filtered_events_since_and_state_at_answer_what_a_full_scan_answers() {
    for seed in [7u64, 1_000_003, 0x5eed] {
        for b in backends() {
            let m = &b.m;
            let mut rng = Rng(seed);
            random_feed(m, &mut rng, 400);
            let all = scan(m);
            assert!(all.len() > 400, "{}: the feed grew ({} events)", b.name, all.len());
            let latest = all.last().unwrap().seq;
            for round in 0..300 {
                let f = random_filter(&mut rng, &all);
                let after = rng.below(latest as usize + 1) as i64;
                let limit = *rng.pick(&[1usize, 7, 50, usize::MAX]);
                let expected: Vec<i64> = all
                    .iter()
                    .filter(|e| e.seq > after && f.matches(e))
                    .take(limit)
                    .map(|e| e.seq)
                    .collect();
                let got = m.events().since(after, &f, limit).unwrap();
                assert_eq!(
                    got.iter().map(|e| e.seq).collect::<Vec<_>>(),
                    expected,
                    "{} seed {seed} round {round}: since({after}, {f:?}, {limit})",
                    b.name
                );
                for e in &got {
                    let full = all.iter().find(|x| x.seq == e.seq).unwrap();
                    assert_eq!(e, full, "{}: the event read through an index is the event", b.name);
                }
            }
            for round in 0..300 {
                let e = rng.pick(&all).clone();
                let at = rng.below(latest as usize + 1) as i64;
                let expected = all
                    .iter()
                    .rev()
                    .find(|x| x.seq <= at && x.entity == e.entity && x.entity_id == e.entity_id)
                    .filter(|x| !x.kind.ends_with(".deleted"))
                    .map(|x| x.payload.clone());
                assert_eq!(
                    m.events().state_at(e.entity, &e.entity_id, at).unwrap(),
                    expected,
                    "{} seed {seed} round {round}: state_at({}, {}, {at})",
                    b.name,
                    e.entity,
                    e.entity_id
                );
            }
        }
    }
}
