//! Technology and architecture advice (SPEC §3.9, seed 000): per decision category,
//! subject category and chosen technology or pattern, how often it was chosen and how it
//! turned out. The counts change in the transaction that records the decision or its
//! outcome, so a query reads a handful of rows and never scans the decision log.

pub use super::model::{AdviceFilter, ChoiceIssues, ChoiceKey, ChoiceKind, ChoiceStat, IssueCount};

use super::{Learning, LearningThresholds};
use crate::decision::{Decision, Outcome, OutcomeStatus};
use crate::error::Result;
use crate::id::ProjectId;
use crate::store::{ReadTx, WriteTx};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Issues shown with each preferred or avoided choice, and kept with each aggregate.
pub const TOP_ISSUES: usize = 5;

// The derived figures of an aggregate are rules of advice; the stored shape and its key
// are in `model.rs`.
impl ChoiceStat {
    /// Fills `success_rate` and `score` from the counts.
    pub(crate) fn finish(mut self) -> Self {
        self.success_rate = if self.outcome_count > 0 {
            self.success_count as f64 / self.outcome_count as f64
        } else {
            0.0
        };
        self.score = wilson_lower_bound(self.success_count, self.outcome_count);
        self
    }

    fn absorb(&mut self, o: &ChoiceStat) {
        self.usage_count += o.usage_count;
        self.outcome_count += o.outcome_count;
        self.success_count += o.success_count;
        self.partial_count += o.partial_count;
        self.failure_count += o.failure_count;
        self.last_used = self.last_used.max(o.last_used);
        self.last_failed = self.last_failed.max(o.last_failed);
    }
}

/// Gives each choice of `rows` for which `wanted` holds its issues under `filter`, at
/// most `limit` each, with one query.
pub(crate) fn attach_issues(
    tx: &dyn ReadTx,
    filter: &AdviceFilter,
    rows: &mut [ChoiceStat],
    limit: usize,
    wanted: impl Fn(&ChoiceStat) -> bool,
) -> Result<()> {
    if !rows.iter().any(&wanted) {
        return Ok(());
    }
    type Key = (String, String, ChoiceKind, String);
    let key = |s: &ChoiceStat| -> Key {
        (
            s.decision_category.clone(),
            s.subject_category.clone().unwrap_or_default(),
            s.kind,
            s.name.clone(),
        )
    };
    let mut by_choice: std::collections::HashMap<Key, BTreeMap<String, i64>> = rows
        .iter()
        .filter(|s| wanted(s))
        .map(|s| (key(s), BTreeMap::new()))
        .collect();
    for c in tx.advice_issues(filter)? {
        let k = (c.decision_category, c.subject_category, c.kind, c.name);
        if let Some(counts) = by_choice.get_mut(&k) {
            for i in c.issues {
                *counts.entry(i.issue).or_default() += i.count;
            }
        }
    }
    for s in rows.iter_mut().filter(|s| wanted(s)) {
        let counts = by_choice.remove(&key(s)).unwrap_or_default();
        let mut issues: Vec<IssueCount> = counts
            .into_iter()
            .map(|(issue, count)| IssueCount { issue, count })
            .collect();
        issues.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.issue.cmp(&b.issue)));
        issues.truncate(limit);
        s.issues = issues;
    }
    Ok(())
}

/// A choice to avoid, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Avoid {
    /// Technology or pattern.
    pub kind: ChoiceKind,
    /// The technology or pattern.
    pub name: String,
    /// The subject category it failed in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_category: Option<String>,
    /// Why: the failure count against the outcomes, and the most reported issues.
    pub reason: String,
    /// Decisions whose current outcome is failed or reverted.
    pub failure_count: i64,
    /// Decisions with an outcome.
    pub outcome_count: i64,
    /// When it last failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failed: Option<Timestamp>,
}

/// What the history advises for one decision category and subject category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// The decision category asked about.
    pub decision_category: String,
    /// The subject category asked about; absent for decisions without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_category: Option<String>,
    /// Choices that pass the thresholds, best score first (then most used, then name).
    pub preferred: Vec<ChoiceStat>,
    /// Choices to avoid, most failures first.
    pub avoid: Vec<Avoid>,
    /// Choices with too little evidence either way, best score first.
    pub undecided: Vec<ChoiceStat>,
    /// The thresholds applied.
    pub thresholds: LearningThresholds,
}

/// The lower bound of the 95 % Wilson score interval of `successes` out of `n`:
/// `(p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)` with `z = 1.96`; 0 when `n = 0`.
///
/// Why Wilson: ranking by the raw success rate puts one lucky success (1/1 = 100 %) above
/// a long record (95/100). The lower bound is the success rate we can be 95 % sure of,
/// so it grows with evidence: 1/1 ranks 0.21, 9/10 ranks 0.60, 95/100 ranks 0.89. Unlike
/// a Bayesian prior it needs no tuning, and unlike the normal approximation it stays in
/// [0, 1] and behaves at p = 0 or 1.
pub fn wilson_lower_bound(successes: i64, n: i64) -> f64 {
    if n <= 0 {
        return 0.0;
    }
    let z = 1.96_f64;
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let margin = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - margin) / (1.0 + z2 / n)).clamp(0.0, 1.0)
}

