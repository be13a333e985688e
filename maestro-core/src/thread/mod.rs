//! Agent threads (the state of LangGraph-style agents): per thread and namespace, a
//! history of checkpoints and the pending writes of each, per task.
//!
//! - A thread belongs to a project and is created by its first put. Thread, namespace,
//!   checkpoint and task ids are the caller's text (LangGraph's UUIDs and paths).
//! - Within a thread and namespace the latest checkpoint is the one with the greatest id,
//!   compared as text (LangGraph's ids are time-ordered UUIDs); lists are newest first.
//! - A pending write whose `(task_id, idx)` is already stored for the checkpoint is
//!   ignored when `idx >= 0` and replaces the stored one when `idx < 0` (LangGraph's
//!   special channels: errors, interrupts, resumes).
//! - A thread linked to a session shows each new checkpoint on that session's timeline
//!   (`thread_checkpoint`); feed events carry ids and metadata, never the blobs.
//! - Every call is one transaction.

pub(crate) mod model;

pub use model::{
    Blob, CheckpointNote, NewThreadCheckpoint, NewWrite, PendingWrite, PruneStrategy, Thread, ThreadCheckpoint,
    ThreadNote, ThreadQuery,
};

use crate::error::{Error, Result};
use crate::feed;
use crate::id::{ProjectId, SessionId, WorkflowId};
use crate::maestro::Ctx;
use crate::session::{NewTimelineEvent, TimelineType};
use crate::store::{ReadTx, WriteTx};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest thread, checkpoint, parent and task id accepted, in bytes.
pub const MAX_THREAD_ID_BYTES: usize = 256;
/// Longest namespace and task path accepted, in bytes.
pub const MAX_NS_BYTES: usize = 4096;
/// Longest channel name, in bytes.
pub const MAX_CHANNEL_BYTES: usize = 1024;
/// Longest serializer type tag, in bytes.
pub const MAX_TYPE_BYTES: usize = 64;
/// Largest blob (a checkpoint or one write), in bytes: once base64-encoded it fits one
/// input document, and one line of an export, with room to spare.
pub const MAX_BLOB_BYTES: usize = 32 << 20;
/// Most writes one `put_writes` call stores.
pub const MAX_WRITES_PER_CALL: usize = 10_000;
/// Most run ids or thread ids one call names.
pub const MAX_IDS_PER_CALL: usize = 10_000;

/// Pending writes of one task for one checkpoint: [`Threads::put_writes`]'s input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWrites {
    /// The thread.
    pub thread_id: String,
    /// The namespace (`""` for the root graph).
    #[serde(default)]
    pub checkpoint_ns: String,
    /// The checkpoint the writes belong to.
    pub checkpoint_id: String,
    /// The task that wrote them.
    pub task_id: String,
    /// The task's path in the graph.
    #[serde(default)]
    pub task_path: String,
    /// The writes.
    pub writes: Vec<NewWrite>,
}

/// Operations on agent threads.
#[derive(Clone, Copy)]
pub struct Threads<'a>(pub(crate) Ctx<'a>);

fn text(path: &str, value: &str, min: usize, max: usize) -> Result<()> {
    if value.len() < min || value.len() > max {
        return Err(Error::validation(
            "thread",
            path,
            format!("must be {min} to {max} bytes, got {}", value.len()),
        ));
    }
    if value.contains('\0') {
        return Err(Error::validation("thread", path, "must not contain NUL"));
    }
    Ok(())
}

fn id(path: &str, value: &str) -> Result<()> {
    text(path, value, 1, MAX_THREAD_ID_BYTES)
}

fn blob(path: &str, b: &Blob) -> Result<()> {
    text(&format!("{path}/type"), &b.kind, 1, MAX_TYPE_BYTES)?;
    if b.data.len() > MAX_BLOB_BYTES {
        return Err(Error::validation(
            "thread",
            format!("{path}/data"),
            format!("{} bytes is more than the limit of {MAX_BLOB_BYTES}", b.data.len()),
        ));
    }
    Ok(())
}

