//! Workflows: one feature's run through the phases of a [`PhaseModel`], with approval
//! gates, pause / resume / fail, immutable history, spec and steering documents.

mod builtin;
mod documents;
pub(crate) mod model;
mod phase_model;
mod quorum;
pub(crate) mod status;

pub use builtin::{builtin_model, BUILTIN_MODELS};
pub use model::{HistoryEntry, HistoryKind, SpecDocument, SteeringDocument, Vote, Workflow};
pub use phase_model::{Approval, Phase, PhaseModel, Terminal, TransitionRule, MAX_MODEL_ITEMS};
pub use quorum::{GateState, Quorum};
pub use status::WorkflowStatus;

use crate::error::{Error, Result};
use crate::feed;
use crate::id::{ProjectId, VoteId, WorkflowId};
use crate::maestro::Ctx;
use crate::project::check_text;
use crate::store::WriteTx;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Which phase model a new workflow uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModelRef {
    /// A built-in model by name (`spec`, `flow`, `pipeline`).
    Builtin(String),
    /// A custom model given as data.
    Custom(PhaseModel),
}

/// Input of [`Workflows::create`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkflow {
    /// Caller-chosen id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Owning project.
    pub project_id: ProjectId,
    /// Short feature name.
    pub feature: String,
    /// The original request.
    #[serde(default)]
    pub request: String,
    /// The phase model.
    pub model: ModelRef,
}

impl NewWorkflow {
    /// A workflow of `feature` under `model`, with an empty request and a generated id.
    pub fn new(project_id: ProjectId, feature: impl Into<String>, model: ModelRef) -> Self {
        NewWorkflow {
            id: None,
            project_id,
            feature: feature.into(),
            request: String::new(),
            model,
        }
    }
}

/// The state of the gate on `from → to` in the current epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// Phase the gate leaves.
    pub from: String,
    /// Phase the gate leads to.
    pub to: String,
    /// Approvals cast this round.
    pub approvals: u32,
    /// Rejections cast this round.
    pub rejections: u32,
    /// Decided or not.
    pub state: GateState,
}

/// Operations on workflows.
#[derive(Clone, Copy)]
pub struct Workflows<'a>(pub(crate) Ctx<'a>);

pub(crate) fn load(tx: &dyn crate::store::ReadTx, id: &WorkflowId) -> Result<Workflow> {
    tx.workflow(id.as_str())?
        .ok_or_else(|| Error::not_found("workflow", id.as_str()))
}

pub(crate) fn history(
    tx: &mut dyn WriteTx,
    wf: &Workflow,
    kind: HistoryKind,
    actor: &str,
    details: serde_json::Value,
) -> Result<()> {
    tx.insert_history(&HistoryEntry {
        seq: 0,
        workflow_id: wf.id.clone(),
        kind,
        phase: wf.phase.clone(),
        status: wf.status,
        at: wf.updated_at,
        actor: actor.to_owned(),
        details,
    })
}

/// Writes `next` over `prev` with a compare-and-swap on `prev.version`, and its feed event.
fn save(tx: &mut dyn WriteTx, prev: &Workflow, mut next: Workflow) -> Result<Workflow> {
    next.version = prev.version + 1;
    next.updated_at = Timestamp::now();
    if !tx.update_workflow(&next, prev.version)? {
        return Err(Error::stale("workflow", next.id.as_str(), prev.version));
    }
    feed::emit(tx, "updated", &next)?;
    if !prev.status.is_terminal() && next.status.is_terminal() {
        crate::learning::ordering::on_workflow_ended(tx, &next)?;
    }
    Ok(next)
}

fn gate_of(tx: &dyn crate::store::ReadTx, wf: &Workflow, rule: &TransitionRule) -> Result<Gate> {
    let votes = tx.votes(wf.id.as_str(), wf.epoch)?;
    let (mut approvals, mut rejections) = (0, 0);
    for v in votes.iter().filter(|v| v.to == rule.to) {
        if v.approve {
            approvals += 1
        } else {
            rejections += 1
        }
    }
    let state = match rule.approval.as_ref().and_then(|a| a.quorum.as_ref()) {
        Some(q) => q.evaluate(approvals, rejections),
        None => quorum::single(approvals, rejections),
    };
    Ok(Gate {
        from: wf.phase.clone(),
        to: rule.to.clone(),
        approvals,
        rejections,
        state,
    })
}

