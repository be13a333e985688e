"""The same Python API on a PostgreSQL store: `maestro.open` takes a `postgres://` URL
wherever it takes a path. The namespace tests below are the SQLite ones, run again with
`m` opened on PostgreSQL; then threads of one handle and processes sharing the server."""

import os
import subprocess
import threading
import uuid

import pytest

import maestro
from test_concurrency import claim_pool
from test_namespaces import (  # noqa: F401  (collected again here, on PostgreSQL)
    test_projects_and_steering,
    test_sessions_tasks_claims_and_queues,
    test_subscribe_iterates_with_a_timeout_from_a_thread,
    test_workflow_through_phases_with_votes_and_specs,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _server():
    url = os.environ.get("MAESTRO_TEST_PG_URL")
    if url:
        return url
    return subprocess.check_output([os.path.join(ROOT, "scripts", "pg"), "start"], text=True).strip()


@pytest.fixture
def pg_url():
    """A new, empty store: a schema of its own on the test server."""
    return f"{_server()}?options=-csearch_path%3Dpy_{uuid.uuid4().hex}"


@pytest.fixture
def m(pg_url):
    with maestro.open(pg_url, durability="normal") as handle:
        yield handle


def test_a_url_opens_postgres_and_what_was_written_is_there_after_reopening(pg_url):
    with maestro.open(pg_url) as m:
        p = m.projects.create("shop")
        t = m.tasks.create(p.id, "build")
        assert m.events.latest_seq() >= 2
    with maestro.open(pg_url) as again:
        assert again.tasks.get(t.id).title == "build"
        assert [e.type for e in again.events.since(0)][:2] == ["project.created", "task.created"]


def test_a_wrong_password_is_a_storage_error_that_never_shows_it():
    with pytest.raises(maestro.StorageError) as e:
        maestro.open("postgres://maestro:hunter2-secret@127.0.0.1:1/none")
    assert "hunter2-secret" not in str(e.value)


def test_eight_threads_share_one_postgres_handle_and_every_write_lands(m):
    p = m.projects.create("threads")
    s = m.sessions.register(m.sessions.spawn(p.id, "shared").id)
    errors = []

    def writer(n):
        try:
            for i in range(100):
                m.sessions.append(s.id, "milestone", f"t{n}-{i}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    messages = [e.message for e in m.sessions.timeline(s.id) if e.type == "milestone"]
    assert sorted(messages) == sorted(f"t{n}-{i}" for n in range(8) for i in range(100))
    seqs = [e.seq for e in m.events.since(0)]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "the feed has no gap"


def test_four_processes_claim_each_task_exactly_once_on_postgres(pg_url):
    claim_pool(pg_url, 200)


def test_a_subscription_hears_another_handle_on_the_same_server(pg_url):
    with maestro.open(pg_url) as listener, maestro.open(pg_url) as writer:
        p = writer.projects.create("shared")
        sub = listener.events.subscribe(timeout=5, entities=["task"])
        writer.tasks.create(p.id, "from elsewhere")
        e = sub.next(timeout=5)
        assert e is not None and e.type == "task.created"
        sub.close()
