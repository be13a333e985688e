//! The storage seam. Domain rules live above these traits; implementations only
//! persist and query. A second backend (e.g. PostgreSQL) implements [`Store`],
//! [`ReadTx`] and [`WriteTx`] and runs the conformance suite in `tests/conformance.rs`.

mod learning;
#[cfg(feature = "postgres")]
pub mod postgres;
mod retention;
mod rows;
pub mod sqlite;
mod url;
mod vectors;

pub use url::{is_url, redact};

pub use learning::{LearningRead, LearningWrite};
pub use retention::{Gone, RetentionRead, RetentionWrite, WorkflowRows};

use crate::checkpoint::Checkpoint;
use crate::decision::{CategoryDef, Decision, DecisionFilter};
use crate::error::Result;
use crate::feed::{EntityKind, Event, EventFilter, NewEvent, RawEvent};
use crate::id::ProjectId;
use crate::project::Project;
use crate::queue::QueueItem;
use crate::session::{Session, SessionFilter, SessionHead, SessionStatus, TimelineEvent, TimelineType};
use crate::task::{ClaimFilter, SessionTask, Task};
use crate::time::Timestamp;
use crate::workflow::{HistoryEntry, SpecDocument, SteeringDocument, Vote, Workflow};
use std::path::Path;
use std::time::Duration;

/// What a write hands over once per commit: the feed events the commit made durable,
/// with their seq, in commit order.
pub type Committed<'a> = dyn Fn(&[(i64, NewEvent)]) + 'a;

/// A storage backend. Implementations are `Send + Sync`; every call to [`Store::write`]
/// is one atomic transaction serialised with every other writer (in any process), and
/// [`Store::read`] sees one consistent snapshot without waiting for writers.
pub trait Store: Send + Sync {
    /// Runs `f` in a read-only snapshot.
    fn read(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<()>) -> Result<()>;

    /// Runs `f` as one atomic write: its work is committed if it returns `Ok`, undone
    /// entirely otherwise. `committed` is called once per commit, with the feed events the
    /// commit made durable (with their seq), before the next commit's call and before any
    /// call of the commit returns: the order in which `committed` sees events is commit
    /// order. A commit may carry several concurrent calls (group commit), each atomic on
    /// its own.
    fn write(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>, committed: &Committed<'_>) -> Result<()>;

    /// Writes a consistent copy of the whole database to `dest` (a new file): for SQLite a
    /// database file, for PostgreSQL a `pg_dump` archive.
    fn backup(&self, dest: &Path) -> Result<()>;

    /// Runs the backend's own consistency check; `Ok(())` when the store is sound.
    fn check_integrity(&self) -> Result<()>;

    /// The bytes the store occupies (for SQLite: the database file and its WAL).
    fn size_bytes(&self) -> Result<u64>;

    /// Returns space freed by deletes to the file system, in steps short enough that
    /// another writer waits at most a few milliseconds for each.
    fn reclaim_space(&self) -> Result<()>;

    /// Moves what recent writes logged into the store proper, off every writer's path
    /// (SQLite: a passive WAL checkpoint, which never takes the write lock), so the cost
    /// of a long maintenance run is not paid by another process's next commit.
    fn settle(&self) -> Result<()>;

    /// Write calls that succeeded and commits made since the store was opened (a commit
    /// may carry several calls: group commit). A diagnostic; `(0, 0)` where not counted.
    fn write_counts(&self) -> (u64, u64) {
        (0, 0)
    }

    /// A wake-up hint for followers of the feed, when writers outside this handle (other
    /// processes, other hosts) are to reach its subscriptions: subscriptions then follow
    /// the feed itself. `None` (the default) when subscriptions hear this handle's own
    /// commits only.
    fn watch(&self) -> Result<Option<Box<dyn FeedWatch>>> {
        Ok(None)
    }
}

/// Wakes a follower of the change feed when another connection may have committed.
pub trait FeedWatch: Send {
    /// Waits until a commit may have happened since the last call, or `timeout` passed;
    /// returns whether it was woken. Spurious and missed wake-ups are allowed: the
    /// follower reads the feed after every wait.
    fn wait(&mut self, timeout: Duration) -> bool;
}

/// Queries available inside any transaction.
pub trait ReadTx: LearningRead + RetentionRead {
    /// Project by id.
    fn project(&self, id: &str) -> Result<Option<Project>>;
    /// Project by unique name.
    fn project_by_name(&self, name: &str) -> Result<Option<Project>>;
    /// All projects, oldest first.
    fn projects(&self) -> Result<Vec<Project>>;

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

