"""Every namespace end to end on a real database file, through the typed API."""

import datetime
import os
import subprocess
import sys
import time

import pytest

import maestro
from maestro import types


def test_every_operation_is_reachable_as_a_method(m):
    ops = maestro.operations()
    assert len(ops) == len(set(ops)) and "tasks.claim" in ops
    for op in ops:
        ns, verb = op.split(".")
        target = getattr(m, ns)
        method = getattr(target, verb, None) or getattr(target, verb + "_", None)
        assert callable(method), f"{op} has no method on m.{ns}"
        assert method.__doc__, f"m.{ns}.{verb} has no docstring"


def test_projects_and_steering(m):
    p = m.projects.create("shop", id="shop")
    assert isinstance(p, types.Project) and p.id == "shop" and p.version == 1
    assert m.projects.get("shop") == p and m.projects.get_by_name("shop") == p
    assert [x.id for x in m.projects.list()] == ["shop"]
    assert p.to_dict()["name"] == "shop" and "root" not in p.to_dict()
    assert "Project(id='shop'" in repr(p)
    m.projects.put_steering("shop", "tech", "Use Rust.", audiences=["backend"])
    m.projects.put_steering("shop", "tech", "Use Rust 2021.", audiences=["backend"])
    ctx = m.projects.steering_context("shop", "backend")
    assert [(d.domain, d.version, d.content) for d in ctx] == [("tech", 2, "Use Rust 2021.")]
    assert m.projects.steering_context("shop", "frontend") == []
    m.projects.delete("shop")
    assert m.projects.list() == []


def test_workflow_through_phases_with_votes_and_specs(m, project):
    w = m.workflows.create(project.id, "login", "flow", request="let users log in")
    assert (w.phase, w.status) == ("initializing", "active")
    w = m.workflows.advance(w.id, "planning", "orchestrator")
    assert w.phase == "planning"
    with pytest.raises(maestro.ConflictError) as e:
        m.workflows.advance(w.id, "completed", "orchestrator")
    assert (e.value.from_state, e.value.to_state) == ("planning", "completed")
    spec = m.workflows.create(project.id, "signup", "spec")
    nxt = m.workflows.get(spec.id).model["phases"][1]["name"]
    gate = m.workflows.gate(spec.id, nxt)
    assert isinstance(gate, types.Gate) and (gate.from_, gate.to, gate.approvals) == (spec.phase, nxt, 0)
    gate = m.workflows.vote(spec.id, nxt, "alice", True, "fine")
    assert gate.approvals == 1 and gate.to_dict()["from"] == spec.phase
    m.workflows.put_spec(w.id, "requirements", "v1", "pm")
    m.workflows.put_spec(w.id, "requirements", "v2", "pm")
    assert m.workflows.spec(w.id, "requirements").content == "v2"
    assert m.workflows.spec(w.id, "requirements", version=1).content == "v1"
    assert [d.version for d in m.workflows.spec_versions(w.id, "requirements")] == [1, 2]
    assert m.workflows.pause(w.id, "me").status == "paused"
    assert m.workflows.resume(w.id, "me").status == "active"
    assert [h.kind for h in m.workflows.history(w.id)][:2] == ["created", "transition"]
    assert m.workflows.fail(w.id, "gave up", "me").status == "failed"
    assert [x.id for x in m.workflows.list(project.id)] == [w.id, spec.id]


