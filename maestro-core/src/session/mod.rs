//! Agent sessions: the enforced status machine, timelines, parent/child trees and liveness.

pub(crate) mod model;
pub(crate) mod status;
pub(crate) mod timeline;

pub use model::{Session, SessionFilter, SessionHead, TimelineEvent, TimelineType};
pub use status::{SessionStatus, SpawnSource, Strategy};
pub(crate) use timeline::append as timeline_append;
pub use timeline::NewTimelineEvent;

use crate::error::{Error, Result};
use crate::feed;
use crate::id::{ProjectId, SessionId, TaskId, WorkflowId};
use crate::maestro::Ctx;
use crate::project::check_text;
use crate::store::{ReadTx, WriteTx};
use crate::task::SessionTask;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Input of [`Sessions::spawn`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    /// Caller-chosen id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Owning project.
    pub project_id: ProjectId,
    /// Workflow, in the same project.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// Display name.
    pub name: String,
    /// `orchestrator`, `worker` or free text.
    #[serde(default = "worker")]
    pub role: String,
    /// How it picks work.
    #[serde(default = "simple")]
    pub strategy: Strategy,
    /// Parent session, in the same project.
    #[serde(default)]
    pub parent_session_id: Option<SessionId>,
    /// Who spawns it.
    #[serde(default = "api")]
    pub spawn_source: SpawnSource,
    /// Environment for the agent.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Free-form JSON object.
    #[serde(default = "timeline::empty_object")]
    pub metadata: serde_json::Value,
    /// Tasks put in the session's queue at spawn, in order.
    #[serde(default)]
    pub tasks: Vec<TaskId>,
}

fn worker() -> String {
    "worker".into()
}
fn simple() -> Strategy {
    Strategy::Simple
}
fn api() -> SpawnSource {
    SpawnSource::Api
}

impl NewSession {
    /// A worker session with defaults for everything optional.
    pub fn new(project_id: ProjectId, name: impl Into<String>) -> Self {
        NewSession {
            id: None,
            project_id,
            workflow_id: None,
            name: name.into(),
            role: worker(),
            strategy: Strategy::Simple,
            parent_session_id: None,
            spawn_source: SpawnSource::Api,
            env: BTreeMap::new(),
            metadata: timeline::empty_object(),
            tasks: Vec::new(),
        }
    }
}

/// A session with its descendants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionTree {
    /// The session.
    pub session: Session,
    /// Its children, oldest first, each with their own children.
    pub children: Vec<SessionTree>,
}

/// Operations on sessions.
#[derive(Clone, Copy)]
pub struct Sessions<'a>(pub(crate) Ctx<'a>);

pub(crate) fn load(tx: &dyn ReadTx, id: &SessionId) -> Result<Session> {
    tx.session(id.as_str())?
        .ok_or_else(|| Error::not_found("session", id.as_str()))
}

fn save(tx: &mut dyn WriteTx, prev: &Session, mut next: Session) -> Result<Session> {
    next.version = prev.version + 1;
    next.updated_at = Timestamp::now();
    if !tx.update_session(&next, prev.version)? {
        return Err(Error::stale("session", next.id.as_str(), prev.version));
    }
    feed::emit(tx, "updated", &next)?;
    Ok(next)
}

/// Moves a session to `to` inside `tx`, enforcing the status machine, writing the
/// automatic timeline event, and releasing claimed work when the session ends.
pub(crate) fn change_status(
    tx: &mut dyn WriteTx,
    s: &Session,
    to: SessionStatus,
    reason: Option<&str>,
) -> Result<Session> {
    if !s.status.can_become(to) {
        return Err(Error::illegal("session", s.id.as_str(), s.status, to));
    }
    let mut next = s.clone();
    next.status = to;
    next.last_activity = Timestamp::now();
    if to.is_terminal() {
        next.completed_at = Some(next.last_activity);
    }
    let next = save(tx, s, next)?;
    let auto = match to {
        SessionStatus::Completed => Some((TimelineType::SessionStopped, "session completed".to_owned())),
        SessionStatus::Stopped => Some((
            TimelineType::SessionStopped,
            reason.unwrap_or("session stopped").to_owned(),
        )),
        SessionStatus::Failed => Some((
            TimelineType::Error,
            format!("session failed: {}", reason.unwrap_or("no reason given")),
        )),
        _ => None,
    };
    if let Some((kind, message)) = auto {
        let mut e = NewTimelineEvent::new(kind, message);
        e.metadata = serde_json::json!({ "status": to.as_str() });
        timeline::append(tx, &next.head(), e)?;
    }
    if to.is_terminal() {
        crate::task::release_session_work(tx, &next, to)?;
    }
    Ok(next)
}

