"""One class per area of the API. Each method is one atomic operation of the Rust API
(`maestro_core`), called through the native module with its arguments checked against
`schemas/api/operations.schema.json`; the interpreter is released while it runs."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .types import (
    CategoryDef,
    Checkpoint,
    CheckpointDiff,
    Decision,
    Event,
    Gate,
    HistoryEntry,
    ImportSummary,
    Project,
    QueueItem,
    RollbackOutcome,
    Session,
    SessionTask,
    SessionTree,
    SpecDocument,
    SteeringDocument,
    Task,
    TimelineEvent,
    Workflow,
)

Call = Callable[[str, Dict[str, Any]], Any]


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
        (`spec`, `pipeline`, `flow`) or a custom phase model dict."""
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
        `expected_from` makes it a compare-and-swap on the current phase."""
        args = _args(id=id, to=to, actor=actor, expected_from=expected_from)
        return Workflow.from_dict(self._call("workflows.advance", args))

    def vote(self, id: str, to: str, voter: str, approve: bool, comment: Optional[str] = None) -> Gate:
        """Casts `voter`'s vote on the gate to phase `to`; returns the gate after the vote."""
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


class Sessions(_Namespace):
    """Agent sessions and their timelines."""

    def spawn(self, project_id: str, name: str, **fields: Any) -> Session:
        """Spawns a session (status `spawning`). Other fields: id, workflow_id, role,
        strategy, parent_session_id, spawn_source, env, metadata, tasks."""
        return Session.from_dict(self._call("sessions.spawn", _args(project_id=project_id, name=name, **fields)))

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
        """Appends an event to the session's timeline (durable when this returns)."""
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

    def create(self, project_id: str, title: str, **fields: Any) -> Task:
        """Creates a task (status `todo`). Other fields: id, workflow_id, parent_id,
        description, priority, labels, estimate, depends_on."""
        return Task.from_dict(self._call("tasks.create", _args(project_id=project_id, title=title, **fields)))

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
        """Moves the task to status `to` if allowed (ConflictError otherwise)."""
        args = _args(id=id, to=to, session_id=session_id, expected=expected)
        return Task.from_dict(self._call("tasks.transition", args))

    def complete(self, id: str, session_id: Optional[str] = None) -> Task:
        """Marks the task completed (by `session_id`, if given)."""
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
        None. Across threads and processes each task is claimed exactly once."""
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

    def record(self, workflow_id: str, category: str, decision: str, rationale: str, **fields: Any) -> Decision:
        """Records a decision. Other fields: session_id, task_id, alternatives_considered,
        context, impact, subject, parent_decision_id, related."""
        args = _args(workflow_id=workflow_id, category=category, decision=decision, rationale=rationale, **fields)
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
        return [Event.from_dict(e) for e in self._call("events.since", args)]

    def latest_seq(self) -> int:
        """The highest committed feed position (0 when empty)."""
        return int(self._call("events.latest_seq", {}))

    def state_at(self, entity: str, id: str, seq: int) -> Optional[Dict[str, Any]]:
        """The entity's state as of feed position `seq`, or None if it did not exist then."""
        v = self._call("events.state_at", {"entity": entity, "id": id, "seq": seq})
        return None if v is None else dict(v)

    def subscribe(self, *, timeout: Optional[float] = None, **filter: Any) -> Subscription:
        """Pushes events committed through this handle from now on; see `Subscription`."""
        return Subscription(self._subscribe(filter or None), timeout)


Operation = Union[Tuple[str, Mapping[str, Any]], Mapping[str, Any]]


class Store(_Namespace):
    """Whole-store operations: batches, backup, export/import, integrity."""

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
        """Writes a consistent copy of the database to `path`."""
        self._call("store.backup", {"path": str(path)})

    def export(self, dir: str) -> int:
        """Exports every project to `dir` (absent or empty) as JSON and markdown; returns
        the number of files."""
        return int(self._call("store.export", {"dir": str(dir)}))

    def import_(self, dir: str) -> ImportSummary:
        """Imports an export, all or nothing (`import` is a Python keyword)."""
        return ImportSummary.from_dict(self._call("store.import", {"dir": str(dir)}))

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
    "Reports",
    "Events",
    "Subscription",
    "Store",
]

