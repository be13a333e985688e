//! Snapshot tests of the reports. The fixture `tests/fixtures/checkout-export/` is an
//! export of the scripted `checkout` workflow (fixed ids and times); importing it and
//! rendering the reports must give exactly the committed markdown, and exporting it
//! again must give back the fixture byte for byte. Regenerate after an intended change
//! with `MAESTRO_UPDATE_SNAPSHOTS=1 cargo test -p maestro-core --test reports` and
//! review the diff.

mod common;

#[path = "common/scripted.rs"]
mod scripted;

use maestro_core::*;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checkout-export")
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_owned(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn regenerate() {
    let m = Maestro::open_in_memory().unwrap();
    scripted::checkout(&m);
    let _ = std::fs::remove_dir_all(fixture());
    m.export(fixture()).unwrap();
}

#[test]
fn reports_of_the_scripted_workflow_match_their_snapshots() {
    if std::env::var_os("MAESTRO_UPDATE_SNAPSHOTS").is_some() {
        regenerate();
    }
    let m = Maestro::open_in_memory().unwrap();
    m.import(fixture()).unwrap();
    let p = m.projects().get_by_name("shop").unwrap();
    let wf = &m.workflows().list(&p.id).unwrap()[0];
    let dir = fixture().join("workflows").join(wf.id.as_str());
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();

    let log = m.reports().execution_log(&wf.id).unwrap();
    assert_eq!(log, read("execution-log.md"));
    let report = m.reports().final_report(&wf.id).unwrap();
    assert_eq!(report, read("final-report.md"));
    assert_eq!(
        m.reports().decisions_md(&p.id).unwrap(),
        std::fs::read_to_string(fixture().join("DECISIONS.md")).unwrap()
    );

    // What the snapshots must say, so a regenerated fixture cannot silently lose it.
    for want in [
        "| Tasks | 2 done, 1 failed, 1 skipped, 0 open |",
        "| `implementing` |",
        "**Use PostgreSQL for orders** [tech_stack] in `planning`",
        "   - Rejected MongoDB: no multi-document transactions we trust",
        "   - Outcome: **partial**; issues: iframe blocked by CSP",
        "| task_group_complete | `implementing` | state only | schema in place | 0 |",
        "```mermaid\ngantt\n    title checkout\n    dateFormat x",
        "    section coder\n",
        "    Checkout page :crit, ",
    ] {
        assert!(report.contains(want), "final report lacks {want:?}:\n{report}");
    }
    for want in [
        "**phase** `initializing` → `planning` by orchestrator",
        "front: `task_failed` — Checkout page: the PSP iframe breaks our CSP",
        "**outcome** of “Tokenise cards at the PSP”: partial",
        "**checkpoint** `schema in place` (task_group_complete) in `implementing`",
    ] {
        assert!(log.contains(want), "execution log lacks {want:?}:\n{log}");
    }
    let at = |s: &str| log.find(s).unwrap();
    assert!(at("**phase** `planning` → `generating_tasks`") < at("coder: `task_started` — Orders schema"));
    assert!(at("coder: `task_completed` — Orders schema") < at("**checkpoint** `schema in place`"));
}

#[test]
fn the_fixture_survives_import_and_export_byte_for_byte() {
    let m = Maestro::open_in_memory().unwrap();
    m.import(fixture()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    m.export(tmp.path().join("again")).unwrap();
    let (want, got) = (files(&fixture()), files(&tmp.path().join("again")));
    assert_eq!(
        want.iter().map(|f| &f.0).collect::<Vec<_>>(),
        got.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((path, a), (_, b)) in want.iter().zip(&got) {
        assert!(a == b, "{} differs", path.display());
    }
}

#[test]
fn reports_of_unknown_workflows_are_not_found() {
    let m = Maestro::open_in_memory().unwrap();
    let id = WorkflowId::parse("wf_nope").unwrap();
    assert_eq!(m.reports().final_report(&id).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(m.reports().execution_log(&id).unwrap_err().kind(), ErrorKind::NotFound);
}
