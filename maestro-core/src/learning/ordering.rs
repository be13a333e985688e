//! Task ordering (SPEC §3.9): precedence rules between task labels learned from the
//! order in which ended workflows completed their tasks, and an order for new tasks that
//! always respects their dependencies and uses the rules to break ties.
//!
//! When a workflow completes or fails, its completed tasks are put in commit order (the
//! feed seq of their latest event). For labels `a ≠ b` both present, `a` preceded `b` in
//! that workflow when every `a` task completed before the first `b` task. The counts are
//! kept per project in `ordering_pairs` (completed and failed workflows apart), so they
//! survive the deletion of the workflows.

pub use super::model::{OrderedTask, PairStat, WorkflowOrdering};

use super::{Learning, LearningThresholds};
use crate::error::{Error, Result};
use crate::feed::EntityKind;
use crate::id::ProjectId;
use crate::store::{ReadTx, WriteTx};
use crate::task::{Priority, TaskStatus};
use crate::time::Timestamp;
use crate::workflow::{Workflow, WorkflowStatus};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Most tasks one `suggest_order` call orders.
pub const MAX_ORDER_TASKS: usize = 1_000;
/// Most labels of one task to order, as on a stored task.
pub const MAX_ORDER_LABELS: usize = 64;

/// A learned precedence rule: tasks labelled `before` go before tasks labelled `after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderingRule {
    /// Label of the tasks that go first.
    pub before: String,
    /// Label of the tasks that go after them.
    pub after: String,
    /// `supporting / (supporting + contradicting)`.
    pub confidence: f64,
    /// Completed workflows where every `before` task completed before the first `after` task.
    pub supporting_evidence: i64,
    /// Completed workflows where every `after` task completed before the first `before` task.
    pub contradicting_evidence: i64,
}

/// An order that preceded failures: in at least `min_rule_evidence` failed workflows
/// `before` went before `after`, and that order ended in failure with at least
/// `min_rule_confidence` of the workflows that showed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AntiPattern {
    /// The label that went first.
    pub before: String,
    /// The label that went after it.
    pub after: String,
    /// Failed workflows with that order.
    pub failed_workflows: i64,
    /// Completed workflows with that order.
    pub completed_workflows: i64,
    /// `failed / (failed + completed)`.
    pub confidence: f64,
}

/// The rules and anti-patterns that pass the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderingRules {
    /// Rules, by confidence, then evidence, then labels.
    pub rules: Vec<OrderingRule>,
    /// Anti-patterns, by confidence, then failed workflows, then labels.
    pub anti_patterns: Vec<AntiPattern>,
}

/// A task to order: a caller key, its labels, the keys it depends on and its priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskToOrder {
    /// Unique among the tasks of the call (a task id, or any name).
    pub key: String,
    /// Its labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Keys of tasks that must come before it.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Breaks ties that no rule decides (higher first).
    #[serde(default = "medium")]
    pub priority: Priority,
}

fn medium() -> Priority {
    Priority::Medium
}

/// A suggested order and the rules behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestedOrder {
    /// Every key, each after all of its dependencies.
    pub order: Vec<String>,
    /// Rules relevant to these tasks that the order follows.
    pub applied: Vec<OrderingRule>,
    /// Rules relevant to these tasks that the dependencies (or a stronger rule) overrode.
    pub overridden: Vec<OrderingRule>,
    /// Anti-patterns the order contains, for the caller to weigh: they are reported, not
    /// avoided (an order that preceded failures says little about what to do instead).
    pub anti_patterns: Vec<AntiPattern>,
}

/// The completed tasks of `wf` in commit order.
fn completed_order(tx: &dyn ReadTx, wf: &Workflow) -> Result<Vec<OrderedTask>> {
    let mut done = Vec::new();
    for t in tx.tasks(wf.project_id.as_str())? {
        if t.workflow_id.as_ref() != Some(&wf.id) || t.status != TaskStatus::Completed {
            continue;
        }
        let (seq, at) = completion(tx, &t)?;
        let mut labels = t.labels.clone();
        labels.sort();
        labels.dedup();
        done.push((
            seq,
            OrderedTask {
                task_id: t.id,
                labels,
                completed_at: at,
            },
        ));
    }
    done.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.task_id.cmp(&b.1.task_id)));
    Ok(done.into_iter().map(|(_, t)| t).collect())
}

