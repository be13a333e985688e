"""Threads sharing one handle, processes sharing one file, fork safety, and Python's own
sqlite3 reading a Maestro file in the same process."""

import multiprocessing
import os
import sqlite3
import threading
import time

import pytest

import maestro


def test_eight_threads_share_one_handle_and_every_write_lands(m, project):
    session = m.sessions.spawn(project.id, "shared")
    m.sessions.register(session.id)
    errors = []

    def writer(n):
        try:
            for i in range(500):
                m.sessions.append(session.id, "milestone", f"t{n}-{i}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    messages = [e.message for e in m.sessions.timeline(session.id) if e.type == "milestone"]
    assert len(messages) == 4000
    assert set(messages) == {f"t{n}-{i}" for n in range(8) for i in range(500)}
    # Each thread's own writes stay in its order.
    for n in range(8):
        mine = [int(x.split("-")[1]) for x in messages if x.startswith(f"t{n}-")]
        assert mine == list(range(500))


def test_another_thread_runs_python_while_a_long_batch_runs(m, project):
    ops = [("tasks.create", {"project_id": project.id, "title": f"t{i}"}) for i in range(20000)]
    done = threading.Event()
    took = []

    def long_batch():
        start = time.perf_counter()
        m.store.batch(ops)
        took.append(time.perf_counter() - start)
        done.set()

    counter = 0
    t = threading.Thread(target=long_batch)
    t.start()
    while not done.is_set():
        counter += 1
    t.join()
    # The batch takes a while; had it held the interpreter, this loop could not have
    # counted during it.
    assert took[0] > 0.05, took
    assert counter > 100_000, counter
    assert len(m.tasks.list(project.id)) == 20000


def _claimer(path, project_id, out):
    with maestro.open(path, durability="normal") as h:
        s = h.sessions.spawn(project_id, f"worker-{os.getpid()}")
        h.sessions.register(s.id)
        mine = []
        while True:
            t = h.tasks.claim(s.id)
            if t is None:
                break
            mine.append(t.id)
            h.tasks.complete(t.id, session_id=s.id)
        out.put(mine)


def test_four_processes_claim_each_task_exactly_once(db_path):
    with maestro.open(db_path, durability="normal") as m:
        p = m.projects.create("pool")
        m.store.batch([("tasks.create", {"project_id": p.id, "title": f"t{i}"}) for i in range(200)])
        ids = {t.id for t in m.tasks.list(p.id)}
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claimer, args=(db_path, p.id, out)) for _ in range(4)]
    for pr in procs:
        pr.start()
    claimed = [out.get(timeout=120) for _ in procs]
    for pr in procs:
        pr.join(60)
        assert pr.exitcode == 0
    flat = [t for mine in claimed for t in mine]
    assert len(flat) == 200 and set(flat) == ids
    assert sum(1 for mine in claimed if mine) >= 2, [len(x) for x in claimed]
    with maestro.open(db_path) as m:
        assert {t.status for t in m.tasks.list(p.id)} == {"completed"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork")
def test_a_forked_child_gets_a_clear_error_and_opens_its_own_handle(m, project, db_path):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        code = 1
        try:
            try:
                m.projects.list()
                msg = "no error"
            except maestro.MaestroError as e:
                msg = str(e)
            with maestro.open(db_path, durability="normal") as own:
                own.tasks.create(project.id, "from the child")
            os.write(w, msg.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    msg = os.read(r, 4096).decode()
    os.close(r)
    assert os.waitstatus_to_exitcode(status) == 0
    assert "after os.fork()" in msg and str(pid) in msg, msg
    # The parent's handle still works and sees the child's write.
    assert [t.title for t in m.tasks.list(project.id)] == ["from the child"]
    m.store.check_integrity()


def test_python_sqlite3_reads_while_maestro_writes(m, project, db_path):
    """The documented limit: Python's sqlite3 may read a Maestro file in the same process
    (one long-lived connection); it must never write to it there. Reading concurrently
    loses no Maestro write and leaves the file intact."""
    session = m.sessions.spawn(project.id, "writer")
    m.sessions.register(session.id)
    stop = threading.Event()
    seen = []

    def reader():
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
        while not stop.is_set():
            seen.append(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        conn.close()

    t = threading.Thread(target=reader)
    t.start()
    for i in range(1000):
        m.sessions.append(session.id, "milestone", f"m{i}")
    stop.set()
    t.join()
    assert len(seen) > 10 and seen[-1] >= seen[0]
    messages = [e.message for e in m.sessions.timeline(session.id) if e.type == "milestone"]
    assert messages == [f"m{i}" for i in range(1000)]
    m.store.check_integrity()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # Writes made after the sqlite3 connection closed still land.
    m.sessions.append(session.id, "milestone", "after")
    assert m.sessions.timeline(session.id)[-1].message == "after"
