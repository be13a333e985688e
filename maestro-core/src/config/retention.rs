//! The retention policy (config `retention`, SPEC §3.12): what pruning removes, and when.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What [`crate::Maestro::prune`] removes. Every field has a default; a policy given to
/// one call replaces the config's for that call.
///
/// Never pruned, whatever the policy: learning aggregates and ordering history, failures,
/// estimates, retrospectives, spikes, complexity snapshots, pattern usage, and anything
/// a retained entity still needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionPolicy {
    /// Ended workflows (completed or failed) whose end is older than this many days go,
    /// with their sessions, timelines, tasks, queues, checkpoints and decisions, after
    /// being archived (default 90).
    pub sessions_days: u32,
    /// Change-feed events older than this many days may go, except those retained state
    /// needs; below the resulting horizon `events.since` and `state_at` fail with
    /// [`crate::ErrorKind::Pruned`] (default 90).
    pub events_days: u32,
    /// Agent logs older than this many days go (default 90).
    pub agent_logs_days: u32,
    /// Docs-cache entries stored more than this many days ago, or expired, go (default 7).
    pub docs_cache_days: u32,
    /// Keep the last N checkpoints of each workflow; older checkpoint rows and their
    /// `maestro/checkpoint/<id>` tags go. `None` (the default) keeps every checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_checkpoints: Option<u32>,
    /// Keep the last N checkpoints of each agent thread and namespace (by checkpoint id);
    /// older ones and their pending writes go. `None` (the default) keeps every one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_thread_checkpoints: Option<u32>,
    /// Delete `refs/maestro/safety/…` refs (work saved by rollbacks) older than this many
    /// days. `None` (the default) keeps them forever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_refs_days: Option<u32>,
    /// Write each workflow archive as one `.tar.gz` file instead of a directory.
    pub compress_archives: bool,
    /// Where pruned workflows are archived. Relative paths are resolved against the
    /// directory of the config file (or of the database). Default: `archive/` beside
    /// the database file; an in-memory store needs one set explicitly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_dir: Option<PathBuf>,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            sessions_days: 90,
            events_days: 90,
            agent_logs_days: 90,
            docs_cache_days: 7,
            keep_checkpoints: None,
            keep_thread_checkpoints: None,
            safety_refs_days: None,
            compress_archives: false,
            archive_dir: None,
        }
    }
}

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 24 * 60 * 60 * 1000;
