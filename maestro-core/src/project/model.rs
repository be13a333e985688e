//! A project as stored: the root that owns every other entity.

use crate::feed::event::{EntityKind, FeedEntity};
use crate::id::ProjectId;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A project: a name and, optionally, the git work tree it lives in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Unique id.
    pub id: ProjectId,
    /// Unique human name.
    pub name: String,
    /// Path of the git work tree, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Incremented by every change; the compare-and-swap token.
    pub version: i64,
}

impl FeedEntity for Project {
    const ENTITY: EntityKind = EntityKind::Project;
    fn entity_id(&self) -> &str {
        self.id.as_str()
    }
    fn project_id(&self) -> &str {
        self.id.as_str()
    }
    fn workflow_id(&self) -> Option<&str> {
        None
    }
}