/// The feed seq and time at which a completed task last became completed: the first
/// event of the run of `completed` states its history ends with (later events, such as a
/// dependency added, do not move it).
fn completion(tx: &dyn ReadTx, t: &crate::task::Task) -> Result<(i64, Timestamp)> {
    let mut found = (i64::MAX, t.updated_at);
    let mut at_seq = i64::MAX;
    // Bounded: a task rarely has more than a few events after its completion.
    for _ in 0..64 {
        match tx.event_at(EntityKind::Task, t.id.as_str(), at_seq)? {
            Some(e) if e.payload["status"] == "completed" => {
                found = (e.seq, e.at);
                at_seq = e.seq - 1;
            }
            _ => break,
        }
    }
    Ok(found)
}

/// The label pairs `(a, b)` where every `a` task precedes the first `b` task.
pub(crate) fn precedences(order: &[OrderedTask]) -> Vec<(String, String)> {
    let mut span: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, t) in order.iter().enumerate() {
        for l in &t.labels {
            let s = span.entry(l.as_str()).or_insert((i, i));
            s.1 = i;
        }
    }
    let mut out = Vec::new();
    for (a, (_, a_last)) in &span {
        for (b, (b_first, _)) in &span {
            if a != b && a_last < b_first {
                out.push(((*a).to_owned(), (*b).to_owned()));
            }
        }
    }
    out
}

/// Learns from a workflow that just completed or failed. Runs in its transaction.
pub(crate) fn on_workflow_ended(tx: &mut dyn WriteTx, wf: &Workflow) -> Result<()> {
    let failed = match wf.status {
        WorkflowStatus::Completed => false,
        WorkflowStatus::Failed => true,
        _ => return Ok(()),
    };
    let order = completed_order(tx, wf)?;
    if order.is_empty() {
        return Ok(());
    }
    let ended_at = wf.ended_at.unwrap_or_else(Timestamp::now);
    for (before, after) in precedences(&order) {
        tx.add_ordering_pair(&PairStat {
            project_id: wf.project_id.clone(),
            before,
            after,
            completed: i64::from(!failed),
            failed: i64::from(failed),
            last_seen: ended_at,
        })?;
    }
    tx.insert_ordering(&WorkflowOrdering {
        workflow_id: wf.id.clone(),
        project_id: wf.project_id.clone(),
        feature: wf.feature.clone(),
        status: wf.status,
        ended_at,
        order,
    })
}

/// Pair counts summed over projects, keyed by `(before, after)`.
fn pair_counts(pairs: Vec<PairStat>) -> BTreeMap<(String, String), (i64, i64)> {
    let mut m: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for p in pairs {
        let c = m.entry((p.before, p.after)).or_default();
        c.0 += p.completed;
        c.1 += p.failed;
    }
    m
}

/// The rules and anti-patterns the counts support under `t`.
pub(crate) fn derive(pairs: Vec<PairStat>, t: &LearningThresholds) -> OrderingRules {
    let counts = pair_counts(pairs);
    let mut rules = Vec::new();
    let mut anti_patterns = Vec::new();
    for ((a, b), (completed, failed)) in &counts {
        let contra = counts.get(&(b.clone(), a.clone())).map_or(0, |c| c.0);
        if *completed >= t.min_rule_evidence {
            let confidence = *completed as f64 / (*completed + contra) as f64;
            if confidence >= t.min_rule_confidence {
                rules.push(OrderingRule {
                    before: a.clone(),
                    after: b.clone(),
                    confidence,
                    supporting_evidence: *completed,
                    contradicting_evidence: contra,
                });
            }
        }
        if *failed >= t.min_rule_evidence {
            let confidence = *failed as f64 / (*failed + *completed) as f64;
            if confidence >= t.min_rule_confidence {
                anti_patterns.push(AntiPattern {
                    before: a.clone(),
                    after: b.clone(),
                    failed_workflows: *failed,
                    completed_workflows: *completed,
                    confidence,
                });
            }
        }
    }
    rules.sort_by(|x, y| {
        y.confidence
            .total_cmp(&x.confidence)
            .then(y.supporting_evidence.cmp(&x.supporting_evidence))
            .then(x.before.cmp(&y.before))
            .then(x.after.cmp(&y.after))
    });
    anti_patterns.sort_by(|x, y| {
        y.confidence
            .total_cmp(&x.confidence)
            .then(y.failed_workflows.cmp(&x.failed_workflows))
            .then(x.before.cmp(&y.before))
            .then(x.after.cmp(&y.after))
    });
    OrderingRules { rules, anti_patterns }
}

