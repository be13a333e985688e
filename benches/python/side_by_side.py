"""Maestro's Python package against langgraph-checkpoint-sqlite's SqliteSaver: the
checkpointer Python agent frameworks use today. Same machine, same run, file databases,
5,000 operations with a ~2 KB payload each. Run through `benches/python/run.sh`.

Each scenario is timed for both stores back to back; the script prints one JSON line per
scenario with the seconds each store took and the ratio (SqliteSaver / Maestro, so > 1
means Maestro is faster).
"""

import json
import os
import sqlite3
import sys
import tempfile
import threading
import time

from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.sqlite import SqliteSaver

import maestro

N = int(os.environ.get("BENCH_OPS", "5000"))
PAYLOAD = ("agent observation: " + "x" * 2000)[:2048]  # about 2 KB


def saver(path, synchronous):
    conn = sqlite3.connect(path, check_same_thread=False)
    s = SqliteSaver(conn)
    s.setup()
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return s


def config(thread):
    return {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}


def checkpoint(i):
    c = empty_checkpoint()
    c["id"] = str(uuid6(clock_seq=i))
    c["channel_values"] = {"observation": PAYLOAD, "step": i}
    return c


def put_many(s, thread, n, start=0):
    cfg = config(thread)
    for i in range(start, start + n):
        cfg = s.put(cfg, checkpoint(i), {"source": "loop", "step": i}, {})


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def scenario(name, maestro_s, saver_s, unit="s"):
    print(json.dumps({"scenario": name, "maestro_s": round(maestro_s, 4), "sqlitesaver_s": round(saver_s, 4),
                      "ratio": round(saver_s / maestro_s, 2), "ops": N}), flush=True)


def main():
    d = tempfile.mkdtemp(prefix="maestro-bench-")
    for durability, synchronous in (("full", "FULL"), ("normal", "NORMAL")):
        m = maestro.open(os.path.join(d, f"maestro-{durability}.db"), durability=durability)
        p = m.projects.create("bench")
        w = m.workflows.create(p.id, "bench", "flow")
        s = m.sessions.spawn(p.id, "agent", workflow_id=w.id)
        m.sessions.register(s.id)
        lg = saver(os.path.join(d, f"sqlitesaver-{durability}.db"), synchronous)

        t_m = timed(lambda: [m.sessions.append(s.id, "milestone", PAYLOAD) for _ in range(N)])
        t_s = timed(lambda: put_many(lg, "agent", N))
        scenario(f"durable write, timeline append vs put ({durability})", t_m, t_s)

        t_d = timed(lambda: [m.decisions.record(w.id, "architecture", f"decision {i}", PAYLOAD) for i in range(N)])
        t_s2 = timed(lambda: put_many(lg, "decisions", N))
        scenario(f"durable write, decision record vs put ({durability})", t_d, t_s2)

        if durability == "normal":
            t_m = timed(lambda: [m.sessions.get(s.id) for _ in range(N)])
            t_s = timed(lambda: [lg.get_tuple(config("agent")) for _ in range(N)])
            scenario("read the latest state: sessions.get vs get_tuple", t_m, t_s)

            reps = 5
            t_m = timed(lambda: [len(m.sessions.timeline(s.id)) for _ in range(reps)]) / reps
            t_s = timed(lambda: [len(list(lg.list(config("agent")))) for _ in range(reps)]) / reps
            assert len(m.sessions.timeline(s.id)) >= N and len(list(lg.list(config("agent")))) == N
            scenario(f"list a full history of {N}: sessions.timeline vs list()", t_m, t_s)

            sessions = []
            for k in range(4):
                x = m.sessions.spawn(p.id, f"thread-{k}")
                m.sessions.register(x.id)
                sessions.append(x.id)
            per = N // 4

            def run_threads(target):
                ts = [threading.Thread(target=target, args=(k,)) for k in range(4)]
                start = time.perf_counter()
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
                return time.perf_counter() - start

            t_m = run_threads(lambda k: [m.sessions.append(sessions[k], "milestone", PAYLOAD) for _ in range(per)])
            t_s = run_threads(lambda k: put_many(lg, f"thread-{k}", per, start=100_000 * (k + 1)))
            print(json.dumps({"scenario": "4 threads writing concurrently (normal)", "ops": 4 * per,
                              "maestro_per_s": round(4 * per / t_m), "sqlitesaver_per_s": round(4 * per / t_s),
                              "ratio": round(t_s / t_m, 2)}), flush=True)
        m.close()
        lg.conn.close()


if __name__ == "__main__":
    sys.exit(main())