def test_sessions_tasks_claims_and_queues(m, project):
    db = m.tasks.create(project.id, "DB schema", labels=["database"], priority="high")
    api = m.tasks.create(project.id, "API", depends_on=[db.id])
    assert [t.id for t in m.tasks.ready(project.id)] == [db.id]
    assert m.tasks.topological_order(project.id) == [db.id, api.id]
    assert m.tasks.layers(project.id) == [[db.id], [api.id]]
    boss = m.sessions.spawn(project.id, "orchestrator", role="orchestrator")
    w = m.sessions.spawn(project.id, "worker", parent_session_id=boss.id, strategy="queue")
    assert w.status == "spawning"
    assert m.sessions.register(w.id).status == "idle"
    assert m.tasks.claim(w.id, labels=["frontend"]) is None
    got = m.tasks.claim(w.id, labels=["database"])
    assert (got.id, got.status) == (db.id, "in_progress")
    ev = m.sessions.append(w.id, "progress", "half", metadata={"progress": 0.5})
    assert isinstance(ev, types.TimelineEvent) and ev.metadata == {"progress": 0.5}
    assert m.tasks.complete(db.id, session_id=w.id).status == "completed"
    assert [t.id for t in m.tasks.ready(project.id)] == [api.id]
    assert [s.task_id for s in m.sessions.tasks(w.id)] == [db.id]
    assert [s.session_id for s in m.tasks.sessions(db.id)] == [w.id]
    item = m.queues.enqueue(w.id, api.id)
    assert [i.id for i in m.queues.list(w.id)] == [item.id]
    started = m.queues.next(w.id)
    assert (started.id, started.status) == (item.id, "processing")
    assert m.queues.complete(w.id).status == "completed"
    assert m.queues.next(w.id) is None
    assert m.tasks.get(api.id).status == "completed"
    assert [c.id for c in m.sessions.children(boss.id)] == [w.id]
    tree = m.sessions.tree(boss.id)
    assert tree.session.id == boss.id and [c.session.id for c in tree.children] == [w.id]
    assert [s.id for s in m.sessions.list(project_id=project.id, status=m.sessions.get(w.id).status)] == [w.id]
    assert m.sessions.heartbeat(w.id).id == w.id
    assert [e.message for e in m.sessions.timeline(w.id) if e.type == "progress"] == ["half"]
    assert m.sessions.transition(boss.id, "idle", expected="spawning").status == "idle"
    assert m.sessions.stop(boss.id, "done").status == "stopped"
    assert m.sessions.reap_stale(3600) == []
    assert m.sessions.complete(w.id).status == "completed"
    sub = m.tasks.create(project.id, "subtask", parent_id=api.id)
    assert [c.id for c in m.tasks.children(api.id)] == [sub.id]
    lone = m.tasks.create(project.id, "lone")
    m.tasks.add_dependency(lone.id, sub.id)
    assert m.tasks.get(lone.id).depends_on == [sub.id]
    assert m.tasks.remove_dependency(lone.id, sub.id).depends_on == []
    m.tasks.transition(lone.id, "in_progress")
    assert m.tasks.fail(lone.id, "nope").status == "failed"
    w2 = m.sessions.spawn(project.id, "w2")
    assert m.sessions.fail(w2.id, "crashed").status == "failed"
    q = m.sessions.spawn(project.id, "w3")
    m.sessions.register(q.id)
    t1 = m.tasks.create(project.id, "queued 1")
    t2 = m.tasks.create(project.id, "queued 2")
    m.queues.enqueue(q.id, t1.id)
    skipped = m.queues.enqueue(q.id, t2.id)
    assert m.queues.skip(q.id, skipped.id).status == "skipped"
    m.queues.next(q.id)
    assert m.queues.fail(q.id, "broke").status == "failed"
    assert m.tasks.transition(t2.id, "in_progress", session_id=q.id, expected="todo").status == "in_progress"


