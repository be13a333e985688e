//! The decision log (SPEC §3.7): append-only decisions linked to a workflow, outcomes
//! recorded later and amended with their history kept, queries by workflow, category,
//! subject and outcome, full-text search, and a replay of everything that happened in a
//! workflow.

pub(crate) mod model;

pub use model::{
    Alternative, CategoryDef, Confidence, Decision, DecisionCategory, DecisionContext, DecisionFilter, Impact,
    NewDecision, NewOutcome, Outcome, OutcomeStatus, Reversibility, RiskLevel, Scope, Subject,
};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::feed::{self, Event};
use crate::id::{validate_id, DecisionId, ProjectId, WorkflowId};
use crate::maestro::Ctx;
use crate::project::{self, check_text};
use crate::store::{ReadTx, WriteTx};
use crate::time::Timestamp;
use crate::{session, task, workflow};

/// Longest decision, rationale, reason, note or issue text, in bytes.
pub const MAX_TEXT: usize = 64 * 1024;
/// Longest subject field, source or category description, in bytes.
pub const MAX_NAME: usize = 256;
/// Most alternatives, sources, related decisions or issues in one decision.
pub const MAX_ITEMS: usize = 100;
/// Most results one search or list call returns.
pub const MAX_RESULTS: usize = 10_000;

/// The decision log.
#[derive(Clone, Copy)]
pub struct Decisions<'a>(pub(crate) Ctx<'a>);

fn check_items(field: &str, n: usize) -> Result<()> {
    if n > MAX_ITEMS {
        return Err(Error::validation(
            "decision",
            field,
            format!("at most {MAX_ITEMS} items, got {n}"),
        ));
    }
    Ok(())
}

fn check_optional(field: &str, v: &Option<String>) -> Result<()> {
    match v {
        Some(s) => check_text("decision", field, s, MAX_NAME),
        None => Ok(()),
    }
}

/// Field checks that need no storage.
fn check_fields(d: &NewDecision) -> Result<()> {
    check_text("decision", "/decision", &d.decision, MAX_TEXT)?;
    check_text("decision", "/rationale", &d.rationale, MAX_TEXT)?;
    check_items("/alternatives_considered", d.alternatives_considered.len())?;
    for (i, a) in d.alternatives_considered.iter().enumerate() {
        check_text(
            "decision",
            &format!("/alternatives_considered/{i}/option"),
            &a.option,
            MAX_NAME,
        )?;
        check_text(
            "decision",
            &format!("/alternatives_considered/{i}/reason_rejected"),
            &a.reason_rejected,
            MAX_TEXT,
        )?;
    }
    if let Some(c) = &d.context {
        check_items("/context/sources", c.sources.len())?;
        for (i, s) in c.sources.iter().enumerate() {
            check_text("decision", &format!("/context/sources/{i}"), s, MAX_TEXT)?;
        }
    }
    if let Some(s) = &d.subject {
        if s.is_empty() {
            return Err(Error::validation(
                "decision",
                "/subject",
                "set at least one of category, technology, pattern",
            ));
        }
        check_optional("/subject/category", &s.category)?;
        check_optional("/subject/technology", &s.technology)?;
        check_optional("/subject/pattern", &s.pattern)?;
    }
    check_items("/related", d.related.len())
}

/// Whether `category` is built in or registered for `project`.
fn category_exists(config: &Config, tx: &dyn ReadTx, project: &ProjectId, category: &str) -> Result<bool> {
    Ok(DecisionCategory::parse(category).is_ok()
        || config.category(category).is_some()
        || tx.decision_category(project.as_str(), category)?.is_some())
}

