//! The workflow status, orthogonal to its phase.

use crate::macros::str_enum;

str_enum!(
    /// Whether a workflow is running, paused, or ended.
    WorkflowStatus, "workflow" {
        /// Moving through phases.
        Active => "active",
        /// Held by `pause`; phases cannot change until `resume`.
        Paused => "paused",
        /// Reached a success-terminal phase.
        Completed => "completed",
        /// Reached a failure-terminal phase or was failed explicitly.
        Failed => "failed",
    }
);

impl WorkflowStatus {
    /// Whether a direct status change `self → to` is allowed (`pause`, `resume`, `fail`).
    /// Completion happens only by reaching a terminal phase.
    pub fn can_become(self, to: WorkflowStatus) -> bool {
        use WorkflowStatus::*;
        matches!(
            (self, to),
            (Active, Paused) | (Paused, Active) | (Active, Failed) | (Paused, Failed)
        )
    }

    /// Completed and failed workflows never change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, WorkflowStatus::Completed | WorkflowStatus::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::WorkflowStatus::{self, *};

    #[test]
    fn transition_table() {
        let legal = [(Active, Paused), (Paused, Active), (Active, Failed), (Paused, Failed)];
        for from in WorkflowStatus::ALL {
            for to in WorkflowStatus::ALL {
                assert_eq!(from.can_become(*to), legal.contains(&(*from, *to)), "{from} → {to}");
            }
        }
    }
}
