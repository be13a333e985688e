//! One arm per operation: take the named arguments, call the Rust API, encode the result.

use super::Args;
use crate::checkpoint::Checkpoints;
use crate::decision::{DecisionFilter, Decisions};
use crate::error::{Error, Result};
use crate::feed::{EntityKind, EventFilter};
use crate::id::*;
use crate::learning::{estimates, failures, AdviceFilter, FailureQuery, Learning, LearningThresholds, TaskToOrder};
use crate::maestro::{Ctx, Maestro};
use crate::project::Projects;
use crate::queue::Queues;
use crate::report::Reports;
use crate::session::{SessionStatus, Sessions};
use crate::task::{ClaimFilter, TaskStatus, Tasks};
use crate::thread::{blob_at, NewThreadCheckpoint, NewWrite, NewWrites, PruneStrategy, ThreadQuery, Threads};
use crate::workflow::{ModelRef, NewWorkflow, PhaseModel, Workflows};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// Results a list operation returns when the caller gives no `limit`.
const DEFAULT_LIMIT: usize = 1000;

/// What a call's result is encoded to: JSON text for the C ABI (no intermediate tree), a
/// [`Value`] for bindings that convert it further.
pub(crate) trait Output: Sized {
    fn encode<T: Serialize>(v: T) -> Result<Self>;
}

impl Output for Value {
    fn encode<T: Serialize>(v: T) -> Result<Self> {
        serde_json::to_value(v).map_err(|e| Error::Internal(format!("encoding a result: {e}")))
    }
}

impl Output for String {
    fn encode<T: Serialize>(v: T) -> Result<Self> {
        serde_json::to_string(&v).map_err(|e| Error::Internal(format!("encoding a result: {e}")))
    }
}

fn handle_only<'m>(handle: Option<&'m Maestro>, op: &str) -> Result<&'m Maestro> {
    handle.ok_or_else(|| Error::validation("input", "op", format!("{op} cannot run inside a batch")))
}

