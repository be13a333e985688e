//! Queue items as stored, and the statuses they move through.

use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{ProjectId, QueueItemId, SessionId, TaskId};
use crate::macros::str_enum;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

str_enum!(
    /// Where a queue item is.
    QueueStatus, "queue_item" {
        /// Waiting its turn.
        Queued => "queued",
        /// Taken by `next`; the session works on it.
        Processing => "processing",
        /// Done.
        Completed => "completed",
        /// Failed.
        Failed => "failed",
        /// Skipped.
        Skipped => "skipped",
    }
);

impl QueueStatus {
    /// queued → processing | skipped; processing → completed | failed | skipped.
    pub fn can_become(self, to: QueueStatus) -> bool {
        use QueueStatus::*;
        matches!(
            (self, to),
            (Queued, Processing)
                | (Queued, Skipped)
                | (Processing, Completed)
                | (Processing, Failed)
                | (Processing, Skipped)
        )
    }
}

/// One entry of a session's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    /// Unique id.
    pub id: QueueItemId,
    /// The session owning the queue.
    pub session_id: SessionId,
    /// Owning project.
    pub project_id: ProjectId,
    /// The task to work on.
    pub task_id: TaskId,
    /// FIFO position, increasing.
    pub position: i64,
    /// Current status.
    pub status: QueueStatus,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Compare-and-swap token.
    pub version: i64,
}

impl FeedEntity for QueueItem {
    const ENTITY: EntityKind = EntityKind::QueueItem;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        None
    }
    fn session_id(&self) -> Option<&str> {
        Some(self.session_id.as_str())
    }
}
