"""Typed results of the Maestro API, generated from the JSON Schemas in `schemas/`.

Every class is a frozen dataclass: attributes, `repr`, equality and `to_dict()`.
Enumerated values (statuses, priorities, types) are plain `str` values with the
names the schemas list, e.g. ``task.status == "todo"``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Type, TypeVar

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
    outcomes: List[Outcome]
    session_id: Optional[str] = None
    task_id: Optional[str] = None
    context: Optional[Dict[str, Any]] = None
    impact: Optional[Dict[str, Any]] = None
    subject: Optional[Dict[str, Any]] = None
    parent_decision_id: Optional[str] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Decision":
        """Builds the decision and its outcome revisions (`Outcome`, oldest first)."""
        d = dict(d)
        d['outcomes'] = [Outcome.from_dict(o) for o in d['outcomes']]
        return super().from_dict(d)

    def to_dict(self) -> Dict[str, Any]:
        """The decision as a dict of JSON values, its outcomes as dicts."""
        d = super().to_dict()
        d['outcomes'] = [o.to_dict() for o in self.outcomes]
        return d

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

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Event":
        """Builds the event; a payload still in JSON text (`_payload_json`, as
        `events.since` returns it) is decoded when `payload` is first read."""
        obj = object.__new__(cls)
        obj.__dict__.update(d)
        return obj

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # Only reached while `payload` is not decoded yet.
            raw = self.__dict__.get("_payload_json") if name == "payload" else None
            if raw is None:
                raise AttributeError(f"'Event' object has no attribute {name!r}")
            value = json.loads(raw)
            self.__dict__["payload"] = value
            return value


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
    """What a rollback did: the checkpoint, the safety ref keeping the undone work, the tasks restored, the `checkpoint` decision logging it."""

    checkpoint: Checkpoint
    restored_tasks: int
    decision_id: str
    safety_ref: Optional[str] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "RollbackOutcome":
        """Builds the outcome."""
        return cls(Checkpoint.from_dict(d['checkpoint']), d['restored_tasks'], d['decision_id'], d.get('safety_ref'))


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
    projects_existing: int = 0
    learning_records: int = 0
    threads: int = 0
    thread_checkpoints: int = 0


@dataclass(frozen=True)
class WorkflowRows(Record):
    """What pruning one workflow removed."""

    sessions: int
    tasks: int
    decisions: int
    checkpoints: int
    queue_items: int
    timeline_events: int


@dataclass(frozen=True)
class PrunedWorkflow(Record):
    """A workflow archived and pruned (or that a dry run would)."""

    id: str
    project_id: str
    archive: str
    rows: WorkflowRows

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "PrunedWorkflow":
        """Builds the entry."""
        return cls(d['id'], d['project_id'], d['archive'], WorkflowRows.from_dict(d['rows']))


@dataclass(frozen=True)
class KeptWorkflow(Record):
    """An ended workflow past its retention that something retained still needs."""

    id: str
    reason: str


@dataclass(frozen=True)
class PruneReport(Record):
    """What store.prune did, or in a dry run would do."""

    dry_run: bool
    policy: Dict[str, Any]
    workflows: List[PrunedWorkflow]
    kept: List[KeptWorkflow]
    checkpoints: List[str]
    thread_checkpoints: int
    checkpoint_tags: int
    safety_refs: List[str]
    agent_logs: int
    docs_cache: int
    events: int
    horizon: int
    bytes_before: int
    bytes_after: int
    bytes_reclaimed: int

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "PruneReport":
        """Builds the report."""
        return cls(
            d['dry_run'], d['policy'], [PrunedWorkflow.from_dict(w) for w in d['workflows']],
            [KeptWorkflow.from_dict(k) for k in d['kept']], d['checkpoints'], d['thread_checkpoints'],
            d['checkpoint_tags'],
            d['safety_refs'], d['agent_logs'], d['docs_cache'], d['events'], d['horizon'],
            d['bytes_before'], d['bytes_after'], d['bytes_reclaimed'],
        )


# ---------------------------------------------------------------------------
# The learning layer (`maestro_core::learning`)


@dataclass(frozen=True)
class IssueCount(Record):
    """How often one issue was reported in current outcomes."""

    issue: str
    count: int


@dataclass(frozen=True)
class ChoiceStat(Record):
    """The aggregate of one choice (a technology or pattern) within one decision category
    and subject category. `success_count + partial_count + failure_count ==
    outcome_count`, where failure means failed or reverted."""

    decision_category: str
    kind: str
    name: str
    usage_count: int
    outcome_count: int
    success_count: int
    partial_count: int
    failure_count: int
    success_rate: float
    score: float
    last_used: str
    issues: List[IssueCount]
    project_id: Optional[str] = None
    subject_category: Optional[str] = None
    last_failed: Optional[str] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "ChoiceStat":
        """Builds the aggregate; `issues` is empty when the API leaves it out."""
        d = dict(d)
        d['issues'] = [IssueCount.from_dict(i) for i in d.get('issues', ())]
        return super().from_dict(d)


@dataclass(frozen=True)
class Avoid(Record):
    """A choice to avoid, and why."""

    kind: str
    name: str
    reason: str
    failure_count: int
    outcome_count: int
    subject_category: Optional[str] = None
    last_failed: Optional[str] = None


@dataclass(frozen=True)
class Recommendation(Record):
    """What the history advises for one decision category and subject category: preferred
    choices best score first, choices to avoid, undecided ones, and the thresholds applied."""

    decision_category: str
    preferred: List[ChoiceStat]
    avoid: List[Avoid]
    undecided: List[ChoiceStat]
    thresholds: Dict[str, Any]
    subject_category: Optional[str] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Recommendation":
        """Builds the recommendation and its choices."""
        d = dict(d)
        d['preferred'] = [ChoiceStat.from_dict(c) for c in d['preferred']]
        d['avoid'] = [Avoid.from_dict(a) for a in d['avoid']]
        d['undecided'] = [ChoiceStat.from_dict(c) for c in d['undecided']]
        return super().from_dict(d)


@dataclass(frozen=True)
class OrderingRule(Record):
    """A learned precedence rule: tasks labelled `before` go before tasks labelled `after`."""

    before: str
    after: str
    confidence: float
    supporting_evidence: int
    contradicting_evidence: int


@dataclass(frozen=True)
class AntiPattern(Record):
    """An order of two labels that preceded failures."""

    before: str
    after: str
    failed_workflows: int
    completed_workflows: int
    confidence: float


@dataclass(frozen=True)
class OrderingRules(Record):
    """The task-ordering rules and anti-patterns that pass the thresholds."""

    rules: List[OrderingRule]
    anti_patterns: List[AntiPattern]

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "OrderingRules":
        """Builds the rules and anti-patterns."""
        return cls(
            [OrderingRule.from_dict(r) for r in d['rules']],
            [AntiPattern.from_dict(a) for a in d['anti_patterns']],
        )


@dataclass(frozen=True)
class SuggestedOrder(Record):
    """A suggested task order (every key after its dependencies) and the rules behind it."""

    order: List[str]
    applied: List[OrderingRule]
    overridden: List[OrderingRule]
    anti_patterns: List[AntiPattern]

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "SuggestedOrder":
        """Builds the order and its rules."""
        return cls(
            list(d['order']),
            [OrderingRule.from_dict(r) for r in d['applied']],
            [OrderingRule.from_dict(r) for r in d['overridden']],
            [AntiPattern.from_dict(a) for a in d['anti_patterns']],
        )


@dataclass(frozen=True)
class OrderedTask(Record):
    """One completed task of an ended workflow, in completion order."""

    task_id: str
    labels: List[str]
    completed_at: str


@dataclass(frozen=True)
class WorkflowOrdering(Record):
    """The task order of one ended workflow, kept after the workflow is deleted."""

    workflow_id: str
    project_id: str
    feature: str
    status: str
    ended_at: str
    order: List[OrderedTask]

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "WorkflowOrdering":
        """Builds the ordering and its tasks."""
        d = dict(d)
        d['order'] = [OrderedTask.from_dict(t) for t in d['order']]
        return super().from_dict(d)


@dataclass(frozen=True)
class Failure(Record):
    """A failed approach and its lesson. (`schemas/failure.schema.json`)"""

    id: str
    project_id: str
    at: str
    feature: str
    approach: str
    why_failed: str
    lesson: str
    tags: List[str]
    workflow_id: Optional[str] = None
    related_decision: Optional[str] = None
    embedding: Optional[List[float]] = None


@dataclass(frozen=True)
class SimilarFailure(Record):
    """One result of a similarity query: the failure (without its embedding) and its scores."""

    failure: Failure
    score: float
    cosine: Optional[float] = None
    text_score: Optional[float] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "SimilarFailure":
        """Builds the result and its failure."""
        return cls(Failure.from_dict(d['failure']), d['score'], d.get('cosine'), d.get('text_score'))


@dataclass(frozen=True)
class Estimate(Record):
    """Estimated against actual effort. (`schemas/estimate.schema.json`)"""

    id: str
    project_id: str
    at: str
    feature: str
    estimated: float
    complexity: float
    workflow_id: Optional[str] = None
    unit: Optional[str] = None
    actual: Optional[float] = None
    files_created: Optional[int] = None
    files_modified: Optional[int] = None
    notes: Optional[str] = None


@dataclass(frozen=True)
class CorrectionFactor(Record):
    """The ratio of actual to estimated effort the history shows (the median; 1 without history)."""

    factor: float
    sample_size: int
    mean_ratio: float
    outliers: int
    window_days: float
    complexity_min: float
    complexity_max: float


@dataclass(frozen=True)
class CorrectedEstimate(Record):
    """A raw estimate corrected by the history."""

    raw: float
    complexity: float
    corrected: float
    factor: float
    sample_size: int
    basis: str


@dataclass(frozen=True)
class Retrospective(Record):
    """What a finished feature taught. (`schemas/retrospective.schema.json`)"""

    id: str
    project_id: str
    at: str
    feature: str
    surprises: str
    would_change: str
    new_patterns: List[str]
    workflow_id: Optional[str] = None
    spike_accuracy: Optional[float] = None


@dataclass(frozen=True)
class Spike(Record):
    """What a feasibility experiment found. (`schemas/spike.schema.json`)"""

    id: str
    project_id: str
    at: str
    feature: str
    question: str
    approach: str
    result: str
    viable: bool
    workflow_id: Optional[str] = None
    lessons: Optional[str] = None
    time_spent_minutes: Optional[int] = None


@dataclass(frozen=True)
class AgentLog(Record):
    """What an agent did, how long it took and whether it worked."""

    id: str
    project_id: str
    at: str
    agent: str
    phase: str
    action: str
    duration_ms: float
    success: bool
    workflow_id: Optional[str] = None
    session_id: Optional[str] = None
    error: Optional[str] = None


@dataclass(frozen=True)
class AgentStats(Record):
    """One agent's statistics: entries, mean, p95 and longest duration, failures."""

    agent: str
    count: int
    mean_ms: float
    p95_ms: float
    max_ms: float
    failures: int
    failure_rate: float


