"""One class per area of the API. Each method is one atomic operation of the Rust API
(`maestro_core`), called through the native module with its arguments checked against
`schemas/api/operations.schema.json`; the interpreter is released while it runs."""

from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Protocol, Sequence, Tuple, Union

from .types import (
    PruneReport,
    AgentLog,
    AgentStats,
    Blob,
    CategoryDef,
    Checkpoint,
    CheckpointDiff,
    ChoiceStat,
    ComplexitySnapshot,
    ComplexityTrend,
    CorrectedEstimate,
    CorrectionFactor,
    Decision,
    DocsEntry,
    Estimate,
    Event,
    Failure,
    Gate,
    History,
    HistoryEntry,
    ImportSummary,
    OrderingRules,
    PatternCompliance,
    PatternUsage,
    Project,
    QueueItem,
    Recommendation,
    Retrospective,
    RollbackOutcome,
    Session,
    SessionTask,
    SessionTree,
    SimilarFailure,
    SpecDocument,
    Spike,
    SteeringDocument,
    SuggestedOrder,
    Task,
    Thread,
    ThreadCheckpoint,
    TimelineEvent,
    Workflow,
    WorkflowOrdering,
)

class Call(Protocol):
    """The native call: an operation name and its arguments; with `raw_payloads`, event
    payloads come back as JSON text for `Event` to decode on first use."""

    def __call__(self, op: str, args: Dict[str, Any], raw_payloads: bool = ...) -> Any: ...


def _args(**kwargs: Any) -> Dict[str, Any]:
    """Named arguments without the ones left at None (absent in the JSON input)."""
    return {k: v for k, v in kwargs.items() if v is not None}


def _list(name: str, items: Optional[Iterable[Any]]) -> Optional[List[Any]]:
    """A sequence argument as a list; a bare str is refused rather than split into letters."""
    if items is None:
        return None
    if isinstance(items, (str, bytes)):
        raise TypeError(f"{name} must be a list of strings, not a single {type(items).__name__}")
    return list(items)


class _Namespace:
    __slots__ = ("_call",)

    def __init__(self, call: Call) -> None:
        self._call = call


class Projects(_Namespace):
    """Projects and their steering documents."""

    __slots__ = ("_repo",)

    def __init__(self, call: Call, repo: Optional[str] = None) -> None:
        super().__init__(call)
        self._repo = repo

    def create(self, name: str, *, id: Optional[str] = None, root: Optional[str] = None) -> Project:
        """Creates a project; `root` is its git work tree (default: the handle's `repo`, if
        it was opened with one). Names are unique."""
        root = self._repo if root is None else root
        return Project.from_dict(self._call("projects.create", _args(name=name, id=id, root=root)))

    def get(self, id: str) -> Project:
        """The project with this id (NotFoundError otherwise)."""
        return Project.from_dict(self._call("projects.get", {"id": id}))

    def get_by_name(self, name: str) -> Project:
        """The project with this name."""
        return Project.from_dict(self._call("projects.get_by_name", {"name": name}))

    def list(self) -> List[Project]:
        """Every project, oldest first."""
        return [Project.from_dict(p) for p in self._call("projects.list", {})]

    def delete(self, id: str) -> None:
        """Deletes a project and everything it owns, in one transaction."""
        self._call("projects.delete", {"id": id})

    def put_steering(self, project_id: str, domain: str, content: str, audiences: Sequence[str] = ()) -> SteeringDocument:
        """Adds a new version of the steering document `domain`, for `audiences` (empty: everyone)."""
        args = {"project_id": project_id, "domain": domain, "content": content, "audiences": _list("audiences", audiences)}
        return SteeringDocument.from_dict(self._call("projects.put_steering", args))

    def steering_context(self, project_id: str, audience: str) -> List[SteeringDocument]:
        """The latest version of every steering document meant for `audience` or everyone."""
        docs = self._call("projects.steering_context", {"project_id": project_id, "audience": audience})
        return [SteeringDocument.from_dict(d) for d in docs]


class Workflows(_Namespace):
    """Workflows, phases, approvals, history and spec documents."""

    def create(
        self,
        project_id: str,
        feature: str,
        model: Union[str, Mapping[str, Any]] = "spec",
        *,
        request: Optional[str] = None,
        id: Optional[str] = None,
    ) -> Workflow:
        """Creates a workflow in its model's initial phase; `model` is a built-in name
        (`spec`, `pipeline`, `flow`), the name of a config.yaml phase model, or a custom
        phase model dict."""
        model_arg = model if isinstance(model, str) else dict(model)
        args = _args(project_id=project_id, feature=feature, model=model_arg, request=request, id=id)
        return Workflow.from_dict(self._call("workflows.create", args))

    def get(self, id: str) -> Workflow:
        """The workflow with this id."""
        return Workflow.from_dict(self._call("workflows.get", {"id": id}))

    def list(self, project_id: str) -> List[Workflow]:
        """Every workflow of a project, oldest first."""
        return [Workflow.from_dict(w) for w in self._call("workflows.list", {"project_id": project_id})]

    def advance(self, id: str, to: str, actor: str, *, expected_from: Optional[str] = None) -> Workflow:
        """Moves the workflow to phase `to` if the model allows it and its gate is approved;
        `expected_from` makes it a compare-and-swap on the current phase.

        The workflow must be active (not paused, completed or failed) and `to` a phase
        the model lets its current phase move to: ConflictError (with `from_state`,
        `to_state`) otherwise, also when the transition needs approval and its gate is
        not approved yet."""
        args = _args(id=id, to=to, actor=actor, expected_from=expected_from)
        return Workflow.from_dict(self._call("workflows.advance", args))

    def vote(self, id: str, to: str, voter: str, approve: bool, comment: Optional[str] = None) -> Gate:
        """Casts `voter`'s vote on the gate to phase `to`; returns the gate after the vote.
        The workflow must be active and the transition need approval in its model; the
        voter must be eligible under the gate's quorum and votes once per round (a second
        vote is a ConflictError); the quorum decides approved or rejected."""
        args = _args(id=id, to=to, voter=voter, approve=approve, comment=comment)
        return Gate.from_dict(self._call("workflows.vote", args))

    def gate(self, id: str, to: str) -> Gate:
        """The current state of the gate to phase `to`."""
        return Gate.from_dict(self._call("workflows.gate", {"id": id, "to": to}))

    def pause(self, id: str, actor: str) -> Workflow:
        """Pauses an active workflow."""
        return Workflow.from_dict(self._call("workflows.pause", {"id": id, "actor": actor}))

    def resume(self, id: str, actor: str) -> Workflow:
        """Resumes a paused workflow."""
        return Workflow.from_dict(self._call("workflows.resume", {"id": id, "actor": actor}))

    def fail(self, id: str, reason: str, actor: str) -> Workflow:
        """Marks the workflow failed with `reason`."""
        return Workflow.from_dict(self._call("workflows.fail", {"id": id, "reason": reason, "actor": actor}))

    def history(self, id: str) -> List[HistoryEntry]:
        """Every history row of the workflow, in commit order."""
        return [HistoryEntry.from_dict(h) for h in self._call("workflows.history", {"id": id})]

    def put_spec(self, id: str, kind: str, content: str, author: str) -> SpecDocument:
        """Adds a new version of the spec document `kind` (requirements, design, tasks...)."""
        args = {"id": id, "kind": kind, "content": content, "author": author}
        return SpecDocument.from_dict(self._call("workflows.put_spec", args))

    def spec(self, id: str, kind: str, version: Optional[int] = None) -> SpecDocument:
        """The spec document `kind`, latest version unless `version` is given."""
        return SpecDocument.from_dict(self._call("workflows.spec", _args(id=id, kind=kind, version=version)))

    def spec_versions(self, id: str, kind: str) -> List[SpecDocument]:
        """Every version of the spec document `kind`, oldest first."""
        return [SpecDocument.from_dict(d) for d in self._call("workflows.spec_versions", {"id": id, "kind": kind})]

    def delete(self, id: str) -> None:
        """Deletes a workflow and everything it owns (history, votes, spec documents,
        sessions, tasks, decisions, checkpoints), in one transaction. What the learning
        layer learned from it stays."""
        self._call("workflows.delete", {"id": id})


