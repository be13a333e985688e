//! The change-feed event: one row per mutation, written in the mutation's transaction,
//! and what makes an entity publishable on the feed.

use crate::macros::str_enum;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

str_enum!(
    /// The kind of entity an event is about.
    EntityKind, "event" {
        /// A [`crate::Project`].
        Project => "project",
        /// A [`crate::Workflow`].
        Workflow => "workflow",
        /// A vote on a workflow's approval gate.
        Vote => "vote",
        /// A workflow's spec document version.
        SpecDocument => "spec_document",
        /// A project's steering document version.
        SteeringDocument => "steering_document",
        /// A [`crate::Session`].
        Session => "session",
        /// A [`crate::TimelineEvent`].
        TimelineEvent => "timeline_event",
        /// A [`crate::Task`].
        Task => "task",
        /// A [`crate::SessionTask`] link.
        SessionTask => "session_task",
        /// A [`crate::QueueItem`].
        QueueItem => "queue_item",
        /// A [`crate::Checkpoint`].
        Checkpoint => "checkpoint",
        /// A [`crate::Decision`] (recorded, or its outcome recorded).
        Decision => "decision",
        /// A decision category registered for a project.
        DecisionCategory => "decision_category",
        /// A [`crate::learning::Failure`] and its lesson.
        Failure => "failure",
        /// A [`crate::learning::Estimate`] (recorded, or its actual effort recorded).
        Estimate => "estimate",
        /// A [`crate::learning::Retrospective`].
        Retrospective => "retrospective",
        /// A [`crate::learning::Spike`].
        Spike => "spike",
        /// A [`crate::learning::AgentLog`] entry.
        AgentLog => "agent_log",
        /// A [`crate::learning::ComplexitySnapshot`].
        ComplexitySnapshot => "complexity_snapshot",
        /// A [`crate::learning::PatternUsage`].
        PatternUsage => "pattern_usage",
        /// A [`crate::thread::Thread`] (linked, copied, pruned, deleted).
        Thread => "thread",
        /// A checkpoint of a thread, or its pending writes: ids and metadata, never the blobs.
        ThreadCheckpoint => "thread_checkpoint",
    }
);

/// The current version of every event type's payload. Readers ignore unknown fields.
pub const EVENT_VERSION: u32 = 1;

/// A committed change. `seq` is strictly increasing in commit order across all
/// processes sharing the database; `payload` is the entity's full state after the change
/// (or before it, for `*.deleted`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the feed; strictly increasing in commit order.
    pub seq: i64,
    /// When the change was committed.
    pub at: Timestamp,
    /// `"<entity>.<verb>"`, e.g. `"session.updated"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Version of the payload shape of this event type.
    pub version: u32,
    /// What kind of entity changed.
    pub entity: EntityKind,
    /// Which entity changed.
    pub entity_id: String,
    /// The project the entity belongs to.
    pub project_id: String,
    /// The workflow the entity belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// The session the entity belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The entity's state as JSON.
    pub payload: serde_json::Value,
}

/// A committed event as the store holds it: its payload is still the JSON text it was
/// written as, so a reader that only passes it on (as JSON, to another language) never
/// parses it. [`RawEvent::parse`] gives the [`Event`]; both encode to the same JSON.
#[derive(Debug, Clone, Serialize)]
pub struct RawEvent {
    /// Position in the feed.
    pub seq: i64,
    /// When the change was committed.
    pub at: Timestamp,
    /// `"<entity>.<verb>"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Version of the payload shape of this event type.
    pub version: u32,
    /// What kind of entity changed.
    pub entity: EntityKind,
    /// Which entity changed.
    pub entity_id: String,
    /// The project the entity belongs to.
    pub project_id: String,
    /// The workflow the entity belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// The session the entity belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The entity's state, as stored JSON text.
    pub payload: Box<serde_json::value::RawValue>,
}

impl RawEvent {
    /// The event with its payload parsed.
    pub fn parse(self) -> crate::Result<Event> {
        let payload = serde_json::from_str(self.payload.get()).map_err(|e| crate::Error::Json {
            path: format!("event {} /payload", self.seq),
            source: e,
        })?;
        Ok(Event {
            seq: self.seq,
            at: self.at,
            kind: self.kind,
            version: self.version,
            entity: self.entity,
            entity_id: self.entity_id,
            project_id: self.project_id,
            workflow_id: self.workflow_id,
            session_id: self.session_id,
            payload,
        })
    }
}

/// An event about to be written; the store assigns `seq`.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// When the change happened.
    pub at: Timestamp,
    /// `"<entity>.<verb>"`.
    pub kind: String,
    /// Entity kind.
    pub entity: EntityKind,
    /// Entity id.
    pub entity_id: String,
    /// Owning project.
    pub project_id: String,
    /// Owning workflow, if any.
    pub workflow_id: Option<String>,
    /// Owning session, if any.
    pub session_id: Option<String>,
    /// Entity state as JSON text (encoded once, stored as is).
    pub payload: String,
}

impl NewEvent {
    /// The committed event at `seq`. Parses the payload: done only for subscribers.
    pub fn committed(self, seq: i64) -> Event {
        Event {
            seq,
            at: self.at,
            kind: self.kind,
            version: EVENT_VERSION,
            entity: self.entity,
            entity_id: self.entity_id,
            project_id: self.project_id,
            workflow_id: self.workflow_id,
            session_id: self.session_id,
            payload: serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Which events a reader wants. Empty fields match everything; all set fields must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFilter {
    /// Only these entity kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityKind>,
    /// Only these event types (`"task.updated"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Only this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Only this workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// Only this entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// Only entities of this session (the session itself, its timeline, links and queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

impl EventFilter {
    /// Whether `e` passes this filter.
    pub fn matches(&self, e: &Event) -> bool {
        (self.entities.is_empty() || self.entities.contains(&e.entity))
            && (self.types.is_empty() || self.types.contains(&e.kind))
            && self.project_id.as_ref().is_none_or(|p| *p == e.project_id)
            && self
                .workflow_id
                .as_ref()
                .is_none_or(|w| Some(w) == e.workflow_id.as_ref())
            && self.entity_id.as_ref().is_none_or(|i| *i == e.entity_id)
            && self
                .session_id
                .as_ref()
                .is_none_or(|s| Some(s) == e.session_id.as_ref())
    }
}

/// An entity that is published on the change feed.
pub(crate) trait FeedEntity: Serialize {
    const ENTITY: EntityKind;
    fn entity_id(&self) -> &str;
    fn project_id(&self) -> &str;
    fn workflow_id(&self) -> Option<&str>;
    /// The session the entity belongs to, if any: the feed can be followed per session.
    fn session_id(&self) -> Option<&str> {
        None
    }
}
