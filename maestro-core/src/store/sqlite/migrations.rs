//! Numbered schema migrations, tracked in `schema_migrations`, each applied in its own
//! `BEGIN IMMEDIATE` transaction so concurrent openers apply each exactly once.

use crate::error::{Error, Result};
use rusqlite::Connection;

/// Every migration, in order; the number is the index + 1. Never edit a released one:
/// add a new entry.
pub const MIGRATIONS: &[&str] = &[
    // 1: the foundation schema.
    r#"
CREATE TABLE projects (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, root TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL
);
CREATE TABLE workflows (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    feature TEXT NOT NULL, request TEXT NOT NULL, model TEXT NOT NULL, phase TEXT NOT NULL,
    status TEXT NOT NULL, epoch INTEGER NOT NULL, fail_reason TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, ended_at INTEGER, version INTEGER NOT NULL
);
CREATE INDEX workflows_project ON workflows(project_id, created_at);
CREATE TABLE workflow_history (
    seq INTEGER PRIMARY KEY,
    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, phase TEXT NOT NULL, status TEXT NOT NULL, at INTEGER NOT NULL,
    actor TEXT NOT NULL, details TEXT NOT NULL
);
CREATE INDEX workflow_history_workflow ON workflow_history(workflow_id);
CREATE TABLE votes (
    id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, epoch INTEGER NOT NULL, from_phase TEXT NOT NULL, to_phase TEXT NOT NULL,
    voter TEXT NOT NULL, approve INTEGER NOT NULL, comment TEXT, at INTEGER NOT NULL,
    UNIQUE (workflow_id, epoch, to_phase, voter)
);
CREATE TABLE spec_documents (
    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE, project_id TEXT NOT NULL,
    kind TEXT NOT NULL, version INTEGER NOT NULL, content TEXT NOT NULL, author TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (workflow_id, kind, version)
) WITHOUT ROWID;
CREATE TABLE steering_documents (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, domain TEXT NOT NULL,
    version INTEGER NOT NULL, content TEXT NOT NULL, audiences TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, domain, version)
) WITHOUT ROWID;
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    workflow_id TEXT REFERENCES workflows(id) ON DELETE CASCADE, name TEXT NOT NULL, role TEXT NOT NULL,
    strategy TEXT NOT NULL, status TEXT NOT NULL,
    parent_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
    spawn_source TEXT NOT NULL, env TEXT NOT NULL, metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, completed_at INTEGER,
    last_activity INTEGER NOT NULL, version INTEGER NOT NULL
);
CREATE INDEX sessions_project ON sessions(project_id, created_at);
CREATE INDEX sessions_parent ON sessions(parent_session_id);
CREATE TABLE tasks (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    workflow_id TEXT REFERENCES workflows(id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
    title TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL, priority INTEGER NOT NULL,
    labels TEXT NOT NULL, estimate REAL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL
);
CREATE INDEX tasks_project ON tasks(project_id, created_at);
CREATE INDEX tasks_parent ON tasks(parent_id);
CREATE TABLE task_deps (
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    depends_on TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, depends_on)
) WITHOUT ROWID;
CREATE INDEX task_deps_reverse ON task_deps(depends_on);
CREATE TABLE session_tasks (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, status TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, task_id)
) WITHOUT ROWID;
CREATE INDEX session_tasks_task ON session_tasks(task_id);
CREATE TABLE queue_items (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, status TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL
);
CREATE INDEX queue_items_session ON queue_items(session_id, position);
CREATE UNIQUE INDEX queue_one_processing ON queue_items(session_id) WHERE status = 'processing';
-- seq is the rowid: assigned max + 1 under the write lock, so it grows in commit order.
-- Retention may delete old events but never the newest, so a seq is never reused.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL,
    version INTEGER NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
    project_id TEXT NOT NULL, workflow_id TEXT, session_id TEXT, payload TEXT NOT NULL
);
-- A session's timeline is its `timeline_event` events: stored once, in commit order.
CREATE INDEX events_session ON events(session_id, seq);
"#,
    // 2: the ready set as an index lookup: each task counts its dependencies that are not
    // completed (`open_deps`), kept exact by triggers, and a partial index holds exactly
    // the ready tasks in claim order. Time travel by entity is indexed except for the two
    // kinds written on every claim and append (timeline events, which are immutable and
    // found through their session, and session-task links), which keeps those writes to
    // fewer pages.
    r#"
