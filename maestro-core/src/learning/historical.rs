//! The historical export in the shapes of seed 000 (`schemas/historical-*.schema.json`):
//! what a project's history recommends for technologies, architecture patterns and task
//! order, with the decisions and workflow orders it came from. Each document also
//! carries the full aggregates (`aggregates`, `pairs`, and every ended workflow's order),
//! which is what an import restores: they outlive the raw decisions and workflows.

use super::advice::{recommend_in, AdviceFilter, ChoiceKind, ChoiceStat};
use super::ordering::{derive, PairStat, WorkflowOrdering};
use super::LearningThresholds;
use crate::decision::{Decision, DecisionCategory, DecisionFilter};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::schema::{Schema, SCHEMA_VERSION};
use crate::store::ReadTx;
use crate::time::Timestamp;
use serde_json::{json, Map, Value};

/// Most rules and workflow orders a task-ordering document lists: the best rules and the
/// newest orders (the pair counts, which the rules derive from, are always complete).
pub const MAX_LISTED: usize = 10_000;

/// The key `preferred_by_category` uses for decisions whose subject had no category.
pub const NO_SUBJECT_CATEGORY: &str = "uncategorized";

/// The three historical documents of one project.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct History {
    /// `learning/<project>/tech-stack.json`.
    pub tech_stack: Value,
    /// `learning/<project>/architecture.json`.
    pub architecture: Value,
    /// `learning/<project>/task-ordering.json`.
    pub task_ordering: Value,
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::Internal(format!("encoding history: {e}")))
}

/// The per-project aggregate rows of one kind, with all their issues.
fn aggregates(tx: &dyn ReadTx, project: &str, kind: ChoiceKind) -> Result<Vec<ChoiceStat>> {
    let filter = AdviceFilter {
        project_id: Some(project.to_owned()),
        ..Default::default()
    };
    let mut out: Vec<ChoiceStat> = tx
        .advice_stats(&filter)?
        .into_iter()
        .filter(|s| s.kind == kind)
        .map(ChoiceStat::finish)
        .collect();
    super::advice::attach_issues(tx, &filter, &mut out, usize::MAX, |_| true)?;
    Ok(out)
}

fn choice_document(
    tx: &dyn ReadTx,
    p: &Project,
    category: DecisionCategory,
    kind: ChoiceKind,
    t: &LearningThresholds,
) -> Result<Value> {
    let field = kind.as_str();
    let rows = aggregates(tx, p.id.as_str(), kind)?;
    let mut preferred: Map<String, Value> = Map::new();
    let mut avoid_list = Vec::new();
    let mut generated = p.created_at;
    let mut subjects: Vec<String> = rows
        .iter()
        .filter(|r| r.decision_category == category.as_str())
        .map(|r| r.subject_category.clone().unwrap_or_default())
        .collect();
    subjects.dedup();
    for sc in subjects {
        let filter = AdviceFilter {
            project_id: Some(p.id.as_str().to_owned()),
            decision_category: Some(category.as_str().to_owned()),
            subject_category: Some(sc.clone()),
        };
        let (pref, avoid, _) = recommend_in(tx, &filter, t)?;
        let stats: Vec<Value> = pref
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| {
                json!({
                    field: s.name, "usage_count": s.usage_count, "success_count": s.success_count,
                    "success_rate": s.success_rate, "rank": s.score, "last_used": s.last_used,
                })
            })
            .collect();
        if !stats.is_empty() {
            let key = if sc.is_empty() {
                NO_SUBJECT_CATEGORY.to_owned()
            } else {
                sc.clone()
            };
            preferred.insert(key, Value::Array(stats));
        }
        for a in avoid.into_iter().filter(|a| a.kind == kind) {
            let mut m = json!({ field: a.name, "reason": a.reason, "failure_count": a.failure_count });
            if let Some(sc) = &a.subject_category {
                m["subject_category"] = json!(sc);
            }
            if let Some(at) = a.last_failed {
                m["last_failed"] = json!(at);
            }
            avoid_list.push(m);
        }
    }
    for r in &rows {
        generated = generated.max(r.last_used).max(r.last_failed.unwrap_or(generated));
    }
    let filter = DecisionFilter {
        project_id: Some(p.id.clone()),
        category: Some(category.as_str().to_owned()),
        ..Default::default()
    };
    let mut decisions = Vec::new();
    for d in tx.decisions(&filter, usize::MAX, crate::store::Recency::OldestFirst)? {
        let Some(name) = d.subject.as_ref().and_then(|s| match kind {
            ChoiceKind::Technology => s.technology.clone(),
            ChoiceKind::Pattern => s.pattern.clone(),
        }) else {
            continue;
        };
        decisions.push(choice_decision(&d, field, &name));
        generated = generated.max(d.outcomes.last().map_or(d.at, |o| o.at.max(d.at)));
    }
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "project_id": p.id,
        "category": category.as_str(),
        "generated_at": generated,
        "decision_count": decisions.len(),
        "patterns": { "preferred_by_category": preferred, "avoid_list": avoid_list },
        "decisions": decisions,
    });
    doc["aggregates"] = to_value(&rows)?;
    Ok(doc)
}

