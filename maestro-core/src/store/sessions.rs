//! The storage seam of sessions: the session rows, and their timelines as the feed holds
//! them. The rules (the status machine, liveness) live in [`crate::session`].

use crate::error::Result;
use crate::session::model::{Session, SessionFilter, SessionHead, TimelineEvent, TimelineType};
use crate::session::status::SessionStatus;
use crate::time::Timestamp;

/// Session queries available inside any transaction.
pub trait SessionRead {
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
}

/// Session mutations, available inside a write transaction.
/// `update_*` methods are compare-and-swap: they write only when the stored version equals
/// `expected_version` and return whether they wrote.
pub trait SessionWrite {
    /// Inserts a session.
    fn insert_session(&mut self, s: &Session) -> Result<()>;
    /// Compare-and-swap update of a session.
    fn update_session(&mut self, s: &Session, expected_version: i64) -> Result<bool>;
}
