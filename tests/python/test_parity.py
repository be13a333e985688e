"""The Python namespaces against the schemas: every operation is a method whose parameters
are the operation's arguments (`schemas/api/operations.schema.json`) and whose return
annotation is its result (`schemas/api/results.schema.json`), so the hand-written
wrappers cannot drift from the generated types or from the other languages."""

import inspect
import json
import pathlib

import pytest

import maestro

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "api"
INPUTS = json.loads((SCHEMAS / "operations.schema.json").read_text())["definitions"]
RESULTS = json.loads((SCHEMAS / "results.schema.json").read_text())["definitions"]
OPERATIONS = [k for k in RESULTS if "." in k]

# Where Python spells an argument its own way, on purpose: operation -> {schema name: python name}.
RENAMED = {
    "sessions.reap_stale": {"timeout_ms": "timeout_seconds"},
    "checkpoints.diff": {"from": "from_id", "to": "to_id"},
}
# Object arguments Python takes as keywords of their own (`append(id, type, message, ...)`).
FLATTENED = {"sessions.append": "event", "tasks.claim": "filter", "decisions.record_outcome": "outcome"}
# Python-only parameters.
EXTRA = {"events.subscribe": {"timeout"}}


def _definition(schema):
    while "$ref" in schema:
        schema = INPUTS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _method(m, op):
    ns, verb = op.split(".")
    area = getattr(m, ns)
    return getattr(area, verb, None) or getattr(area, verb + "_")


def _expected_annotation(schema):
    if "$ref" in schema:
        if "#/definitions/" not in schema["$ref"]:
            return "Dict[str, Any]"  # a whole document (the config)
        name = schema["$ref"].rsplit("/", 1)[-1]
        return "str" if name in ("Id", "Timestamp", "PhaseName") else name
    if "anyOf" in schema:
        inner = [s for s in schema["anyOf"] if s.get("type") != "null"][0]
        return f"Optional[{_expected_annotation(inner)}]"
    t = schema.get("type")
    if t == "array":
        return f"List[{_expected_annotation(schema.get('items', {}))}]" if schema.get("items") else "List[Any]"
    return {"integer": "int", "string": "str", "null": "None", "object": "Dict[str, Any]"}.get(t, "Any")


@pytest.fixture(scope="module")
def handle():
    with maestro.open(":memory:") as m:
        yield m


@pytest.mark.parametrize("op", OPERATIONS)
def test_the_method_takes_the_operations_arguments(handle, op):
    params = [p for p in inspect.signature(_method(handle, op)).parameters]
    got = {p.rstrip("_") if p.endswith("_") and p[:-1] in ("from", "id", "type", "import") else p for p in params}
    schema = _definition(INPUTS[op])
    want = set()
    for name, prop in schema.get("properties", {}).items():
        if FLATTENED.get(op) == name:
            want |= set(_definition(prop).get("properties", {}))
        else:
            want.add(RENAMED.get(op, {}).get(name, name))
    assert got - EXTRA.get(op, set()) == want, f"{op}: Python takes {sorted(got)}, the schema {sorted(want)}"


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o != "events.subscribe"])
def test_the_method_answers_the_operations_result(handle, op):
    annotation = inspect.signature(_method(handle, op)).return_annotation
    want = _expected_annotation(RESULTS[op])
    assert annotation.replace("typing.", "") == want, f"{op}: Python answers {annotation}, the schema {want}"
