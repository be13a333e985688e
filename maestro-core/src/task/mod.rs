//! Tasks: statuses with defined transitions, hierarchy, a dependency DAG checked at
//! write time, the session ↔ task relation, the ready set and atomic claims.

pub mod dag;
pub(crate) mod model;
pub(crate) mod status;

pub use model::{ClaimFilter, SessionTask, Task};
pub use status::{LinkStatus, Priority, TaskStatus};

use crate::error::{Error, Result};
use crate::feed;
use crate::id::{ProjectId, SessionId, TaskId, WorkflowId};
use crate::maestro::Ctx;
use crate::project::check_text;
use crate::session::{self, NewTimelineEvent, Session, SessionStatus, TimelineType};
use crate::store::{ReadTx, WriteTx};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Input of [`Tasks::create`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// Caller-chosen id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Owning project.
    pub project_id: ProjectId,
    /// Workflow in the same project.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// Parent task in the same project.
    #[serde(default)]
    pub parent_id: Option<TaskId>,
    /// Title, 1 to 500 bytes.
    pub title: String,
    /// Description, up to 64 KiB.
    #[serde(default)]
    pub description: String,
    /// Priority; medium when absent.
    #[serde(default = "medium")]
    pub priority: Priority,
    /// Labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Estimated effort.
    #[serde(default)]
    pub estimate: Option<f64>,
    /// Existing tasks of the same project this one depends on.
    #[serde(default)]
    pub depends_on: Vec<TaskId>,
}

fn medium() -> Priority {
    Priority::Medium
}

impl NewTask {
    /// A medium-priority task with a title and nothing else.
    pub fn new(project_id: ProjectId, title: impl Into<String>) -> Self {
        NewTask {
            id: None,
            project_id,
            workflow_id: None,
            parent_id: None,
            title: title.into(),
            description: String::new(),
            priority: Priority::Medium,
            labels: Vec::new(),
            estimate: None,
            depends_on: Vec::new(),
        }
    }
}

/// Operations on tasks.
#[derive(Clone, Copy)]
pub struct Tasks<'a>(pub(crate) Ctx<'a>);

pub(crate) fn load(tx: &dyn ReadTx, id: &TaskId) -> Result<Task> {
    tx.task(id.as_str())?
        .ok_or_else(|| Error::not_found("task", id.as_str()))
}

fn save(tx: &mut dyn WriteTx, prev: &Task, next: Task) -> Result<Task> {
    save_as(tx, prev, next, "updated")
}

/// Writes `next` over `prev` with a compare-and-swap on `prev.version`, and its feed
/// event `task.<verb>`.
fn save_as(tx: &mut dyn WriteTx, prev: &Task, mut next: Task, verb: &str) -> Result<Task> {
    next.version = prev.version + 1;
    next.updated_at = Timestamp::now();
    if !tx.update_task(&next, prev.version)? {
        return Err(Error::stale("task", next.id.as_str(), prev.version));
    }
    feed::emit(tx, verb, &next)?;
    Ok(next)
}

fn set_link(
    tx: &mut dyn WriteTx,
    session: &SessionId,
    project: &ProjectId,
    task: &TaskId,
    status: LinkStatus,
) -> Result<()> {
    let now = Timestamp::now();
    let created_at = tx.link(session.as_str(), task.as_str())?.map_or(now, |l| l.created_at);
    let link = SessionTask {
        id: format!("{session}:{task}"),
        session_id: session.clone(),
        task_id: task.clone(),
        project_id: project.clone(),
        status,
        created_at,
        updated_at: now,
    };
    tx.upsert_link(&link)?;
    feed::emit(tx, "updated", &link)?;
    Ok(())
}

/// The session credited with a change to `task`: it must exist, belong to the task's
/// project and still be live.
fn crediting_session(tx: &dyn ReadTx, id: &SessionId, task: &Task) -> Result<Session> {
    let s = session::load(tx, id)?;
    if s.project_id != task.project_id {
        return Err(Error::validation(
            "task",
            "session_id",
            format!(
                "session {id} belongs to project {}, task {} to {}",
                s.project_id, task.id, task.project_id
            ),
        ));
    }
    if s.status.is_terminal() {
        return Err(Error::conflict_from_to(
            "session",
            id.as_str(),
            s.status,
            SessionStatus::Working,
            format!("status is {}; ended sessions take no work", s.status),
        ));
    }
    Ok(s)
}

