//! [`ReadTx`] and [`WriteTx`] over one SQLite connection inside an open transaction.

use crate::checkpoint::Checkpoint;
use crate::decision::{CategoryDef, Decision, DecisionFilter};
use crate::error::{Error, Result};
use crate::feed::{EntityKind, Event, EventFilter, NewEvent, RawEvent, EVENT_VERSION};
use crate::id::ProjectId;
use crate::project::Project;
use crate::queue::QueueItem;
use crate::session::{Session, SessionFilter, SessionHead, SessionStatus, TimelineEvent, TimelineType};
use crate::store::rows::{self, enc, Cols, Val};
use crate::store::{ReadTx, WriteTx};
use crate::task::{ClaimFilter, SessionTask, Task};
use crate::time::Timestamp;
use crate::workflow::{HistoryEntry, SpecDocument, SteeringDocument, Vote, Workflow};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, Connection, Params};

#[path = "learning_tx.rs"]
mod learning;
#[path = "retention_tx.rs"]
mod retention;

use crate::store::vectors::VectorCache;

pub(super) struct SqlTx<'c> {
    conn: &'c Connection,
    /// The in-memory copy of the failures' embeddings, shared by every transaction.
    vectors: &'c VectorCache,
    /// Whether this transaction may write: it then never updates the shared vector copy,
    /// which must hold committed rows only.
    writer: bool,
    events: Vec<(i64, NewEvent)>,
    savepoints: usize,
    /// Set when SQLite rolled the whole transaction back on its own (full disk, I/O
    /// error): nothing more may run, or it would run outside any transaction.
    aborted: bool,
}

/// A query whose WHERE clause holds only the filters that are set. Each combination is
/// its own cached statement: a `?1 IS NULL OR ...` form would make SQLite re-prepare the
/// statement on every call, because its plan depends on the bound value.
struct Query {
    sql: String,
    params: Vec<Value>,
}

impl Query {
    fn new(head: String, first: impl Into<Value>) -> Self {
        Query {
            sql: head,
            params: vec![first.into()],
        }
    }

    /// Appends ` AND <clause>` where the clause's `?` is the next parameter.
    fn and(&mut self, clause: &str, value: Option<impl Into<Value>>) -> &mut Self {
        if let Some(v) = value {
            self.params.push(v.into());
            self.sql.push_str(" AND ");
            self.sql
                .push_str(&clause.replace('?', &format!("?{}", self.params.len())));
        }
        self
    }

    /// Appends the ORDER BY and a literal LIMIT: a bound LIMIT also makes SQLite
    /// re-prepare the statement on every call.
    fn order_limit(&mut self, order: &str, limit: usize) -> &mut Self {
        self.sql.push_str(" ORDER BY ");
        self.sql.push_str(order);
        if limit < i64::MAX as usize {
            self.sql.push_str(&format!(" LIMIT {limit}"));
        }
        self
    }
}

/// An FTS5 query of `words`, each quoted so it is never syntax, joined by `joiner`
/// (`" "` for all of them, `" OR "` for any).
pub(super) fn fts5_query(words: &[String], joiner: &str) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(joiner)
}

/// `s` as an SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl<'c> SqlTx<'c> {
    fn query<T>(&self, q: &Query, map: fn(&dyn Cols) -> Result<T>) -> Result<Vec<T>> {
        self.all(&q.sql, rusqlite::params_from_iter(q.params.iter()), map)
    }

    pub(super) fn new(conn: &'c Connection, vectors: &'c VectorCache) -> Self {
        SqlTx {
            conn,
            vectors,
            writer: false,
            events: Vec::new(),
            savepoints: 0,
            aborted: false,
        }
    }

    /// This transaction as the write transaction it is.
    pub(super) fn writing(mut self) -> Self {
        self.writer = true;
        self
    }

    pub(super) fn into_events(self) -> Vec<(i64, NewEvent)> {
        self.events
    }

    /// Whether SQLite rolled the transaction back on its own.
    pub(super) fn aborted(&self) -> bool {
        self.aborted || self.conn.is_autocommit()
    }

    fn live(&self) -> Result<()> {
        if self.aborted {
            return Err(Error::Aborted(
                "SQLite rolled the transaction back after an earlier error".into(),
            ));
        }
        Ok(())
    }

    fn one<T>(&self, sql: &str, p: impl Params, map: fn(&dyn Cols) -> Result<T>) -> Result<Option<T>> {
        self.live()?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(p)?;
        rows.next()?.map(|r| map(r)).transpose()
    }

    fn all<T>(&self, sql: &str, p: impl Params, map: fn(&dyn Cols) -> Result<T>) -> Result<Vec<T>> {
        self.live()?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(p)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(map(r)?);
        }
        Ok(out)
    }

    fn scalar(&self, sql: &str, p: impl Params) -> Result<i64> {
        self.live()?;
        Ok(self.conn.prepare_cached(sql)?.query_row(p, |r| r.get(0))?)
    }

    fn exec(&self, sql: &str, p: impl Params) -> Result<usize> {
        self.live()?;
        Ok(self.conn.prepare_cached(sql)?.execute(p)?)
    }
}

