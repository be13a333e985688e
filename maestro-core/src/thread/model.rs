//! Agent threads as stored: the thread, its checkpoints (an opaque serialized state with
//! its type tag, filterable JSON metadata and a parent) and the pending writes of each
//! checkpoint, per task.

use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::{ProjectId, SessionId, WorkflowId};
use crate::macros::str_enum;
use crate::time::Timestamp;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// An opaque serialized value and the tag of the serializer that wrote it (LangGraph's
/// `dumps_typed` pair). In JSON the bytes are standard base64 with padding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    /// The serializer's type tag (`"msgpack"`, `"json"`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The serialized bytes.
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

mod base64_bytes {
    use super::*;

    pub fn serialize<S: serde::Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("not standard base64: {e}")))
    }
}

/// A thread: the history of one agent conversation or run, in every namespace. It belongs
/// to a project and may be linked to a session and a workflow, whose timeline and
/// reports then show its checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// The caller's thread id (any text of 1 to 256 bytes), unique within the project.
    pub thread_id: String,
    /// Owning project.
    pub project_id: ProjectId,
    /// The session whose timeline shows the thread's checkpoints.
    #[serde(default)]
    pub session_id: Option<SessionId>,
    /// The workflow the thread works for.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// First put.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A pending write of a checkpoint: what a task wrote to a channel before the next
/// checkpoint was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingWrite {
    /// The task that wrote it.
    pub task_id: String,
    /// Its position among the task's writes; negative for LangGraph's special channels.
    pub idx: i64,
    /// The channel written.
    pub channel: String,
    /// The value written.
    pub value: Blob,
    /// The task's path in the graph (empty when not given).
    #[serde(default)]
    pub task_path: String,
}

/// A write handed to [`crate::thread::Threads::put_writes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWrite {
    /// Position among the task's writes; negative for special channels (replaced when
    /// written again), otherwise kept once (a repeated index is ignored).
    pub idx: i64,
    /// The channel written.
    pub channel: String,
    /// The value written.
    pub value: Blob,
}

/// One checkpoint of a thread, with its pending writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadCheckpoint {
    /// Owning project.
    pub project_id: ProjectId,
    /// The thread.
    pub thread_id: String,
    /// The namespace within the thread (`""` for the root graph).
    pub checkpoint_ns: String,
    /// The checkpoint's id; within a thread and namespace, the greatest id (compared as
    /// text) is the latest.
    pub checkpoint_id: String,
    /// The checkpoint it was taken after, if any.
    pub parent_id: Option<String>,
    /// Filterable metadata (a JSON object).
    pub metadata: serde_json::Value,
    /// When it was put.
    pub created_at: Timestamp,
    /// The serialized checkpoint; absent from [`crate::thread::Threads::put`]'s answer,
    /// which never echoes the blob.
    pub checkpoint: Option<Blob>,
    /// Its pending writes, by task path, task id then index.
    pub writes: Vec<PendingWrite>,
}

impl ThreadCheckpoint {
    /// The run that wrote it: its metadata's `run_id`, when that is text
    /// ([`crate::thread::Threads::delete_runs`] deletes by it).
    pub fn run_id(&self) -> Option<&str> {
        self.metadata.get("run_id").and_then(|r| r.as_str())
    }
}

/// A checkpoint to store: [`crate::thread::Threads::put`]'s input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewThreadCheckpoint {
    /// The thread (created by its first put).
    pub thread_id: String,
    /// The namespace (`""` for the root graph).
    #[serde(default)]
    pub checkpoint_ns: String,
    /// The checkpoint's id.
    pub checkpoint_id: String,
    /// The checkpoint it was taken after.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// The serialized checkpoint.
    pub checkpoint: Blob,
    /// Filterable metadata: a JSON object.
    #[serde(default = "crate::session::timeline::empty_object")]
    pub metadata: serde_json::Value,
}

/// Which checkpoints [`crate::thread::Threads::list`] returns, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadQuery {
    /// Only this thread (every thread of the project when absent).
    #[serde(default)]
    pub thread_id: Option<String>,
    /// Only this namespace (every namespace when absent).
    #[serde(default)]
    pub checkpoint_ns: Option<String>,
    /// Only the checkpoint with this id.
    #[serde(default)]
    pub checkpoint_id: Option<String>,
    /// Only checkpoints whose id is less than this one.
    #[serde(default)]
    pub before: Option<String>,
    /// Only checkpoints whose metadata has each of these top-level keys with an equal value.
    #[serde(default)]
    pub filter: Option<serde_json::Map<String, serde_json::Value>>,
    /// At most this many.
    #[serde(default)]
    pub limit: Option<usize>,
}

str_enum!(
    /// What [`crate::thread::Threads::prune`] keeps.
    PruneStrategy, "thread" {
        /// The latest checkpoint of each namespace of the thread, with its writes.
        KeepLatest => "keep_latest",
        /// Nothing: the thread's checkpoints and writes are deleted.
        Delete => "delete",
    }
);

/// What the feed says about a checkpoint: its ids and metadata, never the blobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointNote {
    /// Owning project.
    pub project_id: ProjectId,
    /// The thread.
    pub thread_id: String,
    /// The namespace.
    pub checkpoint_ns: String,
    /// The checkpoint.
    pub checkpoint_id: String,
    /// Its parent.
    pub parent_id: Option<String>,
    /// The serializer's type tag of the checkpoint.
    pub checkpoint_type: String,
    /// The checkpoint's size in bytes.
    pub size: usize,
    /// Its metadata.
    pub metadata: serde_json::Value,
    /// The channels written, for a `writes` event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// The task that wrote, for a `writes` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The thread's session.
    #[serde(skip)]
    pub session_id: Option<SessionId>,
    /// The thread's workflow.
    #[serde(skip)]
    pub workflow_id: Option<WorkflowId>,
}

/// What the feed says about a whole-thread change (`deleted`, `copied`, `pruned`, `linked`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadNote {
    /// The thread as it is after the change (before it, for `deleted`).
    #[serde(flatten)]
    pub thread: Thread,
    /// Checkpoints the change removed or copied.
    pub checkpoints: usize,
    /// For `copied`: the thread copied from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_thread_id: Option<String>,
}

impl FeedEntity for ThreadNote {
    const ENTITY: EntityKind = EntityKind::Thread;
    fn entity_id(&self) -> &str {
        &self.thread.thread_id
    }
    fn project_id(&self) -> &str {
        self.thread.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        self.thread.workflow_id.as_ref().map(|w| w.as_str())
    }
    fn session_id(&self) -> Option<&str> {
        self.thread.session_id.as_ref().map(|s| s.as_str())
    }
}

impl FeedEntity for CheckpointNote {
    const ENTITY: EntityKind = EntityKind::ThreadCheckpoint;
    fn entity_id(&self) -> &str {
        &self.checkpoint_id
    }
    fn project_id(&self) -> &str {
        self.project_id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        self.workflow_id.as_ref().map(|w| w.as_str())
    }
    fn session_id(&self) -> Option<&str> {
        self.session_id.as_ref().map(|s| s.as_str())
    }
}
