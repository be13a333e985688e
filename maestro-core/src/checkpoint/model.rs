//! Checkpoints as stored, with the workflow state each one keeps.

use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{CheckpointId, ProjectId, QueueItemId, SessionId, TaskId, WorkflowId};
use crate::macros::str_enum;
use crate::queue::model::QueueStatus;
use crate::session::status::SessionStatus;
use crate::task::status::TaskStatus;
use crate::time::Timestamp;
use crate::workflow::status::WorkflowStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

str_enum!(
    /// Why a checkpoint was taken (seed 000).
    CheckpointType, "checkpoint" {
        /// A phase finished.
        PhaseComplete => "phase_complete",
        /// A group of tasks finished.
        TaskGroupComplete => "task_group_complete",
        /// A known-good state.
        SafeState => "safe_state",
        /// Before something risky.
        PreRiskyOperation => "pre_risky_operation",
        /// After recovering from an error.
        ErrorRecovery => "error_recovery",
        /// Taken by hand.
        Manual => "manual",
    }
);

/// A checkpoint of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Unique id.
    pub id: CheckpointId,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Owning project.
    pub project_id: ProjectId,
    /// The session that took it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// When.
    pub at: Timestamp,
    /// The commit it points at; `None` for a state-only checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_sha: Option<String>,
    /// The commit message used (or that would have been).
    pub commit_message: String,
    /// Free description.
    pub description: String,
    /// The workflow's phase when taken.
    pub phase: String,
    /// Why it was taken.
    #[serde(rename = "type")]
    pub kind: CheckpointType,
    /// The workflow's state when taken.
    pub state_snapshot: StateSnapshot,
    /// Free tags.
    pub tags: Vec<String>,
    /// Whether a rollback to it ever happened.
    pub rollback_used: bool,
    /// How many rollbacks to it happened.
    pub rollback_count: i64,
    /// False once `verify` found its commit gone.
    pub valid: bool,
    /// Compare-and-swap token.
    pub version: i64,
}

impl FeedEntity for Checkpoint {
    const ENTITY: EntityKind = EntityKind::Checkpoint;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        Some(self.workflow_id.as_str())
    }
}

/// A task's status at the checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    /// The task.
    pub id: TaskId,
    /// Its status then.
    pub status: TaskStatus,
}

/// A queue item's place and status at the checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueState {
    /// The item.
    pub id: QueueItemId,
    /// Its session.
    pub session_id: SessionId,
    /// Its task.
    pub task_id: TaskId,
    /// Its FIFO position then.
    pub position: i64,
    /// Its status then.
    pub status: QueueStatus,
}

/// A session's status at the checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    /// The session.
    pub id: SessionId,
    /// Its status then.
    pub status: SessionStatus,
}

/// The workflow's state when a checkpoint was taken: its phase and status, and the
/// tasks, sessions and queue items that belong to the workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    /// Phase then.
    pub phase: String,
    /// Workflow status then.
    pub workflow_status: WorkflowStatus,
    /// The workflow's tasks, oldest first.
    pub tasks: Vec<TaskState>,
    /// The workflow's sessions, oldest first.
    pub sessions: Vec<SessionState>,
    /// The queues of those sessions, in FIFO order.
    pub queue: Vec<QueueState>,
    /// `tasks.<status>` and `sessions.<status>` counts.
    pub counts: BTreeMap<String, usize>,
}
