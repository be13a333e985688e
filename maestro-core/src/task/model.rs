//! Tasks as stored: the task with its dependencies, a session's link to a task, and the
//! filter of a claim.

use super::status::{LinkStatus, Priority, TaskStatus};
use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{ProjectId, SessionId, TaskId, WorkflowId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A unit of work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Unique id.
    pub id: TaskId,
    /// Owning project.
    pub project_id: ProjectId,
    /// Workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// Parent task, if this is a subtask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<TaskId>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Current status.
    pub status: TaskStatus,
    /// Priority.
    pub priority: Priority,
    /// Free labels (`database`, `backend`, ...).
    pub labels: Vec<String>,
    /// Estimated effort, in the caller's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<f64>,
    /// Tasks that must be completed before this one is ready, sorted.
    pub depends_on: Vec<TaskId>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Compare-and-swap token.
    pub version: i64,
}

impl FeedEntity for Task {
    const ENTITY: EntityKind = EntityKind::Task;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        self.workflow_id.as_ref().map(|w| w.as_str())
    }
}

/// One session's relation to one task, with its own status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionTask {
    /// `<session_id>:<task_id>`, the link's identity on the change feed.
    pub id: String,
    /// The session.
    pub session_id: SessionId,
    /// The task.
    pub task_id: TaskId,
    /// Owning project.
    pub project_id: ProjectId,
    /// The session's status on this task.
    pub status: LinkStatus,
    /// When the link was created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

impl FeedEntity for SessionTask {
    const ENTITY: EntityKind = EntityKind::SessionTask;
    fn entity_id(&self) -> &str {
        &self.id
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

/// Which ready tasks a claim may take. Unset fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimFilter {
    /// Only tasks carrying at least one of these labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Only tasks of this workflow.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
}