ALTER TABLE tasks ADD COLUMN open_deps INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET open_deps = (
    SELECT COUNT(*) FROM task_deps d JOIN tasks u ON u.id = d.depends_on
    WHERE d.task_id = tasks.id AND u.status <> 'completed');
CREATE TRIGGER tasks_open_deps_on_status AFTER UPDATE OF status ON tasks
WHEN (OLD.status = 'completed') <> (NEW.status = 'completed')
BEGIN
    UPDATE tasks SET open_deps = open_deps + (CASE WHEN NEW.status = 'completed' THEN -1 ELSE 1 END)
    WHERE id IN (SELECT task_id FROM task_deps WHERE depends_on = NEW.id);
END;
CREATE TRIGGER tasks_open_deps_on_insert AFTER INSERT ON task_deps
WHEN (SELECT status FROM tasks WHERE id = NEW.depends_on) <> 'completed'
BEGIN
    UPDATE tasks SET open_deps = open_deps + 1 WHERE id = NEW.task_id;
END;
CREATE TRIGGER tasks_open_deps_on_delete AFTER DELETE ON task_deps
WHEN (SELECT status FROM tasks WHERE id = OLD.depends_on) <> 'completed'
BEGIN
    UPDATE tasks SET open_deps = open_deps - 1 WHERE id = OLD.task_id;
END;
-- When a task row goes, its dependents stop waiting on it (the edge cascades after the row
-- is gone, when the trigger above can no longer see its status).
CREATE TRIGGER tasks_open_deps_on_task_delete BEFORE DELETE ON tasks
WHEN OLD.status <> 'completed'
BEGIN
    UPDATE tasks SET open_deps = open_deps - 1 WHERE id IN (SELECT task_id FROM task_deps WHERE depends_on = OLD.id);
END;
CREATE INDEX tasks_ready ON tasks(project_id, priority DESC, created_at, id) WHERE status = 'todo' AND open_deps = 0;
CREATE INDEX events_entity ON events(entity, entity_id) WHERE entity NOT IN ('timeline_event', 'session_task');
CREATE INDEX sessions_live ON sessions(status, last_activity);
"#,
    // 3: checkpoints.
    r#"
CREATE TABLE checkpoints (
    id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, session_id TEXT, at INTEGER NOT NULL, commit_sha TEXT,
    commit_message TEXT NOT NULL, description TEXT NOT NULL, phase TEXT NOT NULL, kind TEXT NOT NULL,
    state_snapshot TEXT NOT NULL, tags TEXT NOT NULL, rollback_used INTEGER NOT NULL,
    rollback_count INTEGER NOT NULL, valid INTEGER NOT NULL, version INTEGER NOT NULL
);
CREATE INDEX checkpoints_workflow ON checkpoints(workflow_id, at);
"#,
    // 4: the decision log. A decision's document lives once, as the payload of its latest
    // feed event (`decision.recorded`, then each `decision.outcome_recorded`), like timeline
    // events: retention must never delete an event a `decisions.seq` (its id and text) or
    // `decisions.latest_seq` (its current state) points at. The
    // `decisions` row holds only what queries filter on; its rowid is the seq of the
    // recording event, so rowid order is commit order and the id is found through the
    // feed's entity index. The full-text index is contentless and filled lazily (by the
    // first search after new decisions, up to `indexed_upto`), which keeps recording to a
    // few page writes. Session-less events no longer enter the session index.
    r#"
