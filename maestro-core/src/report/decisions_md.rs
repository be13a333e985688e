//! `DECISIONS.md`: every decision as an ADR-like record, per project and workflow, in
//! the order they were recorded.

use super::format::{inline, ts};
use crate::decision::{Decision, OutcomeStatus};
use crate::exchange::dump::ProjectDump;
use std::fmt::Write;

fn status(d: &Decision) -> String {
    match d.outcome() {
        None => "Accepted — outcome pending".into(),
        Some(o) => {
            let word = match o.status {
                OutcomeStatus::Successful => "Accepted — successful",
                OutcomeStatus::Partial => "Accepted — partly successful",
                OutcomeStatus::Failed => "Failed",
                OutcomeStatus::Reverted => "Reverted",
            };
            if o.revision > 1 {
                format!("{word} (amended {} times)", o.revision - 1)
            } else {
                word.into()
            }
        }
    }
}

fn record(out: &mut String, n: usize, d: &Decision, feature: &str) {
    let _ = writeln!(out, "### ADR-{n}: {}\n", inline(&d.decision));
    let _ = writeln!(out, "- **Status:** {}", status(d));
    let _ = writeln!(out, "- **Date:** {}", ts(d.at));
    let _ = writeln!(
        out,
        "- **Workflow:** {} (`{}`), phase `{}`",
        inline(feature),
        d.workflow_id,
        d.phase
    );
    let _ = writeln!(out, "- **Category:** {}", d.category);
    if let Some(s) = &d.subject {
        let parts: Vec<String> = [
            ("category", &s.category),
            ("technology", &s.technology),
            ("pattern", &s.pattern),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", inline(v))))
        .collect();
        let _ = writeln!(out, "- **Subject:** {}", parts.join(", "));
    }
    if let Some(p) = &d.parent_decision_id {
        let _ = writeln!(out, "- **Follows:** `{p}`");
    }
    if !d.related.is_empty() {
        let ids: Vec<String> = d.related.iter().map(|r| format!("`{r}`")).collect();
        let _ = writeln!(out, "- **Related:** {}", ids.join(", "));
    }
    let _ = writeln!(out, "\n#### Context\n\n{}\n", d.rationale.trim());
    if let Some(c) = &d.context {
        let _ = writeln!(out, "Confidence: {}.", c.confidence);
        for s in &c.sources {
            let _ = writeln!(out, "- Source: {}", inline(s));
        }
        out.push('\n');
    }
    if !d.alternatives_considered.is_empty() {
        let _ = writeln!(out, "#### Alternatives considered\n");
        for a in &d.alternatives_considered {
            let _ = writeln!(
                out,
                "- **{}**: rejected because {}",
                inline(&a.option),
                inline(&a.reason_rejected)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "#### Consequences\n");
    if let Some(i) = &d.impact {
        let _ = writeln!(
            out,
            "Scope {}, risk {}, reversibility {}.",
            i.scope, i.risk_level, i.reversibility
        );
    }
    if d.outcomes.is_empty() {
        let _ = writeln!(out, "No outcome recorded yet.");
    }
    for o in &d.outcomes {
        let mut line = format!("- Revision {} ({}): **{}**", o.revision, ts(o.at), o.status);
        match o.would_choose_again {
            Some(true) => line.push_str(", would choose again"),
            Some(false) => line.push_str(", would not choose again"),
            None => {}
        }
        if !o.notes.is_empty() {
            let _ = write!(line, ". {}", inline(&o.notes));
        }
        let _ = writeln!(out, "{line}");
        for issue in &o.issues {
            let _ = writeln!(out, "  - Issue: {}", inline(issue));
        }
    }
    out.push('\n');
}

/// Renders the decisions of every project in `dumps`.
pub(crate) fn decisions_md(dumps: &[ProjectDump]) -> String {
    let mut out =
        String::from("# Decisions\n\nThe decision log, one record per decision, in the order they were made.\n\n");
    for d in dumps {
        let _ = writeln!(out, "## Project {}\n", inline(&d.project.name));
        let mut all: Vec<(&Decision, &str)> = d
            .workflows
            .iter()
            .flat_map(|w| w.decisions.iter().map(move |x| (x, w.workflow.feature.as_str())))
            .collect();
        all.sort_by_key(|(x, _)| x.at);
        if all.is_empty() {
            let _ = writeln!(out, "No decisions yet.\n");
        }
        for (n, (dec, feature)) in all.into_iter().enumerate() {
            record(&mut out, n + 1, dec, feature);
        }
    }
    out
}