/// Checks keys and dependencies; returns each task's dependency indexes.
fn check_tasks(tasks: &[TaskToOrder]) -> Result<Vec<Vec<usize>>> {
    if tasks.len() > MAX_ORDER_TASKS {
        return Err(Error::validation(
            "task_order",
            "/tasks",
            format!("at most {MAX_ORDER_TASKS} tasks, got {}", tasks.len()),
        ));
    }
    let mut index = HashMap::new();
    for (i, t) in tasks.iter().enumerate() {
        if t.key.is_empty() || t.key.len() > 256 {
            return Err(Error::validation(
                "task_order",
                format!("/tasks/{i}/key"),
                "must be 1 to 256 bytes",
            ));
        }
        if t.labels.len() > MAX_ORDER_LABELS {
            return Err(Error::validation(
                "task_order",
                format!("/tasks/{i}/labels"),
                format!("at most {MAX_ORDER_LABELS} labels"),
            ));
        }
        if let Some(j) = t.labels.iter().position(|l| l.is_empty() || l.len() > 100) {
            return Err(Error::validation(
                "task_order",
                format!("/tasks/{i}/labels/{j}"),
                "must be 1 to 100 bytes",
            ));
        }
        if index.insert(t.key.as_str(), i).is_some() {
            return Err(Error::validation(
                "task_order",
                format!("/tasks/{i}/key"),
                format!("{:?} appears twice", t.key),
            ));
        }
    }
    tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.depends_on
                .iter()
                .enumerate()
                .map(|(j, d)| match index.get(d.as_str()) {
                    Some(&k) if k != i => Ok(k),
                    Some(_) => Err(Error::validation(
                        "task_order",
                        format!("/tasks/{i}/depends_on/{j}"),
                        format!("{:?} depends on itself", t.key),
                    )),
                    None => Err(Error::validation(
                        "task_order",
                        format!("/tasks/{i}/depends_on/{j}"),
                        format!("{d:?} is not the key of a task in this call"),
                    )),
                })
                .collect()
        })
        .collect()
}

