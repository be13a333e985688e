//! The session status machine (seed 004), enforced.

use crate::macros::str_enum;

str_enum!(
    /// Where an agent session is in its life.
    SessionStatus, "session" {
        /// Created; the agent has not registered yet.
        Spawning => "spawning",
        /// Registered and waiting for work.
        Idle => "idle",
        /// Working on a task.
        Working => "working",
        /// Finished its work (terminal).
        Completed => "completed",
        /// Failed or was reaped (terminal).
        Failed => "failed",
        /// Stopped on request (terminal).
        Stopped => "stopped",
    }
);

impl SessionStatus {
    /// Whether `self → to` is legal: spawning → idle | failed; idle → working | stopped |
    /// failed; working → idle | completed | failed | stopped. Terminal states never change.
    pub fn can_become(self, to: SessionStatus) -> bool {
        use SessionStatus::*;
        matches!(
            (self, to),
            (Spawning, Idle)
                | (Spawning, Failed)
                | (Idle, Working)
                | (Idle, Stopped)
                | (Idle, Failed)
                | (Working, Idle)
                | (Working, Completed)
                | (Working, Failed)
                | (Working, Stopped)
        )
    }

    /// Completed, failed and stopped sessions never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            SessionStatus::Completed | SessionStatus::Failed | SessionStatus::Stopped
        )
    }
}

str_enum!(
    /// How a session picks its work.
    Strategy, "session" {
        /// One task at a time, handed by the orchestrator.
        Simple => "simple",
        /// From its FIFO queue.
        Queue => "queue",
        /// Claims ready tasks from the project's dependency graph.
        Dag => "dag",
    }
);

str_enum!(
    /// Who spawned a session.
    SpawnSource, "session" {
        /// A user interface.
        Ui => "ui",
        /// Another session (an orchestrator).
        Session => "session",
        /// A program through the API.
        Api => "api",
    }
);

#[cfg(test)]
mod tests {
    use super::SessionStatus::{self, *};

    #[test]
    fn transition_table() {
        let legal = [
            (Spawning, Idle),
            (Spawning, Failed),
            (Idle, Working),
            (Idle, Stopped),
            (Idle, Failed),
            (Working, Idle),
            (Working, Completed),
            (Working, Failed),
            (Working, Stopped),
        ];
        let mut n = 0;
        for from in SessionStatus::ALL {
            for to in SessionStatus::ALL {
                let ok = legal.contains(&(*from, *to));
                n += ok as usize;
                assert_eq!(from.can_become(*to), ok, "{from} → {to}");
            }
        }
        assert_eq!(n, 9);
        for t in [Completed, Failed, Stopped] {
            assert!(t.is_terminal());
            assert!(SessionStatus::ALL.iter().all(|to| !t.can_become(*to)));
        }
    }
}
