//! The change feed: every mutation writes an [`Event`] in its own transaction, readable
//! from any process with `events_since` and pushed by `subscribe` (in-process on SQLite;
//! from every process and host on a shared server store).

pub(crate) mod event;
mod follow;
mod subscribe;

pub(crate) use event::FeedEntity;
pub use event::{EntityKind, Event, EventFilter, NewEvent, RawEvent, EVENT_VERSION};
pub(crate) use follow::Follower;
pub(crate) use subscribe::Subscribers;
pub use subscribe::{Subscription, Wait};

use crate::error::{Error, Result};
use crate::store::WriteTx;
use crate::time::Timestamp;

/// Writes the event for `verb` on `entity` into the current transaction; returns its seq.
pub(crate) fn emit<E: FeedEntity>(tx: &mut dyn WriteTx, verb: &str, entity: &E) -> Result<i64> {
    let payload =
        serde_json::to_string(entity).map_err(|e| Error::Internal(format!("cannot encode {}: {e}", E::ENTITY)))?;
    tx.append_event(NewEvent {
        at: Timestamp::now(),
        kind: format!("{}.{verb}", E::ENTITY),
        entity: E::ENTITY,
        entity_id: entity.entity_id().to_owned(),
        project_id: entity.project_id().to_owned(),
        workflow_id: entity.workflow_id().map(str::to_owned),
        session_id: entity.session_id().map(str::to_owned),
        payload,
    })
}
