//! Group commit: concurrent write calls on one handle share a commit at `full`, every
//! call is acknowledged only once its commit is durable, and a failing call in a group
//! undoes only itself.

mod common;

use common::*;
use maestro_core::*;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const STRESS: &str = env!("CARGO_BIN_EXE_maestro-stress");

#[test]
fn every_acknowledged_write_of_eight_threads_survives_a_sigkill_right_after_the_last() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.db");
        let session = {
            let m = Maestro::open(&db, Options::durability(Durability::Full)).unwrap();
            let p = project(&m, "group");
            live_session(&m, &p.id, "shared").id
        };
        let mut child = Command::new(STRESS)
            .args(["append-threads", db.to_str().unwrap(), session.as_str(), "8", "150"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut acked = HashSet::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if line == "DONE" {
                break;
            }
            let id = line
                .strip_prefix("ACK ")
                .unwrap_or_else(|| panic!("round {round}: child said {line}"));
            acked.insert(id.to_owned());
        }
        // SIGKILL: no destructor, no close, no checkpoint.
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(acked.len(), 8 * 150, "round {round}: every call was acknowledged");
        let m = Maestro::open(&db, Options::durability(Durability::Full)).unwrap();
        let stored: HashSet<String> = m
            .sessions()
            .timeline(&session)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == TimelineType::Milestone)
            .map(|e| e.id.to_string())
            .collect();
        assert_eq!(
            stored, acked,
            "round {round}: exactly the acknowledged appends are stored"
        );
        m.check_integrity().unwrap();
    }
}

#[test]
fn a_failing_call_in_a_group_undoes_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let m = Maestro::open(dir.path().join("state.db"), Options::durability(Durability::Full)).unwrap();
    let p = project(&m, "group");
    let s = live_session(&m, &p.id, "shared");
    let (calls_before, commits_before) = m.write_counts();
    let failed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (m, s, p, failed) = (&m, &s, &p, &failed);
            scope.spawn(move || {
                for i in 0..60 {
                    if (t + i) % 3 == 0 {
                        // Writes, then fails: the batch must leave nothing behind.
                        let r: Result<()> = m.batch(|b| {
                            b.sessions().append(
                                &s.id,
                                NewTimelineEvent::new(TimelineType::Milestone, format!("doomed {t} {i}")),
                            )?;
                            b.tasks()
                                .create(NewTask::new(p.id.clone(), format!("doomed {t} {i}")))?;
                            Err(Error::validation("test", "/", "fail after writing"))
                        });
                        assert!(r.is_err());
                        failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    } else {
                        m.sessions()
                            .append(
                                &s.id,
                                NewTimelineEvent::new(TimelineType::Milestone, format!("kept {t} {i}")),
                            )
                            .unwrap();
                    }
                }
            });
        }
    });
    let failed = failed.into_inner();
    let timeline = m.sessions().timeline(&s.id).unwrap();
    let kept: Vec<_> = timeline.iter().filter(|e| e.message.starts_with("kept ")).collect();
    assert_eq!(kept.len(), 8 * 60 - failed, "every successful call is stored");
    assert!(failed > 0);
    assert!(
        timeline.iter().all(|e| !e.message.starts_with("doomed")),
        "no failed call left its append"
    );
    assert!(
        m.tasks()
            .list(&p.id)
            .unwrap()
            .iter()
            .all(|t| !t.title.starts_with("doomed")),
        "no failed call left its task"
    );
    let feed = m.events().since(0, &EventFilter::default(), usize::MAX).unwrap();
    assert!(
        feed.iter().all(|e| !e.payload.to_string().contains("doomed")),
        "no failed call left a feed event"
    );
    // Each thread's own appends are in its order.
    for t in 0..8 {
        let mine: Vec<usize> = kept
            .iter()
            .filter_map(|e| {
                e.message
                    .strip_prefix(&format!("kept {t} "))
                    .map(|n| n.parse().unwrap())
            })
            .collect();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "thread {t} in order");
    }
    let (calls, commits) = m.write_counts();
    let (calls, commits) = (calls - calls_before, commits - commits_before);
    assert_eq!(calls as usize, 8 * 60 - failed, "every successful call was counted");
    assert!(
        commits < calls,
        "eight threads writing at once shared commits ({calls} calls in {commits} commits)"
    );
}
