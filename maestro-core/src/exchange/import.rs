//! `import(dir)`: reads and validates every file of an export first, then applies it all
//! in one write transaction. Nothing is written unless everything is valid and fits.

use super::dump::LearningDump;
use super::export::RECORD_FILES;
use super::files::{ProjectFile, SessionFile, TaskFile, WorkflowFile};
use crate::checkpoint::Checkpoint;
use crate::decision::Decision;
use crate::error::{Error, Result};
use crate::feed;
use crate::learning::{historical, History};
use crate::project::Project;
use crate::schema::Schema;
use crate::store::{ReadTx, WriteTx};
use crate::task::Task;
use crate::time::Timestamp;
use crate::workflow::HistoryEntry;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::path::Path;

/// How much an import brought in.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportSummary {
    /// Files read.
    pub files: usize,
    /// Projects created.
    pub projects: usize,
    /// Workflows created.
    pub workflows: usize,
    /// Sessions created.
    pub sessions: usize,
    /// Tasks created.
    pub tasks: usize,
    /// Decisions created.
    pub decisions: usize,
    /// Checkpoints created.
    pub checkpoints: usize,
    /// Projects that already existed with the same id and name (an archive of a pruned
    /// workflow imported back): kept as they are, with their learning.
    #[serde(default)]
    pub projects_existing: usize,
    /// Learning records created (failures, estimates, retrospectives, spikes, agent logs,
    /// complexity snapshots, pattern usage).
    #[serde(default)]
    pub learning_records: usize,
    /// Agent threads created.
    #[serde(default)]
    pub threads: usize,
    /// Checkpoints of those threads.
    #[serde(default)]
    pub thread_checkpoints: usize,
}

/// A validated export, ready to apply.
pub(crate) struct Loaded {
    files: usize,
    projects: Vec<ProjectFile>,
    workflows: Vec<(WorkflowFile, Vec<Decision>, Vec<Checkpoint>)>,
    sessions: Vec<SessionFile>,
    tasks: Vec<Task>,
    learning: Vec<(Project, History)>,
    records: Vec<LearningDump>,
    external: Vec<External>,
    threads: Vec<Vec<super::threads::ThreadLine>>,
}

impl Loaded {
    /// The number of files read.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))] // used by the `maestro` command
    pub(crate) fn files(&self) -> usize {
        self.files
    }
}

fn bad(file: &str, pointer: &str, message: impl Into<String>) -> Error {
    Error::validation("import", format!("{file}#{pointer}"), message)
}

/// Reads `dir/rel` and validates it against `schema`. Errors name the file and the JSON
/// pointer inside it.
fn load_value(dir: &Path, rel: &str, schema: Schema) -> Result<serde_json::Value> {
    let text = read_text(dir, rel, crate::schema::limits::MAX_DOCUMENT_BYTES as u64)?;
    schema.parse_json(&text).map_err(|e| in_file(rel, e))
}

/// Largest list file (`decisions.json`, `checkpoints.json`, learning records) read: each
/// of its items must still fit the limits of one document.
const MAX_LIST_BYTES: u64 = 1 << 30;

/// Refuses `dir/rel` when a folder on the way to it, inside `dir`, is a symlink: an
/// import reads only what lies in the tree it was given. The error names the link's
/// place in the tree, never what it points to.
fn no_symlinked_folder(dir: &Path, rel: &str) -> Result<()> {
    let mut at = String::new();
    let folders: Vec<&str> = rel.split('/').collect();
    for part in &folders[..folders.len().saturating_sub(1)] {
        if !at.is_empty() {
            at.push('/');
        }
        at.push_str(part);
        if let Ok(meta) = std::fs::symlink_metadata(dir.join(&at)) {
            if meta.file_type().is_symlink() {
                return Err(bad(&at, "", "a symlinked folder (symlinks are refused)"));
            }
        }
    }
    Ok(())
}

/// Opens `dir/rel` if it is a regular file (never a symlink, nor inside a symlinked
/// folder) of at most `max` bytes.
fn open_file(dir: &Path, rel: &str, max: u64) -> Result<std::fs::File> {
    no_symlinked_folder(dir, rel)?;
    let path = dir.join(rel);
    let meta = std::fs::symlink_metadata(&path).map_err(|e| bad(rel, "", format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(bad(rel, "", "not a regular file (symlinks are refused)"));
    }
    if meta.len() > max {
        return Err(bad(
            rel,
            "",
            format!("{} bytes is more than the limit of {max}", meta.len()),
        ));
    }
    std::fs::File::open(&path).map_err(|e| bad(rel, "", format!("cannot read: {e}")))
}

/// The text of `dir/rel`: a regular file (never a symlink), within `max` bytes, UTF-8.
fn read_text(dir: &Path, rel: &str, max: u64) -> Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    open_file(dir, rel, max)?
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(rel, "", format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| bad(rel, "", format!("not UTF-8: {e}")))
}

