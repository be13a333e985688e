//! The storage seam of the decision log: decisions (each document is the payload of a
//! feed event), their full-text index, and the categories registered per project. The
//! rules live in [`crate::decision`].

use crate::decision::model::{CategoryDef, Decision, DecisionFilter};
use crate::error::Result;
use crate::store::Recency;

/// Decision-log queries available inside any transaction.
pub trait DecisionRead {
    /// Decision by id, with its outcome history.
    fn decision(&self, id: &str) -> Result<Option<Decision>>;
    /// Decisions matching `filter` in recording order (or newest first), at most `limit`.
    fn decisions(&self, filter: &DecisionFilter, limit: usize, order: Recency) -> Result<Vec<Decision>>;
    /// Decisions whose decision or rationale text contains every one of `words` (plain
    /// words, no syntax) and matching `filter`, best first, at most `limit`.
    fn search_decisions(&self, words: &[String], filter: &DecisionFilter, limit: usize) -> Result<Vec<Decision>>;
    /// Whether some decision is not yet in the full-text index.
    fn decisions_unindexed(&self) -> Result<bool>;
    /// A category registered for a project.
    fn decision_category(&self, project: &str, name: &str) -> Result<Option<CategoryDef>>;
    /// The categories registered for a project, by name.
    fn decision_categories(&self, project: &str) -> Result<Vec<CategoryDef>>;
}

/// Decision-log mutations, available inside a write transaction.
pub trait DecisionWrite {
    /// Inserts a decision whose document is the payload of its recording event `seq`.
    fn insert_decision(&mut self, d: &Decision, seq: i64) -> Result<()>;
    /// Points decision `d.id` at its newer state `d`, the payload of event `latest_seq`.
    fn update_decision_outcome(&mut self, d: &Decision, latest_seq: i64) -> Result<()>;
    /// Adds every decision not yet in the full-text index to it; returns how many.
    fn index_decisions(&mut self) -> Result<usize>;
    /// Inserts a registered decision category.
    fn insert_decision_category(&mut self, c: &CategoryDef) -> Result<()>;
}
