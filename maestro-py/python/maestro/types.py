"""Typed results of the Maestro API, generated from the JSON Schemas in `schemas/`.

Every class is a frozen dataclass: attributes, `repr`, equality and `to_dict()`.
Enumerated values (statuses, priorities, types) are plain `str` values with the
names the schemas list, e.g. ``task.status == "todo"``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Optional, Type, TypeVar

T = TypeVar('T', bound='Record')

_FIELDS: Dict[type, FrozenSet[str]] = {}


class Record:
    """Base of every result class."""

    @classmethod
    def from_dict(cls: Type[T], d: Dict[str, Any]) -> T:
        """Builds the record from a dict as the API returns it; unknown keys are ignored."""
        names = _FIELDS.get(cls)
        if names is None:
            names = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        # The API always sends every required field; bypassing the frozen __init__
        # (one setattr per field) makes reading long lists several times cheaper.
        # Absent optional fields fall back to their class-level default, None.
        obj = object.__new__(cls)
        obj.__dict__.update({k: v for k, v in d.items() if k in names})
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The record as a dict of JSON values, without absent optional fields."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}  # type: ignore[call-overload]


@dataclass(frozen=True)
class Project(Record):
    """A project: the root every other entity belongs to. (`schemas/project.schema.json`)"""

    id: str
    name: str
    created_at: str
    updated_at: str
    version: int
    root: Optional[str] = None

@dataclass(frozen=True)
class SteeringDocument(Record):
    """One version of a project steering document. (`schemas/project.schema.json`)"""

    id: str
    project_id: str
    domain: str
    version: int
    content: str
    audiences: List[str]
    created_at: str

@dataclass(frozen=True)
class Workflow(Record):
    """One feature's run through the phases of a phase model. (`schemas/workflow.schema.json`)"""

    id: str
    project_id: str
    feature: str
    request: str
    model: Dict[str, Any]
    phase: str
    status: str
    epoch: int
    created_at: str
    updated_at: str
    version: int
    fail_reason: Optional[str] = None
    ended_at: Optional[str] = None

@dataclass(frozen=True)
class HistoryEntry(Record):
    """One row of a workflow's history. (`schemas/workflow.schema.json`)"""

    workflow_id: str
    kind: str
    phase: str
    status: str
    at: str
    actor: str
    details: Dict[str, Any]
    seq: Optional[int] = None

@dataclass(frozen=True)
class SpecDocument(Record):
    """One version of a spec document of a workflow. (`schemas/workflow.schema.json`)"""

    id: str
    workflow_id: str
    project_id: str
    kind: str
    version: int
    content: str
    author: str
    created_at: str

@dataclass(frozen=True)
class Session(Record):
    """An agent session. (`schemas/session.schema.json`)"""

    id: str
    project_id: str
    name: str
    role: str
    strategy: str
    status: str
    spawn_source: str
    env: Dict[str, Any]
    metadata: Dict[str, Any]
    created_at: str
    updated_at: str
    last_activity: str
    version: int
    workflow_id: Optional[str] = None
    parent_session_id: Optional[str] = None
    completed_at: Optional[str] = None

@dataclass(frozen=True)
class SessionTask(Record):
    """One session's relation to one task. (`schemas/session.schema.json`)"""

    id: str
    session_id: str
    task_id: str
    project_id: str
    status: str
    created_at: str
    updated_at: str

@dataclass(frozen=True)
class TimelineEvent(Record):
    """One event of a session's timeline. (`schemas/timeline-event.schema.json`)"""

    id: str
    session_id: str
    project_id: str
    type: str
    at: str
    message: str
    metadata: Dict[str, Any]
    workflow_id: Optional[str] = None
    task_id: Optional[str] = None

@dataclass(frozen=True)
class Task(Record):
    """A task of a project. (`schemas/task.schema.json`)"""

    id: str
    project_id: str
    title: str
    description: str
    status: str
    priority: str
    labels: List[str]
    depends_on: List[str]
    created_at: str
    updated_at: str
    version: int
    workflow_id: Optional[str] = None
    parent_id: Optional[str] = None
    estimate: Optional[float] = None

