//! `export(dir)`: every project as stable, pretty JSON plus the markdown reports, read in
//! one snapshot and written all at once (into a staging directory renamed into place).

use super::dump::{LearningDump, ProjectDump};
use super::files::{lines, pretty, ProjectFile, SessionFile, TaskFile, WorkflowFile};
use super::paths::entity_path;
use crate::error::{Error, Result};
use crate::learning::History;
use crate::report;
use crate::schema::SCHEMA_VERSION;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a whole-store export holds beyond the projects' own state: each project's
/// learning (aggregates and records) and the configuration. A workflow archive has none.
pub(crate) struct StoreExtras<'a> {
    pub histories: &'a [History],
    pub learning: &'a [LearningDump],
    pub config: &'a crate::config::Config,
}

/// Each learning record kind's file under `learning/<project>/`.
pub(crate) const RECORD_FILES: [&str; 7] = [
    "failures.json",
    "estimates.json",
    "retrospectives.json",
    "spikes.json",
    "agent-logs.json",
    "complexity-snapshots.json",
    "pattern-usage.json",
];

fn learning_files(
    root: &Path,
    pid: &str,
    h: &History,
    l: &LearningDump,
    out: &mut BTreeMap<PathBuf, String>,
) -> Result<()> {
    for (file, doc) in [
        ("/tech-stack.json", &h.tech_stack),
        ("/architecture.json", &h.architecture),
        ("/task-ordering.json", &h.task_ordering),
    ] {
        out.insert(entity_path(root, "learning", pid, file)?, pretty(doc)?);
    }
    let docs = [
        (l.failures.is_empty(), pretty(&l.failures)?),
        (l.estimates.is_empty(), pretty(&l.estimates)?),
        (l.retrospectives.is_empty(), pretty(&l.retrospectives)?),
        (l.spikes.is_empty(), pretty(&l.spikes)?),
        (l.agent_logs.is_empty(), pretty(&l.agent_logs)?),
        (l.complexity.is_empty(), pretty(&l.complexity)?),
        (l.patterns.is_empty(), pretty(&l.patterns)?),
    ];
    for (file, (empty, text)) in RECORD_FILES.iter().zip(docs) {
        if !empty {
            out.insert(entity_path(root, "learning", pid, &format!("/{file}"))?, text);
        }
    }
    Ok(())
}

/// The export of `dumps`: relative path → content. `extras` is `None` for a workflow
/// archive.
pub(crate) fn render(dumps: &[ProjectDump], extras: Option<&StoreExtras<'_>>) -> Result<BTreeMap<PathBuf, String>> {
    let root = Path::new("");
    let mut out = BTreeMap::new();
    for (i, d) in dumps.iter().enumerate() {
        let p = &d.project;
        if let Some(x) = extras {
            let (h, l) = (&x.histories[i], &x.learning[i]);
            learning_files(root, p.id.as_str(), h, l, &mut out)?;
        }
        out.insert(
            entity_path(root, "projects", p.id.as_str(), ".json")?,
            pretty(&ProjectFile {
                schema_version: SCHEMA_VERSION,
                project: p.clone(),
                steering_documents: d.steering.clone(),
                decision_categories: d.categories.clone(),
            })?,
        );
        for w in &d.workflows {
            let id = w.workflow.id.as_str();
            let mut history = Vec::with_capacity(w.history.len());
            for h in &w.history {
                let mut v = serde_json::to_value(h).map_err(|e| Error::Internal(e.to_string()))?;
                if let Some(m) = v.as_object_mut() {
                    m.remove("seq");
                }
                history.push(v);
            }
            let file = WorkflowFile {
                schema_version: SCHEMA_VERSION,
                workflow: w.workflow.clone(),
                history,
                votes: w.votes.clone(),
                spec_documents: w.specs.clone(),
            };
            out.insert(entity_path(root, "workflows", id, "/metadata.json")?, pretty(&file)?);
            out.insert(
                entity_path(root, "workflows", id, "/decisions.json")?,
                pretty(&w.decisions)?,
            );
            out.insert(
                entity_path(root, "workflows", id, "/checkpoints.json")?,
                pretty(&w.checkpoints)?,
            );
            out.insert(
                entity_path(root, "workflows", id, "/execution-log.md")?,
                report::execution_log(d, w),
            );
            out.insert(
                entity_path(root, "workflows", id, "/final-report.md")?,
                report::final_report(d, w),
            );
        }
        for s in &d.sessions {
            let file = SessionFile {
                schema_version: SCHEMA_VERSION,
                session: s.session.clone(),
                timeline: Vec::new(),
                tasks: s.links.clone(),
                queue: s.queue.clone(),
            };
            out.insert(
                entity_path(root, "sessions", s.session.id.as_str(), ".json")?,
                pretty(&file)?,
            );
            if !s.timeline.is_empty() {
                out.insert(
                    entity_path(root, "sessions", s.session.id.as_str(), ".timeline.jsonl")?,
                    lines(&s.timeline)?,
                );
            }
        }
        for t in &d.tasks {
            let file = TaskFile {
                schema_version: SCHEMA_VERSION,
                task: t.clone(),
            };
            out.insert(entity_path(root, "tasks", t.id.as_str(), ".json")?, pretty(&file)?);
        }
    }
    out.insert(PathBuf::from("DECISIONS.md"), report::decisions_md(dumps));
    if let Some(x) = extras {
        let living: Vec<(&crate::project::Project, &LearningDump)> =
            dumps.iter().map(|d| &d.project).zip(x.learning.iter()).collect();
        out.insert(PathBuf::from("FAILURES.md"), report::failures_md(&living));
        out.insert(PathBuf::from("ESTIMATES.md"), report::estimates_md(&living));
        out.insert(PathBuf::from("PATTERNS.md"), report::patterns_md(&living));
        out.insert(PathBuf::from(crate::config::FILE_NAME), x.config.to_yaml()?);
    }
    Ok(out)
}

/// Writes `files` as the directory `dir`, which must not exist or be empty. The files
/// are written into a sibling staging directory first and renamed into place, so `dir`
/// ends up complete or untouched. Everything written is owner-only (folders 0700, files
/// 0600), whatever the umask: a session's `env` may hold secrets.
pub(crate) fn write(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<usize> {
    if dir.exists() {
        let empty = dir.is_dir() && std::fs::read_dir(dir)?.next().is_none();
        if !empty {
            return Err(Error::validation(
                "export",
                "dir",
                format!("{} exists and is not an empty directory", dir.display()),
            ));
        }
    }
    let name = dir
        .file_name()
        .ok_or_else(|| Error::validation("export", "dir", format!("{} has no final component", dir.display())))?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    super::archive::create_private_dir_all(parent)?;
    static STAGINGS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = STAGINGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut staging_name = name.to_owned();
    staging_name.push(format!(".partial-{}-{}-{n}", std::process::id(), crate::time::now_ms()));
    let staging = parent.join(staging_name);
    // Only a directory this call created is ever cleaned up.
    super::archive::create_private_dir(&staging)?;
    let result = (|| -> Result<()> {
        for (rel, content) in files {
            debug_assert!(rel.is_relative() && !rel.components().any(|c| matches!(c, std::path::Component::ParentDir)));
            let path = staging.join(rel);
            if let Some(p) = path.parent() {
                super::archive::create_private_dir_all(p)?;
            }
            super::archive::write_private(&path, content.as_bytes())?;
        }
        if dir.exists() {
            std::fs::remove_dir(dir)?;
        }
        std::fs::rename(&staging, dir)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.map(|()| files.len())
}
