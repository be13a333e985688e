//! `workflows`, `sessions`, `tasks`, `decisions` and `checkpoints`: lists with the
//! API's filters, one entity shown whole, the session tree and the task graph. The JSON
//! data is the API's own result for the same question.

use super::args::{CheckpointsCmd, DecisionFilterArgs, DecisionsCmd, SessionsCmd, TasksCmd, WorkflowsCmd};
use super::output::{age, fields, or_dash, rendered, short, Out};
use super::{parse, project, projects, Exit, Failure, Run};
use crate::session::{SessionFilter, SessionTree};
use crate::{Checkpoint, Decision, Maestro, Session, Task, Workflow};
use serde::Serialize;

fn id<T: TryFrom<String, Error = crate::Error>>(s: &str) -> Result<T, Failure> {
    Ok(T::try_from(s.to_owned())?)
}

fn workflow_rows(out: &Out, list: &[Workflow]) -> String {
    let mut t = out.table(&["id", "feature", "phase", "status", "model", "updated"]);
    for w in list {
        t.add_row(vec![
            w.id.to_string().into(),
            short(&w.feature, 40).into(),
            w.phase.clone().into(),
            out.status(w.status.as_str()),
            w.model.name.clone().into(),
            age(w.updated_at).into(),
        ]);
    }
    rendered(t)
}

/// `maestro workflows …`.
pub(crate) fn workflows(run: &mut Run, cmd: WorkflowsCmd) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    match cmd {
        WorkflowsCmd::List { project, status } => {
            let status: Option<crate::WorkflowStatus> = status.map(|s| parse("--status", &s)).transpose()?;
            let mut list = Vec::new();
            for p in projects(&m, project.as_deref())? {
                list.extend(m.workflows().list(&p.id)?);
            }
            list.retain(|w| status.is_none_or(|s| w.status == s));
            list.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.as_str().cmp(b.id.as_str())));
            run.out.answer(&list, |out| workflow_rows(out, &list))?;
        }
        WorkflowsCmd::Show { id: wid } => {
            let w = super::workflow(&m, &wid)?;
            let history = m.workflows().history(&w.id)?;
            let gates = super::gates(&m, &w)?;
            let sessions = m.sessions().list(&SessionFilter {
                workflow_id: Some(w.id.clone()),
                ..Default::default()
            })?;
            #[derive(Serialize)]
            struct Shown<'a> {
                workflow: &'a Workflow,
                gates: &'a [crate::Gate],
                history: &'a [crate::HistoryEntry],
                sessions: &'a [Session],
            }
            let data = Shown {
                workflow: &w,
                gates: &gates,
                history: &history,
                sessions: &sessions,
            };
            run.out.answer(&data, |out| {
                let mut text = fields(
                    out,
                    &[
                        ("id", w.id.to_string()),
                        ("project", w.project_id.to_string()),
                        ("feature", w.feature.clone()),
                        ("model", w.model.name.clone()),
                        ("phase", w.phase.clone()),
                        ("status", w.status.as_str().to_owned()),
                        ("epoch", w.epoch.to_string()),
                        ("fail reason", or_dash(w.fail_reason.as_ref())),
                        ("created", w.created_at.to_rfc3339()),
                        ("updated", w.updated_at.to_rfc3339()),
                        ("ended", or_dash(w.ended_at.map(|t| t.to_rfc3339()))),
                    ],
                );
                if !w.request.is_empty() {
                    text.push_str(&format!("\n\n{}\n{}", out.heading("Request"), w.request));
                }
                text.push_str(&format!("\n\n{}\n", out.heading("Gates out of this phase")));
                let mut t = out.table(&["to", "state", "approvals", "rejections"]);
                for g in &gates {
                    t.add_row(vec![
                        g.to.clone().into(),
                        out.status(
                            serde_json::to_value(g.state)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .as_deref()
                                .unwrap_or("-"),
                        ),
                        g.approvals.to_string().into(),
                        g.rejections.to_string().into(),
                    ]);
                }
                text.push_str(&rendered(t));
                text.push_str(&format!("\n\n{}\n", out.heading("History")));
                let mut t = out.table(&["at", "kind", "phase", "status", "actor"]);
                for h in &history {
                    t.add_row(vec![
                        h.at.to_rfc3339().into(),
                        h.kind.as_str().into(),
                        h.phase.clone().into(),
                        out.status(h.status.as_str()),
                        h.actor.clone().into(),
                    ]);
                }
                text.push_str(&rendered(t));
                text.push_str(&format!("\n\n{}\n", out.heading("Sessions")));
                text.push_str(&session_rows(out, &sessions));
                text
            })?;
        }
    }
    Ok(Exit::Ok)
}

