//! Retrospectives and spikes (SPEC §3.9, seed 002): what finished features taught, and
//! what feasibility experiments found.

use super::records::{self, learning_record};
use super::{check_owner, Learning};
use crate::error::{Error, Result};
use crate::id::{ProjectId, RecordId, WorkflowId};
use crate::project::check_text;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

const MAX_TEXT: usize = 64 * 1024;

/// A retrospective to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRetrospective {
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The feature.
    pub feature: String,
    /// What was unexpected.
    #[serde(default)]
    pub surprises: String,
    /// What to do differently next time.
    #[serde(default)]
    pub would_change: String,
    /// Patterns discovered.
    #[serde(default)]
    pub new_patterns: Vec<String>,
    /// How accurate the spike turned out, in [0, 1].
    #[serde(default)]
    pub spike_accuracy: Option<f64>,
}

/// A recorded retrospective (`schemas/retrospective.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retrospective {
    /// Unique id.
    pub id: RecordId,
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// The feature.
    pub feature: String,
    /// What was unexpected.
    pub surprises: String,
    /// What to do differently next time.
    pub would_change: String,
    /// Patterns discovered.
    pub new_patterns: Vec<String>,
    /// How accurate the spike turned out, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spike_accuracy: Option<f64>,
}

learning_record!(Retrospective, |s| (
    s.feature.clone(),
    s.spike_accuracy.unwrap_or(0.0),
    false
));

/// A spike to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSpike {
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The feature.
    pub feature: String,
    /// The question the spike answers.
    pub question: String,
    /// What was tried.
    pub approach: String,
    /// What came out.
    pub result: String,
    /// Whether the approach is viable.
    pub viable: bool,
    /// Lessons learned.
    #[serde(default)]
    pub lessons: Option<String>,
    /// Time spent, in minutes.
    #[serde(default)]
    pub time_spent_minutes: Option<i64>,
}

/// A recorded spike (`schemas/spike.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spike {
    /// Unique id.
    pub id: RecordId,
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// The feature.
    pub feature: String,
    /// The question.
    pub question: String,
    /// What was tried.
    pub approach: String,
    /// What came out.
    pub result: String,
    /// Whether the approach is viable.
    pub viable: bool,
    /// Lessons learned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lessons: Option<String>,
    /// Time spent, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_spent_minutes: Option<i64>,
}

learning_record!(Spike, |s| (
    s.feature.clone(),
    s.time_spent_minutes.unwrap_or(0) as f64,
    s.viable
));

fn check_long(entity: &'static str, path: &str, s: &str) -> Result<()> {
    if s.len() > MAX_TEXT {
        return Err(Error::validation(entity, path, format!("longer than {MAX_TEXT} bytes")));
    }
    Ok(())
}

impl Learning<'_> {
    /// Records a retrospective. Writes `retrospective.recorded`.
    pub fn record_retrospective(&self, new: NewRetrospective) -> Result<Retrospective> {
        check_text("retrospective", "/feature", &new.feature, 200)?;
        check_long("retrospective", "/surprises", &new.surprises)?;
        check_long("retrospective", "/would_change", &new.would_change)?;
        if new.new_patterns.len() > 1000 {
            return Err(Error::validation(
                "retrospective",
                "/new_patterns",
                "at most 1000 patterns",
            ));
        }
        for (i, p) in new.new_patterns.iter().enumerate() {
            check_text("retrospective", &format!("/new_patterns/{i}"), p, 256)?;
        }
        if let Some(a) = new.spike_accuracy.filter(|a| !(0.0..=1.0).contains(a)) {
            return Err(Error::validation(
                "retrospective",
                "/spike_accuracy",
                format!("must be in [0, 1], got {a}"),
            ));
        }
        self.0.write(|tx| {
            check_owner(tx, "retrospective", &new.project_id, new.workflow_id.as_ref())?;
            let r = Retrospective {
                id: RecordId::generate(),
                project_id: new.project_id,
                workflow_id: new.workflow_id,
                at: Timestamp::now(),
                feature: new.feature,
                surprises: new.surprises,
                would_change: new.would_change,
                new_patterns: new.new_patterns,
                spike_accuracy: new.spike_accuracy,
            };
            records::insert(tx, &r)?;
            Ok(r)
        })
    }

    /// A project's retrospectives, of one feature when given, oldest first.
    pub fn retrospectives(&self, project: &ProjectId, feature: Option<&str>) -> Result<Vec<Retrospective>> {
        self.list(project, feature)
    }

    /// Records a spike. Writes `spike.recorded`.
    pub fn record_spike(&self, new: NewSpike) -> Result<Spike> {
        check_text("spike", "/feature", &new.feature, 200)?;
        check_text("spike", "/question", &new.question, MAX_TEXT)?;
        check_text("spike", "/approach", &new.approach, MAX_TEXT)?;
        check_text("spike", "/result", &new.result, MAX_TEXT)?;
        check_long("spike", "/lessons", new.lessons.as_deref().unwrap_or_default())?;
        if new.time_spent_minutes.is_some_and(|m| m < 0) {
            return Err(Error::validation("spike", "/time_spent_minutes", "must be ≥ 0"));
        }
        self.0.write(|tx| {
            check_owner(tx, "spike", &new.project_id, new.workflow_id.as_ref())?;
            let s = Spike {
                id: RecordId::generate(),
                project_id: new.project_id,
                workflow_id: new.workflow_id,
                at: Timestamp::now(),
                feature: new.feature,
                question: new.question,
                approach: new.approach,
                result: new.result,
                viable: new.viable,
                lessons: new.lessons,
                time_spent_minutes: new.time_spent_minutes,
            };
            records::insert(tx, &s)?;
            Ok(s)
        })
    }

    /// A project's spikes, of one feature when given, oldest first.
    pub fn spikes(&self, project: &ProjectId, feature: Option<&str>) -> Result<Vec<Spike>> {
        self.list(project, feature)
    }
}
