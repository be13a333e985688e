//! The learning layer's data as stored: advice aggregates, label precedence counts and
//! workflow orders, failures, cached documentation and learning records. The rules that
//! change and read them live in the sibling modules.

use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{DecisionId, FailureId, ProjectId, TaskId, WorkflowId};
use crate::macros::str_enum;
use crate::time::Timestamp;
use crate::workflow::status::WorkflowStatus;
use serde::{Deserialize, Serialize};

str_enum!(
    /// What a decision's subject chose.
    ChoiceKind, "advice" {
        /// `subject.technology` (postgresql).
        Technology => "technology",
        /// `subject.pattern` (repository pattern).
        Pattern => "pattern",
    }
);

/// Which aggregate: one choice within one decision category and subject category of a
/// project. Names compare exactly. Decisions without a subject category use `""`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChoiceKey {
    /// The project.
    pub project_id: ProjectId,
    /// The decision category (tech_stack, architecture, ...).
    pub decision_category: String,
    /// The subject category (database, auth, ...), `""` when the subject had none.
    pub subject_category: String,
    /// Technology or pattern.
    pub kind: ChoiceKind,
    /// The technology or pattern.
    pub name: String,
}

/// How often one issue was reported in current outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueCount {
    /// The issue text, as reported.
    pub issue: String,
    /// Decisions whose current outcome reports it.
    pub count: i64,
}

/// The aggregate of one choice. `outcome_count` counts decisions with an outcome (their
/// latest revision); `success_count + partial_count + failure_count == outcome_count`,
/// where failure means failed or reverted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceStat {
    /// The project; absent when the statistics merge every project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// The decision category.
    pub decision_category: String,
    /// The subject category; absent for decisions whose subject had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_category: Option<String>,
    /// Technology or pattern.
    pub kind: ChoiceKind,
    /// The technology or pattern.
    pub name: String,
    /// Decisions that chose it.
    pub usage_count: i64,
    /// Of those, decisions with an outcome.
    pub outcome_count: i64,
    /// Current outcome successful.
    pub success_count: i64,
    /// Current outcome partial.
    pub partial_count: i64,
    /// Current outcome failed or reverted.
    pub failure_count: i64,
    /// `success_count / outcome_count`, 0 without outcomes.
    pub success_rate: f64,
    /// The rank: the Wilson lower bound of the success rate, see [`wilson_lower_bound`](super::wilson_lower_bound).
    pub score: f64,
    /// When a decision last chose it.
    pub last_used: Timestamp,
    /// When an outcome revision last recorded it as failed or reverted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failed: Option<Timestamp>,
    /// Issues reported in current outcomes, most reported first (the top few in
    /// recommendations, all of them in [`Learning::stats`](super::Learning::stats)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<IssueCount>,
}

impl ChoiceStat {
    /// A zero aggregate for `key`, first used at `at`.
    pub(crate) fn empty(key: &ChoiceKey, at: Timestamp) -> Self {
        ChoiceStat {
            project_id: Some(key.project_id.clone()),
            decision_category: key.decision_category.clone(),
            subject_category: (!key.subject_category.is_empty()).then(|| key.subject_category.clone()),
            kind: key.kind,
            name: key.name.clone(),
            usage_count: 0,
            outcome_count: 0,
            success_count: 0,
            partial_count: 0,
            failure_count: 0,
            success_rate: 0.0,
            score: 0.0,
            last_used: at,
            last_failed: None,
            issues: Vec::new(),
        }
    }

    /// The key of a per-project aggregate; `None` for a merged one.
    pub fn key(&self) -> Option<ChoiceKey> {
        Some(ChoiceKey {
            project_id: self.project_id.clone()?,
            decision_category: self.decision_category.clone(),
            subject_category: self.subject_category.clone().unwrap_or_default(),
            kind: self.kind,
            name: self.name.clone(),
        })
    }
}

/// The issues of one choice in one project, as the store lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceIssues {
    /// The decision category.
    pub decision_category: String,
    /// The subject category (`""` for none).
    pub subject_category: String,
    /// Technology or pattern.
    pub kind: ChoiceKind,
    /// The technology or pattern.
    pub name: String,
    /// Each issue and how often it was reported, in any order.
    pub issues: Vec<IssueCount>,
}

