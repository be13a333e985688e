"""Maestro's Python package on PostgreSQL against langgraph-checkpoint-postgres's
PostgresSaver, on the same server, same run: 2,000 operations with a ~2 KB payload each
(put, read the latest state, list a full history) and 4 processes writing at once.
Both stores get a fresh schema of their own. The server is MAESTRO_BENCH_PG_URL (default:
`scripts/pg url`). Run through `benches/python/run.sh postgres`.

Prints one JSON line per scenario with the seconds each store took and the ratio
(PostgresSaver / Maestro, so > 1 means Maestro is faster).
"""

import json
import multiprocessing
import os
import subprocess
import sys
import time
import uuid

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver

import maestro
from side_by_side import PAYLOAD, config, put_many, timed

N = int(os.environ.get("BENCH_OPS", "2000"))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def server():
    return os.environ.get("MAESTRO_BENCH_PG_URL") or subprocess.check_output(
        [os.path.join(ROOT, "scripts", "pg"), "url"], text=True
    ).strip()


def schema_url(prefix):
    """A URL whose connections use a new schema (created here, for psycopg's sake)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server(), autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {name}")
    return f"{server()}?options=-csearch_path%3D{name}"


def scenario(name, maestro_s, saver_s, ops=N):
    print(json.dumps({"scenario": name, "maestro_s": round(maestro_s, 4), "postgressaver_s": round(saver_s, 4),
                      "ratio": round(saver_s / maestro_s, 2), "ops": ops}), flush=True)


def maestro_writer(url, session, n, out):
    with maestro.open(url) as m:
        out.put(timed(lambda: [m.sessions.append(session, "milestone", PAYLOAD) for _ in range(n)]))


def saver_writer(url, thread, n, out):
    with PostgresSaver.from_conn_string(url) as s:
        out.put(timed(lambda: put_many(s, thread, n, start=1_000_000 * (1 + int(thread.split("-")[1])))))


def main():
    m_url, s_url = schema_url("bench_maestro"), schema_url("bench_lg")
    with maestro.open(m_url) as m, PostgresSaver.from_conn_string(s_url) as lg:
        lg.setup()
        p = m.projects.create("bench")
        s = m.sessions.register(m.sessions.spawn(p.id, "agent").id)
        scenario("put: timeline append vs put",
                 timed(lambda: [m.sessions.append(s.id, "milestone", PAYLOAD) for _ in range(N)]),
                 timed(lambda: put_many(lg, "agent", N)))
        scenario("get the latest state: sessions.get vs get_tuple",
                 timed(lambda: [m.sessions.get(s.id) for _ in range(N)]),
                 timed(lambda: [lg.get_tuple(config("agent")) for _ in range(N)]))
        reps = 5
        t_m = timed(lambda: [len(m.sessions.timeline(s.id)) for _ in range(reps)]) / reps
        t_s = timed(lambda: [len(list(lg.list(config("agent")))) for _ in range(reps)]) / reps
        assert len(m.sessions.timeline(s.id)) >= N and len(list(lg.list(config("agent")))) == N
        scenario(f"list a full history of {N}: sessions.timeline vs list()", t_m, t_s)
        sessions = [m.sessions.register(m.sessions.spawn(p.id, f"proc-{k}").id).id for k in range(4)]
    ctx = multiprocessing.get_context("spawn")
    per = N // 4

    def four(target, args):
        out = ctx.Queue()
        procs = [ctx.Process(target=target, args=(*a, per, out)) for a in args]
        start = time.perf_counter()
        for pr in procs:
            pr.start()
        [out.get(timeout=600) for _ in procs]
        for pr in procs:
            pr.join()
            assert pr.exitcode == 0
        return time.perf_counter() - start

    t_m = four(maestro_writer, [(m_url, x) for x in sessions])
    t_s = four(saver_writer, [(s_url, f"proc-{k}") for k in range(4)])
    scenario("4 processes writing at once (wall time, incl. start)", t_m, t_s, ops=4 * per)


if __name__ == "__main__":
    sys.exit(main())