def test_checkpoints_decisions_reports_events_and_store(m, project, tmp_path):
    w = m.workflows.create(project.id, "login", "flow")
    d = m.decisions.record(
        w.id,
        "tech_stack",
        "Use PostgreSQL",
        "relational data",
        subject={"category": "database", "technology": "postgresql"},
        alternatives_considered=[{"option": "MongoDB", "reason_rejected": "joins"}],
    )
    assert isinstance(d, types.Decision) and d.phase == "initializing"
    d = m.decisions.record_outcome(d.id, "successful", issues=["slow migration"], would_choose_again=True)
    assert [o.status for o in d.outcomes] == ["successful"]
    assert isinstance(d.outcomes[0], types.Outcome) and d.outcomes[0].revision == 1
    assert d.to_dict()["outcomes"][0]["status"] == "successful"
    assert m.decisions.get(d.id) == d
    assert [x.id for x in m.decisions.search("postgresql")] == [d.id]
    assert [x.id for x in m.decisions.list(technology="postgresql", outcome="successful")] == [d.id]
    assert m.decisions.list(technology="mysql") == []
    cat = m.decisions.register_category(project.id, "security", "Security choices")
    names = [c.name for c in m.decisions.categories(project.id)]
    assert "tech_stack" in names and names[-1] == cat.name == "security"
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("hello\n")
    gp = m.projects.create("in git", root=str(repo))
    gw = m.workflows.create(gp.id, "refactor", "flow")
    c1 = m.checkpoints.create(gw.id, "first", tags=["a"])
    (repo / "bad.py").write_text("oops\n")
    c2 = m.checkpoints.create(gw.id, "second", "safe_state")
    assert [c.id for c in m.checkpoints.list(gw.id)] == [c1.id, c2.id]
    assert m.checkpoints.get(c1.id).tags == ["a"] and c1.commit_sha
    assert m.checkpoints.verify(gw.id) == []
    assert m.checkpoints.diff(c1.id, c2.id).files == ["bad.py"]
    out = m.checkpoints.rollback(c1.id, "hard")
    assert out.checkpoint.id == c1.id and out.safety_ref.startswith("refs/maestro/safety/")
    logged = m.decisions.get(out.decision_id)
    assert logged.category == "checkpoint" and logged.workflow_id == gw.id
    assert c1.id in logged.decision and out.safety_ref in logged.rationale and "hard" in logged.rationale
    assert not (repo / "bad.py").exists()
    m.checkpoints.create(w.id, "state only")
    with maestro.open(tmp_path / "with-repo.db", repo=repo) as r:
        assert r.projects.create("defaults to the repo").root == str(repo)
        assert r.projects.create("elsewhere", root=str(tmp_path)).root == str(tmp_path)
    kinds = [e.type for e in m.decisions.replay(w.id)]
    assert "decision.recorded" in kinds and "checkpoint.created" in kinds
    after = m.checkpoints.get(c1.id)
    assert (after.rollback_used, after.rollback_count) == (True, 1)
    assert m.reports.final_report(w.id).startswith("# Final report: login")
    assert "Use PostgreSQL" in m.reports.decisions_md(project.id)
    assert "login" in m.reports.execution_log(w.id)
    evs = m.events.since(0, entities=["decision"])
    # The decision and its outcome, then the rollback's own `checkpoint` decision.
    assert [e.type for e in evs] == ["decision.recorded", "decision.outcome_recorded", "decision.recorded"]
    assert evs[-1].entity_id == out.decision_id
    assert m.events.since(evs[0].seq, entities=["decision"], limit=5) == evs[1:]
    assert m.events.latest_seq() >= evs[-1].seq
    assert m.events.state_at("decision", d.id, evs[0].seq)["outcomes"] == []
    results = m.store.batch([("tasks.create", {"project_id": project.id, "title": "a"}),
                             {"op": "tasks.ready", "input": {"project_id": project.id}}])
    assert results[0]["title"] == "a" and [t["title"] for t in results[1]] == ["a"]
    m.store.check_integrity()
    m.store.backup(str(tmp_path / "copy.db"))
    with maestro.open(tmp_path / "copy.db") as copy:
        assert [p.name for p in copy.projects.list()] == ["shop", "in git"]
    assert m.store.export(str(tmp_path / "export")) > 5
    with maestro.open(":memory:") as fresh:
        summary = fresh.store.import_(str(tmp_path / "export"))
        # the recorded decision, and the rollback's `checkpoint` decision
        assert (summary.projects, summary.workflows, summary.decisions) == (2, 2, 2)
    assert m.call("projects.get", {"id": project.id})["name"] == "shop"


