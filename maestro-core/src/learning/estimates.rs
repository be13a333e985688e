//! Estimated against actual effort (SPEC §3.9, seed 002), and the correction the history
//! suggests for a new estimate.

use super::records::{self, learning_record, RecordFilter, RecordKind};
use super::{check_owner, Learning};
use crate::error::{Error, Result};
use crate::feed;
use crate::id::{EstimateId, ProjectId, WorkflowId};
use crate::project::check_text;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The window `correction_factor` reads when the caller gives none, in days.
pub const DEFAULT_WINDOW_DAYS: f64 = 90.0;
/// Every complexity an estimate may have, lowest and highest.
pub const COMPLEXITY_RANGE: (f64, f64) = (1.0, 10.0);
/// The window `corrected_estimate` reads, in days.
pub const CORRECTION_WINDOW_DAYS: f64 = 365.0;
/// Estimates of a nearby complexity needed before `corrected_estimate` narrows to them.
pub const MIN_NEARBY_SAMPLES: usize = 3;

/// An estimate to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEstimate {
    /// The project.
    pub project_id: ProjectId,
    /// The workflow it belongs to (of the same project), if any.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The feature estimated.
    pub feature: String,
    /// The effort unit (sessions, hours, points).
    #[serde(default)]
    pub unit: Option<String>,
    /// Estimated effort, at least 0.
    pub estimated: f64,
    /// Actual effort, when already known.
    #[serde(default)]
    pub actual: Option<f64>,
    /// Complexity, 1 to 10.
    pub complexity: f64,
    /// Files created.
    #[serde(default)]
    pub files_created: Option<i64>,
    /// Files modified.
    #[serde(default)]
    pub files_modified: Option<i64>,
    /// Free notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A recorded estimate (`schemas/estimate.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Estimate {
    /// Unique id.
    pub id: EstimateId,
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// The feature estimated.
    pub feature: String,
    /// The effort unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Estimated effort.
    pub estimated: f64,
    /// Actual effort, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<f64>,
    /// Complexity, 1 to 10.
    pub complexity: f64,
    /// Files created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_created: Option<i64>,
    /// Files modified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_modified: Option<i64>,
    /// Free notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

learning_record!(Estimate, |s| (s.feature.clone(), s.complexity, s.actual.is_some()));

/// The ratio of actual to estimated effort the history shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionFactor {
    /// Multiply an estimate by this: the median of `actual / estimated`; 1 without history.
    pub factor: f64,
    /// Estimates with an actual (and an estimate above 0) it was computed from.
    pub sample_size: usize,
    /// The plain mean of the ratios, for comparison (outliers pull it).
    pub mean_ratio: f64,
    /// Ratios farther than 3 scaled median absolute deviations from the median.
    pub outliers: usize,
    /// The window read, in days.
    pub window_days: f64,
    /// Lowest complexity read.
    pub complexity_min: f64,
    /// Highest complexity read.
    pub complexity_max: f64,
}

/// A raw estimate corrected by the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectedEstimate {
    /// The estimate given.
    pub raw: f64,
    /// Its complexity.
    pub complexity: f64,
    /// `raw × factor`.
    pub corrected: f64,
    /// The correction applied.
    pub factor: f64,
    /// Estimates it came from.
    pub sample_size: usize,
    /// `"complexity ±1"`, `"all complexities"` or `"no history"`.
    pub basis: String,
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The correction factor of a set of `actual / estimated` ratios. The median, not the
/// mean: one runaway task (ratio 20) moves a mean of ten ratios by two, and the median
/// not at all, until half of the samples are runaways.
pub(crate) fn factor_of(mut ratios: Vec<f64>, window_days: f64, complexity: (f64, f64)) -> CorrectionFactor {
    ratios.sort_by(f64::total_cmp);
    let (factor, mean, outliers) = if ratios.is_empty() {
        (1.0, 1.0, 0)
    } else {
        let m = median(&ratios);
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let mut dev: Vec<f64> = ratios.iter().map(|r| (r - m).abs()).collect();
        dev.sort_by(f64::total_cmp);
        let mad = 1.4826 * median(&dev);
        let outliers = if mad > 0.0 {
            ratios.iter().filter(|r| (*r - m).abs() > 3.0 * mad).count()
        } else {
            ratios.iter().filter(|r| **r != m).count()
        };
        (m, mean, outliers)
    };
    CorrectionFactor {
        factor,
        sample_size: ratios.len(),
        mean_ratio: mean,
        outliers,
        window_days,
        complexity_min: complexity.0,
        complexity_max: complexity.1,
    }
}

fn check_effort(path: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::validation(
            "estimate",
            path,
            format!("must be a finite number ≥ 0, got {v}"),
        ));
    }
    Ok(())
}

fn check_complexity(entity: &'static str, path: &str, v: f64) -> Result<()> {
    if !(COMPLEXITY_RANGE.0..=COMPLEXITY_RANGE.1).contains(&v) {
        return Err(Error::validation(entity, path, format!("must be 1 to 10, got {v}")));
    }
    Ok(())
}

