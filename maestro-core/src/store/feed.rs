//! The storage seam of the change feed: appending events, reading them back in commit
//! order, and the events of a workflow's replay. The event shape and subscriptions live
//! in [`crate::feed`].

use crate::error::Result;
use crate::feed::event::{EntityKind, Event, EventFilter, NewEvent, RawEvent};

/// Change-feed queries available inside any transaction.
pub trait FeedRead {
    /// Events with `seq > after` matching `filter`, ascending, at most `limit`.
    fn events_since(&self, after: i64, filter: &EventFilter, limit: usize) -> Result<Vec<RawEvent>>;
    /// The latest event about an entity with `seq <= at_seq`.
    fn event_at(&self, entity: EntityKind, id: &str, at_seq: i64) -> Result<Option<Event>>;
    /// The highest committed `seq`, 0 for an empty feed.
    fn latest_seq(&self) -> Result<i64>;
    /// The feed events of a workflow's replay: its own events, its decisions', its
    /// checkpoints' and its sessions' timeline events, in commit order.
    fn workflow_replay(&self, workflow: &str) -> Result<Vec<Event>>;
}

/// Change-feed mutations, available inside a write transaction.
pub trait FeedWrite {
    /// Appends a feed event and returns its `seq`; the store reports it after commit.
    fn append_event(&mut self, e: NewEvent) -> Result<i64>;
}
