//! Workflows as stored: the workflow, its history rows, the votes on its gates, and the
//! versioned spec and steering documents.

use super::phase_model::PhaseModel;
use super::status::WorkflowStatus;
use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{ProjectId, VoteId, WorkflowId};
use crate::macros::str_enum;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A feature's run through phases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Unique id.
    pub id: WorkflowId,
    /// Owning project.
    pub project_id: ProjectId,
    /// Short feature name.
    pub feature: String,
    /// The original request in the user's words.
    pub request: String,
    /// The phase model, copied at creation so later model changes never affect a running workflow.
    pub model: PhaseModel,
    /// Current phase.
    pub phase: String,
    /// Current status.
    pub status: WorkflowStatus,
    /// Number of phase changes so far; votes count only within the current epoch.
    pub epoch: i64,
    /// Why the workflow failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// When it completed or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    /// Compare-and-swap token, incremented by every change.
    pub version: i64,
}

impl FeedEntity for Workflow {
    const ENTITY: EntityKind = EntityKind::Workflow;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        Some(self.id.as_str())
    }
}

str_enum!(
    /// What a history row records.
    HistoryKind, "workflow" {
        /// The workflow was created.
        Created => "created",
        /// The phase changed.
        Transition => "transition",
        /// A vote was cast on an approval gate.
        Vote => "vote",
        /// The workflow was paused.
        Paused => "paused",
        /// The workflow was resumed.
        Resumed => "resumed",
        /// The workflow failed.
        Failed => "failed",
        /// The work was rolled back to a checkpoint.
        Rollback => "rollback",
    }
);

/// An immutable history row: every phase change, status change and vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Order of the row within the database.
    pub seq: i64,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// What happened.
    pub kind: HistoryKind,
    /// The phase after the change.
    pub phase: String,
    /// The status after the change.
    pub status: WorkflowStatus,
    /// When.
    pub at: Timestamp,
    /// Who did it.
    pub actor: String,
    /// Kind-specific details (`from`, `to`, `approve`, `reason`, ...).
    pub details: serde_json::Value,
}

/// A vote on an approval gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vote {
    /// Unique id.
    pub id: VoteId,
    /// The workflow voted on.
    pub workflow_id: WorkflowId,
    /// Owning project.
    pub project_id: ProjectId,
    /// The epoch the vote belongs to; a phase change starts a new round.
    pub epoch: i64,
    /// Phase the gate leaves.
    pub from: String,
    /// Phase the gate leads to.
    pub to: String,
    /// Who voted.
    pub voter: String,
    /// Approve (`true`) or reject.
    pub approve: bool,
    /// Optional comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When.
    pub at: Timestamp,
}

impl FeedEntity for Vote {
    const ENTITY: EntityKind = EntityKind::Vote;
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

/// One version of a workflow's spec document (`requirements`, `design`, `tasks` or a custom kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecDocument {
    /// `<workflow_id>:<kind>:<version>`.
    pub id: String,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Owning project.
    pub project_id: ProjectId,
    /// Document kind, `[a-z0-9_]{1,64}`.
    pub kind: String,
    /// 1 for the first put, then +1 per put.
    pub version: i64,
    /// The document text.
    pub content: String,
    /// Who wrote this version.
    pub author: String,
    /// When.
    pub created_at: Timestamp,
}

impl FeedEntity for SpecDocument {
    const ENTITY: EntityKind = EntityKind::SpecDocument;
    fn entity_id(&self) -> &str {
        &self.id
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        Some(self.workflow_id.as_str())
    }
}

/// One version of a project's steering document for a domain (`product`, `tech`, `structure`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SteeringDocument {
    /// `<project_id>:<domain>:<version>`.
    pub id: String,
    /// Owning project.
    pub project_id: ProjectId,
    /// Domain, `[a-z0-9_]{1,64}`.
    pub domain: String,
    /// 1 for the first put, then +1 per put.
    pub version: i64,
    /// The document text.
    pub content: String,
    /// Agent types this document is meant for; empty means every agent.
    pub audiences: Vec<String>,
    /// When.
    pub created_at: Timestamp,
}

impl FeedEntity for SteeringDocument {
    const ENTITY: EntityKind = EntityKind::SteeringDocument;
    fn entity_id(&self) -> &str {
        &self.id
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        None
    }
}
