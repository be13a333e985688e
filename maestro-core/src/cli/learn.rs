//! `maestro report` and `maestro learn`: the markdown reports and what the learning
//! layer advises.

use super::args::{LearnCmd, ReportArgs, ReportKind};
use super::output::{rendered, Out};
use super::{in_file, project, workflow, Exit, Failure, Run};
use crate::error::{Error, ErrorKind};
use crate::{Maestro, ProjectId};
use serde::Serialize;

/// The project a project report is about: the workflow's, or the project named.
fn report_project(m: &Maestro, target: &str) -> Result<ProjectId, Failure> {
    match workflow(m, target) {
        Ok(w) => return Ok(w.project_id),
        Err(Failure::Maestro(e)) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    match project(m, target) {
        Ok(p) => Ok(p.id),
        Err(Failure::Maestro(e)) if e.kind() == ErrorKind::NotFound => Err(Failure::Maestro(Error::NotFound {
            entity: "workflow or project",
            id: target.to_owned(),
        })),
        Err(e) => Err(e),
    }
}

/// `maestro report`.
pub(crate) fn report(run: &mut Run, a: ReportArgs) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    let r = m.reports();
    let text = match a.kind {
        ReportKind::Final => r.final_report(&workflow(&m, &a.target)?.id)?,
        ReportKind::ExecutionLog => r.execution_log(&workflow(&m, &a.target)?.id)?,
        ReportKind::Decisions => r.decisions_md(&report_project(&m, &a.target)?)?,
        ReportKind::Failures => r.failures_md(&report_project(&m, &a.target)?)?,
        ReportKind::Estimates => r.estimates_md(&report_project(&m, &a.target)?)?,
        ReportKind::Patterns => r.patterns_md(&report_project(&m, &a.target)?)?,
    };
    #[derive(Serialize)]
    struct Report<'a> {
        kind: &'a str,
        target: &'a str,
        markdown: &'a str,
    }
    let kind = match a.kind {
        ReportKind::Final => "final",
        ReportKind::ExecutionLog => "execution-log",
        ReportKind::Decisions => "decisions",
        ReportKind::Failures => "failures",
        ReportKind::Estimates => "estimates",
        ReportKind::Patterns => "patterns",
    };
    let data = Report {
        kind,
        target: &a.target,
        markdown: &text,
    };
    run.out.answer(&data, |_| text.clone())?;
    Ok(Exit::Ok)
}

fn recommendation(out: &Out, r: &crate::learning::Recommendation) -> String {
    let mut text = format!("{}\n", out.heading("Preferred"));
    let mut t = out.table(&["choice", "kind", "used", "success rate", "score"]);
    for c in &r.preferred {
        t.add_row(vec![
            c.name.clone(),
            c.kind.as_str().to_owned(),
            c.usage_count.to_string(),
            format!("{:.0}%", c.success_rate * 100.0),
            format!("{:.2}", c.score),
        ]);
    }
    text.push_str(&rendered(t));
    text.push_str(&format!("\n\n{}\n", out.heading("Avoid")));
    let mut t = out.table(&["choice", "kind", "failures", "outcomes", "why"]);
    for c in &r.avoid {
        t.add_row(vec![
            c.name.clone(),
            c.kind.as_str().to_owned(),
            c.failure_count.to_string(),
            c.outcome_count.to_string(),
            c.reason.clone(),
        ]);
    }
    text.push_str(&rendered(t));
    text.push_str(&format!("\n\n{}\n", out.heading("Not enough evidence yet")));
    let mut t = out.table(&["choice", "kind", "used", "outcomes"]);
    for c in &r.undecided {
        t.add_row(vec![
            c.name.clone(),
            c.kind.as_str().to_owned(),
            c.usage_count.to_string(),
            c.outcome_count.to_string(),
        ]);
    }
    text.push_str(&rendered(t));
    text
}

/// `maestro learn …`.
pub(crate) fn learn(run: &mut Run, cmd: LearnCmd) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    match cmd {
        LearnCmd::Recommend {
            category,
            subject,
            project: p,
        } => {
            let p = p.map(|p| project(&m, &p)).transpose()?;
            let r = m
                .learning()
                .recommend(p.as_ref().map(|p| &p.id), &category, subject.as_deref(), None)?;
            run.out.answer(&r, |out| recommendation(out, &r))?;
        }
        LearnCmd::Order { file, project: p } => {
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Error::validation("tasks file", shown.clone(), format!("cannot read {shown}: {e}")))?;
            let tasks = crate::schema::limits::parse("tasks file", &text).map_err(|e| in_file(&shown, e))?;
            // A bare array, or an object with the operation's `tasks`.
            let (tasks, prefix) = match tasks {
                serde_json::Value::Object(mut o) if o.contains_key("tasks") => {
                    (o.remove("tasks").unwrap_or_default(), "/tasks")
                }
                other => (other, ""),
            };
            let mut input = serde_json::json!({ "tasks": tasks });
            if let Some(p) = p {
                input["project_id"] = project(&m, &p)?.id.to_string().into();
            }
            let order = crate::api::call_value(&m, "learning.suggest_order", input).map_err(|e| {
                // Pointers into the operation's input, made pointers into the file.
                let e = match e {
                    Error::Validation { entity, path, message } if path.starts_with("/tasks") => Error::Validation {
                        entity,
                        path: format!("{prefix}{}", &path["/tasks".len()..]),
                        message,
                    },
                    other => other,
                };
                in_file(&shown, e)
            })?;
            run.out.answer(&order, |out| {
                let mut text = format!("{}\n", out.heading("Order"));
                for (i, k) in order["order"].as_array().into_iter().flatten().enumerate() {
                    text.push_str(&format!("{:>3}. {}\n", i + 1, k.as_str().unwrap_or_default()));
                }
                let rules = order["applied"].as_array().map(Vec::len).unwrap_or(0);
                text.push_str(&format!("\n{rules} learned rule(s) applied"));
                text
            })?;
        }
    }
    Ok(Exit::Ok)
}