fn session_rows(out: &Out, list: &[Session]) -> String {
    let mut t = out.table(&["id", "name", "role", "status", "workflow", "parent", "last activity"]);
    for s in list {
        t.add_row(vec![
            s.id.to_string().into(),
            short(&s.name, 30).into(),
            short(&s.role, 20).into(),
            out.status(s.status.as_str()),
            or_dash(s.workflow_id.as_ref()).into(),
            or_dash(s.parent_session_id.as_ref()).into(),
            age(s.last_activity).into(),
        ]);
    }
    rendered(t)
}

fn tree_lines(out: &Out, node: &SessionTree, prefix: &str, last: bool, root: bool, lines: &mut Vec<String>) {
    let s = &node.session;
    let (branch, next) = match (root, last) {
        (true, _) => ("", String::new()),
        (false, true) => ("└─ ", format!("{prefix}   ")),
        (false, false) => ("├─ ", format!("{prefix}│  ")),
    };
    lines.push(format!(
        "{prefix}{branch}{} {} [{}] {}",
        s.id,
        s.name,
        s.status.as_str(),
        out.dim(&s.role)
    ));
    for (i, child) in node.children.iter().enumerate() {
        tree_lines(out, child, &next, i + 1 == node.children.len(), false, lines);
    }
}

/// `maestro sessions …`.
pub(crate) fn sessions(run: &mut Run, cmd: SessionsCmd) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    match cmd {
        SessionsCmd::List {
            project: p,
            workflow,
            parent,
            status,
        } => {
            let filter = SessionFilter {
                project_id: p.map(|p| project(&m, &p).map(|p| p.id)).transpose()?,
                workflow_id: workflow.map(|w| id(&w)).transpose()?,
                parent_session_id: parent.map(|s| id(&s)).transpose()?,
                status: status.map(|s| parse("--status", &s)).transpose()?,
            };
            let list = m.sessions().list(&filter)?;
            run.out.answer(&list, |out| session_rows(out, &list))?;
        }
        SessionsCmd::Show { id: sid } => {
            let s = m.sessions().get(&id(&sid)?)?;
            let tasks = m.sessions().tasks(&s.id)?;
            let queue = m.queues().list(&s.id)?;
            let timeline = m.sessions().timeline(&s.id)?;
            #[derive(Serialize)]
            struct Shown<'a> {
                session: &'a Session,
                tasks: &'a [crate::SessionTask],
                queue: &'a [crate::QueueItem],
                timeline: &'a [crate::TimelineEvent],
            }
            let data = Shown {
                session: &s,
                tasks: &tasks,
                queue: &queue,
                timeline: &timeline,
            };
            run.out.answer(&data, |out| {
                let mut text = fields(
                    out,
                    &[
                        ("id", s.id.to_string()),
                        ("project", s.project_id.to_string()),
                        ("workflow", or_dash(s.workflow_id.as_ref())),
                        ("name", s.name.clone()),
                        ("role", s.role.clone()),
                        ("strategy", s.strategy.as_str().to_owned()),
                        ("status", s.status.as_str().to_owned()),
                        ("parent", or_dash(s.parent_session_id.as_ref())),
                        ("created", s.created_at.to_rfc3339()),
                        ("last activity", s.last_activity.to_rfc3339()),
                        ("completed", or_dash(s.completed_at.map(|t| t.to_rfc3339()))),
                    ],
                );
                text.push_str(&format!("\n\n{}\n", out.heading("Tasks")));
                let mut t = out.table(&["task", "status", "updated"]);
                for l in &tasks {
                    t.add_row(vec![
                        l.task_id.to_string().into(),
                        out.status(l.status.as_str()),
                        l.updated_at.to_rfc3339().into(),
                    ]);
                }
                text.push_str(&rendered(t));
                text.push_str(&format!("\n\n{}\n", out.heading("Queue")));
                let mut t = out.table(&["position", "task", "status"]);
                for q in &queue {
                    t.add_row(vec![
                        q.position.to_string().into(),
                        q.task_id.to_string().into(),
                        out.status(q.status.as_str()),
                    ]);
                }
                text.push_str(&rendered(t));
                text.push_str(&format!("\n\n{}\n", out.heading("Timeline")));
                let mut t = out.table(&["at", "type", "message", "task"]);
                for e in &timeline {
                    t.add_row(vec![
                        e.at.to_rfc3339(),
                        e.kind.as_str().to_owned(),
                        short(&e.message, 60),
                        or_dash(e.task_id.as_ref()),
                    ]);
                }
                text.push_str(&rendered(t));
                text
            })?;
        }
        SessionsCmd::Tree { id: sid } => {
            let tree = m.sessions().tree(&id(&sid)?)?;
            run.out.answer(&tree, |out| {
                let mut lines = Vec::new();
                tree_lines(out, &tree, "", true, true, &mut lines);
                lines.join("\n")
            })?;
        }
    }
    Ok(Exit::Ok)
}

