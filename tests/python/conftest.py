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
