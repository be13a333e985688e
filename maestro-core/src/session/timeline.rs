//! Session timelines: append-only events of 13 types. What an append takes, the rules
//! of each type and the append itself; the stored event is plain data in `model.rs`.

use super::model::{TimelineEvent, TimelineType};
use crate::error::{Error, Result};
use crate::feed;
use crate::id::{TaskId, TimelineEventId};
use crate::store::WriteTx;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Input of [`crate::Sessions::append`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTimelineEvent {
    /// Event type.
    #[serde(rename = "type")]
    pub kind: TimelineType,
    /// Message, up to 64 KiB.
    #[serde(default)]
    pub message: String,
    /// Required for the `task_*` types.
    #[serde(default)]
    pub task_id: Option<TaskId>,
    /// A JSON object; `progress` events need `{"progress": 0..1}`.
    #[serde(default = "empty_object")]
    pub metadata: serde_json::Value,
}

pub(crate) fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl NewTimelineEvent {
    /// An event of `kind` with a message and no task.
    pub fn new(kind: TimelineType, message: impl Into<String>) -> Self {
        NewTimelineEvent {
            kind,
            message: message.into(),
            task_id: None,
            metadata: empty_object(),
        }
    }

    /// Sets `metadata.progress` (for `progress` events).
    pub fn with_progress(mut self, progress: f64) -> Self {
        if let Some(o) = self.metadata.as_object_mut() {
            o.insert("progress".into(), progress.into());
        }
        self
    }

    /// Checks the rules of the event type.
    pub fn validate(&self) -> Result<()> {
        if self.message.len() > 65_536 {
            return Err(Error::validation(
                "timeline_event",
                "message",
                "longer than 65536 bytes",
            ));
        }
        if !self.metadata.is_object() {
            return Err(Error::validation("timeline_event", "metadata", "must be a JSON object"));
        }
        if self.kind.needs_task() && self.task_id.is_none() {
            return Err(Error::validation(
                "timeline_event",
                "task_id",
                format!("{} events need a task_id", self.kind),
            ));
        }
        if self.kind == TimelineType::Progress {
            match self.metadata.get("progress").and_then(|p| p.as_f64()) {
                Some(p) if (0.0..=1.0).contains(&p) => {}
                _ => {
                    return Err(Error::validation(
                        "timeline_event",
                        "metadata/progress",
                        "progress events need a number in [0, 1]",
                    ))
                }
            }
        }
        Ok(())
    }
}

/// Appends an event to a session's timeline inside `tx`. A `task_completed` event gets
/// `duration_ms` since the session's last `task_started` for the same task.
pub(crate) fn append(
    tx: &mut dyn WriteTx,
    session: &super::SessionHead,
    new: NewTimelineEvent,
) -> Result<TimelineEvent> {
    let at = Timestamp::now();
    let mut metadata = new.metadata;
    if let (TimelineType::TaskCompleted, Some(task)) = (new.kind, &new.task_id) {
        if let Some(start) = tx.last_timeline(session.id.as_str(), task.as_str(), TimelineType::TaskStarted)? {
            if let Some(obj) = metadata.as_object_mut() {
                obj.entry("duration_ms")
                    .or_insert_with(|| (at.0 - start.at.0).max(0).into());
            }
        }
    }
    let e = TimelineEvent {
        id: TimelineEventId::generate(),
        session_id: session.id.clone(),
        project_id: session.project_id.clone(),
        workflow_id: session.workflow_id.as_ref().map(|w| w.to_string()),
        kind: new.kind,
        at,
        message: new.message,
        task_id: new.task_id,
        metadata,
    };
    feed::emit(tx, "appended", &e)?;
    Ok(e)
}
