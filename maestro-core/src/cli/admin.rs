//! Looking after the store: `info`, `export`, `import`, `validate`, `backup`, `check`,
//! `prune`, `config` and `migrate`. Writes happen only with `--apply`, `--fix` or
//! `migrate`; everything else opens the store read-only.

use super::args::ValidateArgs;
use super::browse::all_checkpoints;
use super::output::{fields, or_dash, rendered};
use super::{in_file, Exit, Failure, Run};
use crate::error::Error;
use crate::schema::Schema;
use crate::{Config, ImportSummary, Maestro};
use serde::Serialize;
use std::path::Path;

/// `maestro info`.
pub(crate) fn info(run: &mut Run) -> Result<Exit, Failure> {
    let at = run.location()?;
    let m = run.open_read()?;
    #[derive(Serialize)]
    struct Info {
        store: String,
        found: super::locate::Found,
        how: String,
        backend: &'static str,
        schema_version: usize,
        read_only: bool,
        latest_seq: i64,
        horizon: i64,
        size_bytes: Option<u64>,
        config: Option<String>,
        projects: usize,
    }
    let data = Info {
        store: crate::store::redact(&at.target),
        how: at.how(),
        found: at.found.clone(),
        backend: m.backend(),
        schema_version: m.schema_version()?,
        read_only: m.is_read_only(),
        latest_seq: m.events().latest_seq()?,
        horizon: m.events().horizon()?,
        size_bytes: m.store().size_bytes().ok().filter(|_| m.backend() == "sqlite"),
        config: m.config().source.as_ref().map(|p| p.display().to_string()),
        projects: m.projects().list()?.len(),
    };
    run.out.answer(&data, |out| {
        fields(
            out,
            &[
                ("store", data.store.clone()),
                ("found", data.how.clone()),
                ("backend", data.backend.to_owned()),
                ("schema version", data.schema_version.to_string()),
                ("opened", "read-only".to_owned()),
                ("latest seq", data.latest_seq.to_string()),
                ("feed horizon", data.horizon.to_string()),
                ("size", or_dash(data.size_bytes.map(|b| format!("{b} bytes")))),
                ("config", data.config.clone().unwrap_or_else(|| "(defaults)".to_owned())),
                ("projects", data.projects.to_string()),
            ],
        )
    })?;
    Ok(Exit::Ok)
}

/// `maestro export DIR`.
pub(crate) fn export(run: &mut Run, dir: &Path) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    let files = m.export(dir)?;
    #[derive(Serialize)]
    struct Exported {
        dir: String,
        files: usize,
    }
    let data = Exported {
        dir: dir.display().to_string(),
        files,
    };
    run.out
        .answer(&data, |_| format!("exported {files} files to {}", data.dir))?;
    Ok(Exit::Ok)
}

fn summary_line(s: &ImportSummary) -> String {
    format!(
        "{} files: {} projects ({} already here), {} workflows, {} sessions, {} tasks, {} decisions, {} checkpoints, {} learning records",
        s.files, s.projects, s.projects_existing, s.workflows, s.sessions, s.tasks, s.decisions, s.checkpoints, s.learning_records
    )
}

/// `maestro import DIR [--apply]`.
pub(crate) fn import(run: &mut Run, dir: &Path, apply: bool) -> Result<Exit, Failure> {
    #[derive(Serialize)]
    struct Imported {
        dir: String,
        applied: bool,
        summary: ImportSummary,
    }
    let summary = if apply {
        run.open_write(true)?.import(dir)?
    } else {
        // Checked against the store as the import would be; a store that does not exist
        // yet is checked as the empty store the import would create.
        let m = match run.open_read() {
            Err(Failure::Maestro(Error::NotFound { entity: "store", .. })) => Maestro::open_in_memory()?,
            other => other?,
        };
        crate::exchange::plan_import(crate::maestro::Ctx::of(&m), dir)?
    };
    let data = Imported {
        dir: dir.display().to_string(),
        applied: apply,
        summary,
    };
    run.out.answer(&data, |_| {
        if apply {
            format!("imported {}", summary_line(&data.summary))
        } else {
            format!(
                "dry run: would import {}\nnothing was written; run again with --apply to import",
                summary_line(&data.summary)
            )
        }
    })?;
    Ok(Exit::Ok)
}

