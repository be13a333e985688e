//! Retention (SPEC §3.12): bounded growth without losing anything promised.
//!
//! [`crate::Maestro::prune`] removes, in this order, each step in short transactions:
//!
//! 1. **The feed horizon** is raised to the last event older than `events_days` (never
//!    to the newest event), before anything at or below it is deleted: from then on a
//!    reader asking for less gets [`crate::Error::Pruned`], never a silent gap.
//! 2. **Ended workflows** (completed or failed) whose end is older than `sessions_days`:
//!    each is first archived (its export, narrowed to the workflow, written and synced
//!    under `archive_dir`), then deleted in one transaction with its sessions, timelines,
//!    tasks, queues, checkpoints (and their git tags) and decisions. A workflow that a
//!    retained entity still needs (a task depending on one of its tasks, a child session,
//!    a link or queue item across workflows) is kept and reported; one that changed
//!    between its archive and its deletion is left for the next prune.
//! 3. **Surplus checkpoints** beyond the newest `keep_checkpoints` of each workflow, and
//!    their `maestro/checkpoint/<id>` tags; **safety refs** older than `safety_refs_days`.
//!    **Surplus thread checkpoints** beyond the newest `keep_thread_checkpoints` of each
//!    agent thread and namespace, with their pending writes. (Threads are never pruned
//!    with a workflow: pruning a workflow clears the links of the threads linked to it
//!    or to its sessions, and the threads stay.)
//! 4. **Agent logs** older than `agent_logs_days`; **docs-cache** entries stored more than
//!    `docs_cache_days` ago or expired.
//! 5. **Feed compaction** up to the horizon: events superseded by a newer event of the
//!    same entity, and events of entities that are gone. Timeline events of retained
//!    sessions and the events retained decisions point at stay: they are that state.
//! 6. **Space** freed is returned to the file system (incremental vacuum).
//!
//! Learning aggregates, ordering history, failures, estimates, retrospectives, spikes,
//! complexity snapshots and pattern usage are never pruned. Every step is idempotent and
//! a prune killed anywhere leaves no half-deleted workflow: the next prune finishes.
//! A dry run reads the same predicates and reports exactly what a real run would delete
//! and archive, writing nothing.

use crate::config::{RetentionPolicy, DAY_MS};
use crate::error::{Error, Result};
use crate::exchange::{archive, render_workflow};
use crate::id::WorkflowId;
use crate::maestro::{Ctx, Maestro};
use crate::store::{Gone, WorkflowRows};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Events compacted per transaction (a few hundred microseconds of work).
const COMPACT_CHUNK: i64 = 250;
/// Workflows archived before one sync makes their archives durable.
const ARCHIVE_BATCH: usize = 256;

/// How long the prune rests after each of its writes, as a multiple of how long the
/// write held the lock: other writers (in any process) find the lock free at least
/// four fifths of the time.
const REST: u32 = 4;

/// Runs one write of the prune, checkpoints what it logged (so another process's next
/// commit does not pay for copying it), then rests ([`REST`]).
fn paced<T>(m: &Maestro, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = std::time::Instant::now();
    let r = f()?;
    let held = started.elapsed();
    m.store().settle()?;
    std::thread::sleep((held * REST).min(std::time::Duration::from_millis(50)));
    Ok(r)
}

/// Agent-thread checkpoints deleted per transaction.
const THREAD_CHUNK: usize = 500;

/// Agent logs deleted per transaction.
const LOG_CHUNK: usize = 1_000;

/// A workflow pruned (or, in a dry run, that would be).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrunedWorkflow {
    /// The workflow.
    pub id: String,
    /// Its project.
    pub project_id: String,
    /// Where its archive is (a directory, or a `.tar.gz` file).
    pub archive: String,
    /// What went with it.
    pub rows: WorkflowRows,
}

/// An ended workflow past `sessions_days` that was kept, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptWorkflow {
    /// The workflow.
    pub id: String,
    /// What still needs it.
    pub reason: String,
}