/// Orders `tasks` with the rules: Kahn's algorithm over the dependencies, where among the
/// ready tasks the next one is the one the fewest remaining tasks should precede (summing
/// the confidence of the rules that say so), then the higher priority, then input order.
pub(crate) fn suggest(tasks: &[TaskToOrder], rules: &OrderingRules) -> Result<SuggestedOrder> {
    let deps = check_tasks(tasks)?;
    let n = tasks.len();
    let by_labels: HashMap<(&str, &str), &OrderingRule> = rules
        .rules
        .iter()
        .map(|r| ((r.before.as_str(), r.after.as_str()), r))
        .collect();
    // weight[u][t]: how strongly u should go before t.
    let mut weight = vec![0.0_f64; n * n];
    for u in 0..n {
        for t in 0..n {
            if u == t {
                continue;
            }
            for lu in &tasks[u].labels {
                for lt in &tasks[t].labels {
                    if let Some(r) = by_labels.get(&(lu.as_str(), lt.as_str())) {
                        weight[u * n + t] = weight[u * n + t].max(r.confidence);
                    }
                }
            }
        }
    }
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents = vec![Vec::new(); n];
    for (t, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(t);
        }
    }
    let mut placed = vec![false; n];
    let mut ready: BTreeSet<usize> = (0..n).filter(|&t| waiting[t] == 0).collect();
    // Sum over unplaced u of weight[u][t], kept up to date as tasks are placed.
    let mut pressure: Vec<f64> = (0..n).map(|t| (0..n).map(|u| weight[u * n + t]).sum()).collect();
    let mut order = Vec::with_capacity(n);
    // Placing tasks subtracts their weights again, which leaves rounding dust: pressures
    // are compared at a precision far below any rule's confidence.
    let level = |p: f64| (p * 1e9).round() as i64;
    while let Some(&next) = ready.iter().min_by(|&&a, &&b| {
        level(pressure[a])
            .cmp(&level(pressure[b]))
            .then(tasks[b].priority.cmp(&tasks[a].priority))
            .then(a.cmp(&b))
    }) {
        ready.remove(&next);
        placed[next] = true;
        order.push(next);
        for t in 0..n {
            pressure[t] -= weight[next * n + t];
        }
        for &t in &dependents[next] {
            waiting[t] -= 1;
            if waiting[t] == 0 {
                ready.insert(t);
            }
        }
    }
    if order.len() < n {
        let stuck: Vec<&str> = (0..n).filter(|&t| !placed[t]).map(|t| tasks[t].key.as_str()).collect();
        return Err(Error::validation(
            "task_order",
            "/tasks",
            format!("the dependencies form a cycle among {}", stuck.join(", ")),
        ));
    }
    let mut position = vec![0; n];
    for (i, &t) in order.iter().enumerate() {
        position[t] = i;
    }
    // A relevant rule is followed when every task with its `before` label comes before
    // every task with its `after` label (tasks carrying both labels are ignored).
    let with = |label: &str| -> Vec<usize> { (0..n).filter(|&t| tasks[t].labels.iter().any(|l| l == label)).collect() };
    let (mut applied, mut overridden) = (Vec::new(), Vec::new());
    for r in &rules.rules {
        let (all_a, all_b) = (with(&r.before), with(&r.after));
        let a: Vec<usize> = all_a.iter().copied().filter(|t| !all_b.contains(t)).collect();
        let b: Vec<usize> = all_b.iter().copied().filter(|t| !all_a.contains(t)).collect();
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let last_a = a.iter().map(|&t| position[t]).max().unwrap_or(0);
        let first_b = b.iter().map(|&t| position[t]).min().unwrap_or(0);
        if last_a < first_b {
            applied.push(r.clone());
        } else {
            overridden.push(r.clone());
        }
    }
    let mut anti_patterns = Vec::new();
    for p in &rules.anti_patterns {
        let (a, b) = (with(&p.before), with(&p.after));
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let last_a = a.iter().map(|&t| position[t]).max().unwrap_or(0);
        let first_b = b.iter().map(|&t| position[t]).min().unwrap_or(0);
        if last_a < first_b {
            anti_patterns.push(p.clone());
        }
    }
    Ok(SuggestedOrder {
        order: order.into_iter().map(|t| tasks[t].key.clone()).collect(),
        applied,
        overridden,
        anti_patterns,
    })
}

impl Learning<'_> {
    /// The task-ordering rules and anti-patterns of a project (of every project when
    /// `None`) under the thresholds (`min_rule_evidence`, `min_rule_confidence`).
    pub fn ordering_rules(
        &self,
        project: Option<&ProjectId>,
        thresholds: Option<&LearningThresholds>,
    ) -> Result<OrderingRules> {
        let t = thresholds.cloned().unwrap_or_else(|| self.thresholds().clone());
        t.check()?;
        let pairs = self.0.read(|tx| {
            if let Some(p) = project {
                crate::project::load(tx, p)?;
            }
            tx.ordering_pairs(project.map(|p| p.as_str()))
        })?;
        Ok(derive(pairs, &t))
    }

    /// An order for `tasks` that always respects their dependencies and uses the
    /// project's rules (every project's when `None`) to break ties: a task goes after the
    /// remaining tasks that rules say should precede it, when its dependencies allow.
    /// Unknown keys, self-dependencies and cycles are validation errors naming the task.
    pub fn suggest_order(
        &self,
        project: Option<&ProjectId>,
        tasks: &[TaskToOrder],
        thresholds: Option<&LearningThresholds>,
    ) -> Result<SuggestedOrder> {
        check_tasks(tasks)?;
        let rules = self.ordering_rules(project, thresholds)?;
        suggest(tasks, &rules)
    }

    /// The task orders of a project's ended workflows, oldest first (kept after the
    /// workflows are deleted).
    pub fn orderings(&self, project: &ProjectId) -> Result<Vec<WorkflowOrdering>> {
        self.0.read(|tx| {
            crate::project::load(tx, project)?;
            tx.ordering_history(project.as_str())
        })
    }
}