/// The items of a JSON-lines file, each line one document within the limits and valid
/// against `schema`. Lines are read one at a time, so the file's length is not bounded.
pub(super) fn load_lines<T: DeserializeOwned>(dir: &Path, rel: &str, schema: Schema) -> Result<Vec<T>> {
    use std::io::{BufRead, Read};
    let max = crate::schema::limits::MAX_DOCUMENT_BYTES as u64;
    let mut reader = std::io::BufReader::new(open_file(dir, rel, u64::MAX)?);
    let mut out = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = (&mut reader)
            .take(max + 2)
            .read_until(b'\n', &mut line)
            .map_err(|e| bad(rel, "", format!("cannot read: {e}")))?;
        if n == 0 {
            return Ok(out);
        }
        let at = format!("/{}", out.len());
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if n as u64 > max {
            return Err(bad(rel, &at, format!("line is longer than the limit of {max} bytes")));
        }
        let text = String::from_utf8(line).map_err(|e| bad(rel, &at, format!("not UTF-8: {e}")))?;
        let item = schema.parse_json(&text).map_err(|e| in_file(rel, prefix(e, &at)))?;
        out.push(schema.convert(item).map_err(|e| in_file(rel, prefix(e, &at)))?);
    }
}

/// [`load_value`], converted.
fn load<T: DeserializeOwned>(dir: &Path, rel: &str, schema: Schema) -> Result<T> {
    let value = load_value(dir, rel, schema)?;
    schema.convert(value).map_err(|e| in_file(rel, e))
}

fn in_file(rel: &str, e: Error) -> Error {
    match e {
        Error::Validation { path, message, entity } => bad(rel, &path, format!("{entity}: {message}")),
        e => e,
    }
}

/// Every `<folder>/<stem><suffix>` entry, sorted, as (stem, relative path).
fn entries(dir: &Path, folder: &str, suffix: &str, want_dir: bool) -> Result<Vec<(String, String)>> {
    let path = dir.join(folder);
    // The folder itself and every folder above it: none may be a symlink.
    no_symlinked_folder(dir, &format!("{folder}/"))?;
    if !path.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(&path)? {
        let e = e?;
        let name = e.file_name();
        let Some(name) = name.to_str() else {
            return Err(bad(folder, "", format!("{:?} is not a UTF-8 file name", e.file_name())));
        };
        let kind = e.file_type()?;
        if kind.is_symlink() {
            return Err(bad(&format!("{folder}/{name}"), "", "symlinks are refused"));
        }
        if kind.is_dir() != want_dir {
            continue;
        }
        if let Some(stem) = name.strip_suffix(suffix) {
            out.push((stem.to_owned(), format!("{folder}/{name}")));
        }
    }
    out.sort();
    Ok(out)
}

/// Every item of the list `field` names `owner` in `key`: a file can only bring in what
/// belongs to its own entity, never rows attached to another one.
fn same<'a, T: PartialEq + std::fmt::Display + 'a>(
    rel: &str,
    field: &str,
    key: &str,
    items: impl Iterator<Item = &'a T>,
    owner: &T,
) -> Result<()> {
    for (i, v) in items.enumerate() {
        if v != owner {
            let at = if field.is_empty() {
                format!("/{i}/{key}")
            } else {
                format!("/{field}/{i}/{key}")
            };
            return Err(bad(rel, &at, format!("names {v}, not {owner}")));
        }
    }
    Ok(())
}

fn check_id(rel: &str, want: &str, got: &str) -> Result<()> {
    if want != got {
        return Err(bad(rel, "/id", format!("the file is named for {want} but holds {got}")));
    }
    Ok(())
}

