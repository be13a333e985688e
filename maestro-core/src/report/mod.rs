//! Markdown reports rendered from stored state (SPEC §3.10): a workflow's chronological
//! `execution-log.md`, its `final-report.md`, and the `DECISIONS.md` living document.
//! Rendering is a pure function of the state read in one snapshot: the same state
//! always renders the same bytes (no clock, no feed positions).

mod decisions_md;
mod execution_log;
mod final_report;
mod format;

pub(crate) use decisions_md::decisions_md;
pub(crate) use execution_log::execution_log;
pub(crate) use final_report::final_report;

use crate::error::{Error, Result};
use crate::exchange::dump::ProjectDump;
use crate::id::{ProjectId, WorkflowId};
use crate::maestro::Ctx;
use crate::store::ReadTx;

/// Reports rendered from the store.
#[derive(Clone, Copy)]
pub struct Reports<'a>(pub(crate) Ctx<'a>);

fn with_workflow<T>(tx: &dyn ReadTx, id: &WorkflowId, f: impl FnOnce(&ProjectDump, usize) -> T) -> Result<T> {
    let wf = crate::workflow::load(tx, id)?;
    let project = crate::project::load(tx, &wf.project_id)?;
    let dump = ProjectDump::read(tx, project)?;
    let i = dump
        .workflows
        .iter()
        .position(|w| w.workflow.id == *id)
        .ok_or_else(|| Error::Internal(format!("workflow {id} vanished inside one snapshot")))?;
    Ok(f(&dump, i))
}

impl Reports<'_> {
    /// The chronological story of a workflow: phase changes, votes, sessions, their
    /// timelines, decisions and outcomes, checkpoints and rollbacks.
    pub fn execution_log(&self, workflow: &WorkflowId) -> Result<String> {
        self.0
            .read(|tx| with_workflow(tx, workflow, |d, i| execution_log(d, &d.workflows[i])))
    }

    /// The summary of a workflow: phases with durations; tasks done, failed and
    /// skipped, with estimates against actual time; decisions with rationale and outcome;
    /// checkpoints and rollbacks; and a Mermaid gantt of sessions and tasks.
    pub fn final_report(&self, workflow: &WorkflowId) -> Result<String> {
        self.0
            .read(|tx| with_workflow(tx, workflow, |d, i| final_report(d, &d.workflows[i])))
    }

    /// The project's decisions as a living, ADR-like document.
    pub fn decisions_md(&self, project: &ProjectId) -> Result<String> {
        self.0.read(|tx| {
            let p = crate::project::load(tx, project)?;
            Ok(decisions_md(&[ProjectDump::read(tx, p)?]))
        })
    }
}
