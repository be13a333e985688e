"""Every result the Python suite receives, checked against `schemas/api/results.schema.json`
(the source of the generated `maestro.types` and `index.d.ts`), so the schema the types
are generated from is the shape the library really answers."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict, Set

from jsonschema import Draft7Validator
from referencing import Registry, Resource

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "schemas"
RESULTS_ID = "https://maestro.invalid/schemas/api/results.schema.json"


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        doc = json.loads(path.read_text())
        resources.append((doc["$id"], Resource.from_contents(doc)))
    return Registry().with_resources(resources)


_REGISTRY = _registry()
_VALIDATORS: Dict[str, Draft7Validator] = {}
#: The operations whose results were checked in this run.
CHECKED: Set[str] = set()


def operations() -> Set[str]:
    """Every operation the results schema describes."""
    doc = json.loads((SCHEMAS / "api" / "results.schema.json").read_text())
    return {k for k in doc["definitions"] if "." in k}


def _decoded(value: Any) -> Any:
    # `events.since` may answer payloads still as JSON text, decoded on first use.
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, dict) and "_payload_json" in value:
        value = dict(value)
        value["payload"] = json.loads(value.pop("_payload_json"))
    return value


def check(op: str, result: Any) -> None:
    """Raises AssertionError when `result` does not match the schema of `op`'s result."""
    validator = _VALIDATORS.get(op)
    if validator is None:
        validator = Draft7Validator({"$ref": f"{RESULTS_ID}#/definitions/{op}"}, registry=_REGISTRY)
        _VALIDATORS[op] = validator
    errors = sorted(validator.iter_errors(_decoded(result)), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        pointer = "".join(f"/{p}" for p in e.absolute_path)
        raise AssertionError(f"{op} answered a result that results.schema.json refuses at {pointer!r}: {e.message}")
    CHECKED.add(op)


class CheckedNative:
    """The native handle, with every call's result checked."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def call(self, op: str, args: Any, raw_payloads: bool = False) -> Any:
        result = self._native.call(op, args, raw_payloads) if raw_payloads else self._native.call(op, args)
        check(op, result)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._native, name)