impl Cols for rusqlite::Row<'_> {
    fn val(&self, i: usize) -> Result<Val> {
        Ok(match self.get_ref(i)? {
            ValueRef::Null => Val::Null,
            ValueRef::Integer(n) => Val::Int(n),
            ValueRef::Real(f) => Val::Real(f),
            ValueRef::Text(t) => Val::Text(
                String::from_utf8(t.to_vec())
                    .map_err(|e| Error::Internal(format!("stored column {i} is not UTF-8: {e}")))?,
            ),
            ValueRef::Blob(b) => Val::Blob(b.to_vec()),
        })
    }
}

impl ReadTx for SqlTx<'_> {
    fn project(&self, id: &str) -> Result<Option<Project>> {
        self.one(
            &format!("SELECT {} FROM projects WHERE id = ?1", rows::PROJECT),
            [id],
            rows::project,
        )
    }

    fn project_by_name(&self, name: &str) -> Result<Option<Project>> {
        self.one(
            &format!("SELECT {} FROM projects WHERE name = ?1", rows::PROJECT),
            [name],
            rows::project,
        )
    }

    fn projects(&self) -> Result<Vec<Project>> {
        self.all(
            &format!("SELECT {} FROM projects ORDER BY created_at, id", rows::PROJECT),
            [],
            rows::project,
        )
    }

    fn workflow(&self, id: &str) -> Result<Option<Workflow>> {
        self.one(
            &format!("SELECT {} FROM workflows WHERE id = ?1", rows::WORKFLOW),
            [id],
            rows::workflow,
        )
    }

    fn workflows(&self, project: &str) -> Result<Vec<Workflow>> {
        self.all(
            &format!(
                "SELECT {} FROM workflows WHERE project_id = ?1 ORDER BY created_at, id",
                rows::WORKFLOW
            ),
            [project],
            rows::workflow,
        )
    }

    fn history(&self, workflow: &str) -> Result<Vec<HistoryEntry>> {
        self.all(
            &format!(
                "SELECT {} FROM workflow_history WHERE workflow_id = ?1 ORDER BY seq",
                rows::HISTORY
            ),
            [workflow],
            rows::history,
        )
    }

    fn votes(&self, workflow: &str, epoch: i64) -> Result<Vec<Vote>> {
        self.all(
            &format!(
                "SELECT {} FROM votes WHERE workflow_id = ?1 AND epoch = ?2 ORDER BY at, id",
                rows::VOTE
            ),
            params![workflow, epoch],
            rows::vote,
        )
    }

    fn workflow_phase(&self, id: &str) -> Result<Option<(ProjectId, String)>> {
        self.one("SELECT project_id, phase FROM workflows WHERE id = ?1", [id], |r| {
            Ok((ProjectId::parse(&r.get::<String>(0)?)?, r.get(1)?))
        })
    }

    fn all_votes(&self, workflow: &str) -> Result<Vec<Vote>> {
        self.all(
            &format!(
                "SELECT {} FROM votes WHERE workflow_id = ?1 ORDER BY at, id",
                rows::VOTE
            ),
            [workflow],
            rows::vote,
        )
    }

    fn all_spec_documents(&self, workflow: &str) -> Result<Vec<SpecDocument>> {
        self.all(
            &format!(
                "SELECT {} FROM spec_documents WHERE workflow_id = ?1 ORDER BY kind, version",
                rows::SPEC
            ),
            [workflow],
            rows::spec,
        )
    }

    fn all_steering_documents(&self, project: &str) -> Result<Vec<SteeringDocument>> {
        self.all(
            &format!(
                "SELECT {} FROM steering_documents WHERE project_id = ?1 ORDER BY domain, version",
                rows::STEERING
            ),
            [project],
            rows::steering,
        )
    }

    fn latest_spec_version(&self, workflow: &str, kind: &str) -> Result<i64> {
        self.scalar(
            "SELECT COALESCE(MAX(version), 0) FROM spec_documents WHERE workflow_id = ?1 AND kind = ?2",
            [workflow, kind],
        )
    }

    fn spec_document(&self, workflow: &str, kind: &str, version: i64) -> Result<Option<SpecDocument>> {
        self.one(
            &format!(
                "SELECT {} FROM spec_documents WHERE workflow_id = ?1 AND kind = ?2 AND version = ?3",
                rows::SPEC
            ),
            params![workflow, kind, version],
            rows::spec,
        )
    }

    fn spec_documents(&self, workflow: &str, kind: &str) -> Result<Vec<SpecDocument>> {
        self.all(
            &format!(
                "SELECT {} FROM spec_documents WHERE workflow_id = ?1 AND kind = ?2 ORDER BY version",
                rows::SPEC
            ),
            [workflow, kind],
            rows::spec,
        )
    }

    fn latest_steering_version(&self, project: &str, domain: &str) -> Result<i64> {
        self.scalar(
            "SELECT COALESCE(MAX(version), 0) FROM steering_documents WHERE project_id = ?1 AND domain = ?2",
            [project, domain],
        )
    }

    fn latest_steering_documents(&self, project: &str) -> Result<Vec<SteeringDocument>> {
        self.all(
            &format!(
                "SELECT {} FROM steering_documents s WHERE project_id = ?1
                   AND version = (SELECT MAX(version) FROM steering_documents x WHERE x.project_id = s.project_id AND x.domain = s.domain)
                 ORDER BY domain",
                rows::STEERING
            ),
            [project],
            rows::steering,
        )
    }

    fn session(&self, id: &str) -> Result<Option<Session>> {
        self.one(
            &format!("SELECT {} FROM sessions WHERE id = ?1", rows::SESSION),
            [id],
            rows::session,
        )
    }

    fn session_head(&self, id: &str) -> Result<Option<SessionHead>> {
        self.one(
            "SELECT id, project_id, workflow_id, status FROM sessions WHERE id = ?1",
            [id],
            rows::session_head,
        )
    }

    fn sessions(&self, f: &SessionFilter) -> Result<Vec<Session>> {
        let mut q = Query::new(format!("SELECT {} FROM sessions WHERE ?1 = ?1", rows::SESSION), 1);
        q.and("project_id = ?", f.project_id.as_ref().map(|x| x.to_string()))
            .and("workflow_id = ?", f.workflow_id.as_ref().map(|x| x.to_string()))
            .and(
                "parent_session_id = ?",
                f.parent_session_id.as_ref().map(|x| x.to_string()),
            )
            .and("status = ?", f.status.map(|s| s.as_str().to_owned()))
            .order_limit("created_at, id", usize::MAX);
        self.query(&q, rows::session)
    }

    fn stale_sessions(&self, cutoff_ms: i64, statuses: &[SessionStatus]) -> Result<Vec<Session>> {
        self.all(
            &format!(
                "SELECT {} FROM sessions s WHERE s.status IN (SELECT value FROM json_each(?2)) AND s.last_activity < ?1
                   AND COALESCE((SELECT e.at FROM events e WHERE e.session_id = s.id ORDER BY e.seq DESC LIMIT 1), 0) < ?1
                 ORDER BY s.created_at, s.id",
                rows::SESSION
            ),
            params![cutoff_ms, enc(&statuses)?],
            rows::session,
        )
    }

    fn last_session_event_at(&self, session: &str) -> Result<Option<Timestamp>> {
        Ok(self
            .one(
                "SELECT at FROM events WHERE session_id = ?1 ORDER BY seq DESC LIMIT 1",
                [session],
                |r| r.get(0),
            )?
            .map(Timestamp))
    }

    fn timeline(&self, session: &str) -> Result<Vec<TimelineEvent>> {
        self.all(
            "SELECT payload FROM events WHERE session_id = ?1 AND entity = 'timeline_event' ORDER BY seq",
            [session],
            rows::timeline,
        )
    }

    fn last_timeline(&self, session: &str, task: &str, kind: TimelineType) -> Result<Option<TimelineEvent>> {
        self.one(
            "SELECT payload FROM events WHERE session_id = ?1 AND entity = 'timeline_event'
               AND json_extract(payload, '$.task_id') = ?2 AND json_extract(payload, '$.type') = ?3
             ORDER BY seq DESC LIMIT 1",
            [session, task, kind.as_str()],
            rows::timeline,
        )
    }

    fn task(&self, id: &str) -> Result<Option<Task>> {
        self.one(
            &format!("SELECT {} FROM tasks t WHERE t.id = ?1", rows::TASK),
            [id],
            rows::task,
        )
    }

    fn tasks(&self, project: &str) -> Result<Vec<Task>> {
        self.all(
            &format!(
                "SELECT {} FROM tasks t WHERE t.project_id = ?1 ORDER BY t.created_at, t.id",
                rows::TASK
            ),
            [project],
            rows::task,
        )
    }

    fn task_children(&self, parent: &str) -> Result<Vec<Task>> {
        self.all(
            &format!(
                "SELECT {} FROM tasks t WHERE t.parent_id = ?1 ORDER BY t.created_at, t.id",
                rows::TASK
            ),
            [parent],
            rows::task,
        )
    }

    fn dependency_edges(&self, project: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.task_id, d.depends_on FROM task_deps d JOIN tasks t ON t.id = d.task_id WHERE t.project_id = ?1 ORDER BY d.task_id, d.depends_on",
        )?;
        let rows = stmt.query_map([project], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ready_tasks(&self, project: &str, filter: &ClaimFilter, limit: usize) -> Result<Vec<Task>> {
        let labels = if filter.labels.is_empty() {
            None
        } else {
            Some(enc(&filter.labels)?)
        };
        // The project goes in as a literal: with a bound parameter, SQLite re-prepares
        // the statement on every call to re-check the partial index against the value.
        let mut q = Query::new(
            format!(
                "SELECT {} FROM tasks t INDEXED BY tasks_ready
                 WHERE t.status = 'todo' AND t.open_deps = 0 AND t.project_id = {} AND ?1 = ?1",
                rows::TASK,
                literal(project)
            ),
            1,
        );
        q.and("t.workflow_id = ?", filter.workflow_id.as_ref().map(|w| w.to_string()))
            .and(
                "EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value IN (SELECT value FROM json_each(?)))",
                labels,
            )
            .order_limit("t.priority DESC, t.created_at, t.id", limit);
        self.query(&q, rows::task)
    }

    fn dependencies_met(&self, task: &str) -> Result<bool> {
        Ok(self.scalar("SELECT open_deps = 0 FROM tasks WHERE id = ?1", [task])? == 1)
    }

    fn link(&self, session: &str, task: &str) -> Result<Option<SessionTask>> {
        self.one(
            &format!(
                "SELECT {} FROM session_tasks WHERE session_id = ?1 AND task_id = ?2",
                rows::LINK
            ),
            [session, task],
            rows::link,
        )
    }

    fn links_of_session(&self, session: &str) -> Result<Vec<SessionTask>> {
        self.all(
            &format!(
                "SELECT {} FROM session_tasks WHERE session_id = ?1 ORDER BY created_at, task_id",
                rows::LINK
            ),
            [session],
            rows::link,
        )
    }

    fn links_of_task(&self, task: &str) -> Result<Vec<SessionTask>> {
        self.all(
            &format!(
                "SELECT {} FROM session_tasks WHERE task_id = ?1 ORDER BY created_at, session_id",
                rows::LINK
            ),
            [task],
            rows::link,
        )
    }

    fn queue_item(&self, id: &str) -> Result<Option<QueueItem>> {
        self.one(
            &format!("SELECT {} FROM queue_items WHERE id = ?1", rows::QUEUE),
            [id],
            rows::queue,
        )
    }

    fn queue(&self, session: &str) -> Result<Vec<QueueItem>> {
        self.all(
            &format!(
                "SELECT {} FROM queue_items WHERE session_id = ?1 ORDER BY position",
                rows::QUEUE
            ),
            [session],
            rows::queue,
        )
    }

    fn max_queue_position(&self, session: &str) -> Result<i64> {
        self.scalar(
            "SELECT COALESCE(MAX(position), 0) FROM queue_items WHERE session_id = ?1",
            [session],
        )
    }

    fn events_since(&self, after: i64, f: &EventFilter, limit: usize) -> Result<Vec<RawEvent>> {
        // Each query reads a range of the index of its most selective filter, from `after`
        // on, so its cost follows what it returns, not the size of the feed. Index names
        // are forced: without statistics SQLite may prefer walking the feed by seq.
        let types = if f.types.is_empty() { None } else { Some(enc(&f.types)?) };
        // `from` names the index to read (`events INDEXED BY …`) or the feed itself.
        let by = |from: &str, entity: Option<EntityKind>| -> Result<Vec<RawEvent>> {
            let mut q = Query::new(format!("SELECT {} FROM {from} WHERE seq > ?1", rows::EVENT), after);
            if let Some(entity) = entity {
                // A literal, and the index's own condition spelt out, so the partial kind
                // index applies (SQLite does not derive `<>` from `=`).
                q.sql.push_str(&format!(" AND entity = {}", literal(entity.as_str())));
                if from.ends_with("events_kind") {
                    q.sql.push_str(" AND entity <> 'timeline_event'");
                }
            } else if !f.entities.is_empty() {
                q.and("entity IN (SELECT value FROM json_each(?))", Some(enc(&f.entities)?));
            }
            q.and("kind IN (SELECT value FROM json_each(?))", types.clone())
                .and("project_id = ?", f.project_id.clone())
                .and("workflow_id = ?", f.workflow_id.clone())
                .and("entity_id = ?", f.entity_id.clone())
                .and("session_id = ?", f.session_id.clone())
                .order_limit("seq", limit);
            self.query(&q, rows::raw_event)
        };
        if f.entity_id.is_some() || (f.session_id.is_none() && f.workflow_id.is_none() && f.project_id.is_none()) {
            if f.entities.is_empty() && f.entity_id.is_none() {
                // No filter with an index: the feed itself, in seq order.
                let mut q = Query::new(format!("SELECT {} FROM events WHERE seq > ?1", rows::EVENT), after);
                q.and("kind IN (SELECT value FROM json_each(?))", types.clone())
                    .order_limit("seq", limit);
                return self.query(&q, rows::raw_event);
            }
            // One range per entity kind (every kind when only the id is known), merged.
            let kinds: Vec<EntityKind> = if f.entities.is_empty() {
                EntityKind::ALL.to_vec()
            } else {
                f.entities.clone()
            };
            let mut merged = Vec::new();
            for kind in kinds {
                let from = match kind {
                    _ if f.entity_id.is_some() => "events INDEXED BY events_entity",
                    // Left out of the kind index: the feed's own order (they are most of it).
                    EntityKind::TimelineEvent => "events NOT INDEXED",
                    _ => "events INDEXED BY events_kind",
                };
                merged.extend(by(from, Some(kind))?);
            }
            merged.sort_by_key(|e| e.seq);
            merged.dedup_by_key(|e| e.seq);
            merged.truncate(limit);
            return Ok(merged);
        }
        let from = if f.session_id.is_some() {
            "events INDEXED BY events_session"
        } else if f.workflow_id.is_some() {
            "events INDEXED BY events_workflow"
        } else {
            "events INDEXED BY events_project"
        };
        by(from, None)
    }

    fn event_at(&self, entity: EntityKind, id: &str, at_seq: i64) -> Result<Option<Event>> {
        // The entity kind is a literal for the same reason as the project in `ready_tasks`.
        // The `NOT IN` lets a store still at an older schema version (whose entity index
        // left those two kinds out) use its index during the migration tests.
        let older = if matches!(entity, EntityKind::TimelineEvent | EntityKind::SessionTask) {
            ""
        } else {
            "AND entity NOT IN ('timeline_event', 'session_task')"
        };
        let sql = format!(
            "SELECT {} FROM events INDEXED BY events_entity
             WHERE entity = {} {older} AND ?1 = ?1 AND entity_id = ?2 AND seq <= ?3
             ORDER BY seq DESC LIMIT 1",
            rows::EVENT,
            literal(entity.as_str())
        );
        self.one(&sql, params![entity.as_str(), id, at_seq], rows::event)
    }

    fn checkpoint(&self, id: &str) -> Result<Option<Checkpoint>> {
        self.one(
            &format!("SELECT {} FROM checkpoints WHERE id = ?1", rows::CHECKPOINT),
            [id],
            rows::checkpoint,
        )
    }

    fn checkpoints(&self, workflow: &str) -> Result<Vec<Checkpoint>> {
        self.all(
            &format!(
                "SELECT {} FROM checkpoints WHERE workflow_id = ?1 ORDER BY at, id",
                rows::CHECKPOINT
            ),
            [workflow],
            rows::checkpoint,
        )
    }

    fn latest_seq(&self) -> Result<i64> {
        self.scalar("SELECT COALESCE(MAX(seq), 0) FROM events", [])
    }

    fn decision(&self, id: &str) -> Result<Option<Decision>> {
        self.one(
            &format!(
                "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq
                 WHERE d.seq IN (SELECT seq FROM events INDEXED BY events_entity
                                 WHERE entity = 'decision' AND entity NOT IN ('timeline_event', 'session_task')
                                   AND entity_id = ?1)",
                rows::DECISION
            ),
            [id],
            rows::decision,
        )
    }

    fn decisions(&self, f: &DecisionFilter, limit: usize) -> Result<Vec<Decision>> {
        let head = format!(
            "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq WHERE 1 = ?1",
            rows::DECISION
        );
        let mut q = decision_query(head, 1, f);
        q.order_limit("d.seq", limit);
        self.query(&q, rows::decision)
    }

    fn search_decisions(&self, words: &[String], f: &DecisionFilter, limit: usize) -> Result<Vec<Decision>> {
        let query = fts5_query(words, " ");
        let query = query.as_str();
        if *f == DecisionFilter::default() {
            // Unfiltered: FTS5 ranks and limits on its own table, joining only the winners.
            let sql = format!(
                "SELECT {} FROM (SELECT rowid, rank FROM decisions_fts WHERE decisions_fts MATCH ?1
                                 ORDER BY rank LIMIT {limit}) hit
                 JOIN decisions d ON d.seq = hit.rowid JOIN events e ON e.seq = d.latest_seq
                 ORDER BY hit.rank, d.seq",
                rows::DECISION
            );
            return self.all(&sql, [query], rows::decision);
        }
        let head = format!(
            "SELECT {} FROM decisions_fts JOIN decisions d ON d.seq = decisions_fts.rowid
             JOIN events e ON e.seq = d.latest_seq WHERE decisions_fts MATCH ?1",
            rows::DECISION
        );
        let mut q = decision_query(head, query.to_owned(), f);
        q.order_limit("decisions_fts.rank, d.seq", limit);
        self.query(&q, rows::decision)
    }

    fn decisions_unindexed(&self) -> Result<bool> {
        Ok(self.scalar(
            "SELECT EXISTS (SELECT 1 FROM decisions WHERE seq > (SELECT indexed_upto FROM decisions_fts_state))",
            [],
        )? == 1)
    }

    fn decision_category(&self, project: &str, name: &str) -> Result<Option<CategoryDef>> {
        self.one(
            &format!(
                "SELECT {} FROM decision_categories WHERE project_id = ?1 AND name = ?2",
                rows::CATEGORY
            ),
            [project, name],
            rows::category,
        )
    }

    fn decision_categories(&self, project: &str) -> Result<Vec<CategoryDef>> {
        self.all(
            &format!(
                "SELECT {} FROM decision_categories WHERE project_id = ?1 ORDER BY name",
                rows::CATEGORY
            ),
            [project],
            rows::category,
        )
    }

    fn workflow_replay(&self, workflow: &str) -> Result<Vec<Event>> {
        // Entity kinds are literals so the partial `events_entity` index applies. Events
        // before the workflow's latest creation belong to an earlier copy (a project
        // deleted and imported again with the same ids).
        let sql = format!(
            "WITH born AS (SELECT COALESCE(MAX(seq), 0) AS at FROM events INDEXED BY events_entity
                           WHERE entity = 'workflow' AND entity NOT IN ('timeline_event', 'session_task')
                             AND entity_id = ?1 AND kind IN ('workflow.created', 'workflow.imported'))
             SELECT {cols} FROM events INDEXED BY events_entity
               WHERE entity = 'workflow' AND entity NOT IN ('timeline_event', 'session_task') AND entity_id = ?1
                 AND seq >= (SELECT at FROM born)
             UNION ALL
             SELECT {cols} FROM events INDEXED BY events_entity
               WHERE entity = 'decision' AND entity NOT IN ('timeline_event', 'session_task')
                 AND entity_id IN (SELECT r.entity_id FROM decisions d JOIN events r ON r.seq = d.seq WHERE d.workflow_id = ?1)
                 AND seq >= (SELECT at FROM born)
             UNION ALL
             SELECT {cols} FROM events INDEXED BY events_entity
               WHERE entity = 'checkpoint' AND entity NOT IN ('timeline_event', 'session_task')
                 AND entity_id IN (SELECT id FROM checkpoints WHERE workflow_id = ?1)
                 AND seq >= (SELECT at FROM born)
             UNION ALL
             SELECT {cols} FROM events
               WHERE session_id IS NOT NULL AND session_id IN (SELECT id FROM sessions WHERE workflow_id = ?1)
                 AND entity = 'timeline_event' AND seq >= (SELECT at FROM born)
             ORDER BY seq",
            cols = rows::EVENT
        );
        self.all(&sql, [workflow], rows::event)
    }
}

