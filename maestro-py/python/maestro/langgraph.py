"""A LangGraph checkpointer that keeps graph state in a Maestro store.

    import maestro
    from maestro.langgraph import MaestroSaver

    with MaestroSaver.from_path("state.db", project="support-bot") as saver:
        graph = builder.compile(checkpointer=saver)
        graph.invoke(inputs, {"configurable": {"thread_id": "ticket-42"}})

Every checkpoint and pending write is one atomic Maestro operation on the store behind
the handle (a SQLite file or a PostgreSQL database), so several processes can run,
interrupt and resume the same threads: a thread started in one process is resumed in
another from the same file or URL. Checkpoints live in one Maestro project (created by
name on first use); their metadata is stored as a JSON object, which `list(filter=...)`
matches key by key.

Values are serialized with LangGraph's `JsonPlusSerializer` (msgpack), whose pickle
fallback stays off: nothing in the store is ever unpickled unless the caller passes a
serializer that does so.

Install with the `langgraph` extra: `pip install "maestro-py[langgraph]"`.
"""

from __future__ import annotations

import asyncio
import random
import threading
from binascii import a2b_base64, b2a_base64
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    PendingWrite,
    get_checkpoint_id,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from . import Maestro
from . import open as _open
from .exceptions import ConflictError, NotFoundError, ValidationError

__all__ = ["MaestroSaver"]

# How many checkpoints one store call returns while `list` walks a single thread's
# namespace: a long history is read page by page, never held whole in memory.
_PAGE = 100

SESSION_KEY = "maestro_session_id"
"""The `config["configurable"]` key naming the Maestro session a thread is linked to."""
WORKFLOW_KEY = "maestro_workflow_id"
"""The `config["configurable"]` key naming the Maestro workflow a thread is linked to."""

_STRATEGIES = ("keep_latest", "delete")


