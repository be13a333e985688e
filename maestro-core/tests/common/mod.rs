//! Fixtures shared by the integration tests.
#![allow(dead_code)]

use maestro_core::*;
use tempfile::TempDir;

/// A store under test, with the directory that keeps its file alive.
pub struct Backend {
    pub name: &'static str,
    pub m: Maestro,
    /// The URL of a server store.
    pub url: Option<String>,
    pub _dir: Option<TempDir>,
}

/// The PostgreSQL server the tests use: `MAESTRO_TEST_PG_URL`, or a throwaway cluster
/// started by `scripts/pg start` (which installs the server if it must).
#[cfg(feature = "postgres")]
pub fn pg_server() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("MAESTRO_TEST_PG_URL") {
            return url;
        }
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg");
        let out = std::process::Command::new(&script)
            .arg("start")
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run scripts/pg start");
        assert!(out.status.success(), "scripts/pg start failed");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    })
    .clone()
}

/// The URL of a new, empty PostgreSQL store (a schema of its own on the test server).
#[cfg(feature = "postgres")]
pub fn pg_url() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!("t{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let base = pg_server();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-csearch_path%3D{schema}")
}

/// Opens what `backup` wrote to `dest`: a SQLite file as it is; a PostgreSQL dump
/// (`pg_dump --format=custom`) restored with `pg_restore` into a new database.
pub fn restore_backup(b: &Backend, dest: &std::path::Path) -> Maestro {
    #[cfg(feature = "postgres")]
    if b.name == "postgres" {
        let server = pg_server();
        let db = format!("restored_{}_{}", std::process::id(), dest.metadata().unwrap().len());
        let psql = std::process::Command::new("psql")
            .args([server.as_str(), "-qc", &format!("CREATE DATABASE {db}")])
            .status()
            .unwrap();
        assert!(psql.success(), "createdb");
        let (base, query) = server.split_once('?').map_or((server.as_str(), ""), |(b, q)| (b, q));
        let root = &base[..base.rfind('/').unwrap()];
        let target = format!("{root}/{db}");
        let restore = std::process::Command::new("pg_restore")
            .args(["--dbname", &target])
            .arg(dest)
            .status()
            .unwrap();
        assert!(restore.success(), "pg_restore");
        let url = b.url.clone().unwrap();
        let options = url.split_once('?').map(|(_, q)| q).unwrap_or(query);
        return Maestro::open(format!("{target}?{options}"), Options::default()).unwrap();
    }
    let _ = b;
    Maestro::open(dest, Options::default()).unwrap()
}

/// Every storage implementation the conformance suite runs against.
pub fn backends() -> Vec<Backend> {
    #[allow(unused_mut)]
    let mut all = vec![sqlite_file(), sqlite_memory()];
    #[cfg(feature = "postgres")]
    all.push(postgres());
    all
}

/// The backends whose store lives outside the process, which [`Backend::raw_i64`] and
/// [`Backend::raw_exec`] reach: a SQLite file and PostgreSQL.
pub fn durable_backends() -> Vec<Backend> {
    #[allow(unused_mut)]
    let mut all = vec![sqlite_file()];
    #[cfg(feature = "postgres")]
    all.push(postgres());
    all
}

/// A new SQLite file store (`state.db` in a directory of its own).
pub fn sqlite_file() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let file = Maestro::open(dir.path().join("state.db"), Options::durability(Durability::Normal)).unwrap();
    Backend {
        name: "sqlite-file",
        m: file,
        url: None,
        _dir: Some(dir),
    }
}

/// A new in-memory SQLite store.
pub fn sqlite_memory() -> Backend {
    Backend {
        name: "sqlite-memory",
        m: Maestro::open_in_memory().unwrap(),
        url: None,
        _dir: None,
    }
}

/// A new PostgreSQL store (a schema of its own on the test server).
#[cfg(feature = "postgres")]
pub fn postgres() -> Backend {
    let url = pg_url();
    Backend {
        name: "postgres",
        m: Maestro::open(&url, Options::durability(Durability::Normal)).unwrap(),
        url: Some(url),
        _dir: None,
    }
}

impl Backend {
    /// A new, empty store of the same kind.
    pub fn fresh(&self) -> Backend {
        match self.name {
            "sqlite-file" => sqlite_file(),
            "sqlite-memory" => sqlite_memory(),
            #[cfg(feature = "postgres")]
            "postgres" => postgres(),
            other => panic!("unknown backend {other}"),
        }
    }

    /// Runs the query `sql` on the store's database behind Maestro's back (rusqlite on
    /// the SQLite file, psql on the PostgreSQL schema) and returns the integer in the
    /// first column of its only row.
    pub fn raw_i64(&self, sql: &str) -> i64 {
        match (self.name, &self._dir, &self.url) {
            ("sqlite-file", Some(dir), _) => rusqlite::Connection::open(dir.path().join("state.db"))
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            ("postgres", _, Some(url)) => {
                let out = psql(url, sql);
                out.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("{sql}: {out:?} is not an integer: {e}"))
            }
            _ => panic!("{} has no database to reach behind Maestro's back", self.name),
        }
    }

    /// Runs the statement `sql` on the store's database behind Maestro's back (see
    /// [`Backend::raw_i64`]).
    pub fn raw_exec(&self, sql: &str) {
        match (self.name, &self._dir, &self.url) {
            ("sqlite-file", Some(dir), _) => {
                rusqlite::Connection::open(dir.path().join("state.db"))
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            ("postgres", _, Some(url)) => {
                psql(url, sql);
            }
            _ => panic!("{} has no database to reach behind Maestro's back", self.name),
        }
    }
}

