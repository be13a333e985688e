//! Mapping between rows and domain types, shared by every SQL backend: both keep the
//! same tables and columns. Column lists live next to their readers so a SELECT and its
//! mapping cannot drift apart. A backend hands rows over through [`Cols`].

use crate::checkpoint::model::{Checkpoint, CheckpointType};
use crate::decision::model::{CategoryDef, Decision};
use crate::error::{Error, Result};
use crate::feed::event::{EntityKind, Event, RawEvent};
use crate::id::*;
use crate::learning::model::{ChoiceKind, ChoiceStat, DocsEntry, PairStat, Record, RecordKind};
use crate::project::model::Project;
use crate::queue::model::{QueueItem, QueueStatus};
use crate::session::model::{Session, SessionHead, TimelineEvent};
use crate::session::status::{SessionStatus, SpawnSource, Strategy};
use crate::task::model::{SessionTask, Task};
use crate::task::status::{LinkStatus, Priority, TaskStatus};
use crate::time::Timestamp;
use crate::workflow::model::{HistoryEntry, HistoryKind, SpecDocument, SteeringDocument, Vote, Workflow};
use crate::workflow::status::WorkflowStatus;

/// One column's value as a backend hands it over.
#[derive(Debug)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// An integer (booleans are 0 or 1).
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A result row of either backend, read column by column.
pub trait Cols {
    /// The value of column `i` (from 0).
    fn val(&self, i: usize) -> Result<Val>;
}

/// A Rust value a column converts to; `None` when the column holds another type.
pub trait FromVal: Sized {
    /// The value, or `None` for a type mismatch.
    fn from_val(v: Val) -> Option<Self>;
}

impl FromVal for String {
    fn from_val(v: Val) -> Option<Self> {
        match v {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl FromVal for i64 {
    fn from_val(v: Val) -> Option<Self> {
        match v {
            Val::Int(i) => Some(i),
            _ => None,
        }
    }
}

impl FromVal for u32 {
    fn from_val(v: Val) -> Option<Self> {
        i64::from_val(v).and_then(|i| u32::try_from(i).ok())
    }
}

impl FromVal for f64 {
    fn from_val(v: Val) -> Option<Self> {
        match v {
            Val::Real(f) => Some(f),
            Val::Int(i) => Some(i as f64),
            _ => None,
        }
    }
}

impl FromVal for bool {
    fn from_val(v: Val) -> Option<Self> {
        i64::from_val(v).map(|i| i != 0)
    }
}

impl FromVal for Vec<u8> {
    fn from_val(v: Val) -> Option<Self> {
        match v {
            Val::Blob(b) => Some(b),
            _ => None,
        }
    }
}

impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: Val) -> Option<Self> {
        match v {
            Val::Null => Some(None),
            v => T::from_val(v).map(Some),
        }
    }
}

impl dyn Cols + '_ {
    /// Column `i` as a `T`; a type mismatch is an internal error naming the column.
    pub(crate) fn get<T: FromVal>(&self, i: usize) -> Result<T> {
        let v = self.val(i)?;
        let held = match &v {
            Val::Null => "NULL",
            Val::Int(_) => "an integer",
            Val::Real(_) => "a real",
            Val::Text(_) => "text",
            Val::Blob(_) => "bytes",
        };
        T::from_val(v).ok_or_else(|| {
            bad(
                i,
                format!("holds {held} where {} was expected", std::any::type_name::<T>()),
            )
        })
    }
}

/// `v` as the JSON text a column stores.
pub(crate) fn enc<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("cannot encode JSON: {e}")))
}

fn bad(col: usize, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("stored column {col} is unreadable: {e}"))
}

fn parse<T>(row: &dyn Cols, col: usize, f: impl FnOnce(&str) -> crate::Result<T>) -> Result<T> {
    let s: String = row.get(col)?;
    f(&s).map_err(|e| bad(col, e))
}