/// Runs `op`. `handle` is `None` inside a batch, where handle-level operations are refused.
pub(super) fn run<O: Output>(ctx: Ctx<'_>, handle: Option<&Maestro>, op: &str, mut a: Args) -> Result<O> {
    let projects = Projects(ctx);
    let workflows = Workflows(ctx);
    let sessions = Sessions(ctx);
    let tasks = Tasks(ctx);
    let queues = Queues(ctx);
    let checkpoints = Checkpoints(ctx);
    let decisions = Decisions(ctx);
    let learning = Learning(ctx);
    let reports = Reports(ctx);
    let threads = Threads(ctx);
    let events = ctx.events();
    match op {
        "projects.create" => O::encode(projects.create(a.whole()?)?),
        "projects.get" => O::encode(projects.get(&a.req("id")?)?),
        "projects.get_by_name" => O::encode(projects.get_by_name(&a.req::<String>("name")?)?),
        "projects.list" => O::encode(projects.list()?),
        "projects.delete" => O::encode(projects.delete(&a.req("id")?)?),
        "projects.put_steering" => {
            let (p, domain, content) = (
                a.req("project_id")?,
                a.req::<String>("domain")?,
                a.req::<String>("content")?,
            );
            O::encode(projects.put_steering(
                &p,
                &domain,
                &content,
                &a.opt::<Vec<String>>("audiences")?.unwrap_or_default(),
            )?)
        }
        "projects.steering_context" => {
            O::encode(projects.steering_context(&a.req("project_id")?, &a.req::<String>("audience")?)?)
        }

        "workflows.create" => O::encode(workflows.create(new_workflow(a)?)?),
        "workflows.get" => O::encode(workflows.get(&a.req("id")?)?),
        "workflows.list" => O::encode(workflows.list(&a.req("project_id")?)?),
        "workflows.advance" => {
            let (id, to, actor): (WorkflowId, String, String) = (a.req("id")?, a.req("to")?, a.req("actor")?);
            O::encode(workflows.advance(&id, &to, &actor, a.opt::<String>("expected_from")?.as_deref())?)
        }
        "workflows.vote" => {
            let (id, to, voter): (WorkflowId, String, String) = (a.req("id")?, a.req("to")?, a.req("voter")?);
            let approve = a.req("approve")?;
            O::encode(workflows.vote(&id, &to, &voter, approve, a.opt::<String>("comment")?.as_deref())?)
        }
        "workflows.gate" => O::encode(workflows.gate(&a.req("id")?, &a.req::<String>("to")?)?),
        "workflows.pause" => O::encode(workflows.pause(&a.req("id")?, &a.req::<String>("actor")?)?),
        "workflows.resume" => O::encode(workflows.resume(&a.req("id")?, &a.req::<String>("actor")?)?),
        "workflows.fail" => {
            let (id, reason, actor): (WorkflowId, String, String) = (a.req("id")?, a.req("reason")?, a.req("actor")?);
            O::encode(workflows.fail(&id, &reason, &actor)?)
        }
        "workflows.history" => O::encode(workflows.history(&a.req("id")?)?),
        "workflows.put_spec" => {
            let (id, kind): (WorkflowId, String) = (a.req("id")?, a.req("kind")?);
            let (content, author): (String, String) = (a.req("content")?, a.req("author")?);
            O::encode(workflows.put_spec(&id, &kind, &content, &author)?)
        }
        "workflows.spec" => {
            let (id, kind): (WorkflowId, String) = (a.req("id")?, a.req("kind")?);
            O::encode(workflows.spec(&id, &kind, a.opt("version")?)?)
        }
        "workflows.spec_versions" => O::encode(workflows.spec_versions(&a.req("id")?, &a.req::<String>("kind")?)?),
        "workflows.delete" => O::encode(workflows.delete(&a.req("id")?)?),

        "sessions.spawn" => O::encode(sessions.spawn(a.whole()?)?),
        "sessions.get" => O::encode(sessions.get(&a.req("id")?)?),
        "sessions.list" => O::encode(sessions.list(&a.whole()?)?),
        "sessions.children" => O::encode(sessions.children(&a.req("id")?)?),
        "sessions.tree" => O::encode(sessions.tree(&a.req("id")?)?),
        "sessions.transition" => {
            let (id, to): (SessionId, SessionStatus) = (a.req("id")?, a.req("to")?);
            let expected = a.opt("expected")?;
            O::encode(sessions.transition(&id, to, expected, a.opt::<String>("reason")?.as_deref())?)
        }
        "sessions.register" => O::encode(sessions.register(&a.req("id")?)?),
        "sessions.complete" => O::encode(sessions.complete(&a.req("id")?)?),
        "sessions.stop" => O::encode(sessions.stop(&a.req("id")?, a.opt::<String>("reason")?.as_deref())?),
        "sessions.fail" => O::encode(sessions.fail(&a.req("id")?, &a.req::<String>("reason")?)?),
        "sessions.heartbeat" => O::encode(sessions.heartbeat(&a.req("id")?)?),
        "sessions.append" => O::encode(sessions.append(&a.req("id")?, a.req("event")?)?),
        "sessions.timeline" => O::encode(sessions.timeline(&a.req("id")?)?),
        "sessions.tasks" => O::encode(sessions.tasks(&a.req("id")?)?),
        "sessions.reap_stale" => O::encode(sessions.reap_stale(Duration::from_millis(a.req("timeout_ms")?))?),

        "tasks.create" => O::encode(tasks.create(a.whole()?)?),
        "tasks.get" => O::encode(tasks.get(&a.req("id")?)?),
        "tasks.list" => O::encode(tasks.list(&a.req("project_id")?)?),
        "tasks.children" => O::encode(tasks.children(&a.req("id")?)?),
        "tasks.add_dependency" => O::encode(tasks.add_dependency(&a.req("id")?, &a.req("depends_on")?)?),
        "tasks.remove_dependency" => O::encode(tasks.remove_dependency(&a.req("id")?, &a.req("depends_on")?)?),
        "tasks.transition" => {
            let (id, to): (TaskId, TaskStatus) = (a.req("id")?, a.req("to")?);
            let session: Option<SessionId> = a.opt("session_id")?;
            O::encode(tasks.transition(&id, to, session.as_ref(), a.opt("expected")?)?)
        }
        "tasks.complete" => {
            let id: TaskId = a.req("id")?;
            O::encode(tasks.complete(&id, a.opt::<SessionId>("session_id")?.as_ref())?)
        }
        "tasks.fail" => {
            let (id, reason): (TaskId, String) = (a.req("id")?, a.req("reason")?);
            O::encode(tasks.fail(&id, a.opt::<SessionId>("session_id")?.as_ref(), &reason)?)
        }
        "tasks.ready" => O::encode(tasks.ready(&a.req("project_id")?)?),
        "tasks.topological_order" => O::encode(tasks.topological_order(&a.req("project_id")?)?),
        "tasks.layers" => O::encode(tasks.layers(&a.req("project_id")?)?),
        "tasks.claim" => {
            let session: SessionId = a.req("session_id")?;
            O::encode(tasks.claim(&session, &a.opt::<ClaimFilter>("filter")?.unwrap_or_default())?)
        }
        "tasks.sessions" => O::encode(tasks.sessions(&a.req("id")?)?),

        "threads.put" => {
            let project = a.req("project_id")?;
            let new = NewThreadCheckpoint {
                thread_id: a.req("thread_id")?,
                checkpoint_ns: a.opt("checkpoint_ns")?.unwrap_or_default(),
                checkpoint_id: a.req("checkpoint_id")?,
                parent_id: a.opt("parent_id")?,
                checkpoint: blob_at(&a.req::<Value>("checkpoint")?, "/checkpoint")?,
                metadata: a.opt("metadata")?.unwrap_or_else(|| Value::Object(Default::default())),
            };
            O::encode(threads.put(&project, new)?)
        }
        "threads.put_writes" => {
            let project = a.req("project_id")?;
            let writes = a.req::<Vec<Value>>("writes")?;
            let new = NewWrites {
                thread_id: a.req("thread_id")?,
                checkpoint_ns: a.opt("checkpoint_ns")?.unwrap_or_default(),
                checkpoint_id: a.req("checkpoint_id")?,
                task_id: a.req("task_id")?,
                task_path: a.opt("task_path")?.unwrap_or_default(),
                writes: writes
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        Ok(NewWrite {
                            idx: w["idx"].as_i64().unwrap_or_default(),
                            channel: w["channel"].as_str().unwrap_or_default().to_owned(),
                            value: blob_at(&w["value"], &format!("/writes/{i}/value"))?,
                        })
                    })
                    .collect::<Result<_>>()?,
            };
            O::encode(threads.put_writes(&project, &new)?)
        }
        "threads.get" => {
            let (project, thread): (ProjectId, String) = (a.req("project_id")?, a.req("thread_id")?);
            let ns = a.opt::<String>("checkpoint_ns")?.unwrap_or_default();
            O::encode(threads.get(&project, &thread, &ns, a.opt::<String>("checkpoint_id")?.as_deref())?)
        }
        "threads.list" => {
            let project = a.req("project_id")?;
            O::encode(threads.list(&project, &a.whole::<ThreadQuery>()?)?)
        }
        "threads.delete" => O::encode(threads.delete(&a.req("project_id")?, &a.req::<String>("thread_id")?)?),
        "threads.delete_runs" => {
            O::encode(threads.delete_runs(&a.req("project_id")?, &a.req::<Vec<String>>("run_ids")?)?)
        }
        "threads.copy" => {
            let (project, source, target): (ProjectId, String, String) = (
                a.req("project_id")?,
                a.req("source_thread_id")?,
                a.req("target_thread_id")?,
            );
            O::encode(threads.copy(&project, &source, &target)?)
        }
        "threads.prune" => {
            let (project, ids): (ProjectId, Vec<String>) = (a.req("project_id")?, a.req("thread_ids")?);
            let strategy = a.opt::<PruneStrategy>("strategy")?.unwrap_or(PruneStrategy::KeepLatest);
            O::encode(threads.prune(&project, &ids, strategy)?)
        }
        "threads.link" => {
            let (project, thread): (ProjectId, String) = (a.req("project_id")?, a.req("thread_id")?);
            let (session, workflow): (Option<SessionId>, Option<WorkflowId>) =
                (a.opt("session_id")?, a.opt("workflow_id")?);
            O::encode(threads.link(&project, &thread, session.as_ref(), workflow.as_ref())?)
        }
        "threads.get_thread" => O::encode(threads.get_thread(&a.req("project_id")?, &a.req::<String>("thread_id")?)?),
        "threads.list_threads" => O::encode(threads.list_threads(&a.req("project_id")?)?),
        "queues.enqueue" => O::encode(queues.enqueue(&a.req("session_id")?, &a.req("task_id")?)?),
        "queues.list" => O::encode(queues.list(&a.req("session_id")?)?),
        "queues.next" => O::encode(queues.next(&a.req("session_id")?)?),
        "queues.complete" => O::encode(queues.complete(&a.req("session_id")?)?),
        "queues.fail" => O::encode(queues.fail(&a.req("session_id")?, &a.req::<String>("reason")?)?),
        "queues.skip" => O::encode(queues.skip(&a.req("session_id")?, &a.req("item_id")?)?),

        "checkpoints.create" => O::encode(checkpoints.create(a.whole()?)?),
        "checkpoints.get" => O::encode(checkpoints.get(&a.req("id")?)?),
        "checkpoints.list" => O::encode(checkpoints.list(&a.req("workflow_id")?)?),
        "checkpoints.verify" => O::encode(checkpoints.verify(&a.req("workflow_id")?)?),
        "checkpoints.diff" => O::encode(checkpoints.diff(&a.req("from")?, &a.req("to")?)?),
        "checkpoints.rollback" => {
            let (id, mode): (CheckpointId, _) = (a.req("id")?, a.req("mode")?);
            O::encode(checkpoints.rollback(&id, mode, a.opt("restore_state")?.unwrap_or(true))?)
        }

        "decisions.record" => O::encode(decisions.record(a.whole()?)?),
        "decisions.get" => O::encode(decisions.get(&a.req("id")?)?),
        "decisions.list" => {
            let filter: DecisionFilter = a.opt("filter")?.unwrap_or_default();
            O::encode(decisions.list(&filter, a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "decisions.search" => {
            let text: String = a.req("text")?;
            let filter: DecisionFilter = a.opt("filter")?.unwrap_or_default();
            O::encode(decisions.search(&text, &filter, a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "decisions.record_outcome" => O::encode(decisions.record_outcome(&a.req("id")?, a.req("outcome")?)?),
        "decisions.register_category" => {
            let (project, name): (ProjectId, String) = (a.req("project_id")?, a.req("name")?);
            O::encode(decisions.register_category(
                &project,
                &name,
                &a.opt::<String>("description")?.unwrap_or_default(),
            )?)
        }
        "decisions.categories" => O::encode(decisions.categories(&a.req("project_id")?)?),
        "decisions.replay" => O::encode(decisions.replay(&a.req("workflow_id")?)?),

        "learning.recommend" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            let (dc, sc): (String, Option<String>) = (a.req("decision_category")?, a.opt("subject_category")?);
            let thresholds: Option<LearningThresholds> = a.opt("thresholds")?;
            O::encode(learning.recommend(project.as_ref(), &dc, sc.as_deref(), thresholds.as_ref())?)
        }
        "learning.stats" => O::encode(learning.stats(&AdviceFilter {
            project_id: a.opt("project_id")?,
            decision_category: a.opt("decision_category")?,
            subject_category: a.opt("subject_category")?,
        })?),
        "learning.ordering_rules" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            let thresholds: Option<LearningThresholds> = a.opt("thresholds")?;
            O::encode(learning.ordering_rules(project.as_ref(), thresholds.as_ref())?)
        }
        "learning.suggest_order" => {
            let (project, tasks): (Option<ProjectId>, Vec<TaskToOrder>) = (a.opt("project_id")?, a.req("tasks")?);
            let thresholds: Option<LearningThresholds> = a.opt("thresholds")?;
            O::encode(learning.suggest_order(project.as_ref(), &tasks, thresholds.as_ref())?)
        }
        "learning.orderings" => O::encode(learning.orderings(&a.req("project_id")?)?),
        "learning.record_failure" => O::encode(learning.record_failure(a.whole()?)?),
        "learning.failure" => O::encode(learning.failure(&a.req("id")?)?),
        "learning.failures" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            O::encode(learning.failures(project.as_ref(), a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "learning.similar_failures" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            let query = FailureQuery {
                text: a.opt("text")?,
                embedding: a.opt("embedding")?,
            };
            O::encode(learning.similar_failures(
                project.as_ref(),
                &query,
                a.opt("k")?.unwrap_or(failures::DEFAULT_K),
            )?)
        }
        "learning.record_estimate" => O::encode(learning.record_estimate(a.whole()?)?),
        "learning.record_actual" => {
            let (id, actual): (EstimateId, f64) = (a.req("id")?, a.req("actual")?);
            O::encode(learning.record_actual(&id, actual)?)
        }
        "learning.estimates" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            O::encode(learning.estimates(project.as_ref(), a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "learning.correction_factor" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            let window_days = a.opt("window_days")?.unwrap_or(estimates::DEFAULT_WINDOW_DAYS);
            let complexity = (
                a.opt("complexity_min")?.unwrap_or(estimates::COMPLEXITY_RANGE.0),
                a.opt("complexity_max")?.unwrap_or(estimates::COMPLEXITY_RANGE.1),
            );
            O::encode(learning.correction_factor(project.as_ref(), window_days, complexity)?)
        }
        "learning.corrected_estimate" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            let (raw, complexity): (f64, f64) = (a.req("raw")?, a.req("complexity")?);
            O::encode(learning.corrected_estimate(project.as_ref(), raw, complexity)?)
        }
        "learning.record_retrospective" => O::encode(learning.record_retrospective(a.whole()?)?),
        "learning.retrospectives" => {
            let project: ProjectId = a.req("project_id")?;
            O::encode(learning.retrospectives(&project, a.opt::<String>("feature")?.as_deref())?)
        }
        "learning.record_spike" => O::encode(learning.record_spike(a.whole()?)?),
        "learning.spikes" => {
            let project: ProjectId = a.req("project_id")?;
            O::encode(learning.spikes(&project, a.opt::<String>("feature")?.as_deref())?)
        }
        "learning.log_agent" => O::encode(learning.log_agent(a.whole()?)?),
        "learning.agent_stats" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            O::encode(learning.agent_stats(project.as_ref(), a.opt("since")?)?)
        }
        "learning.agent_logs" => {
            let project: ProjectId = a.req("project_id")?;
            O::encode(learning.agent_logs(&project, a.opt::<String>("agent")?.as_deref())?)
        }
        "learning.record_complexity" => O::encode(learning.record_complexity(a.whole()?)?),
        "learning.complexity_trends" => {
            let project: ProjectId = a.req("project_id")?;
            let (file, window): (Option<String>, Option<usize>) = (a.opt("file")?, a.opt("window")?);
            let thresholds: Option<LearningThresholds> = a.opt("thresholds")?;
            O::encode(learning.complexity_trends(&project, file.as_deref(), window, thresholds.as_ref())?)
        }
        "learning.record_pattern_usage" => O::encode(learning.record_pattern_usage(a.whole()?)?),
        "learning.pattern_compliance" => {
            let project: Option<ProjectId> = a.opt("project_id")?;
            O::encode(learning.pattern_compliance(project.as_ref())?)
        }
        "learning.cache_docs" => {
            let (library, version, content): (String, String, String) =
                (a.req("library")?, a.req("version")?, a.req("content")?);
            let ttl = match a.opt::<f64>("ttl_seconds")? {
                Some(s) => Some(
                    Duration::try_from_secs_f64(s)
                        .map_err(|e| Error::validation("input", "/ttl_seconds", e.to_string()))?,
                ),
                None => None,
            };
            O::encode(learning.cache_docs(&library, &version, &content, ttl)?)
        }
        "learning.cached_docs" => {
            let (library, version): (String, String) = (a.req("library")?, a.req("version")?);
            O::encode(learning.cached_docs(&library, &version)?)
        }
        "learning.history" => O::encode(learning.history(&a.req("project_id")?)?),

        "reports.execution_log" => O::encode(reports.execution_log(&a.req("workflow_id")?)?),
        "reports.final_report" => O::encode(reports.final_report(&a.req("workflow_id")?)?),
        "reports.decisions_md" => O::encode(reports.decisions_md(&a.req("project_id")?)?),
        "reports.failures_md" => O::encode(reports.failures_md(&a.req("project_id")?)?),
        "reports.estimates_md" => O::encode(reports.estimates_md(&a.req("project_id")?)?),
        "reports.patterns_md" => O::encode(reports.patterns_md(&a.req("project_id")?)?),

        "events.since" => {
            let seq = a.opt("seq")?.unwrap_or(0);
            let filter: EventFilter = a.opt("filter")?.unwrap_or_default();
            O::encode(events.since_raw(seq, &filter, a.opt("limit")?.unwrap_or(DEFAULT_LIMIT))?)
        }
        "events.latest_seq" => O::encode(events.latest_seq()?),
        "events.horizon" => O::encode(events.horizon()?),
        "events.state_at" => {
            let (entity, id, seq): (EntityKind, String, i64) = (a.req("entity")?, a.req("id")?, a.req("seq")?);
            O::encode(events.state_at(entity, &id, seq)?)
        }
        "events.subscribe" => Err(Error::validation(
            "input",
            "op",
            "events.subscribe delivers events over time: use the binding's subscribe call \
             (maestro_events_subscribe in C), not a one-shot call",
        )),

        "store.batch" => {
            let m = handle_only(handle, op)?;
            let items: Vec<BatchItem> = a.req("operations")?;
            O::encode(m.batch(|b| {
                let ctx = Ctx::of(b);
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, it)| {
                        let input = it.input.unwrap_or_else(|| Value::Object(Default::default()));
                        super::call_in_batch::<Value>(ctx, i, &it.op, input)
                    })
                    .collect::<Result<Vec<Value>>>()
            })?)
        }
        "store.backup" => O::encode(handle_only(handle, op)?.backup(a.req::<String>("path")?)?),
        "store.export" => O::encode(handle_only(handle, op)?.export(a.req::<String>("dir")?)?),
        "store.import" => O::encode(handle_only(handle, op)?.import(a.req::<String>("dir")?)?),
        "store.check_integrity" => O::encode(handle_only(handle, op)?.check_integrity()?),
        "store.export_workflow" => {
            O::encode(handle_only(handle, op)?.export_workflow(&a.req("workflow_id")?, a.req::<String>("dir")?)?)
        }
        "store.prune" => {
            let m = handle_only(handle, op)?;
            // The keys given replace the config's; the others keep the config's values.
            let mut policy = serde_json::to_value(&m.config().retention)
                .map_err(|e| Error::Internal(format!("encoding the retention policy: {e}")))?;
            if let (Some(Value::Object(given)), Value::Object(base)) = (a.opt::<Value>("policy")?, &mut policy) {
                base.extend(given);
            }
            let policy: crate::RetentionPolicy =
                serde_json::from_value(policy).map_err(|e| Error::validation("input", "/policy", e.to_string()))?;
            let dry_run = a.opt::<bool>("dry_run")?.unwrap_or(false);
            O::encode(m.prune(Some(&policy), dry_run)?)
        }
        "store.config" => O::encode(handle_only(handle, op)?.config()),
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
