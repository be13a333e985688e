//! The storage seam of tasks: the task rows, their dependency edges, the ready set and
//! the links between sessions and tasks. The rules (transitions, the dependency check,
//! claims) live in [`crate::task`].

use crate::error::Result;
use crate::task::model::{ClaimFilter, SessionTask, Task};

/// Task queries available inside any transaction.
pub trait TaskRead {
    /// Task by id, with its dependencies.
    fn task(&self, id: &str) -> Result<Option<Task>>;
    /// A project's tasks, oldest first.
    fn tasks(&self, project: &str) -> Result<Vec<Task>>;
    /// Direct subtasks of a task, oldest first.
    fn task_children(&self, parent: &str) -> Result<Vec<Task>>;
    /// Every dependency edge `(task, depends_on)` of a project.
    fn dependency_edges(&self, project: &str) -> Result<Vec<(String, String)>>;
    /// Ready tasks (todo, every dependency completed) of a project matching `filter`,
    /// by priority (highest first), then age, then id; at most `limit`.
    fn ready_tasks(&self, project: &str, filter: &ClaimFilter, limit: usize) -> Result<Vec<Task>>;
    /// Whether every dependency of the task is completed.
    fn dependencies_met(&self, task: &str) -> Result<bool>;
    /// The link between a session and a task.
    fn link(&self, session: &str, task: &str) -> Result<Option<SessionTask>>;
    /// A session's links, oldest first.
    fn links_of_session(&self, session: &str) -> Result<Vec<SessionTask>>;
    /// A task's links, oldest first.
    fn links_of_task(&self, task: &str) -> Result<Vec<SessionTask>>;
}

/// Task mutations, available inside a write transaction.
/// `update_*` methods are compare-and-swap: they write only when the stored version equals
/// `expected_version` and return whether they wrote.
pub trait TaskWrite {
    /// Inserts a task and its dependency edges.
    fn insert_task(&mut self, t: &Task) -> Result<()>;
    /// Compare-and-swap update of a task's fields (not its dependencies).
    fn update_task(&mut self, t: &Task, expected_version: i64) -> Result<bool>;
    /// Adds a dependency edge.
    fn insert_dependency(&mut self, task: &str, depends_on: &str) -> Result<()>;
    /// Removes a dependency edge; returns whether it existed.
    fn delete_dependency(&mut self, task: &str, depends_on: &str) -> Result<bool>;
    /// Inserts or replaces the link between a session and a task.
    fn upsert_link(&mut self, l: &SessionTask) -> Result<()>;
}
