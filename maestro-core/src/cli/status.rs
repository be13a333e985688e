//! `maestro status`: one screen of what runs, what is stuck and what happened.

use super::args::StatusArgs;
use super::output::{age, fields, or_dash, rendered, short, Out};
use super::{projects, Exit, Failure, Run};
use crate::session::{SessionFilter, SessionStatus};
use crate::store::Recency;
use crate::task::TaskStatus;
use crate::workflow::{Gate, WorkflowStatus};
use crate::{Maestro, Project, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// How many rows of each list the status shows (the counts are always whole).
const ROWS: usize = 20;

#[derive(Serialize)]
struct Status {
    store: String,
    latest_seq: i64,
    horizon: i64,
    stale_after_secs: u64,
    projects: Vec<ProjectStatus>,
}

#[derive(Serialize)]
struct ProjectStatus {
    id: String,
    name: String,
    workflows: Vec<WorkflowLine>,
    sessions: Sessions,
    tasks: Tasks,
    recent_decisions: Vec<DecisionLine>,
    recent_failures: Vec<FailureLine>,
}

#[derive(Serialize)]
struct WorkflowLine {
    id: String,
    feature: String,
    phase: String,
    status: WorkflowStatus,
    updated_at: Timestamp,
    /// The gates out of the current phase that need approval.
    gates: Vec<Gate>,
}

#[derive(Serialize)]
struct Sessions {
    by_status: BTreeMap<String, usize>,
    stale: usize,
    /// Live sessions (spawning, idle, working), least recently active first.
    live: Vec<SessionLine>,
}

#[derive(Serialize)]
struct SessionLine {
    id: String,
    name: String,
    role: String,
    status: SessionStatus,
    workflow_id: Option<String>,
    last_activity: Timestamp,
    stale: bool,
    /// Queue items waiting or being processed.
    queue_depth: usize,
}

#[derive(Serialize)]
struct Tasks {
    by_status: BTreeMap<String, usize>,
    ready_count: usize,
    ready: Vec<TaskLine>,
    in_progress: Vec<TaskLine>,
    blocked: Vec<TaskLine>,
}

#[derive(Serialize)]
struct TaskLine {
    id: String,
    title: String,
    status: TaskStatus,
    priority: crate::Priority,
    updated_at: Timestamp,
}

#[derive(Serialize)]
struct DecisionLine {
    id: String,
    at: Timestamp,
    category: String,
    decision: String,
    outcome: Option<crate::decision::OutcomeStatus>,
}

#[derive(Serialize)]
struct FailureLine {
    id: String,
    at: Timestamp,
    feature: String,
    why_failed: String,
}

impl TaskLine {
    fn of(t: &crate::Task) -> Self {
        TaskLine {
            id: t.id.to_string(),
            title: t.title.clone(),
            status: t.status,
            priority: t.priority,
            updated_at: t.updated_at,
        }
    }
}

fn live(s: SessionStatus) -> bool {
    matches!(
        s,
        SessionStatus::Spawning | SessionStatus::Idle | SessionStatus::Working
    )
}

fn project_status(m: &Maestro, p: &Project, a: &StatusArgs) -> Result<ProjectStatus, Failure> {
    let now = crate::time::now_ms();
    let mut workflows = Vec::new();
    for w in m.workflows().list(&p.id)? {
        if !matches!(w.status, WorkflowStatus::Active | WorkflowStatus::Paused) {
            continue;
        }
        let gates = super::gates(m, &w)?;
        workflows.push(WorkflowLine {
            id: w.id.to_string(),
            feature: w.feature,
            phase: w.phase,
            status: w.status,
            updated_at: w.updated_at,
            gates,
        });
    }

    let all = m.sessions().list(&SessionFilter {
        project_id: Some(p.id.clone()),
        ..Default::default()
    })?;
    let mut by_status = BTreeMap::new();
    let mut lines = Vec::new();
    for s in &all {
        *by_status.entry(s.status.as_str().to_owned()).or_insert(0) += 1;
        if live(s.status) {
            let queue_depth = m
                .queues()
                .list(&s.id)?
                .iter()
                .filter(|q| matches!(q.status, crate::QueueStatus::Queued | crate::QueueStatus::Processing))
                .count();
            lines.push(SessionLine {
                id: s.id.to_string(),
                name: s.name.clone(),
                role: s.role.clone(),
                status: s.status,
                workflow_id: s.workflow_id.as_ref().map(|w| w.to_string()),
                last_activity: s.last_activity,
                stale: now - s.last_activity.millis() > (a.stale_after as i64).saturating_mul(1000),
                queue_depth,
            });
        }
    }
    lines.sort_by_key(|s| (s.last_activity, s.id.clone()));
    let stale = lines.iter().filter(|s| s.stale).count();

    let tasks = m.tasks().list(&p.id)?;
    let mut task_counts = BTreeMap::new();
    for t in &tasks {
        *task_counts.entry(t.status.as_str().to_owned()).or_insert(0) += 1;
    }
    let ready = m.tasks().ready(&p.id)?;
    let of = |f: &dyn Fn(TaskStatus) -> bool| -> Vec<TaskLine> {
        tasks
            .iter()
            .filter(|t| f(t.status))
            .take(ROWS)
            .map(TaskLine::of)
            .collect()
    };

    let filter = crate::DecisionFilter {
        project_id: Some(p.id.clone()),
        ..Default::default()
    };
    let (decisions, failures) = crate::maestro::Ctx::of(m).read(|tx| {
        Ok((
            tx.decisions(&filter, a.recent, Recency::NewestFirst)?,
            tx.failures(Some(p.id.as_str()), a.recent, Recency::NewestFirst)?,
        ))
    })?;
    Ok(ProjectStatus {
        id: p.id.to_string(),
        name: p.name.clone(),
        workflows,
        sessions: Sessions {
            by_status,
            stale,
            live: lines.into_iter().take(ROWS).collect(),
        },
        tasks: Tasks {
            by_status: task_counts,
            ready_count: ready.len(),
            ready: ready.iter().take(ROWS).map(TaskLine::of).collect(),
            in_progress: of(&|s| matches!(s, TaskStatus::InProgress | TaskStatus::InReview)),
            blocked: of(&|s| s == TaskStatus::Blocked),
        },
        recent_decisions: decisions
            .into_iter()
            .map(|d| DecisionLine {
                id: d.id.to_string(),
                at: d.at,
                outcome: d.outcomes.last().map(|o| o.status),
                category: d.category,
                decision: d.decision,
            })
            .collect(),
        recent_failures: failures
            .into_iter()
            .map(|f| FailureLine {
                id: f.id.to_string(),
                at: f.at,
                feature: f.feature,
                why_failed: f.why_failed,
            })
            .collect(),
    })
}

/// `maestro status`.
pub(crate) fn status(run: &mut Run, a: StatusArgs) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    let store = crate::store::redact(&run.location()?.target);
    // The head first: every change the sections below show is at or before it.
    let latest_seq = m.events().latest_seq()?;
    let horizon = m.events().horizon()?;
    let mut list = Vec::new();
    for p in projects(&m, a.project.as_deref())? {
        list.push(project_status(&m, &p, &a)?);
    }
    let data = Status {
        store,
        latest_seq,
        horizon,
        stale_after_secs: a.stale_after,
        projects: list,
    };
    run.out.answer(&data, |out| render(out, &data))?;
    Ok(Exit::Ok)
}

