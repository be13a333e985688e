//! Taking the workflow state a checkpoint keeps, and putting it back.

use super::model::{QueueState, SessionState, StateSnapshot, TaskState};
use crate::error::Result;
use crate::queue::{self, QueueItem, QueueStatus};
use crate::session::SessionFilter;
use crate::store::{ReadTx, WriteTx};
use crate::task::{self, TaskStatus};
use crate::workflow::Workflow;
use std::collections::BTreeMap;

/// Reads the snapshot of `wf` inside the current transaction.
pub(crate) fn capture(tx: &dyn ReadTx, wf: &Workflow) -> Result<StateSnapshot> {
    let tasks: Vec<TaskState> = tx
        .tasks(wf.project_id.as_str())?
        .into_iter()
        .filter(|t| t.workflow_id.as_ref() == Some(&wf.id))
        .map(|t| TaskState {
            id: t.id,
            status: t.status,
        })
        .collect();
    let filter = SessionFilter {
        workflow_id: Some(wf.id.clone()),
        ..Default::default()
    };
    let sessions: Vec<SessionState> = tx
        .sessions(&filter)?
        .into_iter()
        .map(|s| SessionState {
            id: s.id,
            status: s.status,
        })
        .collect();
    let mut queue = Vec::new();
    for s in &sessions {
        queue.extend(tx.queue(s.id.as_str())?.into_iter().map(|q| QueueState {
            id: q.id,
            session_id: q.session_id,
            task_id: q.task_id,
            position: q.position,
            status: q.status,
        }));
    }
    let mut counts = BTreeMap::new();
    for t in &tasks {
        *counts.entry(format!("tasks.{}", t.status)).or_insert(0) += 1;
    }
    for s in &sessions {
        *counts.entry(format!("sessions.{}", s.status)).or_insert(0) += 1;
    }
    Ok(StateSnapshot {
        phase: wf.phase.clone(),
        workflow_status: wf.status,
        tasks,
        sessions,
        queue,
        counts,
    })
}

fn save_item(tx: &mut dyn WriteTx, prev: &QueueItem, status: QueueStatus, position: i64) -> Result<()> {
    let mut next = prev.clone();
    next.status = status;
    next.position = position;
    queue::save_as(tx, prev, next, "restored")?;
    Ok(())
}

/// Puts task statuses and queue positions back as they were in `snap`, through the
/// change feed (`task.restored`, `queue_item.restored`). Restoring is not a transition:
/// it may move a task where the transition table would not. A task that was in hand
/// (in progress, in review, blocked) goes back to that status only while a live session
/// still holds it, and to `todo` otherwise. Queues of sessions that have ended are left
/// alone; in live sessions, items created after the checkpoint that are still waiting
/// or processing are skipped. Returns how many tasks changed.
pub(crate) fn restore(tx: &mut dyn WriteTx, snap: &StateSnapshot) -> Result<usize> {
    let mut changed = 0;
    for ts in &snap.tasks {
        let Some(t) = tx.task(ts.id.as_str())? else { continue };
        // A task can only be back in hand if a live session still holds it; otherwise it
        // goes back to todo, where it can be claimed again.
        let mut to = ts.status;
        if matches!(to, TaskStatus::InProgress | TaskStatus::InReview | TaskStatus::Blocked) {
            let mut held = false;
            for l in tx
                .links_of_task(t.id.as_str())?
                .into_iter()
                .filter(|l| l.status.is_live())
            {
                held |= tx
                    .session(l.session_id.as_str())?
                    .is_some_and(|s| !s.status.is_terminal());
            }
            if !held {
                to = TaskStatus::Todo;
            }
        }
        if t.status != to {
            task::restore_status(tx, &t, to)?;
            changed += 1;
        }
    }
    // Free every "processing" slot first, so the one-processing-item-per-session rule
    // holds at each step.
    let then: BTreeMap<&str, &QueueState> = snap.queue.iter().map(|q| (q.id.as_str(), q)).collect();
    // Queues of sessions that have ended since stay as their ending left them.
    let mut live = Vec::new();
    for s in &snap.sessions {
        if tx.session(s.id.as_str())?.is_some_and(|now| !now.status.is_terminal()) {
            live.push(s.id.clone());
        }
    }
    for s in &live {
        for item in tx.queue(s.as_str())? {
            match then.get(item.id.as_str()) {
                Some(q)
                    if q.status != QueueStatus::Processing
                        && (q.status != item.status || q.position != item.position) =>
                {
                    save_item(tx, &item, q.status, q.position)?
                }
                None if matches!(item.status, QueueStatus::Queued | QueueStatus::Processing) => {
                    save_item(tx, &item, QueueStatus::Skipped, item.position)?
                }
                _ => {}
            }
        }
    }
    for q in snap
        .queue
        .iter()
        .filter(|q| q.status == QueueStatus::Processing && live.contains(&q.session_id))
    {
        if let Some(item) = tx.queue_item(q.id.as_str())? {
            if item.status != q.status || item.position != q.position {
                save_item(tx, &item, q.status, q.position)?;
            }
        }
    }
    Ok(changed)
}