fn choice_decision(d: &Decision, field: &str, name: &str) -> Value {
    let mut m = json!({ "decision_id": d.id, "workflow_id": d.workflow_id, "at": d.at, field: name });
    if let Some(sc) = d.subject.as_ref().and_then(|s| s.category.as_ref()) {
        m["subject_category"] = json!(sc);
    }
    if let Some(o) = d.outcomes.last() {
        m["outcome"] = json!(o.status);
        if let Some(w) = o.would_choose_again {
            m["would_choose_again"] = json!(w);
        }
    }
    m
}

fn ordering_document(tx: &dyn ReadTx, p: &Project, t: &LearningThresholds) -> Result<Value> {
    let pairs = tx.ordering_pairs(Some(p.id.as_str()))?;
    let history = tx.ordering_history(p.id.as_str())?;
    let mut rules = derive(pairs.clone(), t).rules;
    rules.truncate(MAX_LISTED);
    let mut generated = p.created_at;
    let workflows: Vec<Value> = history
        .iter()
        .skip(history.len().saturating_sub(MAX_LISTED))
        .map(|w| {
            generated = generated.max(w.ended_at);
            let mut m = json!({
                "workflow_id": w.workflow_id, "feature": w.feature, "completed_at": w.ended_at,
                "order": w.order,
            });
            if w.status == crate::workflow::WorkflowStatus::Failed {
                m["failed"] = json!(true);
            }
            m
        })
        .collect();
    let filter = DecisionFilter {
        project_id: Some(p.id.clone()),
        category: Some(DecisionCategory::TaskOrdering.as_str().to_owned()),
        ..Default::default()
    };
    let mut decisions = Vec::new();
    for d in tx.decisions(&filter, usize::MAX, crate::store::Recency::OldestFirst)? {
        let mut m = json!({ "decision_id": d.id, "workflow_id": d.workflow_id, "at": d.at, "decision": d.decision });
        if let Some(o) = d.outcomes.last() {
            m["outcome"] = json!(o.status);
        }
        generated = generated.max(d.outcomes.last().map_or(d.at, |o| o.at.max(d.at)));
        decisions.push(m);
    }
    let completed = history
        .iter()
        .filter(|w| w.status == crate::workflow::WorkflowStatus::Completed)
        .count();
    Ok(json!({
        "schema_version": SCHEMA_VERSION,
        "project_id": p.id,
        "category": DecisionCategory::TaskOrdering.as_str(),
        "generated_at": generated,
        "workflow_count": completed,
        "rules": rules,
        "workflows": workflows,
        "decisions": decisions,
        "pairs": pairs.iter().map(|p| json!({
            "before": p.before, "after": p.after, "completed": p.completed, "failed": p.failed,
            "last_seen": p.last_seen,
        })).collect::<Vec<_>>(),
    }))
}