fn task_rows(out: &Out, list: &[Task]) -> String {
    let mut t = out.table(&["id", "title", "status", "priority", "depends on", "updated"]);
    for task in list {
        t.add_row(vec![
            task.id.to_string().into(),
            short(&task.title, 50).into(),
            out.status(task.status.as_str()),
            task.priority.as_str().into(),
            task.depends_on.len().to_string().into(),
            age(task.updated_at).into(),
        ]);
    }
    rendered(t)
}

/// `maestro tasks …`.
pub(crate) fn tasks(run: &mut Run, cmd: TasksCmd) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    match cmd {
        TasksCmd::List {
            project,
            status,
            workflow,
        } => {
            let status: Option<crate::TaskStatus> = status.map(|s| parse("--status", &s)).transpose()?;
            let mut list = Vec::new();
            for p in projects(&m, project.as_deref())? {
                list.extend(m.tasks().list(&p.id)?);
            }
            list.retain(|t| {
                status.is_none_or(|s| t.status == s)
                    && workflow
                        .as_deref()
                        .is_none_or(|w| t.workflow_id.as_ref().is_some_and(|x| x.as_str() == w))
            });
            run.out.answer(&list, |out| task_rows(out, &list))?;
        }
        TasksCmd::Show { id: tid } => {
            let task = m.tasks().get(&id(&tid)?)?;
            let children = m.tasks().children(&task.id)?;
            let sessions = m.tasks().sessions(&task.id)?;
            #[derive(Serialize)]
            struct Shown<'a> {
                task: &'a Task,
                children: &'a [Task],
                sessions: &'a [crate::SessionTask],
            }
            let data = Shown {
                task: &task,
                children: &children,
                sessions: &sessions,
            };
            run.out.answer(&data, |out| {
                let deps: Vec<String> = task.depends_on.iter().map(|d| d.to_string()).collect();
                let mut text = fields(
                    out,
                    &[
                        ("id", task.id.to_string()),
                        ("project", task.project_id.to_string()),
                        ("workflow", or_dash(task.workflow_id.as_ref())),
                        ("parent", or_dash(task.parent_id.as_ref())),
                        ("title", task.title.clone()),
                        ("status", task.status.as_str().to_owned()),
                        ("priority", task.priority.as_str().to_owned()),
                        (
                            "labels",
                            if task.labels.is_empty() {
                                "-".into()
                            } else {
                                task.labels.join(", ")
                            },
                        ),
                        ("estimate", or_dash(task.estimate)),
                        ("depends on", if deps.is_empty() { "-".into() } else { deps.join(", ") }),
                        ("created", task.created_at.to_rfc3339()),
                        ("updated", task.updated_at.to_rfc3339()),
                    ],
                );
                if !task.description.is_empty() {
                    text.push_str(&format!("\n\n{}\n{}", out.heading("Description"), task.description));
                }
                text.push_str(&format!("\n\n{}\n", out.heading("Subtasks")));
                text.push_str(&task_rows(out, &children));
                text.push_str(&format!("\n\n{}\n", out.heading("Sessions")));
                let mut t = out.table(&["session", "status", "updated"]);
                for l in &sessions {
                    t.add_row(vec![
                        l.session_id.to_string().into(),
                        out.status(l.status.as_str()),
                        l.updated_at.to_rfc3339().into(),
                    ]);
                }
                text.push_str(&rendered(t));
                text
            })?;
        }
        TasksCmd::Ready { project: p } => {
            let p = project(&m, &p)?;
            let list = m.tasks().ready(&p.id)?;
            run.out.answer(&list, |out| task_rows(out, &list))?;
        }
        TasksCmd::Graph { project: p } => {
            let p = project(&m, &p)?;
            let layers = m.tasks().layers(&p.id)?;
            let titles: std::collections::HashMap<String, Task> = m
                .tasks()
                .list(&p.id)?
                .into_iter()
                .map(|t| (t.id.to_string(), t))
                .collect();
            run.out.answer(&layers, |out| {
                let mut t = out.table(&["layer", "id", "title", "status", "depends on"]);
                for (i, layer) in layers.iter().enumerate() {
                    for tid in layer {
                        let task = titles.get(tid.as_str());
                        t.add_row(vec![
                            i.to_string().into(),
                            tid.to_string().into(),
                            task.map(|t| short(&t.title, 40)).unwrap_or_default().into(),
                            out.status(task.map(|t| t.status.as_str()).unwrap_or("-")),
                            task.map(|t| {
                                t.depends_on
                                    .iter()
                                    .map(|d| d.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            })
                            .filter(|s| !s.is_empty())
                            .unwrap_or_else(|| "-".into())
                            .into(),
                        ]);
                    }
                }
                rendered(t)
            })?;
        }
    }
    Ok(Exit::Ok)
}

