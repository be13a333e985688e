"""The `maestro` command that `pip install ./maestro-py` puts on the environment's PATH,
and the read-only open mode it is built on."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

import maestro


def maestro_command():
    """The `maestro` script of the environment running the tests."""
    found = shutil.which("maestro", path=os.path.dirname(sys.executable))
    assert found, "pip install ./maestro-py did not put `maestro` beside the interpreter"
    return found


def run(*args, cwd=None):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="160")
    env.pop("MAESTRO_DB", None)
    return subprocess.run(
        [maestro_command(), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


@pytest.fixture
def store(tmp_path):
    db = os.path.join(tmp_path, ".flow", "maestro", "state.db")
    with maestro.open(db, durability="normal") as m:
        p = m.projects.create("shop")
        a = m.tasks.create(p.id, "schema")
        m.tasks.create(p.id, "api", depends_on=[a.id])
        s = m.sessions.spawn(p.id, "worker")
        m.sessions.register(s.id)
    return db


def test_the_script_is_on_path_and_answers_json(store):
    out = run("--db", store, "status", "--json")
    assert out.returncode == 0, out.stderr
    envelope = json.loads(out.stdout)
    assert envelope["schema_version"] == 1
    assert envelope["command"] == "status"
    (project,) = envelope["data"]["projects"]
    assert project["name"] == "shop"
    assert project["tasks"]["ready_count"] == 1
    assert project["sessions"]["by_status"] == {"idle": 1}

    ready = json.loads(run("--db", store, "tasks", "ready", "shop", "--json").stdout)["data"]
    assert [t["title"] for t in ready] == ["schema"]
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("maestro ")


def test_the_store_is_found_from_a_subfolder(store, tmp_path):
    deep = os.path.join(tmp_path, "src", "deep")
    os.makedirs(deep)
    out = run("info", "--json", cwd=deep)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)["data"]
    assert info["store"] == store
    assert info["found"]["by"] == "discovered"


def test_a_missing_store_is_not_created(tmp_path):
    db = os.path.join(tmp_path, "nowhere", "state.db")
    out = run("--db", db, "status")
    assert out.returncode == 3
    assert "nothing was created" in out.stderr
    assert not os.path.exists(os.path.dirname(db))
    out = run("--db", db, "tasks", "list", "--json")
    assert json.loads(out.stdout)["error"]["kind"] == "not_found"


def test_follow_stops_cleanly_on_sigint_in_the_python_process(store):
    env = dict(os.environ)
    env.pop("MAESTRO_DB", None)
    follower = subprocess.Popen(
        [maestro_command(), "--db", store, "events", "--follow", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        time.sleep(0.5)
        with maestro.open(store) as m:
            p = m.projects.get_by_name("shop")
            m.tasks.create(p.id, "docs")
        line = follower.stdout.readline()
        event = json.loads(line)
        assert event["type"] == "task.created"
        assert event["payload"]["title"] == "docs"
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=5) == 0
        assert "Traceback" not in follower.stderr.read()
    finally:
        if follower.poll() is None:
            follower.kill()


def test_read_only_open(store, tmp_path):
    with maestro.open(store, read_only=True) as m:
        (p,) = m.projects.list()
        assert [t.title for t in m.tasks.ready(p.id)] == ["schema"]
        with pytest.raises(maestro.StorageError, match="read-only"):
            m.tasks.create(p.id, "refused")
    with maestro.open(store) as m:
        assert len(m.tasks.list(p.id)) == 2, "a refused write left something behind"
    missing = os.path.join(tmp_path, "missing.db")
    with pytest.raises(maestro.NotFoundError):
        maestro.open(missing, read_only=True)
    assert not os.path.exists(missing)
