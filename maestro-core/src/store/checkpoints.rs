//! The storage seam of checkpoints. The rules (state snapshots, git, rollback) live in
//! [`crate::checkpoint`].

use crate::checkpoint::model::Checkpoint;
use crate::error::Result;

/// Checkpoint queries available inside any transaction.
pub trait CheckpointRead {
    /// Checkpoint by id.
    fn checkpoint(&self, id: &str) -> Result<Option<Checkpoint>>;
    /// A workflow's checkpoints, oldest first.
    fn checkpoints(&self, workflow: &str) -> Result<Vec<Checkpoint>>;
}

/// Checkpoint mutations, available inside a write transaction.
/// `update_*` methods are compare-and-swap: they write only when the stored version equals
/// `expected_version` and return whether they wrote.
pub trait CheckpointWrite {
    /// Inserts a checkpoint.
    fn insert_checkpoint(&mut self, c: &Checkpoint) -> Result<()>;
    /// Compare-and-swap update of a checkpoint's rollback counts and validity.
    fn update_checkpoint(&mut self, c: &Checkpoint, expected_version: i64) -> Result<bool>;
}