/// `category_exists`, or a validation error listing the built-ins.
fn check_category(config: &Config, tx: &dyn ReadTx, project: &ProjectId, category: &str) -> Result<()> {
    if category_exists(config, tx, project, category)? {
        return Ok(());
    }
    Err(Error::validation(
        "decision",
        "/category",
        format!(
            "{category:?} is neither built in ({}), nor in the config, nor registered for project {project}",
            DecisionCategory::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

pub(crate) fn load(tx: &dyn ReadTx, id: &DecisionId) -> Result<Decision> {
    tx.decision(id.as_str())?
        .ok_or_else(|| Error::not_found("decision", id.as_str()))
}

/// Records `new` in the current transaction.
pub(crate) fn record_in(config: &Config, tx: &mut dyn WriteTx, new: NewDecision) -> Result<Decision> {
    check_fields(&new)?;
    let (project_id, phase) = tx
        .workflow_phase(new.workflow_id.as_str())?
        .ok_or_else(|| Error::not_found("workflow", new.workflow_id.as_str()))?;
    check_category(config, tx, &project_id, &new.category)?;
    if let Some(sid) = &new.session_id {
        let s = session::load(tx, sid)?;
        if s.workflow_id.as_ref().is_some_and(|w| *w != new.workflow_id) || s.project_id != project_id {
            return Err(Error::validation(
                "decision",
                "/session_id",
                format!("session {sid} does not belong to workflow {}", new.workflow_id),
            ));
        }
    }
    if let Some(tid) = &new.task_id {
        let t = task::load(tx, tid)?;
        if t.project_id != project_id {
            return Err(Error::validation(
                "decision",
                "/task_id",
                format!("task {tid} belongs to another project"),
            ));
        }
    }
    let lineage = new
        .parent_decision_id
        .iter()
        .map(|p| ("/parent_decision_id".to_owned(), p));
    let related = new
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("/related/{i}"), r));
    for (path, id) in lineage.chain(related) {
        let other = load(tx, id).map_err(|e| match e {
            Error::NotFound { .. } => {
                Error::validation("decision", path.clone(), format!("decision {id} does not exist"))
            }
            e => e,
        })?;
        if other.project_id != project_id {
            return Err(Error::validation(
                "decision",
                path,
                format!("decision {id} belongs to another project"),
            ));
        }
    }
    let d = Decision {
        id: DecisionId::generate(),
        workflow_id: new.workflow_id,
        project_id,
        session_id: new.session_id,
        task_id: new.task_id,
        at: Timestamp::now(),
        category: new.category,
        phase,
        decision: new.decision,
        rationale: new.rationale,
        alternatives_considered: new.alternatives_considered,
        context: new.context,
        impact: new.impact,
        subject: new.subject,
        parent_decision_id: new.parent_decision_id,
        related: new.related,
        outcomes: Vec::new(),
    };
    let seq = feed::emit(tx, "recorded", &d)?;
    tx.insert_decision(&d, seq)?;
    crate::learning::advice::on_recorded(tx, &d)?;
    Ok(d)
}

fn check_outcome(o: &NewOutcome) -> Result<()> {
    check_items("/issues", o.issues.len())?;
    for (i, s) in o.issues.iter().enumerate() {
        check_text("decision_outcome", &format!("/issues/{i}"), s, MAX_TEXT)?;
    }
    if o.notes.len() > MAX_TEXT {
        return Err(Error::validation(
            "decision_outcome",
            "/notes",
            format!("longer than {MAX_TEXT} bytes ({})", o.notes.len()),
        ));
    }
    Ok(())
}

/// The first `max` words of user text (runs of letters, digits and `_`), so operators and
/// punctuation in the text are never query syntax; `None` when the text has no words.
/// Backends build their own full-text query from them.
pub(crate) fn search_words(text: &str, max: usize) -> Option<Vec<String>> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .take(max)
        .map(str::to_owned)
        .collect();
    (!words.is_empty()).then_some(words)
}

impl Decisions<'_> {
    /// Records a decision. The workflow must exist; its current phase is filled in. The
    /// category must be built in or registered for the project; the session, task, parent
    /// and related decisions, when given, must exist in the same project (the session in
    /// the same workflow). Writes `decision.recorded` on the change feed.
    pub fn record(&self, new: NewDecision) -> Result<Decision> {
        let config = self.0.config();
        self.0.write(|tx| record_in(config, tx, new))
    }

    /// The decision with its outcome history.
    pub fn get(&self, id: &DecisionId) -> Result<Decision> {
        self.0.read(|tx| load(tx, id))
    }

    /// Decisions matching `filter`, in the order they were recorded, at most `limit`
    /// (capped at [`MAX_RESULTS`]). A workflow's decisions in order: set `workflow_id`.
    pub fn list(&self, filter: &DecisionFilter, limit: usize) -> Result<Vec<Decision>> {
        self.0
            .read(|tx| tx.decisions(filter, limit.min(MAX_RESULTS), crate::store::Recency::OldestFirst))
    }

    /// Decisions whose decision or rationale text contains every word of `text`, best
    /// match first (FTS5 rank), restricted by `filter`, at most `limit`. Punctuation and
    /// FTS operators in `text` are treated as word separators, never as query syntax.
    /// The full-text index is filled lazily: the first search after new decisions were
    /// recorded indexes them first, in a short write transaction. A read-only handle
    /// never writes: decisions it finds unindexed still match (every word as a
    /// case-insensitive substring), listed after the ranked ones.
    pub fn search(&self, text: &str, filter: &DecisionFilter, limit: usize) -> Result<Vec<Decision>> {
        let Some(q) = search_words(text, 32) else {
            return Err(Error::validation("decision", "query", "the search text has no words"));
        };
        // A read-only handle leaves the index as it is: the store still matches what it
        // has not indexed yet, only unranked.
        if self.0.writable().is_ok() && self.0.read(|tx| tx.decisions_unindexed())? {
            self.0.write(|tx| tx.index_decisions())?;
        }
        self.0
            .read(|tx| tx.search_decisions(&q, filter, limit.min(MAX_RESULTS)))
    }

    /// Records how a decision turned out, or amends the previous record: each call adds
    /// a revision and keeps the earlier ones. Writes `decision.outcome_recorded`.
    pub fn record_outcome(&self, id: &DecisionId, outcome: NewOutcome) -> Result<Decision> {
        check_outcome(&outcome)?;
        self.0.write(|tx| {
            let mut d = load(tx, id)?;
            let previous = d.outcomes.last().cloned();
            let revision = d.outcomes.last().map_or(1, |o| o.revision + 1);
            d.outcomes.push(Outcome {
                revision,
                status: outcome.status,
                issues: outcome.issues,
                would_choose_again: outcome.would_choose_again,
                notes: outcome.notes,
                at: Timestamp::now(),
            });
            let seq = feed::emit(tx, "outcome_recorded", &d)?;
            tx.update_decision_outcome(&d, seq)?;
            if let Some(new) = d.outcomes.last() {
                crate::learning::advice::on_outcome(tx, &d, previous.as_ref(), new)?;
            }
            Ok(d)
        })
    }

    /// Registers a decision category for a project beyond the built-ins. Registering a
    /// built-in or an existing name is a conflict.
    pub fn register_category(&self, project: &ProjectId, name: &str, description: &str) -> Result<CategoryDef> {
        validate_id("decision_category", name).map_err(|_| {
            Error::validation(
                "decision_category",
                "/name",
                format!("{name:?} is not a valid category ([a-z0-9_]{{1,64}})"),
            )
        })?;
        check_text("decision_category", "/description", description, MAX_NAME)?;
        self.0.write(|tx| {
            project::load(tx, project)?;
            if category_exists(self.0.config(), tx, project, name)? {
                return Err(Error::conflict("decision_category", name, "already exists"));
            }
            let def = CategoryDef {
                project_id: project.clone(),
                name: name.to_owned(),
                description: description.to_owned(),
                created_at: Timestamp::now(),
            };
            tx.insert_decision_category(&def)?;
            feed::emit(tx, "created", &def)?;
            Ok(def)
        })
    }

    /// Every category a decision of the project may use: the built-ins (with an empty
    /// description and the project's creation time), then the config's extra categories
    /// (with the project's creation time), then the ones registered for it, by name.
    pub fn categories(&self, project: &ProjectId) -> Result<Vec<CategoryDef>> {
        self.0.read(|tx| {
            let p = project::load(tx, project)?;
            let mut all: Vec<CategoryDef> = DecisionCategory::ALL
                .iter()
                .map(|c| CategoryDef {
                    project_id: p.id.clone(),
                    name: c.as_str().to_owned(),
                    description: String::new(),
                    created_at: p.created_at,
                })
                .collect();
            all.extend(self.0.config().decision_categories.iter().map(|c| CategoryDef {
                project_id: p.id.clone(),
                name: c.name.clone(),
                description: c.description.clone(),
                created_at: p.created_at,
            }));
            all.extend(tx.decision_categories(project.as_str())?);
            Ok(all)
        })
    }

    /// Everything that happened in a workflow, in commit order: its own events (phase
    /// changes, pauses, approvals), its decisions and their outcomes, its checkpoints,
    /// and the timeline events of its sessions. Below the feed horizon (see
    /// [`crate::Maestro::prune`]) it holds what retention kept: every timeline event and
    /// decision, and each other entity's state as of the horizon, not every step before.
    pub fn replay(&self, workflow: &WorkflowId) -> Result<Vec<Event>> {
        self.0.read(|tx| {
            workflow::load(tx, workflow)?;
            tx.workflow_replay(workflow.as_str())
        })
    }
}
