//! `execution-log.md`: everything that happened in a workflow, oldest first.

use super::format::{inline, short, ts};
use crate::exchange::dump::{ProjectDump, WorkflowDump};
use crate::time::Timestamp;
use crate::workflow::HistoryKind;
use std::fmt::Write;

/// One line of the story: when, what kind, the text. Ties in time keep the order of the
/// sources (workflow, sessions, decisions, checkpoints) and then their stored order.
struct Line {
    at: Timestamp,
    rank: u8,
    text: String,
}

fn history_text(kind: HistoryKind, phase: &str, actor: &str, details: &serde_json::Value) -> String {
    let note = |key: &str| details.get(key).and_then(|v| v.as_str()).map(inline);
    match kind {
        HistoryKind::Created => format!("**workflow** created in phase `{phase}` by {}", inline(actor)),
        HistoryKind::Transition => match note("from") {
            Some(from) => format!("**phase** `{from}` → `{phase}` by {}", inline(actor)),
            None => format!("**phase** → `{phase}` by {}", inline(actor)),
        },
        HistoryKind::Vote => format!("**vote** in `{phase}` by {}", inline(actor)),
        HistoryKind::Paused => format!("**paused** in `{phase}` by {}", inline(actor)),
        HistoryKind::Resumed => format!("**resumed** in `{phase}` by {}", inline(actor)),
        HistoryKind::Failed => format!(
            "**failed** in `{phase}`: {}",
            note("reason").unwrap_or_else(|| inline(actor))
        ),
        HistoryKind::Rollback => format!(
            "**rollback** to checkpoint {} in `{phase}`",
            note("checkpoint").unwrap_or_else(|| "?".into())
        ),
    }
}

/// Renders the execution log of `w`, which belongs to `d`.
pub(crate) fn execution_log(d: &ProjectDump, w: &WorkflowDump) -> String {
    let wf = &w.workflow;
    let mut lines = Vec::new();
    for h in &w.history {
        lines.push(Line {
            at: h.at,
            rank: 0,
            text: history_text(h.kind, &h.phase, &h.actor, &h.details),
        });
    }
    for s in d.sessions_of(wf) {
        let name = inline(&s.session.name);
        lines.push(Line {
            at: s.session.created_at,
            rank: 1,
            text: format!("**session** {name} ({}) spawned", inline(&s.session.role)),
        });
        for e in &s.timeline {
            let mut text = format!("{name}: `{}`", e.kind);
            if !e.message.is_empty() {
                let _ = write!(text, " — {}", short(&e.message, 200));
            }
            if let Some(ms) = e.metadata.get("duration_ms").and_then(|v| v.as_i64()) {
                let _ = write!(text, " ({})", super::format::duration(ms));
            }
            lines.push(Line {
                at: e.at,
                rank: 1,
                text,
            });
        }
        if let Some(end) = s.session.completed_at {
            lines.push(Line {
                at: end,
                rank: 1,
                text: format!("**session** {name} ended: {}", s.session.status),
            });
        }
    }
    for dec in &w.decisions {
        lines.push(Line {
            at: dec.at,
            rank: 2,
            text: format!(
                "**decision** [{}] {} — {}",
                dec.category,
                short(&dec.decision, 160),
                short(&dec.rationale, 200)
            ),
        });
        for o in &dec.outcomes {
            lines.push(Line {
                at: o.at,
                rank: 2,
                text: format!(
                    "**outcome** of “{}”: {}{}",
                    short(&dec.decision, 80),
                    o.status,
                    if o.revision > 1 {
                        format!(" (amended, revision {})", o.revision)
                    } else {
                        String::new()
                    }
                ),
            });
        }
    }
    for c in &w.checkpoints {
        let commit = c
            .commit_sha
            .as_deref()
            .map(|s| format!(" at commit `{}`", s.get(..10).unwrap_or(s)));
        lines.push(Line {
            at: c.at,
            rank: 3,
            text: format!(
                "**checkpoint** `{}` ({}) in `{}`{}",
                short(&c.commit_message, 120),
                c.kind,
                c.phase,
                commit.unwrap_or_default()
            ),
        });
    }
    lines.sort_by_key(|l| (l.at, l.rank));

    let mut out = String::new();
    let _ = writeln!(out, "# Execution log: {}\n", inline(&wf.feature));
    let _ = writeln!(
        out,
        "Workflow `{}` of project **{}** on the `{}` model; status **{}**, phase `{}`.\n",
        wf.id,
        inline(&d.project.name),
        wf.model.name,
        wf.status,
        wf.phase
    );
    if !wf.request.is_empty() {
        let _ = writeln!(out, "> {}\n", inline(&wf.request));
    }
    for l in &lines {
        let _ = writeln!(out, "- `{}` {}", ts(l.at), l.text);
    }
    out
}
