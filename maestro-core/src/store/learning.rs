//! The storage seam of the learning layer. Aggregates are read and written whole by key;
//! the rules that change them (what an outcome adds, what a rule needs) live in
//! [`crate::learning`].

use crate::error::Result;
use crate::learning::model::{
    AdviceFilter, ChoiceIssues, ChoiceKey, ChoiceStat, DocsEntry, Failure, IssueCount, PairStat, Record, RecordFilter,
    RecordKind, WorkflowOrdering,
};
use crate::store::Recency;

/// Learning queries available inside any transaction.
pub trait LearningRead {
    /// The aggregate of one choice, with its top issues as last stored.
    fn advice_stat(&self, key: &ChoiceKey) -> Result<Option<ChoiceStat>>;
    /// Every aggregate matching `filter`, with its top issues as last stored, by decision
    /// category, subject category, kind, name, project.
    fn advice_stats(&self, filter: &AdviceFilter) -> Result<Vec<ChoiceStat>>;
    /// The issue counts of every choice `filter` matches, one entry per choice and
    /// project, issues in no particular order (the domain sums and ranks them).
    fn advice_issues(&self, filter: &AdviceFilter) -> Result<Vec<ChoiceIssues>>;

    /// The `limit` most reported issues of one choice (then by issue text).
    fn advice_top_issues(&self, key: &ChoiceKey, limit: usize) -> Result<Vec<IssueCount>>;

    /// Label precedence counts of a project (every project when `None`), by before, after.
    fn ordering_pairs(&self, project: Option<&str>) -> Result<Vec<PairStat>>;
    /// The task orders of ended workflows, oldest first.
    fn ordering_history(&self, project: &str) -> Result<Vec<WorkflowOrdering>>;

    /// Failure by id, without its embedding.
    fn failure(&self, id: &str) -> Result<Option<Failure>>;
    /// A project's failures (every project's when `None`), oldest first (or newest
    /// first), without embeddings, at most `limit`.
    fn failures(&self, project: Option<&str>, limit: usize, order: Recency) -> Result<Vec<Failure>>;
    /// The embedding stored with a failure, if it has one.
    fn failure_embedding(&self, id: &str) -> Result<Option<Vec<f32>>>;
    /// The dimension every embedding in the store has, once one was stored.
    fn embedding_dim(&self) -> Result<Option<usize>>;
    /// Failures whose text contains any of `words` (plain words, no syntax), best first
    /// (those sharing the most words with the query), with their score (higher is
    /// better), at most `limit`.
    fn search_failures(&self, words: &[String], project: Option<&str>, limit: usize) -> Result<Vec<(Failure, f64)>>;
    /// The `k` failures whose embeddings have the highest cosine similarity with
    /// `embedding` (of the store's dimension), best first, with the similarity.
    fn nearest_failures(&self, embedding: &[f32], project: Option<&str>, k: usize) -> Result<Vec<(Failure, f64)>>;

    /// A learning record by kind and id.
    fn record(&self, kind: RecordKind, id: &str) -> Result<Option<Record>>;
    /// Records matching `filter`, oldest first, at most `limit`.
    fn records(&self, filter: &RecordFilter, limit: usize) -> Result<Vec<Record>>;

    /// The cached documentation of `library` at `version` unless it expired by `now_ms`.
    fn docs(&self, library: &str, version: &str, now_ms: i64) -> Result<Option<DocsEntry>>;
}

/// Learning mutations, available inside a write transaction.
pub trait LearningWrite {
    /// Inserts or replaces the counts of one choice and its top issues (`s.issues`); the
    /// issue counts themselves change through [`LearningWrite::add_advice_issue`].
    fn put_advice_stat(&mut self, s: &ChoiceStat) -> Result<()>;
    /// Adds `delta` to how often `issue` was reported for a choice; a count that reaches 0
    /// is removed.
    fn add_advice_issue(&mut self, key: &ChoiceKey, issue: &str, delta: i64) -> Result<()>;
    /// Adds to the precedence counts of `before` → `after` and moves `last_seen` forward.
    fn add_ordering_pair(&mut self, p: &PairStat) -> Result<()>;
    /// Appends an ended workflow's task order.
    fn insert_ordering(&mut self, o: &WorkflowOrdering) -> Result<()>;

    /// Inserts a failure with its embedding (whose dimension the domain checked) and
    /// indexes its text; the first embedding fixes the store's dimension.
    fn insert_failure(&mut self, f: &Failure, embedding: Option<&[f32]>) -> Result<()>;

    /// Inserts a learning record.
    fn insert_record(&mut self, r: &Record) -> Result<()>;
    /// Replaces a learning record's columns and document (by kind and id); returns
    /// whether it existed.
    fn update_record(&mut self, r: &Record) -> Result<bool>;

    /// Inserts or replaces a docs cache entry, and removes entries expired by `now_ms`.
    fn put_docs(&mut self, e: &DocsEntry, now_ms: i64) -> Result<()>;
}
