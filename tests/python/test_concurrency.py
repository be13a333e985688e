"""Threads sharing one handle, processes sharing one file, fork safety, and Python's own
sqlite3 reading a Maestro file in the same process."""

import multiprocessing
import os
import subprocess
import sys
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
    started = threading.Event()
    done = threading.Event()
    took = []

    def long_batch():
        started.set()
        start = time.perf_counter()
        m.store.batch(ops)
        took.append(time.perf_counter() - start)
        done.set()

    counter = 0
    t = threading.Thread(target=long_batch)
    t.start()
    started.wait()
    while not done.is_set():
        counter += 1
    t.join()
    # The loop only counts while the batch runs; had the batch held the interpreter, it
    # could not have counted at all.
    assert took[0] > 0.05, took
    assert counter > 10_000, counter
    assert len(m.tasks.list(project.id)) == 20000


def _claimer(path, project_id, out, start):
    with maestro.open(path, durability="normal") as h:
        s = h.sessions.spawn(project_id, f"worker-{os.getpid()}")
        h.sessions.register(s.id)
        # Every process claims from the same moment: a fast one would otherwise take the
        # whole pool while the others still start.
        start.wait(60)
        mine = []
        while True:
            t = h.tasks.claim(s.id)
            if t is None:
                break
            mine.append(t.id)
            h.tasks.complete(t.id, session_id=s.id)
        out.put(mine)


def claim_pool(target, n):
    """4 real processes claim a pool of `n` new tasks in the store at `target` (a file
    or URL), starting together; returns the project id and each process's claims after
    checking every task was claimed exactly once."""
    with maestro.open(target, durability="normal") as m:
        p = m.projects.create("pool")
        m.store.batch([("tasks.create", {"project_id": p.id, "title": f"t{i}"}) for i in range(n)])
        ids = {t.id for t in m.tasks.list(p.id)}
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start = ctx.Barrier(4)
    procs = [ctx.Process(target=_claimer, args=(target, p.id, out, start)) for _ in range(4)]
    for pr in procs:
        pr.start()
    claimed = [out.get(timeout=120) for _ in procs]
    for pr in procs:
        pr.join(60)
        assert pr.exitcode == 0
    flat = [t for mine in claimed for t in mine]
    assert len(flat) == n and set(flat) == ids
    return p, claimed


def test_four_processes_claim_each_task_exactly_once(db_path):
    p, claimed = claim_pool(db_path, 400)
    assert sum(1 for mine in claimed if mine) >= 2, [len(x) for x in claimed]
    with maestro.open(db_path) as m:
        assert {t.status for t in m.tasks.list(p.id)} == {"completed"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork")
def test_a_forked_child_gets_clear_errors_instead_of_shared_sqlite_state(m, project, db_path, tmp_path):
    """After os.fork(), the parent's handle raises in the child, and so does opening the
    same file again: SQLite's per-file state is inherited without its locks. The child
    may open other files; workers for the same file start with "spawn" (tested above)."""
    other_path = str(tmp_path / "child.db")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        code = 1
        try:
            lines = []
            for attempt in (lambda: m.projects.list(), lambda: maestro.open(db_path)):
                try:
                    attempt()
                    lines.append("no error")
                except maestro.MaestroError as e:
                    lines.append(str(e))
            with maestro.open(other_path, durability="normal") as own:
                own.projects.create("child's own store")
            os.write(w, "\n".join(lines).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    used, reopened = os.read(r, 8192).decode().split("\n")
    os.close(r)
    assert os.waitstatus_to_exitcode(status) == 0
    assert "after os.fork()" in used and str(pid) in used, used
    assert "forked from" in reopened and "spawn" in reopened, reopened
    with maestro.open(other_path) as child_store:
        assert [p.name for p in child_store.projects.list()] == ["child's own store"]
    # The parent's handle is untouched.
    assert m.tasks.create(project.id, "parent still writes").title == "parent still writes"
    m.store.check_integrity()


def test_python_sqlite3_reads_from_another_process_while_maestro_writes(m, project, db_path):
    """The documented limit (README, "Python"): Python's own sqlite3 module is a second
    copy of SQLite. Two copies in ONE process do not see each other's POSIX locks: a
    sqlite3 connection there can believe it is alone, rebuild or truncate the WAL index
    under Maestro and corrupt the file (we saw SIGBUS, lost writes and "malformed"). So
    read a Maestro file with sqlite3 from another process, where the locks work: this
    test does that while Maestro writes, and checks no write is lost and the file is
    intact."""
    session = m.sessions.spawn(project.id, "writer")
    m.sessions.register(session.id)
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "conn = sqlite3.connect(sys.argv[1])\n"
         "seen = []\n"
         "print('ready', flush=True)\n"
         "while not sys.stdin.readline().startswith('stop'):\n"
         "    seen.append(conn.execute('SELECT count(*) FROM events').fetchone()[0])\n"
         "print(len(seen), min(seen), max(seen), int(seen == sorted(seen)), flush=True)\n",
         db_path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "ready"
    for i in range(1000):
        m.sessions.append(session.id, "milestone", f"m{i}")
        if i % 10 == 0:
            reader.stdin.write("read\n")
            reader.stdin.flush()
    reader.stdin.write("stop\n")
    reader.stdin.flush()
    reads, low, high, monotonic = map(int, reader.stdout.readline().split())
    assert reader.wait(30) == 0
    assert reads == 100 and low < high and monotonic == 1
    messages = [e.message for e in m.sessions.timeline(session.id) if e.type == "milestone"]
    assert messages == [f"m{i}" for i in range(1000)]
    m.store.check_integrity()
    check = subprocess.run(
        [sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", db_path],
        capture_output=True, text=True, check=True)
    assert check.stdout.strip() == "ok"