/// The schema of a file in an export, from its place in the layout.
fn schema_of(path: &Path) -> Option<(Schema, Shape)> {
    let name = path.file_name()?.to_str()?;
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|f| f.to_str())
        .unwrap_or("");
    let grand = path
        .parent()
        .and_then(|p| p.parent())
        .and_then(|p| p.file_name())
        .and_then(|f| f.to_str())
        .unwrap_or("");
    Some(match (grand, folder, name) {
        (_, _, "config.yaml") => (Schema::Config, Shape::Yaml),
        (_, "sessions", n) if n.ends_with(".timeline.jsonl") => (Schema::TimelineEvent, Shape::Lines),
        (_, "tasks", n) if n.ends_with(".json") => (Schema::Task, Shape::One),
        (_, "sessions", n) if n.ends_with(".json") => (Schema::Session, Shape::One),
        (_, "projects", n) if n.ends_with(".json") => (Schema::Project, Shape::One),
        ("workflows", _, "metadata.json") => (Schema::Workflow, Shape::One),
        ("workflows", _, "decisions.json") => (Schema::Decision, Shape::List),
        ("workflows", _, "checkpoints.json") => (Schema::Checkpoint, Shape::List),
        ("learning", _, "tech-stack.json") => (Schema::HistoricalTechStack, Shape::One),
        ("learning", _, "architecture.json") => (Schema::HistoricalArchitecture, Shape::One),
        ("learning", _, "task-ordering.json") => (Schema::HistoricalTaskOrdering, Shape::One),
        ("learning", _, "failures.json") => (Schema::Failure, Shape::List),
        ("learning", _, "estimates.json") => (Schema::Estimate, Shape::List),
        ("learning", _, "retrospectives.json") => (Schema::Retrospective, Shape::List),
        ("learning", _, "spikes.json") => (Schema::Spike, Shape::List),
        ("learning", _, "agent-logs.json") => (Schema::AgentLog, Shape::List),
        ("learning", _, "complexity-snapshots.json") => (Schema::ComplexitySnapshot, Shape::List),
        ("learning", _, "pattern-usage.json") => (Schema::PatternUsage, Shape::List),
        _ => return None,
    })
}

/// How a file holds its documents.
#[derive(Clone, Copy)]
enum Shape {
    /// One JSON document.
    One,
    /// A JSON array of documents.
    List,
    /// One JSON document per line.
    Lines,
    /// A YAML document (config.yaml).
    Yaml,
}

/// Validates one file: a problem names the file (and line) and the JSON pointer inside it.
fn validate_file(path: &Path, schema: Schema, shape: Shape) -> crate::Result<usize> {
    let shown = path.display().to_string();
    let read = || {
        std::fs::read_to_string(path)
            .map_err(|e| Error::validation("document", shown.clone(), format!("cannot read: {e}")))
    };
    match shape {
        Shape::Yaml => Config::load(path).map(|_| 1),
        Shape::One => {
            schema.parse_json(&read()?).map_err(|e| in_file(&shown, e))?;
            Ok(1)
        }
        Shape::List => {
            let v = crate::schema::limits::parse("document", &read()?).map_err(|e| in_file(&shown, e))?;
            let items = v
                .as_array()
                .ok_or_else(|| in_file(&shown, Error::validation("document", "", "expected a JSON array")))?;
            for (i, item) in items.iter().enumerate() {
                schema
                    .validate(item)
                    .map_err(|e| in_file(&shown, e.within(&format!("/{i}"))))?;
            }
            Ok(items.len())
        }
        Shape::Lines => {
            let text = read()?;
            let mut n = 0;
            for (i, l) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                schema
                    .parse_json(l)
                    .map_err(|e| in_file(&format!("{shown}:{}", i + 1), e))?;
                n += 1;
            }
            Ok(n)
        }
    }
}