    /// Session by id.
    fn session(&self, id: &str) -> Result<Option<Session>>;
    /// The identity, ownership and status of a session, without its documents.
    fn session_head(&self, id: &str) -> Result<Option<SessionHead>>;
    /// Sessions matching the filter, oldest first.
    fn sessions(&self, filter: &SessionFilter) -> Result<Vec<Session>>;
    /// Sessions in one of `statuses` whose last heartbeat and last feed event are both
    /// older than `cutoff_ms`, oldest first.
    fn stale_sessions(&self, cutoff_ms: i64, statuses: &[SessionStatus]) -> Result<Vec<Session>>;
    /// When the latest feed event of a session (timeline, link, queue or the session
    /// itself) was written.
    fn last_session_event_at(&self, session: &str) -> Result<Option<Timestamp>>;
    /// A session's timeline (its `timeline_event` feed events), in commit order.
    fn timeline(&self, session: &str) -> Result<Vec<TimelineEvent>>;
    /// The latest timeline event of `kind` for `task` in `session`.
    fn last_timeline(&self, session: &str, task: &str, kind: TimelineType) -> Result<Option<TimelineEvent>>;

    /// Task by id, with its dependencies.
    fn task(&self, id: &str) -> Result<Option<Task>>;
    /// A project's tasks, oldest first.
    fn tasks(&self, project: &str) -> Result<Vec<Task>>;
    /// Direct subtasks of a task, oldest first.
    fn task_children(&self, parent: &str) -> Result<Vec<Task>>;
    /// Every dependency edge `(task, depends_on)` of a project.
    fn dependency_edges(&self, project: &str) -> Result<Vec<(String, String)>>;
    /// Ready tasks (todo, every dependency completed) of a project matching `filter`,
    /// by priority (highest first), then age, then id; at most `limit`.
    fn ready_tasks(&self, project: &str, filter: &ClaimFilter, limit: usize) -> Result<Vec<Task>>;
    /// Whether every dependency of the task is completed.
    fn dependencies_met(&self, task: &str) -> Result<bool>;
    /// The link between a session and a task.
    fn link(&self, session: &str, task: &str) -> Result<Option<SessionTask>>;
    /// A session's links, oldest first.
    fn links_of_session(&self, session: &str) -> Result<Vec<SessionTask>>;
    /// A task's links, oldest first.
    fn links_of_task(&self, task: &str) -> Result<Vec<SessionTask>>;

    /// Queue item by id.
    fn queue_item(&self, id: &str) -> Result<Option<QueueItem>>;
    /// A session's queue in position order.
    fn queue(&self, session: &str) -> Result<Vec<QueueItem>>;
    /// Highest position used in a session's queue, 0 when empty.
    fn max_queue_position(&self, session: &str) -> Result<i64>;

    /// Checkpoint by id.
    fn checkpoint(&self, id: &str) -> Result<Option<Checkpoint>>;
    /// A workflow's checkpoints, oldest first.
    fn checkpoints(&self, workflow: &str) -> Result<Vec<Checkpoint>>;

