//! Task statuses and their transitions; per-link statuses of the session ↔ task relation.

use crate::macros::str_enum;

str_enum!(
    /// Where a task is.
    TaskStatus, "task" {
        /// Not started.
        Todo => "todo",
        /// Someone works on it.
        InProgress => "in_progress",
        /// Done, awaiting review.
        InReview => "in_review",
        /// Cannot proceed.
        Blocked => "blocked",
        /// Done.
        Completed => "completed",
        /// Gave up.
        Failed => "failed",
        /// Will not be done.
        Cancelled => "cancelled",
    }
);

impl TaskStatus {
    /// Whether `self → to` is legal:
    /// todo → in_progress | blocked | cancelled;
    /// in_progress → todo (released) | in_review | blocked | completed | failed | cancelled;
    /// in_review → in_progress (changes requested) | completed | failed;
    /// blocked → todo | in_progress | cancelled;
    /// completed | failed | cancelled → todo (reopen).
    pub fn can_become(self, to: TaskStatus) -> bool {
        use TaskStatus::*;
        matches!(
            (self, to),
            (Todo, InProgress)
                | (Todo, Blocked)
                | (Todo, Cancelled)
                | (InProgress, Todo)
                | (InProgress, InReview)
                | (InProgress, Blocked)
                | (InProgress, Completed)
                | (InProgress, Failed)
                | (InProgress, Cancelled)
                | (InReview, InProgress)
                | (InReview, Completed)
                | (InReview, Failed)
                | (Blocked, Todo)
                | (Blocked, InProgress)
                | (Blocked, Cancelled)
                | (Completed, Todo)
                | (Failed, Todo)
                | (Cancelled, Todo)
        )
    }
}

str_enum!(
    /// Task priority; higher is claimed first.
    Priority, "task" {
        /// Lowest.
        Low => "low",
        /// Default.
        Medium => "medium",
        /// Before medium.
        High => "high",
        /// First.
        Critical => "critical",
    }
);

impl Priority {
    /// 0 for low up to 3 for critical.
    pub fn rank(self) -> i64 {
        self as i64
    }

    /// The priority of a rank from [`Priority::rank`].
    pub fn from_rank(rank: i64) -> Option<Self> {
        Priority::ALL.get(usize::try_from(rank).ok()?).copied()
    }
}

str_enum!(
    /// Status of one session's work on one task.
    LinkStatus, "session_task" {
        /// The session is working on the task.
        Working => "working",
        /// The session is blocked on the task.
        Blocked => "blocked",
        /// The session completed the task.
        Completed => "completed",
        /// The session failed the task.
        Failed => "failed",
        /// The session skipped or gave the task back.
        Skipped => "skipped",
    }
);

#[cfg(test)]
mod tests {
    use super::TaskStatus::{self, *};
    use super::*;

    #[test]
    fn transition_table() {
        let legal = [
            (Todo, InProgress),
            (Todo, Blocked),
            (Todo, Cancelled),
            (InProgress, Todo),
            (InProgress, InReview),
            (InProgress, Blocked),
            (InProgress, Completed),
            (InProgress, Failed),
            (InProgress, Cancelled),
            (InReview, InProgress),
            (InReview, Completed),
            (InReview, Failed),
            (Blocked, Todo),
            (Blocked, InProgress),
            (Blocked, Cancelled),
            (Completed, Todo),
            (Failed, Todo),
            (Cancelled, Todo),
        ];
        for from in TaskStatus::ALL {
            for to in TaskStatus::ALL {
                assert_eq!(from.can_become(*to), legal.contains(&(*from, *to)), "{from} → {to}");
            }
        }
    }

    #[test]
    fn priority_ranks_round_trip() {
        for p in Priority::ALL {
            assert_eq!(Priority::from_rank(p.rank()), Some(*p));
        }
        assert!(Priority::Critical.rank() > Priority::High.rank());
        assert_eq!(Priority::from_rank(4), None);
        assert_eq!(Priority::from_rank(-1), None);
    }
}