/// The choices a decision's subject made.
fn choices(d: &Decision) -> Vec<ChoiceKey> {
    let Some(s) = &d.subject else {
        return Vec::new();
    };
    let named = [
        (ChoiceKind::Technology, s.technology.as_ref()),
        (ChoiceKind::Pattern, s.pattern.as_ref()),
    ];
    named
        .into_iter()
        .filter_map(|(kind, name)| {
            Some(ChoiceKey {
                project_id: d.project_id.clone(),
                decision_category: d.category.clone(),
                subject_category: s.category.clone().unwrap_or_default(),
                kind,
                name: name?.clone(),
            })
        })
        .collect()
}

fn is_failure(s: OutcomeStatus) -> bool {
    matches!(s, OutcomeStatus::Failed | OutcomeStatus::Reverted)
}

/// Adds (`sign = 1`) or removes (`-1`) one current outcome from an aggregate.
fn count_outcome(tx: &mut dyn WriteTx, key: &ChoiceKey, stat: &mut ChoiceStat, o: &Outcome, sign: i64) -> Result<()> {
    stat.outcome_count += sign;
    match o.status {
        OutcomeStatus::Successful => stat.success_count += sign,
        OutcomeStatus::Partial => stat.partial_count += sign,
        OutcomeStatus::Failed | OutcomeStatus::Reverted => stat.failure_count += sign,
    }
    let mut issues: Vec<&String> = o.issues.iter().collect();
    issues.sort();
    issues.dedup();
    for issue in issues {
        tx.add_advice_issue(key, issue, sign)?;
    }
    Ok(())
}

/// Counts a newly recorded decision's choices. Runs in the recording transaction.
pub(crate) fn on_recorded(tx: &mut dyn WriteTx, d: &Decision) -> Result<()> {
    for key in choices(d) {
        let mut stat = tx.advice_stat(&key)?.unwrap_or_else(|| ChoiceStat::empty(&key, d.at));
        stat.usage_count += 1;
        stat.last_used = stat.last_used.max(d.at);
        tx.put_advice_stat(&stat)?;
    }
    Ok(())
}

/// Counts a decision that was recorded elsewhere (an import without learning documents)
/// as if it had been recorded here: its usage, its current outcome, its failures.
pub(crate) fn count_existing(tx: &mut dyn WriteTx, d: &Decision) -> Result<()> {
    on_recorded(tx, d)?;
    let Some(current) = d.outcomes.last() else {
        return Ok(());
    };
    let last_failed = d.outcomes.iter().filter(|o| is_failure(o.status)).map(|o| o.at).max();
    for key in choices(d) {
        let mut stat = tx.advice_stat(&key)?.unwrap_or_else(|| ChoiceStat::empty(&key, d.at));
        count_outcome(tx, &key, &mut stat, current, 1)?;
        stat.last_failed = stat.last_failed.max(last_failed);
        stat.issues = tx.advice_top_issues(&key, TOP_ISSUES)?;
        tx.put_advice_stat(&stat)?;
    }
    Ok(())
}

/// Moves a decision's choices from its previous current outcome (if any) to `new`. Runs
/// in the transaction that records the outcome.
pub(crate) fn on_outcome(tx: &mut dyn WriteTx, d: &Decision, previous: Option<&Outcome>, new: &Outcome) -> Result<()> {
    for key in choices(d) {
        let mut stat = tx.advice_stat(&key)?.unwrap_or_else(|| ChoiceStat::empty(&key, d.at));
        if let Some(p) = previous {
            count_outcome(tx, &key, &mut stat, p, -1)?;
        }
        count_outcome(tx, &key, &mut stat, new, 1)?;
        if is_failure(new.status) {
            stat.last_failed = stat.last_failed.max(Some(new.at));
        }
        stat.issues = tx.advice_top_issues(&key, TOP_ISSUES)?;
        tx.put_advice_stat(&stat)?;
    }
    Ok(())
}

/// Stored rows merged per choice when they span several projects.
fn merged(rows: Vec<ChoiceStat>, by_project: bool) -> Vec<ChoiceStat> {
    if by_project {
        return rows.into_iter().map(ChoiceStat::finish).collect();
    }
    let mut out: BTreeMap<(String, Option<String>, ChoiceKind, String), ChoiceStat> = BTreeMap::new();
    for r in rows {
        let k = (
            r.decision_category.clone(),
            r.subject_category.clone(),
            r.kind,
            r.name.clone(),
        );
        match out.get_mut(&k) {
            Some(m) => m.absorb(&r),
            None => {
                let mut m = r;
                m.project_id = None;
                m.issues.clear();
                out.insert(k, m);
            }
        }
    }
    out.into_values().map(ChoiceStat::finish).collect()
}

