"""Retention and config from Python: prune with a dry run, archives, the feed horizon as
PrunedError, the living documents, and config.yaml loaded by `maestro.open`."""

import os

import pytest

import maestro
from maestro import types


def _ended_workflow(m, project_id):
    wf = m.workflows.create(project_id, feature="old", request="long ago", model="flow")
    m.tasks.create(project_id, "done long ago", workflow_id=wf.id)
    m.workflows.fail(wf.id, "abandoned", "orchestrator")
    return wf


def test_prune_dry_run_then_prune_then_pruned_error(m, project, tmp_path):
    wf = _ended_workflow(m, project.id)
    policy = {"sessions_days": 0, "events_days": 0, "archive_dir": str(tmp_path / "archive")}
    files = m.store.export_workflow(wf.id, str(tmp_path / "one"))
    assert files == len([f for _, _, fs in os.walk(tmp_path / "one") for f in fs]) and files >= 3
    dry = m.store.prune(policy, dry_run=True)
    assert isinstance(dry, types.PruneReport) and dry.dry_run
    assert [w.id for w in dry.workflows] == [wf.id]
    assert m.events.horizon() == 0
    report = m.store.prune(policy)
    assert not report.dry_run and report.events == dry.events
    assert report.workflows[0].rows.tasks == 1
    assert os.path.isdir(report.workflows[0].archive)
    with pytest.raises(maestro.PrunedError) as e:
        m.events.since(0)
    assert isinstance(e.value, maestro.MaestroError)
    assert e.value.kind == "pruned"
    assert e.value.oldest_seq == report.horizon + 1
    assert "horizon" in str(e.value)
    assert isinstance(m.events.since(report.horizon), list)
    with pytest.raises(maestro.PrunedError):
        m.events.state_at("project", project.id, 0)
    summary = m.store.import_(report.workflows[0].archive)
    assert summary.workflows == 1 and summary.projects_existing == 1
    assert m.workflows.get(wf.id).status == "failed"


def test_living_documents_and_config(db_path, tmp_path):
    cfg = tmp_path / "ops.yaml"
    cfg.write_text(
        "retention:\n  sessions_days: 12\ndecision_categories:\n  - name: security\n    description: threats\n"
    )
    with maestro.open(db_path, durability="normal", config=cfg) as m:
        assert m.store.config()["retention"]["sessions_days"] == 12
        p = m.projects.create("docs")
        wf = m.workflows.create(p.id, feature="f", request="r", model="flow")
        d = m.decisions.record(wf.id, category="security", decision="Rotate keys", rationale="leaked")
        assert d.category == "security"
        assert m.reports.failures_md(p.id).startswith("# Failures")
        assert m.reports.estimates_md(p.id).startswith("# Estimates")
        assert m.reports.patterns_md(p.id).startswith("# Patterns")


def test_a_bad_config_names_line_column_and_path(tmp_path):
    (tmp_path / "config.yaml").write_text("retention:\n  sessions_days: ninety\n")
    with pytest.raises(maestro.ValidationError) as e:
        maestro.open(str(tmp_path / "state.db"))
    assert e.value.path == "/retention/sessions_days"
    assert "line 2, column 18" in str(e.value)
    assert not (tmp_path / "state.db").exists()
