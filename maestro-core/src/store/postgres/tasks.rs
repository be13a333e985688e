//! [`TaskRead`] and [`TaskWrite`] over PostgreSQL.

use super::tx::{PgTx, Query};
use crate::error::Result;
use crate::store::rows::{self, enc};
use crate::store::{TaskRead, TaskWrite};
use crate::task::model::{ClaimFilter, SessionTask, Task};

/// The shared task columns with PostgreSQL's `string_agg` for SQLite's `group_concat`.
pub(super) fn task_columns() -> &'static str {
    static COLUMNS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| rows::TASK.replace("group_concat(d.depends_on)", "string_agg(d.depends_on, ',')"))
}

impl TaskRead for PgTx<'_> {
    fn task(&self, id: &str) -> Result<Option<Task>> {
        self.one(
            &format!("SELECT {} FROM tasks t WHERE t.id = $1", task_columns()),
            &[&id],
            rows::task,
        )
    }

    fn tasks(&self, project: &str) -> Result<Vec<Task>> {
        self.all(
            &format!(
                "SELECT {} FROM tasks t WHERE t.project_id = $1 ORDER BY t.created_at, t.id",
                task_columns()
            ),
            &[&project],
            rows::task,
        )
    }

    fn task_children(&self, parent: &str) -> Result<Vec<Task>> {
        self.all(
            &format!(
                "SELECT {} FROM tasks t WHERE t.parent_id = $1 ORDER BY t.created_at, t.id",
                task_columns()
            ),
            &[&parent],
            rows::task,
        )
    }

    fn dependency_edges(&self, project: &str) -> Result<Vec<(String, String)>> {
        self.all(
            "SELECT d.task_id, d.depends_on FROM task_deps d JOIN tasks t ON t.id = d.task_id
             WHERE t.project_id = $1 ORDER BY d.task_id, d.depends_on",
            &[&project],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn ready_tasks(&self, project: &str, filter: &ClaimFilter, limit: usize) -> Result<Vec<Task>> {
        // The ready rows are picked and limited first, and only they get their dependency
        // list: whatever plan the statistics of the moment lead to, a claim never
        // aggregates the dependencies of every ready task.
        let mut q = Query::new("SELECT * FROM tasks t WHERE t.status = 'todo' AND t.open_deps = 0");
        q.and("t.project_id = ?", Some(project.to_owned()))
            .and("t.workflow_id = ?", filter.workflow_id.as_ref().map(|w| w.to_string()))
            .and(
                "jsonb_exists_any(t.labels::jsonb, ?)",
                (!filter.labels.is_empty()).then(|| filter.labels.clone()),
            )
            .order_limit("t.priority DESC, t.created_at, t.id", limit);
        q.sql = format!(
            "SELECT {} FROM ({}) t ORDER BY t.priority DESC, t.created_at, t.id",
            task_columns(),
            q.sql
        );
        self.query(&q, rows::task)
    }

    fn dependencies_met(&self, task: &str) -> Result<bool> {
        Ok(self.scalar(
            "SELECT CASE WHEN open_deps = 0 THEN 1 ELSE 0 END FROM tasks WHERE id = $1",
            &[&task],
        )? == 1)
    }

    fn link(&self, session: &str, task: &str) -> Result<Option<SessionTask>> {
        self.one(
            &format!(
                "SELECT {} FROM session_tasks WHERE session_id = $1 AND task_id = $2",
                rows::LINK
            ),
            &[&session, &task],
            rows::link,
        )
    }

    fn links_of_session(&self, session: &str) -> Result<Vec<SessionTask>> {
        self.all(
            &format!(
                "SELECT {} FROM session_tasks WHERE session_id = $1 ORDER BY created_at, task_id",
                rows::LINK
            ),
            &[&session],
            rows::link,
        )
    }

    fn links_of_task(&self, task: &str) -> Result<Vec<SessionTask>> {
        self.all(
            &format!(
                "SELECT {} FROM session_tasks WHERE task_id = $1 ORDER BY created_at, session_id",
                rows::LINK
            ),
            &[&task],
            rows::link,
        )
    }
}

impl TaskWrite for PgTx<'_> {
    fn insert_task(&mut self, t: &Task) -> Result<()> {
        self.exec(
            "INSERT INTO tasks (id, project_id, workflow_id, parent_id, title, description, status, priority, labels, estimate, created_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &t.id.as_str(),
                &t.project_id.as_str(),
                &t.workflow_id.as_ref().map(|w| w.as_str()),
                &t.parent_id.as_ref().map(|p| p.as_str()),
                &t.title,
                &t.description,
                &t.status.as_str(),
                &t.priority.rank(),
                &enc(&t.labels)?,
                &t.estimate,
                &t.created_at.0,
                &t.updated_at.0,
                &t.version,
            ],
        )?;
        for d in &t.depends_on {
            self.insert_dependency(t.id.as_str(), d.as_str())?;
        }
        Ok(())
    }

    fn update_task(&mut self, t: &Task, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE tasks SET title = $2, description = $3, status = $4, priority = $5, labels = $6, estimate = $7, updated_at = $8, version = $9
             WHERE id = $1 AND version = $10",
            &[
                &t.id.as_str(),
                &t.title,
                &t.description,
                &t.status.as_str(),
                &t.priority.rank(),
                &enc(&t.labels)?,
                &t.estimate,
                &t.updated_at.0,
                &t.version,
                &expected_version,
            ],
        )? == 1)
    }

    fn insert_dependency(&mut self, task: &str, depends_on: &str) -> Result<()> {
        self.exec(
            "INSERT INTO task_deps (task_id, depends_on) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&task, &depends_on],
        )?;
        Ok(())
    }

    fn delete_dependency(&mut self, task: &str, depends_on: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM task_deps WHERE task_id = $1 AND depends_on = $2",
            &[&task, &depends_on],
        )? == 1)
    }

    fn upsert_link(&mut self, l: &SessionTask) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO session_tasks ({}) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (session_id, task_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
                rows::LINK
            ),
            &[
                &l.session_id.as_str(),
                &l.task_id.as_str(),
                &l.project_id.as_str(),
                &l.status.as_str(),
                &l.created_at.0,
                &l.updated_at.0,
            ],
        )?;
        Ok(())
    }
}