impl Workflows<'_> {
    /// Creates a workflow in its model's initial phase, status `active`.
    pub fn create(&self, new: NewWorkflow) -> Result<Workflow> {
        check_text("workflow", "feature", &new.feature, 200)?;
        if new.request.len() > 100_000 {
            return Err(Error::validation("workflow", "request", "longer than 100000 bytes"));
        }
        let model = match new.model {
            ModelRef::Builtin(name) => match self.0.config().phase_model(&name) {
                Some(m) => m.clone(),
                None => builtin_model(&name).map_err(|e| match e {
                    Error::Validation { entity, path, message } => Error::Validation {
                        entity,
                        path,
                        message: format!("{message}; custom models come from config.yaml phase_models"),
                    },
                    other => other,
                })?,
            },
            ModelRef::Custom(m) => {
                m.validate()?;
                m
            }
        };
        let id = match &new.id {
            Some(s) => WorkflowId::parse(s)?,
            None => WorkflowId::generate(),
        };
        let now = Timestamp::now();
        let wf = Workflow {
            id,
            project_id: new.project_id,
            feature: new.feature,
            request: new.request,
            phase: model.initial.clone(),
            model,
            status: WorkflowStatus::Active,
            epoch: 0,
            fail_reason: None,
            created_at: now,
            updated_at: now,
            ended_at: None,
            version: 1,
        };
        self.0.write(|tx| {
            if tx.project(wf.project_id.as_str())?.is_none() {
                return Err(Error::not_found("project", wf.project_id.as_str()));
            }
            if tx.workflow(wf.id.as_str())?.is_some() {
                return Err(Error::conflict(
                    "workflow",
                    wf.id.as_str(),
                    "a workflow with this id exists",
                ));
            }
            tx.insert_workflow(&wf)?;
            history(
                tx,
                &wf,
                HistoryKind::Created,
                "system",
                serde_json::json!({ "model": wf.model.name }),
            )?;
            feed::emit(tx, "created", &wf)?;
            Ok(wf.clone())
        })
    }

    /// The workflow with this id.
    pub fn get(&self, id: &WorkflowId) -> Result<Workflow> {
        self.0.read(|tx| load(tx, id))
    }

    /// Every workflow of a project, oldest first.
    pub fn list(&self, project: &ProjectId) -> Result<Vec<Workflow>> {
        self.0.read(|tx| tx.workflows(project.as_str()))
    }

    /// Moves the workflow to phase `to`. The move must be allowed by the model, the
    /// workflow must be active, and a gated move needs its gate approved this round.
    /// With `expected_from`, the move happens only if the workflow is still in that
    /// phase: of several racing callers exactly one succeeds, the others get a conflict.
    /// Reaching a terminal phase completes (or fails) the workflow.
    pub fn advance(&self, id: &WorkflowId, to: &str, actor: &str, expected_from: Option<&str>) -> Result<Workflow> {
        self.0.write(|tx| {
            let wf = load(tx, id)?;
            if let Some(exp) = expected_from {
                if exp != wf.phase {
                    return Err(Error::conflict_from_to(
                        "workflow",
                        id.as_str(),
                        &wf.phase,
                        to,
                        format!("phase is {}, expected {exp}", wf.phase),
                    ));
                }
            }
            if wf.status != WorkflowStatus::Active {
                return Err(Error::conflict_from_to(
                    "workflow",
                    id.as_str(),
                    &wf.phase,
                    to,
                    format!("status is {}; only active workflows change phase", wf.status),
                ));
            }
            let rule = wf
                .model
                .rule(&wf.phase, to)
                .ok_or_else(|| Error::illegal("workflow", id.as_str(), &wf.phase, to))?;
            if rule.approval.is_some() {
                let gate = gate_of(tx, &wf, rule)?;
                if gate.state != GateState::Approved {
                    return Err(Error::conflict_from_to(
                        "workflow",
                        id.as_str(),
                        &wf.phase,
                        to,
                        format!(
                            "{} → {to} needs approval: gate is {} ({} approvals, {} rejections)",
                            wf.phase, gate.state, gate.approvals, gate.rejections
                        ),
                    ));
                }
            }
            let mut next = wf.clone();
            next.phase = to.to_owned();
            next.epoch += 1;
            match wf.model.phase(to).and_then(|p| p.terminal) {
                Some(Terminal::Success) => next.status = WorkflowStatus::Completed,
                Some(Terminal::Failure) => next.status = WorkflowStatus::Failed,
                None => {}
            }
            if next.status.is_terminal() {
                next.ended_at = Some(Timestamp::now());
            }
            let next = save(tx, &wf, next)?;
            history(
                tx,
                &next,
                HistoryKind::Transition,
                actor,
                serde_json::json!({ "from": wf.phase, "to": to }),
            )?;
            Ok(next)
        })
    }

    /// Casts `voter`'s vote on the gate `current phase → to`. One vote per voter per
    /// round; named-voter quorums accept only their voters.
    pub fn vote(&self, id: &WorkflowId, to: &str, voter: &str, approve: bool, comment: Option<&str>) -> Result<Gate> {
        check_text("vote", "voter", voter, 200)?;
        self.0.write(|tx| {
            let wf = load(tx, id)?;
            if wf.status != WorkflowStatus::Active {
                return Err(Error::conflict(
                    "workflow",
                    id.as_str(),
                    format!("status is {}; votes need an active workflow", wf.status),
                ));
            }
            let rule = wf
                .model
                .rule(&wf.phase, to)
                .ok_or_else(|| Error::illegal("workflow", id.as_str(), &wf.phase, to))?;
            let Some(approval) = &rule.approval else {
                return Err(Error::validation(
                    "vote",
                    "to",
                    format!("{} → {to} has no approval gate", wf.phase),
                ));
            };
            if let Some(q) = &approval.quorum {
                if !q.eligible(voter) {
                    return Err(Error::validation(
                        "vote",
                        "voter",
                        format!("{voter:?} is not an eligible voter on {} → {to}", wf.phase),
                    ));
                }
            }
            if tx
                .votes(id.as_str(), wf.epoch)?
                .iter()
                .any(|v| v.to == to && v.voter == voter)
            {
                return Err(Error::conflict_from_to(
                    "workflow",
                    id.as_str(),
                    &wf.phase,
                    to,
                    format!("{voter} already voted on {} → {to}", wf.phase),
                ));
            }
            let vote = Vote {
                id: VoteId::generate(),
                workflow_id: wf.id.clone(),
                project_id: wf.project_id.clone(),
                epoch: wf.epoch,
                from: wf.phase.clone(),
                to: to.to_owned(),
                voter: voter.to_owned(),
                approve,
                comment: comment.map(str::to_owned),
                at: Timestamp::now(),
            };
            tx.insert_vote(&vote)?;
            let mut at_vote = wf.clone();
            at_vote.updated_at = vote.at;
            history(
                tx,
                &at_vote,
                HistoryKind::Vote,
                voter,
                serde_json::json!({ "from": wf.phase, "to": to, "approve": approve, "comment": comment }),
            )?;
            feed::emit(tx, "created", &vote)?;
            gate_of(tx, &wf, rule)
        })
    }

    /// The current state of the gate `current phase → to`.
    pub fn gate(&self, id: &WorkflowId, to: &str) -> Result<Gate> {
        self.0.read(|tx| {
            let wf = load(tx, id)?;
            let rule = wf
                .model
                .rule(&wf.phase, to)
                .ok_or_else(|| Error::illegal("workflow", id.as_str(), &wf.phase, to))?;
            if rule.approval.is_none() {
                return Err(Error::validation(
                    "gate",
                    "to",
                    format!("{} → {to} has no approval gate", wf.phase),
                ));
            }
            gate_of(tx, &wf, rule)
        })
    }

    fn set_status(&self, id: &WorkflowId, to: WorkflowStatus, actor: &str, reason: Option<&str>) -> Result<Workflow> {
        self.0.write(|tx| {
            let wf = load(tx, id)?;
            if !wf.status.can_become(to) {
                return Err(Error::illegal("workflow", id.as_str(), wf.status, to));
            }
            let mut next = wf.clone();
            next.status = to;
            if to == WorkflowStatus::Failed {
                next.fail_reason = reason.map(str::to_owned);
                next.ended_at = Some(Timestamp::now());
            }
            let next = save(tx, &wf, next)?;
            let kind = match to {
                WorkflowStatus::Paused => HistoryKind::Paused,
                WorkflowStatus::Active => HistoryKind::Resumed,
                _ => HistoryKind::Failed,
            };
            history(tx, &next, kind, actor, serde_json::json!({ "reason": reason }))?;
            Ok(next)
        })
    }

    /// Pauses an active workflow.
    pub fn pause(&self, id: &WorkflowId, actor: &str) -> Result<Workflow> {
        self.set_status(id, WorkflowStatus::Paused, actor, None)
    }

    /// Resumes a paused workflow.
    pub fn resume(&self, id: &WorkflowId, actor: &str) -> Result<Workflow> {
        self.set_status(id, WorkflowStatus::Active, actor, None)
    }

    /// Fails an active or paused workflow with a reason.
    pub fn fail(&self, id: &WorkflowId, reason: &str, actor: &str) -> Result<Workflow> {
        self.set_status(id, WorkflowStatus::Failed, actor, Some(reason))
    }

    /// Deletes a workflow and everything it owns: its history, votes, spec documents,
    /// sessions (with their timelines' rows, links and queues), tasks, decisions and
    /// checkpoints. What the learning layer learned from it stays. Writes one
    /// `workflow.deleted` event carrying its last state; the feed keeps the earlier events
    /// above its horizon (below it, where retention already compacted, they go with the
    /// workflow, as a prune would take them).
    pub fn delete(&self, id: &WorkflowId) -> Result<()> {
        self.0.write(|tx| {
            let wf = load(tx, id)?;
            let horizon = tx.feed_horizon()?;
            tx.prune_workflow(id.as_str(), horizon)?;
            feed::emit(tx, "deleted", &wf)?;
            Ok(())
        })
    }

    /// Every history row of the workflow, in commit order.
    pub fn history(&self, id: &WorkflowId) -> Result<Vec<HistoryEntry>> {
        self.0.read(|tx| {
            load(tx, id)?;
            tx.history(id.as_str())
        })
    }
}