/// Reads and validates every file of the export at `dir`, and checks that the documents
/// refer to each other consistently.
pub(crate) fn read(dir: &Path) -> Result<Loaded> {
    if !dir.is_dir() {
        return Err(Error::validation(
            "import",
            "dir",
            format!("{} is not a directory", dir.display()),
        ));
    }
    let mut files = 0;
    let mut projects = Vec::new();
    for (stem, rel) in entries(dir, "projects", ".json", false)? {
        let p: ProjectFile = load(dir, &rel, Schema::Project)?;
        check_id(&rel, &stem, p.project.id.as_str())?;
        let pid = &p.project.id;
        same(
            &rel,
            "steering_documents",
            "project_id",
            p.steering_documents.iter().map(|d| &d.project_id),
            pid,
        )?;
        same(
            &rel,
            "decision_categories",
            "project_id",
            p.decision_categories.iter().map(|c| &c.project_id),
            pid,
        )?;
        projects.push(p);
        files += 1;
    }
    if dir.join(crate::config::FILE_NAME).exists() {
        let rel = crate::config::FILE_NAME;
        let text = read_text(dir, rel, super::super::config::yaml::MAX_BYTES as u64)?;
        crate::config::Config::from_yaml(rel, &text)?;
        files += 1;
    }
    let mut learning = Vec::new();
    let mut records = Vec::new();
    for p in &projects {
        let folder = format!("learning/{}", p.project.id);
        let r = load_records(dir, &folder, &p.project)?;
        files += r.1;
        records.push(r.0);
        if !dir.join(&folder).join("tech-stack.json").exists() {
            continue;
        }
        let mut docs = Vec::new();
        for (file, schema) in [
            ("tech-stack.json", Schema::HistoricalTechStack),
            ("architecture.json", Schema::HistoricalArchitecture),
            ("task-ordering.json", Schema::HistoricalTaskOrdering),
        ] {
            let rel = format!("{folder}/{file}");
            let v = load_value(dir, &rel, schema)?;
            if v["project_id"] != serde_json::json!(p.project.id) {
                return Err(bad(&rel, "/project_id", format!("is not {}", p.project.id)));
            }
            docs.push(v);
            files += 1;
        }
        let [tech_stack, architecture, task_ordering]: [serde_json::Value; 3] = docs
            .try_into()
            .map_err(|_| Error::Internal("three learning documents".into()))?;
        let h = History {
            tech_stack,
            architecture,
            task_ordering,
        };
        historical::restore(&p.project, &h).map_err(|e| in_file(&folder, e))?;
        learning.push((p.project.clone(), h));
    }
    let project_ids: HashSet<&str> = projects.iter().map(|p| p.project.id.as_str()).collect();
    let owned = |rel: &str, project: &str| -> Result<()> {
        if project_ids.contains(project) {
            Ok(())
        } else {
            Err(bad(
                rel,
                "/project_id",
                format!("project {project} is not part of the import"),
            ))
        }
    };
    let mut workflows = Vec::new();
    for (stem, folder) in entries(dir, "workflows", "", true)? {
        let rel = format!("{folder}/metadata.json");
        let w: WorkflowFile = load(dir, &rel, Schema::Workflow)?;
        check_id(&rel, &stem, w.workflow.id.as_str())?;
        owned(&rel, w.workflow.project_id.as_str())?;
        let (wid, pid) = (&w.workflow.id, &w.workflow.project_id);
        let history_owner: Vec<String> = w
            .history
            .iter()
            .map(|h| h["workflow_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        same(&rel, "history", "workflow_id", history_owner.iter(), &wid.to_string())?;
        same(
            &rel,
            "votes",
            "workflow_id",
            w.votes.iter().map(|v| &v.workflow_id),
            wid,
        )?;
        same(&rel, "votes", "project_id", w.votes.iter().map(|v| &v.project_id), pid)?;
        same(
            &rel,
            "spec_documents",
            "workflow_id",
            w.spec_documents.iter().map(|d| &d.workflow_id),
            wid,
        )?;
        same(
            &rel,
            "spec_documents",
            "project_id",
            w.spec_documents.iter().map(|d| &d.project_id),
            pid,
        )?;
        let decisions = load_list::<Decision>(dir, &format!("{folder}/decisions.json"), Schema::Decision)?;
        let checkpoints = load_list::<Checkpoint>(dir, &format!("{folder}/checkpoints.json"), Schema::Checkpoint)?;
        let drel = format!("{folder}/decisions.json");
        let crel = format!("{folder}/checkpoints.json");
        same(&drel, "", "project_id", decisions.iter().map(|d| &d.project_id), pid)?;
        same(&crel, "", "project_id", checkpoints.iter().map(|c| &c.project_id), pid)?;
        for (i, d) in decisions.iter().enumerate() {
            if d.workflow_id != w.workflow.id {
                return Err(bad(
                    &format!("{folder}/decisions.json"),
                    &format!("/{i}/workflow_id"),
                    "belongs to another workflow",
                ));
            }
        }
        for (i, c) in checkpoints.iter().enumerate() {
            if c.workflow_id != w.workflow.id {
                return Err(bad(
                    &format!("{folder}/checkpoints.json"),
                    &format!("/{i}/workflow_id"),
                    "belongs to another workflow",
                ));
            }
        }
        files += 3;
        workflows.push((w, decisions, checkpoints));
    }
    let mut tasks = Vec::new();
    for (stem, rel) in entries(dir, "tasks", ".json", false)? {
        let t: TaskFile = load(dir, &rel, Schema::Task)?;
        check_id(&rel, &stem, t.task.id.as_str())?;
        owned(&rel, t.task.project_id.as_str())?;
        tasks.push(t.task);
        files += 1;
    }
    let workflow_ids: HashSet<String> = workflows.iter().map(|w| w.0.workflow.id.to_string()).collect();
    let in_import_workflow = |rel: &str, w: Option<&crate::id::WorkflowId>| -> Result<()> {
        match w {
            Some(w) if !workflow_ids.contains(w.as_str()) => Err(bad(
                rel,
                "/workflow_id",
                format!("workflow {w} is not part of the import"),
            )),
            _ => Ok(()),
        }
    };
    let task_ids: HashSet<String> = tasks.iter().map(|t| t.id.to_string()).collect();
    // A dependency or parent outside the import must already be in the store (a pruned
    // workflow's archive imported back): checked when it is applied.
    let mut external = Vec::new();
    for t in &tasks {
        let rel = format!("tasks/{}.json", t.id);
        in_import_workflow(&rel, t.workflow_id.as_ref())?;
        for (i, d) in t.depends_on.iter().enumerate() {
            if !task_ids.contains(d.as_str()) {
                external.push(External::task(&rel, &format!("/depends_on/{i}"), d.as_str()));
            }
        }
        if let Some(p) = t.parent_id.as_ref().filter(|p| !task_ids.contains(p.as_str())) {
            external.push(External::task(&rel, "/parent_id", p.as_str()));
        }
    }
    let mut sessions = Vec::new();
    for (stem, rel) in entries(dir, "sessions", ".json", false)? {
        let text = read_text(dir, &rel, MAX_LIST_BYTES)?;
        let v = crate::schema::limits::parse_list("import", &text).map_err(|e| in_file(&rel, e))?;
        for field in ["env", "metadata"] {
            crate::schema::limits::check("import", &v[field])
                .map_err(|e| in_file(&rel, prefix(e, &format!("/{field}"))))?;
        }
        // The long lists are checked item by item below, each as a document of its own.
        let mut head = v.clone();
        for field in ["timeline", "queue"] {
            if let Some(m) = head.as_object_mut() {
                m.remove(field);
            }
        }
        Schema::Session.validate(&head).map_err(|e| in_file(&rel, e))?;
        for (field, schema) in [("timeline", Schema::TimelineEvent), ("queue", Schema::QueueItem)] {
            for (i, item) in v[field].as_array().into_iter().flatten().enumerate() {
                schema
                    .validate(item)
                    .map_err(|e| in_file(&rel, prefix(e, &format!("/{field}/{i}"))))?;
            }
        }
        let mut s: SessionFile = Schema::Session.convert(v).map_err(|e| in_file(&rel, e))?;
        check_id(&rel, &stem, s.session.id.as_str())?;
        let lines_rel = format!("sessions/{stem}.timeline.jsonl");
        let lines: Vec<crate::session::TimelineEvent> = if dir.join(&lines_rel).exists() {
            files += 1;
            load_lines(dir, &lines_rel, Schema::TimelineEvent)?
        } else {
            Vec::new()
        };
        owned(&rel, s.session.project_id.as_str())?;
        let (sid, pid) = (&s.session.id, &s.session.project_id);
        same(
            &rel,
            "timeline",
            "session_id",
            s.timeline.iter().map(|e| &e.session_id),
            sid,
        )?;
        same(
            &rel,
            "timeline",
            "project_id",
            s.timeline.iter().map(|e| &e.project_id),
            pid,
        )?;
        same(&rel, "tasks", "session_id", s.tasks.iter().map(|l| &l.session_id), sid)?;
        same(&rel, "tasks", "project_id", s.tasks.iter().map(|l| &l.project_id), pid)?;
        same(&rel, "queue", "session_id", s.queue.iter().map(|q| &q.session_id), sid)?;
        same(&rel, "queue", "project_id", s.queue.iter().map(|q| &q.project_id), pid)?;
        same(&lines_rel, "", "session_id", lines.iter().map(|e| &e.session_id), sid)?;
        same(&lines_rel, "", "project_id", lines.iter().map(|e| &e.project_id), pid)?;
        in_import_workflow(&rel, s.session.workflow_id.as_ref())?;
        let wid = s.session.workflow_id.as_ref().map(|w| w.to_string());
        for (file, events) in [(&rel, &s.timeline), (&lines_rel, &lines)] {
            let at = if file == &rel { "/timeline" } else { "" };
            if let Some(i) = events.iter().position(|e| e.workflow_id != wid) {
                return Err(bad(
                    file,
                    &format!("{at}/{i}/workflow_id"),
                    "is not its session's workflow",
                ));
            }
        }
        for (field, ids) in [
            ("tasks", s.tasks.iter().map(|l| l.task_id.as_str()).collect::<Vec<_>>()),
            ("queue", s.queue.iter().map(|q| q.task_id.as_str()).collect()),
        ] {
            if let Some(i) = ids.iter().position(|t| !task_ids.contains(*t)) {
                return Err(bad(
                    &rel,
                    &format!("/{field}/{i}/task_id"),
                    format!("task {} is not part of the import", ids[i]),
                ));
            }
        }
        s.timeline.extend(lines);
        sessions.push(s);
        files += 1;
    }
    let session_ids: HashSet<String> = sessions.iter().map(|s| s.session.id.to_string()).collect();
    for s in &sessions {
        if let Some(p) = s
            .session
            .parent_session_id
            .as_ref()
            .filter(|p| !session_ids.contains(p.as_str()))
        {
            let rel = format!("sessions/{}.json", s.session.id);
            external.push(External::session(&rel, "/parent_session_id", p.as_str()));
        }
    }
    for (w, decisions, checkpoints) in &workflows {
        let folder = format!("workflows/{}", w.workflow.id);
        let refs = decisions
            .iter()
            .enumerate()
            .flat_map(|(i, d)| {
                [
                    (
                        "decisions.json",
                        format!("/{i}/session_id"),
                        d.session_id.as_ref().map(|x| x.to_string()),
                        &session_ids,
                    ),
                    (
                        "decisions.json",
                        format!("/{i}/task_id"),
                        d.task_id.as_ref().map(|x| x.to_string()),
                        &task_ids,
                    ),
                ]
            })
            .chain(checkpoints.iter().enumerate().map(|(i, c)| {
                (
                    "checkpoints.json",
                    format!("/{i}/session_id"),
                    c.session_id.as_ref().map(|x| x.to_string()),
                    &session_ids,
                )
            }));
        for (file, pointer, id, known) in refs {
            if let Some(id) = id.filter(|id| !known.contains(id)) {
                return Err(bad(
                    &format!("{folder}/{file}"),
                    &pointer,
                    format!("{id} is not part of the import"),
                ));
            }
        }
    }
    let mut threads = Vec::new();
    for (stem, rel) in entries(dir, "threads", ".jsonl", false)? {
        owned(&rel, &stem)?;
        let lines: Vec<super::threads::ThreadLine> = load_lines(dir, &rel, Schema::Thread)?;
        if let Some(at) = super::threads::stranger(&lines, &stem) {
            return Err(bad(
                &rel,
                &at,
                format!("is not {stem}, the project the file is named for"),
            ));
        }
        threads.push(lines);
        files += 1;
    }
    Ok(Loaded {
        files,
        projects,
        workflows,
        sessions,
        tasks,
        learning,
        records,
        external,
        threads,
    })
}

/// A reference from the import to a task or session outside it, which must exist in the
/// store the import is applied to.
pub(crate) struct External {
    rel: String,
    pointer: String,
    entity: &'static str,
    id: String,
}

impl External {
    fn task(rel: &str, pointer: &str, id: &str) -> Self {
        External {
            rel: rel.to_owned(),
            pointer: pointer.to_owned(),
            entity: "task",
            id: id.to_owned(),
        }
    }

    fn session(rel: &str, pointer: &str, id: &str) -> Self {
        External {
            entity: "session",
            ..External::task(rel, pointer, id)
        }
    }
}

/// The learning records under `folder` (each kind's file, when there is one), every
/// record of `project`; and how many files were read.
fn load_records(dir: &Path, folder: &str, project: &Project) -> Result<(LearningDump, usize)> {
    let mut files = 0;
    let mut rel_of = |name: &str| -> Option<String> {
        let rel = format!("{folder}/{name}");
        dir.join(&rel).exists().then(|| {
            files += 1;
            rel
        })
    };
    fn list<T: DeserializeOwned>(dir: &Path, rel: Option<String>, schema: Schema) -> Result<Vec<T>> {
        rel.map(|r| load_list(dir, &r, schema))
            .transpose()
            .map(Option::unwrap_or_default)
    }
    let [f, e, r, s, a, c, p] = RECORD_FILES;
    let l = LearningDump {
        failures: list(dir, rel_of(f), Schema::Failure)?,
        estimates: list(dir, rel_of(e), Schema::Estimate)?,
        retrospectives: list(dir, rel_of(r), Schema::Retrospective)?,
        spikes: list(dir, rel_of(s), Schema::Spike)?,
        agent_logs: list(dir, rel_of(a), Schema::AgentLog)?,
        complexity: list(dir, rel_of(c), Schema::ComplexitySnapshot)?,
        patterns: list(dir, rel_of(p), Schema::PatternUsage)?,
    };
    let pid = &project.id;
    let owners = [
        (f, l.failures.iter().map(|x| &x.project_id).collect::<Vec<_>>()),
        (e, l.estimates.iter().map(|x| &x.project_id).collect()),
        (r, l.retrospectives.iter().map(|x| &x.project_id).collect()),
        (s, l.spikes.iter().map(|x| &x.project_id).collect()),
        (a, l.agent_logs.iter().map(|x| &x.project_id).collect()),
        (c, l.complexity.iter().map(|x| &x.project_id).collect()),
        (p, l.patterns.iter().map(|x| &x.project_id).collect()),
    ];
    for (name, ids) in owners {
        same(&format!("{folder}/{name}"), "", "project_id", ids.into_iter(), pid)?;
    }
    Ok((l, files))
}

fn prefix(e: Error, pointer: &str) -> Error {
    match e {
        Error::Validation { entity, path, message } => Error::Validation {
            entity,
            path: format!("{pointer}{path}"),
            message,
        },
        e => e,
    }
}

/// A JSON array file whose items each follow `schema`; the limits apply to each item as
/// a document of its own, so whatever the API accepted imports.
fn load_list<T: DeserializeOwned>(dir: &Path, rel: &str, schema: Schema) -> Result<Vec<T>> {
    let text = read_text(dir, rel, MAX_LIST_BYTES)?;
    let value = crate::schema::limits::parse_list("import", &text).map_err(|e| in_file(rel, e))?;
    let serde_json::Value::Array(items) = value else {
        return Err(bad(rel, "", "expected a JSON array"));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        schema
            .validate(&item)
            .map_err(|e| in_file(rel, prefix(e, &format!("/{i}"))))?;
        out.push(
            schema
                .convert(item)
                .map_err(|e| in_file(rel, prefix(e, &format!("/{i}"))))?,
        );
    }
    Ok(out)
}

/// Merges lists into one, ordered by time, keeping each list's own order (clocks of
/// different processes may disagree, so one list's order is never re-sorted).
fn merge_by_time<T>(lists: Vec<Vec<T>>, at: impl Fn(&T) -> Timestamp) -> Vec<T> {
    let mut iters: Vec<std::iter::Peekable<std::vec::IntoIter<T>>> =
        lists.into_iter().map(|l| l.into_iter().peekable()).collect();
    let mut out = Vec::new();
    loop {
        let next = iters
            .iter_mut()
            .enumerate()
            .filter_map(|(i, it)| it.peek().map(|x| (at(x), i)))
            .min();
        match next {
            Some((_, i)) => out.extend(iters[i].next()),
            None => return out,
        }
    }
}

/// Parents before children, otherwise in the given order.
fn parents_first<T>(items: Vec<T>, id: impl Fn(&T) -> &str, parent: impl Fn(&T) -> Option<&str>) -> Vec<T> {
    let mut placed: HashSet<String> = HashSet::new();
    let mut pending = items;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<T>, Vec<T>) = pending
            .into_iter()
            .partition(|t| parent(t).is_none_or(|p| placed.contains(p)));
        for t in &ready {
            placed.insert(id(t).to_owned());
        }
        out.extend(ready);
        pending = rest;
        if pending.len() == before {
            // A parent outside the import (or a cycle): leave the rest to the foreign key check.
            out.append(&mut pending);
        }
    }
    out
}