fn avoid_reason(s: &ChoiceStat) -> String {
    let issues = if s.issues.is_empty() {
        "no issues reported".to_owned()
    } else {
        // Issues may be 64 KiB each; the reason names them, it does not quote them whole.
        let short = |t: &str| -> String {
            match t.char_indices().nth(200) {
                Some((cut, _)) => format!("{}…", &t[..cut]),
                None => t.to_owned(),
            }
        };
        let top: Vec<String> = s
            .issues
            .iter()
            .map(|i| format!("{} ({})", short(&i.issue), i.count))
            .collect();
        format!("issues: {}", top.join("; "))
    };
    format!(
        "{} of {} decisions with an outcome failed or were reverted; {issues}",
        s.failure_count, s.outcome_count
    )
}

fn by_rank(a: &ChoiceStat, b: &ChoiceStat) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then(b.usage_count.cmp(&a.usage_count))
        .then(a.kind.cmp(&b.kind))
        .then(a.name.cmp(&b.name))
}

/// Splits aggregates into preferred, avoided and undecided under `t`. Issues are read
/// only for the choices shown.
pub(crate) fn recommend_in(
    tx: &dyn ReadTx,
    filter: &AdviceFilter,
    t: &LearningThresholds,
) -> Result<(Vec<ChoiceStat>, Vec<Avoid>, Vec<ChoiceStat>)> {
    let mut rows = merged(tx.advice_stats(filter)?, filter.project_id.is_some());
    let avoided = |s: &ChoiceStat| s.failure_count >= t.avoid_failure_count && s.failure_count > s.success_count;
    let ok = |s: &ChoiceStat| {
        s.usage_count >= t.min_usage_count && s.outcome_count > 0 && s.success_rate >= t.min_success_rate
    };
    // One project: each row carries its top issues. Several: the sums must be ranked anew.
    if filter.project_id.is_none() {
        attach_issues(tx, filter, &mut rows, TOP_ISSUES, |s| avoided(s) || ok(s))?;
    }
    for s in rows.iter_mut().filter(|s| !(avoided(s) || ok(s))) {
        s.issues.clear();
    }
    let (mut preferred, mut avoid, mut undecided) = (Vec::new(), Vec::new(), Vec::new());
    for s in rows {
        let (avoided, ok) = (avoided(&s), ok(&s));
        if avoided {
            avoid.push(Avoid {
                kind: s.kind,
                name: s.name.clone(),
                subject_category: s.subject_category.clone(),
                reason: avoid_reason(&s),
                failure_count: s.failure_count,
                outcome_count: s.outcome_count,
                last_failed: s.last_failed,
            });
        } else if ok {
            preferred.push(s);
        } else {
            undecided.push(s);
        }
    }
    preferred.sort_by(by_rank);
    undecided.sort_by(by_rank);
    avoid.sort_by(|a, b| {
        b.failure_count
            .cmp(&a.failure_count)
            .then(a.kind.cmp(&b.kind))
            .then(a.name.cmp(&b.name))
    });
    Ok((preferred, avoid, undecided))
}

impl Learning<'_> {
    /// What the history advises for `decision_category` and `subject_category` (`None`:
    /// decisions whose subject had no category), in one project or, with `project`
    /// `None`, across every project. Preferred: used at least `min_usage_count` times,
    /// with at least one outcome and a success rate of at least `min_success_rate`,
    /// ranked by [`wilson_lower_bound`]. Avoided: at least `avoid_failure_count` failed or
    /// reverted outcomes, and more failures than successes. `thresholds` overrides the
    /// handle's. Reads only the aggregates of that category: its cost does not grow with
    /// the number of decisions.
    pub fn recommend(
        &self,
        project: Option<&ProjectId>,
        decision_category: &str,
        subject_category: Option<&str>,
        thresholds: Option<&LearningThresholds>,
    ) -> Result<Recommendation> {
        let t = thresholds.cloned().unwrap_or_else(|| self.thresholds().clone());
        t.check()?;
        let filter = AdviceFilter {
            project_id: project.map(|p| p.as_str().to_owned()),
            decision_category: Some(decision_category.to_owned()),
            subject_category: Some(subject_category.unwrap_or_default().to_owned()),
        };
        let (preferred, avoid, undecided) = self.0.read(|tx| {
            if let Some(p) = project {
                crate::project::load(tx, p)?;
            }
            recommend_in(tx, &filter, &t)
        })?;
        Ok(Recommendation {
            decision_category: decision_category.to_owned(),
            subject_category: subject_category.filter(|s| !s.is_empty()).map(str::to_owned),
            preferred,
            avoid,
            undecided,
            thresholds: t,
        })
    }

    /// Every aggregate matching `filter`, with all its issues, ordered by decision
    /// category, subject category, kind and name. Without a project the rows of every
    /// project are merged per choice.
    pub fn stats(&self, filter: &AdviceFilter) -> Result<Vec<ChoiceStat>> {
        self.0.read(|tx| {
            let mut rows = merged(tx.advice_stats(filter)?, filter.project_id.is_some());
            attach_issues(tx, filter, &mut rows, usize::MAX, |_| true)?;
            Ok(rows)
        })
    }
}
