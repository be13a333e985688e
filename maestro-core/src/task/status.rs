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

impl LinkStatus {
    /// Whether the session still holds the task (working on it or blocked on it).
    pub fn is_live(self) -> bool {
        matches!(self, LinkStatus::Working | LinkStatus::Blocked)
    }

    /// What becomes of this link, held by a session other than the one credited, when
    /// its task moves to `to`. A credited session takes the task over, so every other
    /// holder lets go; an uncredited block or unblock carries the holder along; review
    /// leaves the holder in place. Keeps at most one live link per task.
    pub fn after_other_move(self, to: TaskStatus, credited: bool) -> Option<LinkStatus> {
        if !self.is_live() {
            return None;
        }
        match to {
            TaskStatus::InReview => None,
            TaskStatus::Blocked if !credited => (self == LinkStatus::Working).then_some(LinkStatus::Blocked),
            TaskStatus::InProgress if !credited => (self == LinkStatus::Blocked).then_some(LinkStatus::Working),
            _ => Some(LinkStatus::Skipped),
        }
    }
}

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
    fn other_holders_follow_their_task() {
        use LinkStatus as L;
        assert_eq!(L::Working.after_other_move(Blocked, false), Some(L::Blocked));
        assert_eq!(L::Blocked.after_other_move(InProgress, false), Some(L::Working));
        assert_eq!(L::Working.after_other_move(InProgress, false), None);
        assert_eq!(L::Working.after_other_move(InReview, true), None);
        for to in [Todo, Completed, Failed, Cancelled] {
            assert_eq!(L::Working.after_other_move(to, false), Some(L::Skipped), "{to}");
            assert_eq!(L::Blocked.after_other_move(to, true), Some(L::Skipped), "{to}");
        }
        for to in [InProgress, Blocked] {
            assert_eq!(
                L::Working.after_other_move(to, true),
                Some(L::Skipped),
                "credited {to} takes over"
            );
        }
        for done in [L::Completed, L::Failed, L::Skipped] {
            assert!(TaskStatus::ALL
                .iter()
                .all(|to| done.after_other_move(*to, false).is_none()));
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
