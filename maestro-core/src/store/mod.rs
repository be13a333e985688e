//! The storage seam. Domain rules live above these traits; implementations only
//! persist and query. A second backend (e.g. PostgreSQL) implements [`Store`],
//! [`ReadTx`] and [`WriteTx`] and runs the conformance suite in `tests/conformance.rs`.

mod checkpoints;
mod decisions;
mod feed;
mod learning;
#[cfg(feature = "postgres")]
pub mod postgres;
mod projects;
mod queues;
mod retention;
mod rows;
mod sessions;
pub mod sqlite;
mod tasks;
mod threads;
mod url;
mod vectors;
pub(crate) mod version;

/// Which end of a list a limited query starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recency {
    /// In the order they were written: the first `limit`.
    OldestFirst,
    /// Newest first: the last `limit`, latest first.
    NewestFirst,
}

impl Recency {
    /// `column` as an `ORDER BY` term in this direction.
    pub(crate) fn order_by(self, column: &str) -> String {
        match self {
            Recency::OldestFirst => column.to_owned(),
            Recency::NewestFirst => format!("{column} DESC"),
        }
    }
}
mod workflows;

pub use url::{is_url, redact};

pub use checkpoints::{CheckpointRead, CheckpointWrite};
pub use decisions::{DecisionRead, DecisionWrite};
pub use feed::{FeedRead, FeedWrite};
pub use learning::{LearningRead, LearningWrite};
pub use projects::{ProjectRead, ProjectWrite};
pub use queues::{QueueRead, QueueWrite};
pub use retention::{Gone, RetentionRead, RetentionWrite, WorkflowRows};
pub use sessions::{SessionRead, SessionWrite};
pub use tasks::{TaskRead, TaskWrite};
pub use threads::{ThreadRead, ThreadWrite};
pub use workflows::{WorkflowRead, WorkflowWrite};

use crate::error::Result;
use crate::feed::event::NewEvent;
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

    /// [`crate::Error::ReadOnly`], naming the store, when it was opened read-only: every
    /// write is refused. `Ok` otherwise (the default).
    fn writable(&self) -> Result<()> {
        Ok(())
    }

    /// The backend's name: `"sqlite"`, `"postgres"`.
    fn backend(&self) -> &'static str;

    /// The highest schema migration applied to the store.
    fn schema_version(&self) -> Result<usize>;

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

    /// Waits for, then holds until the guard drops, the store's maintenance lock: one
    /// prune at a time across every process (and host) that opens the store. A store only
    /// this handle can reach needs none (the default).
    fn maintenance_lock(&self) -> Result<Box<dyn std::any::Any + Send>> {
        Ok(Box::new(()))
    }
}

/// Wakes a follower of the change feed when another connection may have committed.
pub trait FeedWatch: Send {
    /// Waits until a commit may have happened since the last call, or `timeout` passed;
    /// returns whether it was woken. Spurious and missed wake-ups are allowed: the
    /// follower reads the feed after every wait.
    fn wait(&mut self, timeout: Duration) -> bool;
}

/// Every query available inside any transaction: the union of each area's read trait,
/// with no method of its own. The areas' methods are callable on a `&dyn ReadTx` without
/// importing their traits.
pub trait ReadTx:
    ProjectRead
    + WorkflowRead
    + SessionRead
    + TaskRead
    + QueueRead
    + CheckpointRead
    + DecisionRead
    + FeedRead
    + LearningRead
    + RetentionRead
    + ThreadRead
{
}

/// Every mutation available inside a write transaction: the union of each area's write
/// trait, and savepoints. `update_*` methods are compare-and-swap: they write only when the
/// stored version equals `expected_version` and return whether they wrote.
pub trait WriteTx:
    ReadTx
    + ProjectWrite
    + WorkflowWrite
    + SessionWrite
    + TaskWrite
    + QueueWrite
    + CheckpointWrite
    + DecisionWrite
    + FeedWrite
    + LearningWrite
    + RetentionWrite
    + ThreadWrite
{
    /// Runs `f` so that, if it fails, only its own writes are undone and the enclosing
    /// transaction goes on.
    fn savepoint(&mut self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()>;
}
