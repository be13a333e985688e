//! The export files' shapes: each entity document as serde writes it, with
//! `schema_version` first and the export-only extras after it (SPEC §6).

use crate::decision::CategoryDef;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::queue::QueueItem;
use crate::session::{Session, TimelineEvent};
use crate::task::{SessionTask, Task};
use crate::workflow::{SpecDocument, SteeringDocument, Vote, Workflow};
use serde::{Deserialize, Serialize};

/// `projects/<id>.json`.
#[derive(Serialize, Deserialize)]
pub(crate) struct ProjectFile {
    pub schema_version: u32,
    #[serde(flatten)]
    pub project: Project,
    pub steering_documents: Vec<SteeringDocument>,
    pub decision_categories: Vec<CategoryDef>,
}

/// `workflows/<id>/metadata.json`. History entries are written without their `seq`,
/// which is a position in one database, not part of the workflow: their order is.
#[derive(Serialize, Deserialize)]
pub(crate) struct WorkflowFile {
    pub schema_version: u32,
    #[serde(flatten)]
    pub workflow: Workflow,
    pub history: Vec<serde_json::Value>,
    pub votes: Vec<Vote>,
    pub spec_documents: Vec<SpecDocument>,
}

/// `sessions/<id>.json`. The timeline is written beside it, one event per line in
/// `sessions/<id>.timeline.jsonl`, so a timeline of any length imports (each line within
/// the limits of one document); a `timeline` array inside the file is still read.
#[derive(Serialize, Deserialize)]
pub(crate) struct SessionFile {
    pub schema_version: u32,
    #[serde(flatten)]
    pub session: Session,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEvent>,
    pub tasks: Vec<SessionTask>,
    pub queue: Vec<QueueItem>,
}

/// `tasks/<id>.json`.
#[derive(Serialize, Deserialize)]
pub(crate) struct TaskFile {
    pub schema_version: u32,
    #[serde(flatten)]
    pub task: Task,
}

/// One compact JSON document per line, each line ending in a newline.
pub(crate) fn lines<T: Serialize>(items: &[T]) -> Result<String> {
    let mut out = String::new();
    for item in items {
        out.push_str(&serde_json::to_string(item).map_err(|e| Error::Internal(format!("cannot encode export: {e}")))?);
        out.push('\n');
    }
    Ok(out)
}

/// Stable, pretty JSON with a final newline.
pub(crate) fn pretty<T: Serialize>(v: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| Error::Internal(format!("cannot encode export: {e}")))?;
    s.push('\n');
    Ok(s)
}
