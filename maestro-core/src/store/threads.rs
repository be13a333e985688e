//! The storage seam of agent threads: thread rows, their checkpoints and pending writes.
//! The rules (ids and limits, the write-index rule, links, what the feed and timelines
//! hear) live in [`crate::thread`].

use crate::error::Result;
use crate::thread::model::{PendingWrite, Thread, ThreadCheckpoint, ThreadQuery};

/// `(project, thread, namespace, lo, hi)` → the writes of the checkpoints with ids in
/// `lo..=hi`, as `(checkpoint id, write)`: see [`attach_writes`].
pub(crate) type WritesInRange<'a> = dyn Fn(&str, &str, &str, &str, &str) -> Result<Vec<(String, PendingWrite)>> + 'a;

/// Fills in the pending writes of `list` with one query per (thread, namespace) rather
/// than one per checkpoint: `range(project, thread, ns, lo, hi)` answers the writes of
/// the checkpoints with ids in `lo..=hi`, as `(checkpoint id, write)` in (checkpoint id,
/// task id, index) order. Each backend runs it over the writes' primary key.
pub(crate) fn attach_writes(list: &mut [ThreadCheckpoint], range: &WritesInRange<'_>) -> Result<()> {
    let mut groups: std::collections::BTreeMap<(String, String, String), Vec<usize>> = Default::default();
    for (i, c) in list.iter().enumerate() {
        let key = (c.project_id.to_string(), c.thread_id.clone(), c.checkpoint_ns.clone());
        groups.entry(key).or_default().push(i);
    }
    for ((project, thread, ns), members) in groups {
        let ids = members.iter().map(|&i| list[i].checkpoint_id.as_str());
        let (lo, hi) = (ids.clone().min().unwrap_or(""), ids.max().unwrap_or(""));
        let found = range(&project, &thread, &ns, lo, hi)?;
        let at: std::collections::HashMap<String, usize> =
            members.iter().map(|&i| (list[i].checkpoint_id.clone(), i)).collect();
        for (id, w) in found {
            if let Some(&i) = at.get(&id) {
                list[i].writes.push(w);
            }
        }
        for &i in &members {
            let writes = std::mem::take(&mut list[i].writes);
            list[i].writes = crate::store::rows::in_task_path_order(writes);
        }
    }
    Ok(())
}

/// Thread queries available inside any transaction.
pub trait ThreadRead {
    /// The thread `thread` of `project`.
    fn thread(&self, project: &str, thread: &str) -> Result<Option<Thread>>;
    /// Every thread of a project, by thread id.
    fn threads(&self, project: &str) -> Result<Vec<Thread>>;
    /// The checkpoint `id` of `(thread, ns)`, or its latest (greatest id) when `id` is
    /// `None`, with its blob and pending writes.
    fn thread_checkpoint(
        &self,
        project: &str,
        thread: &str,
        ns: &str,
        id: Option<&str>,
    ) -> Result<Option<ThreadCheckpoint>>;
    /// The checkpoints of `project` matching `query` except its metadata `filter` (which
    /// the caller applies; a backend may narrow by it), newest (greatest id) first, with
    /// blobs and pending writes. `limit` applies only when `query.filter` is `None`.
    fn thread_checkpoints(&self, project: &str, query: &ThreadQuery) -> Result<Vec<ThreadCheckpoint>>;
    /// The pending writes of a checkpoint, by task path, task id then index.
    fn thread_writes(&self, project: &str, thread: &str, ns: &str, checkpoint: &str) -> Result<Vec<PendingWrite>>;
    /// Every pending write of the thread, with its namespace and checkpoint id, in
    /// namespace, checkpoint, task path, task id and index order (writes whose checkpoint
    /// was never put included).
    fn all_thread_writes(&self, project: &str, thread: &str) -> Result<Vec<(String, String, PendingWrite)>>;
    /// How many checkpoints, over every thread and namespace, are beyond the newest `keep`
    /// of their thread and namespace.
    fn count_surplus_thread_checkpoints(&self, keep: usize) -> Result<usize>;
    /// How many checkpoints the thread has, every namespace together.
    fn count_thread_checkpoints(&self, project: &str, thread: &str) -> Result<usize>;
}

/// Thread mutations, available inside a write transaction.
pub trait ThreadWrite {
    /// Inserts the thread, or updates its links and `updated_at`.
    fn upsert_thread(&mut self, t: &Thread) -> Result<()>;
    /// Inserts a checkpoint (its `checkpoint` blob must be present), or replaces the one
    /// with the same `(thread, ns, id)`; its pending writes are left as they are.
    /// Its [`ThreadCheckpoint::run_id`] is kept for [`ThreadWrite::delete_thread_runs`].
    fn put_thread_checkpoint(&mut self, c: &ThreadCheckpoint) -> Result<()>;
    /// Stores pending writes of a checkpoint: a write whose `(task_id, idx)` is already
    /// stored replaces it when `idx` is negative and is ignored otherwise.
    fn put_thread_writes(
        &mut self,
        project: &str,
        thread: &str,
        ns: &str,
        checkpoint: &str,
        writes: &[PendingWrite],
    ) -> Result<()>;
    /// Deletes the thread's checkpoints and writes, every namespace, except, when
    /// `keep_latest`, the latest checkpoint of each namespace and its writes. Returns the
    /// checkpoints deleted. The thread row stays.
    fn delete_thread_checkpoints(&mut self, project: &str, thread: &str, keep_latest: bool) -> Result<usize>;
    /// Deletes the thread row (its checkpoints and writes must be gone).
    fn delete_thread_row(&mut self, project: &str, thread: &str) -> Result<()>;
    /// Deletes the checkpoints of `project` whose run id is one of `runs`, with their
    /// writes; returns `(thread, checkpoints deleted)` per thread touched.
    fn delete_thread_runs(&mut self, project: &str, runs: &[String]) -> Result<Vec<(String, usize)>>;
    /// Copies every checkpoint and write of `source` to `target` (same ids; a checkpoint
    /// already in `target` is replaced); returns how many checkpoints.
    fn copy_thread_rows(&mut self, project: &str, source: &str, target: &str) -> Result<usize>;
    /// Deletes up to `limit` checkpoints beyond the newest `keep` of their thread and
    /// namespace, with their writes; returns `(project, thread)` of each deleted.
    fn delete_surplus_thread_checkpoints(&mut self, keep: usize, limit: usize) -> Result<Vec<(String, String)>>;
    /// Clears the links of every thread linked to `workflow` (or to one of its sessions),
    /// which is being pruned: the threads stay.
    fn unlink_threads_of_workflow(&mut self, workflow: &str) -> Result<usize>;
}
