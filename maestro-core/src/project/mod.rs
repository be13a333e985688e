//! Projects: the root that owns every other entity. Deleting one cascades.

pub(crate) mod model;

pub use model::Project;

use crate::error::{Error, Result};
use crate::feed;
use crate::id::ProjectId;
use crate::maestro::Ctx;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Input of [`Projects::create`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// Caller-chosen id (`[a-z0-9_]{1,64}`); generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Unique name, 1 to 200 characters.
    pub name: String,
    /// Git work tree path.
    #[serde(default)]
    pub root: Option<String>,
}

pub(crate) fn load(tx: &dyn crate::store::ReadTx, id: &ProjectId) -> Result<Project> {
    tx.project(id.as_str())?
        .ok_or_else(|| Error::not_found("project", id.as_str()))
}

/// Operations on projects.
#[derive(Clone, Copy)]
pub struct Projects<'a>(pub(crate) Ctx<'a>);

pub(crate) fn check_text(entity: &'static str, field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(entity, field, "must not be empty"));
    }
    if value.len() > max {
        return Err(Error::validation(
            entity,
            field,
            format!("longer than {max} bytes ({})", value.len()),
        ));
    }
    Ok(())
}

impl Projects<'_> {
    /// Creates a project. Names are unique: a second project with the same name is a conflict.
    pub fn create(&self, new: NewProject) -> Result<Project> {
        check_text("project", "name", &new.name, 200)?;
        let id = match &new.id {
            Some(s) => ProjectId::parse(s)?,
            None => ProjectId::generate(),
        };
        let now = Timestamp::now();
        let p = Project {
            id,
            name: new.name,
            root: new.root,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.0.write(|tx| {
            if tx.project_by_name(&p.name)?.is_some() {
                return Err(Error::conflict("project", &p.name, "a project with this name exists"));
            }
            if tx.project(p.id.as_str())?.is_some() {
                return Err(Error::conflict(
                    "project",
                    p.id.as_str(),
                    "a project with this id exists",
                ));
            }
            tx.insert_project(&p)?;
            feed::emit(tx, "created", &p)?;
            Ok(p.clone())
        })
    }

    /// The project with this id.
    pub fn get(&self, id: &ProjectId) -> Result<Project> {
        self.0.read(|tx| {
            tx.project(id.as_str())?
                .ok_or_else(|| Error::not_found("project", id.as_str()))
        })
    }

    /// The project with this name.
    pub fn get_by_name(&self, name: &str) -> Result<Project> {
        self.0.read(|tx| {
            tx.project_by_name(name)?
                .ok_or_else(|| Error::not_found("project", name))
        })
    }

    /// Every project, oldest first.
    pub fn list(&self) -> Result<Vec<Project>> {
        self.0.read(|tx| tx.projects())
    }

    /// Deletes the project and, by cascade, everything it owns. The feed gets one
    /// `project.deleted` event carrying the project's last state; it stands for the
    /// deletion of everything in the project (`state_at` returns `None` for all of it
    /// from then on).
    pub fn delete(&self, id: &ProjectId) -> Result<()> {
        self.0.write(|tx| {
            let p = tx
                .project(id.as_str())?
                .ok_or_else(|| Error::not_found("project", id.as_str()))?;
            tx.delete_project(id.as_str())?;
            feed::emit(tx, "deleted", &p)?;
            Ok(())
        })
    }
}
