//! The storage seam of workflows: the workflow rows, their history, the votes cast on
//! their gates, and the versioned spec and steering documents. The rules (phase models,
//! gates, quorums) live in [`crate::workflow`].

use crate::error::Result;
use crate::id::ProjectId;
use crate::workflow::model::{HistoryEntry, SpecDocument, SteeringDocument, Vote, Workflow};

/// Workflow queries available inside any transaction.
pub trait WorkflowRead {
    /// Workflow by id.
    fn workflow(&self, id: &str) -> Result<Option<Workflow>>;
    /// A project's workflows, oldest first.
    fn workflows(&self, project: &str) -> Result<Vec<Workflow>>;
    /// A workflow's project and current phase, without decoding its model.
    fn workflow_phase(&self, id: &str) -> Result<Option<(ProjectId, String)>>;
    /// A workflow's history, in commit order.
    fn history(&self, workflow: &str) -> Result<Vec<HistoryEntry>>;
    /// Votes cast on a workflow's gates during `epoch`, in commit order.
    fn votes(&self, workflow: &str, epoch: i64) -> Result<Vec<Vote>>;
    /// Every vote ever cast on a workflow's gates, in commit order.
    fn all_votes(&self, workflow: &str) -> Result<Vec<Vote>>;
    /// Every version of every spec document of a workflow, by kind then version.
    fn all_spec_documents(&self, workflow: &str) -> Result<Vec<SpecDocument>>;
    /// Every version of every steering document of a project, by domain then version.
    fn all_steering_documents(&self, project: &str) -> Result<Vec<SteeringDocument>>;
    /// Highest version of a spec document, 0 when there is none.
    fn latest_spec_version(&self, workflow: &str, kind: &str) -> Result<i64>;
    /// One version of a spec document.
    fn spec_document(&self, workflow: &str, kind: &str, version: i64) -> Result<Option<SpecDocument>>;
    /// Every version of a spec document, oldest first.
    fn spec_documents(&self, workflow: &str, kind: &str) -> Result<Vec<SpecDocument>>;
    /// Highest version of a steering document, 0 when there is none.
    fn latest_steering_version(&self, project: &str, domain: &str) -> Result<i64>;
    /// The latest version of each steering domain of a project, ordered by domain.
    fn latest_steering_documents(&self, project: &str) -> Result<Vec<SteeringDocument>>;
}

/// Workflow mutations, available inside a write transaction.
/// `update_*` methods are compare-and-swap: they write only when the stored version equals
/// `expected_version` and return whether they wrote.
pub trait WorkflowWrite {
    /// Inserts a workflow.
    fn insert_workflow(&mut self, w: &Workflow) -> Result<()>;
    /// Compare-and-swap update of a workflow.
    fn update_workflow(&mut self, w: &Workflow, expected_version: i64) -> Result<bool>;
    /// Appends a history row (its `seq` is assigned by the store).
    fn insert_history(&mut self, h: &HistoryEntry) -> Result<()>;
    /// Inserts a vote.
    fn insert_vote(&mut self, v: &Vote) -> Result<()>;
    /// Inserts a spec document version.
    fn insert_spec_document(&mut self, d: &SpecDocument) -> Result<()>;
    /// Inserts a steering document version.
    fn insert_steering_document(&mut self, d: &SteeringDocument) -> Result<()>;
}
