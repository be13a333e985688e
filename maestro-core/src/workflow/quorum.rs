//! Approval quorum arithmetic: when do the votes cast on a gate approve or reject it.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How many votes decide an approval gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Quorum {
    /// `k` approvals out of `n` eligible voters. When `voters` is given, only they may
    /// vote and `n` must equal its length. Rejected once `n - k + 1` voters reject.
    Count {
        /// Approvals needed.
        k: u32,
        /// Eligible voters.
        n: u32,
        /// The named eligible voters, if restricted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        voters: Option<Vec<String>>,
    },
    /// At least `min_votes` cast and approvals / votes cast ≥ `min`. Rejected once
    /// at least `min_votes` are cast and the approval fraction is below `min`.
    Fraction {
        /// Minimal fraction of approvals among votes cast, in (0, 1].
        min: f64,
        /// Minimal number of votes cast before the gate can be decided.
        #[serde(default = "one")]
        min_votes: u32,
    },
}

fn one() -> u32 {
    1
}

/// Where a gate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    /// Not decided yet.
    Pending,
    /// Enough approvals: the transition may proceed.
    Approved,
    /// Cannot be approved any more in this round.
    Rejected,
}

impl GateState {
    /// The API's spelling: `pending`, `approved`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            GateState::Pending => "pending",
            GateState::Approved => "approved",
            GateState::Rejected => "rejected",
        }
    }
}

impl std::fmt::Display for GateState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Quorum {
    /// Checks the numbers make sense; `path` is where the quorum sits in its document.
    pub fn validate(&self, path: &str) -> Result<()> {
        match self {
            Quorum::Count { k, n, voters } => {
                if *k == 0 || *n == 0 || k > n {
                    return Err(Error::validation(
                        "phase_model",
                        path,
                        format!("need 1 ≤ k ≤ n, got k={k}, n={n}"),
                    ));
                }
                if let Some(v) = voters {
                    if v.len() != *n as usize {
                        return Err(Error::validation(
                            "phase_model",
                            format!("{path}/voters"),
                            format!("{} voters named but n={n}", v.len()),
                        ));
                    }
                }
            }
            Quorum::Fraction { min, min_votes } => {
                if !(*min > 0.0 && *min <= 1.0) {
                    return Err(Error::validation(
                        "phase_model",
                        format!("{path}/min"),
                        format!("must be in (0, 1], got {min}"),
                    ));
                }
                if *min_votes == 0 {
                    return Err(Error::validation(
                        "phase_model",
                        format!("{path}/min_votes"),
                        "must be at least 1",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether `voter` may vote on this gate.
    pub fn eligible(&self, voter: &str) -> bool {
        match self {
            Quorum::Count { voters: Some(v), .. } => v.iter().any(|x| x == voter),
            _ => true,
        }
    }

    /// The state of the gate after `approvals` approvals and `rejections` rejections.
    pub fn evaluate(&self, approvals: u32, rejections: u32) -> GateState {
        match self {
            Quorum::Count { k, n, .. } => {
                if approvals >= *k {
                    GateState::Approved
                } else if rejections > n - k {
                    GateState::Rejected
                } else {
                    GateState::Pending
                }
            }
            Quorum::Fraction { min, min_votes } => {
                let cast = approvals + rejections;
                if cast < *min_votes {
                    GateState::Pending
                } else if f64::from(approvals) / f64::from(cast) >= *min - 1e-9 {
                    GateState::Approved
                } else {
                    GateState::Rejected
                }
            }
        }
    }
}

/// A gate with no quorum: the first approval approves, the first rejection rejects.
pub fn single(approvals: u32, rejections: u32) -> GateState {
    if approvals > 0 {
        GateState::Approved
    } else if rejections > 0 {
        GateState::Rejected
    } else {
        GateState::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use GateState::*;

    #[test]
    fn two_of_three() {
        let q = Quorum::Count {
            k: 2,
            n: 3,
            voters: None,
        };
        assert_eq!(q.evaluate(0, 0), Pending);
        assert_eq!(q.evaluate(1, 0), Pending);
        assert_eq!(q.evaluate(1, 1), Pending);
        assert_eq!(q.evaluate(2, 0), Approved);
        assert_eq!(q.evaluate(2, 1), Approved);
        assert_eq!(q.evaluate(0, 1), Pending);
        assert_eq!(
            q.evaluate(0, 2),
            Rejected,
            "two rejections leave only one possible approval"
        );
        assert_eq!(q.evaluate(1, 2), Rejected);
    }

    #[test]
    fn unanimous_and_single() {
        let q = Quorum::Count {
            k: 3,
            n: 3,
            voters: None,
        };
        assert_eq!(q.evaluate(2, 0), Pending);
        assert_eq!(q.evaluate(3, 0), Approved);
        assert_eq!(q.evaluate(2, 1), Rejected);
        assert_eq!(single(0, 0), Pending);
        assert_eq!(single(1, 0), Approved);
        assert_eq!(single(0, 1), Rejected);
    }

    #[test]
    fn fraction_of_votes_cast() {
        let q = Quorum::Fraction {
            min: 0.66,
            min_votes: 3,
        };
        assert_eq!(q.evaluate(2, 0), Pending, "fewer than min_votes cast");
        assert_eq!(q.evaluate(2, 1), Approved, "2/3 = 0.667 ≥ 0.66");
        assert_eq!(q.evaluate(1, 2), Rejected);
        assert_eq!(q.evaluate(3, 2), Rejected, "3/5 = 0.6 < 0.66");
        assert_eq!(q.evaluate(4, 2), Approved);
        let two_thirds = Quorum::Fraction {
            min: 2.0 / 3.0,
            min_votes: 1,
        };
        assert_eq!(two_thirds.evaluate(2, 1), Approved, "exactly 2/3 meets a 2/3 threshold");
        assert_eq!(two_thirds.evaluate(1, 0), Approved);
    }

    #[test]
    fn invalid_quorums_name_their_path() {
        let e = Quorum::Count {
            k: 4,
            n: 3,
            voters: None,
        }
        .validate("/q")
        .unwrap_err();
        assert_eq!(e.path(), Some("/q"));
        let e = Quorum::Count {
            k: 1,
            n: 2,
            voters: Some(vec!["a".into()]),
        }
        .validate("/q")
        .unwrap_err();
        assert_eq!(e.path(), Some("/q/voters"));
        let e = Quorum::Fraction { min: 1.5, min_votes: 1 }.validate("/q").unwrap_err();
        assert_eq!(e.path(), Some("/q/min"));
        let e = Quorum::Fraction { min: 0.5, min_votes: 0 }.validate("/q").unwrap_err();
        assert_eq!(e.path(), Some("/q/min_votes"));
    }

    #[test]
    fn named_voters_only() {
        let q = Quorum::Count {
            k: 1,
            n: 2,
            voters: Some(vec!["alice".into(), "bob".into()]),
        };
        assert!(q.eligible("alice"));
        assert!(!q.eligible("mallory"));
        assert!(Quorum::Fraction { min: 0.5, min_votes: 1 }.eligible("anyone"));
    }
}
