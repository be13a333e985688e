//! The built-in phase models, shipped as JSON data and validated like custom ones.

use super::phase_model::PhaseModel;
use crate::error::{Error, Result};

/// Names of the built-in models.
pub const BUILTIN_MODELS: &[&str] = &["spec", "flow", "pipeline"];

/// The built-in model with this name: `spec` (seed 001), `flow` (seed 000) or `pipeline` (seed 002).
pub fn builtin_model(name: &str) -> Result<PhaseModel> {
    let json = match name {
        "spec" => include_str!("models/spec.json"),
        "flow" => include_str!("models/flow.json"),
        "pipeline" => include_str!("models/pipeline.json"),
        other => {
            return Err(Error::validation(
                "workflow",
                "model",
                format!(
                    "unknown built-in model {other:?}; expected one of {}",
                    BUILTIN_MODELS.join(", ")
                ),
            ))
        }
    };
    PhaseModel::from_json(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_model_steps_forward_with_approval_and_back_without() {
        let m = builtin_model("spec").unwrap();
        assert_eq!(m.initial, "requirements");
        let fwd = m.rule("requirements", "design").unwrap();
        assert!(fwd.approval.is_some());
        assert!(m.rule("design", "requirements").unwrap().approval.is_none());
        assert!(m.rule("requirements", "tasks").is_none(), "no skipping");
        assert!(m.rule("tasks", "requirements").is_none(), "only one step back");
        assert!(
            m.rule("completed", "implementation").is_none(),
            "terminal phases never move"
        );
    }

    #[test]
    fn flow_model_loops_validation_back_to_implementing() {
        let m = builtin_model("flow").unwrap();
        assert_eq!(m.next_phases("validating"), vec!["implementing", "generating_report"]);
        assert_eq!(m.next_phases("initializing"), vec!["planning"]);
        assert!(m.rule("planning", "generating_tasks").unwrap().approval.is_none());
    }

    #[test]
    fn pipeline_model_allows_pivot_and_rejection_from_anywhere() {
        let m = builtin_model("pipeline").unwrap();
        assert_eq!(m.phases.len(), 12);
        assert!(m.rule("spiking", "rejected").is_some());
        assert!(m.rule("deploying", "impulse").is_some());
        assert!(m.rule("impulse", "impulse").is_none(), "no self loop through *");
        assert!(m.rule("complete", "impulse").is_none(), "terminal phases never move");
        assert_eq!(
            m.phase("rejected").unwrap().terminal,
            Some(super::super::phase_model::Terminal::Failure)
        );
    }

    #[test]
    fn unknown_builtin_is_a_validation_error() {
        let e = builtin_model("waterfall").unwrap_err();
        assert_eq!(e.path(), Some("model"));
    }

    #[test]
    fn custom_models_are_validated_with_paths() {
        let bad = r#"{"schema_version":1,"name":"m","initial":"a","phases":[{"name":"a"},{"name":"b","terminal":"success"}],
                      "transitions":[{"from":"a","to":"c"}]}"#;
        assert_eq!(
            PhaseModel::from_json(bad).unwrap_err().path(),
            Some("/transitions/0/to")
        );
        let bad = r#"{"schema_version":1,"name":"m","initial":"b","phases":[{"name":"a"},{"name":"b","terminal":"success"}],"transitions":[]}"#;
        assert_eq!(PhaseModel::from_json(bad).unwrap_err().path(), Some("/initial"));
        let bad =
            r#"{"schema_version":1,"name":"m","initial":"a","phases":[{"name":"a"},{"name":"a"}],"transitions":[]}"#;
        assert_eq!(PhaseModel::from_json(bad).unwrap_err().path(), Some("/phases/1/name"));
        let bad = r#"{"schema_version":1,"name":"m","initial":"a","phases":[{"name":"a"},{"name":"Bad Name","terminal":"failure"}],"transitions":[]}"#;
        assert_eq!(PhaseModel::from_json(bad).unwrap_err().path(), Some("/phases/1/name"));
        let bad = r#"{"schema_version":1,"name":"m","initial":"a","phases":[{"name":"a"},{"name":"b","terminal":"success"}],
                      "transitions":[{"from":"a","to":"b","approval":{"quorum":{"kind":"count","k":3,"n":2}}}]}"#;
        assert_eq!(
            PhaseModel::from_json(bad).unwrap_err().path(),
            Some("/transitions/0/approval/quorum")
        );
        assert!(PhaseModel::from_json("{not json").is_err());
    }
}
