//! `final-report.md`: the summary of a workflow.

use super::format::{duration, inline, mermaid_label, short, ts};
use crate::exchange::dump::{ProjectDump, WorkflowDump};
use crate::session::TimelineType;
use crate::task::{Task, TaskStatus};
use crate::time::Timestamp;
use crate::workflow::HistoryKind;
use std::collections::HashMap;
use std::fmt::Write;

/// `(phase, entered, left)` in order; `left` is `None` for the phase the workflow is in
/// while it runs.
fn phases(w: &WorkflowDump) -> Vec<(String, Timestamp, Option<Timestamp>)> {
    let mut out: Vec<(String, Timestamp, Option<Timestamp>)> = Vec::new();
    for h in &w.history {
        if out.last().is_some_and(|p| p.0 == h.phase) {
            continue;
        }
        if let Some(last) = out.last_mut() {
            last.2 = Some(h.at);
        }
        out.push((h.phase.clone(), h.at, None));
    }
    if let (Some(last), Some(end)) = (out.last_mut(), w.workflow.ended_at) {
        last.2 = Some(end);
    }
    out
}

/// How long each task of the workflow took, from its sessions' timelines (the sum of
/// every `task_completed` duration).
fn actual_ms(d: &ProjectDump, w: &WorkflowDump) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for s in d.sessions_of(&w.workflow) {
        for e in &s.timeline {
            if let (TimelineType::TaskCompleted, Some(t)) = (e.kind, &e.task_id) {
                let ms = e.metadata.get("duration_ms").and_then(|v| v.as_i64()).unwrap_or(0);
                *out.entry(t.as_str().to_owned()).or_insert(0) += ms;
            }
        }
    }
    out
}

fn task_rows(out: &mut String, title: &str, tasks: &[&Task], actual: &HashMap<String, i64>) {
    let _ = writeln!(out, "### {title} ({})\n", tasks.len());
    if tasks.is_empty() {
        let _ = writeln!(out, "None.\n");
        return;
    }
    let _ = writeln!(out, "| Task | Priority | Estimate | Actual |\n|---|---|---|---|");
    for t in tasks {
        let est = t.estimate.map_or("—".to_owned(), |e| format!("{e}"));
        let act = actual.get(t.id.as_str()).map_or("—".to_owned(), |ms| duration(*ms));
        let _ = writeln!(out, "| {} | {} | {est} | {act} |", short(&t.title, 80), t.priority);
    }
    out.push('\n');
}

fn gantt(out: &mut String, d: &ProjectDump, w: &WorkflowDump) {
    let _ = writeln!(
        out,
        "```mermaid\ngantt\n    title {}\n    dateFormat x\n    axisFormat %H:%M:%S",
        mermaid_label(&w.workflow.feature)
    );
    let titles: HashMap<&str, &str> = d.tasks.iter().map(|t| (t.id.as_str(), t.title.as_str())).collect();
    for s in d.sessions_of(&w.workflow) {
        let end_of_session = s
            .session
            .completed_at
            .or_else(|| s.timeline.last().map(|e| e.at))
            .unwrap_or(s.session.created_at);
        let _ = writeln!(out, "    section {}", mermaid_label(&s.session.name));
        let _ = writeln!(
            out,
            "    session {} :{}, {}, {}",
            mermaid_label(&s.session.role),
            if s.session.completed_at.is_some() {
                "done"
            } else {
                "active"
            },
            s.session.created_at.millis(),
            end_of_session.millis().max(s.session.created_at.millis() + 1)
        );
        let mut open: Vec<(&str, Timestamp)> = Vec::new();
        for e in &s.timeline {
            let Some(t) = e.task_id.as_ref().map(|t| t.as_str()) else {
                continue;
            };
            let tag = match e.kind {
                TimelineType::TaskStarted => {
                    open.push((t, e.at));
                    continue;
                }
                TimelineType::TaskCompleted => "done",
                TimelineType::TaskFailed => "crit",
                TimelineType::TaskSkipped => "done",
                _ => continue,
            };
            if let Some(i) = open.iter().position(|(id, _)| *id == t) {
                let (_, start) = open.remove(i);
                let _ = writeln!(
                    out,
                    "    {} :{tag}, {}, {}",
                    mermaid_label(titles.get(t).copied().unwrap_or(t)),
                    start.millis(),
                    e.at.millis().max(start.millis() + 1)
                );
            }
        }
        for (t, start) in open {
            let _ = writeln!(
                out,
                "    {} :active, {}, {}",
                mermaid_label(titles.get(t).copied().unwrap_or(t)),
                start.millis(),
                end_of_session.millis().max(start.millis() + 1)
            );
        }
    }
    out.push_str("```\n");
}