/// Runs `sql` with psql on the database and schema of `url`; returns what it printed.
fn psql(url: &str, sql: &str) -> String {
    let out = std::process::Command::new("psql")
        .args([url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn project(m: &Maestro, name: &str) -> Project {
    m.projects()
        .create(NewProject {
            name: name.into(),
            ..Default::default()
        })
        .unwrap()
}

pub fn task(m: &Maestro, p: &ProjectId, title: &str, deps: &[&TaskId]) -> Task {
    let mut t = NewTask::new(p.clone(), title);
    t.depends_on = deps.iter().map(|d| (*d).clone()).collect();
    m.tasks().create(t).unwrap()
}

pub fn live_session(m: &Maestro, p: &ProjectId, name: &str) -> Session {
    let s = m.sessions().spawn(NewSession::new(p.clone(), name)).unwrap();
    m.sessions().register(&s.id).unwrap()
}

/// A small deterministic generator (xorshift), so a failing random case can be replayed
/// from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// A new workflow of `project` on the built-in `flow` model (no approvals).
pub fn flow_workflow(m: &Maestro, p: &ProjectId, feature: &str) -> Workflow {
    m.workflows()
        .create(NewWorkflow {
            id: None,
            project_id: p.clone(),
            feature: feature.into(),
            request: format!("build {feature}"),
            model: ModelRef::Builtin("flow".into()),
        })
        .unwrap()
}

/// Every file under `dir`, relative path → bytes.
pub fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_owned(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A realistic ended workflow (the shape the retention tests and benchmarks use): two
/// tasks in dependency order worked by one queue session with a few timeline events, a
/// decision with a subject and an outcome, a state-only checkpoint, a failure and an
/// estimate; then it runs the `flow` model to `completed` (or fails).
pub fn ended_workflow(m: &Maestro, p: &ProjectId, feature: &str, complete: bool) -> WorkflowId {
    let wf = flow_workflow(m, p, feature);
    let mut t1 = NewTask::new(p.clone(), format!("{feature}: schema"));
    t1.labels = vec!["database".into()];
    t1.workflow_id = Some(wf.id.clone());
    let t1 = m.tasks().create(t1).unwrap();
    let mut t2 = NewTask::new(p.clone(), format!("{feature}: api"));
    t2.labels = vec!["backend".into()];
    t2.workflow_id = Some(wf.id.clone());
    t2.depends_on = vec![t1.id.clone()];
    let t2 = m.tasks().create(t2).unwrap();
    let s = m
        .sessions()
        .spawn(NewSession {
            workflow_id: Some(wf.id.clone()),
            strategy: Strategy::Queue,
            tasks: vec![t1.id.clone(), t2.id.clone()],
            ..NewSession::new(p.clone(), format!("{feature}-worker"))
        })
        .unwrap();
    m.sessions().register(&s.id).unwrap();
    for _ in 0..2 {
        m.queues().next(&s.id).unwrap().unwrap();
        let mut e = NewTimelineEvent::new(TimelineType::Progress, "half way");
        e.metadata = serde_json::json!({"progress": 0.5});
        m.sessions().append(&s.id, e).unwrap();
        m.queues().complete(&s.id).unwrap();
    }
    m.sessions().complete(&s.id).unwrap();
    let mut d = NewDecision::new(
        wf.id.clone(),
        "tech_stack",
        "Use PostgreSQL",
        "JSONB and known operations",
    );
    d.subject = Some(Subject {
        category: Some("database".into()),
        technology: Some("postgresql".into()),
        pattern: None,
    });
    let d = m.decisions().record(d).unwrap();
    m.decisions()
        .record_outcome(&d.id, NewOutcome::new(OutcomeStatus::Successful))
        .unwrap();
    m.checkpoints()
        .create(NewCheckpoint::new(
            wf.id.clone(),
            "tasks done",
            CheckpointType::TaskGroupComplete,
        ))
        .unwrap();
    m.learning()
        .record_failure(learning::NewFailure {
            project_id: p.clone(),
            workflow_id: Some(wf.id.clone()),
            feature: feature.into(),
            approach: "one big migration".into(),
            why_failed: "locked the table".into(),
            lesson: "migrate in batches".into(),
            related_decision: Some(d.id.clone()),
            tags: vec!["database".into()],
            embedding: Some(vec![0.25, 0.5, 1.0]),
        })
        .unwrap();
    m.learning()
        .record_estimate(learning::NewEstimate {
            project_id: p.clone(),
            workflow_id: Some(wf.id.clone()),
            feature: feature.into(),
            unit: Some("sessions".into()),
            estimated: 2.0,
            actual: Some(3.0),
            complexity: 5.0,
            files_created: Some(2),
            files_modified: None,
            notes: None,
        })
        .unwrap();
    if complete {
        for phase in [
            "planning",
            "generating_tasks",
            "implementing",
            "validating",
            "generating_report",
            "completed",
        ] {
            m.workflows().advance(&wf.id, phase, "orchestrator", None).unwrap();
        }
    } else {
        m.workflows().fail(&wf.id, "abandoned", "orchestrator").unwrap();
    }
    wf.id
}

/// `git args` in `dir` (system config ignored): its stdout, or `None` when it fails.
pub fn git_try(dir: &std::path::Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `git args` in `dir`: its stdout; panics with git's message when it fails.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A new git repository at `root` (created) on branch `main`, with a committer and one
/// commit, "initial", of `files` (name, content).
pub fn git_repo(root: &std::path::Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(root).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.name", "Test"]);
    git(root, &["config", "user.email", "test@example.invalid"]);
    for (name, content) in files {
        std::fs::write(root.join(name), content).unwrap();
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "initial"]);
}