DROP INDEX events_session;
CREATE INDEX events_session ON events(session_id, seq) WHERE session_id IS NOT NULL;
CREATE TABLE decisions (
    seq INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL, category TEXT NOT NULL,
    subject_category TEXT, technology TEXT, pattern TEXT, outcome TEXT, latest_seq INTEGER NOT NULL
);
CREATE INDEX decisions_workflow ON decisions(workflow_id, seq);
CREATE INDEX decisions_category ON decisions(category, subject_category, technology, pattern);
CREATE INDEX decisions_outcome ON decisions(outcome, seq) WHERE outcome IS NOT NULL;
CREATE VIRTUAL TABLE decisions_fts USING fts5(decision, rationale, content = '', contentless_delete = 1);
CREATE TABLE decisions_fts_state (one INTEGER PRIMARY KEY CHECK (one = 1), indexed_upto INTEGER NOT NULL);
INSERT INTO decisions_fts_state VALUES (1, 0);
CREATE TRIGGER decisions_fts_delete AFTER DELETE ON decisions
WHEN OLD.seq <= (SELECT indexed_upto FROM decisions_fts_state)
BEGIN
    DELETE FROM decisions_fts WHERE rowid = OLD.seq;
END;
CREATE TABLE decision_categories (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, name TEXT NOT NULL,
    description TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (project_id, name)
) WITHOUT ROWID;
"#,
    // 5: the learning layer. Aggregates (advice_stats, advice_issues, ordering_pairs,
    // ordering_history) reference projects but never workflows or decisions, so they survive
    // the deletion of the raw rows they were computed from; they go with their project.
    // `top_issues` holds a choice's most reported issues, kept by the writer, so a
    // recommendation reads one row per choice.
    // Failures keep their caller-supplied embedding as little-endian f32 bytes; every
    // embedding of a store has the dimension in learning_meta. `generation` grows whenever a
    // failure is deleted, which tells the in-memory vector index to reload. The other
    // learning records share one table, with the columns their statistics read.
    r#"
