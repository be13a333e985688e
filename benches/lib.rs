//! Shared fixtures for the benchmarks in this folder: stores in temporary directories and
//! the raw-rusqlite baselines they are measured against.

use maestro_core::*;
use rusqlite::Connection;
use std::path::Path;
use tempfile::TempDir;

/// A Maestro store on a file in its own temporary directory.
pub struct Fixture {
    pub m: Maestro,
    pub project: ProjectId,
    pub dir: TempDir,
}

/// A fresh file store at `durability` with one project.
pub fn fixture(durability: Durability) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    fixture_at(db.to_str().unwrap(), durability, dir)
}

/// A fresh PostgreSQL store (its own schema on the server of `MAESTRO_BENCH_PG_URL`, by
/// default the cluster of `scripts/pg` over its Unix socket) at `durability`.
pub fn pg_fixture(durability: Durability) -> Fixture {
    fixture_at(&pg_store_url(), durability, tempfile::tempdir().unwrap())
}

/// The URL of a new, empty PostgreSQL store on the bench server.
pub fn pg_store_url() -> String {
    let base = std::env::var("MAESTRO_BENCH_PG_URL").unwrap_or_else(|_| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg");
        let started = std::process::Command::new(&script).arg("start").output().unwrap();
        assert!(started.status.success(), "scripts/pg start");
        let out = std::process::Command::new(&script).arg("socket-url").output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!(
        "{base}{sep}options=-csearch_path%3Dbench_{}_{nanos}",
        std::process::id()
    )
}

/// A store at `location` (a file path or a URL) with one project; `dir` is kept with it.
pub fn fixture_at(location: &str, durability: Durability, dir: TempDir) -> Fixture {
    let m = Maestro::open(location, Options::durability(durability)).unwrap();
    let project = m
        .projects()
        .create(NewProject {
            name: "bench".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    Fixture { m, project, dir }
}

/// A live session in the fixture's project.
pub fn session(f: &Fixture) -> SessionId {
    let s =
        f.m.sessions()
            .spawn(NewSession::new(f.project.clone(), "bench"))
            .unwrap();
    f.m.sessions().register(&s.id).unwrap().id
}

/// The raw baseline: a WAL database with the same timeline table and index as Maestro's,
/// at the same durability.
pub fn raw_timeline_db(dir: &Path, durability: Durability) -> Connection {
    raw_db(
        &dir.join("raw.db"),
        durability,
        "CREATE TABLE timeline_events (
             seq INTEGER PRIMARY KEY, id TEXT NOT NULL, session_id TEXT NOT NULL, project_id TEXT NOT NULL,
             workflow_id TEXT, kind TEXT NOT NULL, at INTEGER NOT NULL, message TEXT NOT NULL, task_id TEXT,
             metadata TEXT NOT NULL);
         CREATE INDEX timeline_session ON timeline_events(session_id);",
    )
}

/// A raw WAL database at `path` with SQLite's synchronous setting for `durability`, and
/// `schema` applied.
fn raw_db(path: &Path, durability: Durability, schema: &str) -> Connection {
    let conn = Connection::open(path).unwrap();
    let sync = if durability == Durability::Full {
        "FULL"
    } else {
        "NORMAL"
    };
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).unwrap();
    conn.execute_batch(&format!("PRAGMA synchronous = {sync}; {schema}"))
        .unwrap();
    conn
}

/// One raw timeline insert, prepared and cached, in its own transaction (whose
/// BEGIN and COMMIT are cached statements too, as Maestro's are).
pub fn raw_insert(conn: &Connection, tx: bool, i: u64) {
    if tx {
        conn.prepare_cached("BEGIN IMMEDIATE").unwrap().execute([]).unwrap();
    }
    conn.prepare_cached(
        "INSERT INTO timeline_events (id, session_id, project_id, workflow_id, kind, at, message, task_id, metadata)
         VALUES (?1, ?2, ?3, NULL, 'milestone', ?4, ?5, NULL, '{}')",
    )
    .unwrap()
    .execute(rusqlite::params![
        format!("evt_{i:026}"),
        "ses_bench",
        "prj_bench",
        i as i64,
        "milestone reached"
    ])
    .unwrap();
    if tx {
        conn.prepare_cached("COMMIT").unwrap().execute([]).unwrap();
    }
}

/// A milestone event like the one the raw baseline inserts.
pub fn milestone() -> NewTimelineEvent {
    NewTimelineEvent::new(TimelineType::Milestone, "milestone reached")
}

/// A workflow on the `flow` model in the fixture's project.
pub fn workflow(f: &Fixture) -> WorkflowId {
    f.m.workflows()
        .create(NewWorkflow::new(
            f.project.clone(),
            "bench",
            ModelRef::Builtin("flow".into()),
        ))
        .unwrap()
        .id
}

const WORDS: &[&str] = &[
    "cache",
    "latency",
    "replication",
    "postgres",
    "queue",
    "retry",
    "schema",
    "index",
    "shard",
    "token",
    "session",
    "budget",
    "monolith",
    "service",
    "contract",
    "rollout",
    "canary",
    "backoff",
    "throughput",
    "audit",
    "tenant",
    "migration",
    "snapshot",
    "consensus",
    "quorum",
    "payload",
    "stream",
    "batch",
    "window",
    "lease",
    "vector",
    "embedding",
    "gateway",
    "proxy",
    "circuit",
    "breaker",
    "bulkhead",
    "saga",
    "outbox",
    "idempotent",
];

/// About 1 KB of decision, its words drawn from a fixed vocabulary by `i`.
pub fn decision(wf: &WorkflowId, i: u64) -> NewDecision {
    let word = |k: u64| WORDS[((i.wrapping_mul(2_654_435_761).wrapping_add(k * 97)) % WORDS.len() as u64) as usize];
    let text = |from: u64, n: u64| (from..from + n).map(word).collect::<Vec<_>>().join(" ");
    let mut d = NewDecision::new(
        wf.clone(),
        "tech_stack",
        format!("Decision {i}: adopt {} for the {} path", text(0, 3), text(3, 2)),
        format!(
            "We measured {} and found that {}. {} See ticket{}.",
            text(5, 12),
            text(17, 14),
            text(31, 16),
            (i * 7919) % 500
        ),
    );
    d.alternatives_considered = vec![
        Alternative {
            option: format!("keep the {}", text(47, 2)),
            reason_rejected: format!("it fails under {}", text(49, 10)),
        },
        Alternative {
            option: format!("build our own {}", text(59, 2)),
            reason_rejected: format!("too slow to ship: {}", text(61, 10)),
        },
    ];
    d.context = Some(DecisionContext {
        sources: vec![
            format!("docs/adr/{i:05}.md"),
            "https://example.invalid/benchmarks".into(),
        ],
        confidence: Confidence::High,
    });
    d.impact = Some(Impact {
        scope: Scope::Codebase,
        risk_level: RiskLevel::Medium,
        reversibility: Reversibility::Moderate,
    });
    d.subject = Some(Subject {
        category: Some("database".into()),
        technology: Some(word(80).into()),
        pattern: None,
    });
    d
}

/// The raw baseline for JSON documents: a WAL database with one table of JSON rows.
pub fn raw_json_db(dir: &Path, durability: Durability) -> Connection {
    raw_db(
        &dir.join("raw-json.db"),
        durability,
        "CREATE TABLE docs (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )
}

/// One raw JSON insert (cached statements), in its own transaction when `tx`.
pub fn raw_json_insert(conn: &Connection, tx: bool, body: &str) {
    if tx {
        conn.prepare_cached("BEGIN IMMEDIATE").unwrap().execute([]).unwrap();
    }
    conn.prepare_cached("INSERT INTO docs (body) VALUES (?1)")
        .unwrap()
        .execute([body])
        .unwrap();
    if tx {
        conn.prepare_cached("COMMIT").unwrap().execute([]).unwrap();
    }
}

/// A small deterministic generator (xorshift) for benchmark data.
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
    /// A value in [-1, 1].
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() % 2_000_001) as f32 / 1_000_000.0 - 1.0
    }
}