fn check_put(c: &NewThreadCheckpoint) -> Result<()> {
    id("/thread_id", &c.thread_id)?;
    text("/checkpoint_ns", &c.checkpoint_ns, 0, MAX_NS_BYTES)?;
    id("/checkpoint_id", &c.checkpoint_id)?;
    if let Some(p) = &c.parent_id {
        id("/parent_id", p)?;
    }
    blob("/checkpoint", &c.checkpoint)?;
    if !c.metadata.is_object() {
        return Err(Error::validation("thread", "/metadata", "must be a JSON object"));
    }
    Ok(())
}

fn check_writes(w: &NewWrites) -> Result<()> {
    id("/thread_id", &w.thread_id)?;
    text("/checkpoint_ns", &w.checkpoint_ns, 0, MAX_NS_BYTES)?;
    id("/checkpoint_id", &w.checkpoint_id)?;
    id("/task_id", &w.task_id)?;
    text("/task_path", &w.task_path, 0, MAX_NS_BYTES)?;
    if w.writes.len() > MAX_WRITES_PER_CALL {
        return Err(Error::validation(
            "thread",
            "/writes",
            format!(
                "{} writes is more than the limit of {MAX_WRITES_PER_CALL}",
                w.writes.len()
            ),
        ));
    }
    for (i, nw) in w.writes.iter().enumerate() {
        text(&format!("/writes/{i}/channel"), &nw.channel, 1, MAX_CHANNEL_BYTES)?;
        blob(&format!("/writes/{i}/value"), &nw.value)?;
    }
    Ok(())
}

fn ids(path: &str, list: &[String]) -> Result<()> {
    if list.len() > MAX_IDS_PER_CALL {
        return Err(Error::validation(
            "thread",
            path,
            format!("{} ids is more than the limit of {MAX_IDS_PER_CALL}", list.len()),
        ));
    }
    for (i, v) in list.iter().enumerate() {
        id(&format!("{path}/{i}"), v)?;
    }
    Ok(())
}

/// The thread, created (and announced) when this is its first put.
fn ensure_thread(tx: &mut dyn WriteTx, project: &ProjectId, thread: &str) -> Result<Thread> {
    if let Some(t) = tx.thread(project.as_str(), thread)? {
        return Ok(t);
    }
    crate::project::load(tx, project)?;
    let now = Timestamp::now();
    let t = Thread {
        thread_id: thread.to_owned(),
        project_id: project.clone(),
        session_id: None,
        workflow_id: None,
        created_at: now,
        updated_at: now,
    };
    tx.upsert_thread(&t)?;
    announce(tx, "created", &t, 0, None)?;
    Ok(t)
}

fn announce(tx: &mut dyn WriteTx, verb: &str, t: &Thread, checkpoints: usize, source: Option<&str>) -> Result<()> {
    feed::emit(
        tx,
        verb,
        &ThreadNote {
            thread: t.clone(),
            checkpoints,
            source_thread_id: source.map(str::to_owned),
        },
    )?;
    Ok(())
}

fn note(t: &Thread, c: &ThreadCheckpoint) -> CheckpointNote {
    let blob = c.checkpoint.as_ref();
    CheckpointNote {
        project_id: c.project_id.clone(),
        thread_id: c.thread_id.clone(),
        checkpoint_ns: c.checkpoint_ns.clone(),
        checkpoint_id: c.checkpoint_id.clone(),
        parent_id: c.parent_id.clone(),
        checkpoint_type: blob.map(|b| b.kind.clone()).unwrap_or_default(),
        size: blob.map_or(0, |b| b.data.len()),
        metadata: c.metadata.clone(),
        channels: Vec::new(),
        task_id: None,
        session_id: t.session_id.clone(),
        workflow_id: t.workflow_id.clone(),
    }
}