impl Learning<'_> {
    /// Records an estimate (with its actual effort, if known). Writes `estimate.recorded`.
    pub fn record_estimate(&self, new: NewEstimate) -> Result<Estimate> {
        check_text("estimate", "/feature", &new.feature, 200)?;
        check_effort("/estimated", new.estimated)?;
        if let Some(a) = new.actual {
            check_effort("/actual", a)?;
        }
        check_complexity("estimate", "/complexity", new.complexity)?;
        if let Some(u) = &new.unit {
            check_text("estimate", "/unit", u, 64)?;
        }
        for (path, v) in [
            ("/files_created", new.files_created),
            ("/files_modified", new.files_modified),
        ] {
            if v.is_some_and(|v| v < 0) {
                return Err(Error::validation("estimate", path, "must be ≥ 0"));
            }
        }
        self.0.write(|tx| {
            check_owner(tx, "estimate", &new.project_id, new.workflow_id.as_ref())?;
            let e = Estimate {
                id: EstimateId::generate(),
                project_id: new.project_id,
                workflow_id: new.workflow_id,
                at: Timestamp::now(),
                feature: new.feature,
                unit: new.unit,
                estimated: new.estimated,
                actual: new.actual,
                complexity: new.complexity,
                files_created: new.files_created,
                files_modified: new.files_modified,
                notes: new.notes,
            };
            records::insert(tx, &e)?;
            Ok(e)
        })
    }

    /// Records (or corrects) the actual effort of an estimate. Writes `estimate.updated`.
    pub fn record_actual(&self, id: &EstimateId, actual: f64) -> Result<Estimate> {
        check_effort("/actual", actual)?;
        self.0.write(|tx| {
            let r = tx
                .record(RecordKind::Estimate, id.as_str())?
                .ok_or_else(|| Error::not_found("estimate", id.as_str()))?;
            let mut e: Estimate = records::from_record(&r)?;
            e.actual = Some(actual);
            tx.update_record(&records::to_record(&e)?)?;
            feed::emit(tx, "updated", &e)?;
            Ok(e)
        })
    }

    /// A project's estimates (every project's when `None`), oldest first.
    pub fn estimates(&self, project: Option<&ProjectId>, limit: usize) -> Result<Vec<Estimate>> {
        self.0.read(|tx| {
            let mut f = RecordFilter::of(RecordKind::Estimate);
            f.project_id = project.map(|p| p.as_str().to_owned());
            records::list(tx, &f, limit.min(super::MAX_RESULTS))
        })
    }

    /// The median `actual / estimated` over estimates recorded in the last `window_days`
    /// with a complexity in `complexity` (inclusive) and an actual, in one project or
    /// every project. Robust to outliers: see [`CorrectionFactor::factor`]. 1 without
    /// history.
    pub fn correction_factor(
        &self,
        project: Option<&ProjectId>,
        window_days: f64,
        complexity: (f64, f64),
    ) -> Result<CorrectionFactor> {
        if !(window_days.is_finite() && window_days > 0.0) {
            return Err(Error::validation(
                "estimate",
                "/window_days",
                "must be a number above 0",
            ));
        }
        if complexity.0 > complexity.1 {
            return Err(Error::validation(
                "estimate",
                "/complexity_min",
                format!("{} is above complexity_max {}", complexity.0, complexity.1),
            ));
        }
        let ratios = self.ratios(project, window_days, complexity)?;
        Ok(factor_of(ratios, window_days, complexity))
    }

    fn ratios(&self, project: Option<&ProjectId>, window_days: f64, complexity: (f64, f64)) -> Result<Vec<f64>> {
        let since = Timestamp(crate::time::now_ms() - (window_days * 86_400_000.0) as i64);
        let rows = self.0.read(|tx| {
            if let Some(p) = project {
                crate::project::load(tx, p)?;
            }
            let mut f = RecordFilter::of(RecordKind::Estimate);
            f.project_id = project.map(|p| p.as_str().to_owned());
            f.since = Some(since);
            tx.records(&f, usize::MAX)
        })?;
        let mut ratios = Vec::new();
        for r in rows
            .iter()
            .filter(|r| r.flag && r.num >= complexity.0 && r.num <= complexity.1)
        {
            let e: Estimate = records::from_record(r)?;
            if let Some(a) = e.actual.filter(|_| e.estimated > 0.0) {
                ratios.push(a / e.estimated);
            }
        }
        Ok(ratios)
    }

    /// `raw` corrected by the history of the last 365 days: by the estimates of a
    /// complexity within ±1 when there are at least 3, else by all of them, else left
    /// as is.
    pub fn corrected_estimate(
        &self,
        project: Option<&ProjectId>,
        raw: f64,
        complexity: f64,
    ) -> Result<CorrectedEstimate> {
        check_effort("/raw", raw)?;
        check_complexity("estimate", "/complexity", complexity)?;
        let nearby = self.ratios(project, CORRECTION_WINDOW_DAYS, (complexity - 1.0, complexity + 1.0))?;
        let (ratios, basis) = if nearby.len() >= MIN_NEARBY_SAMPLES {
            (nearby, "complexity ±1")
        } else {
            let all = self.ratios(project, CORRECTION_WINDOW_DAYS, COMPLEXITY_RANGE)?;
            if all.is_empty() {
                (all, "no history")
            } else {
                (all, "all complexities")
            }
        };
        let f = factor_of(ratios, CORRECTION_WINDOW_DAYS, COMPLEXITY_RANGE);
        Ok(CorrectedEstimate {
            raw,
            complexity,
            corrected: raw * f.factor,
            factor: f.factor,
            sample_size: f.sample_size,
            basis: basis.to_owned(),
        })
    }
}
