//! Export and import (SPEC §6). `export(dir)` writes every project as stable, pretty
//! JSON plus the markdown reports, read in one snapshot:
//!
//! ```text
//! projects/<id>.json                 the project, its steering documents and categories
//! workflows/<id>/metadata.json       the workflow, its history, votes and spec documents
//! workflows/<id>/decisions.json      its decisions with their outcome history
//! workflows/<id>/checkpoints.json    its checkpoints
//! workflows/<id>/execution-log.md    the chronological story
//! workflows/<id>/final-report.md     the summary
//! sessions/<id>.json                 a session with its task links and queue
//! sessions/<id>.timeline.jsonl       its timeline, one event per line (any length imports)
//! tasks/<id>.json                    a task with its dependencies
//! learning/<project>/tech-stack.json     what the history says about technologies
//! learning/<project>/architecture.json   ... about architecture patterns
//! learning/<project>/task-ordering.json  ... about task order
//! learning/<project>/failures.json       failures with their embeddings (when any)
//! learning/<project>/{estimates, retrospectives, spikes, agent-logs,
//!                     complexity-snapshots, pattern-usage}.json   the other learning records
//! threads/<project>.jsonl             agent threads: a line per checkpoint and per pending
//!                                    write, blobs in base64 (schemas/thread.schema.json)
//! DECISIONS.md, FAILURES.md, ESTIMATES.md, PATTERNS.md   the living documents
//! config.yaml                        the configuration the store ran with
//! ```
//!
//! A pruned workflow's archive ([`crate::retention`]) is the same layout narrowed to the
//! workflow: its project's file, the workflow's folder, its sessions and tasks, and
//! `DECISIONS.md`; learning stays in the store, which never prunes it.
//!
//! The `learning/` documents follow seed 000's historical shapes and carry the full
//! learning aggregates, which import restores: they outlive deleted workflows, so they
//! cannot be recomputed from the decisions in the export.
//!
//! `import(dir)` validates every file first and applies them in one transaction. Export
//! → import into an empty store → export is byte-identical. Import restores state, not
//! the feed's past: each imported entity gets one `<entity>.imported` event (timeline
//! events one `timeline_event.appended`).

pub(crate) mod archive;
pub(crate) mod dump;
mod export;
mod files;
mod import;
mod paths;
mod threads;

pub use import::ImportSummary;

use crate::error::Result;
use crate::maestro::Ctx;
use std::path::Path;

/// Reads everything in one snapshot and writes the export to `dir` (which must not
/// exist or be empty); returns the number of files written.
pub(crate) fn export(ctx: Ctx<'_>, dir: &Path) -> Result<usize> {
    let files = ctx.read(|tx| render_all(ctx, tx))?;
    export::write(dir, &files)
}

/// The whole-store export, read from `tx`.
fn render_all(
    ctx: Ctx<'_>,
    tx: &dyn crate::store::ReadTx,
) -> Result<std::collections::BTreeMap<std::path::PathBuf, String>> {
    let thresholds = ctx.thresholds();
    let dumps = dump::ProjectDump::read_all(tx)?;
    let histories = dumps
        .iter()
        .map(|d| crate::learning::historical::history(tx, &d.project, thresholds))
        .collect::<Result<Vec<_>>>()?;
    let learning = dumps
        .iter()
        .map(|d| dump::LearningDump::read(tx, d.project.id.as_str()))
        .collect::<Result<Vec<_>>>()?;
    let extras = export::StoreExtras {
        histories: &histories,
        learning: &learning,
        config: ctx.config(),
    };
    let mut files = export::render(&dumps, Some(&extras))?;
    for d in &dumps {
        let id = d.project.id.as_str();
        if let Some(text) = threads::render(tx, id)? {
            files.insert(paths::entity_path(Path::new(""), "threads", id, ".jsonl")?, text);
        }
    }
    Ok(files)
}

/// The files of one workflow's archive, read from `tx`: the export layout narrowed to
/// the workflow, its sessions and tasks (see the module documentation).
pub(crate) fn render_workflow(
    tx: &dyn crate::store::ReadTx,
    workflow: &crate::id::WorkflowId,
) -> Result<std::collections::BTreeMap<std::path::PathBuf, String>> {
    let wf = crate::workflow::load(tx, workflow)?;
    let project = crate::project::load(tx, &wf.project_id)?;
    let dump = dump::ProjectDump::read_workflow(tx, project, workflow.as_str())?;
    export::render(&[dump], None)
}

/// Writes `files` as the new directory `dir` (absent or empty), all at once.
pub(crate) fn write_dir(dir: &Path, files: &std::collections::BTreeMap<std::path::PathBuf, String>) -> Result<usize> {
    export::write(dir, files)
}

/// Writes one workflow's archive layout to `dir` (absent or empty).
pub(crate) fn export_workflow(ctx: Ctx<'_>, workflow: &crate::id::WorkflowId, dir: &Path) -> Result<usize> {
    let files = ctx.read(|tx| render_workflow(tx, workflow))?;
    export::write(dir, &files)
}

/// Validates the export at `dir` (or in the `.tar.gz` archive at `dir`) and applies it
/// in one transaction.
pub(crate) fn import(ctx: Ctx<'_>, dir: &Path) -> Result<ImportSummary> {
    with_loaded(dir, |loaded| ctx.write(|tx| import::apply(tx, loaded)))
}

/// What importing `dir` would bring in, validated and checked against the store exactly
/// as [`import`] checks it, in one read: nothing is written and no writer waits.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // used by the `maestro` command
pub(crate) fn plan_import(ctx: Ctx<'_>, dir: &Path) -> Result<ImportSummary> {
    with_loaded(dir, |loaded| ctx.read(|tx| import::plan(tx, &loaded)))
}

/// Validates every file of the export or archive at `dir` against its schema and the
/// references between them, without a store. Returns the number of files.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // used by the `maestro` command
pub(crate) fn validate(dir: &Path) -> Result<usize> {
    with_loaded(dir, |loaded| Ok(loaded.files()))
}

/// Reads and validates the export at `dir`, or the `.tar.gz` archive at `dir` unpacked
/// into a private staging directory (removed afterwards), and hands it to `f`.
fn with_loaded<T>(dir: &Path, f: impl FnOnce(import::Loaded) -> Result<T>) -> Result<T> {
    if dir.is_file() && dir.to_string_lossy().ends_with(archive::SUFFIX) {
        let staging = std::env::temp_dir().join(format!(
            "maestro-import-{}-{}-{}",
            std::process::id(),
            crate::time::now_ms(),
            crate::id::RecordId::generate()
        ));
        // `unpack` creates `staging` owner-only.
        let result = archive::unpack(dir, &staging).and_then(|()| f(import::read(&staging)?));
        let _ = std::fs::remove_dir_all(&staging);
        return result;
    }
    f(import::read(dir)?)
}