fn absent(exists: bool, entity: &'static str, id: &str) -> Result<()> {
    if exists {
        return Err(Error::conflict(
            entity,
            id,
            "already exists in this store; import needs new ids",
        ));
    }
    Ok(())
}

/// Entry `i` of a workflow's exported history, as the store keeps it (its seq is given
/// on insert).
fn history_entry(workflow: &str, i: usize, mut h: serde_json::Value) -> Result<HistoryEntry> {
    h["seq"] = serde_json::Value::from(0);
    serde_json::from_value(h).map_err(|e| {
        bad(
            &format!("workflows/{workflow}/metadata.json"),
            &format!("/history/{i}"),
            e.to_string(),
        )
    })
}

/// A conflict when the learning record's id is taken.
fn record_absent<T: crate::learning::records::Recordable>(tx: &dyn ReadTx, v: &T) -> Result<()> {
    absent(
        tx.record(T::KIND, v.entity_id())?.is_some(),
        T::KIND.as_str(),
        v.entity_id(),
    )
}

/// Every reference the import makes to an entity outside it must be in the store.
fn check_external(tx: &dyn ReadTx, external: &[External]) -> Result<()> {
    for x in external {
        let exists = match x.entity {
            "task" => tx.task(&x.id)?.is_some(),
            _ => tx.session(&x.id)?.is_some(),
        };
        if !exists {
            return Err(bad(
                &x.rel,
                &x.pointer,
                format!("{} {} is neither part of the import nor in this store", x.entity, x.id),
            ));
        }
    }
    Ok(())
}