@dataclass(frozen=True)
class ComplexitySnapshot(Record):
    """A file's complexity at one time."""

    id: str
    project_id: str
    at: str
    file: str
    complexity: float
    workflow_id: Optional[str] = None
    lines: Optional[int] = None


@dataclass(frozen=True)
class ComplexityPoint(Record):
    """One point of a complexity trend."""

    at: str
    complexity: float


@dataclass(frozen=True)
class ComplexityTrend(Record):
    """A file's complexity over its last snapshots, with an alert when it grew too much."""

    file: str
    points: List[ComplexityPoint]
    slope: float
    alert: bool
    growth: Optional[float] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "ComplexityTrend":
        """Builds the trend and its points."""
        points = [ComplexityPoint.from_dict(p) for p in d['points']]
        return cls(d['file'], points, d['slope'], d['alert'], d.get('growth'))


@dataclass(frozen=True)
class PatternUsage(Record):
    """Where a steering pattern was applied and how closely the code followed it."""

    id: str
    project_id: str
    at: str
    pattern: str
    compliance: float
    workflow_id: Optional[str] = None
    file: Optional[str] = None
    notes: Optional[str] = None


@dataclass(frozen=True)
class PatternCompliance(Record):
    """How well one pattern is followed."""

    pattern: str
    usage_count: int
    mean_compliance: float
    min_compliance: float
    non_compliant: int
    last_used: str