/// `maestro validate PATH…`.
pub(crate) fn validate(run: &mut Run, a: ValidateArgs) -> Result<Exit, Failure> {
    let forced = a
        .schema
        .as_deref()
        .map(|s| super::parse::<Schema>("--schema", s))
        .transpose()?;
    #[derive(Serialize)]
    struct Checked {
        path: String,
        valid: bool,
        documents: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pointer: Option<String>,
    }
    let mut results = Vec::new();
    for path in &a.paths {
        let archive = path.is_file() && path.to_string_lossy().ends_with(".tar.gz");
        let result = if path.is_dir() || archive {
            crate::exchange::validate(path)
        } else {
            let found = match forced {
                Some(Schema::Config) => Some((Schema::Config, Shape::Yaml)),
                Some(s) if path.extension().is_some_and(|e| e == "jsonl") => Some((s, Shape::Lines)),
                Some(s) => Some((s, Shape::One)),
                None => schema_of(path),
            };
            match found {
                Some((schema, shape)) => validate_file(path, schema, shape),
                None => Err(Error::validation(
                    "document",
                    path.display().to_string(),
                    "cannot tell which schema this file follows from its place in an export: name it with --schema",
                )),
            }
        };
        results.push(match result {
            Ok(documents) => Checked {
                path: path.display().to_string(),
                valid: true,
                documents,
                error: None,
                pointer: None,
            },
            Err(e) => Checked {
                path: path.display().to_string(),
                valid: false,
                documents: 0,
                pointer: e.path().map(str::to_owned),
                error: Some(e.to_string()),
            },
        });
    }
    let all_valid = results.iter().all(|r| r.valid);
    run.out.answer(&results, |out| {
        results
            .iter()
            .map(|r| match &r.error {
                None => format!("{}  {} ({} documents)", out.status("ok").content(), r.path, r.documents),
                Some(e) => format!("{}  {}", out.warn("invalid"), e),
            })
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok(if all_valid { Exit::Ok } else { Exit::Invalid })
}

/// `maestro backup DEST`.
pub(crate) fn backup(run: &mut Run, dest: &Path) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    m.backup(dest)?;
    #[derive(Serialize)]
    struct Backup {
        dest: String,
        bytes: u64,
    }
    let data = Backup {
        dest: dest.display().to_string(),
        bytes: std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0),
    };
    run.out
        .answer(&data, |_| format!("backed up to {} ({} bytes)", data.dest, data.bytes))?;
    Ok(Exit::Ok)
}