/// Moves a task to `to` inside `tx`. With a session, the link status follows and the
/// matching timeline event is written (task_started, task_completed with its duration,
/// task_failed, task_blocked, task_skipped).
pub(crate) fn change_status(
    tx: &mut dyn WriteTx,
    task: &Task,
    to: TaskStatus,
    by: Option<&Session>,
    note: Option<&str>,
) -> Result<Task> {
    if !task.status.can_become(to) {
        return Err(Error::illegal("task", task.id.as_str(), task.status, to));
    }
    let starting = to == TaskStatus::InProgress && matches!(task.status, TaskStatus::Todo | TaskStatus::Blocked);
    if starting && !tx.dependencies_met(task.id.as_str())? {
        return Err(Error::conflict_from_to(
            "task",
            task.id.as_str(),
            task.status,
            to,
            "dependencies are not all completed",
        ));
    }
    let mut next = task.clone();
    next.status = to;
    let next = save(tx, task, next)?;
    // Keep at most one live link per task, consistent with its status (see
    // `LinkStatus::after_other_move`): an ending session can then never hand back a task
    // someone else has claimed since.
    for l in tx.links_of_task(task.id.as_str())? {
        if by.is_some_and(|s| s.id == l.session_id) {
            continue;
        }
        if let Some(status) = l.status.after_other_move(to, by.is_some()) {
            set_link(tx, &l.session_id, &l.project_id, &task.id, status)?;
        }
    }
    if let Some(s) = by {
        let effect = match to {
            TaskStatus::InProgress => Some((LinkStatus::Working, TimelineType::TaskStarted)),
            TaskStatus::Completed => Some((LinkStatus::Completed, TimelineType::TaskCompleted)),
            TaskStatus::Failed => Some((LinkStatus::Failed, TimelineType::TaskFailed)),
            TaskStatus::Blocked => Some((LinkStatus::Blocked, TimelineType::TaskBlocked)),
            TaskStatus::Cancelled | TaskStatus::Todo => Some((LinkStatus::Skipped, TimelineType::TaskSkipped)),
            TaskStatus::InReview => None,
        };
        if let Some((link, kind)) = effect {
            set_link(tx, &s.id, &s.project_id, &task.id, link)?;
            let message = match note {
                Some(n) => format!("{}: {n}", next.title),
                None => next.title.clone(),
            };
            let mut e = NewTimelineEvent::new(kind, message);
            e.task_id = Some(task.id.clone());
            session::timeline_append(tx, &s.head(), e)?;
        }
    }
    Ok(next)
}

/// Puts a task back to `to` for a checkpoint restore: not a transition, so the table
/// does not apply, but links follow as for an uncredited move and the feed records a
/// `task.restored` event.
pub(crate) fn restore_status(tx: &mut dyn WriteTx, task: &Task, to: TaskStatus) -> Result<Task> {
    let mut next = task.clone();
    next.status = to;
    let next = save_as(tx, task, next, "restored")?;
    for l in tx.links_of_task(task.id.as_str())? {
        if let Some(status) = l.status.after_other_move(to, false) {
            set_link(tx, &l.session_id, &l.project_id, &task.id, status)?;
        }
    }
    Ok(next)
}

/// Gives back everything a session that just ended held: in-progress tasks it was
/// working on return to `todo`, its processing queue item fails and its queued items
/// are skipped.
pub(crate) fn release_session_work(tx: &mut dyn WriteTx, s: &Session, ended_as: SessionStatus) -> Result<()> {
    let link_status = if ended_as == SessionStatus::Failed {
        LinkStatus::Failed
    } else {
        LinkStatus::Skipped
    };
    for l in tx.links_of_session(s.id.as_str())? {
        if !l.status.is_live() {
            continue;
        }
        let task = load(tx, &l.task_id)?;
        // The link is the task's only live one (see `LinkStatus::after_other_move`).
        if matches!(task.status, TaskStatus::InProgress | TaskStatus::Blocked) {
            let mut next = task.clone();
            next.status = TaskStatus::Todo;
            save(tx, &task, next)?;
        }
        set_link(tx, &s.id, &s.project_id, &l.task_id, link_status)?;
    }
    crate::queue::release_in(tx, s)
}

