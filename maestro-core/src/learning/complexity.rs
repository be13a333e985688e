//! Complexity snapshots per file (SPEC §3.9, seed 002), their trend, and an alert when a
//! file's complexity grows past the configured factor.

use super::records::{self, learning_record, RecordFilter, RecordKind};
use super::{check_owner, Learning, LearningThresholds};
use crate::error::{Error, Result};
use crate::id::{ProjectId, RecordId, WorkflowId};
use crate::project::check_text;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Snapshots per file a trend reads unless told otherwise.
pub const DEFAULT_TREND_WINDOW: usize = 10;

/// A complexity measurement to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComplexitySnapshot {
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The file measured (a path relative to the project root).
    pub file: String,
    /// Its complexity (any non-negative measure: cyclomatic, cognitive, ...).
    pub complexity: f64,
    /// Its length in lines, if measured.
    #[serde(default)]
    pub lines: Option<i64>,
}

/// A recorded complexity snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplexitySnapshot {
    /// Unique id.
    pub id: RecordId,
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// When it was measured.
    pub at: Timestamp,
    /// The file.
    pub file: String,
    /// Its complexity.
    pub complexity: f64,
    /// Its length in lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<i64>,
}

learning_record!(ComplexitySnapshot, |s| (s.file.clone(), s.complexity, false));

/// One point of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplexityPoint {
    /// When.
    pub at: Timestamp,
    /// The complexity then.
    pub complexity: f64,
}

/// A file's complexity over its last snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplexityTrend {
    /// The file.
    pub file: String,
    /// Its last snapshots, oldest first.
    pub points: Vec<ComplexityPoint>,
    /// `last / first` over the points; absent when the first is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<f64>,
    /// Least-squares slope of complexity per snapshot (0 for one point).
    pub slope: f64,
    /// Whether `growth` reached the `complexity_growth_alert` threshold (or the first
    /// point was 0 and the last is not).
    pub alert: bool,
}

/// Trends per file from `(file, at, complexity)` in recording order: alerts first, then
/// the highest growth, then file.
pub(crate) fn trends_of(
    rows: impl IntoIterator<Item = (String, Timestamp, f64)>,
    window: usize,
    t: &LearningThresholds,
) -> Vec<ComplexityTrend> {
    let mut by_file: BTreeMap<String, Vec<ComplexityPoint>> = BTreeMap::new();
    for (file, at, complexity) in rows {
        by_file
            .entry(file)
            .or_default()
            .push(ComplexityPoint { at, complexity });
    }
    let mut out: Vec<ComplexityTrend> = by_file
        .into_iter()
        .map(|(file, mut points)| {
            let skip = points.len().saturating_sub(window);
            points.drain(..skip);
            let (first, last) = (points[0].complexity, points[points.len() - 1].complexity);
            let growth = (first > 0.0).then(|| last / first);
            let n = points.len() as f64;
            let mean_x = (n - 1.0) / 2.0;
            let mean_y = points.iter().map(|p| p.complexity).sum::<f64>() / n;
            let (mut num, mut den) = (0.0, 0.0);
            for (i, p) in points.iter().enumerate() {
                num += (i as f64 - mean_x) * (p.complexity - mean_y);
                den += (i as f64 - mean_x).powi(2);
            }
            let alert = points.len() > 1
                && match growth {
                    Some(g) => g >= t.complexity_growth_alert,
                    None => last > 0.0,
                };
            ComplexityTrend {
                file,
                points,
                growth,
                slope: if den > 0.0 { num / den } else { 0.0 },
                alert,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.alert
            .cmp(&a.alert)
            .then(b.growth.unwrap_or(f64::MAX).total_cmp(&a.growth.unwrap_or(f64::MAX)))
            .then(a.file.cmp(&b.file))
    });
    out
}

impl Learning<'_> {
    /// Records a file's complexity. Writes `complexity_snapshot.recorded`.
    pub fn record_complexity(&self, new: NewComplexitySnapshot) -> Result<ComplexitySnapshot> {
        check_text("complexity_snapshot", "/file", &new.file, 4096)?;
        if !(new.complexity.is_finite() && new.complexity >= 0.0) {
            return Err(Error::validation(
                "complexity_snapshot",
                "/complexity",
                "must be a finite number ≥ 0",
            ));
        }
        if new.lines.is_some_and(|l| l < 0) {
            return Err(Error::validation("complexity_snapshot", "/lines", "must be ≥ 0"));
        }
        self.0.write(|tx| {
            check_owner(tx, "complexity_snapshot", &new.project_id, new.workflow_id.as_ref())?;
            let s = ComplexitySnapshot {
                id: RecordId::generate(),
                project_id: new.project_id,
                workflow_id: new.workflow_id,
                at: Timestamp::now(),
                file: new.file,
                complexity: new.complexity,
                lines: new.lines,
            };
            records::insert(tx, &s)?;
            Ok(s)
        })
    }

    /// The complexity trend of each file of a project (or of one file) over its last
    /// `window` snapshots (default 10), with an alert when the last is at least
    /// `complexity_growth_alert` times the first. Alerts first.
    pub fn complexity_trends(
        &self,
        project: &ProjectId,
        file: Option<&str>,
        window: Option<usize>,
        thresholds: Option<&LearningThresholds>,
    ) -> Result<Vec<ComplexityTrend>> {
        let t = thresholds.cloned().unwrap_or_else(|| self.thresholds().clone());
        t.check()?;
        let window = window.unwrap_or(DEFAULT_TREND_WINDOW);
        if window < 2 {
            return Err(Error::validation(
                "complexity_snapshot",
                "/window",
                "must be at least 2",
            ));
        }
        let rows = self.0.read(|tx| {
            crate::project::load(tx, project)?;
            let mut f = RecordFilter::of(RecordKind::ComplexitySnapshot);
            f.project_id = Some(project.as_str().to_owned());
            f.key = file.map(str::to_owned);
            tx.records(&f, usize::MAX)
        })?;
        Ok(trends_of(rows.into_iter().map(|r| (r.key, r.at, r.num)), window, &t))
    }
}
