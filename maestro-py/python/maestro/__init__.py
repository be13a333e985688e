"""Maestro: an embeddable state engine for AI-agent orchestrators.

    import maestro

    with maestro.open("state.db", durability="normal") as m:
        p = m.projects.create("shop")
        t = m.tasks.create(p.id, "DB schema", labels=["database"])

One `Maestro` object may be shared by many threads: every call is one atomic
transaction and releases the interpreter while the store works. Several processes may
open the same file. After `os.fork()`, open a new handle in the child: the parent's
raises `MaestroError` there.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Union

from . import _native
from .exceptions import (
    BusyError,
    ConflictError,
    GitError,
    InternalError,
    PrunedError,
    IoError,
    MaestroError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from .namespaces import (
    Checkpoints,
    Decisions,
    Events,
    Learning,
    Projects,
    Queues,
    Reports,
    Sessions,
    Store,
    Subscription,
    Tasks,
    Threads,
    Workflows,
)
from .types import *  # noqa: F401,F403
from .types import Record

__version__: str = _native.__version__


class Maestro:
    """An open Maestro store, with one namespace per area. Use it as a context manager
    (closed on exit) or call `close()`."""

    def __init__(self, native: _native.Native, repo: Optional[str] = None) -> None:
        self._native = native
        call = native.call
        self.projects = Projects(call, repo)
        """Projects and their steering documents."""
        self.workflows = Workflows(call)
        """Workflows, phases, approvals, history and spec documents."""
        self.sessions = Sessions(call)
        """Agent sessions and their timelines."""
        self.tasks = Tasks(call)
        """Tasks, dependencies, the ready set and claims."""
        self.queues = Queues(call)
        """Per-session queues."""
        self.checkpoints = Checkpoints(call)
        """Git-backed checkpoints and rollback."""
        self.decisions = Decisions(call)
        """The decision log."""
        self.learning = Learning(call)
        """The learning layer: recommendations, task-ordering rules, similar failures,
        estimate correction and the other learning records."""
        self.threads = Threads(call)
        """Agent threads: LangGraph-style checkpoints and pending writes."""
        self.reports = Reports(call)
        """Markdown reports."""
        self.events = Events(call, native.subscribe)
        """The change feed."""
        self.store = Store(call)
        """Batches, backup, export/import, integrity."""

    def call(self, op: str, args: Optional[Dict[str, Any]] = None) -> Any:
        """Runs any operation by name (`"tasks.claim"`) with a dict of arguments; returns
        plain dicts and lists. The namespaces are typed wrappers over this."""
        return self._native.call(op, args or {})

    @property
    def closed(self) -> bool:
        """Whether the handle is closed."""
        return bool(self._native.closed)

    def close(self) -> None:
        """Closes the handle; later calls raise MaestroError. Closing twice is a no-op."""
        self._native.close()

    def __enter__(self) -> "Maestro":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<maestro.Maestro {'closed' if self.closed else 'open'}>"


def open(
    path: Union[str, "os.PathLike[str]"],
    *,
    repo: Union[str, "os.PathLike[str]", None] = None,
    durability: Optional[str] = None,
    busy_timeout: Optional[float] = None,
    learning: Optional[Mapping[str, Any]] = None,
    config: Union[str, "os.PathLike[str]", None] = None,
    read_only: bool = False,
) -> Maestro:
    """Opens (creating if needed, mode 0600) the database at `path` (`":memory:"` for a
    private in-memory one), or the PostgreSQL database a `postgres://` URL names (shared
    by every process and host that opens it; `?options=-csearch_path%3Dname` keeps a store
    in a schema of its own).

    `repo` is the git work tree that projects created through this handle use as their
    root unless they name another (their checkpoints commit there). `durability` is
    "full" (every acknowledged write survives a power loss) or "normal" (it survives a
    crash of the process); `busy_timeout` is how many seconds a writer waits for another
    process's lock before BusyError (default 30). `learning` sets the handle's learning
    thresholds (any of min_usage_count, min_success_rate, avoid_failure_count,
    min_rule_confidence, min_rule_evidence, complexity_growth_alert; the others keep their
    defaults).

    `config` names the `config.yaml` to load; without it, a `config.yaml` beside the
    database file is loaded if there is one. The file supplies storage settings, the
    retention policy used by `store.prune()`, learning thresholds, extra decision
    categories and custom phase models; keywords given here win over it. A bad file
    raises ValidationError naming its line, column and JSON path, and creates nothing.

    `read_only=True` opens an existing store for reading only: nothing is created or
    migrated and no writer's lock is taken; a missing database raises NotFoundError, a
    schema that needs migrating StorageError (run `maestro migrate`), and every write
    StorageError."""
    options: Dict[str, Any] = {}
    if durability is not None:
        options["durability"] = durability
    if config is not None:
        options["config"] = os.fspath(config)
    if busy_timeout is not None:
        options["busy_timeout_ms"] = int(busy_timeout * 1000)
    if learning is not None:
        options["learning"] = dict(learning)
    if read_only:
        options["read_only"] = True
    root = None if repo is None else os.fspath(repo)
    return Maestro(_native.Native(os.fspath(path), options), root)


def operations() -> List[str]:
    """Every operation of the API as "<namespace>.<verb>"."""
    return list(_native.operations())


__all__ = [
    "open",
    "operations",
    "Maestro",
    "Subscription",
    "Record",
    "MaestroError",
    "ValidationError",
    "NotFoundError",
    "ConflictError",
    "BusyError",
    "StorageError",
    "GitError",
    "IoError",
    "InternalError",
    "PrunedError",
]