CREATE TABLE advice_stats (
    decision_category TEXT NOT NULL, subject_category TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    usage_count INTEGER NOT NULL, outcome_count INTEGER NOT NULL, success_count INTEGER NOT NULL,
    partial_count INTEGER NOT NULL, failure_count INTEGER NOT NULL,
    last_used INTEGER NOT NULL, last_failed INTEGER, top_issues TEXT NOT NULL,
    PRIMARY KEY (decision_category, subject_category, kind, name, project_id)
) WITHOUT ROWID;
CREATE INDEX advice_stats_project ON advice_stats(project_id);
CREATE TABLE advice_issues (
    decision_category TEXT NOT NULL, subject_category TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, issue TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (decision_category, subject_category, kind, name, project_id, issue)
) WITHOUT ROWID;
CREATE INDEX advice_issues_project ON advice_issues(project_id);
CREATE INDEX advice_issues_top ON advice_issues(decision_category, subject_category, kind, name, project_id, count DESC, issue);
CREATE TABLE ordering_pairs (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, before TEXT NOT NULL, after TEXT NOT NULL,
    completed INTEGER NOT NULL, failed INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    PRIMARY KEY (project_id, before, after)
) WITHOUT ROWID;
CREATE TABLE ordering_history (
    seq INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, ended_at INTEGER NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX ordering_history_project ON ordering_history(project_id, seq);
CREATE TABLE learning_meta (
    one INTEGER PRIMARY KEY CHECK (one = 1), embedding_dim INTEGER, generation INTEGER NOT NULL
);
INSERT INTO learning_meta VALUES (1, NULL, 0);
CREATE TABLE failures (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, at INTEGER NOT NULL,
    doc TEXT NOT NULL, embedding BLOB
);
CREATE INDEX failures_project ON failures(project_id, seq);
CREATE VIRTUAL TABLE failures_fts USING fts5(feature, approach, why_failed, lesson, tags, content = '', contentless_delete = 1);
CREATE TRIGGER failures_delete AFTER DELETE ON failures
BEGIN
    DELETE FROM failures_fts WHERE rowid = OLD.seq;
    UPDATE learning_meta SET generation = generation + 1;
END;
CREATE TABLE learning_records (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, workflow_id TEXT,
    at INTEGER NOT NULL, key TEXT NOT NULL, num REAL NOT NULL, flag INTEGER NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX learning_records_kind ON learning_records(kind, project_id, key, at);
CREATE INDEX learning_records_at ON learning_records(kind, at);
CREATE TABLE docs_cache (
    library TEXT NOT NULL, version TEXT NOT NULL, content TEXT NOT NULL,
    stored_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (library, version)
) WITHOUT ROWID;
-- The decisions recorded before this migration count from the start: usage, current
-- outcomes, the time of the last failure, and the issues of current outcomes. Their
-- documents are the payloads of their latest feed events.
CREATE TEMP VIEW learning_choices AS
    SELECT d.seq, d.category AS dc, COALESCE(d.subject_category, '') AS sc, 'technology' AS kind,
           d.technology AS name, d.project_id AS pid, d.outcome, d.latest_seq
    FROM decisions d WHERE d.technology IS NOT NULL
    UNION ALL
    SELECT d.seq, d.category, COALESCE(d.subject_category, ''), 'pattern', d.pattern, d.project_id, d.outcome,
           d.latest_seq
    FROM decisions d WHERE d.pattern IS NOT NULL;
INSERT INTO advice_stats (decision_category, subject_category, kind, name, project_id, usage_count, outcome_count,
    success_count, partial_count, failure_count, last_used, last_failed, top_issues)
SELECT c.dc, c.sc, c.kind, c.name, c.pid, COUNT(*), COUNT(c.outcome),
    COUNT(CASE WHEN c.outcome = 'successful' THEN 1 END), COUNT(CASE WHEN c.outcome = 'partial' THEN 1 END),
    COUNT(CASE WHEN c.outcome IN ('failed', 'reverted') THEN 1 END),
    MAX((SELECT CAST(ROUND((julianday(json_extract(e.payload, '$.at')) - 2440587.5) * 86400000.0) AS INTEGER)
         FROM events e WHERE e.seq = c.latest_seq)),
    MAX((SELECT MAX(CAST(ROUND((julianday(json_extract(o.value, '$.at')) - 2440587.5) * 86400000.0) AS INTEGER))
         FROM events e, json_each(e.payload, '$.outcomes') o
         WHERE e.seq = c.latest_seq AND json_extract(o.value, '$.status') IN ('failed', 'reverted'))),
    '[]'
FROM learning_choices c GROUP BY c.dc, c.sc, c.kind, c.name, c.pid;
INSERT INTO advice_issues (decision_category, subject_category, kind, name, project_id, issue, count)
SELECT c.dc, c.sc, c.kind, c.name, c.pid, i.value, COUNT(DISTINCT c.seq)
FROM learning_choices c JOIN events e ON e.seq = c.latest_seq, json_each(e.payload, '$.outcomes[#-1].issues') i
WHERE c.outcome IS NOT NULL
GROUP BY c.dc, c.sc, c.kind, c.name, c.pid, i.value;
UPDATE advice_stats SET top_issues = (
    SELECT json_group_array(json_object('issue', t.issue, 'count', t.count)) FROM (
        SELECT issue, count FROM advice_issues i
        WHERE i.decision_category = advice_stats.decision_category AND i.subject_category = advice_stats.subject_category
          AND i.kind = advice_stats.kind AND i.name = advice_stats.name AND i.project_id = advice_stats.project_id
        ORDER BY count DESC, issue LIMIT 5) t);
DROP VIEW learning_choices;
"#,
    // 6: retention. `feed_state.horizon` is the seq up to which feed events may have been
    // pruned (readers below it get a typed error); `compacted` how far compaction got, so
    // a prune killed half-way resumes. The workflow index finds a pruned workflow's
    // events; the latest-seq index tells compaction which decision events are live; the
    // task, session and queue-item indexes make deleting a workflow (and its cascades)
    // a lookup instead of a scan.
    // (Incremental auto-vacuum is switched on by the store after this migration, since
    // VACUUM cannot run inside a transaction.)
    r#"
CREATE TABLE feed_state (
    one INTEGER PRIMARY KEY CHECK (one = 1), horizon INTEGER NOT NULL, compacted INTEGER NOT NULL
);
INSERT INTO feed_state VALUES (1, 0, 0);
CREATE INDEX events_workflow ON events(workflow_id, seq) WHERE workflow_id IS NOT NULL;
CREATE INDEX decisions_latest ON decisions(latest_seq);
CREATE INDEX workflows_ended ON workflows(ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX tasks_workflow ON tasks(workflow_id) WHERE workflow_id IS NOT NULL;
CREATE INDEX sessions_workflow ON sessions(workflow_id) WHERE workflow_id IS NOT NULL;
CREATE INDEX queue_items_task ON queue_items(task_id);
CREATE INDEX checkpoints_session ON checkpoints(session_id) WHERE session_id IS NOT NULL;
"#,
    // 7: no linear reads of the feed. The entity index now holds timeline events and
    // session-task links too (`state_at` of one was a backward scan of the feed); reading
    // the feed of one project or of some entity kinds from a seq on is a range of an index
    // instead of a scan of every later event. Queries keep the `NOT IN` clauses written
    // for the earlier partial index; they are true for the kinds they name. Timeline
    // events stay out of the kind index, which saves the hottest write (an append) a page:
    // they are most of a feed, so reading them by kind walks the feed itself.
    r#"
DROP INDEX events_entity;
CREATE INDEX events_entity ON events(entity, entity_id);
CREATE INDEX events_project ON events(project_id, seq);
CREATE INDEX events_kind ON events(entity, seq) WHERE entity <> 'timeline_event';
"#,
    // 8: agent threads (LangGraph-style checkpoints). A thread belongs to a project; its
    // links to a session and a workflow are plain columns, not foreign keys, because
    // pruning a workflow keeps its threads and clears the links. The recent index serves
    // the newest checkpoints across every thread of a project without a scan or a sort;
    // the thread index those of one thread across its namespaces.
    r#"
CREATE TABLE threads (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    thread_id TEXT NOT NULL,
    session_id TEXT,
    workflow_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, thread_id)
);
CREATE INDEX threads_session ON threads(session_id) WHERE session_id IS NOT NULL;
CREATE INDEX threads_workflow ON threads(workflow_id) WHERE workflow_id IS NOT NULL;
CREATE TABLE thread_checkpoints (
    project_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL,
    parent_id TEXT,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    type TEXT NOT NULL,
    data BLOB NOT NULL,
    run_id TEXT,
    PRIMARY KEY (project_id, thread_id, checkpoint_ns, checkpoint_id),
    FOREIGN KEY (project_id, thread_id) REFERENCES threads(project_id, thread_id) ON DELETE CASCADE
);
CREATE INDEX thread_checkpoints_recent ON thread_checkpoints(project_id, checkpoint_id);
CREATE INDEX thread_checkpoints_thread ON thread_checkpoints(project_id, thread_id, checkpoint_id);
CREATE INDEX thread_checkpoints_run ON thread_checkpoints(project_id, run_id) WHERE run_id IS NOT NULL;
CREATE TABLE thread_writes (
    project_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    channel TEXT NOT NULL,
    type TEXT NOT NULL,
    data BLOB NOT NULL,
    task_path TEXT NOT NULL,
    PRIMARY KEY (project_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx),
    FOREIGN KEY (project_id, thread_id) REFERENCES threads(project_id, thread_id) ON DELETE CASCADE
);
"#,
];

/// The migration that brings retention (the feed horizon and incremental auto-vacuum).
pub const RETENTION: usize = 6;

/// The schema version this library writes.
pub fn latest() -> usize {
    MIGRATIONS.len()
}

/// The highest migration applied to the database, 0 for a new one.
pub fn current(conn: &Connection) -> Result<usize> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    let v: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| {
        r.get(0)
    })?;
    Ok(v as usize)
}

/// Applies every migration up to `target` that the database lacks. A database newer than
/// this library is refused rather than touched.
pub fn migrate_to(conn: &Connection, target: usize) -> Result<()> {
    // Up to date: no write lock needed, so opening never waits for another writer.
    if current(conn)? >= target.min(MIGRATIONS.len()) {
        return check_not_newer(conn);
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().take(target) {
        let version = i + 1;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let step = (|| -> Result<()> {
            conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")?;
            check_not_newer(conn)?;
            let have = current(conn)?;
            if have >= version {
                return Ok(());
            }
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                (version as i64, crate::time::now_ms()),
            )?;
            Ok(())
        })();
        match step {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    check_not_newer(conn)
}

fn check_not_newer(conn: &Connection) -> Result<()> {
    let have = current(conn)?;
    if have > MIGRATIONS.len() {
        return Err(Error::Incompatible(format!(
            "database schema version {have} is newer than this library's {}",
            MIGRATIONS.len()
        )));
    }
    Ok(())
}