class MaestroSaver(BaseCheckpointSaver[str]):
    """A LangGraph checkpoint saver backed by a Maestro store.

    Conforms to LangGraph's checkpointer contract, base and extended (put, put_writes,
    get_tuple, list, delete_thread, delete_for_runs, copy_thread, prune), sync and
    async. What it guarantees:

    - `put` stores the checkpoint, its metadata and its parent in one transaction; a
      checkpoint put again with the same id replaces the earlier one.
    - `put_writes` follows LangGraph's rule: a write whose (task, index) is already
      stored is kept as it was, except writes to the special channels (errors,
      interrupts, resumes, scheduled), which are replaced.
    - `get_tuple` without a `checkpoint_id` returns the latest checkpoint of the thread
      and namespace (the greatest id); pending writes come in `writes_sort_key` order.
    - `list` yields newest first; it reads a single namespace of a single thread page
      by page.
    - The async methods run the store call in a worker thread (the call releases the
      interpreter lock), so the event loop never waits on the store.

    One saver may be shared by many threads and coroutines, as may the `Maestro`
    handle it uses; the handle must stay open while the saver is used.

    Put `maestro_session_id` and/or `maestro_workflow_id` in the graph's
    `config["configurable"]` to link each thread to that session or workflow of the
    project: the session's timeline then shows the thread's checkpoints. The saver links
    a thread on its first checkpoint (once per thread and saver), to exactly what the
    config names (`threads.link`: a workflow not named defaults to the session's, a
    session not named is unlinked).
    """

    maestro: Maestro
    """The open handle the saver writes through."""
    project_id: str
    """The id of the Maestro project holding the checkpoints."""

    def __init__(
        self,
        maestro: Maestro,
        project: str = "langgraph",
        *,
        serde: Optional[SerializerProtocol] = None,
    ) -> None:
        """Uses `maestro` (an open handle; not closed by the saver) and the project
        `project`: a project name, created if there is none (safe when several
        processes start at once), or a project id.

        `serde` replaces the default serializer, LangGraph's `JsonPlusSerializer`
        without pickle fallback (for instance with an `EncryptedSerializer`); a
        serializer given here is used as it is."""
        super().__init__(serde=serde if serde is not None else JsonPlusSerializer(pickle_fallback=False))
        self.maestro = maestro
        self.project_id = _resolve_project(maestro, project)
        self._threads = maestro.threads
        # The hot paths (put, put_writes, get_tuple, list) call the store directly with
        # dicts: no result dataclasses in between.
        self._call = maestro.threads._call
        self._linked: Set[Tuple[str, Optional[str], Optional[str]]] = set()
        self._linked_lock = threading.Lock()

    @classmethod
    def from_path(
        cls,
        path: str,
        project: str = "langgraph",
        *,
        serde: Optional[SerializerProtocol] = None,
        **open_options: Any,
    ) -> "_OpenedSaver":
        """Opens the store at `path` (a SQLite file, created if needed, a `postgres://`
        URL, or `":memory:"`) and gives a saver on `project` to a `with` or an
        `async with` block, closing the handle when the block ends. `open_options` go to
        `maestro.open` (`durability`, `busy_timeout`, ...)."""
        return _OpenedSaver(lambda: cls(_open(path, **open_options), project, serde=serde))

    from_conn_string = from_path
    """`from_path`, under the name LangGraph's own savers use
    (`with MaestroSaver.from_conn_string("state.db") as saver:`, or `async with`)."""

    def setup(self) -> None:
        """Nothing to do: the store creates and migrates its tables when it is opened.
        Present so code written for LangGraph's SQLite and Postgres savers runs as is."""

    async def asetup(self) -> None:
        """`setup`: nothing to do."""

    # --- reading ---------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> Optional[CheckpointTuple]:
        """The checkpoint `config` names (thread, namespace and, if given,
        `checkpoint_id`; otherwise the latest), with its metadata, parent and pending
        writes; None if there is none."""
        conf = config["configurable"]
        args = {"project_id": self.project_id, "thread_id": str(conf["thread_id"]), "checkpoint_ns": conf.get("checkpoint_ns", "")}
        checkpoint_id = get_checkpoint_id(config)
        if checkpoint_id is not None:
            args["checkpoint_id"] = checkpoint_id
        record = self._call("threads.get", args)
        return None if record is None else self._tuple(record)

    def list(
        self,
        config: Optional[RunnableConfig],
        *,
        filter: Optional[Dict[str, Any]] = None,
        before: Optional[RunnableConfig] = None,
        limit: Optional[int] = None,
    ) -> Iterator[CheckpointTuple]:
        """The checkpoints matching every given criterion, newest first (by id):
        `config` narrows to its thread, namespace and checkpoint id when it has them
        (None: every thread of the project); `filter` keeps those whose metadata has
        each key with an equal value; `before` keeps those older than its checkpoint;
        `limit` caps how many."""
        for page in self._pages(config, filter, before, limit):
            yield from page

    async def aget_tuple(self, config: RunnableConfig) -> Optional[CheckpointTuple]:
        """`get_tuple`, run in a worker thread."""
        return await asyncio.to_thread(self.get_tuple, config)

    async def alist(
        self,
        config: Optional[RunnableConfig],
        *,
        filter: Optional[Dict[str, Any]] = None,
        before: Optional[RunnableConfig] = None,
        limit: Optional[int] = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """`list` as an async generator: each page is read in a worker thread."""
        pages = self._pages(config, filter, before, limit)
        while True:
            page = await asyncio.to_thread(next, pages, None)
            if page is None:
                return
            for item in page:
                yield item

    # --- writing ---------------------------------------------------------------

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Stores `checkpoint` (whole, with every channel value) in the thread and
        namespace of `config`, whose `checkpoint_id`, if any, is its parent. The
        metadata stored is `metadata` plus the scalar values of the config's
        `metadata` and `configurable` (as LangGraph's own savers do). Returns the
        config of the stored checkpoint."""
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        ns: str = conf.get("checkpoint_ns", "")
        # Linked first, so the session's timeline shows this checkpoint too.
        self._link(thread_id, conf)
        self._call(
            "threads.put",
            {
                "project_id": self.project_id,
                "thread_id": thread_id,
                "checkpoint_ns": ns,
                "checkpoint_id": checkpoint["id"],
                "parent_id": conf.get("checkpoint_id"),
                "checkpoint": _blob(self.serde.dumps_typed(checkpoint)),
                "metadata": _json_object(get_checkpoint_metadata(config, metadata)),
            },
        )
        return {"configurable": {"thread_id": conf["thread_id"], "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"]}}

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[Tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Stores the pending writes of task `task_id` on the checkpoint `config`
        names, in one transaction. A write is indexed by its position, or by the
        special channel's fixed negative index; an index the task already wrote is
        kept unless it is negative (then it is replaced)."""
        if not writes:
            return
        conf = config["configurable"]
        self._call(
            "threads.put_writes",
            {
                "project_id": self.project_id,
                "thread_id": str(conf["thread_id"]),
                "checkpoint_ns": conf.get("checkpoint_ns", ""),
                "checkpoint_id": conf["checkpoint_id"],
                "task_id": task_id,
                "task_path": task_path,
                "writes": [
                    {"idx": WRITES_IDX_MAP.get(channel, idx), "channel": channel, "value": _blob(self.serde.dumps_typed(value))}
                    for idx, (channel, value) in enumerate(writes)
                ],
            },
        )

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """`put`, run in a worker thread."""
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[Tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """`put_writes`, run in a worker thread."""
        await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

    # --- whole threads ---------------------------------------------------------

    def delete_thread(self, thread_id: str) -> None:
        """Deletes every checkpoint and pending write of the thread, in every
        namespace, in one transaction. A thread that does not exist is no error."""
        self._threads.delete(self.project_id, str(thread_id))
        self._forget_links([str(thread_id)])

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Deletes, in every thread of the project, the checkpoints (and their
        writes) whose metadata `run_id` is one of `run_ids`, in one transaction."""
        if not run_ids:
            return
        self._threads.delete_runs(self.project_id, [str(r) for r in run_ids])
        self._forget_links(None)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copies every checkpoint of the source thread (all namespaces, with the same
        ids, parents, metadata and pending writes) into the target thread, in one
        transaction; the source is left as it was. A missing source copies nothing."""
        try:
            self._threads.copy(self.project_id, str(source_thread_id), str(target_thread_id))
        except NotFoundError:
            pass

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Prunes the threads in one transaction. `"keep_latest"` keeps the latest
        checkpoint of each namespace, with its pending writes, and deletes the rest;
        `"delete"` deletes everything. Threads that do not exist are skipped.

        Like LangGraph's own savers, `"keep_latest"` drops the ancestors a graph using
        the beta `DeltaChannel` would need to rebuild that channel: do not prune such
        threads this way."""
        if strategy not in _STRATEGIES:
            raise ValueError(f"unknown prune strategy {strategy!r}: expected one of {_STRATEGIES}")
        if not thread_ids:
            return
        ids = [str(t) for t in thread_ids]
        self._threads.prune(self.project_id, ids, strategy)
        self._forget_links(ids)

    async def adelete_thread(self, thread_id: str) -> None:
        """`delete_thread`, run in a worker thread."""
        await asyncio.to_thread(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """`delete_for_runs`, run in a worker thread."""
        await asyncio.to_thread(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """`copy_thread`, run in a worker thread."""
        await asyncio.to_thread(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """`prune`, run in a worker thread."""
        await asyncio.to_thread(self.prune, thread_ids, strategy=strategy)

    def get_next_version(self, current: Optional[str], channel: None) -> str:
        """The channel version after `current`: `"<counter>.<random>"`, the counter
        zero-padded to 32 digits so versions compare in order as text (the scheme of
        LangGraph's own savers, whose versions it continues)."""
        if current is None:
            counter = 0
        elif isinstance(current, int):
            counter = current
        else:
            counter = int(current.split(".")[0])
        return f"{counter + 1:032}.{random.random():016}"

    # --- helpers ---------------------------------------------------------------

    def _pages(
        self,
        config: Optional[RunnableConfig],
        filter: Optional[Dict[str, Any]],
        before: Optional[RunnableConfig],
        limit: Optional[int],
    ) -> Iterator[List[CheckpointTuple]]:
        conf: Mapping[str, Any] = (config or {}).get("configurable") or {}
        thread_id = conf.get("thread_id")
        ns: Optional[str] = conf.get("checkpoint_ns")
        checkpoint_id: Optional[str] = conf.get("checkpoint_id")
        cursor = get_checkpoint_id(before) if before else None
        matching = None if filter is None else _json_object(filter)
        # Within one thread and namespace checkpoint ids are unique, so the last id of
        # a page is an exact cursor; across threads (copies share ids) it is not, and
        # the answer comes in one call.
        paged = thread_id is not None and ns is not None and checkpoint_id is None
        remaining = limit
        while remaining is None or remaining > 0:
            size = remaining
            if paged:
                size = _PAGE if remaining is None else min(remaining, _PAGE)
            args: Dict[str, Any] = {"project_id": self.project_id}
            for key, value in (
                ("thread_id", None if thread_id is None else str(thread_id)),
                ("checkpoint_ns", ns),
                ("checkpoint_id", checkpoint_id),
                ("before", cursor),
                ("filter", matching),
                ("limit", size),
            ):
                if value is not None:
                    args[key] = value
            records: List[Dict[str, Any]] = self._call("threads.list", args)
            if records:
                yield [self._tuple(r) for r in records]
            if not paged or size is None or len(records) < size:
                return
            cursor = records[-1]["checkpoint_id"]
            if remaining is not None:
                remaining -= len(records)

    def _tuple(self, record: Dict[str, Any]) -> CheckpointTuple:
        """The CheckpointTuple of a `threads.get`/`threads.list` record (a dict, blobs in
        base64; writes come in task path, task id, index order)."""
        loads = self.serde.loads_typed
        thread_id, ns = record["thread_id"], record["checkpoint_ns"]
        blob = record["checkpoint"]
        pending: List[PendingWrite] = [
            (w["task_id"], w["channel"], loads((w["value"]["type"], a2b_base64(w["value"]["data"]))))
            for w in record["writes"]
        ]
        parent: Optional[RunnableConfig] = None
        if record["parent_id"] is not None:
            parent = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": record["parent_id"]}}
        return CheckpointTuple(
            config={"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": record["checkpoint_id"]}},
            checkpoint=loads((blob["type"], a2b_base64(blob["data"]))),
            metadata=cast(CheckpointMetadata, record["metadata"]),
            parent_config=parent,
            pending_writes=pending,
        )

    def _link(self, thread_id: str, conf: Mapping[str, Any]) -> None:
        session_id = conf.get(SESSION_KEY)
        workflow_id = conf.get(WORKFLOW_KEY)
        if session_id is None and workflow_id is None:
            return
        key = (thread_id, session_id, workflow_id)
        if key in self._linked:
            return
        self._threads.link(self.project_id, thread_id, session_id=session_id, workflow_id=workflow_id)
        with self._linked_lock:
            self._linked.add(key)

    def _forget_links(self, thread_ids: Optional[Sequence[str]]) -> None:
        # A thread whose checkpoints were deleted may be created again by a later put,
        # without its link: that put links it again.
        with self._linked_lock:
            if thread_ids is None:
                self._linked.clear()
            else:
                gone = set(thread_ids)
                self._linked = {k for k in self._linked if k[0] not in gone}


class _OpenedSaver:
    """A saver on a store this object opened: entered with `with` or `async with`, it
    yields the saver and closes the store's handle on exit."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._saver: Optional[MaestroSaver] = None

    def __enter__(self) -> MaestroSaver:
        self._saver = self._make()
        return self._saver

    def __exit__(self, *exc: Any) -> None:
        if self._saver is not None:
            self._saver.maestro.close()
            self._saver = None

    async def __aenter__(self) -> MaestroSaver:
        return await asyncio.to_thread(self.__enter__)

    async def __aexit__(self, *exc: Any) -> None:
        await asyncio.to_thread(self.__exit__, *exc)


def _blob(typed: Tuple[str, bytes]) -> Dict[str, str]:
    """A serializer's `(type, bytes)` as the store takes it: `{"type", "data": base64}`."""
    return {"type": typed[0], "data": b2a_base64(typed[1], newline=False).decode("ascii")}


def _resolve_project(m: Maestro, project: str) -> str:
    """The id of the project named `project`, or with that id; created by name if
    neither exists. Two processes creating it at once both end with the same one."""
    try:
        return m.projects.get_by_name(project).id
    except NotFoundError:
        pass
    try:
        return m.projects.get(project).id
    except (NotFoundError, ValidationError):
        pass
    try:
        return m.projects.create(project).id
    except ConflictError:
        return m.projects.get_by_name(project).id


def _json_object(value: Mapping[str, Any]) -> Dict[str, Any]:
    """`value` as a JSON object: tuples become lists (LangGraph keeps some metadata,
    such as delta counters, as tuples); anything that is not JSON is left for the
    store to reject with ValidationError."""
    return {str(k): _json(v) for k, v in value.items()}


def _json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _json_object(value)
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value
