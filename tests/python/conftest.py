"""Shared fixtures: a fresh database file per test."""

import os

import pytest

import maestro


@pytest.fixture
def db_path(tmp_path):
    return os.path.join(tmp_path, "state.db")


@pytest.fixture
def m(db_path):
    with maestro.open(db_path, durability="normal") as handle:
        yield handle


@pytest.fixture
def project(m):
    return m.projects.create("shop")


# Every result of every test is checked against schemas/api/results.schema.json, the
# source the result classes and the TypeScript declarations are generated from.
import result_schemas  # noqa: E402

_plain_init = maestro.Maestro.__init__


def _checked_init(self, native, repo=None):
    _plain_init(self, result_schemas.CheckedNative(native), repo)


maestro.Maestro.__init__ = _checked_init


def pytest_sessionfinish(session, exitstatus):
    """With MAESTRO_REQUIRE_RESULT_COVERAGE set (scripts/test sets it for the whole
    suite), fails the run unless every operation's result was checked at least once."""
    if not os.environ.get("MAESTRO_REQUIRE_RESULT_COVERAGE") or exitstatus != 0:
        return
    missing = sorted(result_schemas.operations() - result_schemas.CHECKED - {"events.subscribe"})
    if missing:
        print(f"\noperations whose result no test checked against results.schema.json: {missing}")
        session.exitstatus = 1
