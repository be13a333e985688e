//! The decision document (seed 000): what was decided, why, what else was considered,
//! and — recorded later, amendable with history — how it turned out.

use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{DecisionId, ProjectId, SessionId, TaskId, WorkflowId};
use crate::macros::str_enum;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

str_enum!(
    /// The built-in decision categories. A project may register more (see
    /// [`crate::Decisions::register_category`]); a decision's category is a plain string.
    DecisionCategory, "decision" {
        /// Which language, framework, library or service to use.
        TechStack => "tech_stack",
        /// How the system is structured.
        Architecture => "architecture",
        /// Which task goes before which.
        TaskOrdering => "task_ordering",
        /// How to get past a failure.
        ErrorRecovery => "error_recovery",
        /// What to hand to a sub-agent.
        SubagentDelegation => "subagent_delegation",
        /// How to check the work.
        Validation => "validation",
        /// When to checkpoint or roll back.
        Checkpoint => "checkpoint",
    }
);

str_enum!(
    /// How sure the decider was.
    Confidence, "decision" {
        /// Strong evidence.
        High => "high",
        /// Some evidence.
        Medium => "medium",
        /// A guess.
        Low => "low",
    }
);

str_enum!(
    /// How far a decision reaches.
    Scope, "decision" {
        /// One task.
        Task => "task",
        /// One session.
        Session => "session",
        /// The whole codebase.
        Codebase => "codebase",
    }
);

str_enum!(
    /// How much could go wrong.
    RiskLevel, "decision" {
        /// Little.
        Low => "low",
        /// Some.
        Medium => "medium",
        /// A lot.
        High => "high",
    }
);

str_enum!(
    /// How hard a decision is to undo.
    Reversibility, "decision" {
        /// Cheap to undo.
        Easy => "easy",
        /// Some work to undo.
        Moderate => "moderate",
        /// Expensive to undo.
        Difficult => "difficult",
    }
);

str_enum!(
    /// How a decision turned out.
    OutcomeStatus, "decision_outcome" {
        /// It worked.
        Successful => "successful",
        /// It partly worked.
        Partial => "partial",
        /// It did not work.
        Failed => "failed",
        /// It was undone.
        Reverted => "reverted",
    }
);

/// An option that was considered and not taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// The option.
    pub option: String,
    /// Why it lost.
    pub reason_rejected: String,
}

/// What the decision was based on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionContext {
    /// Where the evidence came from (documents, URLs, earlier decisions).
    #[serde(default)]
    pub sources: Vec<String>,
    /// How sure the decider was.
    pub confidence: Confidence,
}

/// What the decision affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    /// How far it reaches.
    pub scope: Scope,
    /// How much could go wrong.
    pub risk_level: RiskLevel,
    /// How hard it is to undo.
    pub reversibility: Reversibility,
}

/// What the decision is about, for learning: "a `database` choice of `postgresql`".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// The kind of thing chosen (`database`, `auth`, `queue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The technology chosen (`postgresql`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technology: Option<String>,
    /// The pattern chosen (`repository`, `event_sourcing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl Subject {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.category.is_none() && self.technology.is_none() && self.pattern.is_none()
    }
}

/// How a decision turned out, as recorded (or amended) at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// 1 for the first record, +1 per amendment.
    pub revision: u32,
    /// The verdict.
    pub status: OutcomeStatus,
    /// Problems met.
    #[serde(default)]
    pub issues: Vec<String>,
    /// Whether the decider would choose the same again, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub would_choose_again: Option<bool>,
    /// Free notes.
    #[serde(default)]
    pub notes: String,
    /// When this revision was recorded.
    pub at: Timestamp,
}

/// An outcome to record; the revision and time are assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOutcome {
    /// The verdict.
    pub status: OutcomeStatus,
    /// Problems met.
    #[serde(default)]
    pub issues: Vec<String>,
    /// Whether the decider would choose the same again, when known.
    #[serde(default)]
    pub would_choose_again: Option<bool>,
    /// Free notes.
    #[serde(default)]
    pub notes: String,
}