def test_learning_advice_ordering_and_records(tmp_path):
    with maestro.open(tmp_path / "learning.db", learning={"min_usage_count": 1}) as m:
        p = m.projects.create("shop")
        w = m.workflows.create(p.id, "login", "flow")
        for title, label in (("DB", "database"), ("API", "api")):
            t = m.tasks.create(p.id, title, workflow_id=w.id, labels=[label])
            m.tasks.transition(t.id, "in_progress")
            m.tasks.complete(t.id)
        d = m.decisions.record(w.id, "tech_stack", "Use PostgreSQL", "relational",
                               subject={"category": "database", "technology": "postgresql"})
        m.decisions.record_outcome(d.id, "successful")
        m.workflows.fail(w.id, "gave up", "me")

        r = m.learning.recommend("tech_stack", "database", project_id=p.id)
        assert isinstance(r, types.Recommendation) and r.thresholds["min_usage_count"] == 1
        assert [(c.kind, c.name, c.success_count) for c in r.preferred] == [("technology", "postgresql", 1)]
        assert m.learning.recommend("tech_stack", "database", thresholds={"min_usage_count": 2}).preferred == []
        assert [c.name for c in m.learning.stats(decision_category="tech_stack")] == ["postgresql"]
        loose = {"min_rule_evidence": 1, "min_rule_confidence": 0.5}
        rules = m.learning.ordering_rules(project_id=p.id, thresholds=loose)
        assert [(a.before, a.after) for a in rules.anti_patterns] == [("database", "api")]
        order = m.learning.suggest_order([{"key": "b", "labels": ["api"], "depends_on": ["a"]}, {"key": "a"}])
        assert isinstance(order, types.SuggestedOrder) and order.order == ["a", "b"]
        [o] = m.learning.orderings(p.id)
        assert (o.workflow_id, [t.labels for t in o.order]) == (w.id, [["database"], ["api"]])
        m.workflows.delete(w.id)
        assert m.workflows.list(p.id) == [] and len(m.learning.orderings(p.id)) == 1

        f = m.learning.record_failure(p.id, "login", "in-memory sessions", "lost on restart", "use redis",
                                      tags=["auth"], embedding=[1.0, 0.0, 0.5])
        assert f.embedding == [1.0, 0.0, 0.5] and m.learning.failure(f.id).embedding is None
        assert [x.id for x in m.learning.failures(project_id=p.id, limit=5)] == [f.id]
        [hit] = m.learning.similar_failures("restart", embedding=[1, 0, 0.4], k=3)
        assert hit.failure.id == f.id and hit.cosine is not None and hit.text_score is not None
        with pytest.raises(maestro.ValidationError):
            m.learning.similar_failures()

        e = m.learning.record_estimate(p.id, "login", 3, 5, unit="hours")
        assert m.learning.record_actual(e.id, 6).actual == 6
        assert [x.id for x in m.learning.estimates(project_id=p.id)] == [e.id]
        assert m.learning.correction_factor(project_id=p.id, window_days=30).factor == 2
        assert m.learning.corrected_estimate(2, 5, project_id=p.id).corrected == 4

        m.learning.record_retrospective(p.id, "login", surprises="slow CI", new_patterns=["retry"])
        assert [x.new_patterns for x in m.learning.retrospectives(p.id, "login")] == [["retry"]]
        m.learning.record_spike(p.id, "login", "OAuth?", "try it", "works", True, time_spent_minutes=30)
        assert [x.viable for x in m.learning.spikes(p.id)] == [True]
        m.learning.log_agent(p.id, "planner", "planning", "planned", 12.5, False, error="timeout")
        assert [x.error for x in m.learning.agent_logs(p.id, "planner")] == ["timeout"]
        [stat] = m.learning.agent_stats(since=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
        assert (stat.agent, stat.failure_rate) == ("planner", 1.0)
        assert m.learning.agent_stats(project_id=p.id, since="2999-01-01T00:00:00Z") == []
        m.learning.record_complexity(p.id, "a.rs", 2)
        m.learning.record_complexity(p.id, "a.rs", 4, lines=10)
        [trend] = m.learning.complexity_trends(p.id, "a.rs", window=5)
        assert (trend.growth, trend.alert, [pt.complexity for pt in trend.points]) == (2, True, [2, 4])
        m.learning.record_pattern_usage(p.id, "repository", 0.4, file="a.rs")
        [pc] = m.learning.pattern_compliance(project_id=p.id)
        assert (pc.pattern, pc.non_compliant) == ("repository", 1)
        assert m.learning.cache_docs("serde", "1.0", "docs", ttl_seconds=60).content == "docs"
        assert m.learning.cached_docs("serde", "1.0").content == "docs"
        assert m.learning.cached_docs("serde", "2.0") is None
        h = m.learning.history(p.id)
        assert isinstance(h, types.History) and isinstance(h.tech_stack, dict)


def test_subscribe_iterates_with_a_timeout_from_a_thread(m, project):
    import threading

    got = []
    sub = m.events.subscribe(timeout=2, entities=["task"])

    def consume():
        for e in sub:
            got.append(e.type)
            if len(got) == 2:
                break

    t = threading.Thread(target=consume)
    t.start()
    m.tasks.create(project.id, "one")
    m.projects.create("not a task")
    m.tasks.create(project.id, "two")
    t.join(5)
    assert got == ["task.created", "task.created"]
    assert sub.next(timeout=0.05) is None
    sub.close()
    with pytest.raises(maestro.MaestroError):
        sub.next(timeout=0.05)


def test_closing_a_subscription_wakes_a_waiting_thread_and_closing_the_handle_ends_it(db_path):
    import threading

    m = maestro.open(db_path)
    sub = m.events.subscribe()
    outcome = []

    def wait_forever():
        try:
            sub.next()
            outcome.append("event")
        except maestro.MaestroError as e:
            outcome.append(str(e))

    t = threading.Thread(target=wait_forever)
    t.start()
    time.sleep(0.2)
    sub.close()
    t.join(2)
    assert not t.is_alive() and outcome == ["the subscription is closed"]

    other = m.events.subscribe()
    m.close()
    with pytest.raises(maestro.MaestroError) as e:
        other.next(timeout=1)
    assert e.value.kind is None and "closed" in str(e.value)
    with pytest.raises(maestro.MaestroError, match="closed"):
        m.projects.list()
    m.close()  # twice is a no-op
    with pytest.raises(ValueError):
        maestro.open(":memory:").events.subscribe().next(timeout=float("nan"))


def test_every_exception_class_from_a_real_error_path(m, project, tmp_path, db_path):
    with pytest.raises(maestro.ValidationError) as e:
        m.tasks.create(project.id, "t", labels=["ok", 7])
    assert e.value.path == "/labels/1" and e.value.kind == "validation"
    with pytest.raises(TypeError):
        m.tasks.create(project.id, "t", colour="red")  # type: ignore[call-arg]
    with pytest.raises(maestro.ValidationError) as e:
        m.call("tasks.create", {"project_id": project.id, "title": "t", "colour": "red"})
    assert e.value.path == "/colour" and "colour" in str(e.value)
    with pytest.raises(maestro.NotFoundError) as e:
        m.tasks.get("nope")
    assert (e.value.entity, e.value.id) == ("task", "nope")
    t = m.tasks.create(project.id, "t")
    with pytest.raises(maestro.ConflictError) as e:
        m.tasks.transition(t.id, "completed")
    assert (e.value.entity, e.value.id, e.value.from_state, e.value.to_state) == ("task", t.id, "todo", "completed")
    assert isinstance(e.value, maestro.MaestroError)

    # Busy: another process holds the write lock past our busy timeout.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(10)", db_path],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with maestro.open(db_path, busy_timeout=0.2) as other:
            with pytest.raises(maestro.BusyError) as e:
                other.tasks.create(project.id, "blocked")
            assert e.value.kind == "busy"
    finally:
        holder.kill()
        holder.wait()

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(maestro.StorageError):
        maestro.open(garbage)

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".git" / "HEAD").write_text("not a ref at all\n")
    rp = m.projects.create("in git", root=str(repo))
    w = m.workflows.create(rp.id, "f", "flow")
    with pytest.raises(maestro.GitError):
        m.checkpoints.create(w.id, "broken repository")

    with pytest.raises(TypeError):
        m.tasks.claim("ses_x", labels="database")  # a str is not a list of labels

    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(maestro.IoError):
        m.store.export(str(a_file / "inside"))
    assert os.path.exists(db_path)