/// Which aggregates a query reads. Unset fields match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdviceFilter {
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this decision category.
    pub decision_category: Option<String>,
    /// Only this subject category (`""`: decisions whose subject had none).
    pub subject_category: Option<String>,
}

/// How often label `before` preceded label `after` in a project's ended workflows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairStat {
    /// The project.
    pub project_id: ProjectId,
    /// The label that went first.
    pub before: String,
    /// The label that went after it.
    pub after: String,
    /// Completed workflows where it happened.
    pub completed: i64,
    /// Failed workflows where it happened.
    pub failed: i64,
    /// When a workflow last showed it.
    pub last_seen: Timestamp,
}

/// One completed task of an ended workflow, in completion order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderedTask {
    /// The task.
    pub task_id: TaskId,
    /// Its labels.
    pub labels: Vec<String>,
    /// When it completed.
    pub completed_at: Timestamp,
}

/// The task order of one ended workflow, kept after the workflow is deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowOrdering {
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Its project.
    pub project_id: ProjectId,
    /// Its feature.
    pub feature: String,
    /// `completed` or `failed`.
    pub status: WorkflowStatus,
    /// When it ended.
    pub ended_at: Timestamp,
    /// Its completed tasks in completion order.
    pub order: Vec<OrderedTask>,
}

/// A recorded failure (`schemas/failure.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// Unique id.
    pub id: FailureId,
    /// The project.
    pub project_id: ProjectId,
    /// The workflow it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// The feature concerned.
    pub feature: String,
    /// What was tried.
    pub approach: String,
    /// Why it failed.
    pub why_failed: String,
    /// What to do instead.
    pub lesson: String,
    /// The decision that chose the approach, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_decision: Option<DecisionId>,
    /// Free tags.
    pub tags: Vec<String>,
    /// The embedding: returned by `record_failure`, left out of query results and of the
    /// change feed (a 384-dimension vector would be most of every payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

impl FeedEntity for Failure {
    const ENTITY: EntityKind = EntityKind::Failure;
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

/// One cached document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocsEntry {
    /// The library.
    pub library: String,
    /// Its version.
    pub version: String,
    /// The documentation.
    pub content: String,
    /// When it was stored.
    pub stored_at: Timestamp,
    /// When it expires: from then on it is never returned.
    pub expires_at: Timestamp,
}

str_enum!(
    /// The kind of a stored learning record.
    RecordKind, "learning_record" {
        /// An [`super::Estimate`]: key feature, num complexity, flag has actual.
        Estimate => "estimate",
        /// A [`super::Retrospective`]: key feature.
        Retrospective => "retrospective",
        /// A [`super::Spike`]: key feature, flag viable.
        Spike => "spike",
        /// An [`super::AgentLog`]: key agent, num duration, flag success.
        AgentLog => "agent_log",
        /// A [`super::ComplexitySnapshot`]: key file, num complexity.
        ComplexitySnapshot => "complexity_snapshot",
        /// A [`super::PatternUsage`]: key pattern, num compliance.
        PatternUsage => "pattern_usage",
    }
);

/// A learning record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// What it is.
    pub kind: RecordKind,
    /// Its id.
    pub id: String,
    /// Its project.
    pub project_id: ProjectId,
    /// Its workflow, if any.
    pub workflow_id: Option<WorkflowId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// The grouping column (feature, agent, file, pattern).
    pub key: String,
    /// The measured value (complexity, duration, compliance), 0 when none.
    pub num: f64,
    /// The yes/no column (has actual, viable, success).
    pub flag: bool,
    /// The record's JSON document.
    pub doc: String,
}

/// Which records a query reads.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordFilter {
    /// The kind.
    pub kind: RecordKind,
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this key.
    pub key: Option<String>,
    /// Only records at or after this time.
    pub since: Option<Timestamp>,
}

impl RecordFilter {
    /// Every record of `kind`.
    pub fn of(kind: RecordKind) -> Self {
        RecordFilter {
            kind,
            project_id: None,
            key: None,
            since: None,
        }
    }
}