@dataclass(frozen=True)
class DocsEntry(Record):
    """One cached library document; never returned once expired."""

    library: str
    version: str
    content: str
    stored_at: str
    expires_at: str


@dataclass(frozen=True)
class History(Record):
    """The historical documents of a project (`schemas/historical-*.schema.json`)."""

    tech_stack: Dict[str, Any]
    architecture: Dict[str, Any]
    task_ordering: Dict[str, Any]


@dataclass(frozen=True)
class Blob:
    """A serialized value and its serializer's type tag (LangGraph's `dumps_typed`
    pair). The API carries `data` as base64; here it is the bytes."""

    type: str
    data: bytes

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Blob":
        """Builds the blob from the API's `{"type", "data": base64}`."""
        return cls(d["type"], base64.b64decode(d["data"]))

    def to_dict(self) -> Dict[str, Any]:
        """The blob as the API takes it: `{"type", "data": base64}`."""
        return {"type": self.type, "data": base64.b64encode(self.data).decode("ascii")}


@dataclass(frozen=True)
class PendingWrite:
    """A pending write of a thread checkpoint: what a task wrote to a channel."""

    task_id: str
    idx: int
    channel: str
    value: Blob
    task_path: str

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "PendingWrite":
        """Builds the write from the API's dict."""
        return cls(d["task_id"], d["idx"], d["channel"], Blob.from_dict(d["value"]), d.get("task_path", ""))

    def to_dict(self) -> Dict[str, Any]:
        """The write as a dict of JSON values (the value's data in base64)."""
        return {"task_id": self.task_id, "idx": self.idx, "channel": self.channel,
                "value": self.value.to_dict(), "task_path": self.task_path}


