"""MaestroSaver against LangGraph's own checkpointers, measured through LangGraph's API.

Everything runs in ONE process run (plus spawned workers for contention), so the ratios
in the tables are comparable. Savers:

- `maestro.langgraph.MaestroSaver` on a SQLite file, at durability "full" (its default)
  and "normal";
- `langgraph.checkpoint.sqlite.SqliteSaver` on its own SQLite file
  (`SqliteSaver(sqlite3.connect(path, check_same_thread=False))`, `setup()` puts the file
  in WAL mode), at SQLite's default `PRAGMA synchronous` (FULL) and at NORMAL;
- with `--postgres URL`: MaestroSaver on PostgreSQL (durability "full", i.e.
  `synchronous_commit=on`) and `langgraph.checkpoint.postgres.PostgresSaver`
  (`from_conn_string`, the server's default `synchronous_commit=on`), each in a fresh
  schema of its own.

What is measured:

1. Graph invokes: a real `StateGraph` of 3 nodes (plan -> act -> reflect) whose state is a
   counter and a list of LangChain messages, compiled with each saver. `--threads`
   LangGraph threads are each invoked `--invokes` times; the savers take turns thread by
   thread, round by round. Reported: the median (and p90) time of one `graph.invoke`.
2. Saver operations on a store pre-filled with the graph runs plus bulk `put`s (of the
   last checkpoint of a graph thread, each put bumping the channel versions of
   `counter` and `messages` as a real step does) up to `--checkpoints` per store, in
   threads of `--thread-length` checkpoints: `put`, `get_tuple` (the latest checkpoint
   of a random thread), `list(thread)` (every checkpoint of a random graph thread and of
   a random bulk thread) and `list(None, limit=1000)` (the newest 1,000 across threads).
   The savers take turns in rounds; medians over `--reps` (fewer for the lists, each
   capped by `--budget` seconds). The bulk fill itself runs at "normal" / NORMAL /
   `synchronous_commit=off` to save time; it is not measured.
3. Contention: `--procs` processes (spawned, started together behind a barrier) invoke
   the graph for `--seconds` on ONE fresh SQLite file, each on threads of its own, for
   MaestroSaver and SqliteSaver in turn. Reported: completed invokes, invokes/s in total,
   the median and longest single invoke, and the errors raised by type (SqliteSaver's
   `sqlite3.connect` keeps Python's default 5 s busy timeout; Maestro's is 30 s).

Speed-up = baseline time / Maestro time (above 1: Maestro is faster).

Run (the wrapper builds maestro-py in release into target/bench-venv with the pinned LangGraph
packages and writes target/bench-langgraph.md):

    benches/python/langgraph.sh                              # defaults below
    benches/python/langgraph.sh --postgres postgres://postgres@127.0.0.1:55432/postgres
    benches/python/langgraph.sh --threads 20 --checkpoints 2000 --seconds 3 --procs 4   # smoke

or `target/bench-venv/bin/python benches/python/langgraph_savers.py --help`. Needs langgraph,
langgraph-checkpoint-sqlite, maestro-py, and for `--postgres` langgraph-checkpoint-postgres
and psycopg.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import importlib.metadata  # noqa: E402
import multiprocessing  # noqa: E402
import operator  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Annotated, Any, Callable, Dict, List, Optional, TypedDict  # noqa: E402

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage  # noqa: E402
from langgraph.checkpoint.base import BaseCheckpointSaver  # noqa: E402
from langgraph.checkpoint.base.id import uuid6  # noqa: E402
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer  # noqa: E402
from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402
from langgraph.graph.message import add_messages  # noqa: E402

import maestro  # noqa: E402
from maestro.langgraph import MaestroSaver  # noqa: E402

PROJECT = "bench"
PACKAGES = (
    "maestro-py",
    "langgraph",
    "langgraph-checkpoint",
    "langgraph-checkpoint-sqlite",
    "langgraph-checkpoint-postgres",
    "langchain-core",
    "psycopg",
)

# --- the graph ---------------------------------------------------------------------------


class State(TypedDict):
    counter: Annotated[int, operator.add]
    messages: Annotated[List[AnyMessage], add_messages]


FILLER = (
    "Looked at the ticket history, the customer's plan and the last three deploys; "
    "the error started after the cache change, so the next step checks its config. "
)


def _node(name: str) -> Callable[[State], Dict[str, Any]]:
    def run(state: State) -> Dict[str, Any]:
        n = state["counter"] + 1
        return {"counter": 1, "messages": [AIMessage(content=f"[{name} #{n}] {FILLER}{FILLER[: 40 + n % 60]}")]}

    run.__name__ = name
    return run


def build_graph(saver: BaseCheckpointSaver):
    """plan -> act -> reflect, each adding 1 to the counter and one AI message."""
    g = StateGraph(State)
    for name in ("plan", "act", "reflect"):
        g.add_node(name, _node(name))
    g.add_edge(START, "plan")
    g.add_edge("plan", "act")
    g.add_edge("act", "reflect")
    g.add_edge("reflect", END)
    return g.compile(checkpointer=saver)


def graph_input(thread: str, n: int) -> Dict[str, Any]:
    return {"counter": 0, "messages": [HumanMessage(content=f"{thread} turn {n}: the dashboard is slow again, why?")]}


def thread_config(thread: str) -> Dict[str, Any]:
    return {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}


# --- savers --------------------------------------------------------------------------------


@dataclass
class Subject:
    """One saver under test."""

    label: str  # "Maestro" / "SqliteSaver" / "PostgresSaver"
    store: str  # "sqlite" / "postgres"
    durability: str  # "full" / "normal"
    saver: BaseCheckpointSaver
    is_maestro: bool
    graph: Any = None
    invoke_s: List[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.label}/{self.store}/{self.durability}"


def open_sqlite_saver(path: str, synchronous: Optional[str] = None) -> SqliteSaver:
    saver = SqliteSaver(sqlite3.connect(path, check_same_thread=False))
    saver.setup()
    if synchronous is not None:
        saver.conn.execute(f"PRAGMA synchronous={synchronous}")
    return saver


def pg_schema_url(server: str, prefix: str) -> str:
    """A URL whose connections use a new schema (created here)."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options=-csearch_path%3D{name}"