/// Shows the checkpoint on the timeline of the thread's session, if it has one.
fn show_on_timeline(tx: &mut dyn WriteTx, t: &Thread, c: &ThreadCheckpoint) -> Result<()> {
    let Some(session) = &t.session_id else { return Ok(()) };
    let Some(head) = tx.session_head(session.as_str())? else {
        return Ok(());
    };
    let step = c.metadata.get("step").cloned().unwrap_or(serde_json::Value::Null);
    let source = c
        .metadata
        .get("source")
        .and_then(|s| s.as_str())
        .unwrap_or("checkpoint");
    let mut event = NewTimelineEvent::new(
        TimelineType::ThreadCheckpoint,
        format!(
            "thread {} checkpoint {} ({source}, step {step})",
            t.thread_id, c.checkpoint_id
        ),
    );
    event.metadata = serde_json::json!({
        "thread_id": c.thread_id,
        "checkpoint_ns": c.checkpoint_ns,
        "checkpoint_id": c.checkpoint_id,
        "parent_id": c.parent_id,
        "metadata": c.metadata,
    });
    crate::session::timeline::append(tx, &head, event)?;
    Ok(())
}

/// The blob `{"type", "data": base64}` in `v`, a JSON input at `path`: a `data` that is not
/// standard base64 is a validation error at `<path>/data`. (Decoded here rather than by a
/// schema pattern, which costs several microseconds per kilobyte.)
pub fn blob_at(v: &serde_json::Value, path: &str) -> Result<Blob> {
    use base64::Engine;
    let field = |name: &str| {
        v.get(name)
            .and_then(|s| s.as_str())
            .ok_or_else(|| Error::validation("thread", format!("{path}/{name}"), "must be a string"))
    };
    let kind = field("type")?.to_owned();
    let data = base64::engine::general_purpose::STANDARD
        .decode(field("data")?)
        .map_err(|e| Error::validation("thread", format!("{path}/data"), format!("not standard base64: {e}")))?;
    Ok(Blob { kind, data })
}

/// Stores a checkpoint inside `tx` (the put and import share it).
pub(crate) fn put_in(tx: &mut dyn WriteTx, project: &ProjectId, c: &ThreadCheckpoint) -> Result<()> {
    let t = ensure_thread(tx, project, &c.thread_id)?;
    tx.put_thread_checkpoint(c)?;
    feed::emit(tx, "put", &note(&t, c))?;
    show_on_timeline(tx, &t, c)
}

/// Retention: deletes up to `limit` checkpoints beyond the newest `keep` of their thread
/// and namespace (with their writes), announcing each thread pruned; returns how many.
pub(crate) fn prune_surplus(tx: &mut dyn WriteTx, keep: usize, limit: usize) -> Result<usize> {
    let gone = tx.delete_surplus_thread_checkpoints(keep, limit)?;
    let mut per_thread: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for key in &gone {
        *per_thread.entry(key.clone()).or_default() += 1;
    }
    for ((project, thread), n) in per_thread {
        if let Some(t) = tx.thread(&project, &thread)? {
            announce(tx, "pruned", &t, n, None)?;
        }
    }
    Ok(gone.len())
}

/// Whether `metadata` has every key of `filter` with an equal value.
fn matches(metadata: &serde_json::Value, filter: &serde_json::Map<String, serde_json::Value>) -> bool {
    filter.iter().all(|(k, v)| metadata.get(k) == Some(v))
}

fn delete_in(tx: &mut dyn WriteTx, project: &ProjectId, thread: &str) -> Result<usize> {
    let Some(t) = tx.thread(project.as_str(), thread)? else {
        return Ok(0);
    };
    let n = tx.delete_thread_checkpoints(project.as_str(), thread, false)?;
    tx.delete_thread_row(project.as_str(), thread)?;
    announce(tx, "deleted", &t, n, None)?;
    Ok(n)
}

/// Every checkpoint of `project` matching `q`, newest first, read inside `tx`.
pub(crate) fn list_in(tx: &dyn ReadTx, project: &ProjectId, q: &ThreadQuery) -> Result<Vec<ThreadCheckpoint>> {
    let mut found = tx.thread_checkpoints(project.as_str(), q)?;
    if let Some(f) = &q.filter {
        found.retain(|c| matches(&c.metadata, f));
        if let Some(limit) = q.limit {
            found.truncate(limit);
        }
    }
    Ok(found)
}

