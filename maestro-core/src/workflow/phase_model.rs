//! Phase models as data: phases, the initial phase, allowed transitions and approval gates.

use super::quorum::Quorum;
use crate::error::{Error, Result};
use crate::macros::str_enum;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

str_enum!(
    /// How a terminal phase ends the workflow.
    Terminal, "phase_model" {
        /// Reaching this phase completes the workflow.
        Success => "success",
        /// Reaching this phase fails the workflow.
        Failure => "failure",
    }
);

/// One phase of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Phase name, `[a-z0-9_]{1,64}`.
    pub name: String,
    /// Set when reaching the phase ends the workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<Terminal>,
}

/// An approval gate on a transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// How many votes decide the gate; one approval when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Quorum>,
}

/// An allowed move between phases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRule {
    /// Source phase, or `"*"` for any non-terminal phase.
    pub from: String,
    /// Target phase.
    pub to: String,
    /// The gate that must be approved before the move, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
}

/// A workflow's phase model. Valid models have unique phase names, an initial phase
/// that exists and is not terminal, at least one terminal phase, and transitions
/// between existing phases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseModel {
    /// Version of this document's shape.
    pub schema_version: u32,
    /// Model name.
    pub name: String,
    /// The phase a new workflow starts in.
    pub initial: String,
    /// Every phase.
    pub phases: Vec<Phase>,
    /// Every allowed transition.
    pub transitions: Vec<TransitionRule>,
}

/// Largest model accepted, in phases and in transitions.
pub const MAX_MODEL_ITEMS: usize = 256;

fn check_name(path: String, name: &str) -> Result<()> {
    crate::id::validate_id("phase_model", name).map_err(|_| {
        Error::validation(
            "phase_model",
            path,
            format!("{name:?} is not a valid phase name ([a-z0-9_]{{1,64}})"),
        )
    })
}

impl PhaseModel {
    /// Parses and validates a model given as untrusted JSON: size and nesting limits,
    /// then `schemas/phase-model.schema.json`, then the model's own invariants.
    pub fn from_json(json: &str) -> Result<Self> {
        let model: PhaseModel = crate::schema::Schema::PhaseModel.parse_json_into(json)?;
        model.validate()?;
        Ok(model)
    }

    /// Checks the model's invariants; errors carry the JSON path of the offending field.
    pub fn validate(&self) -> Result<()> {
        if self.schema_version != 1 {
            return Err(Error::validation(
                "phase_model",
                "/schema_version",
                "only schema_version 1 is supported",
            ));
        }
        check_name("/name".into(), &self.name)?;
        if self.phases.is_empty() || self.phases.len() > MAX_MODEL_ITEMS {
            return Err(Error::validation(
                "phase_model",
                "/phases",
                format!("needs 1 to {MAX_MODEL_ITEMS} phases"),
            ));
        }
        if self.transitions.len() > MAX_MODEL_ITEMS {
            return Err(Error::validation(
                "phase_model",
                "/transitions",
                format!("at most {MAX_MODEL_ITEMS} transitions"),
            ));
        }
        let mut names = HashSet::new();
        for (i, p) in self.phases.iter().enumerate() {
            check_name(format!("/phases/{i}/name"), &p.name)?;
            if !names.insert(p.name.as_str()) {
                return Err(Error::validation(
                    "phase_model",
                    format!("/phases/{i}/name"),
                    format!("duplicate phase {:?}", p.name),
                ));
            }
        }
        match self.phase(&self.initial) {
            None => {
                return Err(Error::validation(
                    "phase_model",
                    "/initial",
                    format!("unknown phase {:?}", self.initial),
                ))
            }
            Some(p) if p.terminal.is_some() => {
                return Err(Error::validation(
                    "phase_model",
                    "/initial",
                    "the initial phase cannot be terminal",
                ))
            }
            Some(_) => {}
        }
        if !self.phases.iter().any(|p| p.terminal.is_some()) {
            return Err(Error::validation(
                "phase_model",
                "/phases",
                "at least one phase must be terminal",
            ));
        }
        for (i, t) in self.transitions.iter().enumerate() {
            if t.from != "*" && !names.contains(t.from.as_str()) {
                return Err(Error::validation(
                    "phase_model",
                    format!("/transitions/{i}/from"),
                    format!("unknown phase {:?}", t.from),
                ));
            }
            if !names.contains(t.to.as_str()) {
                return Err(Error::validation(
                    "phase_model",
                    format!("/transitions/{i}/to"),
                    format!("unknown phase {:?}", t.to),
                ));
            }
            if t.from == t.to {
                return Err(Error::validation(
                    "phase_model",
                    format!("/transitions/{i}"),
                    "a phase cannot transition to itself",
                ));
            }
            if let Some(q) = t.approval.as_ref().and_then(|a| a.quorum.as_ref()) {
                q.validate(&format!("/transitions/{i}/approval/quorum"))?;
            }
        }
        Ok(())
    }

    /// The phase with this name.
    pub fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }

    /// The rule allowing `from → to`, if any. An exact `from` wins over `"*"`; a terminal
    /// `from` only moves by an exact rule.
    pub fn rule(&self, from: &str, to: &str) -> Option<&TransitionRule> {
        let exact = self.transitions.iter().find(|t| t.from == from && t.to == to);
        let from_terminal = self.phase(from).is_some_and(|p| p.terminal.is_some());
        exact.or_else(|| {
            if from_terminal || from == to {
                None
            } else {
                self.transitions.iter().find(|t| t.from == "*" && t.to == to)
            }
        })
    }

    /// Every phase reachable in one step from `from`, in model order.
    pub fn next_phases(&self, from: &str) -> Vec<&str> {
        self.phases
            .iter()
            .map(|p| p.name.as_str())
            .filter(|to| self.rule(from, to).is_some())
            .collect()
    }
}