    /// Decision by id, with its outcome history.
    fn decision(&self, id: &str) -> Result<Option<Decision>>;
    /// Decisions matching `filter` in recording order, at most `limit`.
    fn decisions(&self, filter: &DecisionFilter, limit: usize) -> Result<Vec<Decision>>;
    /// Decisions whose decision or rationale text contains every one of `words` (plain
    /// words, no syntax) and matching `filter`, best first, at most `limit`.
    fn search_decisions(&self, words: &[String], filter: &DecisionFilter, limit: usize) -> Result<Vec<Decision>>;
    /// Whether some decision is not yet in the full-text index.
    fn decisions_unindexed(&self) -> Result<bool>;
    /// A category registered for a project.
    fn decision_category(&self, project: &str, name: &str) -> Result<Option<CategoryDef>>;
    /// The categories registered for a project, by name.
    fn decision_categories(&self, project: &str) -> Result<Vec<CategoryDef>>;
    /// The feed events of a workflow's replay: its own events, its decisions', its
    /// checkpoints' and its sessions' timeline events, in commit order.
    fn workflow_replay(&self, workflow: &str) -> Result<Vec<Event>>;

    /// Events with `seq > after` matching `filter`, ascending, at most `limit`.
    fn events_since(&self, after: i64, filter: &EventFilter, limit: usize) -> Result<Vec<RawEvent>>;
    /// The latest event about an entity with `seq <= at_seq`.
    fn event_at(&self, entity: EntityKind, id: &str, at_seq: i64) -> Result<Option<Event>>;
    /// The highest committed `seq`, 0 for an empty feed.
    fn latest_seq(&self) -> Result<i64>;
}

/// Mutations, available inside a write transaction. `update_*` methods are
/// compare-and-swap: they write only when the stored version equals `expected_version`
/// and return whether they wrote.
pub trait WriteTx: ReadTx + LearningWrite + RetentionWrite {
    /// Inserts a project.
    fn insert_project(&mut self, p: &Project) -> Result<()>;
    /// Deletes a project and everything it owns.
    fn delete_project(&mut self, id: &str) -> Result<()>;

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

    /// Inserts a session.
    fn insert_session(&mut self, s: &Session) -> Result<()>;
    /// Compare-and-swap update of a session.
    fn update_session(&mut self, s: &Session, expected_version: i64) -> Result<bool>;

    /// Inserts a task and its dependency edges.
    fn insert_task(&mut self, t: &Task) -> Result<()>;
    /// Compare-and-swap update of a task's fields (not its dependencies).
    fn update_task(&mut self, t: &Task, expected_version: i64) -> Result<bool>;
    /// Adds a dependency edge.
    fn insert_dependency(&mut self, task: &str, depends_on: &str) -> Result<()>;
    /// Removes a dependency edge; returns whether it existed.
    fn delete_dependency(&mut self, task: &str, depends_on: &str) -> Result<bool>;
    /// Inserts or replaces the link between a session and a task.
    fn upsert_link(&mut self, l: &SessionTask) -> Result<()>;

    /// Inserts a queue item.
    fn insert_queue_item(&mut self, q: &QueueItem) -> Result<()>;
    /// Compare-and-swap update of a queue item.
    fn update_queue_item(&mut self, q: &QueueItem, expected_version: i64) -> Result<bool>;

    /// Inserts a checkpoint.
    fn insert_checkpoint(&mut self, c: &Checkpoint) -> Result<()>;
    /// Compare-and-swap update of a checkpoint's rollback counts and validity.
    fn update_checkpoint(&mut self, c: &Checkpoint, expected_version: i64) -> Result<bool>;

    /// Inserts a decision whose document is the payload of its recording event `seq`.
    fn insert_decision(&mut self, d: &Decision, seq: i64) -> Result<()>;
    /// Points decision `d.id` at its newer state `d`, the payload of event `latest_seq`.
    fn update_decision_outcome(&mut self, d: &Decision, latest_seq: i64) -> Result<()>;
    /// Adds every decision not yet in the full-text index to it; returns how many.
    fn index_decisions(&mut self) -> Result<usize>;
    /// Inserts a registered decision category.
    fn insert_decision_category(&mut self, c: &CategoryDef) -> Result<()>;

    /// Appends a feed event and returns its `seq`; the store reports it after commit.
    fn append_event(&mut self, e: NewEvent) -> Result<i64>;

    /// Runs `f` so that, if it fails, only its own writes are undone and the enclosing
    /// transaction goes on.
    fn savepoint(&mut self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()>;
}