/// Before a session takes work: it must be live; an idle one becomes working. Finishing
/// work never moves a session back to idle by itself: the agent says whether it waits
/// (`idle`) or is done (`complete`, legal only from `working`).
pub(crate) fn start_work(tx: &mut dyn WriteTx, s: &Session) -> Result<Session> {
    match s.status {
        SessionStatus::Working => Ok(s.clone()),
        SessionStatus::Idle => change_status(tx, s, SessionStatus::Working, None),
        other => Err(Error::conflict_from_to(
            "session",
            s.id.as_str(),
            other,
            SessionStatus::Working,
            format!("status is {other}; only idle or working sessions take work"),
        )),
    }
}

impl Sessions<'_> {
    /// Creates a session in `spawning` with a `session_started` timeline event, and
    /// queues the given tasks in order.
    pub fn spawn(&self, new: NewSession) -> Result<Session> {
        check_text("session", "name", &new.name, 200)?;
        check_text("session", "role", &new.role, 200)?;
        if !new.metadata.is_object() {
            return Err(Error::validation("session", "metadata", "must be a JSON object"));
        }
        let id = match &new.id {
            Some(s) => SessionId::parse(s)?,
            None => SessionId::generate(),
        };
        let now = Timestamp::now();
        let s = Session {
            id,
            project_id: new.project_id,
            workflow_id: new.workflow_id,
            name: new.name,
            role: new.role,
            strategy: new.strategy,
            status: SessionStatus::Spawning,
            parent_session_id: new.parent_session_id,
            spawn_source: new.spawn_source,
            env: new.env,
            metadata: new.metadata,
            created_at: now,
            updated_at: now,
            completed_at: None,
            last_activity: now,
            version: 1,
        };
        self.0.write(|tx| {
            if tx.project(s.project_id.as_str())?.is_none() {
                return Err(Error::not_found("project", s.project_id.as_str()));
            }
            if let Some(w) = &s.workflow_id {
                let wf = tx
                    .workflow(w.as_str())?
                    .ok_or_else(|| Error::not_found("workflow", w.as_str()))?;
                if wf.project_id != s.project_id {
                    return Err(Error::validation(
                        "session",
                        "workflow_id",
                        format!("workflow {w} belongs to project {}", wf.project_id),
                    ));
                }
            }
            if let Some(p) = &s.parent_session_id {
                let parent = load(tx, p)?;
                if parent.project_id != s.project_id {
                    return Err(Error::validation(
                        "session",
                        "parent_session_id",
                        format!("session {p} belongs to project {}", parent.project_id),
                    ));
                }
            }
            if tx.session(s.id.as_str())?.is_some() {
                return Err(Error::conflict(
                    "session",
                    s.id.as_str(),
                    "a session with this id exists",
                ));
            }
            tx.insert_session(&s)?;
            feed::emit(tx, "created", &s)?;
            timeline::append(
                tx,
                &s.head(),
                NewTimelineEvent::new(
                    TimelineType::SessionStarted,
                    format!("{} spawned as {}", s.name, s.role),
                ),
            )?;
            for t in &new.tasks {
                crate::queue::enqueue_in(tx, &s, t)?;
            }
            Ok(s.clone())
        })
    }

    /// The session with this id.
    pub fn get(&self, id: &SessionId) -> Result<Session> {
        self.0.read(|tx| load(tx, id))
    }

    /// Sessions matching `filter`, oldest first.
    pub fn list(&self, filter: &SessionFilter) -> Result<Vec<Session>> {
        self.0.read(|tx| tx.sessions(filter))
    }

    /// Direct children of a session, oldest first.
    pub fn children(&self, id: &SessionId) -> Result<Vec<Session>> {
        self.0.read(|tx| {
            load(tx, id)?;
            tx.sessions(&SessionFilter {
                parent_session_id: Some(id.clone()),
                ..Default::default()
            })
        })
    }

    /// The session and all its descendants, read in one snapshot.
    pub fn tree(&self, id: &SessionId) -> Result<SessionTree> {
        fn build(tx: &dyn ReadTx, s: Session, depth: usize) -> Result<SessionTree> {
            if depth > 1000 {
                return Err(Error::Internal(format!("session tree deeper than 1000 at {}", s.id)));
            }
            let kids = tx.sessions(&SessionFilter {
                parent_session_id: Some(s.id.clone()),
                ..Default::default()
            })?;
            let children = kids
                .into_iter()
                .map(|k| build(tx, k, depth + 1))
                .collect::<Result<_>>()?;
            Ok(SessionTree { session: s, children })
        }
        self.0.read(|tx| build(tx, load(tx, id)?, 0))
    }

    /// Moves the session to `to`; illegal moves fail with `from → to` and change nothing.
    /// With `expected`, the move happens only if the status still is `expected`.
    pub fn transition(
        &self,
        id: &SessionId,
        to: SessionStatus,
        expected: Option<SessionStatus>,
        reason: Option<&str>,
    ) -> Result<Session> {
        self.0.write(|tx| {
            let s = load(tx, id)?;
            if let Some(exp) = expected {
                if exp != s.status {
                    return Err(Error::conflict_from_to(
                        "session",
                        id.as_str(),
                        s.status,
                        to,
                        format!("status is {}, expected {exp}", s.status),
                    ));
                }
            }
            change_status(tx, &s, to, reason)
        })
    }

    /// The agent registered: spawning → idle.
    pub fn register(&self, id: &SessionId) -> Result<Session> {
        self.transition(id, SessionStatus::Idle, None, None)
    }

    /// working → completed.
    pub fn complete(&self, id: &SessionId) -> Result<Session> {
        self.transition(id, SessionStatus::Completed, None, None)
    }

    /// idle | working → stopped; claimed work is released.
    pub fn stop(&self, id: &SessionId, reason: Option<&str>) -> Result<Session> {
        self.transition(id, SessionStatus::Stopped, None, reason)
    }

    /// Any live status → failed; claimed work is released.
    pub fn fail(&self, id: &SessionId, reason: &str) -> Result<Session> {
        self.transition(id, SessionStatus::Failed, None, Some(reason))
    }

    /// Records that the session is alive.
    pub fn heartbeat(&self, id: &SessionId) -> Result<Session> {
        self.0.write(|tx| {
            let s = load(tx, id)?;
            if s.status.is_terminal() {
                return Err(Error::conflict(
                    "session",
                    id.as_str(),
                    format!("status is {}; ended sessions have no heartbeat", s.status),
                ));
            }
            let mut next = s.clone();
            next.last_activity = Timestamp::now();
            save(tx, &s, next)
        })
    }

    /// Appends an event to the session's timeline. Ended sessions accept no events.
    pub fn append(&self, id: &SessionId, event: NewTimelineEvent) -> Result<TimelineEvent> {
        event.validate()?;
        self.0.write(|tx| {
            let s = tx
                .session_head(id.as_str())?
                .ok_or_else(|| Error::not_found("session", id.as_str()))?;
            if s.status.is_terminal() {
                return Err(Error::conflict(
                    "session",
                    id.as_str(),
                    format!("status is {}; ended sessions accept no timeline events", s.status),
                ));
            }
            if let Some(t) = &event.task_id {
                if tx.task(t.as_str())?.is_none_or(|task| task.project_id != s.project_id) {
                    return Err(Error::not_found("task", t.as_str()));
                }
            }
            timeline::append(tx, &s, event)
        })
    }

    /// The session's timeline in append order.
    pub fn timeline(&self, id: &SessionId) -> Result<Vec<TimelineEvent>> {
        self.0.read(|tx| {
            load(tx, id)?;
            tx.timeline(id.as_str())
        })
    }

    /// The session's task links with their per-link status.
    pub fn tasks(&self, id: &SessionId) -> Result<Vec<SessionTask>> {
        self.0.read(|tx| {
            load(tx, id)?;
            tx.links_of_session(id.as_str())
        })
    }

    /// Fails every live session whose last heartbeat and last feed event (timeline
    /// append, claim, queue change) are older than `timeout` (sessions stuck in spawning
    /// included), releasing their claimed tasks back to `todo` and their queue items.
    /// Returns the reaped sessions. Each session is re-checked and reaped in its own
    /// transaction, so a concurrent heartbeat or append wins cleanly.
    pub fn reap_stale(&self, timeout: Duration) -> Result<Vec<Session>> {
        let cutoff = Timestamp::now().0 - timeout.as_millis().min(i64::MAX as u128) as i64;
        let live: Vec<SessionStatus> = SessionStatus::ALL
            .iter()
            .copied()
            .filter(|s| !s.is_terminal())
            .collect();
        let stale = self.0.read(|tx| tx.stale_sessions(cutoff, &live))?;
        let mut reaped = Vec::new();
        for s in stale {
            let r = self.0.write(|tx| {
                // Re-check inside the write: the session may have shown life since the scan.
                let now = load(tx, &s.id)?;
                let last_event = tx.last_session_event_at(s.id.as_str())?.map_or(0, |t| t.0);
                if now.status.is_terminal() || now.last_activity.0 >= cutoff || last_event >= cutoff {
                    return Ok(None);
                }
                let reason = format!("no activity for {} ms", timeout.as_millis());
                Ok(Some(change_status(tx, &now, SessionStatus::Failed, Some(&reason))?))
            })?;
            reaped.extend(r);
        }
        Ok(reaped)
    }
}