fn opt_parse<T>(row: &dyn Cols, col: usize, f: impl FnOnce(&str) -> crate::Result<T>) -> Result<Option<T>> {
    let s: Option<String> = row.get(col)?;
    s.map(|s| f(&s).map_err(|e| bad(col, e))).transpose()
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(row: &dyn Cols, col: usize) -> Result<T> {
    let s: String = row.get(col)?;
    serde_json::from_str(&s).map_err(|e| bad(col, e))
}

fn ts(row: &dyn Cols, col: usize) -> Result<Timestamp> {
    Ok(Timestamp(row.get(col)?))
}

fn opt_ts(row: &dyn Cols, col: usize) -> Result<Option<Timestamp>> {
    Ok(row.get::<Option<i64>>(col)?.map(Timestamp))
}

pub(crate) const PROJECT: &str = "id, name, root, created_at, updated_at, version";
pub(crate) fn project(r: &dyn Cols) -> Result<Project> {
    Ok(Project {
        id: parse(r, 0, ProjectId::parse)?,
        name: r.get(1)?,
        root: r.get(2)?,
        created_at: ts(r, 3)?,
        updated_at: ts(r, 4)?,
        version: r.get(5)?,
    })
}

pub(crate) const WORKFLOW: &str = "id, project_id, feature, request, model, phase, status, epoch, fail_reason, created_at, updated_at, ended_at, version";
pub(crate) fn workflow(r: &dyn Cols) -> Result<Workflow> {
    Ok(Workflow {
        id: parse(r, 0, WorkflowId::parse)?,
        project_id: parse(r, 1, ProjectId::parse)?,
        feature: r.get(2)?,
        request: r.get(3)?,
        model: json(r, 4)?,
        phase: r.get(5)?,
        status: parse(r, 6, WorkflowStatus::parse)?,
        epoch: r.get(7)?,
        fail_reason: r.get(8)?,
        created_at: ts(r, 9)?,
        updated_at: ts(r, 10)?,
        ended_at: opt_ts(r, 11)?,
        version: r.get(12)?,
    })
}

pub(crate) const HISTORY: &str = "seq, workflow_id, kind, phase, status, at, actor, details";
pub(crate) fn history(r: &dyn Cols) -> Result<HistoryEntry> {
    Ok(HistoryEntry {
        seq: r.get(0)?,
        workflow_id: parse(r, 1, WorkflowId::parse)?,
        kind: parse(r, 2, HistoryKind::parse)?,
        phase: r.get(3)?,
        status: parse(r, 4, WorkflowStatus::parse)?,
        at: ts(r, 5)?,
        actor: r.get(6)?,
        details: json(r, 7)?,
    })
}

pub(crate) const VOTE: &str = "id, workflow_id, project_id, epoch, from_phase, to_phase, voter, approve, comment, at";
pub(crate) fn vote(r: &dyn Cols) -> Result<Vote> {
    Ok(Vote {
        id: parse(r, 0, VoteId::parse)?,
        workflow_id: parse(r, 1, WorkflowId::parse)?,
        project_id: parse(r, 2, ProjectId::parse)?,
        epoch: r.get(3)?,
        from: r.get(4)?,
        to: r.get(5)?,
        voter: r.get(6)?,
        approve: r.get(7)?,
        comment: r.get(8)?,
        at: ts(r, 9)?,
    })
}

pub(crate) const SPEC: &str = "workflow_id, project_id, kind, version, content, author, created_at";
pub(crate) fn spec(r: &dyn Cols) -> Result<SpecDocument> {
    let workflow_id = parse(r, 0, WorkflowId::parse)?;
    let kind: String = r.get(2)?;
    let version: i64 = r.get(3)?;
    Ok(SpecDocument {
        id: format!("{workflow_id}:{kind}:{version}"),
        workflow_id,
        project_id: parse(r, 1, ProjectId::parse)?,
        kind,
        version,
        content: r.get(4)?,
        author: r.get(5)?,
        created_at: ts(r, 6)?,
    })
}

pub(crate) const STEERING: &str = "project_id, domain, version, content, audiences, created_at";
pub(crate) fn steering(r: &dyn Cols) -> Result<SteeringDocument> {
    let project_id = parse(r, 0, ProjectId::parse)?;
    let domain: String = r.get(1)?;
    let version: i64 = r.get(2)?;
    Ok(SteeringDocument {
        id: format!("{project_id}:{domain}:{version}"),
        project_id,
        domain,
        version,
        content: r.get(3)?,
        audiences: json(r, 4)?,
        created_at: ts(r, 5)?,
    })
}

pub(crate) const SESSION: &str = "id, project_id, workflow_id, name, role, strategy, status, parent_session_id, spawn_source, env, metadata, created_at, updated_at, completed_at, last_activity, version";
pub(crate) fn session(r: &dyn Cols) -> Result<Session> {
    Ok(Session {
        id: parse(r, 0, SessionId::parse)?,
        project_id: parse(r, 1, ProjectId::parse)?,
        workflow_id: opt_parse(r, 2, WorkflowId::parse)?,
        name: r.get(3)?,
        role: r.get(4)?,
        strategy: parse(r, 5, Strategy::parse)?,
        status: parse(r, 6, SessionStatus::parse)?,
        parent_session_id: opt_parse(r, 7, SessionId::parse)?,
        spawn_source: parse(r, 8, SpawnSource::parse)?,
        env: json(r, 9)?,
        metadata: json(r, 10)?,
        created_at: ts(r, 11)?,
        updated_at: ts(r, 12)?,
        completed_at: opt_ts(r, 13)?,
        last_activity: ts(r, 14)?,
        version: r.get(15)?,
    })
}

pub(crate) fn session_head(r: &dyn Cols) -> Result<SessionHead> {
    Ok(SessionHead {
        id: parse(r, 0, SessionId::parse)?,
        project_id: parse(r, 1, ProjectId::parse)?,
        workflow_id: opt_parse(r, 2, WorkflowId::parse)?,
        status: parse(r, 3, SessionStatus::parse)?,
    })
}

/// A timeline event from its feed event's payload.
pub(crate) fn timeline(r: &dyn Cols) -> Result<TimelineEvent> {
    json(r, 0)
}

/// Task columns for a table aliased `t`, the last one being its dependency list.
pub(crate) const TASK: &str = "t.id, t.project_id, t.workflow_id, t.parent_id, t.title, t.description, t.status, t.priority, t.labels, t.estimate, t.created_at, t.updated_at, t.version, (SELECT group_concat(d.depends_on) FROM task_deps d WHERE d.task_id = t.id)";
pub(crate) fn task(r: &dyn Cols) -> Result<Task> {
    let deps: Option<String> = r.get(13)?;
    let mut depends_on = deps
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| TaskId::parse(s).map_err(|e| bad(13, e)))
        .collect::<Result<Vec<_>>>()?;
    depends_on.sort();
    Ok(Task {
        id: parse(r, 0, TaskId::parse)?,
        project_id: parse(r, 1, ProjectId::parse)?,
        workflow_id: opt_parse(r, 2, WorkflowId::parse)?,
        parent_id: opt_parse(r, 3, TaskId::parse)?,
        title: r.get(4)?,
        description: r.get(5)?,
        status: parse(r, 6, TaskStatus::parse)?,
        priority: Priority::from_rank(r.get(7)?).ok_or_else(|| bad(7, "priority rank out of range"))?,
        labels: json(r, 8)?,
        estimate: r.get(9)?,
        depends_on,
        created_at: ts(r, 10)?,
        updated_at: ts(r, 11)?,
        version: r.get(12)?,
    })
}