/// Whether `project` is already in the store with the same id and name (kept as it is);
/// a conflict when its id or name is taken by another project.
fn project_exists(tx: &dyn ReadTx, project: &Project) -> Result<bool> {
    if let Some(have) = tx.project(project.id.as_str())? {
        if have.name != project.name {
            return Err(Error::conflict(
                "project",
                project.id.as_str(),
                format!("exists here named {:?}, not {:?}", have.name, project.name),
            ));
        }
        return Ok(true);
    }
    if tx.project_by_name(&project.name)?.is_some() {
        return Err(Error::conflict(
            "project",
            project.id.as_str(),
            format!("a project named {:?} exists", project.name),
        ));
    }
    Ok(false)
}

/// What [`apply`] would bring into the store `tx` reads, checked the way `apply` checks
/// it (references outside the import, ids already taken, project names, history entries,
/// learning aggregates, embedding dimensions) without writing anything: an import's dry
/// run. Only what the database itself would refuse is left to `apply`.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // used by the `maestro` command
pub(crate) fn plan(tx: &dyn ReadTx, data: &Loaded) -> Result<ImportSummary> {
    use crate::learning::records::Recordable;
    fn new_records<T: Recordable>(tx: &dyn ReadTx, items: &[T]) -> Result<usize> {
        for v in items {
            record_absent(tx, v)?;
        }
        Ok(items.len())
    }
    let mut sum = ImportSummary {
        files: data.files,
        ..Default::default()
    };
    check_external(tx, &data.external)?;
    let mut existing = HashSet::new();
    for p in &data.projects {
        if project_exists(tx, &p.project)? {
            existing.insert(p.project.id.as_str());
            sum.projects_existing += 1;
        } else {
            sum.projects += 1;
        }
    }
    for (p, h) in data.learning.iter().filter(|(p, _)| !existing.contains(p.id.as_str())) {
        historical::restore(p, h)?;
    }
    for (w, decisions, checkpoints) in &data.workflows {
        let id = w.workflow.id.as_str();
        absent(tx.workflow(id)?.is_some(), "workflow", id)?;
        for (i, h) in w.history.iter().enumerate() {
            history_entry(id, i, h.clone())?;
        }
        for d in decisions {
            absent(tx.decision(d.id.as_str())?.is_some(), "decision", d.id.as_str())?;
        }
        for c in checkpoints {
            absent(tx.checkpoint(c.id.as_str())?.is_some(), "checkpoint", c.id.as_str())?;
        }
        sum.workflows += 1;
        sum.decisions += decisions.len();
        sum.checkpoints += checkpoints.len();
    }
    for t in &data.tasks {
        absent(tx.task(t.id.as_str())?.is_some(), "task", t.id.as_str())?;
    }
    sum.tasks = data.tasks.len();
    for s in &data.sessions {
        let id = s.session.id.as_str();
        absent(tx.session(id)?.is_some(), "session", id)?;
    }
    sum.sessions = data.sessions.len();
    // The first embedding stored sets the store's dimension; every later one must match.
    let mut dim = tx.embedding_dim()?;
    for l in &data.records {
        for (i, f) in l.failures.iter().enumerate() {
            absent(tx.failure(f.id.as_str())?.is_some(), "failure", f.id.as_str())?;
            if let Some(e) = &f.embedding {
                let path = format!("/{i}/embedding");
                crate::learning::failures::check_dimension(tx, "failure", &path, e)?;
                match dim {
                    Some(d) if d != e.len() => {
                        return Err(Error::validation(
                            "failure",
                            path,
                            format!("has {} dimensions; the import's first embedding has {d}", e.len()),
                        ))
                    }
                    _ => dim = Some(e.len()),
                }
            }
        }
        sum.learning_records += l.failures.len()
            + new_records(tx, &l.estimates)?
            + new_records(tx, &l.retrospectives)?
            + new_records(tx, &l.spikes)?
            + new_records(tx, &l.agent_logs)?
            + new_records(tx, &l.complexity)?
            + new_records(tx, &l.patterns)?;
    }
    for lines in &data.threads {
        let mut seen = HashSet::new();
        for l in lines {
            let t = &l.thread;
            if seen.insert(t.thread_id.as_str()) {
                if tx.thread(t.project_id.as_str(), &t.thread_id)?.is_some() {
                    return Err(Error::conflict(
                        "thread",
                        t.thread_id.clone(),
                        "already exists; import creates new threads only",
                    ));
                }
                sum.threads += 1;
            }
            sum.thread_checkpoints += usize::from(l.checkpoint.is_some());
        }
    }
    Ok(sum)
}