impl Threads<'_> {
    /// Stores a checkpoint of `(thread, namespace)`, replacing one with the same id (its
    /// pending writes stay). The thread is created by its first put. Answers the
    /// checkpoint without its blob and writes.
    pub fn put(&self, project: &ProjectId, new: NewThreadCheckpoint) -> Result<ThreadCheckpoint> {
        check_put(&new)?;
        self.0.write(|tx| {
            let c = ThreadCheckpoint {
                project_id: project.clone(),
                thread_id: new.thread_id.clone(),
                checkpoint_ns: new.checkpoint_ns.clone(),
                checkpoint_id: new.checkpoint_id.clone(),
                parent_id: new.parent_id.clone(),
                metadata: new.metadata.clone(),
                created_at: Timestamp::now(),
                checkpoint: Some(new.checkpoint.clone()),
                writes: Vec::new(),
            };
            put_in(tx, project, &c)?;
            Ok(ThreadCheckpoint { checkpoint: None, ..c })
        })
    }

    /// Stores the pending writes of one task for a checkpoint (see the module's rule for
    /// a repeated index). Answers how many writes were given.
    pub fn put_writes(&self, project: &ProjectId, new: &NewWrites) -> Result<usize> {
        check_writes(new)?;
        self.0.write(|tx| {
            let t = ensure_thread(tx, project, &new.thread_id)?;
            let writes: Vec<PendingWrite> = new
                .writes
                .iter()
                .map(|w| PendingWrite {
                    task_id: new.task_id.clone(),
                    idx: w.idx,
                    channel: w.channel.clone(),
                    value: w.value.clone(),
                    task_path: new.task_path.clone(),
                })
                .collect();
            tx.put_thread_writes(
                project.as_str(),
                &new.thread_id,
                &new.checkpoint_ns,
                &new.checkpoint_id,
                &writes,
            )?;
            let mut channels: Vec<String> = Vec::new();
            for w in &writes {
                if !channels.contains(&w.channel) {
                    channels.push(w.channel.clone());
                }
            }
            let n = CheckpointNote {
                project_id: project.clone(),
                thread_id: new.thread_id.clone(),
                checkpoint_ns: new.checkpoint_ns.clone(),
                checkpoint_id: new.checkpoint_id.clone(),
                parent_id: None,
                checkpoint_type: String::new(),
                size: writes.iter().map(|w| w.value.data.len()).sum(),
                metadata: serde_json::Value::Object(Default::default()),
                channels,
                task_id: Some(new.task_id.clone()),
                session_id: t.session_id.clone(),
                workflow_id: t.workflow_id.clone(),
            };
            feed::emit(tx, "writes", &n)?;
            Ok(writes.len())
        })
    }

    /// The checkpoint `checkpoint_id` of `(thread, namespace)`, or its latest when `None`,
    /// with its blob and pending writes; `None` when there is none.
    pub fn get(
        &self,
        project: &ProjectId,
        thread: &str,
        ns: &str,
        checkpoint_id: Option<&str>,
    ) -> Result<Option<ThreadCheckpoint>> {
        id("/thread_id", thread)?;
        self.0
            .read(|tx| tx.thread_checkpoint(project.as_str(), thread, ns, checkpoint_id))
    }

    /// The project's checkpoints matching `query`, newest (greatest id) first, with
    /// blobs and pending writes.
    pub fn list(&self, project: &ProjectId, query: &ThreadQuery) -> Result<Vec<ThreadCheckpoint>> {
        self.0.read(|tx| list_in(tx, project, query))
    }

    /// Deletes a thread: every checkpoint and write of every namespace, and the thread.
    /// Answers how many checkpoints went; 0 for an unknown thread.
    pub fn delete(&self, project: &ProjectId, thread: &str) -> Result<usize> {
        id("/thread_id", thread)?;
        self.0.write(|tx| delete_in(tx, project, thread))
    }

    /// Deletes, across the project's threads, every checkpoint whose metadata `run_id`
    /// is one of `run_ids`, with its writes. Answers how many checkpoints went.
    pub fn delete_runs(&self, project: &ProjectId, run_ids: &[String]) -> Result<usize> {
        ids("/run_ids", run_ids)?;
        self.0.write(|tx| {
            let mut total = 0;
            for (thread, n) in tx.delete_thread_runs(project.as_str(), run_ids)? {
                if let Some(t) = tx.thread(project.as_str(), &thread)? {
                    announce(tx, "pruned", &t, n, None)?;
                }
                total += n;
            }
            Ok(total)
        })
    }

    /// Copies every checkpoint and write of `source` (every namespace, same ids) to
    /// `target`, created with the source's links when new. Answers how many checkpoints;
    /// 0 (and nothing created) for an unknown source.
    pub fn copy(&self, project: &ProjectId, source: &str, target: &str) -> Result<usize> {
        id("/source_thread_id", source)?;
        id("/target_thread_id", target)?;
        if source == target {
            return Err(Error::validation(
                "thread",
                "/target_thread_id",
                "is the source thread itself",
            ));
        }
        self.0.write(|tx| {
            let Some(src) = tx.thread(project.as_str(), source)? else {
                return Ok(0);
            };
            let t = match tx.thread(project.as_str(), target)? {
                Some(t) => t,
                None => {
                    let now = Timestamp::now();
                    let t = Thread {
                        thread_id: target.to_owned(),
                        created_at: now,
                        updated_at: now,
                        ..src
                    };
                    tx.upsert_thread(&t)?;
                    t
                }
            };
            let n = tx.copy_thread_rows(project.as_str(), source, target)?;
            announce(tx, "copied", &t, n, Some(source))?;
            Ok(n)
        })
    }

    /// Prunes threads: `keep_latest` keeps the latest checkpoint of each namespace with
    /// its writes; `delete` deletes the threads. Answers how many checkpoints went.
    pub fn prune(&self, project: &ProjectId, threads: &[String], strategy: PruneStrategy) -> Result<usize> {
        ids("/thread_ids", threads)?;
        self.0.write(|tx| {
            let mut total = 0;
            for thread in threads {
                total += match strategy {
                    PruneStrategy::Delete => delete_in(tx, project, thread)?,
                    PruneStrategy::KeepLatest => {
                        let Some(t) = tx.thread(project.as_str(), thread)? else {
                            continue;
                        };
                        let n = tx.delete_thread_checkpoints(project.as_str(), thread, true)?;
                        if n > 0 {
                            announce(tx, "pruned", &t, n, None)?;
                        }
                        n
                    }
                };
            }
            Ok(total)
        })
    }

    /// Links a thread (created if new) to a session and a workflow of its project, or
    /// clears a link given as `None`: the session's timeline then shows each new
    /// checkpoint, and the thread's feed events name the session and workflow.
    pub fn link(
        &self,
        project: &ProjectId,
        thread: &str,
        session: Option<&SessionId>,
        workflow: Option<&WorkflowId>,
    ) -> Result<Thread> {
        id("/thread_id", thread)?;
        self.0.write(|tx| {
            let mut t = ensure_thread(tx, project, thread)?;
            let mut workflow = workflow.cloned();
            if let Some(s) = session {
                let s = crate::session::load(tx, s)?;
                if s.project_id != *project {
                    return Err(Error::validation(
                        "thread",
                        "/session_id",
                        format!("session {} belongs to project {}", s.id, s.project_id),
                    ));
                }
                if workflow.is_none() {
                    workflow = s.workflow_id.clone();
                }
            }
            if let Some(w) = &workflow {
                let w = crate::workflow::load(tx, w)?;
                if w.project_id != *project {
                    return Err(Error::validation(
                        "thread",
                        "/workflow_id",
                        format!("workflow {} belongs to project {}", w.id, w.project_id),
                    ));
                }
            }
            t.session_id = session.cloned();
            t.workflow_id = workflow;
            t.updated_at = Timestamp::now();
            tx.upsert_thread(&t)?;
            let n = tx.count_thread_checkpoints(project.as_str(), thread)?;
            announce(tx, "linked", &t, n, None)?;
            Ok(t)
        })
    }

    /// The thread (`NotFound` when it has never been put or linked).
    pub fn get_thread(&self, project: &ProjectId, thread: &str) -> Result<Thread> {
        id("/thread_id", thread)?;
        self.0.read(|tx| {
            tx.thread(project.as_str(), thread)?
                .ok_or_else(|| Error::not_found("thread", thread))
        })
    }

    /// Every thread of the project, by thread id.
    pub fn list_threads(&self, project: &ProjectId) -> Result<Vec<Thread>> {
        self.0.read(|tx| tx.threads(project.as_str()))
    }
}
