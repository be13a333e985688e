//! The storage seam of projects. The rules (unique names, what a delete takes with it)
//! live in [`crate::project`].

use crate::error::Result;
use crate::project::model::Project;

/// Project queries available inside any transaction.
pub trait ProjectRead {
    /// Project by id.
    fn project(&self, id: &str) -> Result<Option<Project>>;
    /// Project by unique name.
    fn project_by_name(&self, name: &str) -> Result<Option<Project>>;
    /// All projects, oldest first.
    fn projects(&self) -> Result<Vec<Project>>;
}

/// Project mutations, available inside a write transaction.
pub trait ProjectWrite {
    /// Inserts a project.
    fn insert_project(&mut self, p: &Project) -> Result<()>;
    /// Deletes a project and everything it owns.
    fn delete_project(&mut self, id: &str) -> Result<()>;
}
