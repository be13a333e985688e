//! [`ProjectRead`] and [`ProjectWrite`] over PostgreSQL.

use super::tx::PgTx;
use crate::error::Result;
use crate::project::model::Project;
use crate::store::rows;
use crate::store::{ProjectRead, ProjectWrite};

impl ProjectRead for PgTx<'_> {
    fn project(&self, id: &str) -> Result<Option<Project>> {
        self.one(
            &format!("SELECT {} FROM projects WHERE id = $1", rows::PROJECT),
            &[&id],
            rows::project,
        )
    }

    fn project_by_name(&self, name: &str) -> Result<Option<Project>> {
        self.one(
            &format!("SELECT {} FROM projects WHERE name = $1", rows::PROJECT),
            &[&name],
            rows::project,
        )
    }

    fn projects(&self) -> Result<Vec<Project>> {
        self.all(
            &format!("SELECT {} FROM projects ORDER BY created_at, id", rows::PROJECT),
            &[],
            rows::project,
        )
    }
}

impl ProjectWrite for PgTx<'_> {
    fn insert_project(&mut self, p: &Project) -> Result<()> {
        self.exec(
            "INSERT INTO projects (id, name, root, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &p.id.as_str(),
                &p.name,
                &p.root,
                &p.created_at.0,
                &p.updated_at.0,
                &p.version,
            ],
        )?;
        Ok(())
    }

    fn delete_project(&mut self, id: &str) -> Result<()> {
        self.exec("DELETE FROM projects WHERE id = $1", &[&id])?;
        Ok(())
    }
}