pub(crate) const LINK: &str = "session_id, task_id, project_id, status, created_at, updated_at";
pub(crate) fn link(r: &dyn Cols) -> Result<SessionTask> {
    let session_id = parse(r, 0, SessionId::parse)?;
    let task_id = parse(r, 1, TaskId::parse)?;
    Ok(SessionTask {
        id: format!("{session_id}:{task_id}"),
        session_id,
        task_id,
        project_id: parse(r, 2, ProjectId::parse)?,
        status: parse(r, 3, LinkStatus::parse)?,
        created_at: ts(r, 4)?,
        updated_at: ts(r, 5)?,
    })
}

pub(crate) const QUEUE: &str = "id, session_id, project_id, task_id, position, status, created_at, updated_at, version";
pub(crate) fn queue(r: &dyn Cols) -> Result<QueueItem> {
    Ok(QueueItem {
        id: parse(r, 0, QueueItemId::parse)?,
        session_id: parse(r, 1, SessionId::parse)?,
        project_id: parse(r, 2, ProjectId::parse)?,
        task_id: parse(r, 3, TaskId::parse)?,
        position: r.get(4)?,
        status: parse(r, 5, QueueStatus::parse)?,
        created_at: ts(r, 6)?,
        updated_at: ts(r, 7)?,
        version: r.get(8)?,
    })
}