/// What a prune did, or in a dry run would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PruneReport {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// The policy applied.
    pub policy: RetentionPolicy,
    /// Workflows archived and pruned, oldest end first.
    pub workflows: Vec<PrunedWorkflow>,
    /// Ended workflows past their retention that something retained still needs.
    pub kept: Vec<KeptWorkflow>,
    /// Checkpoints beyond the newest `keep_checkpoints` of their workflow.
    pub checkpoints: Vec<String>,
    /// Agent-thread checkpoints beyond the newest `keep_thread_checkpoints` of their
    /// thread and namespace.
    pub thread_checkpoints: usize,
    /// `maestro/checkpoint/<id>` tags deleted (of pruned workflows and checkpoints); a
    /// dry run counts the checkpoints that have a commit.
    pub checkpoint_tags: usize,
    /// Safety refs deleted.
    pub safety_refs: Vec<String>,
    /// Agent logs deleted.
    pub agent_logs: usize,
    /// Docs-cache entries deleted.
    pub docs_cache: usize,
    /// Feed events deleted.
    pub events: usize,
    /// The feed horizon afterwards: every event after this seq is retained.
    pub horizon: i64,
    /// The store's size before, in bytes.
    pub bytes_before: u64,
    /// The store's size after (equal to before in a dry run).
    pub bytes_after: u64,
    /// `bytes_before - bytes_after`, 0 when it grew.
    pub bytes_reclaimed: u64,
}

/// Where archives go: the policy's `archive_dir` (relative to the config's or the
/// database's directory), else `archive/` beside the database file.
fn archive_dir(m: &Maestro, policy: &RetentionPolicy) -> Result<PathBuf> {
    let base = m.config().base_dir(m.path());
    match (&policy.archive_dir, base) {
        (Some(d), _) if d.is_absolute() => Ok(d.clone()),
        (Some(d), Some(b)) => Ok(b.join(d)),
        (Some(d), None) => Ok(d.clone()),
        (None, Some(b)) => Ok(b.join("archive")),
        (None, None) => Err(Error::validation(
            "retention",
            "/archive_dir",
            "a store in memory or on a server has no directory to archive beside: set retention.archive_dir",
        )),
    }
}

/// The archive path of `workflow` under `dir`.
fn archive_path(dir: &Path, workflow: &str, compress: bool) -> PathBuf {
    if compress {
        dir.join(format!("{workflow}{}", archive::SUFFIX))
    } else {
        dir.join(workflow)
    }
}

/// Syncs every file under `dir` and the directories themselves.
#[cfg(not(target_os = "linux"))]
fn sync_tree(dir: &Path) -> Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            sync_tree(&e.path())?;
        } else {
            std::fs::File::open(e.path())?.sync_all()?;
        }
    }
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Whether the archive at `path` holds exactly `files` (as [`write_archive`] writes them).
fn same_archive(path: &Path, files: &BTreeMap<PathBuf, String>, compress: bool) -> Result<bool> {
    if compress {
        return Ok(std::fs::read(path)? == archive::pack(files)?);
    }
    let mut seen = 0;
    let mut stack = vec![path.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(path).map_err(|e| Error::Internal(e.to_string()))?;
            match files.get(rel) {
                Some(want) if std::fs::read(&p)? == want.as_bytes() => seen += 1,
                _ => return Ok(false),
            }
        }
    }
    Ok(seen == files.len())
}

/// Writes the archive of `files` for workflow `id` under `dir` and returns where. An
/// existing path is never replaced or deleted: if it already holds this archive (left by
/// a prune killed after archiving) it is reused, otherwise (another store's archive, an
/// unrelated file, or an older state of the workflow) the next free name `<id>-2`, `<id>-3`
/// … is taken. Not yet durable: [`make_durable`] syncs a batch of archives at once.
fn write_archive(dir: &Path, id: &str, files: &BTreeMap<PathBuf, String>, compress: bool) -> Result<PathBuf> {
    for n in 1.. {
        let name = if n == 1 { id.to_owned() } else { format!("{id}-{n}") };
        let path = archive_path(dir, &name, compress);
        if std::fs::symlink_metadata(&path).is_ok() {
            if same_archive(&path, files, compress).unwrap_or(false) {
                return Ok(path);
            }
            continue;
        }
        if compress {
            archive::write_new(&path, &archive::pack(files)?)?;
        } else {
            crate::exchange::write_dir(&path, files)?;
        }
        return Ok(path);
    }
    unreachable!("an unbounded range ends only by returning")
}

/// Makes the archives written under `dir` durable before what they hold is deleted: one
/// `syncfs` of their file system on Linux, every file and folder synced elsewhere.
fn make_durable(dir: &Path, archives: &[PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let _ = archives;
        let d = std::fs::File::open(dir)?;
        // SAFETY: syncfs only reads the descriptor, which `d` keeps open.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for a in archives {
            if a.is_dir() {
                sync_tree(a)?;
            } else {
                std::fs::File::open(a)?.sync_all()?;
            }
        }
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    }
}