class Sessions(_Namespace):
    """Agent sessions and their timelines."""

    def spawn(
        self,
        project_id: str,
        name: str,
        *,
        id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        role: Optional[str] = None,
        strategy: Optional[str] = None,
        parent_session_id: Optional[str] = None,
        spawn_source: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        tasks: Optional[Sequence[str]] = None,
    ) -> Session:
        """Spawns a session (status `spawning`) of the project.

        `id`: your own id (`[a-z0-9_]`, at most 64), else one is generated (`ses_...`);
        `workflow_id`: the workflow it works for; `role`: free text (orchestrator,
        backend, ...); `strategy`: "simple" (default), "queue" or "dag";
        `parent_session_id`: the session that spawned it (same project);
        `spawn_source`: "ui", "session" or "api"; `env`: str to str, exported with the
        session (exports contain it); `metadata`: any JSON object; `tasks`: ids of tasks
        of the project linked to the session now (and queued, for the queue strategy)."""
        args = _args(
            project_id=project_id,
            name=name,
            id=id,
            workflow_id=workflow_id,
            role=role,
            strategy=strategy,
            parent_session_id=parent_session_id,
            spawn_source=spawn_source,
            env=None if env is None else dict(env),
            metadata=None if metadata is None else dict(metadata),
            tasks=_list("tasks", tasks),
        )
        return Session.from_dict(self._call("sessions.spawn", args))

    def get(self, id: str) -> Session:
        """The session with this id."""
        return Session.from_dict(self._call("sessions.get", {"id": id}))

    def list(
        self,
        *,
        project_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        parent_session_id: Optional[str] = None,
        status: Optional[str] = None,
    ) -> List[Session]:
        """Sessions matching every given field, oldest first."""
        args = _args(project_id=project_id, workflow_id=workflow_id, parent_session_id=parent_session_id, status=status)
        return [Session.from_dict(s) for s in self._call("sessions.list", args)]

    def children(self, id: str) -> List[Session]:
        """The sessions this one spawned."""
        return [Session.from_dict(s) for s in self._call("sessions.children", {"id": id})]

    def tree(self, id: str) -> SessionTree:
        """The session and, recursively, every session it spawned."""
        return SessionTree.from_dict(self._call("sessions.tree", {"id": id}))

    def transition(self, id: str, to: str, *, expected: Optional[str] = None, reason: Optional[str] = None) -> Session:
        """Moves the session to status `to` if the status machine allows it (ConflictError
        with `from_state`/`to_state` otherwise); `expected` makes it a compare-and-swap."""
        args = _args(id=id, to=to, expected=expected, reason=reason)
        return Session.from_dict(self._call("sessions.transition", args))

    def register(self, id: str) -> Session:
        """The agent has started: `spawning` -> `idle`."""
        return Session.from_dict(self._call("sessions.register", {"id": id}))

    def complete(self, id: str) -> Session:
        """Marks the session completed."""
        return Session.from_dict(self._call("sessions.complete", {"id": id}))

    def stop(self, id: str, reason: Optional[str] = None) -> Session:
        """Stops the session."""
        return Session.from_dict(self._call("sessions.stop", _args(id=id, reason=reason)))

    def fail(self, id: str, reason: str) -> Session:
        """Marks the session failed with `reason`."""
        return Session.from_dict(self._call("sessions.fail", {"id": id, "reason": reason}))

    def heartbeat(self, id: str) -> Session:
        """Records that the session is alive."""
        return Session.from_dict(self._call("sessions.heartbeat", {"id": id}))

    def append(
        self,
        id: str,
        type: str,
        message: str = "",
        *,
        task_id: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> TimelineEvent:
        """Appends an event to the session's timeline (durable when this returns).

        `type`: session_started, session_stopped, milestone, task_started,
        task_completed, task_failed, task_skipped, task_blocked, progress, needs_input,
        error, doc_added or prompt_received. The `task_*` types need `task_id` (a task of
        the session's project); `progress` needs `metadata["progress"]`, a number in
        [0, 1]; `metadata` is a JSON object. The session must not have ended (completed,
        failed or stopped): ConflictError otherwise. ValidationError names the offending
        field (`/event/metadata/progress`)."""
        meta = None if metadata is None else dict(metadata)
        event = _args(type=type, message=message, task_id=task_id, metadata=meta)
        return TimelineEvent.from_dict(self._call("sessions.append", {"id": id, "event": event}))

    def timeline(self, id: str) -> List[TimelineEvent]:
        """The session's whole timeline, in order."""
        return [TimelineEvent.from_dict(e) for e in self._call("sessions.timeline", {"id": id})]

    def tasks(self, id: str) -> List[SessionTask]:
        """The session's links to tasks, with their own statuses."""
        return [SessionTask.from_dict(t) for t in self._call("sessions.tasks", {"id": id})]

    def reap_stale(self, timeout_seconds: float) -> List[Session]:
        """Fails every live session silent for longer than `timeout_seconds`; returns them."""
        args = {"timeout_ms": int(timeout_seconds * 1000)}
        return [Session.from_dict(s) for s in self._call("sessions.reap_stale", args)]


class Tasks(_Namespace):
    """Tasks, dependencies, the ready set and claims."""

    def create(
        self,
        project_id: str,
        title: str,
        *,
        id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        parent_id: Optional[str] = None,
        description: Optional[str] = None,
        priority: Optional[str] = None,
        labels: Optional[Sequence[str]] = None,
        estimate: Optional[float] = None,
        depends_on: Optional[Sequence[str]] = None,
    ) -> Task:
        """Creates a task (status `todo`) of the project.

        `id`: your own id, else one is generated (`tsk_...`); `workflow_id`: its
        workflow; `parent_id`: the task it is a subtask of; `priority`: "low", "medium"
        (default), "high" or "critical" (higher is claimed first); `labels`: at most 64
        free labels (database, backend, ...); `estimate`: a finite number >= 0, in your
        unit; `depends_on`: ids of tasks of the same project that must be completed
        first (no cycles)."""
        args = _args(
            project_id=project_id,
            title=title,
            id=id,
            workflow_id=workflow_id,
            parent_id=parent_id,
            description=description,
            priority=priority,
            labels=_list("labels", labels),
            estimate=estimate,
            depends_on=_list("depends_on", depends_on),
        )
        return Task.from_dict(self._call("tasks.create", args))

    def get(self, id: str) -> Task:
        """The task with this id."""
        return Task.from_dict(self._call("tasks.get", {"id": id}))

    def list(self, project_id: str) -> List[Task]:
        """Every task of a project, oldest first."""
        return [Task.from_dict(t) for t in self._call("tasks.list", {"project_id": project_id})]

    def children(self, id: str) -> List[Task]:
        """The task's subtasks."""
        return [Task.from_dict(t) for t in self._call("tasks.children", {"id": id})]

    def add_dependency(self, id: str, depends_on: str) -> Task:
        """Makes `id` wait for `depends_on` (ValidationError naming the cycle if it would make one)."""
        return Task.from_dict(self._call("tasks.add_dependency", {"id": id, "depends_on": depends_on}))

    def remove_dependency(self, id: str, depends_on: str) -> Task:
        """Removes a dependency."""
        return Task.from_dict(self._call("tasks.remove_dependency", {"id": id, "depends_on": depends_on}))

    def transition(
        self, id: str, to: str, *, session_id: Optional[str] = None, expected: Optional[str] = None
    ) -> Task:
        """Moves the task to status `to` (todo, in_progress, in_review, blocked, completed,
        failed, cancelled) if the status machine allows it: ConflictError with
        `from_state`/`to_state` otherwise. `in_progress` needs its dependencies completed;
        `session_id` credits a session of the same project (it links the task to it);
        `expected` makes it a compare-and-swap on the current status."""
        args = _args(id=id, to=to, session_id=session_id, expected=expected)
        return Task.from_dict(self._call("tasks.transition", args))

    def complete(self, id: str, session_id: Optional[str] = None) -> Task:
        """Marks the task completed (by `session_id`, if given). From in_progress or
        in_review only (ConflictError otherwise); tasks that depended on it may become
        ready."""
        return Task.from_dict(self._call("tasks.complete", _args(id=id, session_id=session_id)))

    def fail(self, id: str, reason: str, session_id: Optional[str] = None) -> Task:
        """Marks the task failed with `reason`."""
        return Task.from_dict(self._call("tasks.fail", _args(id=id, reason=reason, session_id=session_id)))

    def ready(self, project_id: str) -> List[Task]:
        """Tasks whose dependencies are all completed and that nobody holds, best first."""
        return [Task.from_dict(t) for t in self._call("tasks.ready", {"project_id": project_id})]

    def topological_order(self, project_id: str) -> List[str]:
        """Every task id of the project in an order that respects dependencies."""
        return list(self._call("tasks.topological_order", {"project_id": project_id}))

    def layers(self, project_id: str) -> List[List[str]]:
        """Task ids in layers: each layer depends only on earlier ones."""
        return [list(layer) for layer in self._call("tasks.layers", {"project_id": project_id})]

    def claim(
        self, session_id: str, *, labels: Optional[Sequence[str]] = None, workflow_id: Optional[str] = None
    ) -> Optional[Task]:
        """Atomically takes the best ready task matching the filter for the session, or
        None. Across threads and processes each task is claimed exactly once.

        The session must be live (spawning, idle or working) and the task of its project;
        `labels`: a list of str (a bare str is a TypeError), every one of which the task
        must carry; `workflow_id` limits the claim to that workflow's tasks."""
        f = _args(labels=_list("labels", labels), workflow_id=workflow_id)
        t = self._call("tasks.claim", {"session_id": session_id, "filter": f})
        return None if t is None else Task.from_dict(t)

    def sessions(self, id: str) -> List[SessionTask]:
        """The sessions linked to the task."""
        return [SessionTask.from_dict(s) for s in self._call("tasks.sessions", {"id": id})]


class Queues(_Namespace):
    """Per-session queues."""

    def enqueue(self, session_id: str, task_id: str) -> QueueItem:
        """Appends a task to the session's queue."""
        return QueueItem.from_dict(self._call("queues.enqueue", {"session_id": session_id, "task_id": task_id}))

    def list(self, session_id: str) -> List[QueueItem]:
        """The session's queue, in order."""
        return [QueueItem.from_dict(i) for i in self._call("queues.list", {"session_id": session_id})]

    def next(self, session_id: str) -> Optional[QueueItem]:
        """Starts the first pending item whose task is ready, or None."""
        i = self._call("queues.next", {"session_id": session_id})
        return None if i is None else QueueItem.from_dict(i)

    def complete(self, session_id: str) -> QueueItem:
        """Completes the item in progress."""
        return QueueItem.from_dict(self._call("queues.complete", {"session_id": session_id}))

    def fail(self, session_id: str, reason: str) -> QueueItem:
        """Fails the item in progress."""
        return QueueItem.from_dict(self._call("queues.fail", {"session_id": session_id, "reason": reason}))

    def skip(self, session_id: str, item_id: str) -> QueueItem:
        """Skips a pending item."""
        return QueueItem.from_dict(self._call("queues.skip", {"session_id": session_id, "item_id": item_id}))


class Threads(_Namespace):
    """Agent threads: LangGraph-style checkpoints and pending writes, per thread and
    namespace (see `maestro.langgraph.MaestroSaver` for LangGraph itself)."""

    def put(
        self,
        project_id: str,
        thread_id: str,
        checkpoint_id: str,
        checkpoint: Blob,
        metadata: Mapping[str, Any],
        *,
        checkpoint_ns: str = "",
        parent_id: Optional[str] = None,
    ) -> ThreadCheckpoint:
        """Stores a checkpoint of (thread, namespace), replacing one with the same id (its
        pending writes stay); the thread is created by its first put. `metadata` must be a
        dict of JSON values (its `run_id` names the run, for `delete_runs`). Ids are text
        of 1 to 256 bytes; the blob is at most 32 MiB. Answers the checkpoint without its
        blob (`checkpoint` is None)."""
        return ThreadCheckpoint.from_dict(
            self._call(
                "threads.put",
                {
                    "project_id": project_id,
                    "thread_id": thread_id,
                    "checkpoint_ns": checkpoint_ns,
                    "checkpoint_id": checkpoint_id,
                    "parent_id": parent_id,
                    "checkpoint": checkpoint.to_dict(),
                    "metadata": metadata,
                },
            )
        )

    def put_writes(
        self,
        project_id: str,
        thread_id: str,
        checkpoint_id: str,
        task_id: str,
        writes: Sequence[Tuple[int, str, Blob]],
        *,
        checkpoint_ns: str = "",
        task_path: str = "",
    ) -> int:
        """Stores the pending writes `(idx, channel, value)` of one task for a checkpoint.
        A write whose (task_id, idx) is already stored is ignored when idx >= 0 and
        replaces it when idx < 0 (LangGraph's special channels). Answers how many writes
        were given."""
        return int(
            self._call(
                "threads.put_writes",
                {
                    "project_id": project_id,
                    "thread_id": thread_id,
                    "checkpoint_ns": checkpoint_ns,
                    "checkpoint_id": checkpoint_id,
                    "task_id": task_id,
                    "task_path": task_path,
                    "writes": [{"idx": i, "channel": c, "value": v.to_dict()} for i, c, v in writes],
                },
            )
        )

    def get(
        self, project_id: str, thread_id: str, *, checkpoint_ns: str = "", checkpoint_id: Optional[str] = None
    ) -> Optional[ThreadCheckpoint]:
        """The checkpoint `checkpoint_id` of (thread, namespace), or its latest (greatest
        id) when None, with its blob and pending writes; None when there is none."""
        d = self._call(
            "threads.get",
            _args(project_id=project_id, thread_id=thread_id, checkpoint_ns=checkpoint_ns, checkpoint_id=checkpoint_id),
        )
        return None if d is None else ThreadCheckpoint.from_dict(d)

    def list(
        self,
        project_id: str,
        *,
        thread_id: Optional[str] = None,
        checkpoint_ns: Optional[str] = None,
        checkpoint_id: Optional[str] = None,
        before: Optional[str] = None,
        filter: Optional[Mapping[str, Any]] = None,
        limit: Optional[int] = None,
    ) -> List[ThreadCheckpoint]:
        """The project's checkpoints, newest (greatest id) first, with blobs and pending
        writes: of one thread or every thread, one namespace or every namespace, before a
        checkpoint id, whose metadata has each key of `filter` with an equal value."""
        found = self._call(
            "threads.list",
            _args(
                project_id=project_id,
                thread_id=thread_id,
                checkpoint_ns=checkpoint_ns,
                checkpoint_id=checkpoint_id,
                before=before,
                filter=None if filter is None else dict(filter),
                limit=limit,
            ),
        )
        return [ThreadCheckpoint.from_dict(c) for c in found]

    def delete(self, project_id: str, thread_id: str) -> int:
        """Deletes the thread, every namespace; answers how many checkpoints went (0 for an
        unknown thread)."""
        return int(self._call("threads.delete", {"project_id": project_id, "thread_id": thread_id}))

    def delete_runs(self, project_id: str, run_ids: Sequence[str]) -> int:
        """Deletes every checkpoint (with its writes) whose metadata `run_id` is one of
        `run_ids`, across the project's threads; answers how many."""
        return int(self._call("threads.delete_runs", {"project_id": project_id, "run_ids": _list("run_ids", run_ids)}))

    def copy(self, project_id: str, source_thread_id: str, target_thread_id: str) -> int:
        """Copies every checkpoint and write of the source thread (same ids, every
        namespace) to the target; answers how many checkpoints (0 for an unknown source)."""
        return int(
            self._call(
                "threads.copy",
                {"project_id": project_id, "source_thread_id": source_thread_id, "target_thread_id": target_thread_id},
            )
        )

    def prune(self, project_id: str, thread_ids: Sequence[str], strategy: str = "keep_latest") -> int:
        """`keep_latest` keeps the latest checkpoint of each namespace (with its writes);
        `delete` deletes the threads. Answers how many checkpoints went."""
        return int(
            self._call(
                "threads.prune", {"project_id": project_id, "thread_ids": _list("thread_ids", thread_ids), "strategy": strategy}
            )
        )

    def link(
        self, project_id: str, thread_id: str, *, session_id: Optional[str] = None, workflow_id: Optional[str] = None
    ) -> Thread:
        """Links the thread (created if new) to a session and workflow of its project (a
        None clears the link; the workflow defaults to the session's). The session's
        timeline then shows each new checkpoint."""
        return Thread.from_dict(
            self._call(
                "threads.link",
                {"project_id": project_id, "thread_id": thread_id, "session_id": session_id, "workflow_id": workflow_id},
            )
        )

    def get_thread(self, project_id: str, thread_id: str) -> Thread:
        """The thread (NotFoundError when it was never put or linked)."""
        return Thread.from_dict(self._call("threads.get_thread", {"project_id": project_id, "thread_id": thread_id}))

    def list_threads(self, project_id: str) -> List[Thread]:
        """Every thread of the project, by thread id."""
        return [Thread.from_dict(t) for t in self._call("threads.list_threads", {"project_id": project_id})]


class Checkpoints(_Namespace):
    """Git-backed checkpoints and rollback."""

    def create(
        self,
        workflow_id: str,
        message: str,
        type: str = "manual",
        *,
        session_id: Optional[str] = None,
        description: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
    ) -> Checkpoint:
        """Commits the project's work tree (if it has one) and snapshots the workflow's state."""
        args = _args(
            workflow_id=workflow_id,
            message=message,
            type=type,
            session_id=session_id,
            description=description,
            tags=_list("tags", tags),
        )
        return Checkpoint.from_dict(self._call("checkpoints.create", args))

    def get(self, id: str) -> Checkpoint:
        """The checkpoint with this id."""
        return Checkpoint.from_dict(self._call("checkpoints.get", {"id": id}))

    def list(self, workflow_id: str) -> List[Checkpoint]:
        """The workflow's checkpoints, oldest first."""
        return [Checkpoint.from_dict(c) for c in self._call("checkpoints.list", {"workflow_id": workflow_id})]

    def verify(self, workflow_id: str) -> List[Checkpoint]:
        """Marks checkpoints whose commit is gone as invalid; returns those."""
        return [Checkpoint.from_dict(c) for c in self._call("checkpoints.verify", {"workflow_id": workflow_id})]

    def diff(self, from_id: str, to_id: str) -> CheckpointDiff:
        """The files that differ between two checkpoints."""
        return CheckpointDiff.from_dict(self._call("checkpoints.diff", {"from": from_id, "to": to_id}))

    def rollback(self, id: str, mode: str, restore_state: bool = True) -> RollbackOutcome:
        """Rolls the work tree back (`mode` "mixed" or "hard"), keeping the undone work under
        a safety ref, and (by default) restores the workflow's task and session state."""
        args = {"id": id, "mode": mode, "restore_state": restore_state}
        return RollbackOutcome.from_dict(self._call("checkpoints.rollback", args))


class Decisions(_Namespace):
    """The decision log: decisions, outcomes, search and replay."""

    def record(
        self,
        workflow_id: str,
        category: str,
        decision: str,
        rationale: str,
        *,
        session_id: Optional[str] = None,
        task_id: Optional[str] = None,
        alternatives_considered: Optional[Sequence[Mapping[str, str]]] = None,
        context: Optional[Mapping[str, Any]] = None,
        impact: Optional[Mapping[str, str]] = None,
        subject: Optional[Mapping[str, str]] = None,
        parent_decision_id: Optional[str] = None,
        related: Optional[Sequence[str]] = None,
    ) -> Decision:
        """Records a decision of the workflow, in its current phase.

        `category`: a built-in one (tech_stack, architecture, task_ordering,
        error_recovery, subagent_delegation, validation, checkpoint) or one
        registered for the project; `session_id`, `task_id`: who made it and for what
        (same project); `alternatives_considered`: `{"option", "reason_rejected"}` each;
        `context`: `{"sources": [...], "confidence": "low" | "medium" | "high"}`;
        `impact`: `{"scope", "risk_level", "reversibility"}`; `subject`: `{"category",
        "technology", "pattern"}`, what the learning layer counts; `parent_decision_id`,
        `related`: ids of other decisions."""
        args = _args(
            workflow_id=workflow_id,
            category=category,
            decision=decision,
            rationale=rationale,
            session_id=session_id,
            task_id=task_id,
            alternatives_considered=None
            if alternatives_considered is None
            else [dict(a) for a in alternatives_considered],
            context=None if context is None else dict(context),
            impact=None if impact is None else dict(impact),
            subject=None if subject is None else dict(subject),
            parent_decision_id=parent_decision_id,
            related=_list("related", related),
        )
        return Decision.from_dict(self._call("decisions.record", args))

    def get(self, id: str) -> Decision:
        """The decision with this id, with every outcome revision."""
        return Decision.from_dict(self._call("decisions.get", {"id": id}))

    def list(self, *, limit: Optional[int] = None, **filter: Any) -> List[Decision]:
        """Decisions matching `filter` (project_id, workflow_id, category, subject_category,
        technology, pattern, outcome), oldest first, at most `limit` (default 1,000)."""
        args = _args(filter=filter, limit=limit)
        return [Decision.from_dict(d) for d in self._call("decisions.list", args)]

    def search(self, text: str, *, limit: Optional[int] = None, **filter: Any) -> List[Decision]:
        """Full-text search: decisions containing every word of `text`, best first, at most
        `limit` (default 1,000)."""
        args = _args(text=text, filter=filter, limit=limit)
        return [Decision.from_dict(d) for d in self._call("decisions.search", args)]

    def record_outcome(
        self,
        id: str,
        status: str,
        *,
        issues: Sequence[str] = (),
        would_choose_again: Optional[bool] = None,
        notes: Optional[str] = None,
    ) -> Decision:
        """Adds an outcome revision (the last one is current); earlier revisions are kept."""
        outcome = _args(status=status, issues=_list("issues", issues), would_choose_again=would_choose_again, notes=notes)
        return Decision.from_dict(self._call("decisions.record_outcome", {"id": id, "outcome": outcome}))

    def register_category(self, project_id: str, name: str, description: str) -> CategoryDef:
        """Registers a decision category for the project beyond the built-ins."""
        args = {"project_id": project_id, "name": name, "description": description}
        return CategoryDef.from_dict(self._call("decisions.register_category", args))

    def categories(self, project_id: str) -> List[CategoryDef]:
        """The categories registered for the project."""
        return [CategoryDef.from_dict(c) for c in self._call("decisions.categories", {"project_id": project_id})]

    def replay(self, workflow_id: str) -> List[Event]:
        """The workflow's story: its events and its sessions' timelines, in commit order."""
        return [Event.from_dict(e) for e in self._call("decisions.replay", {"workflow_id": workflow_id})]


def _thresholds(thresholds: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    return None if thresholds is None else dict(thresholds)


def _floats(name: str, values: Optional[Iterable[float]]) -> Optional[List[float]]:
    """An embedding as a list of floats (numpy arrays and other sequences included)."""
    if values is None:
        return None
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of numbers, not a {type(values).__name__}")
    return [float(v) for v in values]


def _timestamp(value: Union[str, datetime.datetime, None]) -> Optional[str]:
    """An RFC 3339 time: a string as it is, a timezone-aware datetime in ISO format."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("the datetime must be timezone-aware (e.g. datetime.timezone.utc)")
    return value.isoformat()


class Learning(_Namespace):
    """The learning layer: recommendations, task-ordering rules, similar failures,
    estimate correction and the other learning records. `thresholds` arguments are dicts
    with any of min_usage_count, min_success_rate, avoid_failure_count,
    min_rule_confidence, min_rule_evidence and complexity_growth_alert; they override the
    handle's (`maestro.open(..., learning=...)`) for one call."""

    def recommend(
        self,
        decision_category: str,
        subject_category: Optional[str] = None,
        *,
        project_id: Optional[str] = None,
        thresholds: Optional[Mapping[str, Any]] = None,
    ) -> Recommendation:
        """What the history advises for `decision_category` and `subject_category` (None:
        decisions whose subject had no category), in one project or, without `project_id`,
        across every project. Preferred choices are ranked by the Wilson lower bound of
        their success rate; avoided ones have at least `avoid_failure_count` failures and
        more failures than successes."""
        args = _args(
            project_id=project_id,
            decision_category=decision_category,
            subject_category=subject_category,
            thresholds=_thresholds(thresholds),
        )
        return Recommendation.from_dict(self._call("learning.recommend", args))

    def stats(
        self,
        *,
        project_id: Optional[str] = None,
        decision_category: Optional[str] = None,
        subject_category: Optional[str] = None,
    ) -> List[ChoiceStat]:
        """Every aggregate matching the given fields ("" as `subject_category`: decisions
        whose subject had none), with all its issues, ordered by decision category, subject
        category, kind and name. Without a project the rows of every project are merged."""
        args = _args(project_id=project_id, decision_category=decision_category, subject_category=subject_category)
        return [ChoiceStat.from_dict(c) for c in self._call("learning.stats", args)]

    def ordering_rules(
        self, *, project_id: Optional[str] = None, thresholds: Optional[Mapping[str, Any]] = None
    ) -> OrderingRules:
        """The task-ordering rules and anti-patterns of a project (of every project without
        `project_id`) under the thresholds (min_rule_evidence, min_rule_confidence)."""
        args = _args(project_id=project_id, thresholds=_thresholds(thresholds))
        return OrderingRules.from_dict(self._call("learning.ordering_rules", args))

    def suggest_order(
        self,
        tasks: Iterable[Mapping[str, Any]],
        *,
        project_id: Optional[str] = None,
        thresholds: Optional[Mapping[str, Any]] = None,
    ) -> SuggestedOrder:
        """An order for `tasks` (dicts with `key` and optional `labels`, `depends_on` keys
        and `priority`) that always respects their dependencies and uses the learned rules
        of the project (every project without `project_id`) to break ties. Unknown keys,
        self-dependencies and cycles raise ValidationError naming the task."""
        args = _args(project_id=project_id, tasks=[dict(t) for t in tasks], thresholds=_thresholds(thresholds))
        return SuggestedOrder.from_dict(self._call("learning.suggest_order", args))

    def orderings(self, project_id: str) -> List[WorkflowOrdering]:
        """The task orders of a project's ended workflows, oldest first (kept after the
        workflows are deleted)."""
        return [WorkflowOrdering.from_dict(o) for o in self._call("learning.orderings", {"project_id": project_id})]

    def record_failure(
        self,
        project_id: str,
        feature: str,
        approach: str,
        why_failed: str,
        lesson: str,
        *,
        workflow_id: Optional[str] = None,
        related_decision: Optional[str] = None,
        tags: Sequence[str] = (),
        embedding: Optional[Iterable[float]] = None,
    ) -> Failure:
        """Records a failure and its lesson, indexes its text and keeps its `embedding`
        (computed by the caller; every embedding of a store has the dimension of the first
        one stored). Returns it with its embedding."""
        args = _args(
            project_id=project_id,
            feature=feature,
            approach=approach,
            why_failed=why_failed,
            lesson=lesson,
            workflow_id=workflow_id,
            related_decision=related_decision,
            tags=_list("tags", tags),
            embedding=_floats("embedding", embedding),
        )
        return Failure.from_dict(self._call("learning.record_failure", args))

    def failure(self, id: str) -> Failure:
        """A failure by id, without its embedding."""
        return Failure.from_dict(self._call("learning.failure", {"id": id}))

    def failures(self, *, project_id: Optional[str] = None, limit: Optional[int] = None) -> List[Failure]:
        """A project's failures (every project's without `project_id`), oldest first,
        without embeddings, at most `limit` (default 1,000)."""
        return [Failure.from_dict(f) for f in self._call("learning.failures", _args(project_id=project_id, limit=limit))]

    def similar_failures(
        self,
        text: Optional[str] = None,
        *,
        embedding: Optional[Iterable[float]] = None,
        project_id: Optional[str] = None,
        k: Optional[int] = None,
    ) -> List[SimilarFailure]:
        """The `k` (default 5) recorded failures closest to `text` (BM25 over failures
        containing any of its words), to `embedding` (cosine similarity), or to both
        (fused by reciprocal rank), in one project or every project. Give text, an
        embedding, or both."""
        args = _args(text=text, embedding=_floats("embedding", embedding), project_id=project_id, k=k)
        return [SimilarFailure.from_dict(f) for f in self._call("learning.similar_failures", args)]

    def record_estimate(
        self,
        project_id: str,
        feature: str,
        estimated: float,
        complexity: float,
        *,
        workflow_id: Optional[str] = None,
        unit: Optional[str] = None,
        actual: Optional[float] = None,
        files_created: Optional[int] = None,
        files_modified: Optional[int] = None,
        notes: Optional[str] = None,
    ) -> Estimate:
        """Records an estimate (`complexity` 1 to 10), with its actual effort if known.
        `estimated` and `actual` are finite numbers >= 0 (NaN or infinity is a
        ValidationError at `/estimated` or `/actual`); `files_created` and
        `files_modified` are counts >= 0."""
        args = _args(
            project_id=project_id,
            feature=feature,
            estimated=estimated,
            complexity=complexity,
            workflow_id=workflow_id,
            unit=unit,
            actual=actual,
            files_created=files_created,
            files_modified=files_modified,
            notes=notes,
        )
        return Estimate.from_dict(self._call("learning.record_estimate", args))

    def record_actual(self, id: str, actual: float) -> Estimate:
        """Records (or corrects) the actual effort of an estimate."""
        return Estimate.from_dict(self._call("learning.record_actual", {"id": id, "actual": actual}))

    def estimates(self, *, project_id: Optional[str] = None, limit: Optional[int] = None) -> List[Estimate]:
        """A project's estimates (every project's without `project_id`), oldest first, at
        most `limit` (default 1,000)."""
        args = _args(project_id=project_id, limit=limit)
        return [Estimate.from_dict(e) for e in self._call("learning.estimates", args)]

    def correction_factor(
        self,
        *,
        project_id: Optional[str] = None,
        window_days: Optional[float] = None,
        complexity_min: Optional[float] = None,
        complexity_max: Optional[float] = None,
    ) -> CorrectionFactor:
        """The median actual / estimated over the estimates of the last `window_days`
        (default 90) with a complexity from `complexity_min` to `complexity_max` (default 1
        to 10) and an actual, in one project or every project; 1 without history."""
        args = _args(
            project_id=project_id,
            window_days=window_days,
            complexity_min=complexity_min,
            complexity_max=complexity_max,
        )
        return CorrectionFactor.from_dict(self._call("learning.correction_factor", args))

    def corrected_estimate(
        self, raw: float, complexity: float, *, project_id: Optional[str] = None
    ) -> CorrectedEstimate:
        """`raw` corrected by the history of the last 365 days: by the estimates of a
        complexity within 1 of `complexity` when there are at least 3, else by all of them,
        else left as is."""
        args = _args(raw=raw, complexity=complexity, project_id=project_id)
        return CorrectedEstimate.from_dict(self._call("learning.corrected_estimate", args))

    def record_retrospective(
        self,
        project_id: str,
        feature: str,
        *,
        workflow_id: Optional[str] = None,
        surprises: Optional[str] = None,
        would_change: Optional[str] = None,
        new_patterns: Optional[Sequence[str]] = None,
        spike_accuracy: Optional[float] = None,
    ) -> Retrospective:
        """Records what a finished feature taught (`spike_accuracy` in [0, 1])."""
        args = _args(
            project_id=project_id,
            feature=feature,
            workflow_id=workflow_id,
            surprises=surprises,
            would_change=would_change,
            new_patterns=_list("new_patterns", new_patterns),
            spike_accuracy=spike_accuracy,
        )
        return Retrospective.from_dict(self._call("learning.record_retrospective", args))

    def retrospectives(self, project_id: str, feature: Optional[str] = None) -> List[Retrospective]:
        """A project's retrospectives, of one feature when given, oldest first."""
        args = _args(project_id=project_id, feature=feature)
        return [Retrospective.from_dict(r) for r in self._call("learning.retrospectives", args)]

    def record_spike(
        self,
        project_id: str,
        feature: str,
        question: str,
        approach: str,
        result: str,
        viable: bool,
        *,
        workflow_id: Optional[str] = None,
        lessons: Optional[str] = None,
        time_spent_minutes: Optional[int] = None,
    ) -> Spike:
        """Records what a feasibility experiment found."""
        args = _args(
            project_id=project_id,
            feature=feature,
            question=question,
            approach=approach,
            result=result,
            viable=viable,
            workflow_id=workflow_id,
            lessons=lessons,
            time_spent_minutes=time_spent_minutes,
        )
        return Spike.from_dict(self._call("learning.record_spike", args))

    def spikes(self, project_id: str, feature: Optional[str] = None) -> List[Spike]:
        """A project's spikes, of one feature when given, oldest first."""
        return [Spike.from_dict(s) for s in self._call("learning.spikes", _args(project_id=project_id, feature=feature))]

    def log_agent(
        self,
        project_id: str,
        agent: str,
        phase: str,
        action: str,
        duration_ms: float,
        success: bool,
        *,
        workflow_id: Optional[str] = None,
        session_id: Optional[str] = None,
        error: Optional[str] = None,
    ) -> AgentLog:
        """Records what an agent did, how long it took (milliseconds) and whether it worked."""
        args = _args(
            project_id=project_id,
            agent=agent,
            phase=phase,
            action=action,
            duration_ms=duration_ms,
            success=success,
            workflow_id=workflow_id,
            session_id=session_id,
            error=error,
        )
        return AgentLog.from_dict(self._call("learning.log_agent", args))

    def agent_stats(
        self, *, project_id: Optional[str] = None, since: Union[str, datetime.datetime, None] = None
    ) -> List[AgentStats]:
        """Per-agent statistics over the logs of a project (every project without
        `project_id`) since `since` (an RFC 3339 string or a timezone-aware datetime; all
        when None): count, mean, p95 and longest duration, failure rate. Slowest first."""
        args = _args(project_id=project_id, since=_timestamp(since))
        return [AgentStats.from_dict(a) for a in self._call("learning.agent_stats", args)]

    def agent_logs(self, project_id: str, agent: Optional[str] = None) -> List[AgentLog]:
        """A project's agent logs, of one agent when given, oldest first (at most 10,000)."""
        args = _args(project_id=project_id, agent=agent)
        return [AgentLog.from_dict(a) for a in self._call("learning.agent_logs", args)]

    def record_complexity(
        self,
        project_id: str,
        file: str,
        complexity: float,
        *,
        workflow_id: Optional[str] = None,
        lines: Optional[int] = None,
    ) -> ComplexitySnapshot:
        """Records a file's complexity (any non-negative measure) and, optionally, its lines."""
        args = _args(project_id=project_id, file=file, complexity=complexity, workflow_id=workflow_id, lines=lines)
        return ComplexitySnapshot.from_dict(self._call("learning.record_complexity", args))

    def complexity_trends(
        self,
        project_id: str,
        file: Optional[str] = None,
        *,
        window: Optional[int] = None,
        thresholds: Optional[Mapping[str, Any]] = None,
    ) -> List[ComplexityTrend]:
        """The complexity trend of each file of a project (or of one file) over its last
        `window` snapshots (default 10), with an alert when the last is at least
        complexity_growth_alert times the first. Alerts first."""
        args = _args(project_id=project_id, file=file, window=window, thresholds=_thresholds(thresholds))
        return [ComplexityTrend.from_dict(t) for t in self._call("learning.complexity_trends", args)]

    def record_pattern_usage(
        self,
        project_id: str,
        pattern: str,
        compliance: float,
        *,
        workflow_id: Optional[str] = None,
        file: Optional[str] = None,
        notes: Optional[str] = None,
    ) -> PatternUsage:
        """Records where a pattern was applied and how closely (`compliance` in [0, 1])."""
        args = _args(
            project_id=project_id, pattern=pattern, compliance=compliance, workflow_id=workflow_id, file=file, notes=notes
        )
        return PatternUsage.from_dict(self._call("learning.record_pattern_usage", args))

    def pattern_compliance(self, *, project_id: Optional[str] = None) -> List[PatternCompliance]:
        """Compliance per pattern in a project (every project without `project_id`):
        usages, mean and lowest compliance, usages below 0.5. Least followed first."""
        args = _args(project_id=project_id)
        return [PatternCompliance.from_dict(p) for p in self._call("learning.pattern_compliance", args)]

    def cache_docs(
        self, library: str, version: str, content: str, *, ttl_seconds: Optional[float] = None
    ) -> DocsEntry:
        """Caches `content` for `library` at `version`, replacing any earlier entry, for
        `ttl_seconds` (default 7 days). Expired entries are removed on the way."""
        args = _args(library=library, version=version, content=content, ttl_seconds=ttl_seconds)
        return DocsEntry.from_dict(self._call("learning.cache_docs", args))

    def cached_docs(self, library: str, version: str) -> Optional[DocsEntry]:
        """The cached documentation of `library` at `version`, or None when there is none
        or it expired."""
        d = self._call("learning.cached_docs", {"library": library, "version": version})
        return None if d is None else DocsEntry.from_dict(d)

    def history(self, project_id: str) -> History:
        """The historical documents of a project (tech-stack, architecture and
        task-ordering), validated against their schemas."""
        return History.from_dict(self._call("learning.history", {"project_id": project_id}))


class Reports(_Namespace):
    """Markdown reports rendered from stored state."""

    def execution_log(self, workflow_id: str) -> str:
        """The workflow's execution log (markdown)."""
        return str(self._call("reports.execution_log", {"workflow_id": workflow_id}))

    def final_report(self, workflow_id: str) -> str:
        """The workflow's final report (markdown, with a Mermaid gantt)."""
        return str(self._call("reports.final_report", {"workflow_id": workflow_id}))

    def decisions_md(self, project_id: str) -> str:
        """The project's decisions as ADR-like markdown."""
        return str(self._call("reports.decisions_md", {"project_id": project_id}))

    def failures_md(self, project_id: str) -> str:
        """FAILURES.md of the project: every failure, why it failed and its lesson."""
        return str(self._call("reports.failures_md", {"project_id": project_id}))

    def estimates_md(self, project_id: str) -> str:
        """ESTIMATES.md of the project: estimated against actual effort, correction factor."""
        return str(self._call("reports.estimates_md", {"project_id": project_id}))

    def patterns_md(self, project_id: str) -> str:
        """PATTERNS.md of the project: pattern usage and compliance."""
        return str(self._call("reports.patterns_md", {"project_id": project_id}))


class Subscription:
    """Events committed through one handle from the moment of subscribing, in commit
    order. Iterating waits up to `timeout` seconds for each event (forever if None) and
    stops when none arrives in time. Usable from any thread; close it when done."""

    def __init__(self, native: Any, timeout: Optional[float]) -> None:
        self._native = native
        self._timeout = timeout

    def next(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, waiting up to `timeout` seconds; None on timeout."""
        e = self._native.next(timeout)
        return None if e is None else Event.from_dict(e)

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        e = self.next(self._timeout)
        if e is None:
            raise StopIteration
        return e

    def close(self) -> None:
        """Stops the subscription."""
        self._native.close()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Events(_Namespace):
    """The change feed."""

    __slots__ = ("_subscribe",)

    def __init__(self, call: Call, subscribe: Callable[[Optional[Dict[str, Any]]], Any]) -> None:
        super().__init__(call)
        self._subscribe = subscribe

    def since(self, seq: int = 0, *, limit: Optional[int] = None, **filter: Any) -> List[Event]:
        """Events after `seq` matching `filter` (entities, types, project_id, workflow_id,
        entity_id, session_id), in commit order, at most `limit` (default 1,000). Sees
        every process."""
        args = _args(seq=seq, filter=filter, limit=limit)
        return [Event.from_dict(e) for e in self._call("events.since", args, True)]

    def iter_since(self, seq: int = 0, *, page: int = 1000, **filter: Any) -> Iterator[Event]:
        """Every event after `seq` matching `filter` (as for `since`), in commit order,
        read `page` at a time (at most 100,000): past the 1,000 a single `since` returns,
        without holding them all in memory. It stops at the events committed when it
        reaches the end; below the horizon it raises PrunedError."""
        after = seq
        while True:
            batch = self.since(after, limit=page, **filter)
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].seq

    def latest_seq(self) -> int:
        """The highest committed feed position (0 when empty)."""
        return int(self._call("events.latest_seq", {}))

    def horizon(self) -> int:
        """The feed horizon: every event after this seq is retained (0 when nothing was
        ever pruned). `since` and `state_at` below it raise PrunedError."""
        return int(self._call("events.horizon", {}))

    def state_at(self, entity: str, id: str, seq: int) -> Optional[Dict[str, Any]]:
        """The entity's state as of feed position `seq`, or None if it did not exist then
        (or retention removed it). Below the horizon raises PrunedError."""
        v = self._call("events.state_at", {"entity": entity, "id": id, "seq": seq})
        return None if v is None else dict(v)

    def subscribe(self, *, timeout: Optional[float] = None, **filter: Any) -> Subscription:
        """Pushes events committed from now on (on SQLite, through this handle; on
        PostgreSQL, by every handle, process and host); see `Subscription`."""
        return Subscription(self._subscribe(filter or None), timeout)


Operation = Union[Tuple[str, Mapping[str, Any]], Mapping[str, Any]]


class Store(_Namespace):
    """Whole-store operations: batches, backup, export/import, retention, integrity."""

    def batch(self, operations: Iterable[Operation]) -> List[Any]:
        """Runs operations as one transaction, all or nothing. Each is `(op, args)` such as
        `("tasks.create", {"project_id": p, "title": "DB"})` or a dict `{"op", "input"}`;
        returns their results as dicts, in order."""
        ops = [
            {"op": o[0], "input": dict(o[1])} if isinstance(o, tuple) else dict(o)
            for o in operations
        ]
        return list(self._call("store.batch", {"operations": ops}))

    def backup(self, path: str) -> None:
        """Writes a consistent copy of the whole store to `path`, a new file: a SQLite
        database file, or for a PostgreSQL store a `pg_dump --format=custom` archive."""
        self._call("store.backup", {"path": str(path)})

    def export(self, dir: str) -> int:
        """Exports every project to `dir` (absent or empty) as JSON and markdown; returns
        the number of files."""
        return int(self._call("store.export", {"dir": str(dir)}))

    def import_(self, dir: str) -> ImportSummary:
        """Imports an export, or a pruned workflow's archive (a directory or a .tar.gz
        file), all or nothing (`import` is a Python keyword)."""
        return ImportSummary.from_dict(self._call("store.import", {"dir": str(dir)}))

    def export_workflow(self, workflow_id: str, dir: str) -> int:
        """Exports one workflow as retention archives it (to `dir`, absent or empty);
        returns the number of files."""
        return int(self._call("store.export_workflow", {"workflow_id": workflow_id, "dir": str(dir)}))

    def prune(self, policy: Optional[Mapping[str, Any]] = None, *, dry_run: bool = False) -> PruneReport:
        """Applies the retention policy: the config's `retention` section, with the keys of
        `policy` (sessions_days, events_days, agent_logs_days, docs_cache_days,
        keep_checkpoints, keep_thread_checkpoints, safety_refs_days, compress_archives,
        archive_dir) replacing its
        values for this call; reports what it removed.
        With `dry_run`, reports exactly what it would remove and archive, writing nothing.
        Ended workflows are archived first; learning is never pruned; below the new feed
        horizon `events.since` raises PrunedError."""
        args = _args(policy=None if policy is None else dict(policy), dry_run=dry_run)
        return PruneReport.from_dict(self._call("store.prune", args))

    def config(self) -> Dict[str, Any]:
        """The configuration this handle runs with (its config.yaml merged with the open
        options), as a dict."""
        return dict(self._call("store.config", {}))

    def check_integrity(self) -> None:
        """Runs SQLite's integrity check; raises StorageError if it finds a problem."""
        self._call("store.check_integrity", {})


__all__ = [
    "Projects",
    "Workflows",
    "Sessions",
    "Tasks",
    "Queues",
    "Checkpoints",
    "Decisions",
    "Learning",
    "Reports",
    "Events",
    "Subscription",
    "Store",
]

