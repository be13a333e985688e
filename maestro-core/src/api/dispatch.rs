//! One arm per operation: take the named arguments, call the Rust API, encode the result.

use super::Args;
use crate::checkpoint::Checkpoints;
use crate::decision::{DecisionFilter, Decisions};
use crate::error::{Error, Result};
use crate::feed::{EntityKind, EventFilter};
use crate::id::*;
use crate::maestro::{Ctx, Maestro};
use crate::project::Projects;
use crate::queue::Queues;
use crate::report::Reports;
use crate::session::{SessionStatus, Sessions};
use crate::task::{ClaimFilter, TaskStatus, Tasks};
use crate::workflow::{ModelRef, NewWorkflow, PhaseModel, Workflows};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// Results a list operation returns when the caller gives no `limit`.
const DEFAULT_LIMIT: usize = 1000;

fn out<T: Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::Internal(format!("encoding a result: {e}")))
}

fn handle_only<'m>(handle: Option<&'m Maestro>, op: &str) -> Result<&'m Maestro> {
    handle.ok_or_else(|| Error::validation("input", "/op", format!("{op} cannot run inside a batch")))
}

/// Runs `op`. `handle` is `None` inside a batch, where handle-level operations are refused.
pub(super) fn run(ctx: Ctx<'_>, handle: Option<&Maestro>, op: &str, mut a: Args) -> Result<Value> {
    let projects = Projects(ctx);
    let workflows = Workflows(ctx);
    let sessions = Sessions(ctx);
    let tasks = Tasks(ctx);
    let queues = Queues(ctx);
    let checkpoints = Checkpoints(ctx);
    let decisions = Decisions(ctx);
    let reports = Reports(ctx);
    let events = ctx.events();
    match op {
        "projects.create" => out(projects.create(a.whole()?)?),
        "projects.get" => out(projects.get(&a.req("id")?)?),
        "projects.get_by_name" => out(projects.get_by_name(&a.req::<String>("name")?)?),
        "projects.list" => out(projects.list()?),
        "projects.delete" => out(projects.delete(&a.req("id")?)?),
        "projects.put_steering" => {
            let (p, domain, content) = (
                a.req("project_id")?,
                a.req::<String>("domain")?,
                a.req::<String>("content")?,
            );
            out(projects.put_steering(
                &p,
                &domain,
                &content,
                &a.opt::<Vec<String>>("audiences")?.unwrap_or_default(),
            )?)
        }
        "projects.steering_context" => {
            out(projects.steering_context(&a.req("project_id")?, &a.req::<String>("audience")?)?)
        }

        "workflows.create" => out(workflows.create(new_workflow(a)?)?),
        "workflows.get" => out(workflows.get(&a.req("id")?)?),
        "workflows.list" => out(workflows.list(&a.req("project_id")?)?),
        "workflows.advance" => {
            let (id, to, actor): (WorkflowId, String, String) = (a.req("id")?, a.req("to")?, a.req("actor")?);
            out(workflows.advance(&id, &to, &actor, a.opt::<String>("expected_from")?.as_deref())?)
        }
        "workflows.vote" => {
            let (id, to, voter): (WorkflowId, String, String) = (a.req("id")?, a.req("to")?, a.req("voter")?);
            let approve = a.req("approve")?;
            out(workflows.vote(&id, &to, &voter, approve, a.opt::<String>("comment")?.as_deref())?)
        }
        "workflows.gate" => out(workflows.gate(&a.req("id")?, &a.req::<String>("to")?)?),
        "workflows.pause" => out(workflows.pause(&a.req("id")?, &a.req::<String>("actor")?)?),
        "workflows.resume" => out(workflows.resume(&a.req("id")?, &a.req::<String>("actor")?)?),
        "workflows.fail" => {
            let (id, reason, actor): (WorkflowId, String, String) = (a.req("id")?, a.req("reason")?, a.req("actor")?);
            out(workflows.fail(&id, &reason, &actor)?)
        }
        "workflows.history" => out(workflows.history(&a.req("id")?)?),
        "workflows.put_spec" => {
            let (id, kind): (WorkflowId, String) = (a.req("id")?, a.req("kind")?);
            let (content, author): (String, String) = (a.req("content")?, a.req("author")?);
            out(workflows.put_spec(&id, &kind, &content, &author)?)
        }
        "workflows.spec" => {
            let (id, kind): (WorkflowId, String) = (a.req("id")?, a.req("kind")?);
            out(workflows.spec(&id, &kind, a.opt("version")?)?)
        }
        "workflows.spec_versions" => out(workflows.spec_versions(&a.req("id")?, &a.req::<String>("kind")?)?),

        "sessions.spawn" => out(sessions.spawn(a.whole()?)?),
        "sessions.get" => out(sessions.get(&a.req("id")?)?),
        "sessions.list" => out(sessions.list(&a.whole()?)?),
        "sessions.children" => out(sessions.children(&a.req("id")?)?),
        "sessions.tree" => out(sessions.tree(&a.req("id")?)?),
        "sessions.transition" => {
            let (id, to): (SessionId, SessionStatus) = (a.req("id")?, a.req("to")?);
            let expected = a.opt("expected")?;
            out(sessions.transition(&id, to, expected, a.opt::<String>("reason")?.as_deref())?)
        }
        "sessions.register" => out(sessions.register(&a.req("id")?)?),
        "sessions.complete" => out(sessions.complete(&a.req("id")?)?),
        "sessions.stop" => out(sessions.stop(&a.req("id")?, a.opt::<String>("reason")?.as_deref())?),
        "sessions.fail" => out(sessions.fail(&a.req("id")?, &a.req::<String>("reason")?)?),
        "sessions.heartbeat" => out(sessions.heartbeat(&a.req("id")?)?),
        "sessions.append" => out(sessions.append(&a.req("id")?, a.req("event")?)?),
        "sessions.timeline" => out(sessions.timeline(&a.req("id")?)?),
        "sessions.tasks" => out(sessions.tasks(&a.req("id")?)?),
        "sessions.reap_stale" => out(sessions.reap_stale(Duration::from_millis(a.req("timeout_ms")?))?),

        "tasks.create" => out(tasks.create(a.whole()?)?),
        "tasks.get" => out(tasks.get(&a.req("id")?)?),
        "tasks.list" => out(tasks.list(&a.req("project_id")?)?),
        "tasks.children" => out(tasks.children(&a.req("id")?)?),
        "tasks.add_dependency" => out(tasks.add_dependency(&a.req("id")?, &a.req("depends_on")?)?),
        "tasks.remove_dependency" => out(tasks.remove_dependency(&a.req("id")?, &a.req("depends_on")?)?),
        "tasks.transition" => {
            let (id, to): (TaskId, TaskStatus) = (a.req("id")?, a.req("to")?);
            let session: Option<SessionId> = a.opt("session_id")?;
            out(tasks.transition(&id, to, session.as_ref(), a.opt("expected")?)?)
        }
        "tasks.complete" => {
            let id: TaskId = a.req("id")?;
            out(tasks.complete(&id, a.opt::<SessionId>("session_id")?.as_ref())?)
        }
        "tasks.fail" => {
            let (id, reason): (TaskId, String) = (a.req("id")?, a.req("reason")?);
            out(tasks.fail(&id, a.opt::<SessionId>("session_id")?.as_ref(), &reason)?)
        }
        "tasks.ready" => out(tasks.ready(&a.req("project_id")?)?),
        "tasks.topological_order" => out(tasks.topological_order(&a.req("project_id")?)?),
        "tasks.layers" => out(tasks.layers(&a.req("project_id")?)?),
        "tasks.claim" => {
            let session: SessionId = a.req("session_id")?;
            out(tasks.claim(&session, &a.opt::<ClaimFilter>("filter")?.unwrap_or_default())?)
        }
        "tasks.sessions" => out(tasks.sessions(&a.req("id")?)?),

        "queues.enqueue" => out(queues.enqueue(&a.req("session_id")?, &a.req("task_id")?)?),
        "queues.list" => out(queues.list(&a.req("session_id")?)?),
        "queues.next" => out(queues.next(&a.req("session_id")?)?),
        "queues.complete" => out(queues.complete(&a.req("session_id")?)?),
        "queues.fail" => out(queues.fail(&a.req("session_id")?, &a.req::<String>("reason")?)?),
        "queues.skip" => out(queues.skip(&a.req("session_id")?, &a.req("item_id")?)?),

        "checkpoints.create" => out(checkpoints.create(a.whole()?)?),
        "checkpoints.get" => out(checkpoints.get(&a.req("id")?)?),
        "checkpoints.list" => out(checkpoints.list(&a.req("workflow_id")?)?),
        "checkpoints.verify" => out(checkpoints.verify(&a.req("workflow_id")?)?),
        "checkpoints.diff" => out(checkpoints.diff(&a.req("from")?, &a.req("to")?)?),
        "checkpoints.rollback" => {
            let (id, mode): (CheckpointId, _) = (a.req("id")?, a.req("mode")?);
            out(checkpoints.rollback(&id, mode, a.opt("restore_state")?.unwrap_or(true))?)
        }

        "decisions.record" => out(decisions.record(a.whole()?)?),
        "decisions.get" => out(decisions.get(&a.req("id")?)?),
        "decisions.list" => {
            let filter: DecisionFilter = a.opt("filter")?.unwrap_or_default();
            out(decisions.list(&filter, a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "decisions.search" => {
            let text: String = a.req("text")?;
            let filter: DecisionFilter = a.opt("filter")?.unwrap_or_default();
            out(decisions.search(&text, &filter, a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "decisions.record_outcome" => out(decisions.record_outcome(&a.req("id")?, a.req("outcome")?)?),
        "decisions.register_category" => {
            let (project, name): (ProjectId, String) = (a.req("project_id")?, a.req("name")?);
            out(decisions.register_category(&project, &name, &a.opt::<String>("description")?.unwrap_or_default())?)
        }
        "decisions.categories" => out(decisions.categories(&a.req("project_id")?)?),
        "decisions.replay" => out(decisions.replay(&a.req("workflow_id")?)?),

        "reports.execution_log" => out(reports.execution_log(&a.req("workflow_id")?)?),
        "reports.final_report" => out(reports.final_report(&a.req("workflow_id")?)?),
        "reports.decisions_md" => out(reports.decisions_md(&a.req("project_id")?)?),

        "events.since" => {
            let seq = a.opt("seq")?.unwrap_or(0);
            let filter: EventFilter = a.opt("filter")?.unwrap_or_default();
            out(events.since(seq, &filter, a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "events.latest_seq" => out(events.latest_seq()?),
        "events.state_at" => {
            let (entity, id, seq): (EntityKind, String, i64) = (a.req("entity")?, a.req("id")?, a.req("seq")?);
            out(events.state_at(entity, &id, seq)?)
        }
        "events.subscribe" => Err(Error::validation(
            "input",
            "/op",
            "events.subscribe delivers events over time: use the binding's subscribe call \
             (maestro_events_subscribe in C), not a one-shot call",
        )),

        "store.batch" => {
            let m = handle_only(handle, op)?;
            let items: Vec<BatchItem> = a.req("operations")?;
            out(m.batch(|b| {
                let ctx = Ctx::of(b);
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, it)| {
                        let input = it.input.unwrap_or_else(|| Value::Object(Default::default()));
                        super::call_in_batch(ctx, i, &it.op, input)
                    })
                    .collect::<Result<Vec<Value>>>()
            })?)
        }
        "store.backup" => out(handle_only(handle, op)?.backup(a.req::<String>("path")?)?),
        "store.export" => out(handle_only(handle, op)?.export(a.req::<String>("dir")?)?),
        "store.import" => out(handle_only(handle, op)?.import(a.req::<String>("dir")?)?),
        "store.check_integrity" => out(handle_only(handle, op)?.check_integrity()?),
        _ => Err(Error::validation(
            "operation",
            "op",
            format!("unknown operation {op:?}"),
        )),
    }
}

/// One operation of a `store.batch` input.
#[derive(serde::Deserialize)]
struct BatchItem {
    op: String,
    input: Option<Value>,
}

/// A custom phase model is checked against its own schema, with paths inside `/model`.
fn new_workflow(mut a: Args) -> Result<NewWorkflow> {
    let model = match a.req::<Value>("model")? {
        Value::String(name) => ModelRef::Builtin(name),
        v => {
            crate::schema::Schema::PhaseModel
                .validate(&v)
                .map_err(|e| e.within("/model"))?;
            ModelRef::Custom(
                serde_json::from_value::<PhaseModel>(v)
                    .map_err(|e| Error::validation("input", "/model", e.to_string()))?,
            )
        }
    };
    Ok(NewWorkflow {
        id: a.opt("id")?,
        project_id: a.req("project_id")?,
        feature: a.req("feature")?,
        request: a.opt("request")?.unwrap_or_default(),
        model,
    })
}