/// Runs a prune on `m` (see the module documentation).
pub(crate) fn prune(m: &Maestro, policy: Option<&RetentionPolicy>, dry_run: bool) -> Result<PruneReport> {
    let _one_at_a_time = m.pruning.lock().unwrap_or_else(|p| p.into_inner());
    // One prune at a time across processes and hosts too: a second waits for the first,
    // then finds what is left.
    let _maintenance = if dry_run {
        None
    } else {
        Some(m.store().maintenance_lock()?)
    };
    let ctx = Ctx::of(m);
    let policy = policy.cloned().unwrap_or_else(|| m.config().retention.clone());
    let now = crate::time::now_ms();
    let day = |days: u32| now.saturating_sub(i64::from(days).saturating_mul(DAY_MS));
    let bytes_before = m.store().size_bytes()?;
    let mut report = PruneReport {
        dry_run,
        policy: policy.clone(),
        workflows: Vec::new(),
        kept: Vec::new(),
        checkpoints: Vec::new(),
        thread_checkpoints: 0,
        checkpoint_tags: 0,
        safety_refs: Vec::new(),
        agent_logs: 0,
        docs_cache: 0,
        events: 0,
        horizon: 0,
        bytes_before,
        bytes_after: bytes_before,
        bytes_reclaimed: 0,
    };

    // 1. The horizon, raised before anything below it goes.
    let cutoff_seq = ctx.read(|tx| tx.seq_before(day(policy.events_days)))?;
    let (horizon, compacted) = if dry_run {
        ctx.read(|tx| {
            let newest = tx.latest_seq()?;
            Ok((
                tx.feed_horizon()?.max(cutoff_seq.min(newest - 1)).max(0),
                tx.compacted_upto()?,
            ))
        })?
    } else {
        let h = ctx.write(|tx| tx.raise_horizon(cutoff_seq))?;
        (h, ctx.read(|tx| tx.compacted_upto())?)
    };
    report.horizon = horizon;

    // 2. Ended workflows: archive a batch, make it durable, then delete each.
    let due_before = day(policy.sessions_days);
    let due = ctx.read(|tx| tx.ended_workflows(due_before, usize::MAX))?;
    let dir = if due.is_empty() {
        None
    } else {
        Some(archive_dir(m, &policy)?)
    };
    for batch in due.chunks(ARCHIVE_BATCH) {
        let mut archived = Vec::new();
        for (id, project) in batch {
            let wid = WorkflowId::parse(id)?;
            let (needed, rows, files, last_seq, root, tagged) = ctx.read(|tx| {
                let needed = tx.workflow_needed_by(id)?;
                let rows = tx.workflow_rows(id)?;
                let files = if needed.is_none() && !dry_run {
                    Some(render_workflow(tx, &wid)?)
                } else {
                    None
                };
                let root = crate::project::load(tx, &crate::id::ProjectId::parse(project)?)?.root;
                let tagged: Vec<String> = tx
                    .checkpoints(id)?
                    .into_iter()
                    .filter(|c| c.commit_sha.is_some())
                    .map(|c| c.id.as_str().to_owned())
                    .collect();
                let last_seq = tx.workflow_last_seq(id)?;
                // Ended long ago but written to since (an outcome recorded, a late event):
                // due once that activity is as old as the policy asks.
                let needed = match needed {
                    None if tx.event_time(last_seq)?.is_some_and(|at| at > due_before) => {
                        Some("it has changed since it ended; due when that change is as old".to_owned())
                    }
                    other => other,
                };
                Ok((needed, rows, files, last_seq, root, tagged))
            })?;
            if let Some(reason) = needed {
                report.kept.push(KeptWorkflow { id: id.clone(), reason });
                continue;
            }
            let dir = dir
                .as_deref()
                .ok_or_else(|| Error::Internal("no archive directory".into()))?;
            let path = match &files {
                Some(files) => {
                    crate::exchange::archive::create_private_dir_all(dir)?;
                    write_archive(dir, id, files, policy.compress_archives)?
                }
                None => archive_path(dir, id, policy.compress_archives),
            };
            archived.push((id.clone(), project.clone(), path, rows, last_seq, root, tagged));
        }
        if !dry_run && !archived.is_empty() {
            let paths: Vec<PathBuf> = archived.iter().map(|a| a.2.clone()).collect();
            make_durable(dir.as_deref().unwrap_or(Path::new(".")), &paths)?;
        }
        for (id, project, path, rows, last_seq, root, tagged) in archived {
            if dry_run {
                report.checkpoint_tags += tagged.len();
            } else {
                let pruned = paced(m, || {
                    ctx.write(|tx| {
                        // Anything the workflow gained since its archive was read would be
                        // lost: leave it to the next prune, which archives it again.
                        if tx.workflow_last_seq(&id)? != last_seq || tx.workflow_needed_by(&id)?.is_some() {
                            return Ok(None);
                        }
                        tx.unlink_threads_of_workflow(&id)?;
                        Ok(Some(tx.prune_workflow(&id, horizon)?))
                    })
                })?;
                match pruned {
                    Some(events) => {
                        report.events += events;
                        // After the commit: a workflow kept by the re-check keeps its tags.
                        // A crash in between leaves tags of checkpoints that are gone
                        // (their commits stay reachable), never the reverse.
                        let root = root.map(PathBuf::from);
                        report.checkpoint_tags += crate::checkpoint::delete_tags(root.as_deref(), &tagged)?;
                    }
                    None => {
                        report.kept.push(KeptWorkflow {
                            id,
                            reason: "changed while it was being archived; the next prune takes it".into(),
                        });
                        continue;
                    }
                }
            }
            report.workflows.push(PrunedWorkflow {
                id,
                project_id: project,
                archive: path.display().to_string(),
                rows,
            });
        }
    }

    // 3. Surplus checkpoints and old safety refs.
    if let Some(keep) = policy.keep_checkpoints {
        // A dry run still sees the workflows it would prune: their checkpoints go with them.
        let pruned: Vec<String> = report.workflows.iter().map(|w| w.id.clone()).collect();
        let surplus = ctx.read(|tx| tx.surplus_checkpoints(keep as usize, &pruned))?;
        for id in &surplus {
            let (root, has_commit) = ctx.read(|tx| {
                let Some(c) = tx.checkpoint(id)? else {
                    return Ok((None, false));
                };
                Ok((crate::project::load(tx, &c.project_id)?.root, c.commit_sha.is_some()))
            })?;
            if dry_run {
                report.checkpoint_tags += usize::from(has_commit);
                continue;
            }
            let root = root.map(PathBuf::from);
            report.checkpoint_tags += crate::checkpoint::delete_tags(root.as_deref(), std::slice::from_ref(id))?;
            report.events += paced(m, || ctx.write(|tx| tx.delete_checkpoint(id, horizon)))?;
        }
        report.checkpoints = surplus;
    }
    if let Some(keep) = policy.keep_thread_checkpoints {
        if dry_run {
            report.thread_checkpoints = ctx.read(|tx| tx.count_surplus_thread_checkpoints(keep as usize))?;
        } else {
            loop {
                let n = paced(m, || {
                    ctx.write(|tx| crate::thread::prune_surplus(tx, keep as usize, THREAD_CHUNK))
                })?;
                report.thread_checkpoints += n;
                if n < THREAD_CHUNK {
                    break;
                }
            }
        }
    }
    if let Some(days) = policy.safety_refs_days {
        let roots: Vec<String> = ctx.read(|tx| Ok(tx.projects()?.into_iter().filter_map(|p| p.root).collect()))?;
        let mut seen = std::collections::HashSet::new();
        for root in roots.into_iter().filter(|r| seen.insert(r.clone())) {
            report.safety_refs.extend(crate::checkpoint::prune_safety_refs(
                Some(Path::new(&root)),
                day(days),
                dry_run,
            )?);
        }
    }

    // 4. Agent logs and the docs cache.
    let logs_before = day(policy.agent_logs_days);
    let docs_before = day(policy.docs_cache_days);
    if dry_run {
        report.agent_logs = ctx.read(|tx| tx.count_agent_logs_before(logs_before))?;
        report.docs_cache = ctx.read(|tx| tx.count_docs_cache_due(docs_before, now))?;
    } else {
        loop {
            let (n, events) = paced(m, || {
                ctx.write(|tx| tx.delete_agent_logs_before(logs_before, LOG_CHUNK, horizon))
            })?;
            report.agent_logs += n;
            report.events += events;
            if n < LOG_CHUNK {
                break;
            }
        }
        report.docs_cache = ctx.write(|tx| tx.delete_docs_cache_due(docs_before, now))?;
    }

    // 5. Feed compaction up to the horizon.
    if dry_run {
        let gone = Gone {
            workflows: report.workflows.iter().map(|w| w.id.clone()).collect(),
            checkpoints: report.checkpoints.clone(),
            agent_logs_before: logs_before,
        };
        report.events = ctx.read(|tx| {
            Ok(tx.count_workflow_events(&gone.workflows, horizon)?
                + tx.count_compactable(compacted, horizon, horizon, &gone)?)
        })?;
        return Ok(report);
    }
    let mut lo = compacted;
    while lo < horizon {
        let hi = (lo + COMPACT_CHUNK).min(horizon);
        report.events += paced(m, || ctx.write(|tx| tx.compact_events(lo, hi, horizon)))?;
        lo = hi;
    }

    // 6. Space back to the file system.
    m.store().reclaim_space()?;
    report.bytes_after = m.store().size_bytes()?;
    report.bytes_reclaimed = report.bytes_before.saturating_sub(report.bytes_after);
    Ok(report)
}
