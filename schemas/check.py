#!/usr/bin/env python3
"""Checks schemas/: every schema against the Draft 07 metaschema and the conventions,
every example valid, every invalid case rejected at the expected JSON pointer, enums
in step with the Rust `str_enum!` declarations, built-in phase models valid.

Needs the `jsonschema` package:
    python3 -m venv /tmp/schemavenv && /tmp/schemavenv/bin/pip install jsonschema
    /tmp/schemavenv/bin/python schemas/check.py
"""
import glob
import json
import os
import re
import sys

from jsonschema import Draft7Validator

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SRC = os.path.join(REPO, "maestro-core", "src")

NAMES = [
    "project", "workflow", "phase-model", "session", "timeline-event", "task", "queue-item",
    "decision", "decision-outcome", "checkpoint", "failure", "estimate", "retrospective", "spike",
    "agent-log", "complexity-snapshot", "pattern-usage", "event", "historical-tech-stack",
    "historical-architecture", "historical-task-ordering", "config", "thread",
]
# Schemas describing what the Rust code does not have yet: no enums allowed there except
# decision categories and outcome statuses.
NO_ENUM = {
    "failure": set(), "estimate": set(), "retrospective": set(), "spike": set(),
    "agent-log": set(), "complexity-snapshot": set(), "pattern-usage": set(),
    "historical-tech-stack": {"DecisionCategory", "OutcomeStatus"},
    "historical-architecture": {"DecisionCategory", "OutcomeStatus"},
    "historical-task-ordering": {"DecisionCategory", "OutcomeStatus"},
}
# Enums that are not declared with str_enum! in Rust.
EXTRA_ENUMS = {"Durability": ["full", "normal"]}
TOP_ORDER = ["$schema", "$id", "schema_version", "title", "description", "type", "required",
             "additionalProperties", "properties", "definitions"]
ID_PATTERN = "^[a-z0-9_]{1,64}$"
TS_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
# Top-level objects that stay open (readers ignore unknown fields).
OPEN_TOP = {"event"}

failures = []


def fail(msg):
    failures.append(msg)


def pointer(path):
    return "" if not path else "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def rust_enums():
    enums = {}
    for f in sorted(glob.glob(os.path.join(SRC, "**", "*.rs"), recursive=True)):
        src = open(f, encoding="utf-8").read()
        for m in re.finditer(
            r'str_enum!\(\s*(?:///[^\n]*\n\s*)*(\w+)\s*,\s*"[^"]*"\s*\{(.*?)\}\s*\);', src, re.S
        ):
            name = m.group(1)
            if name in enums:
                fail(f"str_enum {name} declared twice")
            enums[name] = re.findall(r'=>\s*"([^"]*)"', m.group(2))
    return enums


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    doc = json.loads(text)
    return doc, text


