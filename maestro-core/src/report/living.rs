//! The living documents beside `DECISIONS.md` (SPEC §3.10, seed 002): `FAILURES.md`,
//! `ESTIMATES.md` and `PATTERNS.md`, rendered from a project's learning records. Like
//! every report, a pure function of the state read: the same records, the same bytes.

use super::format::{inline, ts};
use crate::exchange::dump::LearningDump;
use crate::project::Project;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A project and its learning records.
pub(crate) type ProjectLearning<'a> = (&'a Project, &'a LearningDump);

/// A number without noise: `3`, `2.5`, `0.333`.
fn num(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.into()
    }
}

/// `FAILURES.md`: every recorded failure with its lesson, oldest first, per project.
pub(crate) fn failures_md(projects: &[ProjectLearning<'_>]) -> String {
    let mut out =
        String::from("# Failures\n\nWhat was tried and did not work, why, and the lesson kept; never pruned.\n\n");
    for (p, l) in projects {
        let _ = writeln!(out, "## Project {}\n", inline(&p.name));
        if l.failures.is_empty() {
            let _ = writeln!(out, "No failures recorded.\n");
        }
        for (n, f) in l.failures.iter().enumerate() {
            let _ = writeln!(
                out,
                "### F-{}: {} — {}\n",
                n + 1,
                inline(&f.feature),
                inline(&f.approach)
            );
            let _ = writeln!(out, "- **When:** {}", ts(f.at));
            if let Some(w) = &f.workflow_id {
                let _ = writeln!(out, "- **Workflow:** `{w}`");
            }
            if let Some(d) = &f.related_decision {
                let _ = writeln!(out, "- **Decision:** `{d}`");
            }
            if !f.tags.is_empty() {
                let tags: Vec<String> = f.tags.iter().map(|t| format!("`{}`", inline(t))).collect();
                let _ = writeln!(out, "- **Tags:** {}", tags.join(", "));
            }
            let _ = writeln!(out, "\n**Why it failed.** {}\n", f.why_failed.trim());
            let _ = writeln!(out, "**Lesson.** {}\n", f.lesson.trim());
        }
    }
    out
}

/// `ESTIMATES.md`: estimated against actual effort, with the correction factor so far.
pub(crate) fn estimates_md(projects: &[ProjectLearning<'_>]) -> String {
    let mut out = String::from(
        "# Estimates\n\nEstimated against actual effort, oldest first. The correction factor is the mean of actual / estimated over the estimates with an actual.\n\n",
    );
    for (p, l) in projects {
        let _ = writeln!(out, "## Project {}\n", inline(&p.name));
        if l.estimates.is_empty() {
            let _ = writeln!(out, "No estimates recorded.\n");
            continue;
        }
        let ratios: Vec<f64> = l
            .estimates
            .iter()
            .filter_map(|e| e.actual.filter(|_| e.estimated > 0.0).map(|a| a / e.estimated))
            .collect();
        match ratios.len() {
            0 => {
                let _ = writeln!(out, "No actual effort recorded yet: no correction factor.\n");
            }
            n => {
                let mean = ratios.iter().sum::<f64>() / n as f64;
                let _ = writeln!(out, "Correction factor: **{}** over {n} estimate(s).\n", num(mean));
            }
        }
        let _ = writeln!(
            out,
            "| Recorded | Feature | Complexity | Estimated | Actual | Actual / estimated | Notes |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for e in &l.estimates {
            let unit = e.unit.as_deref().map(|u| format!(" {}", inline(u))).unwrap_or_default();
            let (actual, ratio) = match e.actual {
                Some(a) if e.estimated > 0.0 => (format!("{}{unit}", num(a)), num(a / e.estimated)),
                Some(a) => (format!("{}{unit}", num(a)), "—".into()),
                None => ("pending".into(), "—".into()),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}{unit} | {actual} | {ratio} | {} |",
                ts(e.at),
                inline(&e.feature),
                num(e.complexity),
                num(e.estimated),
                e.notes.as_deref().map(inline).unwrap_or_default()
            );
        }
        out.push('\n');
    }
    out
}

/// `PATTERNS.md`: how closely each pattern was followed, and where it was not.
pub(crate) fn patterns_md(projects: &[ProjectLearning<'_>]) -> String {
    let mut out = String::from(
        "# Patterns\n\nPattern usage and compliance (0 to 1), per pattern by name, with the usages below 0.5.\n\n",
    );
    for (p, l) in projects {
        let _ = writeln!(out, "## Project {}\n", inline(&p.name));
        if l.patterns.is_empty() {
            let _ = writeln!(out, "No pattern usage recorded.\n");
            continue;
        }
        let mut by: BTreeMap<&str, Vec<&crate::learning::PatternUsage>> = BTreeMap::new();
        for u in &l.patterns {
            by.entry(u.pattern.as_str()).or_default().push(u);
        }
        let _ = writeln!(out, "| Pattern | Usages | Mean compliance | Lowest | Last used |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for (name, uses) in &by {
            let mean = uses.iter().map(|u| u.compliance).sum::<f64>() / uses.len() as f64;
            let low = uses.iter().map(|u| u.compliance).fold(f64::INFINITY, f64::min);
            let last = uses.iter().map(|u| u.at).max().map(ts).unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {last} |",
                inline(name),
                uses.len(),
                num(mean),
                num(low)
            );
        }
        out.push('\n');
        let weak: Vec<_> = l.patterns.iter().filter(|u| u.compliance < 0.5).collect();
        if !weak.is_empty() {
            let _ = writeln!(out, "### Below 0.5\n");
            for u in weak {
                let _ = writeln!(
                    out,
                    "- {} `{}` in {}: {}{}",
                    ts(u.at),
                    inline(&u.pattern),
                    u.file.as_deref().map(inline).unwrap_or_else(|| "(no file)".into()),
                    num(u.compliance),
                    u.notes
                        .as_deref()
                        .map(|n| format!(" — {}", inline(n)))
                        .unwrap_or_default()
                );
            }
            out.push('\n');
        }
    }
    out
}
