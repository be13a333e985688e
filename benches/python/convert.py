"""What a result costs from Python: the typed calls that return many records or are
called most often, on one file store at `normal`. Prints one JSON line per call with the
median of its repetitions in microseconds. Run through `benches/python/run.sh`, or with
any venv that has maestro-py installed: `python benches/python/convert.py`.
"""

import json
import os
import statistics
import sys
import tempfile
import time

import maestro

REPS = int(os.environ.get("BENCH_REPS", "200"))


def median_us(f, reps=REPS):
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)


def report(name, us):
    print(json.dumps({"call": name, "median_us": round(us, 1)}), flush=True)


def main():
    d = tempfile.mkdtemp(prefix="maestro-convert-")
    m = maestro.open(os.path.join(d, "state.db"), durability="normal")
    p = m.projects.create("bench")
    w = m.workflows.create(p.id, "bench", "flow")
    s = m.sessions.spawn(p.id, "agent", workflow_id=w.id)
    m.sessions.register(s.id)
    for i in range(1000):
        m.sessions.append(s.id, "progress", f"step {i}", metadata={"progress": 0.5, "note": "x" * 100})
    tasks = [m.tasks.create(p.id, f"task {i}", labels=["backend"]) for i in range(100)]
    for i in range(50):
        m.sessions.spawn(p.id, f"agent {i}")
    seq = m.events.latest_seq() - 1000
    since = m.events.since(seq, limit=1000)
    assert len(since) == 1000
    report("events.since, 1,000 events", median_us(lambda: m.events.since(seq, limit=1000), 50))
    report("events.since, 1,000 events, untyped (m.call)",
           median_us(lambda: m.call("events.since", {"seq": seq, "limit": 1000}), 50))
    report("events.since, 1,000 events, as JSON text (json.loads of the C ABI's answer)",
           median_us(lambda: json.loads(json.dumps(m.call("events.since", {"seq": seq, "limit": 1000}))), 10))
    report("tasks.ready, 100 tasks", median_us(lambda: m.tasks.ready(p.id)))
    report("sessions.list, 51 sessions", median_us(lambda: m.sessions.list(project_id=p.id)))
    report("sessions.timeline, 1,000 events", median_us(lambda: m.sessions.timeline(s.id), 50))
    report("sessions.get", median_us(lambda: m.sessions.get(s.id), 2000))
    report("tasks.get", median_us(lambda: m.tasks.get(tasks[0].id), 2000))
    report("sessions.append", median_us(lambda: m.sessions.append(s.id, "milestone", "done"), 2000))
    report("decisions.record", median_us(lambda: m.decisions.record(w.id, "architecture", "a queue", "decouples"), 2000))
    m.close()


if __name__ == "__main__":
    sys.exit(main())
