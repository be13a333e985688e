"""LangGraph's own conformance suite (langgraph-checkpoint-conformance) against
`maestro.langgraph.MaestroSaver`: every base capability and every extended one must
pass, on a SQLite file and on PostgreSQL (the test server).

Each capability suite gets a fresh saver on a fresh store (a new file, or a new schema).
The suite's per-test lines and its report are printed to the terminal."""

import asyncio
import itertools
import uuid

import pytest

from langgraph.checkpoint.conformance import checkpointer_test, validate  # noqa: E402
from langgraph.checkpoint.conformance.capabilities import (  # noqa: E402
    BASE_CAPABILITIES,
    EXTENDED_CAPABILITIES,
)
from langgraph.checkpoint.conformance.report import ProgressCallbacks  # noqa: E402

import maestro  # noqa: E402
from maestro.langgraph import MaestroSaver  # noqa: E402

from test_postgres import _server  # noqa: E402


def _fresh_schema(url):
    """A store of its own on the PostgreSQL server: a new schema (search_path)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3Dlg_{uuid.uuid4().hex}"


def _run_suite(name, stores, capsys):
    """Runs the whole suite with a saver per capability on `next(stores)`; asserts that
    every capability was detected and passed."""

    @checkpointer_test(name=name)
    async def factory():
        handle = maestro.open(next(stores), durability="normal")
        try:
            yield MaestroSaver(handle, project="conformance")
        finally:
            handle.close()

    with capsys.disabled():
        print(f"\nLangGraph checkpointer conformance: {name}")
        report = asyncio.run(validate(factory, progress=ProgressCallbacks.verbose()))
        report.print_report()

    assert report.passed_all_base(), report.to_dict()
    for cap in sorted(BASE_CAPABILITIES | EXTENDED_CAPABILITIES, key=lambda c: c.value):
        result = report.results[cap.value]
        assert result.detected, f"{cap.value} is not implemented"
        assert result.passed is True and result.tests_failed == 0, (cap.value, result.failures)
        assert result.tests_passed > 0, f"{cap.value} ran no test"
    assert report.passed_all() and report.conformance_level() == "FULL"
    return sum(r.tests_passed for r in report.results.values())


def test_conformance_on_sqlite(tmp_path, capsys):
    stores = (str(tmp_path / f"saver-{n}.db") for n in itertools.count())
    passed = _run_suite("MaestroSaver (SQLite)", stores, capsys)
    assert passed >= 81  # langgraph-checkpoint-conformance 0.0.2 has 81 tests


def test_conformance_on_postgres(capsys):
    # The test server (MAESTRO_TEST_PG_URL, or one scripts/pg starts): never skipped.
    server = _server()
    stores = (_fresh_schema(server) for _ in itertools.count())
    passed = _run_suite("MaestroSaver (PostgreSQL)", stores, capsys)
    assert passed >= 81


# --- what the suite does not check ------------------------------------------------------

from langgraph.checkpoint.base import empty_checkpoint  # noqa: E402
from langgraph.checkpoint.serde.types import ERROR  # noqa: E402

import maestro.langgraph  # noqa: E402


def _put(saver, thread_id, metadata=None, parent=None, ns=""):
    cp = empty_checkpoint()
    conf = {"thread_id": thread_id, "checkpoint_ns": ns}
    if parent is not None:
        conf["checkpoint_id"] = parent
    saver.put({"configurable": conf}, cp, metadata or {}, {})
    return cp["id"]


def _ids(saver, config=None, **kw):
    return [t.checkpoint["id"] for t in saver.list(config, **kw)]


def _thread(thread_id, **conf):
    return {"configurable": {"thread_id": thread_id, **conf}}


def test_a_long_history_is_listed_page_by_page_in_order(m, monkeypatch):
    monkeypatch.setattr(maestro.langgraph, "_PAGE", 7)
    saver = MaestroSaver(m)
    ids, parent = [], None
    for step in range(30):
        parent = _put(saver, "long", {"step": step, "even": step % 2 == 0}, parent)
        ids.append(parent)
    newest_first = ids[::-1]
    root = _thread("long", checkpoint_ns="")
    assert _ids(saver, root) == newest_first
    assert _ids(saver, root, limit=15) == newest_first[:15]
    assert _ids(saver, root, limit=7) == newest_first[:7]
    assert _ids(saver, root, before=_thread("long", checkpoint_id=ids[20])) == newest_first[10:]
    assert _ids(saver, root, before=_thread("long", checkpoint_id=ids[20]), limit=9) == newest_first[10:19]
    assert _ids(saver, root, filter={"even": True}) == newest_first[1::2]
    assert _ids(saver, root, filter={"even": True}, limit=8) == newest_first[1::2][:8]
    assert _ids(saver, root, limit=0) == []
    # Without a namespace, or across threads, the answer comes in one call.
    assert _ids(saver, _thread("long")) == newest_first
    assert _ids(saver, None, limit=3) == newest_first[:3]

    async def alist():
        return [t.checkpoint["id"] async for t in saver.alist(root, limit=20)]

    assert asyncio.run(alist()) == newest_first[:20]


def test_metadata_filters_compare_whole_json_values_under_any_key(m):
    saver = MaestroSaver(m)
    tricky = {"it's": 1, 'say "hi"': "x", "back\\slash": 2, "flag": True, "ratio": 1.5, "nested": {"a": [1, "b"]}}
    a = _put(saver, "f", tricky)
    b = _put(saver, "f", {"it's": 2, "flag": 1, "ratio": 2.5, "nested": {"a": [1]}})
    conf = _thread("f")
    assert _ids(saver, conf, filter={"it's": 1}) == [a]
    assert _ids(saver, conf, filter={'say "hi"': "x"}) == [a]
    assert _ids(saver, conf, filter={"back\\slash": 2}) == [a]
    assert _ids(saver, conf, filter={"flag": True}) == [a]  # true is not 1
    assert _ids(saver, conf, filter={"flag": 1}) == [b]
    assert _ids(saver, conf, filter={"ratio": 2.5}) == [b]
    assert _ids(saver, conf, filter={"nested": {"a": [1, "b"]}}) == [a]
    assert _ids(saver, conf, filter={"nested": {"a": [1]}}) == [b]
    assert _ids(saver, conf, filter={"it's": 1, "flag": 1}) == []
    assert _ids(saver, conf, filter={"absent": "x"}) == []


def test_metadata_is_stored_as_json_and_config_scalars_join_it(m):
    saver = MaestroSaver(m)
    config = {
        "configurable": {"thread_id": "md", "checkpoint_ns": "", "user": "ann", "tries": 2, "obj": object()},
        "metadata": {"tag": "nightly"},
    }
    cp = empty_checkpoint()
    saver.put(config, cp, {"source": "loop", "step": 0, "counters": {"ch": (1, 2)}}, {})
    md = saver.get_tuple(_thread("md")).metadata
    assert md == {"source": "loop", "step": 0, "counters": {"ch": [1, 2]}, "user": "ann", "tries": 2, "tag": "nightly"}
    with pytest.raises(maestro.ValidationError):
        saver.put(_thread("md", checkpoint_ns=""), empty_checkpoint(), {"bad": object()}, {})


def test_pending_writes_come_in_langgraph_order(m):
    saver = MaestroSaver(m)
    cid = _put(saver, "w")
    conf = _thread("w", checkpoint_ns="", checkpoint_id=cid)
    saver.put_writes(conf, [("x", 1), ("y", 2)], "task-a", task_path="~1")
    saver.put_writes(conf, [("z", 3), (ERROR, "boom")], "task-b", task_path="~0")
    saver.put_writes(conf, [("x", 99)], "task-a", task_path="~1")  # index 0 is kept
    saver.put_writes(conf, [(ERROR, "boom again")], "task-b", task_path="~0")  # special: replaced
    assert saver.get_tuple(conf).pending_writes == [
        ("task-b", ERROR, "boom again"),
        ("task-b", "z", 3),
        ("task-a", "x", 1),
        ("task-a", "y", 2),
    ]


def test_nothing_is_ever_unpickled(m):
    import pickle

    saver = MaestroSaver(m)
    assert saver.serde.pickle_fallback is False
    cp = empty_checkpoint()
    stored = m.threads.put(
        saver.project_id, "p", cp["id"], maestro.Blob("pickle", pickle.dumps(cp)), {}
    )
    assert stored.checkpoint is None
    with pytest.raises(NotImplementedError):
        saver.get_tuple(_thread("p"))


def test_prune_refuses_an_unknown_strategy(m):
    saver = MaestroSaver(m)
    with pytest.raises(ValueError):
        saver.prune(["t"], strategy="keep_some")