pub(crate) const CHECKPOINT: &str = "id, workflow_id, project_id, session_id, at, commit_sha, commit_message, description, phase, kind, state_snapshot, tags, rollback_used, rollback_count, valid, version";
pub(crate) fn checkpoint(r: &dyn Cols) -> Result<Checkpoint> {
    Ok(Checkpoint {
        id: parse(r, 0, CheckpointId::parse)?,
        workflow_id: parse(r, 1, WorkflowId::parse)?,
        project_id: parse(r, 2, ProjectId::parse)?,
        session_id: opt_parse(r, 3, SessionId::parse)?,
        at: ts(r, 4)?,
        commit_sha: r.get(5)?,
        commit_message: r.get(6)?,
        description: r.get(7)?,
        phase: r.get(8)?,
        kind: parse(r, 9, CheckpointType::parse)?,
        state_snapshot: json(r, 10)?,
        tags: json(r, 11)?,
        rollback_used: r.get(12)?,
        rollback_count: r.get(13)?,
        valid: r.get(14)?,
        version: r.get(15)?,
    })
}

pub(crate) const EVENT: &str =
    "seq, at, kind, version, entity, entity_id, project_id, workflow_id, session_id, payload";
pub(crate) fn raw_event(r: &dyn Cols) -> Result<RawEvent> {
    let payload: String = r.get(9)?;
    Ok(RawEvent {
        seq: r.get(0)?,
        at: ts(r, 1)?,
        kind: r.get(2)?,
        version: r.get(3)?,
        entity: parse(r, 4, EntityKind::parse)?,
        entity_id: r.get(5)?,
        project_id: r.get(6)?,
        workflow_id: r.get(7)?,
        session_id: r.get(8)?,
        payload: serde_json::value::RawValue::from_string(payload).map_err(|e| bad(9, e))?,
    })
}

pub(crate) fn event(r: &dyn Cols) -> Result<Event> {
    raw_event(r)?.parse().map_err(|e| bad(9, e))
}

pub(crate) const DECISION: &str = "e.payload";
pub(crate) fn decision(r: &dyn Cols) -> Result<Decision> {
    json(r, 0)
}

pub(crate) const CATEGORY: &str = "project_id, name, description, created_at";
pub(crate) fn category(r: &dyn Cols) -> Result<CategoryDef> {
    Ok(CategoryDef {
        project_id: parse(r, 0, ProjectId::parse)?,
        name: r.get(1)?,
        description: r.get(2)?,
        created_at: ts(r, 3)?,
    })
}

pub(crate) const CHOICE_STAT: &str = "project_id, decision_category, subject_category, kind, name, usage_count, \
     outcome_count, success_count, partial_count, failure_count, last_used, last_failed, top_issues";
/// A stored aggregate: its rate and score are left for the domain to derive.
pub(crate) fn choice_stat(r: &dyn Cols) -> Result<ChoiceStat> {
    let subject: String = r.get(2)?;
    Ok(ChoiceStat {
        project_id: Some(parse(r, 0, ProjectId::parse)?),
        decision_category: r.get(1)?,
        subject_category: (!subject.is_empty()).then_some(subject),
        kind: parse(r, 3, ChoiceKind::parse)?,
        name: r.get(4)?,
        usage_count: r.get(5)?,
        outcome_count: r.get(6)?,
        success_count: r.get(7)?,
        partial_count: r.get(8)?,
        failure_count: r.get(9)?,
        success_rate: 0.0,
        score: 0.0,
        last_used: ts(r, 10)?,
        last_failed: opt_ts(r, 11)?,
        issues: json(r, 12)?,
    })
}

