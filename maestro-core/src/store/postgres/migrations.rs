//! Numbered schema migrations of the PostgreSQL store, tracked in `schema_migrations`.
//! Opening applies the missing ones in one transaction under an advisory lock, so
//! concurrent openers (of any host) apply each exactly once; DDL is transactional here,
//! so a failed migration leaves nothing behind.
//!
//! The tables and columns are SQLite's (the row decoders are shared); what differs is
//! PostgreSQL's own: full-text search is a `tsvector` column filled on insert with a GIN
//! index, the ready-set counter is kept by PL/pgSQL triggers, and `feed_state.head` is
//! the one counter every writer locks first (the transaction, `tx.rs`, says why).

use super::client::Conn;
use crate::error::{Error, Result};

/// Every migration, in order; the number is the index + 1. Never edit a released one:
/// add a new entry.
pub const MIGRATIONS: &[&str] = &[
    // 1: the whole schema of SQLite's migrations 1 to 7.
    r#"
CREATE TABLE projects (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, root TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL
);
CREATE TABLE workflows (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    feature TEXT NOT NULL, request TEXT NOT NULL, model TEXT NOT NULL, phase TEXT NOT NULL,
    status TEXT NOT NULL, epoch BIGINT NOT NULL, fail_reason TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, ended_at BIGINT, version BIGINT NOT NULL
);
CREATE INDEX workflows_project ON workflows(project_id, created_at);
CREATE INDEX workflows_ended ON workflows(ended_at) WHERE ended_at IS NOT NULL;
CREATE TABLE workflow_history (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, phase TEXT NOT NULL, status TEXT NOT NULL, at BIGINT NOT NULL,
    actor TEXT NOT NULL, details TEXT NOT NULL
);
CREATE INDEX workflow_history_workflow ON workflow_history(workflow_id, seq);
CREATE TABLE votes (
    id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, epoch BIGINT NOT NULL, from_phase TEXT NOT NULL, to_phase TEXT NOT NULL,
    voter TEXT NOT NULL, approve BOOLEAN NOT NULL, comment TEXT, at BIGINT NOT NULL,
    UNIQUE (workflow_id, epoch, to_phase, voter)
);
CREATE TABLE spec_documents (
    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE, project_id TEXT NOT NULL,
    kind TEXT NOT NULL, version BIGINT NOT NULL, content TEXT NOT NULL, author TEXT NOT NULL,
    created_at BIGINT NOT NULL, PRIMARY KEY (workflow_id, kind, version)
);
CREATE TABLE steering_documents (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, domain TEXT NOT NULL,
    version BIGINT NOT NULL, content TEXT NOT NULL, audiences TEXT NOT NULL, created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, domain, version)
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    workflow_id TEXT REFERENCES workflows(id) ON DELETE CASCADE, name TEXT NOT NULL, role TEXT NOT NULL,
    strategy TEXT NOT NULL, status TEXT NOT NULL,
    parent_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
    spawn_source TEXT NOT NULL, env TEXT NOT NULL, metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, completed_at BIGINT,
    last_activity BIGINT NOT NULL, version BIGINT NOT NULL
);
CREATE INDEX sessions_project ON sessions(project_id, created_at);
CREATE INDEX sessions_parent ON sessions(parent_session_id);
CREATE INDEX sessions_live ON sessions(status, last_activity);
CREATE INDEX sessions_workflow ON sessions(workflow_id) WHERE workflow_id IS NOT NULL;
CREATE TABLE tasks (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    workflow_id TEXT REFERENCES workflows(id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
    title TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL, priority BIGINT NOT NULL,
    labels TEXT NOT NULL, estimate DOUBLE PRECISION,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL,
    open_deps BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tasks_project ON tasks(project_id, created_at);
CREATE INDEX tasks_parent ON tasks(parent_id);
CREATE INDEX tasks_workflow ON tasks(workflow_id) WHERE workflow_id IS NOT NULL;
CREATE INDEX tasks_ready ON tasks(project_id, priority DESC, created_at, id) WHERE status = 'todo' AND open_deps = 0;
CREATE TABLE task_deps (
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    depends_on TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, depends_on)
);
CREATE INDEX task_deps_reverse ON task_deps(depends_on);
-- `open_deps` counts a task's dependencies that are not completed, kept exact by these
-- triggers (as SQLite's are), so the ready set is a range of `tasks_ready`.
CREATE FUNCTION maestro_open_deps_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.status = 'completed') <> (NEW.status = 'completed') THEN
        UPDATE tasks SET open_deps = open_deps + (CASE WHEN NEW.status = 'completed' THEN -1 ELSE 1 END)
        WHERE id IN (SELECT task_id FROM task_deps WHERE depends_on = NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_open_deps_on_status AFTER UPDATE OF status ON tasks
    FOR EACH ROW EXECUTE FUNCTION maestro_open_deps_on_status();
CREATE FUNCTION maestro_open_deps_on_edge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF (SELECT status FROM tasks WHERE id = NEW.depends_on) <> 'completed' THEN
            UPDATE tasks SET open_deps = open_deps + 1 WHERE id = NEW.task_id;
        END IF;
    ELSIF (SELECT status FROM tasks WHERE id = OLD.depends_on) <> 'completed' THEN
        UPDATE tasks SET open_deps = open_deps - 1 WHERE id = OLD.task_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_open_deps_on_edge AFTER INSERT OR DELETE ON task_deps
    FOR EACH ROW EXECUTE FUNCTION maestro_open_deps_on_edge();
-- When a task row goes, its dependents stop waiting on it (its edges cascade after the
-- row is gone, when the trigger above can no longer see its status).
CREATE FUNCTION maestro_open_deps_on_task_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'completed' THEN
        UPDATE tasks SET open_deps = open_deps - 1 WHERE id IN (SELECT task_id FROM task_deps WHERE depends_on = OLD.id);
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER tasks_open_deps_on_task_delete BEFORE DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION maestro_open_deps_on_task_delete();
CREATE TABLE session_tasks (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, status TEXT NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, task_id)
);
CREATE INDEX session_tasks_task ON session_tasks(task_id);
CREATE TABLE queue_items (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    position BIGINT NOT NULL, status TEXT NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL
);
CREATE INDEX queue_items_session ON queue_items(session_id, position);
CREATE INDEX queue_items_task ON queue_items(task_id);
CREATE UNIQUE INDEX queue_one_processing ON queue_items(session_id) WHERE status = 'processing';
-- seq is assigned from `feed_state.head`, which every writer locks before anything else:
-- writers commit one at a time, in seq order, so a reader never sees seq n + 1 before n.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, kind TEXT NOT NULL,
    version BIGINT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
    project_id TEXT NOT NULL, workflow_id TEXT, session_id TEXT, payload TEXT NOT NULL
);
CREATE INDEX events_session ON events(session_id, seq) WHERE session_id IS NOT NULL;
-- A session's timeline on its own, newest first or oldest first, whatever the planner's
-- statistics say about how the session's events interleave with the rest of the feed.
CREATE INDEX events_timeline ON events(session_id, seq) WHERE entity = 'timeline_event';
CREATE INDEX events_entity ON events(entity, entity_id, seq);
CREATE INDEX events_project ON events(project_id, seq);
CREATE INDEX events_workflow ON events(workflow_id, seq) WHERE workflow_id IS NOT NULL;
CREATE INDEX events_kind ON events(entity, seq) WHERE entity <> 'timeline_event';
CREATE TABLE checkpoints (
    id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, session_id TEXT, at BIGINT NOT NULL, commit_sha TEXT,
    commit_message TEXT NOT NULL, description TEXT NOT NULL, phase TEXT NOT NULL, kind TEXT NOT NULL,
    state_snapshot TEXT NOT NULL, tags TEXT NOT NULL, rollback_used BOOLEAN NOT NULL,
    rollback_count BIGINT NOT NULL, valid BOOLEAN NOT NULL, version BIGINT NOT NULL
);
CREATE INDEX checkpoints_workflow ON checkpoints(workflow_id, at);
CREATE INDEX checkpoints_session ON checkpoints(session_id) WHERE session_id IS NOT NULL;
-- A decision's document is the payload of its latest feed event, as on SQLite; `fts`
-- indexes its decision and rationale text when it is recorded.
CREATE TABLE decisions (
    seq BIGINT PRIMARY KEY, workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, category TEXT NOT NULL,
    subject_category TEXT, technology TEXT, pattern TEXT, outcome TEXT, latest_seq BIGINT NOT NULL,
    decision_id TEXT NOT NULL UNIQUE, fts TSVECTOR NOT NULL
);
CREATE INDEX decisions_workflow ON decisions(workflow_id, seq);
CREATE INDEX decisions_category ON decisions(category, subject_category, technology, pattern);
CREATE INDEX decisions_outcome ON decisions(outcome, seq) WHERE outcome IS NOT NULL;
CREATE INDEX decisions_latest ON decisions(latest_seq);
CREATE INDEX decisions_fts ON decisions USING GIN (fts);
CREATE TABLE decision_categories (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, name TEXT NOT NULL,
    description TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (project_id, name)
);
CREATE TABLE advice_stats (
    decision_category TEXT NOT NULL, subject_category TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    usage_count BIGINT NOT NULL, outcome_count BIGINT NOT NULL, success_count BIGINT NOT NULL,
    partial_count BIGINT NOT NULL, failure_count BIGINT NOT NULL,
    last_used BIGINT NOT NULL, last_failed BIGINT, top_issues TEXT NOT NULL,
    PRIMARY KEY (decision_category, subject_category, kind, name, project_id)
);
CREATE INDEX advice_stats_project ON advice_stats(project_id);
CREATE TABLE advice_issues (
    decision_category TEXT NOT NULL, subject_category TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, issue TEXT NOT NULL, count BIGINT NOT NULL,
    PRIMARY KEY (decision_category, subject_category, kind, name, project_id, issue)
);
CREATE INDEX advice_issues_project ON advice_issues(project_id);
CREATE INDEX advice_issues_top ON advice_issues(decision_category, subject_category, kind, name, project_id, count DESC, issue);
CREATE TABLE ordering_pairs (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, before TEXT NOT NULL, after TEXT NOT NULL,
    completed BIGINT NOT NULL, failed BIGINT NOT NULL, last_seen BIGINT NOT NULL,
    PRIMARY KEY (project_id, before, after)
);
CREATE TABLE ordering_history (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, workflow_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, ended_at BIGINT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX ordering_history_project ON ordering_history(project_id, seq);
CREATE TABLE learning_meta (
    one BOOLEAN PRIMARY KEY CHECK (one), embedding_dim BIGINT, generation BIGINT NOT NULL
);
INSERT INTO learning_meta VALUES (TRUE, NULL, 0);
CREATE TABLE failures (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, at BIGINT NOT NULL,
    doc TEXT NOT NULL, embedding BYTEA, fts TSVECTOR NOT NULL
);
CREATE INDEX failures_project ON failures(project_id, seq);
CREATE INDEX failures_fts ON failures USING GIN (fts);
-- A deleted failure tells every cached copy of the embeddings to reload.
CREATE FUNCTION maestro_failures_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE learning_meta SET generation = generation + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER failures_delete AFTER DELETE ON failures
    FOR EACH STATEMENT EXECUTE FUNCTION maestro_failures_deleted();
CREATE TABLE learning_records (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, workflow_id TEXT,
    at BIGINT NOT NULL, key TEXT NOT NULL, num DOUBLE PRECISION NOT NULL, flag BOOLEAN NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX learning_records_kind ON learning_records(kind, project_id, key, at);
CREATE INDEX learning_records_at ON learning_records(kind, at);
CREATE TABLE docs_cache (
    library TEXT NOT NULL, version TEXT NOT NULL, content TEXT NOT NULL,
    stored_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (library, version)
);
-- `head` is the last seq handed out; `horizon` and `compacted` are retention's, as on SQLite.
CREATE TABLE feed_state (
    one BOOLEAN PRIMARY KEY CHECK (one), head BIGINT NOT NULL, horizon BIGINT NOT NULL, compacted BIGINT NOT NULL
);
INSERT INTO feed_state VALUES (TRUE, 0, 0, 0);
"#,
    // 2: agent threads, as SQLite's migration 8. Ids compare byte by byte (`COLLATE "C"`)
    // whatever the database's collation: the greatest checkpoint id is the latest.
    r#"
CREATE TABLE threads (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    thread_id TEXT COLLATE "C" NOT NULL, session_id TEXT, workflow_id TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, thread_id)
);
CREATE INDEX threads_session ON threads(session_id) WHERE session_id IS NOT NULL;
CREATE INDEX threads_workflow ON threads(workflow_id) WHERE workflow_id IS NOT NULL;
CREATE TABLE thread_checkpoints (
    project_id TEXT NOT NULL, thread_id TEXT COLLATE "C" NOT NULL, checkpoint_ns TEXT COLLATE "C" NOT NULL,
    checkpoint_id TEXT COLLATE "C" NOT NULL, parent_id TEXT, metadata TEXT NOT NULL, created_at BIGINT NOT NULL,
    type TEXT NOT NULL, data BYTEA NOT NULL, run_id TEXT,
    PRIMARY KEY (project_id, thread_id, checkpoint_ns, checkpoint_id),
    FOREIGN KEY (project_id, thread_id) REFERENCES threads(project_id, thread_id) ON DELETE CASCADE
);
CREATE INDEX thread_checkpoints_recent ON thread_checkpoints(project_id, checkpoint_id);
CREATE INDEX thread_checkpoints_thread ON thread_checkpoints(project_id, thread_id, checkpoint_id);
CREATE INDEX thread_checkpoints_run ON thread_checkpoints(project_id, run_id) WHERE run_id IS NOT NULL;
CREATE TABLE thread_writes (
    project_id TEXT NOT NULL, thread_id TEXT COLLATE "C" NOT NULL, checkpoint_ns TEXT COLLATE "C" NOT NULL,
    checkpoint_id TEXT COLLATE "C" NOT NULL, task_id TEXT COLLATE "C" NOT NULL, idx BIGINT NOT NULL,
    channel TEXT NOT NULL, type TEXT NOT NULL, data BYTEA NOT NULL, task_path TEXT NOT NULL,
    PRIMARY KEY (project_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx),
    FOREIGN KEY (project_id, thread_id) REFERENCES threads(project_id, thread_id) ON DELETE CASCADE
);
"#,
];