def test_bad_values_raise_validation_errors_with_their_path(m, project):
    """What JSON cannot carry is refused as a ValidationError naming where it sits."""
    with pytest.raises(maestro.ValidationError) as e:
        m.learning.record_estimate(project.id, "f", float("nan"), 5)
    assert e.value.path.endswith("/estimated"), e.value.path
    assert "NaN" in str(e.value)
    with pytest.raises(maestro.ValidationError) as e:
        m.learning.record_estimate(project.id, "f", 3, float("inf"))
    assert e.value.path.endswith("/complexity")
    with pytest.raises(maestro.ValidationError) as e:
        m.sessions.spawn(project.id, "s", metadata={"n": 2**70})
    assert e.value.path.endswith("/metadata/n"), e.value.path
    assert "out of range" in str(e.value)
    deep: object = "leaf"
    for _ in range(80):
        deep = [deep]
    with pytest.raises(maestro.ValidationError) as e:
        m.sessions.spawn(project.id, "s", metadata={"deep": deep})
    assert e.value.path.startswith("/metadata/deep/0/0"), e.value.path
    with pytest.raises(maestro.ValidationError) as e:
        m.sessions.spawn(project.id, "s", metadata={"a/b": {1, 2}})
    assert e.value.path == "/metadata/a~1b", e.value.path
    assert "set" in str(e.value)
    with pytest.raises(maestro.ValidationError) as e:
        m.sessions.spawn(project.id, "s", metadata={3: "x"})
    assert e.value.path == "/metadata"
    assert m.sessions.list(project_id=project.id) == [], "a refused call wrote something"