@dataclass(frozen=True)
class QueueItem(Record):
    """One item of a session's queue. (`schemas/queue-item.schema.json`)"""

    id: str
    session_id: str
    project_id: str
    task_id: str
    position: int
    status: str
    created_at: str
    updated_at: str
    version: int

@dataclass(frozen=True)
class Checkpoint(Record):
    """A checkpoint of a workflow (a git commit and a state snapshot). (`schemas/checkpoint.schema.json`)"""

    id: str
    workflow_id: str
    project_id: str
    at: str
    commit_message: str
    description: str
    phase: str
    type: str
    state_snapshot: Dict[str, Any]
    tags: List[str]
    rollback_used: bool
    rollback_count: int
    valid: bool
    version: int
    session_id: Optional[str] = None
    commit_sha: Optional[str] = None

@dataclass(frozen=True)
class Decision(Record):
    """A recorded decision with its rationale and outcome history. (`schemas/decision.schema.json`)"""

    id: str
    workflow_id: str
    project_id: str
    at: str
    category: str
    phase: str
    decision: str
    rationale: str
    alternatives_considered: List[Dict[str, Any]]
    related: List[str]
    outcomes: List[Dict[str, Any]]
    session_id: Optional[str] = None
    task_id: Optional[str] = None
    context: Optional[Dict[str, Any]] = None
    impact: Optional[Dict[str, Any]] = None
    subject: Optional[Dict[str, Any]] = None
    parent_decision_id: Optional[str] = None

@dataclass(frozen=True)
class Outcome(Record):
    """One outcome revision of a decision. (`schemas/decision-outcome.schema.json`)"""

    revision: int
    status: str
    issues: List[str]
    notes: str
    at: str
    would_choose_again: Optional[bool] = None

@dataclass(frozen=True)
class CategoryDef(Record):
    """A decision category registered for a project. (`schemas/project.schema.json`)"""

    project_id: str
    name: str
    description: str
    created_at: str

@dataclass(frozen=True)
class Event(Record):
    """One change-feed event. (`schemas/event.schema.json`)"""

    seq: int
    at: str
    type: str
    version: int
    entity: str
    entity_id: str
    project_id: str
    payload: Any
    workflow_id: Optional[str] = None
    session_id: Optional[str] = None


@dataclass(frozen=True)
class Gate(Record):
    """The approval gate on a phase change: votes cast this round and whether it is decided."""

    from_: str
    to: str
    approvals: int
    rejections: int
    state: Any

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Gate":
        """Builds the gate; the phase it leaves is `from_` (`from` is a keyword)."""
        return cls(from_=d['from'], to=d['to'], approvals=d['approvals'], rejections=d['rejections'], state=d['state'])

    def to_dict(self) -> Dict[str, Any]:
        """The gate as the API returns it."""
        d = dataclasses.asdict(self)
        d['from'] = d.pop('from_')
        return d


@dataclass(frozen=True)
class SessionTree(Record):
    """A session and, recursively, the sessions it spawned."""

    session: Session
    children: List['SessionTree']

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "SessionTree":
        """Builds the tree."""
        return cls(Session.from_dict(d['session']), [SessionTree.from_dict(c) for c in d['children']])


@dataclass(frozen=True)
class CheckpointDiff(Record):
    """The files that differ between two checkpoints."""

    from_: str
    to: str
    files: List[str]

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "CheckpointDiff":
        """Builds the diff; the first checkpoint is `from_`."""
        return cls(from_=d['from'], to=d['to'], files=d['files'])

    def to_dict(self) -> Dict[str, Any]:
        """The diff as the API returns it."""
        return {'from': self.from_, 'to': self.to, 'files': list(self.files)}


@dataclass(frozen=True)
class RollbackOutcome(Record):
    """What a rollback did: the checkpoint, the safety ref keeping the undone work, the tasks restored."""

    checkpoint: Checkpoint
    restored_tasks: int
    safety_ref: Optional[str] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "RollbackOutcome":
        """Builds the outcome."""
        return cls(Checkpoint.from_dict(d['checkpoint']), d['restored_tasks'], d.get('safety_ref'))


@dataclass(frozen=True)
class ImportSummary(Record):
    """How many files and entities an import applied."""

    files: int
    projects: int
    workflows: int
    sessions: int
    tasks: int
    decisions: int
    checkpoints: int