impl Tasks<'_> {
    /// Creates a task in `todo`. Parent and dependencies must exist in the same project.
    pub fn create(&self, new: NewTask) -> Result<Task> {
        check_text("task", "title", &new.title, 500)?;
        if new.description.len() > 65_536 {
            return Err(Error::validation("task", "description", "longer than 65536 bytes"));
        }
        for (i, l) in new.labels.iter().enumerate() {
            check_text("task", &format!("labels/{i}"), l, 100)?;
        }
        if new.labels.len() > 64 {
            return Err(Error::validation("task", "labels", "at most 64 labels"));
        }
        if let Some(e) = new.estimate {
            if !e.is_finite() || e < 0.0 {
                return Err(Error::validation(
                    "task",
                    "estimate",
                    format!("must be a finite number ≥ 0, got {e}"),
                ));
            }
        }
        let mut depends_on = new.depends_on.clone();
        depends_on.sort();
        depends_on.dedup();
        let id = match &new.id {
            Some(s) => TaskId::parse(s)?,
            None => TaskId::generate(),
        };
        let now = Timestamp::now();
        let task = Task {
            id,
            project_id: new.project_id,
            workflow_id: new.workflow_id,
            parent_id: new.parent_id,
            title: new.title,
            description: new.description,
            status: TaskStatus::Todo,
            priority: new.priority,
            labels: new.labels,
            estimate: new.estimate,
            depends_on,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.0.write(|tx| {
            if tx.project(task.project_id.as_str())?.is_none() {
                return Err(Error::not_found("project", task.project_id.as_str()));
            }
            if let Some(w) = &task.workflow_id {
                if tx
                    .workflow(w.as_str())?
                    .is_none_or(|wf| wf.project_id != task.project_id)
                {
                    return Err(Error::validation(
                        "task",
                        "workflow_id",
                        format!("workflow {w} not found in project {}", task.project_id),
                    ));
                }
            }
            if let Some(p) = &task.parent_id {
                if tx.task(p.as_str())?.is_none_or(|t| t.project_id != task.project_id) {
                    return Err(Error::validation(
                        "task",
                        "parent_id",
                        format!("task {p} not found in project {}", task.project_id),
                    ));
                }
            }
            for (i, d) in task.depends_on.iter().enumerate() {
                if tx.task(d.as_str())?.is_none_or(|t| t.project_id != task.project_id) {
                    return Err(Error::validation(
                        "task",
                        format!("depends_on/{i}"),
                        format!("task {d} not found in project {}", task.project_id),
                    ));
                }
            }
            if tx.task(task.id.as_str())?.is_some() {
                return Err(Error::conflict("task", task.id.as_str(), "a task with this id exists"));
            }
            tx.insert_task(&task)?;
            feed::emit(tx, "created", &task)?;
            Ok(task.clone())
        })
    }

    /// The task with this id, with its dependencies.
    pub fn get(&self, id: &TaskId) -> Result<Task> {
        self.0.read(|tx| load(tx, id))
    }

    /// Every task of a project, oldest first.
    pub fn list(&self, project: &ProjectId) -> Result<Vec<Task>> {
        self.0.read(|tx| tx.tasks(project.as_str()))
    }

    /// Direct subtasks of a task, oldest first.
    pub fn children(&self, id: &TaskId) -> Result<Vec<Task>> {
        self.0.read(|tx| {
            load(tx, id)?;
            tx.task_children(id.as_str())
        })
    }

    /// Makes `task` depend on `depends_on`. Rejects a dangling reference, a task of
    /// another project, and any edge that would close a cycle (the error names the cycle).
    pub fn add_dependency(&self, task: &TaskId, depends_on: &TaskId) -> Result<Task> {
        self.0.write(|tx| {
            let t = load(tx, task)?;
            let d = tx
                .task(depends_on.as_str())?
                .ok_or_else(|| Error::not_found("task", depends_on.as_str()))?;
            if d.project_id != t.project_id {
                return Err(Error::validation(
                    "task",
                    "depends_on",
                    format!("task {depends_on} belongs to project {}", d.project_id),
                ));
            }
            if t.depends_on.contains(depends_on) {
                return Ok(t);
            }
            let edges = tx.dependency_edges(t.project_id.as_str())?;
            if let Some(cycle) = dag::cycle_through(&edges, task.as_str(), depends_on.as_str()) {
                return Err(Error::validation(
                    "task",
                    "depends_on",
                    format!("would create a cycle: {}", cycle.join(" → ")),
                ));
            }
            tx.insert_dependency(task.as_str(), depends_on.as_str())?;
            let mut next = t.clone();
            next.depends_on.push(depends_on.clone());
            next.depends_on.sort();
            save(tx, &t, next)
        })
    }

    /// Removes a dependency edge.
    pub fn remove_dependency(&self, task: &TaskId, depends_on: &TaskId) -> Result<Task> {
        self.0.write(|tx| {
            let t = load(tx, task)?;
            if !tx.delete_dependency(task.as_str(), depends_on.as_str())? {
                return Err(Error::not_found("dependency", format!("{task} → {depends_on}")));
            }
            let mut next = t.clone();
            next.depends_on.retain(|d| d != depends_on);
            save(tx, &t, next)
        })
    }

    /// Moves the task to `to`, enforcing the transition table; with `session`, the link
    /// and timeline follow. `expected` makes it a compare-and-swap on the current status.
    /// Starting a task requires its dependencies to be completed.
    pub fn transition(
        &self,
        id: &TaskId,
        to: TaskStatus,
        session: Option<&SessionId>,
        expected: Option<TaskStatus>,
    ) -> Result<Task> {
        self.0.write(|tx| {
            let t = load(tx, id)?;
            if let Some(exp) = expected {
                if exp != t.status {
                    return Err(Error::conflict_from_to(
                        "task",
                        id.as_str(),
                        t.status,
                        to,
                        format!("status is {}, expected {exp}", t.status),
                    ));
                }
            }
            let s = match session {
                Some(sid) if to == TaskStatus::InProgress => {
                    let s = crediting_session(tx, sid, &t)?;
                    Some(session::start_work(tx, &s)?)
                }
                Some(sid) => Some(crediting_session(tx, sid, &t)?),
                None => None,
            };
            change_status(tx, &t, to, s.as_ref(), None)
        })
    }

    /// Completes the task (from in_progress or in_review), crediting `session`.
    pub fn complete(&self, id: &TaskId, session: Option<&SessionId>) -> Result<Task> {
        self.transition(id, TaskStatus::Completed, session, None)
    }

    /// Fails the task with a reason, crediting `session`.
    pub fn fail(&self, id: &TaskId, session: Option<&SessionId>, reason: &str) -> Result<Task> {
        self.0.write(|tx| {
            let t = load(tx, id)?;
            let s = match session {
                Some(sid) => Some(crediting_session(tx, sid, &t)?),
                None => None,
            };
            change_status(tx, &t, TaskStatus::Failed, s.as_ref(), Some(reason))
        })
    }

    /// Ready tasks of a project: `todo` with every dependency completed, by priority
    /// (critical first), then age.
    pub fn ready(&self, project: &ProjectId) -> Result<Vec<Task>> {
        self.0
            .read(|tx| tx.ready_tasks(project.as_str(), &ClaimFilter::default(), usize::MAX))
    }

    /// Every task of the project in an order where dependencies come first.
    pub fn topological_order(&self, project: &ProjectId) -> Result<Vec<TaskId>> {
        Ok(self.layers(project)?.into_iter().flatten().collect())
    }

    /// The project's tasks in parallel layers: each task's dependencies lie in earlier layers.
    pub fn layers(&self, project: &ProjectId) -> Result<Vec<Vec<TaskId>>> {
        self.0.read(|tx| {
            let nodes: Vec<String> = tx.tasks(project.as_str())?.into_iter().map(|t| t.id.into()).collect();
            let edges = tx.dependency_edges(project.as_str())?;
            let layers = dag::layers(&nodes, &edges)
                .map_err(|rest| Error::Internal(format!("dependency cycle among {}", rest.join(", "))))?;
            layers
                .into_iter()
                .map(|l| l.into_iter().map(|s| TaskId::parse(&s)).collect())
                .collect()
        })
    }

    /// Atomically hands the highest-priority ready task matching `filter` in the
    /// session's project to the session: the task becomes in_progress, the link working,
    /// the session working, and task_started is written. Of any number of concurrent
    /// claimers in any number of processes, each task goes to exactly one. `None` when
    /// nothing is ready.
    pub fn claim(&self, session: &SessionId, filter: &ClaimFilter) -> Result<Option<Task>> {
        self.0.write(|tx| {
            let s = session::load(tx, session)?;
            let Some(task) = tx.ready_tasks(s.project_id.as_str(), filter, 1)?.into_iter().next() else {
                return Ok(None);
            };
            let s = session::start_work(tx, &s)?;
            change_status(tx, &task, TaskStatus::InProgress, Some(&s), None).map(Some)
        })
    }

    /// The sessions linked to a task, with their per-link status.
    pub fn sessions(&self, id: &TaskId) -> Result<Vec<SessionTask>> {
        self.0.read(|tx| {
            load(tx, id)?;
            tx.links_of_task(id.as_str())
        })
    }
}