/// The decision query `head` (whose `?1` is `first`) narrowed by every set filter field.
fn decision_query(head: String, first: impl Into<Value>, f: &DecisionFilter) -> Query {
    let mut q = Query::new(head, first);
    q.and("d.project_id = ?", f.project_id.as_ref().map(|p| p.as_str().to_owned()))
        .and(
            "d.workflow_id = ?",
            f.workflow_id.as_ref().map(|w| w.as_str().to_owned()),
        )
        .and("d.category = ?", f.category.clone())
        .and("d.subject_category = ?", f.subject_category.clone())
        .and("d.technology = ?", f.technology.clone())
        .and("d.pattern = ?", f.pattern.clone())
        .and("d.outcome = ?", f.outcome.map(|o| o.as_str().to_owned()));
    q
}

impl WriteTx for SqlTx<'_> {
    fn insert_project(&mut self, p: &Project) -> Result<()> {
        self.exec(
            "INSERT INTO projects (id, name, root, created_at, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![p.id.as_str(), p.name, p.root, p.created_at.0, p.updated_at.0, p.version],
        )?;
        Ok(())
    }

    fn delete_project(&mut self, id: &str) -> Result<()> {
        self.exec("DELETE FROM projects WHERE id = ?1", [id])?;
        Ok(())
    }

    fn insert_workflow(&mut self, w: &Workflow) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO workflows ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                rows::WORKFLOW
            ),
            params![
                w.id.as_str(),
                w.project_id.as_str(),
                w.feature,
                w.request,
                enc(&w.model)?,
                w.phase,
                w.status.as_str(),
                w.epoch,
                w.fail_reason,
                w.created_at.0,
                w.updated_at.0,
                w.ended_at.map(|t| t.0),
                w.version
            ],
        )?;
        Ok(())
    }

    fn update_workflow(&mut self, w: &Workflow, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE workflows SET phase = ?2, status = ?3, epoch = ?4, fail_reason = ?5, updated_at = ?6, ended_at = ?7, version = ?8
             WHERE id = ?1 AND version = ?9",
            params![w.id.as_str(), w.phase, w.status.as_str(), w.epoch, w.fail_reason, w.updated_at.0, w.ended_at.map(|t| t.0), w.version, expected_version],
        )? == 1)
    }

    fn insert_history(&mut self, h: &HistoryEntry) -> Result<()> {
        self.exec(
            "INSERT INTO workflow_history (workflow_id, kind, phase, status, at, actor, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![h.workflow_id.as_str(), h.kind.as_str(), h.phase, h.status.as_str(), h.at.0, h.actor, enc(&h.details)?],
        )?;
        Ok(())
    }

    fn insert_vote(&mut self, v: &Vote) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO votes ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rows::VOTE
            ),
            params![
                v.id.as_str(),
                v.workflow_id.as_str(),
                v.project_id.as_str(),
                v.epoch,
                v.from,
                v.to,
                v.voter,
                v.approve,
                v.comment,
                v.at.0
            ],
        )?;
        Ok(())
    }

    fn insert_spec_document(&mut self, d: &SpecDocument) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO spec_documents ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rows::SPEC
            ),
            params![
                d.workflow_id.as_str(),
                d.project_id.as_str(),
                d.kind,
                d.version,
                d.content,
                d.author,
                d.created_at.0
            ],
        )?;
        Ok(())
    }

    fn insert_steering_document(&mut self, d: &SteeringDocument) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO steering_documents ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rows::STEERING
            ),
            params![
                d.project_id.as_str(),
                d.domain,
                d.version,
                d.content,
                enc(&d.audiences)?,
                d.created_at.0
            ],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, s: &Session) -> Result<()> {
        self.exec(
            &format!("INSERT INTO sessions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", rows::SESSION),
            params![
                s.id.as_str(),
                s.project_id.as_str(),
                s.workflow_id.as_ref().map(|w| w.as_str()),
                s.name,
                s.role,
                s.strategy.as_str(),
                s.status.as_str(),
                s.parent_session_id.as_ref().map(|p| p.as_str()),
                s.spawn_source.as_str(),
                enc(&s.env)?,
                enc(&s.metadata)?,
                s.created_at.0,
                s.updated_at.0,
                s.completed_at.map(|t| t.0),
                s.last_activity.0,
                s.version
            ],
        )?;
        Ok(())
    }

    fn update_session(&mut self, s: &Session, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE sessions SET status = ?2, metadata = ?3, updated_at = ?4, completed_at = ?5, last_activity = ?6, version = ?7
             WHERE id = ?1 AND version = ?8",
            params![
                s.id.as_str(),
                s.status.as_str(),
                enc(&s.metadata)?,
                s.updated_at.0,
                s.completed_at.map(|t| t.0),
                s.last_activity.0,
                s.version,
                expected_version
            ],
        )? == 1)
    }

    fn insert_task(&mut self, t: &Task) -> Result<()> {
        self.exec(
            "INSERT INTO tasks (id, project_id, workflow_id, parent_id, title, description, status, priority, labels, estimate, created_at, updated_at, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                t.id.as_str(),
                t.project_id.as_str(),
                t.workflow_id.as_ref().map(|w| w.as_str()),
                t.parent_id.as_ref().map(|p| p.as_str()),
                t.title,
                t.description,
                t.status.as_str(),
                t.priority.rank(),
                enc(&t.labels)?,
                t.estimate,
                t.created_at.0,
                t.updated_at.0,
                t.version
            ],
        )?;
        for d in &t.depends_on {
            self.insert_dependency(t.id.as_str(), d.as_str())?;
        }
        Ok(())
    }

    fn update_task(&mut self, t: &Task, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE tasks SET title = ?2, description = ?3, status = ?4, priority = ?5, labels = ?6, estimate = ?7, updated_at = ?8, version = ?9
             WHERE id = ?1 AND version = ?10",
            params![
                t.id.as_str(),
                t.title,
                t.description,
                t.status.as_str(),
                t.priority.rank(),
                enc(&t.labels)?,
                t.estimate,
                t.updated_at.0,
                t.version,
                expected_version
            ],
        )? == 1)
    }

    fn insert_dependency(&mut self, task: &str, depends_on: &str) -> Result<()> {
        self.exec(
            "INSERT OR IGNORE INTO task_deps (task_id, depends_on) VALUES (?1, ?2)",
            [task, depends_on],
        )?;
        Ok(())
    }

    fn delete_dependency(&mut self, task: &str, depends_on: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM task_deps WHERE task_id = ?1 AND depends_on = ?2",
            [task, depends_on],
        )? == 1)
    }

    fn upsert_link(&mut self, l: &SessionTask) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO session_tasks ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (session_id, task_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
                rows::LINK
            ),
            params![l.session_id.as_str(), l.task_id.as_str(), l.project_id.as_str(), l.status.as_str(), l.created_at.0, l.updated_at.0],
        )?;
        Ok(())
    }

    fn insert_queue_item(&mut self, q: &QueueItem) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO queue_items ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rows::QUEUE
            ),
            params![
                q.id.as_str(),
                q.session_id.as_str(),
                q.project_id.as_str(),
                q.task_id.as_str(),
                q.position,
                q.status.as_str(),
                q.created_at.0,
                q.updated_at.0,
                q.version
            ],
        )?;
        Ok(())
    }

    fn update_queue_item(&mut self, q: &QueueItem, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE queue_items SET status = ?2, position = ?3, updated_at = ?4, version = ?5 WHERE id = ?1 AND version = ?6",
            params![q.id.as_str(), q.status.as_str(), q.position, q.updated_at.0, q.version, expected_version],
        )? == 1)
    }

    fn insert_checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
        self.exec(
            &format!("INSERT INTO checkpoints ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", rows::CHECKPOINT),
            params![
                c.id.as_str(),
                c.workflow_id.as_str(),
                c.project_id.as_str(),
                c.session_id.as_ref().map(|s| s.as_str()),
                c.at.0,
                c.commit_sha,
                c.commit_message,
                c.description,
                c.phase,
                c.kind.as_str(),
                enc(&c.state_snapshot)?,
                enc(&c.tags)?,
                c.rollback_used,
                c.rollback_count,
                c.valid,
                c.version
            ],
        )?;
        Ok(())
    }

    fn update_checkpoint(&mut self, c: &Checkpoint, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE checkpoints SET rollback_used = ?2, rollback_count = ?3, valid = ?4, version = ?5 WHERE id = ?1 AND version = ?6",
            params![c.id.as_str(), c.rollback_used, c.rollback_count, c.valid, c.version, expected_version],
        )? == 1)
    }

    fn insert_decision(&mut self, d: &Decision, seq: i64) -> Result<()> {
        let subject = d.subject.clone().unwrap_or_default();
        self.exec(
            "INSERT INTO decisions (seq, workflow_id, project_id, category, subject_category, technology, pattern, outcome, latest_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?1)",
            params![
                seq,
                d.workflow_id.as_str(),
                d.project_id.as_str(),
                d.category,
                subject.category,
                subject.technology,
                subject.pattern,
                d.outcome().map(|o| o.status.as_str()),
            ],
        )?;
        Ok(())
    }

    fn update_decision_outcome(&mut self, d: &Decision, latest_seq: i64) -> Result<()> {
        let n = self.exec(
            "UPDATE decisions SET outcome = ?2, latest_seq = ?3
             WHERE seq IN (SELECT seq FROM events INDEXED BY events_entity
                           WHERE entity = 'decision' AND entity NOT IN ('timeline_event', 'session_task')
                             AND entity_id = ?1)",
            params![d.id.as_str(), d.outcome().map(|o| o.status.as_str()), latest_seq],
        )?;
        if n != 1 {
            return Err(Error::not_found("decision", d.id.as_str()));
        }
        Ok(())
    }

    fn index_decisions(&mut self) -> Result<usize> {
        let n = self.exec(
            "INSERT INTO decisions_fts (rowid, decision, rationale)
             SELECT d.seq, e.payload ->> '$.decision', e.payload ->> '$.rationale'
             FROM decisions d JOIN events e ON e.seq = d.seq
             WHERE d.seq > (SELECT indexed_upto FROM decisions_fts_state)",
            [],
        )?;
        self.exec(
            "UPDATE decisions_fts_state SET indexed_upto = MAX(indexed_upto, (SELECT COALESCE(MAX(seq), 0) FROM decisions))",
            [],
        )?;
        Ok(n)
    }

    fn insert_decision_category(&mut self, c: &CategoryDef) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO decision_categories ({}) VALUES (?1, ?2, ?3, ?4)",
                rows::CATEGORY
            ),
            params![c.project_id.as_str(), c.name, c.description, c.created_at.0],
        )?;
        Ok(())
    }

    fn append_event(&mut self, e: NewEvent) -> Result<i64> {
        self.exec(
            "INSERT INTO events (at, kind, version, entity, entity_id, project_id, workflow_id, session_id, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                e.at.0,
                e.kind,
                EVENT_VERSION,
                e.entity.as_str(),
                e.entity_id,
                e.project_id,
                e.workflow_id,
                e.session_id,
                e.payload
            ],
        )?;
        let seq = self.conn.last_insert_rowid();
        self.events.push((seq, e));
        Ok(seq)
    }

    fn savepoint(&mut self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        self.savepoints += 1;
        let name = format!("sp{}", self.savepoints);
        let mark = self.events.len();
        self.exec(&format!("SAVEPOINT {name}"), [])?;
        let r = f(self);
        self.savepoints -= 1;
        match r {
            Ok(()) => {
                self.exec(&format!("RELEASE {name}"), [])?;
                Ok(())
            }
            Err(e) => {
                self.events.truncate(mark);
                let undone = self.conn.is_autocommit()
                    || self.exec(&format!("ROLLBACK TO {name}"), []).is_err()
                    || self.exec(&format!("RELEASE {name}"), []).is_err();
                if undone && self.conn.is_autocommit() {
                    self.aborted = true;
                }
                Err(e)
            }
        }
    }
}