/// Renders the final report of `w`, which belongs to `d`.
pub(crate) fn final_report(d: &ProjectDump, w: &WorkflowDump) -> String {
    let wf = &w.workflow;
    let tasks: Vec<&Task> = d.tasks_of(wf).collect();
    let by = |s: TaskStatus| tasks.iter().copied().filter(|t| t.status == s).collect::<Vec<_>>();
    let (done, failed, skipped) = (
        by(TaskStatus::Completed),
        by(TaskStatus::Failed),
        by(TaskStatus::Cancelled),
    );
    let open: Vec<&Task> = tasks
        .iter()
        .copied()
        .filter(|t| {
            !matches!(
                t.status,
                TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
            )
        })
        .collect();
    let rollbacks = w.history.iter().filter(|h| h.kind == HistoryKind::Rollback).count();
    let mut out = String::new();
    let _ = writeln!(out, "# Final report: {}\n", inline(&wf.feature));
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Project | {} |", inline(&d.project.name));
    let _ = writeln!(out, "| Workflow | `{}` on the `{}` model |", wf.id, wf.model.name);
    let _ = writeln!(out, "| Status | **{}** in phase `{}` |", wf.status, wf.phase);
    if let Some(reason) = &wf.fail_reason {
        let _ = writeln!(out, "| Failure | {} |", short(reason, 200));
    }
    let _ = writeln!(out, "| Started | {} |", ts(wf.created_at));
    if let Some(end) = wf.ended_at {
        let _ = writeln!(
            out,
            "| Ended | {} ({}) |",
            ts(end),
            duration(end.millis() - wf.created_at.millis())
        );
    }
    let _ = writeln!(
        out,
        "| Tasks | {} done, {} failed, {} skipped, {} open |",
        done.len(),
        failed.len(),
        skipped.len(),
        open.len()
    );
    let _ = writeln!(out, "| Sessions | {} |", d.sessions_of(wf).count());
    let _ = writeln!(out, "| Decisions | {} |", w.decisions.len());
    let _ = writeln!(
        out,
        "| Checkpoints | {} ({rollbacks} rollbacks) |\n",
        w.checkpoints.len()
    );

    let _ = writeln!(out, "## Phases\n\n| Phase | Entered | Duration |\n|---|---|---|");
    for (phase, from, to) in phases(w) {
        let took = to.map_or("ongoing".to_owned(), |t| duration(t.millis() - from.millis()));
        let _ = writeln!(out, "| `{phase}` | {} | {took} |", ts(from));
    }
    out.push('\n');

    let actual = actual_ms(d, w);
    let _ = writeln!(out, "## Tasks\n");
    task_rows(&mut out, "Done", &done, &actual);
    task_rows(&mut out, "Failed", &failed, &actual);
    task_rows(&mut out, "Skipped", &skipped, &actual);
    if !open.is_empty() {
        task_rows(&mut out, "Not finished", &open, &actual);
    }

    let _ = writeln!(out, "## Decisions\n");
    if w.decisions.is_empty() {
        let _ = writeln!(out, "None recorded.\n");
    }
    for (i, dec) in w.decisions.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. **{}** [{}] in `{}`",
            i + 1,
            short(&dec.decision, 160),
            dec.category,
            dec.phase
        );
        let _ = writeln!(out, "   - Why: {}", short(&dec.rationale, 400));
        for a in &dec.alternatives_considered {
            let _ = writeln!(
                out,
                "   - Rejected {}: {}",
                short(&a.option, 80),
                short(&a.reason_rejected, 200)
            );
        }
        match dec.outcome() {
            Some(o) => {
                let again = match o.would_choose_again {
                    Some(true) => "; would choose again",
                    Some(false) => "; would not choose again",
                    None => "",
                };
                let issues = if o.issues.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; issues: {}",
                        o.issues.iter().map(|s| short(s, 120)).collect::<Vec<_>>().join("; ")
                    )
                };
                let _ = writeln!(out, "   - Outcome: **{}**{again}{issues}", o.status);
            }
            None => {
                let _ = writeln!(out, "   - Outcome: pending");
            }
        }
    }
    if !w.decisions.is_empty() {
        out.push('\n');
    }

    let _ = writeln!(out, "## Checkpoints and rollbacks\n");
    if w.checkpoints.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let _ = writeln!(
            out,
            "| When | Type | Phase | Commit | Message | Rollbacks |\n|---|---|---|---|---|---|"
        );
        for c in &w.checkpoints {
            let commit = c
                .commit_sha
                .as_deref()
                .map_or("state only".to_owned(), |s| format!("`{}`", s.get(..10).unwrap_or(s)));
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {commit} | {} | {} |",
                ts(c.at),
                c.kind,
                c.phase,
                short(&c.commit_message, 80),
                c.rollback_count
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Timeline\n");
    gantt(&mut out, d, w);
    out
}