def drop_pg_schema(server: str, url: str) -> None:
    import psycopg

    name = url.rsplit("%3D", 1)[1]
    with psycopg.connect(server, autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


# --- timing --------------------------------------------------------------------------------


def median(xs: List[float]) -> float:
    return statistics.median(xs)


def pct(xs: List[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def ratio(baseline: Optional[float], mine: Optional[float]) -> str:
    if not baseline or not mine:
        return "–"
    return f"{baseline / mine:.2f}×"


def interleaved(subjects: List[Subject], op: Callable[[Subject, int], None], reps: int, budget: float,
                rounds: int = 5) -> Dict[str, List[float]]:
    """Times `op(subject, i)` for i = 0, 1, ... up to `reps` times per subject (the same
    i sequence for each, so each reads the same threads), the subjects taking turns in
    `rounds` rounds; a subject whose time spent passes `budget` seconds stops early
    (after at least 3 samples)."""
    times: Dict[str, List[float]] = {s.key: [] for s in subjects}
    spent: Dict[str, float] = {s.key: 0.0 for s in subjects}
    per_round = max(1, -(-reps // rounds))
    for _ in range(rounds):
        for s in subjects:
            for _ in range(per_round):
                if len(times[s.key]) >= reps or (spent[s.key] > budget and len(times[s.key]) >= 3):
                    break
                t0 = time.perf_counter()
                op(s, len(times[s.key]))
                dt = time.perf_counter() - t0
                times[s.key].append(dt)
                spent[s.key] += dt
    return times


# --- checkpoints for put / fill ------------------------------------------------------------


class CheckpointMaker:
    """Copies of a real graph checkpoint with fresh ids, each bumping the versions of
    `counter` and `messages` (what a real step changes)."""

    def __init__(self, base: Dict[str, Any], metadata: Dict[str, Any]):
        self.base = base
        self.metadata = metadata
        self.n = 0

    def next(self):
        self.n += 1
        version = f"{1_000_000 + self.n:032}.{random.random():016}"
        changed = {ch: version for ch in ("counter", "messages") if ch in self.base["channel_versions"]}
        c = dict(self.base)
        c["id"] = str(uuid6(clock_seq=self.n))
        c["channel_values"] = dict(self.base["channel_values"])
        c["channel_versions"] = {**self.base["channel_versions"], **changed}
        return c, dict(self.metadata, step=self.n), changed


def put_chain(saver: BaseCheckpointSaver, maker: CheckpointMaker, thread: str, n: int) -> None:
    cfg = thread_config(thread)
    for _ in range(n):
        c, md, versions = maker.next()
        cfg = saver.put(cfg, c, md, versions)


# --- contention (runs in spawned processes) ------------------------------------------------


def contention_worker(kind: str, path: str, worker: int, seconds: float, invokes_per_thread: int,
                      durability: str, barrier, out) -> None:
    errors: Counter = Counter()
    durations: List[float] = []
    longest = 0.0
    try:
        with contextlib.ExitStack() as stack:
            if kind == "maestro":
                handle = stack.enter_context(maestro.open(path, durability="full"))
                saver: BaseCheckpointSaver = MaestroSaver(handle, project=PROJECT)
            else:
                saver = open_sqlite_saver(path)
                stack.callback(saver.conn.close)
            graph = build_graph(saver)
            graph.invoke(graph_input("warm", 0), thread_config(f"w{worker}-warm"), durability=durability)
            barrier.wait(timeout=300)
            start = time.perf_counter()
            end = start + seconds
            n = 0
            thread = 0
            while time.perf_counter() < end:
                name = f"w{worker}-t{thread}"
                t0 = time.perf_counter()
                try:
                    graph.invoke(graph_input(name, n), thread_config(name), durability=durability)
                    ok = True
                except Exception as e:  # noqa: BLE001 - counted and reported by type
                    errors[f"{type(e).__module__}.{type(e).__name__}: {str(e)[:60]}"] += 1
                    ok = False
                dt = time.perf_counter() - t0
                longest = max(longest, dt)
                n += 1
                if ok:
                    durations.append(dt)
                if not ok or n % invokes_per_thread == 0:
                    thread += 1
            elapsed = time.perf_counter() - start
        out.put({"worker": worker, "ok": len(durations), "durations": durations, "longest": longest,
                 "errors": dict(errors), "elapsed": elapsed})
    except Exception as e:  # noqa: BLE001 - a worker that could not run reports why
        barrier.abort()
        out.put({"worker": worker, "fatal": f"{type(e).__name__}: {e}"})


def run_contention(kind: str, path: str, procs: int, seconds: float, invokes_per_thread: int,
                   durability: str) -> Dict[str, Any]:
    # Create the store first, so the workers measure steady-state invokes, not setup.
    if kind == "maestro":
        with MaestroSaver.from_path(path, project=PROJECT, durability="full"):
            pass
    else:
        open_sqlite_saver(path).conn.close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(procs)
    out = ctx.Queue()
    workers = [
        ctx.Process(target=contention_worker,
                    args=(kind, path, k, seconds, invokes_per_thread, durability, barrier, out))
        for k in range(procs)
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=seconds + 600) for _ in workers]
    for w in workers:
        w.join()
    fatal = [r["fatal"] for r in results if "fatal" in r]
    if fatal:
        raise RuntimeError(f"{kind} contention worker failed: {fatal}")
    durations = [d for r in results for d in r["durations"]]
    errors: Counter = Counter()
    for r in results:
        errors.update(r["errors"])
    ok = sum(r["ok"] for r in results)
    window = max(r["elapsed"] for r in results)
    return {
        "ok": ok,
        "per_s": ok / window,
        "median": median(durations) if durations else None,
        "longest": max(r["longest"] for r in results),
        "errors": dict(errors),
        "per_worker": sorted(r["ok"] for r in results),
    }


# --- the run -------------------------------------------------------------------------------


def versions() -> str:
    parts = []
    for p in PACKAGES:
        try:
            parts.append(f"{p} {importlib.metadata.version(p)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ", ".join(parts)


def native_library() -> str:
    """The size of maestro's native library: a debug (unoptimized) build is about ten times
    the size of a release build (~20 MB), and its timings say nothing about Maestro."""
    size = os.path.getsize(maestro._native.__file__) / 1e6
    note = f"maestro native library {size:.0f} MB"
    if size > 80:
        note += (" (**likely a debug build: Maestro's figures below are not representative; "
                 "install a release build, e.g. `pip install ./maestro-py`**)")
    return note


def git_commit() -> str:
    try:
        root = os.path.dirname(os.path.dirname(_HERE))
        head = subprocess.check_output(["git", "-C", root, "rev-parse", "--short", "HEAD"], text=True,
                                       stderr=subprocess.DEVNULL).strip()
        dirty = subprocess.check_output(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                                        text=True, stderr=subprocess.DEVNULL).strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def command_line() -> str:
    cmd = os.environ.get("MAESTRO_BENCH_CMD") or "python benches/python/langgraph_savers.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:])
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", cmd.strip())


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main() -> int:
    class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        pass

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=Formatter)
    ap.add_argument("--threads", type=int, default=200, help="LangGraph threads per saver in the graph phase")
    ap.add_argument("--invokes", type=int, default=3, help="invokes of each thread")
    ap.add_argument("--checkpoints", type=int, default=20_000, help="checkpoints per store before the saver ops")
    ap.add_argument("--thread-length", type=int, default=100, help="checkpoints per bulk-filled thread")
    ap.add_argument("--reps", type=int, default=1000,
                    help="samples of put/get_tuple; list(thread) takes reps/5, list(None) reps/50")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds at most per operation and saver")
    ap.add_argument("--procs", type=int, action="append", help="contention processes (repeatable; without it: 4, then 8)")
    ap.add_argument("--seconds", type=float, default=30.0, help="contention run length per saver and --procs")
    ap.add_argument("--graph-durability", default="async", choices=("sync", "async", "exit"),
                    help="LangGraph's durability mode for invoke (async is LangGraph's default)")
    ap.add_argument("--postgres", metavar="URL", help="also MaestroSaver on PostgreSQL and PostgresSaver")
    ap.add_argument("--no-normal", action="store_true", help="skip the durability normal/NORMAL savers")
    ap.add_argument("--dir", help="where the SQLite files go (default: a new temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the files and schemas afterwards")
    ap.add_argument("--out", help="also write the markdown section to this file")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    procs_list = args.procs or [4, 8]
    rng = random.Random(args.seed)
    random.seed(args.seed)

    if os.path.getsize(maestro._native.__file__) > 80e6:
        log("warning: " + native_library().replace("*", ""))
    workdir = tempfile.mkdtemp(prefix="bench-langgraph-", dir=args.dir)
    log(f"files in {workdir}")
    pg_urls: List[str] = []
    server_version = None
    started = datetime.datetime.now()

    with contextlib.ExitStack() as stack:
        # --- savers ---
        subjects: List[Subject] = []
        m_path = os.path.join(workdir, "maestro.db")
        s_path = os.path.join(workdir, "sqlitesaver.db")
        m_full = stack.enter_context(maestro.open(m_path, durability="full"))
        subjects.append(Subject("Maestro", "sqlite", "full", MaestroSaver(m_full, project=PROJECT), True))
        sq_full = open_sqlite_saver(s_path)
        stack.callback(sq_full.conn.close)
        default_sync = sq_full.conn.execute("PRAGMA synchronous").fetchone()[0]
        sync_name = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[default_sync]
        subjects.append(Subject("SqliteSaver", "sqlite", "full", sq_full, False))
        if not args.no_normal:
            m_norm = stack.enter_context(maestro.open(m_path, durability="normal"))
            subjects.append(Subject("Maestro", "sqlite", "normal", MaestroSaver(m_norm, project=PROJECT), True))
            sq_norm = open_sqlite_saver(s_path, "NORMAL")
            stack.callback(sq_norm.conn.close)
            subjects.append(Subject("SqliteSaver", "sqlite", "normal", sq_norm, False))
        if args.postgres:
            import psycopg
            from langgraph.checkpoint.postgres import PostgresSaver

            with psycopg.connect(args.postgres, autocommit=True) as c:
                server_version = c.execute("SHOW server_version").fetchone()[0]
            mp_url = pg_schema_url(args.postgres, "bench_lg_maestro")
            pp_url = pg_schema_url(args.postgres, "bench_lg_pgsaver")
            pg_urls += [mp_url, pp_url]
            if not args.keep:
                for u in pg_urls:
                    stack.callback(drop_pg_schema, args.postgres, u)
            m_pg = stack.enter_context(maestro.open(mp_url, durability="full"))
            subjects.append(Subject("Maestro", "postgres", "full", MaestroSaver(m_pg, project=PROJECT), True))
            pgs = stack.enter_context(PostgresSaver.from_conn_string(pp_url))
            pgs.setup()
            subjects.append(Subject("PostgresSaver", "postgres", "full", pgs, False))
        by_key = {s.key: s for s in subjects}
        for s in subjects:
            s.graph = build_graph(s.saver)

        # --- 1. graph invokes ---
        log(f"graph: {args.threads} threads x {args.invokes} invokes x {len(subjects)} savers")
        for s in subjects:  # warm up: first-call costs (imports, statement caches) not measured
            s.graph.invoke(graph_input("warm", 0), thread_config(f"warm-{s.durability}"),
                           durability=args.graph_durability)
        for n in range(args.invokes):
            for t in range(args.threads):
                for s in subjects:
                    name = f"g{s.durability[0]}-{t}"
                    t0 = time.perf_counter()
                    s.graph.invoke(graph_input(name, n), thread_config(name), durability=args.graph_durability)
                    s.invoke_s.append(time.perf_counter() - t0)
        for s in subjects:
            state = s.graph.get_state(thread_config(f"g{s.durability[0]}-0")).values
            assert state["counter"] == 3 * args.invokes, (s.key, state["counter"])
            assert len(state["messages"]) == 4 * args.invokes, (s.key, len(state["messages"]))

        # A real checkpoint to put: the latest of a graph thread, read back through Maestro.
        primary = by_key["Maestro/sqlite/full"]
        last = primary.saver.get_tuple(thread_config("gf-0"))
        assert last is not None
        base_checkpoint, base_metadata = last.checkpoint, dict(last.metadata)
        blob_bytes = len(JsonPlusSerializer().dumps_typed(base_checkpoint)[1])
        per_invoke = len(list(primary.saver.list(thread_config("gf-0")))) / args.invokes

        # --- 2a. fill each store to --checkpoints ---
        stores = [s for s in subjects if s.durability == "full"]
        graph_threads = [f"gf-{t}" for t in range(args.threads)]
        fill_counts: Dict[str, int] = {}
        whole_bulk = []  # per store: how many bulk threads hold --thread-length checkpoints
        for s in stores:
            have = len(list(s.saver.list(None)))
            need = max(0, args.checkpoints - have)
            nthreads = -(-need // args.thread_length)
            whole_bulk.append(need // args.thread_length)
            log(f"fill {s.key}: {have} checkpoints from the graph runs, {need} bulk puts")
            t0 = time.perf_counter()
            with fill_saver(s, args, m_path, s_path, pg_urls) as filler:
                maker = CheckpointMaker(base_checkpoint, base_metadata)
                left = need
                for j in range(nthreads):
                    k = min(args.thread_length, left)
                    put_chain(filler, maker, f"b-{j}", k)
                    left -= k
            fill_counts[s.key] = have + need
            log(f"  filled in {time.perf_counter() - t0:.1f} s")
        # threads every store has (the PostgreSQL stores have no `normal` graph runs, so more bulk)
        full_bulk = [f"b-{j}" for j in range(min(whole_bulk))]
        all_threads = graph_threads + full_bulk

        # --- 2b. saver operations ---
        micro: Dict[str, Dict[str, List[float]]] = {}
        makers = {s.key: CheckpointMaker(base_checkpoint, base_metadata) for s in subjects}
        put_cfg: Dict[str, Any] = {}

        def op_put(s: Subject, i: int) -> None:
            # chains of --thread-length checkpoints in threads of their own
            if i % args.thread_length == 0:
                put_cfg[s.key] = thread_config(f"put-{s.durability}-{i}")
            c, md, vers = makers[s.key].next()
            put_cfg[s.key] = s.saver.put(put_cfg[s.key], c, md, vers)

        log("put")
        micro["put"] = interleaved(subjects, op_put, args.reps, args.budget)

        picks = [rng.choice(all_threads) for _ in range(args.reps)]

        def op_get(s: Subject, i: int) -> None:
            assert s.saver.get_tuple(thread_config(picks[i % len(picks)])) is not None

        log("get_tuple")
        micro["get_tuple"] = interleaved(stores, op_get, args.reps, args.budget)

        list_counts: Dict[str, int] = {}

        def op_list_thread(pool: List[str], label: str):
            def op(s: Subject, i: int) -> None:
                n = sum(1 for _ in s.saver.list(thread_config(pool[(i * 7919) % len(pool)])))
                list_counts[label] = n
            return op

        list_reps = max(5, args.reps // 5)
        log("list(graph thread)")
        micro["list(graph thread)"] = interleaved(stores, op_list_thread(graph_threads, "list(graph thread)"),
                                                  list_reps, args.budget)
        if full_bulk:
            log("list(bulk thread)")
            micro["list(bulk thread)"] = interleaved(stores, op_list_thread(full_bulk, "list(bulk thread)"),
                                                     list_reps, args.budget)

        def op_list_all(s: Subject, i: int) -> None:
            n = sum(1 for _ in s.saver.list(None, limit=1000))
            assert n >= min(1000, fill_counts[s.key]), (s.key, n)

        log("list(None, limit=1000)")
        micro["list(None, limit=1000)"] = interleaved(stores, op_list_all, max(5, args.reps // 50), args.budget)

    # --- 3. contention ---
    contention = []
    for procs in procs_list:
        for kind, label in (("maestro", "Maestro"), ("sqlitesaver", "SqliteSaver")):
            path = os.path.join(workdir, f"contention-{kind}-{procs}.db")
            log(f"contention: {label}, {procs} processes, {args.seconds:g} s")
            r = run_contention(kind, path, procs, args.seconds, args.invokes, args.graph_durability)
            contention.append((label, procs, r))

    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)

    # --- 4. report ---
    pairs = [("sqlite", "full", "SqliteSaver"), ("sqlite", "normal", "SqliteSaver"),
             ("postgres", "full", "PostgresSaver")]
    pairs = [(st, d, b) for st, d, b in pairs if f"Maestro/{st}/{d}" in by_key]
    durab = {("sqlite", "full"): f"full / synchronous={sync_name} (default)",
             ("sqlite", "normal"): "normal / synchronous=NORMAL",
             ("postgres", "full"): "full / synchronous_commit=on (default)"}
    lines: List[str] = []
    w = lines.append
    w(f"## LangGraph checkpointers through LangGraph's API: {started:%Y-%m-%d}")
    w("")
    w(f"- **Machine:** {os.cpu_count()} cores (nproc), {platform.system()} {platform.release()}, "
      f"CPython {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
      + (f", PostgreSQL {server_version}" if server_version else "") + ".")
    w(f"- **Packages:** {versions()}; {native_library()}; repository at {git_commit()}.")
    w(f"- **Command:** `{command_line()}`")
    w(f"- **Durability:** SqliteSaver's `setup()` sets WAL and leaves `synchronous` at SQLite's default "
      f"({sync_name}); Maestro's default durability `full` is a WAL sync per commit, the same. The "
      f"`normal` rows pair Maestro `normal` with SqliteSaver at `PRAGMA synchronous=NORMAL`."
      + (" On PostgreSQL both commit with the server's default `synchronous_commit=on`." if args.postgres else ""))
    w(f"- **Graph:** 3 nodes (plan → act → reflect), state = a counter (`operator.add`) and a list of "
      f"LangChain messages (`add_messages`); one invoke writes {per_invoke:.0f} checkpoints and the tasks' "
      f"pending writes; LangGraph durability mode `{args.graph_durability}`. The last checkpoint of a "
      f"thread after {args.invokes} invokes is {blob_bytes:,} bytes serialized.")
    w("- **Speed-up** = baseline time / Maestro time (above 1: Maestro is faster).")
    w("")
    w(f"### One `graph.invoke` ({args.threads} threads × {args.invokes} invokes per saver, interleaved)")
    w("")
    w("| store | durability | Maestro median (p90) | baseline | baseline median (p90) | speed-up |")
    w("|---|---|---|---|---|---|")
    for st, d, b in pairs:
        m, s = by_key[f"Maestro/{st}/{d}"], by_key[f"{b}/{st}/{d}"]
        w(f"| {st} | {durab[(st, d)]} | {fmt(median(m.invoke_s))} ({fmt(pct(m.invoke_s, 0.9))}) | {b} | "
          f"{fmt(median(s.invoke_s))} ({fmt(pct(s.invoke_s, 0.9))}) | "
          f"{ratio(median(s.invoke_s), median(m.invoke_s))} |")
    w("")
    counts = ", ".join(f"{k.split('/')[0]} ({k.split('/')[1]}) {v:,}" for k, v in fill_counts.items())
    w(f"### Saver operations (medians; checkpoints per store: {counts})")
    w("")
    w(f"Stores hold the graph runs above plus bulk `put`s of that checkpoint in threads of "
      f"{args.thread_length}. `get_tuple` reads the latest checkpoint of a random thread; "
      f"`list(graph thread)` returns {list_counts.get('list(graph thread)', '?')} checkpoints with their "
      f"pending writes, `list(bulk thread)` {list_counts.get('list(bulk thread)', '?')}.")
    w("")
    head = ["operation", "samples"]
    for st, d, b in pairs:
        if d == "full":
            head += [f"Maestro ({st})", b, "speed-up"]
    w("| " + " | ".join(head) + " |")
    w("|" + "---|" * len(head))
    op_rows = [("put, durability full", "put", "full")]
    if not args.no_normal:
        op_rows.append(("put, durability normal", "put", "normal"))
    op_rows += [(op, op, "full") for op in micro if op != "put"]
    for title, op, d in op_rows:
        cells, n = [], []
        for st, dd, b in pairs:
            if dd != "full":
                continue
            mk, bk = f"Maestro/{st}/{d}", f"{b}/{st}/{d}"
            mt, bt = micro[op].get(mk), micro[op].get(bk)
            if not mt or not bt:
                cells += ["–", "–", "–"]
                continue
            n += [len(mt), len(bt)]
            cells += [fmt(median(mt)), fmt(median(bt)), ratio(median(bt), median(mt))]
        w(f"| `{title}` | {min(n) if n else 0} | " + " | ".join(cells) + " |")
    w("")
    w(f"### Contention: processes invoking the graph on one SQLite file ({args.seconds:g} s each)")
    w("")
    w(f"Durability as above: Maestro `full`, SqliteSaver `synchronous={sync_name}`. "
      "Each process has its own saver and threads; all start together behind a barrier; the store is "
      "created before they start. SqliteSaver's connection keeps Python's default 5 s busy timeout, "
      "Maestro its 30 s. The longest invoke includes failed ones.")
    w("")
    w("| saver | processes | invokes | invokes/s | median invoke | longest invoke | per process (min–max) | errors |")
    w("|---|---|---|---|---|---|---|---|")
    for label, procs, r in contention:
        errs = "; ".join(f"{v}× {k}" for k, v in sorted(r["errors"].items(), key=lambda kv: -kv[1])) or "0"
        w(f"| {label} | {procs} | {r['ok']:,} | {r['per_s']:.1f} | "
          f"{fmt(r['median']) if r['median'] else '–'} | {fmt(r['longest'])} | "
          f"{r['per_worker'][0]}–{r['per_worker'][-1]} | {errs} |")
    w("")
    w(f"Total run time: {(datetime.datetime.now() - started).total_seconds():.0f} s.")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        log(f"written to {args.out}")
    return 0


@contextlib.contextmanager
def fill_saver(s: Subject, args, m_path: str, s_path: str, pg_urls: List[str]):
    """A saver on the same store as `s` at the cheaper durability, for the bulk fill."""
    if s.store == "sqlite" and s.is_maestro:
        with MaestroSaver.from_path(m_path, project=PROJECT, durability="normal") as saver:
            yield saver
    elif s.store == "sqlite":
        saver = open_sqlite_saver(s_path, "NORMAL")
        try:
            yield saver
        finally:
            saver.conn.close()
    elif s.is_maestro:
        with MaestroSaver.from_path(pg_urls[0], project=PROJECT, durability="normal") as saver:
            yield saver
    else:
        from langgraph.checkpoint.postgres import PostgresSaver

        with PostgresSaver.from_conn_string(pg_urls[1]) as saver:
            saver.conn.execute("SET synchronous_commit = off")
            yield saver


if __name__ == "__main__":
    sys.exit(main())