@dataclass(frozen=True)
class ThreadCheckpoint(Record):
    """A checkpoint of an agent thread and namespace, with its pending writes (by task id,
    then index). `checkpoint` is None only in `threads.put`'s answer."""

    project_id: str
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    parent_id: Optional[str]
    metadata: Dict[str, Any]
    created_at: str
    checkpoint: Optional[Blob]
    writes: List[PendingWrite]

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "ThreadCheckpoint":
        """Builds the checkpoint, decoding its blob and writes."""
        c = d.get("checkpoint")
        obj = object.__new__(cls)
        obj.__dict__.update(d)
        obj.__dict__["checkpoint"] = None if c is None else Blob.from_dict(c)
        obj.__dict__["writes"] = [PendingWrite.from_dict(w) for w in d.get("writes", ())]
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The checkpoint as a dict of JSON values (blobs in base64)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["checkpoint"] = None if self.checkpoint is None else self.checkpoint.to_dict()
        d["writes"] = [w.to_dict() for w in self.writes]
        return d


@dataclass(frozen=True)
class Thread(Record):
    """An agent thread: its project and its optional links to a session and a workflow."""

    thread_id: str
    project_id: str
    created_at: str
    updated_at: str
    session_id: Optional[str] = None
    workflow_id: Optional[str] = None