pub(crate) const PAIR_STAT: &str = "project_id, before, after, completed, failed, last_seen";
pub(crate) fn pair_stat(r: &dyn Cols) -> Result<PairStat> {
    Ok(PairStat {
        project_id: parse(r, 0, ProjectId::parse)?,
        before: r.get(1)?,
        after: r.get(2)?,
        completed: r.get(3)?,
        failed: r.get(4)?,
        last_seen: ts(r, 5)?,
    })
}

pub(crate) const RECORD: &str = "kind, id, project_id, workflow_id, at, key, num, flag, doc";
pub(crate) fn record(r: &dyn Cols) -> Result<Record> {
    Ok(Record {
        kind: parse(r, 0, RecordKind::parse)?,
        id: r.get(1)?,
        project_id: parse(r, 2, ProjectId::parse)?,
        workflow_id: opt_parse(r, 3, WorkflowId::parse)?,
        at: ts(r, 4)?,
        key: r.get(5)?,
        num: r.get(6)?,
        flag: r.get(7)?,
        doc: r.get(8)?,
    })
}

pub(crate) const DOCS: &str = "library, version, content, stored_at, expires_at";
pub(crate) fn docs(r: &dyn Cols) -> Result<DocsEntry> {
    Ok(DocsEntry {
        library: r.get(0)?,
        version: r.get(1)?,
        content: r.get(2)?,
        stored_at: ts(r, 3)?,
        expires_at: ts(r, 4)?,
    })
}

pub(crate) const THREAD: &str = "thread_id, project_id, session_id, workflow_id, created_at, updated_at";
pub(crate) fn thread(r: &dyn Cols) -> Result<crate::thread::model::Thread> {
    Ok(crate::thread::model::Thread {
        thread_id: r.get(0)?,
        project_id: parse(r, 1, ProjectId::parse)?,
        session_id: opt_parse(r, 2, SessionId::parse)?,
        workflow_id: opt_parse(r, 3, WorkflowId::parse)?,
        created_at: ts(r, 4)?,
        updated_at: ts(r, 5)?,
    })
}

pub(crate) const THREAD_CHECKPOINT: &str =
    "project_id, thread_id, checkpoint_ns, checkpoint_id, parent_id, metadata, created_at, type, data";
/// A checkpoint row, its pending writes not yet read.
pub(crate) fn thread_checkpoint(r: &dyn Cols) -> Result<crate::thread::model::ThreadCheckpoint> {
    Ok(crate::thread::model::ThreadCheckpoint {
        project_id: parse(r, 0, ProjectId::parse)?,
        thread_id: r.get(1)?,
        checkpoint_ns: r.get(2)?,
        checkpoint_id: r.get(3)?,
        parent_id: r.get(4)?,
        metadata: json(r, 5)?,
        created_at: ts(r, 6)?,
        checkpoint: Some(crate::thread::model::Blob {
            kind: r.get(7)?,
            data: r.get(8)?,
        }),
        writes: Vec::new(),
    })
}

/// Writes read in (task id, index) order, the primary key's, put in (task path, task id,
/// index) order: a stable sort, so no SQL sort is needed.
pub(crate) fn in_task_path_order(
    mut writes: Vec<crate::thread::model::PendingWrite>,
) -> Vec<crate::thread::model::PendingWrite> {
    writes.sort_by(|a, b| a.task_path.cmp(&b.task_path));
    writes
}

pub(crate) const THREAD_WRITE: &str = "task_id, idx, channel, type, data, task_path";
pub(crate) fn thread_write(r: &dyn Cols) -> Result<crate::thread::model::PendingWrite> {
    Ok(crate::thread::model::PendingWrite {
        task_id: r.get(0)?,
        idx: r.get(1)?,
        channel: r.get(2)?,
        value: crate::thread::model::Blob {
            kind: r.get(3)?,
            data: r.get(4)?,
        },
        task_path: r.get(5)?,
    })
}
