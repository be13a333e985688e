//! The learning layer (SPEC §3.9): turns history into advice.
//!
//! - [`advice`]: technologies and patterns per decision category, ranked by the Wilson
//!   lower bound of their success rate, with an avoid list ([`Learning::recommend`]);
//! - [`ordering`]: precedence rules between task labels and an order for new tasks
//!   ([`Learning::suggest_order`]);
//! - [`failures`]: failures and lessons, found by cosine similarity of caller-supplied
//!   embeddings and full-text ranking ([`Learning::similar_failures`]);
//! - [`estimates`]: estimated vs actual effort and its correction
//!   ([`Learning::correction_factor`], [`Learning::corrected_estimate`]);
//! - retrospectives, spikes, agent logs, complexity snapshots, pattern usage and the
//!   docs cache;
//! - [`historical`]: the seed-000 historical export.
//!
//! Aggregates change in the transaction that records the fact they count (a decision, an
//! outcome, a workflow's end), never by scanning, and they outlive the workflows they
//! came from: only deleting the project removes them.

pub mod advice;
mod agents;
mod complexity;
mod docs;
pub mod estimates;
pub mod failures;
pub mod historical;
mod journal;
pub(crate) mod model;
pub mod ordering;
mod patterns;
pub(crate) mod records;
mod thresholds;

pub use advice::{wilson_lower_bound, Avoid, Recommendation};
pub use agents::{AgentLog, AgentStats, NewAgentLog};
pub use complexity::{ComplexityPoint, ComplexitySnapshot, ComplexityTrend, NewComplexitySnapshot};
pub use estimates::{CorrectedEstimate, CorrectionFactor, Estimate, NewEstimate};
pub use failures::{FailureQuery, NewFailure, SimilarFailure};
pub use historical::History;
pub use journal::{NewRetrospective, NewSpike, Retrospective, Spike};
pub use model::{
    AdviceFilter, ChoiceIssues, ChoiceKey, ChoiceKind, ChoiceStat, DocsEntry, Failure, IssueCount, OrderedTask,
    PairStat, Record, RecordFilter, RecordKind, WorkflowOrdering,
};
pub use ordering::{AntiPattern, OrderingRule, OrderingRules, SuggestedOrder, TaskToOrder};
pub use patterns::{NewPatternUsage, PatternCompliance, PatternUsage};
pub use thresholds::LearningThresholds;

use crate::error::{Error, Result};
use crate::id::{ProjectId, WorkflowId};
use crate::maestro::Ctx;
use crate::store::ReadTx;

/// Most records one list call returns.
pub const MAX_RESULTS: usize = 10_000;

/// The learning layer of a handle or batch.
#[derive(Clone, Copy)]
pub struct Learning<'a>(pub(crate) Ctx<'a>);

impl Learning<'_> {
    fn thresholds(&self) -> &LearningThresholds {
        self.0.thresholds()
    }

    /// The historical documents of a project (seed 000's tech-stack, architecture and
    /// task-ordering), validated against their schemas; the export writes them to
    /// `learning/<project>/`.
    pub fn history(&self, project: &ProjectId) -> Result<History> {
        let t = self.thresholds().clone();
        self.0.read(|tx| {
            let p = crate::project::load(tx, project)?;
            historical::history(tx, &p, &t)
        })
    }
}

/// Checks that `project` exists and that `workflow` belongs to it.
pub(crate) fn check_owner(
    tx: &dyn ReadTx,
    entity: &'static str,
    project: &ProjectId,
    workflow: Option<&WorkflowId>,
) -> Result<()> {
    crate::project::load(tx, project)?;
    if let Some(w) = workflow {
        let wf = crate::workflow::load(tx, w)?;
        if wf.project_id != *project {
            return Err(Error::validation(
                entity,
                "/workflow_id",
                format!("workflow {w} belongs to another project"),
            ));
        }
    }
    Ok(())
}
