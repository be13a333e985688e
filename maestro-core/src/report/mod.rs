//! Markdown reports rendered from stored state (SPEC §3.10): a workflow's chronological
//! `execution-log.md`, its `final-report.md`, and the living documents `DECISIONS.md`,
//! `FAILURES.md`, `ESTIMATES.md` and `PATTERNS.md`.
//! Rendering is a pure function of the state read in one snapshot: the same state
//! always renders the same bytes (no clock, no feed positions).

mod decisions_md;
mod execution_log;
mod final_report;
mod format;
mod living;

pub(crate) use decisions_md::decisions_md;
pub(crate) use execution_log::execution_log;
pub(crate) use final_report::final_report;
pub(crate) use living::{estimates_md, failures_md, patterns_md};

use crate::error::{Error, Result};
use crate::exchange::dump::{LearningDump, ProjectDump};
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

    /// `FAILURES.md` of the project: every failure with why it failed and its lesson.
    pub fn failures_md(&self, project: &ProjectId) -> Result<String> {
        self.living(project, failures_md)
    }

    /// `ESTIMATES.md` of the project: estimated against actual effort and the
    /// correction factor.
    pub fn estimates_md(&self, project: &ProjectId) -> Result<String> {
        self.living(project, estimates_md)
    }

    /// `PATTERNS.md` of the project: pattern usage and compliance.
    pub fn patterns_md(&self, project: &ProjectId) -> Result<String> {
        self.living(project, patterns_md)
    }

    fn living(&self, project: &ProjectId, render: fn(&[living::ProjectLearning<'_>]) -> String) -> Result<String> {
        self.0.read(|tx| {
            let p = crate::project::load(tx, project)?;
            let l = LearningDump::read(tx, p.id.as_str())?;
            Ok(render(&[(&p, &l)]))
        })
    }

    /// The project's decisions as a living, ADR-like document.
    pub fn decisions_md(&self, project: &ProjectId) -> Result<String> {
        self.0.read(|tx| {
            let p = crate::project::load(tx, project)?;
            Ok(decisions_md(&[ProjectDump::read(tx, p)?]))
        })
    }
}
