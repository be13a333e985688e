//! Sessions as stored: the session, the head a timeline append needs, the filter of a
//! listing, and timeline events.

use super::status::{SessionStatus, SpawnSource, Strategy};
use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{ProjectId, SessionId, TaskId, TimelineEventId, WorkflowId};
use crate::macros::str_enum;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An agent session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Unique id.
    pub id: SessionId,
    /// Owning project.
    pub project_id: ProjectId,
    /// The workflow it works for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// Display name.
    pub name: String,
    /// `orchestrator`, `worker` or any free text.
    pub role: String,
    /// How it picks work.
    pub strategy: Strategy,
    /// Current status.
    pub status: SessionStatus,
    /// The session that spawned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_session_id: Option<SessionId>,
    /// Who spawned it.
    pub spawn_source: SpawnSource,
    /// Environment given to the agent.
    pub env: BTreeMap<String, String>,
    /// Free-form JSON object.
    pub metadata: serde_json::Value,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change of the row.
    pub updated_at: Timestamp,
    /// When it reached a terminal status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    /// Last heartbeat or status change. Timeline appends also count as activity for
    /// [`Sessions::reap_stale`](super::Sessions::reap_stale) without rewriting this field.
    pub last_activity: Timestamp,
    /// Compare-and-swap token.
    pub version: i64,
}

impl FeedEntity for Session {
    const ENTITY: EntityKind = EntityKind::Session;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        self.workflow_id.as_ref().map(|w| w.as_str())
    }
    fn session_id(&self) -> Option<&str> {
        Some(self.id.as_str())
    }
}

/// What a timeline append needs of its session: identity, ownership and status.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionHead {
    /// The session.
    pub id: SessionId,
    /// Owning project.
    pub project_id: ProjectId,
    /// Its workflow, if any.
    pub workflow_id: Option<WorkflowId>,
    /// Current status.
    pub status: SessionStatus,
}

impl Session {
    /// The session's [`SessionHead`].
    pub fn head(&self) -> SessionHead {
        SessionHead {
            id: self.id.clone(),
            project_id: self.project_id.clone(),
            workflow_id: self.workflow_id.clone(),
            status: self.status,
        }
    }
}

/// Which sessions [`Sessions::list`](super::Sessions::list) returns. Unset fields match everything.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionFilter {
    /// Only this project.
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    /// Only this workflow.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// Only children of this session.
    #[serde(default)]
    pub parent_session_id: Option<SessionId>,
    /// Only this status.
    #[serde(default)]
    pub status: Option<SessionStatus>,
}

str_enum!(
    /// The 13 timeline event types of seed 004, and the checkpoints of linked threads.
    TimelineType, "timeline_event" {
        /// The session was spawned.
        SessionStarted => "session_started",
        /// The session ended (completed or stopped).
        SessionStopped => "session_stopped",
        /// A notable point reached.
        Milestone => "milestone",
        /// Work on a task began.
        TaskStarted => "task_started",
        /// A task was completed; metadata carries `duration_ms`.
        TaskCompleted => "task_completed",
        /// A task failed.
        TaskFailed => "task_failed",
        /// A task was skipped.
        TaskSkipped => "task_skipped",
        /// A task is blocked.
        TaskBlocked => "task_blocked",
        /// Progress report; metadata carries `progress` in [0, 1].
        Progress => "progress",
        /// The agent needs input from a human.
        NeedsInput => "needs_input",
        /// An error occurred (a failed session writes one automatically).
        Error => "error",
        /// A document was added.
        DocAdded => "doc_added",
        /// A prompt was received.
        PromptReceived => "prompt_received",
        /// A checkpoint was put on a thread linked to the session; metadata carries the
        /// thread, namespace and checkpoint ids and the checkpoint's own metadata.
        ThreadCheckpoint => "thread_checkpoint",
    }
);

impl TimelineType {
    /// Whether events of this type must name a task.
    pub fn needs_task(self) -> bool {
        matches!(
            self,
            TimelineType::TaskStarted
                | TimelineType::TaskCompleted
                | TimelineType::TaskFailed
                | TimelineType::TaskSkipped
                | TimelineType::TaskBlocked
        )
    }
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    /// Unique, time-sortable id.
    pub id: TimelineEventId,
    /// The session.
    pub session_id: SessionId,
    /// Owning project.
    pub project_id: ProjectId,
    /// The session's workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// Event type.
    #[serde(rename = "type")]
    pub kind: TimelineType,
    /// When.
    pub at: Timestamp,
    /// Human-readable message.
    pub message: String,
    /// The task concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// Free-form details.
    pub metadata: serde_json::Value,
}

impl FeedEntity for TimelineEvent {
    const ENTITY: EntityKind = EntityKind::TimelineEvent;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        self.workflow_id.as_deref()
    }
    fn session_id(&self) -> Option<&str> {
        Some(self.session_id.as_str())
    }
}