fn counts(map: &BTreeMap<String, usize>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter()
        .map(|(k, v)| format!("{v} {}", k.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn render(out: &Out, s: &Status) -> String {
    let mut text = fields(
        out,
        &[
            ("store", s.store.clone()),
            ("latest seq", s.latest_seq.to_string()),
            ("projects", s.projects.len().to_string()),
        ],
    );
    if s.projects.is_empty() {
        text.push_str("\n\nNo projects yet.");
    }
    for p in &s.projects {
        text.push_str(&format!(
            "\n\n{} {}\n",
            out.heading(&format!("Project {}", p.name)),
            out.dim(&p.id)
        ));

        text.push_str(&format!("\n{}\n", out.heading("Workflows in progress")));
        let mut t = out.table(&["id", "feature", "phase", "status", "gates", "updated"]);
        for w in &p.workflows {
            let gates = w
                .gates
                .iter()
                .map(|g| format!("→{} {} ({}✓ {}✗)", g.to, gate_word(g), g.approvals, g.rejections))
                .collect::<Vec<_>>()
                .join(", ");
            t.add_row(vec![
                w.id.clone().into(),
                short(&w.feature, 40).into(),
                w.phase.clone().into(),
                out.status(w.status.as_str()),
                (if gates.is_empty() { "-".to_owned() } else { gates }).into(),
                age(w.updated_at).into(),
            ]);
        }
        text.push_str(&rendered(t));

        let stale = if p.sessions.stale > 0 {
            format!(" · {}", out.warn(&format!("{} stale", p.sessions.stale)))
        } else {
            String::new()
        };
        text.push_str(&format!(
            "\n\n{}  {}{stale}\n",
            out.heading("Sessions"),
            counts(&p.sessions.by_status)
        ));
        let mut t = out.table(&["id", "name", "role", "status", "workflow", "last activity", "queue"]);
        for s in &p.sessions.live {
            let status = if s.stale {
                format!("{} (stale)", s.status.as_str())
            } else {
                s.status.as_str().to_owned()
            };
            t.add_row(vec![
                s.id.clone().into(),
                short(&s.name, 30).into(),
                short(&s.role, 20).into(),
                out.status_as(if s.stale { "stale" } else { s.status.as_str() }, &status),
                or_dash(s.workflow_id.as_ref()).into(),
                age(s.last_activity).into(),
                s.queue_depth.to_string().into(),
            ]);
        }
        text.push_str(&rendered(t));

        text.push_str(&format!(
            "\n\n{}  {} ready · {}\n",
            out.heading("Tasks"),
            p.tasks.ready_count,
            counts(&p.tasks.by_status)
        ));
        let mut t = out.table(&["", "id", "title", "status", "priority", "updated"]);
        for (label, list) in [
            ("ready", &p.tasks.ready),
            ("running", &p.tasks.in_progress),
            ("blocked", &p.tasks.blocked),
        ] {
            for task in list {
                t.add_row(vec![
                    label.into(),
                    task.id.clone().into(),
                    short(&task.title, 50).into(),
                    out.status(task.status.as_str()),
                    task.priority.as_str().into(),
                    age(task.updated_at).into(),
                ]);
            }
        }
        text.push_str(&rendered(t));

        text.push_str(&format!("\n\n{}\n", out.heading("Recent decisions")));
        let mut t = out.table(&["id", "category", "decision", "outcome", "at"]);
        for d in &p.recent_decisions {
            t.add_row(vec![
                d.id.clone().into(),
                d.category.clone().into(),
                short(&d.decision, 50).into(),
                out.status(d.outcome.map(|o| o.as_str()).unwrap_or("-")),
                age(d.at).into(),
            ]);
        }
        text.push_str(&rendered(t));

        text.push_str(&format!("\n\n{}\n", out.heading("Recent failures")));
        let mut t = out.table(&["id", "feature", "why it failed", "at"]);
        for f in &p.recent_failures {
            t.add_row(vec![
                f.id.clone(),
                short(&f.feature, 30),
                short(&f.why_failed, 50),
                age(f.at),
            ]);
        }
        text.push_str(&rendered(t));
    }
    text
}

fn gate_word(g: &Gate) -> &'static str {
    match g.state {
        crate::workflow::GateState::Pending => "pending",
        crate::workflow::GateState::Approved => "approved",
        crate::workflow::GateState::Rejected => "rejected",
    }
}
