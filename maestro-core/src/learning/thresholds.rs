//! The thresholds that turn aggregates into advice (config `learning`, SPEC §3.12).

use serde::{Deserialize, Serialize};

/// When a choice is preferred or avoided, when an ordering is a rule, and when complexity
/// growth is an alert. Every field has a default; the handle's [`crate::Options`] carries
/// the store's values and calls may override them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearningThresholds {
    /// Usages before a technology or pattern can be preferred (default 2).
    pub min_usage_count: i64,
    /// Success rate (successful / decisions with an outcome) needed to be preferred
    /// (default 0.5).
    pub min_success_rate: f64,
    /// Failed or reverted outcomes that put a choice on the avoid list, provided its
    /// failures outnumber its successes (default 2).
    pub avoid_failure_count: i64,
    /// Confidence needed for a task-ordering rule or anti-pattern (default 0.7).
    pub min_rule_confidence: f64,
    /// Workflows needed to support a task-ordering rule or anti-pattern (default 2).
    pub min_rule_evidence: i64,
    /// Growth factor (last / first snapshot in the window) that raises a complexity
    /// alert (default 1.5).
    pub complexity_growth_alert: f64,
}

impl Default for LearningThresholds {
    fn default() -> Self {
        LearningThresholds {
            min_usage_count: 2,
            min_success_rate: 0.5,
            avoid_failure_count: 2,
            min_rule_confidence: 0.7,
            min_rule_evidence: 2,
            complexity_growth_alert: 1.5,
        }
    }
}

impl LearningThresholds {
    /// Checks the ranges the config schema states.
    pub fn check(&self) -> crate::Result<()> {
        let bad = |field: &str, why: &str| {
            Err(crate::Error::validation(
                "learning",
                format!("/{field}"),
                why.to_owned(),
            ))
        };
        if self.min_usage_count < 1 {
            return bad("min_usage_count", "must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.min_success_rate) {
            return bad("min_success_rate", "must be in [0, 1]");
        }
        if self.avoid_failure_count < 1 {
            return bad("avoid_failure_count", "must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.min_rule_confidence) {
            return bad("min_rule_confidence", "must be in [0, 1]");
        }
        if self.min_rule_evidence < 1 {
            return bad("min_rule_evidence", "must be at least 1");
        }
        if !(self.complexity_growth_alert > 0.0 && self.complexity_growth_alert.is_finite()) {
            return bad("complexity_growth_alert", "must be a finite number above 0");
        }
        Ok(())
    }
}
