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
//! sessions/<id>.json                 a session with its timeline, task links and queue
//! tasks/<id>.json                    a task with its dependencies
//! learning/<project>/tech-stack.json     what the history says about technologies
//! learning/<project>/architecture.json   ... about architecture patterns
//! learning/<project>/task-ordering.json  ... about task order
//! DECISIONS.md                       the decision log as ADR-like records
//! ```
//!
//! The `learning/` documents follow seed 000's historical shapes and carry the full
//! learning aggregates, which import restores: they outlive deleted workflows, so they
//! cannot be recomputed from the decisions in the export.
//!
//! `import(dir)` validates every file first and applies them in one transaction. Export
//! → import into an empty store → export is byte-identical. Import restores state, not
//! the feed's past: each imported entity gets one `<entity>.imported` event (timeline
//! events one `timeline_event.appended`).

pub(crate) mod dump;
mod export;
mod files;
mod import;
mod paths;

pub use import::ImportSummary;

use crate::error::Result;
use crate::maestro::Ctx;
use std::path::Path;

/// Reads everything in one snapshot and writes the export to `dir` (which must not
/// exist or be empty); returns the number of files written.
pub(crate) fn export(ctx: Ctx<'_>, dir: &Path) -> Result<usize> {
    let thresholds = ctx.thresholds();
    let files = ctx.read(|tx| {
        let dumps = dump::ProjectDump::read_all(tx)?;
        let histories = dumps
            .iter()
            .map(|d| crate::learning::historical::history(tx, &d.project, thresholds))
            .collect::<Result<Vec<_>>>()?;
        export::render(&dumps, &histories)
    })?;
    export::write(dir, &files)
}

/// Validates the export at `dir` and applies it in one transaction.
pub(crate) fn import(ctx: Ctx<'_>, dir: &Path) -> Result<ImportSummary> {
    let loaded = import::read(dir)?;
    ctx.write(|tx| import::apply(tx, loaded))
}
