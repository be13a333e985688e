//! The storage seam of retention: what pruning reads to decide, and the bounded deletes
//! it runs. The rules (what is due, what must stay, in which order, the archive first)
//! live in [`crate::retention`].

use crate::error::Result;

/// What pruning one workflow removes, counted before it goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkflowRows {
    /// Sessions of the workflow.
    pub sessions: usize,
    /// Tasks of the workflow.
    pub tasks: usize,
    /// Decisions of the workflow.
    pub decisions: usize,
    /// Checkpoints of the workflow.
    pub checkpoints: usize,
    /// Queue items of its sessions.
    pub queue_items: usize,
    /// Timeline events of its sessions.
    pub timeline_events: usize,
}

/// Which feed events a compaction treats as gone: those of entities being removed by the
/// same prune. A real prune passes the cutoffs and empty lists (the rows are gone by
/// then); a dry run passes what it would remove, so it counts exactly what a real run
/// deletes.
#[derive(Debug, Clone, Default)]
pub struct Gone {
    /// Workflows being pruned.
    pub workflows: Vec<String>,
    /// Checkpoints being pruned.
    pub checkpoints: Vec<String>,
    /// Agent logs recorded before this instant (ms) are being pruned.
    pub agent_logs_before: i64,
}

/// Retention queries available inside any transaction.
pub trait RetentionRead {
    /// The feed horizon: the highest seq up to which events may have been pruned (0 when
    /// none ever were). Every event after it is still in the feed.
    fn feed_horizon(&self) -> Result<i64>;
    /// How far compaction has gone: events up to this seq were compacted (never above
    /// the horizon).
    fn compacted_upto(&self) -> Result<i64>;
    /// The highest seq of an event written at or before `at_ms` (0 if none), assuming events
    /// were written in roughly increasing time (seq order is commit order).
    fn seq_before(&self, at_ms: i64) -> Result<i64>;
    /// Ended (completed or failed) workflows that ended before `ended_before_ms`, oldest
    /// end first, at most `limit`, as (workflow, project).
    fn ended_workflows(&self, ended_before_ms: i64, limit: usize) -> Result<Vec<(String, String)>>;
    /// Why the workflow must stay although it ended: a retained entity refers to one of
    /// its tasks or sessions. `None` when nothing outside it does.
    fn workflow_needed_by(&self, workflow: &str) -> Result<Option<String>>;
    /// The tasks of a workflow, oldest first, with their dependencies.
    fn tasks_of_workflow(&self, workflow: &str) -> Result<Vec<crate::task::model::Task>>;
    /// What pruning the workflow removes.
    fn workflow_rows(&self, workflow: &str) -> Result<WorkflowRows>;
    /// The seq of the latest event of the workflow or of one of its sessions (0 if none):
    /// unchanged between two reads means nothing of the workflow changed.
    fn workflow_last_seq(&self, workflow: &str) -> Result<i64>;
    /// When the event at `seq` was written, if it is still in the feed.
    fn event_time(&self, seq: i64) -> Result<Option<i64>>;
    /// Checkpoint ids beyond the newest `keep` of each workflow, oldest first, leaving out
    /// the workflows in `except` (being pruned whole).
    fn surplus_checkpoints(&self, keep: usize, except: &[String]) -> Result<Vec<String>>;
    /// Agent logs recorded before `before_ms`.
    fn count_agent_logs_before(&self, before_ms: i64) -> Result<usize>;
    /// Docs-cache entries stored before `stored_before_ms` or expired by `now_ms`.
    fn count_docs_cache_due(&self, stored_before_ms: i64, now_ms: i64) -> Result<usize>;
    /// Events with seq at most `upto` that pruning `gone` removes with its workflows
    /// (those of the workflows and their sessions, learning records' aside).
    fn count_workflow_events(&self, gone: &[String], upto: i64) -> Result<usize>;
    /// Events a compaction of `(after, upto]` with cutoff `cutoff` deletes, with the
    /// entities of `gone` counted as removed (and their events at or below `after`), the
    /// gone workflows' own events aside: [`RetentionRead::count_workflow_events`] counts
    /// those.
    fn count_compactable(&self, after: i64, upto: i64, cutoff: i64, gone: &Gone) -> Result<usize>;
}

/// Retention deletes, each bounded so one transaction stays short.
pub trait RetentionWrite {
    /// Deletes a workflow and everything it owns (tasks, sessions, decisions,
    /// checkpoints; learning aggregates and records stay), and its events (and its
    /// sessions') with seq at most `horizon`, learning records' aside. Returns the events
    /// deleted.
    fn prune_workflow(&mut self, workflow: &str, horizon: i64) -> Result<usize>;
    /// Raises the feed horizon to `upto` (never to the newest event, never down) before
    /// anything at or below it is deleted; returns the horizon.
    fn raise_horizon(&mut self, upto: i64) -> Result<i64>;
    /// Deletes the feed events in `(after, min(upto, horizon)]` that retained state does
    /// not need: those superseded by a newer event of the same entity at or before
    /// `cutoff`, and those of entities that are gone; and the superseded events at or
    /// below `after` of the entities written in that range. Then records compaction up to
    /// there. Never deletes a timeline event of a retained session, an event a retained
    /// decision points at, or the newest event of an entity at or before `cutoff`.
    /// Returns how many it deleted.
    fn compact_events(&mut self, after: i64, upto: i64, cutoff: i64) -> Result<usize>;
    /// Deletes one checkpoint row and its events at or below `horizon`; returns how many
    /// events.
    fn delete_checkpoint(&mut self, id: &str, horizon: i64) -> Result<usize>;
    /// Deletes up to `limit` agent logs recorded at or before `before_ms`, and their events
    /// at or below `horizon`; returns (logs, events).
    fn delete_agent_logs_before(&mut self, before_ms: i64, limit: usize, horizon: i64) -> Result<(usize, usize)>;
    /// Deletes docs-cache entries stored before `stored_before_ms` or expired by `now_ms`.
    fn delete_docs_cache_due(&mut self, stored_before_ms: i64, now_ms: i64) -> Result<usize>;
}

/// The highest seq of an event written at or before `at_ms` (0 if none), by binary search
/// over the seqs `lo..=hi` of the feed: `first(from)` is the first event `(seq, at)` with
/// seq at least `from`, `last_upto(seq)` the highest seq at most `seq`. Each backend runs
/// it over its own primary key, reading O(log n) rows where `at` has no index.
pub(crate) fn search_seq_before(
    (mut lo, mut hi): (i64, i64),
    at_ms: i64,
    first: impl Fn(i64) -> Result<Option<(i64, i64)>>,
    last_upto: impl Fn(i64) -> Result<i64>,
) -> Result<i64> {
    if hi == 0 {
        return Ok(0);
    }
    match first(lo)? {
        Some((_, at)) if at <= at_ms => {}
        _ => return Ok(0),
    }
    // Invariant: the event at or after `lo` was written at or before `at_ms`.
    while lo < hi {
        let mid = lo + (hi - lo + 1) / 2;
        match first(mid)? {
            Some((seq, at)) if at <= at_ms => lo = seq.max(mid),
            _ => hi = mid - 1,
        }
    }
    last_upto(lo)
}
