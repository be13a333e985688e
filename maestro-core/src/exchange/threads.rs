//! Agent threads in an export: `threads/<project>.jsonl`, one line per checkpoint (with
//! its thread) and one per pending write, so a line never holds more than one blob and
//! always fits the limits of one document (`schemas/thread.schema.json`). A thread with
//! no checkpoint is one line of its own. Lines follow thread id, namespace, checkpoint id,
//! then the checkpoint's writes.

use super::files::lines;
use crate::error::{Error, Result};
use crate::feed;
use crate::store::{ReadTx, WriteTx};
use crate::thread::{Blob, PendingWrite, Thread, ThreadCheckpoint, ThreadNote};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// One line of `threads/<project>.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ThreadLine {
    pub thread: Thread,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<WriteRow>,
}

/// A checkpoint without its thread's fields and its writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CheckpointRow {
    pub checkpoint_ns: String,
    pub checkpoint_id: String,
    pub parent_id: Option<String>,
    pub metadata: serde_json::Value,
    pub created_at: Timestamp,
    pub checkpoint: Blob,
}

/// A pending write with the checkpoint it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WriteRow {
    pub checkpoint_ns: String,
    pub checkpoint_id: String,
    #[serde(flatten)]
    pub write: PendingWrite,
}

/// The lines of `project`'s threads, `None` when it has none.
pub(crate) fn render(tx: &dyn ReadTx, project: &str) -> Result<Option<String>> {
    let threads = tx.threads(project)?;
    if threads.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for t in threads {
        let query = crate::thread::ThreadQuery {
            thread_id: Some(t.thread_id.clone()),
            ..Default::default()
        };
        let mut checkpoints = tx.thread_checkpoints(project, &query)?;
        checkpoints.sort_by(|a, b| (&a.checkpoint_ns, &a.checkpoint_id).cmp(&(&b.checkpoint_ns, &b.checkpoint_id)));
        let mut writes = tx.all_thread_writes(project, &t.thread_id)?.into_iter().peekable();
        if checkpoints.is_empty() && writes.peek().is_none() {
            out.push(line(&t, None, None));
        }
        for c in checkpoints {
            let key = (c.checkpoint_ns.clone(), c.checkpoint_id.clone());
            // Writes of a checkpoint that was never put come before the next checkpoint.
            while let Some(w) = writes.next_if(|(ns, id, _)| (ns, id) < (&key.0, &key.1)) {
                out.push(line(&t, None, Some(w)));
            }
            let blob = c
                .checkpoint
                .ok_or_else(|| Error::Internal("a stored checkpoint without its blob".into()))?;
            out.push(line(
                &t,
                Some(CheckpointRow {
                    checkpoint_ns: c.checkpoint_ns,
                    checkpoint_id: c.checkpoint_id,
                    parent_id: c.parent_id,
                    metadata: c.metadata,
                    created_at: c.created_at,
                    checkpoint: blob,
                }),
                None,
            ));
            while let Some(w) = writes.next_if(|(ns, id, _)| (ns, id) == (&key.0, &key.1)) {
                out.push(line(&t, None, Some(w)));
            }
        }
        for w in writes {
            out.push(line(&t, None, Some(w)));
        }
    }
    lines(&out).map(Some)
}

fn line(t: &Thread, checkpoint: Option<CheckpointRow>, write: Option<(String, String, PendingWrite)>) -> ThreadLine {
    ThreadLine {
        thread: t.clone(),
        checkpoint,
        write: write.map(|(checkpoint_ns, checkpoint_id, write)| WriteRow {
            checkpoint_ns,
            checkpoint_id,
            write,
        }),
    }
}

/// Whether every line of a file names `project`: a file brings in only its own project's
/// threads. Returns the pointer of the first line that does not.
pub(crate) fn stranger(lines: &[ThreadLine], project: &str) -> Option<String> {
    lines
        .iter()
        .position(|l| l.thread.project_id.as_str() != project)
        .map(|i| format!("/{i}/thread/project_id"))
}

/// Inserts the threads of `lines`, each with one `thread.imported` event. A thread
/// already in the store is refused. Returns (threads, checkpoints).
pub(crate) fn apply(tx: &mut dyn WriteTx, lines: &[ThreadLine]) -> Result<(usize, usize)> {
    let (mut threads, mut checkpoints) = (0, 0);
    let mut i = 0;
    while i < lines.len() {
        let t = &lines[i].thread;
        if tx.thread(t.project_id.as_str(), &t.thread_id)?.is_some() {
            return Err(Error::conflict(
                "thread",
                t.thread_id.clone(),
                "already exists; import creates new threads only",
            ));
        }
        tx.upsert_thread(t)?;
        let mut n = 0;
        while let Some(l) = lines.get(i).filter(|l| l.thread.thread_id == t.thread_id) {
            if let Some(c) = &l.checkpoint {
                let full = ThreadCheckpoint {
                    project_id: t.project_id.clone(),
                    thread_id: t.thread_id.clone(),
                    checkpoint_ns: c.checkpoint_ns.clone(),
                    checkpoint_id: c.checkpoint_id.clone(),
                    parent_id: c.parent_id.clone(),
                    metadata: c.metadata.clone(),
                    created_at: c.created_at,
                    checkpoint: Some(c.checkpoint.clone()),
                    writes: Vec::new(),
                };
                tx.put_thread_checkpoint(&full)?;
                n += 1;
            }
            if let Some(w) = &l.write {
                tx.put_thread_writes(
                    t.project_id.as_str(),
                    &t.thread_id,
                    &w.checkpoint_ns,
                    &w.checkpoint_id,
                    std::slice::from_ref(&w.write),
                )?;
            }
            i += 1;
        }
        feed::emit(
            tx,
            "imported",
            &ThreadNote {
                thread: t.clone(),
                checkpoints: n,
                source_thread_id: None,
            },
        )?;
        threads += 1;
        checkpoints += n;
    }
    Ok((threads, checkpoints))
}
