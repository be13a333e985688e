"""Real LangGraph graphs on `MaestroSaver`: the human-in-the-loop example
(`maestro-py/examples/langgraph_hitl.py`) run command by command in separate processes
on one SQLite file (start, resume elsewhere, history, fork), four processes running
graphs at once, every durability mode, the async API and linking threads to a session."""

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import time

import pytest

from langgraph.types import Command  # noqa: E402

import maestro  # noqa: E402
from maestro.langgraph import MaestroSaver  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "maestro-py", "examples", "langgraph_hitl.py")
PROJECT = "langgraph-hitl"  # the example's project
DRAFT = "Re: Where is my order? - it ships tomorrow."


def _load_example():
    spec = importlib.util.spec_from_file_location("langgraph_hitl", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hitl = _load_example()


def example(db, *args):
    """Runs one command of the example in a new process; its JSON lines, parsed."""
    proc = subprocess.run(
        [sys.executable, EXAMPLE, db, *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def config(thread_id, **extra):
    return {"configurable": {"thread_id": thread_id, **extra}}


def test_a_thread_started_in_one_process_is_resumed_in_another(db_path):
    [started] = example(db_path, "start", "t1", "Where is my order?")
    assert started == {"interrupt": {"question": "Send this reply?", "draft": DRAFT}}

    [done] = example(db_path, "resume", "t1", "yes")
    assert done == {
        "state": {
            "request": "Where is my order?",
            "draft": DRAFT,
            "answer": "yes",
            "outcome": "sent",
            "log": ["draft", "review", "send"],
        }
    }

    # What the store holds: msgpack blobs (never pickle) and JSON metadata.
    with maestro.open(db_path) as m:
        project_id = m.projects.get_by_name(PROJECT).id
        stored = m.threads.list(project_id, thread_id="t1")
        assert [c.metadata["step"] for c in stored] == [3, 2, 1, 0, -1]
        assert {c.checkpoint.type for c in stored} == {"msgpack"}
        assert all(w.value.type != "pickle" for c in stored for w in c.writes)
        # The interrupt and the answer are pending writes of the checkpoint before the review.
        waiting = next(c for c in stored if c.metadata["step"] == 1)
        assert {"__interrupt__", "__resume__"} <= {w.channel for w in waiting.writes}


def test_history_walks_every_checkpoint_newest_first(db_path):
    example(db_path, "start", "t1", "Where is my order?")
    example(db_path, "resume", "t1", "yes")

    history = example(db_path, "history", "t1")
    assert [h["step"] for h in history] == [3, 2, 1, 0, -1]
    assert [h["source"] for h in history] == ["loop", "loop", "loop", "loop", "input"]
    assert [h["next"] for h in history] == [[], ["send"], ["review"], ["draft"], ["__start__"]]
    assert [h["values"].get("log") for h in history] == [
        ["draft", "review", "send"],
        ["draft", "review"],
        ["draft"],
        [],
        [],
    ]
    ids = [h["checkpoint_id"] for h in history]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    assert [h["parent_id"] for h in history] == ids[1:] + [None]


def test_fork_branches_off_an_earlier_checkpoint_and_leaves_the_original_alone(db_path):
    example(db_path, "start", "t1", "Where is my order?")
    example(db_path, "resume", "t1", "yes")
    before = example(db_path, "history", "t1")
    waiting = next(h for h in before if h["next"] == ["review"])

    [fork] = example(db_path, "fork", "t1", "t2")
    assert fork["forked_from"] == waiting["checkpoint_id"]
    assert fork["interrupt"] == {"question": "Send this reply?", "draft": DRAFT + " (revised)"}

    [done] = example(db_path, "resume", "t2", "no")
    assert done["state"]["draft"] == DRAFT + " (revised)"
    assert done["state"]["outcome"] == "held (no)"
    assert done["state"]["log"] == ["draft", "review", "send"]

    # The original thread is exactly as it was: same checkpoints, latest still "sent".
    assert example(db_path, "history", "t1") == before
    assert before[0]["values"]["outcome"] == "sent"

    # The fork holds the copied history plus its branch: the update, then two steps.
    forked = example(db_path, "history", "t2")
    assert len(forked) == len(before) + 3
    assert forked[3:] == before  # copied with the same ids, parents and values
    newest, after_review, update = forked[:3]
    assert update["checkpoint_id"] == fork["checkpoint_id"]
    assert update["parent_id"] == waiting["checkpoint_id"]
    assert (update["source"], update["step"], update["next"]) == ("update", waiting["step"] + 1, ["review"])
    assert after_review["parent_id"] == update["checkpoint_id"] and after_review["next"] == ["send"]
    assert newest["parent_id"] == after_review["checkpoint_id"] and newest["next"] == []
    assert newest["values"]["outcome"] == "held (no)"


WORKER = r"""
import asyncio, importlib.util, os, sys, time
from langgraph.types import Command
from maestro.langgraph import MaestroSaver

example, db, worker, count, mode, gate = sys.argv[1:]
spec = importlib.util.spec_from_file_location("hitl", example)
hitl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hitl)

def cfg(i):
    return {"configurable": {"thread_id": f"w{worker}-{i}"}}

async def run_async(graph):
    for i in range(int(count)):
        out = await graph.ainvoke({"request": f"r{worker}-{i}"}, cfg(i))
        assert "__interrupt__" in out, out
        out = await graph.ainvoke(Command(resume="yes"), cfg(i))
        assert out["outcome"] == "sent", out

with MaestroSaver.from_path(db, project="langgraph-hitl") as saver:
    graph = hitl.build_graph(saver)
    open(f"{gate}.{worker}", "w").close()  # ready
    deadline = time.monotonic() + 60
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)
    if mode == "async":
        asyncio.run(run_async(graph))
    else:
        for i in range(int(count)):
            out = graph.invoke({"request": f"r{worker}-{i}"}, cfg(i))
            assert "__interrupt__" in out, out
            out = graph.invoke(Command(resume="yes"), cfg(i))
            assert out["outcome"] == "sent", out
"""


def test_four_processes_run_graphs_at_once_on_one_file(db_path, tmp_path):
    gate = str(tmp_path / "go")
    count = 6
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, EXAMPLE, db_path, str(n), str(count), mode, gate],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, mode in enumerate(["sync", "async", "sync", "async"])
    ]
    # Every process has imported LangGraph and opened the store: all start at once.
    deadline = time.monotonic() + 60
    while not all(os.path.exists(f"{gate}.{n}") for n in range(4)) and time.monotonic() < deadline:
        time.sleep(0.01)
    open(gate, "w").close()
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err

    with MaestroSaver.from_path(db_path, project=PROJECT) as saver:
        graph = hitl.build_graph(saver)
        for n in range(4):
            for i in range(count):
                state = graph.get_state(config(f"w{n}-{i}"))
                assert state.next == ()
                assert state.values["request"] == f"r{n}-{i}"
                assert state.values["outcome"] == "sent"
                assert state.values["log"] == ["draft", "review", "send"]
                assert len(list(saver.list(config(f"w{n}-{i}")))) == 5


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
def test_every_durability_mode_stops_and_resumes_across_handles(db_path, durability):
    with MaestroSaver.from_path(db_path, project=PROJECT) as saver:
        out = hitl.build_graph(saver).invoke(
            {"request": "Where is my order?"}, config("d"), durability=durability
        )
        assert out["__interrupt__"][0].value["draft"] == DRAFT
    with MaestroSaver.from_path(db_path, project=PROJECT) as saver:
        graph = hitl.build_graph(saver)
        assert graph.get_state(config("d")).next == ("review",)
        out = graph.invoke(Command(resume="yes"), config("d"), durability=durability)
        assert out["outcome"] == "sent" and out["log"] == ["draft", "review", "send"]


def test_the_async_api_runs_a_graph_and_walks_its_history(db_path):
    async def scenario(saver):
        graph = hitl.build_graph(saver)
        out = await graph.ainvoke({"request": "Where is my order?"}, config("a"))
        assert out["__interrupt__"][0].value["draft"] == DRAFT
        out = await graph.ainvoke(Command(resume="no"), config("a"))
        assert out["outcome"] == "held (no)"
        steps = [s.metadata["step"] async for s in graph.aget_state_history(config("a"))]
        assert steps == [3, 2, 1, 0, -1]
        assert [t.metadata["step"] async for t in saver.alist(config("a"), limit=2)] == [3, 2]
        await saver.adelete_thread("a")
        assert await saver.aget_tuple(config("a")) is None

    with MaestroSaver.from_path(db_path, project=PROJECT) as saver:
        asyncio.run(scenario(saver))


def test_a_thread_is_linked_to_the_session_in_its_config_once(db_path):
    with maestro.open(db_path) as m:
        saver = MaestroSaver(m, "linked")
        session = m.sessions.spawn(saver.project_id, "agent")
        calls = []
        link = saver._threads.link

        def spy(project_id, thread_id, **kw):
            thread = link(project_id, thread_id, **kw)
            calls.append((thread_id, kw, thread.session_id))
            return thread

        saver._threads.link = spy
        graph = hitl.build_graph(saver)
        for thread_id in ("x", "y"):
            linked = config(thread_id, maestro_session_id=session.id)
            graph.invoke({"request": "Where is my order?"}, linked)
            graph.invoke(Command(resume="yes"), linked)
        graph.invoke({"request": "Where is my order?"}, config("unlinked"))

        expected = {"session_id": session.id, "workflow_id": None}
        assert calls == [("x", expected, session.id), ("y", expected, session.id)]


def test_the_project_is_found_by_name_or_id_and_created_once(db_path):
    with maestro.open(db_path) as m:
        first = MaestroSaver(m, "bots")
        assert MaestroSaver(m, "bots").project_id == first.project_id
        assert MaestroSaver(m, first.project_id).project_id == first.project_id
        assert m.projects.get_by_name("bots").id == first.project_id


def test_from_conn_string_works_with_and_async_with_and_setup_is_a_no_op(tmp_path):
    from langgraph.checkpoint.base import empty_checkpoint

    db = str(tmp_path / "conn.db")
    config = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
    with MaestroSaver.from_conn_string(db, project="p") as saver:
        saver.setup()
        saver.put(config, empty_checkpoint(), {"step": 0}, {})
        handle = saver.maestro
    assert handle.closed

    async def main():
        async with MaestroSaver.from_conn_string(db, project="p") as saver:
            await saver.asetup()
            got = await saver.aget_tuple(config)
            return got.metadata["step"], saver.maestro

    step, handle = asyncio.run(main())
    assert step == 0 and handle.closed