def walk(node, path=()):
    """Yields (path, dict) for every dict inside a schema."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def check_conventions(name, schema, text, enums):
    where = f"{name}.schema.json"
    if text != json.dumps(schema, indent=2, ensure_ascii=False) + "\n":
        fail(f"{where}: not pretty JSON with 2-space indent and a final newline")
    if schema.get("$schema") != "http://json-schema.org/draft-07/schema#":
        fail(f"{where}: wrong $schema")
    if schema.get("$id") != f"https://maestro.invalid/schemas/{name}.schema.json":
        fail(f"{where}: wrong $id")
    if schema.get("schema_version") != 1:
        fail(f"{where}: top-level schema_version annotation must be 1")
    for key in ("title", "description"):
        if not isinstance(schema.get(key), str) or not schema[key]:
            fail(f"{where}: missing {key}")
    if schema.get("type") != "object":
        fail(f"{where}: top level must be an object")
    known = [k for k in schema if k in TOP_ORDER]
    if known != [k for k in TOP_ORDER if k in schema]:
        fail(f"{where}: top-level key order {known}, expected the order of {TOP_ORDER}")
    if list(schema)[:2] != ["$schema", "$id"]:
        fail(f"{where}: $schema and $id must come first")
    sv = schema.get("properties", {}).get("schema_version")
    if sv != {"type": "integer", "const": 1}:
        fail(f"{where}: schema_version property must be {{type: integer, const: 1}}, got {sv}")
    expect_open = name in OPEN_TOP
    if schema.get("additionalProperties") is not expect_open:
        fail(f"{where}: top-level additionalProperties must be {str(expect_open).lower()}")
    defs = schema.get("definitions", {})
    for d in ("Id", "Timestamp"):
        if d in defs:
            if defs[d].get("pattern") != (ID_PATTERN if d == "Id" else TS_PATTERN):
                fail(f"{where}: definitions/{d} has the wrong pattern")
    allowed_enums = NO_ENUM.get(name)
    for path, node in walk(schema):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/definitions/"):
                fail(f"{where}: non-internal $ref {ref} at {pointer(path)}")
            elif ref[len("#/definitions/"):] not in defs:
                fail(f"{where}: dangling $ref {ref} at {pointer(path)}")
        # keyword positions only (a property named "enum" would be a key of "properties")
        is_schema = not path or path[-1] not in ("properties", "definitions")
        if is_schema and "enum" in node:
            if len(path) != 2 or path[0] != "definitions":
                fail(f"{where}: enum outside definitions/<Name> at {pointer(path)}")
                continue
            ename = path[1]
            if node != {"type": "string", "enum": node["enum"]}:
                fail(f"{where}: definitions/{ename} must be exactly {{type: string, enum: [...]}}")
            rust = enums.get(ename, EXTRA_ENUMS.get(ename))
            if rust is None:
                fail(f"{where}: definitions/{ename} is not a Rust str_enum")
            elif node["enum"] != rust:
                fail(f"{where}: definitions/{ename} is {node['enum']}, Rust declares {rust}")
            if allowed_enums is not None and ename not in allowed_enums:
                fail(f"{where}: no enum allowed here, found {ename}")
        if is_schema and node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            fail(f"{where}: object at {pointer(path)} has properties but no additionalProperties")
        in_condition = "if" in path
        if (is_schema and not in_condition and node.get("type") == "string" and "maxLength" not in node
                and "const" not in node and "enum" not in node):
            fail(f"{where}: string at {pointer(path)} has no maxLength")
        if is_schema and node.get("type") == "array" and "maxItems" not in node:
            fail(f"{where}: array at {pointer(path)} has no maxItems")
        if is_schema and node.get("type") == "object" and "required" in node:
            for r in node["required"]:
                if r not in node.get("properties", {}):
                    fail(f"{where}: required {r} at {pointer(path)} is not a property")
    # every enum definition is used through a $ref
    refs = {n["$ref"] for _, n in walk(schema) if "$ref" in n}
    for d in defs:
        if f"#/definitions/{d}" not in refs:
            fail(f"{where}: definitions/{d} is never used")


def main():
    enums = rust_enums()
    schemas, validators = {}, {}
    meta = Draft7Validator(Draft7Validator.META_SCHEMA)
    present = sorted(os.path.basename(p)[: -len(".schema.json")] for p in glob.glob(os.path.join(HERE, "*.schema.json")))
    if present != sorted(NAMES):
        fail(f"schema files {present} differ from the expected {sorted(NAMES)}")
    for name in NAMES:
        path = os.path.join(HERE, f"{name}.schema.json")
        if not os.path.exists(path):
            continue
        schema, text = load(path)
        for e in meta.iter_errors(schema):
            fail(f"{name}.schema.json: metaschema: {e.message} at {pointer(e.absolute_path)}")
        check_conventions(name, schema, text, enums)
        schemas[name] = schema
        validators[name] = Draft7Validator(schema)

    # enums named in the brief must all be there, including EntityKind's new values
    for e in ["TaskStatus", "Priority", "LinkStatus", "QueueStatus", "TimelineType", "SessionStatus", "Strategy",
              "SpawnSource", "Terminal", "HistoryKind", "WorkflowStatus", "CheckpointType", "RollbackMode",
              "EntityKind", "DecisionCategory", "Confidence", "Scope", "RiskLevel", "Reversibility", "OutcomeStatus"]:
        if e not in enums:
            fail(f"str_enum {e} not found in the Rust sources")
    # (the learning kinds failure ... pattern_usage were added after them since)
    kinds = enums.get("EntityKind", [])
    if not any(kinds[i:i + 2] == ["decision", "decision_category"] for i in range(len(kinds))):
        fail("EntityKind does not have decision, decision_category (in that order)")

    # examples
    n_examples = 0
    covered = set()
    for path in sorted(glob.glob(os.path.join(HERE, "examples", "*.json"))):
        base = os.path.basename(path)
        name = base.split(".")[0]
        if name not in validators:
            fail(f"examples/{base}: no schema {name}")
            continue
        doc, _ = load(path)
        n_examples += 1
        covered.add(name)
        for e in validators[name].iter_errors(doc):
            fail(f"examples/{base}: {e.message} at {pointer(e.absolute_path)}")
        # export extras validated separately
        if name == "session":
            for i, item in enumerate(doc.get("timeline", [])):
                for e in validators["timeline-event"].iter_errors(item):
                    fail(f"examples/{base}: timeline/{i}: {e.message} at {pointer(e.absolute_path)}")
            for i, item in enumerate(doc.get("queue", [])):
                for e in validators["queue-item"].iter_errors(item):
                    fail(f"examples/{base}: queue/{i}: {e.message} at {pointer(e.absolute_path)}")
        if name == "config":
            for i, item in enumerate(doc.get("phase_models", [])):
                for e in validators["phase-model"].iter_errors(item):
                    fail(f"examples/{base}: phase_models/{i}: {e.message} at {pointer(e.absolute_path)}")
        if name == "decision":
            for i, item in enumerate(doc.get("outcomes", [])):
                for e in validators["decision-outcome"].iter_errors(item):
                    fail(f"examples/{base}: outcomes/{i}: {e.message} at {pointer(e.absolute_path)}")
    for name in NAMES:
        if name not in covered:
            fail(f"no example for {name}")

    # invalid corpus
    counts = {}
    for path in sorted(glob.glob(os.path.join(HERE, "invalid", "*.json"))):
        base = os.path.basename(path)
        name = base[: -len(".json")]
        if name not in validators:
            fail(f"invalid/{base}: no schema {name}")
            continue
        cases, _ = load(path)
        counts[name] = len(cases)
        for i, case in enumerate(cases):
            if set(case) != {"description", "expect_path", "document"}:
                fail(f"invalid/{base}[{i}]: keys must be description, expect_path, document")
                continue
            errors = list(validators[name].iter_errors(case["document"]))
            label = f"invalid/{base}[{i}] ({case['description']})"
            if not errors:
                fail(f"{label}: unexpectedly valid")
                continue
            paths = sorted({pointer(e.absolute_path) for e in errors})
            if case["expect_path"] not in paths:
                fail(f"{label}: expected an error at {case['expect_path']!r}, got {paths}")
    required_invalid = ["project", "workflow", "phase-model", "session", "timeline-event", "task", "queue-item",
                        "decision", "decision-outcome", "checkpoint", "event", "config", "thread"]
    for name in required_invalid:
        if not counts.get(name):
            fail(f"no invalid cases for {name}")
    total = sum(counts.values())
    if total < 110:
        fail(f"only {total} invalid cases, need at least 110")

    # built-in phase models
    models = sorted(glob.glob(os.path.join(SRC, "workflow", "models", "*.json")))
    if not models:
        fail("no built-in phase models found")
    for path in models:
        doc, _ = load(path)
        for e in validators["phase-model"].iter_errors(doc):
            fail(f"{os.path.relpath(path, REPO)}: {e.message} at {pointer(e.absolute_path)}")

    print(f"{len(schemas)} schemas, {n_examples} examples, {total} invalid cases "
          f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), {len(models)} built-in models")
    if failures:
        for f in failures:
            print("FAIL", f)
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