/// `maestro check [--fix]`.
pub(crate) fn check(run: &mut Run, fix: bool) -> Result<Exit, Failure> {
    let m = if fix { run.open_write(false)? } else { run.open_read()? };
    // What the check found wrong is a finding; failing to run it (a lost connection,
    // a busy store) is an error.
    let integrity = match m.check_integrity() {
        Ok(()) => None,
        Err(e @ Error::Incompatible(_)) => Some(e.to_string()),
        Err(e) => return Err(e.into()),
    };
    #[derive(Serialize)]
    struct Unverifiable {
        workflow: String,
        root: Option<String>,
        commits: usize,
    }
    #[derive(Serialize)]
    struct Missing {
        checkpoint: String,
        workflow: String,
        commit: Option<String>,
        marked_invalid: bool,
    }
    let mut missing = Vec::new();
    let mut by_workflow: std::collections::BTreeMap<_, Vec<_>> = std::collections::BTreeMap::new();
    for c in all_checkpoints(&m, None)? {
        by_workflow.entry(c.workflow_id.clone()).or_default().push(c);
    }
    let mut checked = 0;
    let mut unverifiable = Vec::new();
    for (w, list) in &by_workflow {
        checked += list.len();
        // Commits can only be verified in the project's repository.
        if let Some(c) = list.iter().find(|c| c.commit_sha.is_some()) {
            let root = m.projects().get(&c.project_id)?.root;
            if !root.as_deref().is_some_and(|r| Path::new(r).join(".git").exists()) {
                unverifiable.push(Unverifiable {
                    workflow: w.to_string(),
                    root,
                    commits: list.iter().filter(|c| c.commit_sha.is_some()).count(),
                });
                continue;
            }
        }
        let gone = m.checkpoints().missing(w)?;
        let marked: Vec<String> = if fix && !gone.is_empty() {
            m.checkpoints()
                .verify(w)?
                .into_iter()
                .map(|c| c.id.to_string())
                .collect()
        } else {
            Vec::new()
        };
        for id in gone {
            let c = m.checkpoints().get(&id)?;
            missing.push(Missing {
                marked_invalid: marked.contains(&c.id.to_string()),
                checkpoint: c.id.to_string(),
                workflow: c.workflow_id.to_string(),
                commit: c.commit_sha,
            });
        }
    }
    #[derive(Serialize)]
    struct Lock {
        path: String,
        age_s: u64,
        left_by_maestro: bool,
        removed: bool,
    }
    // Git lock files in the projects' repositories: a crashed Maestro operation's are
    // removed by --fix; another process's are only reported.
    let mut git_locks = Vec::new();
    let mut roots: Vec<String> = m.projects().list()?.into_iter().filter_map(|p| p.root).collect();
    roots.sort();
    roots.dedup();
    for root in roots {
        let root = Path::new(&root);
        if fix {
            for l in crate::checkpoint::git_locks(root, true)? {
                git_locks.push(Lock {
                    path: l.path.display().to_string(),
                    age_s: l.age_s,
                    left_by_maestro: true,
                    removed: true,
                });
            }
        }
        for l in crate::checkpoint::git_locks(root, false)? {
            git_locks.push(Lock {
                path: l.path.display().to_string(),
                age_s: l.age_s,
                left_by_maestro: l.left_by_maestro,
                removed: false,
            });
        }
    }
    #[derive(Serialize)]
    struct Checked {
        ok: bool,
        integrity: &'static str,
        integrity_error: Option<String>,
        checkpoints_checked: usize,
        missing_commits: Vec<Missing>,
        unverifiable: Vec<Unverifiable>,
        git_locks: Vec<Lock>,
    }
    let unfixed = missing.iter().any(|m| !m.marked_invalid);
    let locked = git_locks.iter().any(|l| !l.removed);
    let data = Checked {
        ok: integrity.is_none() && !unfixed && unverifiable.is_empty() && !locked,
        git_locks,
        unverifiable,
        integrity: if integrity.is_none() { "ok" } else { "failed" },
        integrity_error: integrity,
        checkpoints_checked: checked,
        missing_commits: missing,
    };
    run.out.answer(&data, |out| {
        let mut text = fields(
            out,
            &[
                (
                    "integrity",
                    data.integrity_error.clone().unwrap_or_else(|| "ok".to_owned()),
                ),
                ("checkpoints checked", data.checkpoints_checked.to_string()),
                ("commits missing", data.missing_commits.len().to_string()),
            ],
        );
        for u in &data.unverifiable {
            text.push_str(&format!(
                "\n{}: {} checkpoint commit(s) of workflow {} cannot be verified: its project's repository {} is gone",
                out.warn("unverifiable"),
                u.commits,
                u.workflow,
                u.root.as_deref().unwrap_or("(none set)")
            ));
        }
        for l in &data.git_locks {
            text.push_str(&format!(
                "\n{}: {} ({} s old){}",
                out.warn(if l.removed {
                    "removed stale git lock"
                } else {
                    "git lock"
                }),
                l.path,
                l.age_s,
                match (l.removed, l.left_by_maestro) {
                    (true, _) => "",
                    (false, true) => ": left by a Maestro operation that did not finish; run `maestro check --fix`",
                    (false, false) => ": another git process holds it, or crashed; remove it once no git process runs",
                }
            ));
        }
        if !data.missing_commits.is_empty() {
            let mut t = out.table(&["checkpoint", "workflow", "commit", "marked invalid"]);
            for x in &data.missing_commits {
                t.add_row(vec![
                    x.checkpoint.clone(),
                    x.workflow.clone(),
                    or_dash(x.commit.as_ref()),
                    x.marked_invalid.to_string(),
                ]);
            }
            text.push_str(&format!("\n\n{}", rendered(t)));
            if unfixed {
                text.push_str("\n\nrun `maestro check --fix` to mark them invalid (their rollback is refused)");
            }
        }
        text
    })?;
    Ok(if data.ok { Exit::Ok } else { Exit::CheckFailed })
}

