//! Agent logs (SPEC §3.9, seed 002): what each agent did, how long it took and whether it
//! worked, and per-agent statistics to find the slowest and least reliable agents.

use super::records::{self, learning_record, RecordFilter, RecordKind};
use super::{check_owner, Learning};
use crate::error::{Error, Result};
use crate::id::{ProjectId, RecordId, SessionId, WorkflowId};
use crate::project::check_text;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An agent log entry to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAgentLog {
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The session that ran it, if any.
    #[serde(default)]
    pub session_id: Option<SessionId>,
    /// The agent (planner, backend-coder, ...).
    pub agent: String,
    /// The phase it ran in.
    pub phase: String,
    /// What it did.
    pub action: String,
    /// How long it took, in milliseconds.
    pub duration_ms: f64,
    /// Whether it worked.
    pub success: bool,
    /// The error, when it did not.
    #[serde(default)]
    pub error: Option<String>,
}

/// A recorded agent log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentLog {
    /// Unique id.
    pub id: RecordId,
    /// The project.
    pub project_id: ProjectId,
    /// The workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<WorkflowId>,
    /// The session, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// The agent.
    pub agent: String,
    /// The phase.
    pub phase: String,
    /// What it did.
    pub action: String,
    /// How long it took, in milliseconds.
    pub duration_ms: f64,
    /// Whether it worked.
    pub success: bool,
    /// The error, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

learning_record!(AgentLog, |s| (s.agent.clone(), s.duration_ms, s.success));

/// One agent's statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentStats {
    /// The agent.
    pub agent: String,
    /// Entries.
    pub count: usize,
    /// Mean duration, in milliseconds.
    pub mean_ms: f64,
    /// 95th percentile duration (nearest rank), in milliseconds.
    pub p95_ms: f64,
    /// Longest duration, in milliseconds.
    pub max_ms: f64,
    /// Entries that did not succeed.
    pub failures: usize,
    /// `failures / count`.
    pub failure_rate: f64,
}

/// Statistics per agent from `(agent, duration, success)`, slowest mean first.
pub(crate) fn stats_of(rows: impl IntoIterator<Item = (String, f64, bool)>) -> Vec<AgentStats> {
    let mut by_agent: BTreeMap<String, (Vec<f64>, usize)> = BTreeMap::new();
    for (agent, d, ok) in rows {
        let e = by_agent.entry(agent).or_default();
        e.0.push(d);
        e.1 += usize::from(!ok);
    }
    let mut out: Vec<AgentStats> = by_agent
        .into_iter()
        .map(|(agent, (mut d, failures))| {
            d.sort_by(f64::total_cmp);
            let n = d.len();
            let rank = ((0.95 * n as f64).ceil() as usize).clamp(1, n);
            AgentStats {
                agent,
                count: n,
                mean_ms: d.iter().sum::<f64>() / n as f64,
                p95_ms: d[rank - 1],
                max_ms: d[n - 1],
                failures,
                failure_rate: failures as f64 / n as f64,
            }
        })
        .collect();
    out.sort_by(|a, b| b.mean_ms.total_cmp(&a.mean_ms).then(a.agent.cmp(&b.agent)));
    out
}

impl Learning<'_> {
    /// Records what an agent did. Writes `agent_log.recorded`.
    pub fn log_agent(&self, new: NewAgentLog) -> Result<AgentLog> {
        check_text("agent_log", "/agent", &new.agent, 256)?;
        check_text("agent_log", "/phase", &new.phase, 256)?;
        check_text("agent_log", "/action", &new.action, 64 * 1024)?;
        if !(new.duration_ms.is_finite() && new.duration_ms >= 0.0) {
            return Err(Error::validation(
                "agent_log",
                "/duration_ms",
                "must be a finite number ≥ 0",
            ));
        }
        if new.error.as_ref().is_some_and(|e| e.len() > 64 * 1024) {
            return Err(Error::validation("agent_log", "/error", "longer than 65536 bytes"));
        }
        self.0.write(|tx| {
            check_owner(tx, "agent_log", &new.project_id, new.workflow_id.as_ref())?;
            if let Some(s) = &new.session_id {
                let head = tx.session_head(s.as_str())?.ok_or_else(|| {
                    Error::validation("agent_log", "/session_id", format!("session {s} does not exist"))
                })?;
                if head.project_id != new.project_id {
                    return Err(Error::validation(
                        "agent_log",
                        "/session_id",
                        format!("session {s} belongs to another project"),
                    ));
                }
            }
            let l = AgentLog {
                id: RecordId::generate(),
                project_id: new.project_id,
                workflow_id: new.workflow_id,
                session_id: new.session_id,
                at: Timestamp::now(),
                agent: new.agent,
                phase: new.phase,
                action: new.action,
                duration_ms: new.duration_ms,
                success: new.success,
                error: new.error,
            };
            records::insert(tx, &l)?;
            Ok(l)
        })
    }

    /// Per-agent statistics over the logs of a project (every project when `None`)
    /// since `since` (all when `None`): count, mean, p95 and longest duration, failure
    /// rate. Slowest mean first.
    pub fn agent_stats(&self, project: Option<&ProjectId>, since: Option<Timestamp>) -> Result<Vec<AgentStats>> {
        let rows = self.0.read(|tx| {
            if let Some(p) = project {
                crate::project::load(tx, p)?;
            }
            let mut f = RecordFilter::of(RecordKind::AgentLog);
            f.project_id = project.map(|p| p.as_str().to_owned());
            f.since = since;
            tx.records(&f, usize::MAX)
        })?;
        Ok(stats_of(rows.into_iter().map(|r| (r.key, r.num, r.flag))))
    }

    /// A project's agent logs, of one agent when given, oldest first (at most 10,000).
    pub fn agent_logs(&self, project: &ProjectId, agent: Option<&str>) -> Result<Vec<AgentLog>> {
        self.list(project, agent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_the_nearest_rank_and_agents_are_slowest_first() {
        let mut rows: Vec<(String, f64, bool)> = (1..=20).map(|i| ("a".to_owned(), i as f64, i % 5 != 0)).collect();
        rows.push(("b".into(), 100.0, true));
        let s = stats_of(rows);
        assert_eq!(s[0].agent, "b");
        assert_eq!(s[1].count, 20);
        assert_eq!(s[1].mean_ms, 10.5);
        assert_eq!(s[1].p95_ms, 19.0);
        assert_eq!(s[1].max_ms, 20.0);
        assert_eq!(s[1].failures, 4);
        assert_eq!(s[1].failure_rate, 0.2);
    }
}
