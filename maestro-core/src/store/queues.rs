//! The storage seam of session queues. The rules (FIFO order, one item processing per
//! session) live in [`crate::queue`].

use crate::error::Result;
use crate::queue::model::QueueItem;

/// Queue queries available inside any transaction.
pub trait QueueRead {
    /// Queue item by id.
    fn queue_item(&self, id: &str) -> Result<Option<QueueItem>>;
    /// A session's queue in position order.
    fn queue(&self, session: &str) -> Result<Vec<QueueItem>>;
    /// Highest position used in a session's queue, 0 when empty.
    fn max_queue_position(&self, session: &str) -> Result<i64>;
}

/// Queue mutations, available inside a write transaction.
/// `update_*` methods are compare-and-swap: they write only when the stored version equals
/// `expected_version` and return whether they wrote.
pub trait QueueWrite {
    /// Inserts a queue item.
    fn insert_queue_item(&mut self, q: &QueueItem) -> Result<()>;
    /// Compare-and-swap update of a queue item.
    fn update_queue_item(&mut self, q: &QueueItem, expected_version: i64) -> Result<bool>;
}
