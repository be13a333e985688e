//! Per-session FIFO queues (seed 004): queued → processing → completed | failed |
//! skipped; queued → skipped. At most one item is processing per session.

pub(crate) mod model;

pub use model::{QueueItem, QueueStatus};

use crate::error::{Error, Result};
use crate::feed;
use crate::id::{QueueItemId, SessionId, TaskId};
use crate::maestro::Ctx;
use crate::session::{self, Session};
use crate::store::WriteTx;
use crate::task::{self, TaskStatus};
use crate::time::Timestamp;

/// Operations on session queues.
#[derive(Clone, Copy)]
pub struct Queues<'a>(pub(crate) Ctx<'a>);

fn set_status(tx: &mut dyn WriteTx, item: &QueueItem, to: QueueStatus) -> Result<QueueItem> {
    if !item.status.can_become(to) {
        return Err(Error::illegal("queue_item", item.id.as_str(), item.status, to));
    }
    let mut next = item.clone();
    next.status = to;
    save_as(tx, item, next, "updated")
}

/// Writes `next` over `prev` with a compare-and-swap on `prev.version`, and its feed
/// event `queue_item.<verb>`. No transition check: callers decide what is legal.
pub(crate) fn save_as(tx: &mut dyn WriteTx, prev: &QueueItem, mut next: QueueItem, verb: &str) -> Result<QueueItem> {
    next.version = prev.version + 1;
    next.updated_at = Timestamp::now();
    if !tx.update_queue_item(&next, prev.version)? {
        return Err(Error::stale("queue_item", prev.id.as_str(), prev.version));
    }
    feed::emit(tx, verb, &next)?;
    Ok(next)
}

