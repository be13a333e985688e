//! Pattern usage (SPEC §3.9, seed 002): where a steering pattern was applied and how
//! closely the code followed it, and compliance per pattern.

use super::records::{self, learning_record, RecordFilter, RecordKind};
use super::{check_owner, Learning};
use crate::error::{Error, Result};
use crate::id::{ProjectId, RecordId, WorkflowId};
use crate::project::check_text;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Compliance below this counts as non-compliant.
pub const COMPLIANT: f64 = 0.5;

/// A pattern usage to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPatternUsage {
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The pattern (repository pattern, error envelope, ...).
    pub pattern: String,
    /// Where it was applied.
    #[serde(default)]
    pub file: Option<String>,
    /// How closely the code follows it, in [0, 1].
    pub compliance: f64,
    /// Free notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A recorded pattern usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternUsage {
    /// Unique id.
    pub id: RecordId,
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// The pattern.
    pub pattern: String,
    /// Where it was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Compliance, in [0, 1].
    pub compliance: f64,
    /// Free notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

learning_record!(PatternUsage, |s| (
    s.pattern.clone(),
    s.compliance,
    s.compliance >= COMPLIANT
));

/// How well one pattern is followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternCompliance {
    /// The pattern.
    pub pattern: String,
    /// Usages recorded.
    pub usage_count: usize,
    /// Mean compliance.
    pub mean_compliance: f64,
    /// Lowest compliance.
    pub min_compliance: f64,
    /// Usages below 0.5.
    pub non_compliant: usize,
    /// When it was last used.
    pub last_used: Timestamp,
}

/// Compliance per pattern from `(pattern, at, compliance)`: lowest mean first.
pub(crate) fn compliance_of(rows: impl IntoIterator<Item = (String, Timestamp, f64)>) -> Vec<PatternCompliance> {
    let mut by: BTreeMap<String, PatternCompliance> = BTreeMap::new();
    for (pattern, at, c) in rows {
        let e = by.entry(pattern.clone()).or_insert(PatternCompliance {
            pattern,
            usage_count: 0,
            mean_compliance: 0.0,
            min_compliance: f64::MAX,
            non_compliant: 0,
            last_used: at,
        });
        e.usage_count += 1;
        e.mean_compliance += c;
        e.min_compliance = e.min_compliance.min(c);
        e.non_compliant += usize::from(c < COMPLIANT);
        e.last_used = e.last_used.max(at);
    }
    let mut out: Vec<PatternCompliance> = by
        .into_values()
        .map(|mut p| {
            p.mean_compliance /= p.usage_count as f64;
            p
        })
        .collect();
    out.sort_by(|a, b| {
        a.mean_compliance
            .total_cmp(&b.mean_compliance)
            .then(a.pattern.cmp(&b.pattern))
    });
    out
}

impl Learning<'_> {
    /// Records a pattern usage. Writes `pattern_usage.recorded`.
    pub fn record_pattern_usage(&self, new: NewPatternUsage) -> Result<PatternUsage> {
        check_text("pattern_usage", "/pattern", &new.pattern, 256)?;
        if let Some(f) = &new.file {
            check_text("pattern_usage", "/file", f, 4096)?;
        }
        if !(0.0..=1.0).contains(&new.compliance) {
            return Err(Error::validation(
                "pattern_usage",
                "/compliance",
                format!("must be in [0, 1], got {}", new.compliance),
            ));
        }
        self.0.write(|tx| {
            check_owner(tx, "pattern_usage", &new.project_id, new.workflow_id.as_ref())?;
            let u = PatternUsage {
                id: RecordId::generate(),
                project_id: new.project_id,
                workflow_id: new.workflow_id,
                at: Timestamp::now(),
                pattern: new.pattern,
                file: new.file,
                compliance: new.compliance,
                notes: new.notes,
            };
            records::insert(tx, &u)?;
            Ok(u)
        })
    }

    /// Compliance per pattern in a project (every project when `None`): usages, mean and
    /// lowest compliance, usages below 0.5. Least followed first.
    pub fn pattern_compliance(&self, project: Option<&ProjectId>) -> Result<Vec<PatternCompliance>> {
        let rows = self.0.read(|tx| {
            if let Some(p) = project {
                crate::project::load(tx, p)?;
            }
            let mut f = RecordFilter::of(RecordKind::PatternUsage);
            f.project_id = project.map(|p| p.as_str().to_owned());
            tx.records(&f, usize::MAX)
        })?;
        Ok(compliance_of(rows.into_iter().map(|r| (r.key, r.at, r.num))))
    }
}