/// Applies a validated export inside `tx`.
pub(crate) fn apply(tx: &mut dyn WriteTx, data: Loaded) -> Result<ImportSummary> {
    let mut sum = ImportSummary {
        files: data.files,
        ..Default::default()
    };
    check_external(&*tx, &data.external)?;
    let mut existing: HashSet<String> = HashSet::new();
    for p in &data.projects {
        if project_exists(&*tx, &p.project)? {
            // The project of a pruned workflow's archive: the store's own project (with its
            // documents and learning, which outlived the workflow) stays as it is.
            existing.insert(p.project.id.as_str().to_owned());
            sum.projects_existing += 1;
            continue;
        }
        tx.insert_project(&p.project)?;
        feed::emit(tx, "imported", &p.project)?;
        for s in &p.steering_documents {
            tx.insert_steering_document(s)?;
            feed::emit(tx, "imported", s)?;
        }
        for c in &p.decision_categories {
            tx.insert_decision_category(c)?;
            feed::emit(tx, "imported", c)?;
        }
        sum.projects += 1;
    }
    let mut decisions = Vec::new();
    let mut checkpoints = Vec::new();
    for (w, ds, cs) in data.workflows {
        let wf = &w.workflow;
        absent(tx.workflow(wf.id.as_str())?.is_some(), "workflow", wf.id.as_str())?;
        tx.insert_workflow(wf)?;
        feed::emit(tx, "imported", wf)?;
        for (i, h) in w.history.into_iter().enumerate() {
            tx.insert_history(&history_entry(wf.id.as_str(), i, h)?)?;
        }
        for v in &w.votes {
            tx.insert_vote(v)?;
            feed::emit(tx, "imported", v)?;
        }
        for s in &w.spec_documents {
            tx.insert_spec_document(s)?;
            feed::emit(tx, "imported", s)?;
        }
        sum.workflows += 1;
        decisions.push(ds);
        checkpoints.extend(cs);
    }
    let tasks = parents_first(
        data.tasks,
        |t| t.id.as_str(),
        |t| t.parent_id.as_ref().map(|p| p.as_str()),
    );
    for t in &tasks {
        absent(tx.task(t.id.as_str())?.is_some(), "task", t.id.as_str())?;
        let mut bare = t.clone();
        bare.depends_on.clear();
        tx.insert_task(&bare)?;
    }
    for t in &tasks {
        for d in &t.depends_on {
            tx.insert_dependency(t.id.as_str(), d.as_str())?;
        }
        feed::emit(tx, "imported", t)?;
        sum.tasks += 1;
    }
    let sessions = parents_first(
        data.sessions,
        |s| s.session.id.as_str(),
        |s| s.session.parent_session_id.as_ref().map(|p| p.as_str()),
    );
    let mut timelines = Vec::new();
    for s in sessions {
        absent(
            tx.session(s.session.id.as_str())?.is_some(),
            "session",
            s.session.id.as_str(),
        )?;
        tx.insert_session(&s.session)?;
        feed::emit(tx, "imported", &s.session)?;
        for l in &s.tasks {
            tx.upsert_link(l)?;
            feed::emit(tx, "imported", l)?;
        }
        for q in &s.queue {
            tx.insert_queue_item(q)?;
            feed::emit(tx, "imported", q)?;
        }
        timelines.push(s.timeline);
        sum.sessions += 1;
    }
    for e in merge_by_time(timelines, |e| e.at) {
        // Timeline events live in the feed: the imported one keeps its verb so readers
        // of the timeline see it like any other.
        feed::emit(tx, "appended", &e)?;
    }
    checkpoints.sort_by_key(|c| (c.at, c.id.clone()));
    for c in &checkpoints {
        absent(tx.checkpoint(c.id.as_str())?.is_some(), "checkpoint", c.id.as_str())?;
        tx.insert_checkpoint(c)?;
        feed::emit(tx, "imported", c)?;
        sum.checkpoints += 1;
    }
    let mut restored = Vec::new();
    for (p, h) in data.learning.iter().filter(|(p, _)| !existing.contains(p.id.as_str())) {
        restored.push((p, historical::restore(p, h)?));
    }
    let mut with_aggregates: HashSet<&str> = restored
        .iter()
        .filter(|(_, r)| r.stats.is_some())
        .map(|(p, _)| p.id.as_str())
        .collect();
    // An existing project's aggregates already count its decisions.
    with_aggregates.extend(existing.iter().map(String::as_str));
    for d in merge_by_time(decisions, |d| d.at) {
        absent(tx.decision(d.id.as_str())?.is_some(), "decision", d.id.as_str())?;
        let seq = feed::emit(tx, "imported", &d)?;
        tx.insert_decision(&d, seq)?;
        if !with_aggregates.contains(d.project_id.as_str()) {
            crate::learning::advice::count_existing(tx, &d)?;
        }
        sum.decisions += 1;
    }
    for (_, r) in &restored {
        for s in r.stats.iter().flatten() {
            let key = s
                .key()
                .ok_or_else(|| Error::Internal("a restored aggregate has its project".into()))?;
            for i in &s.issues {
                tx.add_advice_issue(&key, &i.issue, i.count)?;
            }
            let mut s = s.clone();
            s.issues = tx.advice_top_issues(&key, crate::learning::advice::TOP_ISSUES)?;
            tx.put_advice_stat(&s)?;
        }
        for pair in &r.pairs {
            tx.add_ordering_pair(pair)?;
        }
        for o in &r.orderings {
            tx.insert_ordering(o)?;
        }
    }
    for l in &data.records {
        sum.learning_records += apply_records(tx, l)?;
    }
    for lines in &data.threads {
        let (threads, checkpoints) = super::threads::apply(tx, lines)?;
        sum.threads += threads;
        sum.thread_checkpoints += checkpoints;
    }
    Ok(sum)
}