pub(crate) fn enqueue_in(tx: &mut dyn WriteTx, s: &Session, task_id: &TaskId) -> Result<QueueItem> {
    if s.status.is_terminal() {
        return Err(Error::conflict(
            "session",
            s.id.as_str(),
            format!("status is {}; ended sessions take no work", s.status),
        ));
    }
    let t = task::load(tx, task_id)?;
    if t.project_id != s.project_id {
        return Err(Error::validation(
            "queue_item",
            "task_id",
            format!("task {task_id} belongs to project {}", t.project_id),
        ));
    }
    if tx
        .queue(s.id.as_str())?
        .iter()
        .any(|q| q.task_id == *task_id && matches!(q.status, QueueStatus::Queued | QueueStatus::Processing))
    {
        return Err(Error::conflict(
            "task",
            task_id.as_str(),
            format!("task already waiting in the queue of {}", s.id),
        ));
    }
    let now = Timestamp::now();
    let item = QueueItem {
        id: QueueItemId::generate(),
        session_id: s.id.clone(),
        project_id: s.project_id.clone(),
        task_id: task_id.clone(),
        position: tx.max_queue_position(s.id.as_str())? + 1,
        status: QueueStatus::Queued,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    tx.insert_queue_item(&item)?;
    feed::emit(tx, "created", &item)?;
    Ok(item)
}

/// Ends a session's queue when the session ends: the processing item fails, queued ones are skipped.
pub(crate) fn release_in(tx: &mut dyn WriteTx, s: &Session) -> Result<()> {
    for item in tx.queue(s.id.as_str())? {
        match item.status {
            QueueStatus::Processing => set_status(tx, &item, QueueStatus::Failed)?,
            QueueStatus::Queued => set_status(tx, &item, QueueStatus::Skipped)?,
            _ => continue,
        };
    }
    Ok(())
}

/// Ends the session's processing `item` as `to`, moving its task to the matching status
/// with the session credited.
fn finish_in(
    tx: &mut dyn WriteTx,
    session: &SessionId,
    item: &QueueItem,
    to: QueueStatus,
    reason: Option<&str>,
) -> Result<QueueItem> {
    let s = session::load(tx, session)?;
    let t = task::load(tx, &item.task_id)?;
    let task_to = match to {
        QueueStatus::Completed => TaskStatus::Completed,
        QueueStatus::Failed => TaskStatus::Failed,
        _ => TaskStatus::Todo,
    };
    if t.status != task_to {
        task::change_status(tx, &t, task_to, Some(&s), reason)?;
    }
    set_status(tx, item, to)
}

fn processing(tx: &dyn crate::store::ReadTx, session: &SessionId) -> Result<Option<QueueItem>> {
    Ok(tx
        .queue(session.as_str())?
        .into_iter()
        .find(|q| q.status == QueueStatus::Processing))
}

impl Queues<'_> {
    /// Appends a task to the end of the session's queue.
    pub fn enqueue(&self, session: &SessionId, task: &TaskId) -> Result<QueueItem> {
        self.0.write(|tx| {
            let s = session::load(tx, session)?;
            enqueue_in(tx, &s, task)
        })
    }

    /// The session's queue in FIFO order, every status included.
    pub fn list(&self, session: &SessionId) -> Result<Vec<QueueItem>> {
        self.0.read(|tx| {
            session::load(tx, session)?;
            tx.queue(session.as_str())
        })
    }

    /// Atomically takes the first queued item whose task is ready (todo with every
    /// dependency completed): the item becomes processing, the task in_progress, the
    /// session working, and task_started is written. `None` when no queued item is
    /// ready. A conflict if the session is already processing an item.
    pub fn next(&self, session: &SessionId) -> Result<Option<QueueItem>> {
        self.0.write(|tx| {
            let s = session::load(tx, session)?;
            if let Some(p) = processing(tx, session)? {
                return Err(Error::conflict(
                    "session",
                    session.as_str(),
                    format!("already processing queue item {} (task {})", p.id, p.task_id),
                ));
            }
            for item in tx.queue(session.as_str())? {
                if item.status != QueueStatus::Queued {
                    continue;
                }
                let t = task::load(tx, &item.task_id)?;
                if t.status != TaskStatus::Todo || !tx.dependencies_met(t.id.as_str())? {
                    continue;
                }
                let s = session::start_work(tx, &s)?;
                task::change_status(tx, &t, TaskStatus::InProgress, Some(&s), None)?;
                return set_status(tx, &item, QueueStatus::Processing).map(Some);
            }
            Ok(None)
        })
    }

    fn finish(&self, session: &SessionId, to: QueueStatus, reason: Option<&str>) -> Result<QueueItem> {
        self.0.write(|tx| {
            let item = processing(tx, session)?
                .ok_or_else(|| Error::conflict("session", session.as_str(), "no queue item is processing"))?;
            finish_in(tx, session, &item, to, reason)
        })
    }

    /// Completes the processing item and its task (task_completed carries the duration).
    /// The session stays `working` until it says otherwise (`idle` to wait, `complete` when done).
    pub fn complete(&self, session: &SessionId) -> Result<QueueItem> {
        self.finish(session, QueueStatus::Completed, None)
    }

    /// Fails the processing item and its task.
    pub fn fail(&self, session: &SessionId, reason: &str) -> Result<QueueItem> {
        self.finish(session, QueueStatus::Failed, Some(reason))
    }

    /// Skips an item: a queued one is dropped; a processing one gives its task back to `todo`.
    pub fn skip(&self, session: &SessionId, item: &QueueItemId) -> Result<QueueItem> {
        self.0.write(|tx| {
            let q = tx
                .queue_item(item.as_str())?
                .filter(|q| q.session_id == *session)
                .ok_or_else(|| Error::not_found("queue_item", item.as_str()))?;
            if q.status == QueueStatus::Processing {
                finish_in(tx, session, &q, QueueStatus::Skipped, Some("skipped"))
            } else {
                set_status(tx, &q, QueueStatus::Skipped)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::QueueStatus::{self, *};

    #[test]
    fn transition_table() {
        let legal = [
            (Queued, Processing),
            (Queued, Skipped),
            (Processing, Completed),
            (Processing, Failed),
            (Processing, Skipped),
        ];
        for from in QueueStatus::ALL {
            for to in QueueStatus::ALL {
                assert_eq!(from.can_become(*to), legal.contains(&(*from, *to)), "{from} → {to}");
            }
        }
    }
}