fn decision_filter(m: &Maestro, a: &DecisionFilterArgs) -> Result<crate::DecisionFilter, Failure> {
    Ok(crate::DecisionFilter {
        project_id: a.project.as_deref().map(|p| project(m, p).map(|p| p.id)).transpose()?,
        workflow_id: a.workflow.as_deref().map(id).transpose()?,
        category: a.category.clone(),
        subject_category: a.subject_category.clone(),
        technology: a.technology.clone(),
        pattern: a.pattern.clone(),
        outcome: a.outcome.as_deref().map(|o| parse("--outcome", o)).transpose()?,
    })
}

fn decision_rows(out: &Out, list: &[Decision]) -> String {
    let mut t = out.table(&["id", "category", "phase", "decision", "outcome", "at"]);
    for d in list {
        t.add_row(vec![
            d.id.to_string().into(),
            d.category.clone().into(),
            d.phase.clone().into(),
            short(&d.decision, 50).into(),
            out.status(d.outcomes.last().map(|o| o.status.as_str()).unwrap_or("-")),
            age(d.at).into(),
        ]);
    }
    rendered(t)
}

/// `maestro decisions …`.
pub(crate) fn decisions(run: &mut Run, cmd: DecisionsCmd) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    match cmd {
        DecisionsCmd::List(a) => {
            let filter = decision_filter(&m, &a)?;
            let limit = a.limit.min(crate::decision::MAX_RESULTS);
            let list = crate::maestro::Ctx::of(&m)
                .read(|tx| tx.decisions(&filter, limit, crate::store::Recency::NewestFirst))?;
            run.out.answer(&list, |out| decision_rows(out, &list))?;
        }
        DecisionsCmd::Search { text, filter } => {
            let list = m
                .decisions()
                .search(&text, &decision_filter(&m, &filter)?, filter.limit)?;
            run.out.answer(&list, |out| decision_rows(out, &list))?;
        }
        DecisionsCmd::Show { id: did } => {
            let d = m.decisions().get(&id(&did)?)?;
            run.out.answer(&d, |out| {
                let mut text = fields(
                    out,
                    &[
                        ("id", d.id.to_string()),
                        ("project", d.project_id.to_string()),
                        ("workflow", d.workflow_id.to_string()),
                        ("session", or_dash(d.session_id.as_ref())),
                        ("task", or_dash(d.task_id.as_ref())),
                        ("at", d.at.to_rfc3339()),
                        ("category", d.category.clone()),
                        ("phase", d.phase.clone()),
                        ("decision", d.decision.clone()),
                    ],
                );
                text.push_str(&format!("\n\n{}\n{}", out.heading("Rationale"), d.rationale));
                text.push_str(&format!("\n\n{}\n", out.heading("Alternatives considered")));
                let mut t = out.table(&["option", "why not"]);
                for a in &d.alternatives_considered {
                    t.add_row(vec![a.option.clone(), a.reason_rejected.clone()]);
                }
                text.push_str(&rendered(t));
                text.push_str(&format!("\n\n{}\n", out.heading("Outcomes")));
                let mut t = out.table(&["revision", "status", "again", "notes", "at"]);
                for o in &d.outcomes {
                    t.add_row(vec![
                        o.revision.to_string().into(),
                        out.status(o.status.as_str()),
                        or_dash(o.would_choose_again).into(),
                        short(&o.notes, 50).into(),
                        o.at.to_rfc3339().into(),
                    ]);
                }
                text.push_str(&rendered(t));
                text
            })?;
        }
    }
    Ok(Exit::Ok)
}