/// Inserts learning records as they were (ids, times, embeddings), each with one
/// `<entity>.imported` event. Returns how many.
fn apply_records(tx: &mut dyn WriteTx, l: &LearningDump) -> Result<usize> {
    use crate::learning::records::{to_record, Recordable};
    fn each<T: Recordable>(tx: &mut dyn WriteTx, items: &[T]) -> Result<usize> {
        for v in items {
            record_absent(&*tx, v)?;
            feed::emit(tx, "imported", v)?;
            tx.insert_record(&to_record(v)?)?;
        }
        Ok(items.len())
    }
    for (i, f) in l.failures.iter().enumerate() {
        absent(tx.failure(f.id.as_str())?.is_some(), "failure", f.id.as_str())?;
        if let Some(e) = &f.embedding {
            crate::learning::failures::check_dimension(tx, "failure", &format!("/{i}/embedding"), e)?;
        }
        let mut bare = f.clone();
        bare.embedding = None;
        feed::emit(tx, "imported", &bare)?;
        tx.insert_failure(&bare, f.embedding.as_deref())?;
    }
    Ok(l.failures.len()
        + each(tx, &l.estimates)?
        + each(tx, &l.retrospectives)?
        + each(tx, &l.spikes)?
        + each(tx, &l.agent_logs)?
        + each(tx, &l.complexity)?
        + each(tx, &l.patterns)?)
}
