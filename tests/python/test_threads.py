"""`m.threads`: agent-thread checkpoints from Python, blobs as bytes, errors with paths."""

import pytest

import maestro
from maestro import Blob


def test_put_get_list_and_writes_round_trip_bytes(m):
    p = m.projects.create("graphs").id
    raw = bytes(range(256)) * 4
    put = m.threads.put(p, "conv", "1ef-a", Blob("msgpack", raw), {"step": 0, "source": "input"})
    assert put.checkpoint is None and put.writes == []
    m.threads.put(p, "conv", "1ef-b", Blob("msgpack", b"\x00"), {"step": 1, "source": "loop"}, parent_id="1ef-a")
    assert m.threads.put_writes(p, "conv", "1ef-b", "task", [(0, "messages", Blob("json", b'["hi"]'))]) == 1
    latest = m.threads.get(p, "conv")
    assert latest is not None
    assert (latest.checkpoint_id, latest.parent_id, latest.metadata["source"]) == ("1ef-b", "1ef-a", "loop")
    assert [(w.channel, w.value) for w in latest.writes] == [("messages", Blob("json", b'["hi"]'))]
    first = m.threads.get(p, "conv", checkpoint_id="1ef-a")
    assert first is not None and first.checkpoint == Blob("msgpack", raw)
    assert [c.checkpoint_id for c in m.threads.list(p, thread_id="conv")] == ["1ef-b", "1ef-a"]
    assert [c.checkpoint_id for c in m.threads.list(p, filter={"source": "input"})] == ["1ef-a"]
    assert m.threads.get(p, "nobody") is None
    assert [t.thread_id for t in m.threads.list_threads(p)] == ["conv"]


def test_a_blob_may_exceed_the_string_limit_but_metadata_may_not(m):
    p = m.projects.create("graphs").id
    big = b"\x07" * (3 << 20)
    m.threads.put(p, "big", "1", Blob("bytes", big), {})
    got = m.threads.get(p, "big")
    assert got is not None and got.checkpoint is not None and got.checkpoint.data == big
    with pytest.raises(maestro.ValidationError) as e:
        m.threads.put(p, "big", "2", Blob("bytes", b""), {"note": "x" * (2 << 20)})
    assert e.value.path == "/metadata/note"


def test_bad_values_raise_validation_errors_with_their_path(m):
    p = m.projects.create("graphs").id
    with pytest.raises(maestro.ValidationError) as e:
        m.threads.put(p, "t", "1", Blob("b", b""), {"score": float("nan")})
    assert e.value.path == "/metadata/score"
    with pytest.raises(maestro.ValidationError) as e:
        m.threads.put(p, "t" * 300, "1", Blob("b", b""), {})
    assert e.value.path == "/thread_id"
    with pytest.raises(maestro.ValidationError) as e:
        m.threads.put_writes(p, "t", "1", "task", [(0, "", Blob("b", b""))])
    assert e.value.path == "/writes/0/channel"
    with pytest.raises(TypeError):
        m.threads.delete_runs(p, "run-1")  # a bare str is not a list of run ids
    with pytest.raises(maestro.NotFoundError):
        m.threads.get_thread(p, "t")


def test_a_linked_thread_shows_on_the_session_timeline(m):
    p = m.projects.create("graphs").id
    s = m.sessions.spawn(p, "agent")
    t = m.threads.link(p, "conv", session_id=s.id)
    assert t.session_id == s.id
    m.threads.put(p, "conv", "1", Blob("b", b"x"), {"step": 2, "source": "loop"})
    last = m.sessions.timeline(s.id)[-1]
    assert last.type == "thread_checkpoint"
    assert last.metadata["checkpoint_id"] == "1"
    again = m.threads.get_thread(p, "conv")
    assert (again.thread_id, again.session_id, again.workflow_id) == ("conv", s.id, None)