fn checkpoint_rows(out: &Out, list: &[Checkpoint]) -> String {
    let mut t = out.table(&["id", "workflow", "phase", "type", "commit", "valid", "message", "at"]);
    for c in list {
        t.add_row(vec![
            c.id.to_string().into(),
            c.workflow_id.to_string().into(),
            c.phase.clone().into(),
            c.kind.as_str().into(),
            c.commit_sha
                .as_deref()
                .map(|s| s.chars().take(10).collect::<String>())
                .unwrap_or_else(|| "-".into())
                .into(),
            out.status(if c.valid { "ok" } else { "invalid" }),
            short(&c.commit_message, 40).into(),
            age(c.at).into(),
        ]);
    }
    rendered(t)
}

/// Every checkpoint of `workflow`, or of every workflow.
pub(crate) fn all_checkpoints(m: &Maestro, workflow: Option<&str>) -> Result<Vec<Checkpoint>, Failure> {
    if let Some(w) = workflow {
        return Ok(m.checkpoints().list(&id(w)?)?);
    }
    let mut list = Vec::new();
    for p in m.projects().list()? {
        for w in m.workflows().list(&p.id)? {
            list.extend(m.checkpoints().list(&w.id)?);
        }
    }
    Ok(list)
}

/// `maestro checkpoints …`.
pub(crate) fn checkpoints(run: &mut Run, cmd: CheckpointsCmd) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    match cmd {
        CheckpointsCmd::List { workflow } => {
            let list = all_checkpoints(&m, workflow.as_deref())?;
            run.out.answer(&list, |out| checkpoint_rows(out, &list))?;
        }
        CheckpointsCmd::Show { id: cid } => {
            let c = m.checkpoints().get(&id(&cid)?)?;
            run.out.answer(&c, |out| {
                let counts: Vec<String> = c
                    .state_snapshot
                    .counts
                    .iter()
                    .map(|(k, v)| format!("{v} {k}"))
                    .collect();
                fields(
                    out,
                    &[
                        ("id", c.id.to_string()),
                        ("workflow", c.workflow_id.to_string()),
                        ("project", c.project_id.to_string()),
                        ("session", or_dash(c.session_id.as_ref())),
                        ("at", c.at.to_rfc3339()),
                        ("type", c.kind.as_str().to_owned()),
                        ("phase", c.phase.clone()),
                        ("commit", or_dash(c.commit_sha.as_ref())),
                        ("message", c.commit_message.clone()),
                        ("description", c.description.clone()),
                        (
                            "tags",
                            if c.tags.is_empty() {
                                "-".into()
                            } else {
                                c.tags.join(", ")
                            },
                        ),
                        ("valid", c.valid.to_string()),
                        ("rollbacks", c.rollback_count.to_string()),
                        (
                            "snapshot",
                            format!(
                                "phase {}, workflow {}, {} tasks, {} sessions, {} queue items{}",
                                c.state_snapshot.phase,
                                c.state_snapshot.workflow_status.as_str(),
                                c.state_snapshot.tasks.len(),
                                c.state_snapshot.sessions.len(),
                                c.state_snapshot.queue.len(),
                                if counts.is_empty() {
                                    String::new()
                                } else {
                                    format!(" ({})", counts.join(", "))
                                }
                            ),
                        ),
                    ],
                )
            })?;
        }
    }
    Ok(Exit::Ok)
}