/// The three documents of `p`, as of its latest learned fact (`generated_at` is that
/// time, so exporting the same state twice gives the same bytes).
pub(crate) fn history(tx: &dyn ReadTx, p: &Project, t: &LearningThresholds) -> Result<History> {
    let h = History {
        tech_stack: choice_document(tx, p, DecisionCategory::TechStack, ChoiceKind::Technology, t)?,
        architecture: choice_document(tx, p, DecisionCategory::Architecture, ChoiceKind::Pattern, t)?,
        task_ordering: ordering_document(tx, p, t)?,
    };
    Schema::HistoricalTechStack.validate(&h.tech_stack)?;
    Schema::HistoricalArchitecture.validate(&h.architecture)?;
    Schema::HistoricalTaskOrdering.validate(&h.task_ordering)?;
    Ok(h)
}

/// What an import restores from the three documents of one project.
pub(crate) struct Restored {
    /// `None` when the documents carry no `aggregates` (written by hand, or by another
    /// tool): the import then counts the imported decisions instead.
    pub stats: Option<Vec<ChoiceStat>>,
    pub pairs: Vec<PairStat>,
    pub orderings: Vec<WorkflowOrdering>,
}

/// Reads the aggregates back out of validated documents of project `p`.
pub(crate) fn restore(p: &Project, h: &History) -> Result<Restored> {
    let bad = |e: serde_json::Error| Error::validation("history", "", e.to_string());
    let mut stats: Option<Vec<ChoiceStat>> = None;
    for doc in [&h.tech_stack, &h.architecture] {
        if let Some(rows) = doc.get("aggregates") {
            let rows: Vec<ChoiceStat> = serde_json::from_value(rows.clone()).map_err(bad)?;
            stats.get_or_insert_with(Vec::new).extend(rows);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for s in stats.iter_mut().flatten() {
        s.project_id = Some(p.id.clone());
        let key = (
            s.decision_category.clone(),
            s.subject_category.clone(),
            s.kind,
            s.name.clone(),
        );
        if !seen.insert(key) {
            return Err(Error::validation(
                "history",
                "/aggregates",
                format!("{} {:?} appears twice", s.kind, s.name),
            ));
        }
        for (i, issue) in s.issues.iter().enumerate() {
            if s.issues[..i].iter().any(|o| o.issue == issue.issue) {
                return Err(Error::validation(
                    "history",
                    "/aggregates",
                    format!("issue {:?} of {} {:?} appears twice", issue.issue, s.kind, s.name),
                ));
            }
        }
    }
    /// One item of `pairs`, as the schema describes it.
    #[derive(serde::Deserialize)]
    struct PairDoc {
        before: String,
        after: String,
        completed: i64,
        failed: i64,
        last_seen: Timestamp,
    }
    /// One item of `workflows`, as the schema describes it.
    #[derive(serde::Deserialize)]
    struct WorkflowDoc {
        workflow_id: crate::id::WorkflowId,
        #[serde(default)]
        feature: String,
        completed_at: Timestamp,
        order: Vec<super::OrderedTask>,
        #[serde(default)]
        failed: bool,
    }
    let list = |field: &str| h.task_ordering.get(field).cloned().unwrap_or(Value::Array(Vec::new()));
    let pairs: Vec<PairDoc> = serde_json::from_value(list("pairs")).map_err(bad)?;
    let workflows: Vec<WorkflowDoc> = serde_json::from_value(list("workflows")).map_err(bad)?;
    let pairs = pairs
        .into_iter()
        .map(|d| PairStat {
            project_id: p.id.clone(),
            before: d.before,
            after: d.after,
            completed: d.completed,
            failed: d.failed,
            last_seen: d.last_seen,
        })
        .collect();
    let orderings = workflows
        .into_iter()
        .map(|w| WorkflowOrdering {
            workflow_id: w.workflow_id,
            project_id: p.id.clone(),
            feature: w.feature,
            status: if w.failed {
                crate::workflow::WorkflowStatus::Failed
            } else {
                crate::workflow::WorkflowStatus::Completed
            },
            ended_at: w.completed_at,
            order: w.order,
        })
        .collect();
    Ok(Restored {
        stats,
        pairs,
        orderings,
    })
}