impl NewOutcome {
    /// An outcome with a status and nothing else.
    pub fn new(status: OutcomeStatus) -> Self {
        NewOutcome {
            status,
            issues: Vec::new(),
            would_choose_again: None,
            notes: String::new(),
        }
    }
}

/// A recorded decision. Its fields never change after recording; only `outcomes` grows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Unique id.
    pub id: DecisionId,
    /// The workflow it belongs to.
    pub workflow_id: WorkflowId,
    /// Owning project.
    pub project_id: ProjectId,
    /// The session that made it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// The task it was made for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// A built-in [`DecisionCategory`] or one registered for the project.
    pub category: String,
    /// The workflow's phase when it was recorded.
    pub phase: String,
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// What else was considered, and why each lost.
    #[serde(default)]
    pub alternatives_considered: Vec<Alternative>,
    /// What it was based on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<DecisionContext>,
    /// What it affects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// What it is about, for learning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// The decision this one refines or follows from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_decision_id: Option<DecisionId>,
    /// Other related decisions.
    #[serde(default)]
    pub related: Vec<DecisionId>,
    /// Every outcome revision, oldest first; the last is the current one.
    #[serde(default)]
    pub outcomes: Vec<Outcome>,
}

impl Decision {
    /// The current outcome, if one was recorded.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcomes.last()
    }
}

impl FeedEntity for Decision {
    const ENTITY: EntityKind = EntityKind::Decision;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        Some(self.workflow_id.as_str())
    }
    fn session_id(&self) -> Option<&str> {
        self.session_id.as_ref().map(|s| s.as_str())
    }
}

/// A decision to record. The id, time and phase are filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    /// The workflow it belongs to.
    pub workflow_id: WorkflowId,
    /// The session making it, if any.
    #[serde(default)]
    pub session_id: Option<SessionId>,
    /// The task it is made for, if any.
    #[serde(default)]
    pub task_id: Option<TaskId>,
    /// A built-in [`DecisionCategory`] or one registered for the project.
    pub category: String,
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// What else was considered.
    #[serde(default)]
    pub alternatives_considered: Vec<Alternative>,
    /// What it was based on.
    #[serde(default)]
    pub context: Option<DecisionContext>,
    /// What it affects.
    #[serde(default)]
    pub impact: Option<Impact>,
    /// What it is about.
    #[serde(default)]
    pub subject: Option<Subject>,
    /// The decision this one refines or follows from.
    #[serde(default)]
    pub parent_decision_id: Option<DecisionId>,
    /// Other related decisions.
    #[serde(default)]
    pub related: Vec<DecisionId>,
}

impl NewDecision {
    /// A decision with the required fields and nothing else.
    pub fn new(
        workflow_id: WorkflowId,
        category: impl Into<String>,
        decision: impl Into<String>,
        rationale: impl Into<String>,
    ) -> Self {
        NewDecision {
            workflow_id,
            session_id: None,
            task_id: None,
            category: category.into(),
            decision: decision.into(),
            rationale: rationale.into(),
            alternatives_considered: Vec::new(),
            context: None,
            impact: None,
            subject: None,
            parent_decision_id: None,
            related: Vec::new(),
        }
    }
}

/// Which decisions a query wants. Unset fields match everything; all set fields must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionFilter {
    /// Only this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// Only this workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// Only this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Only this subject category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_category: Option<String>,
    /// Only this technology.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technology: Option<String>,
    /// Only this pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Only decisions whose current outcome has this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeStatus>,
}

/// A category a project registered beyond the built-ins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryDef {
    /// The project.
    pub project_id: ProjectId,
    /// The name (`[a-z0-9_]{1,64}`).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// When it was registered.
    pub created_at: Timestamp,
}

impl FeedEntity for CategoryDef {
    const ENTITY: EntityKind = EntityKind::DecisionCategory;
    fn entity_id(&self) -> &str {
        &self.name
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        None
    }
}
