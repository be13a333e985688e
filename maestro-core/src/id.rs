//! Typed, prefixed, time-sortable ids that are always safe inside a file path.
//!
//! A generated id is `<prefix>_<10 chars of milliseconds><16 chars of randomness>` in
//! lowercase Crockford base32, so ids sort by creation time across processes and never
//! depend on a per-process counter. Caller-supplied ids are accepted when they match
//! `[a-z0-9_]{1,64}`.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest id accepted, generated or supplied.
pub const MAX_ID_LEN: usize = 64;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Checks that `s` is a safe id: `[a-z0-9_]`, 1 to [`MAX_ID_LEN`] characters.
pub fn validate_id(entity: &'static str, s: &str) -> Result<()> {
    if s.is_empty() || s.len() > MAX_ID_LEN {
        return Err(Error::validation(
            entity,
            "id",
            format!("id must be 1 to {MAX_ID_LEN} characters, got {}", s.len()),
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(Error::validation(
            entity,
            "id",
            format!("id {s:?} contains {c:?}; only [a-z0-9_] is allowed"),
        ));
    }
    Ok(())
}

/// Last (process id, milliseconds, random) handed out, so ids made in one process within
/// the same millisecond still sort in creation order (the random part is incremented).
/// The process id makes a forked child start afresh instead of continuing its parent's
/// sequence.
static LAST: std::sync::Mutex<(u32, u64, u128)> = std::sync::Mutex::new((0, 0, 0));

const RANDOM_BITS: u32 = 80;

thread_local! {
    /// A splitmix64 state per thread and process, seeded from the operating system, so an
    /// id costs no random-source system call.
    static RNG: std::cell::Cell<(u32, u64)> = const { std::cell::Cell::new((0, 0)) };
}

fn random80() -> u128 {
    let pid = std::process::id();
    RNG.with(|cell| {
        let (owner, mut state) = cell.get();
        if owner != pid {
            let mut seed = [0u8; 8];
            getrandom::fill(&mut seed).expect("operating system random source unavailable");
            state = u64::from_le_bytes(seed);
        }
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let r = ((next() as u128) << 64 | next() as u128) & ((1u128 << RANDOM_BITS) - 1);
        cell.set((pid, state));
        r
    })
}

/// Generates a new time-sortable id with the given prefix.
pub fn generate(prefix: &str) -> String {
    let now = crate::time::now_ms().max(0) as u64;
    let fresh = random80();
    let pid = std::process::id();
    let (ms, r) = {
        let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
        let next = if last.0 != pid || now > last.1 {
            (now, fresh)
        } else if last.2 + 1 < (1u128 << RANDOM_BITS) {
            (last.1, last.2 + 1)
        } else {
            (last.1 + 1, fresh)
        };
        *last = (pid, next.0, next.1);
        next
    };
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..10).rev() {
        out.push(ALPHABET[((ms >> (i * 5)) & 31) as usize] as char);
    }
    for i in (0..16).rev() {
        out.push(ALPHABET[((r >> (i * 5)) & 31) as usize] as char);
    }
    out
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $entity:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The prefix of generated ids of this type.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh, unique, time-sortable id.
            pub fn generate() -> Self {
                Self(generate($prefix))
            }

            /// Accepts a caller-supplied id if it is safe (`[a-z0-9_]`, bounded length).
            pub fn parse(s: &str) -> Result<Self> {
                validate_id($entity, s)?;
                Ok(Self(s.to_owned()))
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                validate_id($entity, &s)?;
                Ok(Self(s))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

typed_id!(/// Id of a [`crate::Project`].
    ProjectId, "prj", "project");
typed_id!(/// Id of a [`crate::Workflow`].
    WorkflowId, "wf", "workflow");
typed_id!(/// Id of a [`crate::Session`].
    SessionId, "ses", "session");
typed_id!(/// Id of a [`crate::Task`].
    TaskId, "tsk", "task");
typed_id!(/// Id of a [`crate::QueueItem`].
    QueueItemId, "qit", "queue_item");
typed_id!(/// Id of a [`crate::Vote`] on an approval gate.
    VoteId, "vot", "vote");
typed_id!(/// Id of a [`crate::Checkpoint`].
    CheckpointId, "chk", "checkpoint");
typed_id!(/// Id of a [`crate::TimelineEvent`].
    TimelineEventId, "evt", "timeline_event");
typed_id!(/// Id of a [`crate::Decision`].
    DecisionId, "dec", "decision");
typed_id!(/// Id of a [`crate::learning::Failure`].
    FailureId, "fail", "failure");
typed_id!(/// Id of a [`crate::learning::Estimate`].
    EstimateId, "est", "estimate");
typed_id!(/// Id of any other learning record: a retrospective, spike, agent log, complexity
    /// snapshot or pattern usage.
    RecordId, "lrn", "learning_record");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_safe_prefixed_and_sortable() {
        let a = SessionId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = SessionId::generate();
        assert!(a.as_str().starts_with("ses_"));
        assert_eq!(a.as_str().len(), 4 + 26);
        assert!(validate_id("session", a.as_str()).is_ok());
        assert!(a < b, "{a} should sort before {b}");
    }

    #[test]
    fn hostile_ids_are_rejected() {
        for bad in ["", "../etc", "a/b", "A", "x\0y", "héllo", "a b", &"a".repeat(65)] {
            let err = TaskId::parse(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Validation, "{bad:?}");
            assert_eq!(err.path(), Some("id"));
        }
        assert_eq!(TaskId::parse("tsk_custom_1").unwrap().as_str(), "tsk_custom_1");
        assert!(TaskId::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn ids_are_unique_and_ordered_within_a_process() {
        let ids: Vec<_> = (0..10_000).map(|_| TaskId::generate()).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids made in sequence sort in sequence"
        );
    }
}