/// `maestro prune [--apply]`.
pub(crate) fn prune(run: &mut Run, apply: bool) -> Result<Exit, Failure> {
    let m = if apply {
        run.open_write(false)?
    } else {
        run.open_read()?
    };
    let report = m.prune(None, !apply)?;
    run.out.answer(&report, |out| {
        let verb = if report.dry_run {
            "would archive and remove"
        } else {
            "archived and removed"
        };
        let mut text = format!("{} {} workflow(s)\n", verb, report.workflows.len());
        let mut t = out.table(&["workflow", "project", "archive"]);
        for w in &report.workflows {
            t.add_row(vec![w.id.clone(), w.project_id.clone(), w.archive.clone()]);
        }
        text.push_str(&rendered(t));
        if !report.kept.is_empty() {
            text.push_str(&format!("\n\n{}\n", out.heading("Kept")));
            let mut t = out.table(&["workflow", "why"]);
            for k in &report.kept {
                t.add_row(vec![k.id.clone(), k.reason.clone()]);
            }
            text.push_str(&rendered(t));
        }
        text.push_str(&format!(
            "\n\n{}",
            fields(
                out,
                &[
                    ("checkpoints", report.checkpoints.len().to_string()),
                    ("agent logs", report.agent_logs.to_string()),
                    ("docs cache entries", report.docs_cache.to_string()),
                    ("feed events", report.events.to_string()),
                    ("feed horizon", report.horizon.to_string()),
                ],
            )
        ));
        if report.dry_run {
            text.push_str("\n\ndry run: nothing was written; run again with --apply to prune");
        }
        text
    })?;
    Ok(Exit::Ok)
}

/// `maestro config`.
pub(crate) fn config(run: &mut Run) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    let c = m.config();
    #[derive(Serialize)]
    struct Shown<'a> {
        source: Option<String>,
        config: &'a Config,
    }
    let data = Shown {
        source: c.source.as_ref().map(|p| p.display().to_string()),
        config: c,
    };
    run.out.answer(&data, |out| {
        let from = match &data.source {
            Some(p) => format!("# from {p}"),
            None => "# no config.yaml: the defaults".to_owned(),
        };
        let yaml = c.to_yaml().unwrap_or_else(|e| format!("# cannot render: {e}"));
        format!("{}\n{yaml}", out.dim(&from))
    })?;
    Ok(Exit::Ok)
}

/// `maestro migrate`.
pub(crate) fn migrate(run: &mut Run) -> Result<Exit, Failure> {
    let before = match run.open_read() {
        Ok(m) => Some(m.schema_version()?),
        // Never lay Maestro's tables into some other database.
        Err(Failure::Maestro(Error::Incompatible(m))) if m.contains(crate::store::version::NOT_A_STORE) => {
            return Err(Failure::Maestro(Error::Incompatible(format!(
                "{m}; `maestro migrate` only migrates Maestro stores"
            ))))
        }
        Err(Failure::Maestro(Error::Incompatible(_))) => None,
        Err(e) => return Err(e),
    };
    let m = run.open_write(false)?;
    let version = m.schema_version()?;
    #[derive(Serialize)]
    struct Migrated {
        schema_version: usize,
        migrated: bool,
    }
    let data = Migrated {
        schema_version: version,
        migrated: before != Some(version),
    };
    run.out.answer(&data, |_| {
        if data.migrated {
            format!("migrated to schema version {version}")
        } else {
            format!("already at schema version {version}: nothing to do")
        }
    })?;
    Ok(Exit::Ok)
}