/// The advisory lock key under which migrations run: every opener of every host takes it.
const MIGRATION_LOCK: i64 = 0x6d61_6573_7472_6f31; // "maestro1"

/// The schema version this library writes.
pub fn latest() -> usize {
    MIGRATIONS.len()
}

/// The highest migration applied, 0 for an empty database (or schema).
pub(super) fn current(conn: &Conn) -> Result<usize> {
    let exists = conn.query("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?;
    if !exists.first().map(|r| r.get::<_, bool>(0)).unwrap_or(false) {
        return Ok(0);
    }
    let rows = conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?;
    Ok(rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0) as usize)
}

/// Creates the schema the connection's `search_path` names first when it does not exist
/// yet, so a URL with `options=-csearch_path%3Dname` opens a store of its own.
fn ensure_schema(conn: &Conn) -> Result<()> {
    let rows = conn.query("SELECT current_schema() IS NULL, current_setting('search_path')", &[])?;
    let Some(row) = rows.first() else { return Ok(()) };
    if !row.get::<_, bool>(0) {
        return Ok(());
    }
    let path: String = row.get(1);
    let first = path.split(',').next().unwrap_or("").trim().trim_matches('"');
    if first.is_empty() || first.starts_with('$') {
        return Err(Error::validation(
            "storage",
            "url",
            format!("the search_path `{path}` names no schema to create the store in"),
        ));
    }
    let sql = format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", first.replace('"', "\"\""));
    conn.query("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let r = conn.batch(&sql);
    conn.query("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    r
}

/// Applies every migration the database lacks, once, however many hosts open it at the
/// same moment. A database newer than this library is refused rather than touched.
pub(super) fn migrate(conn: &Conn) -> Result<()> {
    ensure_schema(conn)?;
    if current(conn)? < latest() {
        conn.batch("BEGIN")?;
        let step = (|| -> Result<()> {
            conn.query("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            conn.batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(current(conn)?) {
                conn.batch(sql)?;
                conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[&(i as i64 + 1), &crate::time::now_ms()],
                )?;
            }
            Ok(())
        })();
        match step {
            Ok(()) => conn.batch("COMMIT")?,
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    let have = current(conn)?;
    if have > latest() {
        return Err(Error::Incompatible(format!(
            "database schema version {have} is newer than this library's {}",
            latest()
        )));
    }
    Ok(())
}