def test_a_huge_refused_input_costs_no_more_than_the_limit(m, project):
    """The limits apply while converting: 2,000 copies of a 1 MiB string stop at 64 MiB."""
    import resource

    big = "x" * (1 << 20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(maestro.ValidationError) as e:
        m.tasks.create(project.id, "t", labels=[big] * 2000)
    assert "limit" in str(e.value)
    assert e.value.path.startswith("/labels/"), e.value.path
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 200, f"refusing took {grown_mib:.0f} MiB"


def test_iter_since_pages_past_the_cap(m, project):
    s = m.sessions.spawn(project.id, "writer", role="backend", metadata={"k": 1}, env={"A": "1"})
    assert (s.role, s.metadata, s.env) == ("backend", {"k": 1}, {"A": "1"})
    start = m.events.latest_seq()
    for i in range(2500):
        m.sessions.append(s.id, "milestone", f"m{i}")
    assert len(m.events.since(start)) == 1000, "since returns one page"
    seqs = [e.seq for e in m.events.iter_since(start, page=700, session_id=s.id)]
    assert len(seqs) == 2500 and seqs == sorted(seqs) and seqs[0] > start
    messages = [e.payload["message"] for e in m.events.iter_since(start, types=["timeline_event.appended"])]
    assert messages == [f"m{i}" for i in range(2500)]


def test_typed_keywords_reach_the_api(m, project):
    a = m.tasks.create(project.id, "schema", id="t_schema", priority="high", labels=("db",), estimate=2.5)
    b = m.tasks.create(project.id, "api", depends_on=[a.id], description="REST", parent_id=None)
    assert (a.id, a.priority, a.labels, a.estimate) == ("t_schema", "high", ["db"], 2.5)
    assert (b.depends_on, b.description) == ([a.id], "REST")
    w = m.workflows.create(project.id, "f", "flow")
    d = m.decisions.record(
        w.id,
        "tech_stack",
        "PostgreSQL",
        "transactions",
        task_id=a.id,
        alternatives_considered=[{"option": "MongoDB", "reason_rejected": "no transactions"}],
        context={"sources": ["adr/1.md"], "confidence": "high"},
        subject={"category": "database", "technology": "postgresql"},
    )
    assert (d.task_id, d.alternatives_considered[0]["option"], d.subject) == (
        a.id,
        "MongoDB",
        {"category": "database", "technology": "postgresql"},
    )
    assert d.outcomes == []
    with pytest.raises(TypeError):
        m.tasks.create(project.id, "t", labels="db")  # a str is not a list of labels


def test_a_refused_list_of_small_values_is_counted_while_converting(m, project):
    """Every value counts for its JSON length, not only strings: twenty million `None`s
    are refused where their JSON would pass the 64 MiB limit, before the schema sees them."""
    many = [None] * 20_000_000
    with pytest.raises(maestro.ValidationError) as e:
        m.tasks.create(project.id, "t", labels=many)
    assert "64" in str(e.value) or "limit" in str(e.value), str(e.value)
    assert "bytes of JSON" in str(e.value), str(e.value)
    assert e.value.path.startswith("/labels/"), e.value.path
