"""`tests/errors/cases.json`, the error table every language runs, through `m.call`: each
case raises the exception of its kind, with its JSON pointer (`.path`) and a message
naming what the case lists."""

import json
import os

import pytest

import maestro

TABLE = json.load(
    open(os.path.join(os.path.dirname(__file__), "..", "errors", "cases.json"), encoding="utf-8")
)


@pytest.fixture(scope="module")
def store():
    with maestro.open(":memory:") as m:
        for step in TABLE["setup"]:
            m.call(step["op"], step["input"])
        yield m


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_error_table(store, case):
    with pytest.raises(maestro.MaestroError) as e:
        store.call(case["op"], case["input"])
    assert e.value.kind == case["kind"], str(e.value)
    assert e.value.path == case["path"], str(e.value)
    for part in case["message"]:
        assert part in str(e.value)
    if "entity" in case:
        assert (e.value.entity, e.value.id) == (case["entity"], case["id"]), str(e.value)
        assert (getattr(e.value, "from_state", None), getattr(e.value, "to_state", None)) == (case["from"], case["to"])
