//! [`ReadTx`] and [`WriteTx`] over one PostgreSQL connection inside an open transaction.
//!
//! Reads run in a `REPEATABLE READ READ ONLY` transaction: one snapshot for the whole
//! call. A write transaction first locks `feed_state` (`SELECT head ... FOR UPDATE`) and
//! runs at `READ COMMITTED`, so writers of every host run one at a time, exactly as on
//! SQLite, and each statement after the lock sees everything committed before it. That
//! lock is what makes the feed's `seq` gap-free in commit order: seq is `head + 1` under
//! the lock, and the lock is released only by the commit that makes the events visible.

use super::client::{Conn, Param};
use crate::checkpoint::Checkpoint;
use crate::decision::{CategoryDef, Decision, DecisionFilter};
use crate::error::{Error, Result};
use crate::feed::{EntityKind, Event, EventFilter, NewEvent, RawEvent, EVENT_VERSION};
use crate::id::ProjectId;
use crate::project::Project;
use crate::queue::QueueItem;
use crate::session::{Session, SessionFilter, SessionHead, SessionStatus, TimelineEvent, TimelineType};
use crate::store::rows::{self, enc, Cols};
use crate::store::{ReadTx, WriteTx};
use crate::task::{ClaimFilter, SessionTask, Task};
use crate::time::Timestamp;
use crate::workflow::{HistoryEntry, SpecDocument, SteeringDocument, Vote, Workflow};
use std::cell::Cell;
use tokio_postgres::types::ToSql;

/// The channel on which commits announce the feed's new head (a wake-up hint only).
pub(super) const CHANNEL: &str = "maestro_feed";

pub(super) struct PgTx<'c> {
    pub(super) conn: &'c Conn,
    /// The last seq handed out (write transactions only).
    head: i64,
    events: Vec<(i64, NewEvent)>,
    savepoints: usize,
    /// Set when a statement failed: PostgreSQL then refuses every later statement of the
    /// transaction until a savepoint is rolled back to.
    failed: Cell<bool>,
}

/// A query whose WHERE clause holds only the filters that are set.
pub(super) struct Query {
    pub(super) sql: String,
    pub(super) params: Vec<Param>,
}

impl Query {
    pub(super) fn new(head: impl Into<String>) -> Self {
        Query {
            sql: head.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder (`$n`).
    pub(super) fn bind(&mut self, v: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(v));
        format!("${}", self.params.len())
    }

    /// Appends ` AND <clause>` where the clause's `?` is the next parameter.
    pub(super) fn and<T: ToSql + Sync + Send + 'static>(&mut self, clause: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            let p = self.bind(v);
            self.sql.push_str(" AND ");
            self.sql.push_str(&clause.replace('?', &p));
        }
        self
    }

    /// Appends the ORDER BY and a LIMIT.
    pub(super) fn order_limit(&mut self, order: &str, limit: usize) -> &mut Self {
        self.sql.push_str(" ORDER BY ");
        self.sql.push_str(order);
        if limit < i64::MAX as usize {
            self.sql.push_str(&format!(" LIMIT {limit}"));
        }
        self
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
    }
}

impl<'c> PgTx<'c> {
    pub(super) fn new(conn: &'c Conn, head: i64) -> Self {
        PgTx {
            conn,
            head,
            events: Vec::new(),
            savepoints: 0,
            failed: Cell::new(false),
        }
    }

    pub(super) fn head(&self) -> i64 {
        self.head
    }

    pub(super) fn into_events(self) -> Vec<(i64, NewEvent)> {
        self.events
    }

    fn live(&self) -> Result<()> {
        if self.failed.get() {
            return Err(Error::Aborted(
                "an earlier statement of this transaction failed, so PostgreSQL rolled it back".into(),
            ));
        }
        Ok(())
    }

    fn noted<T>(&self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.failed.set(true);
        }
        r
    }

    pub(super) fn rows(&self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<Vec<tokio_postgres::Row>> {
        self.live()?;
        self.noted(self.conn.query(sql, p))
    }

    pub(super) fn one<T>(
        &self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        map: fn(&dyn Cols) -> Result<T>,
    ) -> Result<Option<T>> {
        self.rows(sql, p)?.first().map(|r| map(r)).transpose()
    }

    pub(super) fn all<T>(
        &self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        map: fn(&dyn Cols) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows(sql, p)?.iter().map(|r| map(r)).collect()
    }

    pub(super) fn query<T>(&self, q: &Query, map: fn(&dyn Cols) -> Result<T>) -> Result<Vec<T>> {
        self.all(&q.sql, &q.refs(), map)
    }

    /// The first column of the first row as an integer (0 when there is no row).
    pub(super) fn scalar(&self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<i64> {
        Ok(self.one(sql, p, |r| r.get::<Option<i64>>(0))?.flatten().unwrap_or(0))
    }

    pub(super) fn exec(&self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.live()?;
        self.noted(self.conn.execute(sql, p))
    }
}

impl ReadTx for PgTx<'_> {
    fn project(&self, id: &str) -> Result<Option<Project>> {
        self.one(
            &format!("SELECT {} FROM projects WHERE id = $1", rows::PROJECT),
            &[&id],
            rows::project,
        )
    }

    fn project_by_name(&self, name: &str) -> Result<Option<Project>> {
        self.one(
            &format!("SELECT {} FROM projects WHERE name = $1", rows::PROJECT),
            &[&name],
            rows::project,
        )
    }

    fn projects(&self) -> Result<Vec<Project>> {
        self.all(
            &format!("SELECT {} FROM projects ORDER BY created_at, id", rows::PROJECT),
            &[],
            rows::project,
        )
    }

    fn workflow(&self, id: &str) -> Result<Option<Workflow>> {
        self.one(
            &format!("SELECT {} FROM workflows WHERE id = $1", rows::WORKFLOW),
            &[&id],
            rows::workflow,
        )
    }

    fn workflows(&self, project: &str) -> Result<Vec<Workflow>> {
        self.all(
            &format!(
                "SELECT {} FROM workflows WHERE project_id = $1 ORDER BY created_at, id",
                rows::WORKFLOW
            ),
            &[&project],
            rows::workflow,
        )
    }

    fn workflow_phase(&self, id: &str) -> Result<Option<(ProjectId, String)>> {
        self.one("SELECT project_id, phase FROM workflows WHERE id = $1", &[&id], |r| {
            Ok((ProjectId::parse(&r.get::<String>(0)?)?, r.get(1)?))
        })
    }

    fn history(&self, workflow: &str) -> Result<Vec<HistoryEntry>> {
        self.all(
            &format!(
                "SELECT {} FROM workflow_history WHERE workflow_id = $1 ORDER BY seq",
                rows::HISTORY
            ),
            &[&workflow],
            rows::history,
        )
    }

    fn votes(&self, workflow: &str, epoch: i64) -> Result<Vec<Vote>> {
        self.all(
            &format!(
                "SELECT {} FROM votes WHERE workflow_id = $1 AND epoch = $2 ORDER BY at, id",
                rows::VOTE
            ),
            &[&workflow, &epoch],
            rows::vote,
        )
    }

    fn all_votes(&self, workflow: &str) -> Result<Vec<Vote>> {
        self.all(
            &format!(
                "SELECT {} FROM votes WHERE workflow_id = $1 ORDER BY at, id",
                rows::VOTE
            ),
            &[&workflow],
            rows::vote,
        )
    }

    fn all_spec_documents(&self, workflow: &str) -> Result<Vec<SpecDocument>> {
        self.all(
            &format!(
                "SELECT {} FROM spec_documents WHERE workflow_id = $1 ORDER BY kind, version",
                rows::SPEC
            ),
            &[&workflow],
            rows::spec,
        )
    }

    fn all_steering_documents(&self, project: &str) -> Result<Vec<SteeringDocument>> {
        self.all(
            &format!(
                "SELECT {} FROM steering_documents WHERE project_id = $1 ORDER BY domain, version",
                rows::STEERING
            ),
            &[&project],
            rows::steering,
        )
    }

    fn latest_spec_version(&self, workflow: &str, kind: &str) -> Result<i64> {
        self.scalar(
            "SELECT MAX(version) FROM spec_documents WHERE workflow_id = $1 AND kind = $2",
            &[&workflow, &kind],
        )
    }

    fn spec_document(&self, workflow: &str, kind: &str, version: i64) -> Result<Option<SpecDocument>> {
        self.one(
            &format!(
                "SELECT {} FROM spec_documents WHERE workflow_id = $1 AND kind = $2 AND version = $3",
                rows::SPEC
            ),
            &[&workflow, &kind, &version],
            rows::spec,
        )
    }

    fn spec_documents(&self, workflow: &str, kind: &str) -> Result<Vec<SpecDocument>> {
        self.all(
            &format!(
                "SELECT {} FROM spec_documents WHERE workflow_id = $1 AND kind = $2 ORDER BY version",
                rows::SPEC
            ),
            &[&workflow, &kind],
            rows::spec,
        )
    }

    fn latest_steering_version(&self, project: &str, domain: &str) -> Result<i64> {
        self.scalar(
            "SELECT MAX(version) FROM steering_documents WHERE project_id = $1 AND domain = $2",
            &[&project, &domain],
        )
    }

    fn latest_steering_documents(&self, project: &str) -> Result<Vec<SteeringDocument>> {
        self.all(
            &format!(
                "SELECT DISTINCT ON (domain) {} FROM steering_documents WHERE project_id = $1
                 ORDER BY domain, version DESC",
                rows::STEERING
            ),
            &[&project],
            rows::steering,
        )
    }

    fn session(&self, id: &str) -> Result<Option<Session>> {
        self.one(
            &format!("SELECT {} FROM sessions WHERE id = $1", rows::SESSION),
            &[&id],
            rows::session,
        )
    }

    fn session_head(&self, id: &str) -> Result<Option<SessionHead>> {
        self.one(
            "SELECT id, project_id, workflow_id, status FROM sessions WHERE id = $1",
            &[&id],
            rows::session_head,
        )
    }

    fn sessions(&self, f: &SessionFilter) -> Result<Vec<Session>> {
        let mut q = Query::new(format!("SELECT {} FROM sessions WHERE TRUE", rows::SESSION));
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
        let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        self.all(
            &format!(
                "SELECT {} FROM sessions s WHERE s.status = ANY($2) AND s.last_activity < $1
                   AND COALESCE((SELECT e.at FROM events e WHERE e.session_id = s.id ORDER BY e.seq DESC LIMIT 1), 0) < $1
                 ORDER BY s.created_at, s.id",
                rows::SESSION
            ),
            &[&cutoff_ms, &statuses],
            rows::session,
        )
    }

    fn last_session_event_at(&self, session: &str) -> Result<Option<Timestamp>> {
        Ok(self
            .one(
                "SELECT at FROM events WHERE session_id = $1 ORDER BY seq DESC LIMIT 1",
                &[&session],
                |r| r.get::<i64>(0),
            )?
            .map(Timestamp))
    }

    fn timeline(&self, session: &str) -> Result<Vec<TimelineEvent>> {
        self.all(
            "SELECT payload FROM events WHERE session_id = $1 AND entity = 'timeline_event' ORDER BY seq",
            &[&session],
            rows::timeline,
        )
    }

    fn last_timeline(&self, session: &str, task: &str, kind: TimelineType) -> Result<Option<TimelineEvent>> {
        self.one(
            "SELECT payload FROM events WHERE session_id = $1 AND entity = 'timeline_event'
               AND payload::jsonb ->> 'task_id' = $2 AND payload::jsonb ->> 'type' = $3
             ORDER BY seq DESC LIMIT 1",
            &[&session, &task, &kind.as_str()],
            rows::timeline,
        )
    }

    fn task(&self, id: &str) -> Result<Option<Task>> {
        self.one(
            &format!("SELECT {} FROM tasks t WHERE t.id = $1", rows::TASK),
            &[&id],
            rows::task,
        )
    }

    fn tasks(&self, project: &str) -> Result<Vec<Task>> {
        self.all(
            &format!(
                "SELECT {} FROM tasks t WHERE t.project_id = $1 ORDER BY t.created_at, t.id",
                rows::TASK
            ),
            &[&project],
            rows::task,
        )
    }

    fn task_children(&self, parent: &str) -> Result<Vec<Task>> {
        self.all(
            &format!(
                "SELECT {} FROM tasks t WHERE t.parent_id = $1 ORDER BY t.created_at, t.id",
                rows::TASK
            ),
            &[&parent],
            rows::task,
        )
    }

    fn dependency_edges(&self, project: &str) -> Result<Vec<(String, String)>> {
        self.all(
            "SELECT d.task_id, d.depends_on FROM task_deps d JOIN tasks t ON t.id = d.task_id
             WHERE t.project_id = $1 ORDER BY d.task_id, d.depends_on",
            &[&project],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn ready_tasks(&self, project: &str, filter: &ClaimFilter, limit: usize) -> Result<Vec<Task>> {
        let mut q = Query::new(format!(
            "SELECT {} FROM tasks t WHERE t.status = 'todo' AND t.open_deps = 0",
            rows::TASK
        ));
        q.and("t.project_id = ?", Some(project.to_owned()))
            .and("t.workflow_id = ?", filter.workflow_id.as_ref().map(|w| w.to_string()))
            .and(
                "jsonb_exists_any(t.labels::jsonb, ?)",
                (!filter.labels.is_empty()).then(|| filter.labels.clone()),
            )
            .order_limit("t.priority DESC, t.created_at, t.id", limit);
        self.query(&q, rows::task)
    }

    fn dependencies_met(&self, task: &str) -> Result<bool> {
        Ok(self.scalar(
            "SELECT CASE WHEN open_deps = 0 THEN 1 ELSE 0 END FROM tasks WHERE id = $1",
            &[&task],
        )? == 1)
    }

    fn link(&self, session: &str, task: &str) -> Result<Option<SessionTask>> {
        self.one(
            &format!(
                "SELECT {} FROM session_tasks WHERE session_id = $1 AND task_id = $2",
                rows::LINK
            ),
            &[&session, &task],
            rows::link,
        )
    }

    fn links_of_session(&self, session: &str) -> Result<Vec<SessionTask>> {
        self.all(
            &format!(
                "SELECT {} FROM session_tasks WHERE session_id = $1 ORDER BY created_at, task_id",
                rows::LINK
            ),
            &[&session],
            rows::link,
        )
    }

    fn links_of_task(&self, task: &str) -> Result<Vec<SessionTask>> {
        self.all(
            &format!(
                "SELECT {} FROM session_tasks WHERE task_id = $1 ORDER BY created_at, session_id",
                rows::LINK
            ),
            &[&task],
            rows::link,
        )
    }

    fn queue_item(&self, id: &str) -> Result<Option<QueueItem>> {
        self.one(
            &format!("SELECT {} FROM queue_items WHERE id = $1", rows::QUEUE),
            &[&id],
            rows::queue,
        )
    }

    fn queue(&self, session: &str) -> Result<Vec<QueueItem>> {
        self.all(
            &format!(
                "SELECT {} FROM queue_items WHERE session_id = $1 ORDER BY position",
                rows::QUEUE
            ),
            &[&session],
            rows::queue,
        )
    }

    fn max_queue_position(&self, session: &str) -> Result<i64> {
        self.scalar(
            "SELECT MAX(position) FROM queue_items WHERE session_id = $1",
            &[&session],
        )
    }

    fn checkpoint(&self, id: &str) -> Result<Option<Checkpoint>> {
        self.one(
            &format!("SELECT {} FROM checkpoints WHERE id = $1", rows::CHECKPOINT),
            &[&id],
            rows::checkpoint,
        )
    }

    fn checkpoints(&self, workflow: &str) -> Result<Vec<Checkpoint>> {
        self.all(
            &format!(
                "SELECT {} FROM checkpoints WHERE workflow_id = $1 ORDER BY at, id",
                rows::CHECKPOINT
            ),
            &[&workflow],
            rows::checkpoint,
        )
    }

    fn decision(&self, id: &str) -> Result<Option<Decision>> {
        self.one(
            &format!(
                "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq WHERE d.decision_id = $1",
                rows::DECISION
            ),
            &[&id],
            rows::decision,
        )
    }

    fn decisions(&self, f: &DecisionFilter, limit: usize) -> Result<Vec<Decision>> {
        let mut q = decision_query(
            Query::new(format!(
                "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq WHERE TRUE",
                rows::DECISION
            )),
            f,
        );
        q.order_limit("d.seq", limit);
        self.query(&q, rows::decision)
    }

    fn search_decisions(&self, words: &[String], f: &DecisionFilter, limit: usize) -> Result<Vec<Decision>> {
        let mut q = Query::new("");
        let words = q.bind(words.join(" "));
        q.sql = format!(
            "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq, plainto_tsquery('simple', {words}) query
             WHERE d.fts @@ query",
            rows::DECISION
        );
        let mut q = decision_query(q, f);
        q.order_limit("ts_rank(d.fts, query) DESC, d.seq", limit);
        self.query(&q, rows::decision)
    }

    fn decisions_unindexed(&self) -> Result<bool> {
        // Decisions are indexed as they are recorded.
        Ok(false)
    }

    fn decision_category(&self, project: &str, name: &str) -> Result<Option<CategoryDef>> {
        self.one(
            &format!(
                "SELECT {} FROM decision_categories WHERE project_id = $1 AND name = $2",
                rows::CATEGORY
            ),
            &[&project, &name],
            rows::category,
        )
    }

    fn decision_categories(&self, project: &str) -> Result<Vec<CategoryDef>> {
        self.all(
            &format!(
                "SELECT {} FROM decision_categories WHERE project_id = $1 ORDER BY name",
                rows::CATEGORY
            ),
            &[&project],
            rows::category,
        )
    }

    fn workflow_replay(&self, workflow: &str) -> Result<Vec<Event>> {
        // Events before the workflow's latest creation belong to an earlier copy (a project
        // deleted and imported again with the same ids).
        let sql = format!(
            "WITH born AS (SELECT COALESCE(MAX(seq), 0) AS at FROM events
                           WHERE entity = 'workflow' AND entity_id = $1 AND kind IN ('workflow.created', 'workflow.imported'))
             SELECT {cols} FROM events
               WHERE entity = 'workflow' AND entity_id = $1 AND seq >= (SELECT at FROM born)
             UNION ALL
             SELECT {cols} FROM events
               WHERE entity = 'decision' AND entity_id IN (SELECT decision_id FROM decisions WHERE workflow_id = $1)
                 AND seq >= (SELECT at FROM born)
             UNION ALL
             SELECT {cols} FROM events
               WHERE entity = 'checkpoint' AND entity_id IN (SELECT id FROM checkpoints WHERE workflow_id = $1)
                 AND seq >= (SELECT at FROM born)
             UNION ALL
             SELECT {cols} FROM events
               WHERE session_id IN (SELECT id FROM sessions WHERE workflow_id = $1)
                 AND entity = 'timeline_event' AND seq >= (SELECT at FROM born)
             ORDER BY seq",
            cols = rows::EVENT
        );
        self.all(&sql, &[&workflow], rows::event)
    }

    fn events_since(&self, after: i64, f: &EventFilter, limit: usize) -> Result<Vec<RawEvent>> {
        let mut q = Query::new(format!("SELECT {} FROM events WHERE seq > $1", rows::EVENT));
        q.params.push(Box::new(after));
        let entities: Vec<&'static str> = f.entities.iter().map(|e| e.as_str()).collect();
        q.and("entity = ANY(?)", (!entities.is_empty()).then_some(entities))
            .and("kind = ANY(?)", (!f.types.is_empty()).then(|| f.types.clone()))
            .and("project_id = ?", f.project_id.clone())
            .and("workflow_id = ?", f.workflow_id.clone())
            .and("entity_id = ?", f.entity_id.clone())
            .and("session_id = ?", f.session_id.clone())
            .order_limit("seq", limit);
        self.query(&q, rows::raw_event)
    }

    fn event_at(&self, entity: EntityKind, id: &str, at_seq: i64) -> Result<Option<Event>> {
        self.one(
            &format!(
                "SELECT {} FROM events WHERE entity = $1 AND entity_id = $2 AND seq <= $3 ORDER BY seq DESC LIMIT 1",
                rows::EVENT
            ),
            &[&entity.as_str(), &id, &at_seq],
            rows::event,
        )
    }

    fn latest_seq(&self) -> Result<i64> {
        self.scalar("SELECT MAX(seq) FROM events", &[])
    }
}

/// `q` narrowed by every set filter field of `f`.
fn decision_query(mut q: Query, f: &DecisionFilter) -> Query {
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

impl WriteTx for PgTx<'_> {
    fn insert_project(&mut self, p: &Project) -> Result<()> {
        self.exec(
            "INSERT INTO projects (id, name, root, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &p.id.as_str(),
                &p.name,
                &p.root,
                &p.created_at.0,
                &p.updated_at.0,
                &p.version,
            ],
        )?;
        Ok(())
    }

    fn delete_project(&mut self, id: &str) -> Result<()> {
        self.exec("DELETE FROM projects WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn insert_workflow(&mut self, w: &Workflow) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO workflows ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                rows::WORKFLOW
            ),
            &[
                &w.id.as_str(),
                &w.project_id.as_str(),
                &w.feature,
                &w.request,
                &enc(&w.model)?,
                &w.phase,
                &w.status.as_str(),
                &w.epoch,
                &w.fail_reason,
                &w.created_at.0,
                &w.updated_at.0,
                &w.ended_at.map(|t| t.0),
                &w.version,
            ],
        )?;
        Ok(())
    }

    fn update_workflow(&mut self, w: &Workflow, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE workflows SET phase = $2, status = $3, epoch = $4, fail_reason = $5, updated_at = $6, ended_at = $7, version = $8
             WHERE id = $1 AND version = $9",
            &[
                &w.id.as_str(),
                &w.phase,
                &w.status.as_str(),
                &w.epoch,
                &w.fail_reason,
                &w.updated_at.0,
                &w.ended_at.map(|t| t.0),
                &w.version,
                &expected_version,
            ],
        )? == 1)
    }

    fn insert_history(&mut self, h: &HistoryEntry) -> Result<()> {
        self.exec(
            "INSERT INTO workflow_history (workflow_id, kind, phase, status, at, actor, details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &h.workflow_id.as_str(),
                &h.kind.as_str(),
                &h.phase,
                &h.status.as_str(),
                &h.at.0,
                &h.actor,
                &enc(&h.details)?,
            ],
        )?;
        Ok(())
    }

    fn insert_vote(&mut self, v: &Vote) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO votes ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                rows::VOTE
            ),
            &[
                &v.id.as_str(),
                &v.workflow_id.as_str(),
                &v.project_id.as_str(),
                &v.epoch,
                &v.from,
                &v.to,
                &v.voter,
                &v.approve,
                &v.comment,
                &v.at.0,
            ],
        )?;
        Ok(())
    }

    fn insert_spec_document(&mut self, d: &SpecDocument) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO spec_documents ({}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                rows::SPEC
            ),
            &[
                &d.workflow_id.as_str(),
                &d.project_id.as_str(),
                &d.kind,
                &d.version,
                &d.content,
                &d.author,
                &d.created_at.0,
            ],
        )?;
        Ok(())
    }

    fn insert_steering_document(&mut self, d: &SteeringDocument) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO steering_documents ({}) VALUES ($1, $2, $3, $4, $5, $6)",
                rows::STEERING
            ),
            &[
                &d.project_id.as_str(),
                &d.domain,
                &d.version,
                &d.content,
                &enc(&d.audiences)?,
                &d.created_at.0,
            ],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, s: &Session) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO sessions ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                rows::SESSION
            ),
            &[
                &s.id.as_str(),
                &s.project_id.as_str(),
                &s.workflow_id.as_ref().map(|w| w.as_str()),
                &s.name,
                &s.role,
                &s.strategy.as_str(),
                &s.status.as_str(),
                &s.parent_session_id.as_ref().map(|p| p.as_str()),
                &s.spawn_source.as_str(),
                &enc(&s.env)?,
                &enc(&s.metadata)?,
                &s.created_at.0,
                &s.updated_at.0,
                &s.completed_at.map(|t| t.0),
                &s.last_activity.0,
                &s.version,
            ],
        )?;
        Ok(())
    }

    fn update_session(&mut self, s: &Session, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE sessions SET status = $2, metadata = $3, updated_at = $4, completed_at = $5, last_activity = $6, version = $7
             WHERE id = $1 AND version = $8",
            &[
                &s.id.as_str(),
                &s.status.as_str(),
                &enc(&s.metadata)?,
                &s.updated_at.0,
                &s.completed_at.map(|t| t.0),
                &s.last_activity.0,
                &s.version,
                &expected_version,
            ],
        )? == 1)
    }

    fn insert_task(&mut self, t: &Task) -> Result<()> {
        self.exec(
            "INSERT INTO tasks (id, project_id, workflow_id, parent_id, title, description, status, priority, labels, estimate, created_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &t.id.as_str(),
                &t.project_id.as_str(),
                &t.workflow_id.as_ref().map(|w| w.as_str()),
                &t.parent_id.as_ref().map(|p| p.as_str()),
                &t.title,
                &t.description,
                &t.status.as_str(),
                &t.priority.rank(),
                &enc(&t.labels)?,
                &t.estimate,
                &t.created_at.0,
                &t.updated_at.0,
                &t.version,
            ],
        )?;
        for d in &t.depends_on {
            self.insert_dependency(t.id.as_str(), d.as_str())?;
        }
        Ok(())
    }

    fn update_task(&mut self, t: &Task, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE tasks SET title = $2, description = $3, status = $4, priority = $5, labels = $6, estimate = $7, updated_at = $8, version = $9
             WHERE id = $1 AND version = $10",
            &[
                &t.id.as_str(),
                &t.title,
                &t.description,
                &t.status.as_str(),
                &t.priority.rank(),
                &enc(&t.labels)?,
                &t.estimate,
                &t.updated_at.0,
                &t.version,
                &expected_version,
            ],
        )? == 1)
    }

    fn insert_dependency(&mut self, task: &str, depends_on: &str) -> Result<()> {
        self.exec(
            "INSERT INTO task_deps (task_id, depends_on) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&task, &depends_on],
        )?;
        Ok(())
    }

    fn delete_dependency(&mut self, task: &str, depends_on: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM task_deps WHERE task_id = $1 AND depends_on = $2",
            &[&task, &depends_on],
        )? == 1)
    }

    fn upsert_link(&mut self, l: &SessionTask) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO session_tasks ({}) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (session_id, task_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
                rows::LINK
            ),
            &[
                &l.session_id.as_str(),
                &l.task_id.as_str(),
                &l.project_id.as_str(),
                &l.status.as_str(),
                &l.created_at.0,
                &l.updated_at.0,
            ],
        )?;
        Ok(())
    }

    fn insert_queue_item(&mut self, q: &QueueItem) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO queue_items ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                rows::QUEUE
            ),
            &[
                &q.id.as_str(),
                &q.session_id.as_str(),
                &q.project_id.as_str(),
                &q.task_id.as_str(),
                &q.position,
                &q.status.as_str(),
                &q.created_at.0,
                &q.updated_at.0,
                &q.version,
            ],
        )?;
        Ok(())
    }

    fn update_queue_item(&mut self, q: &QueueItem, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE queue_items SET status = $2, position = $3, updated_at = $4, version = $5 WHERE id = $1 AND version = $6",
            &[
                &q.id.as_str(),
                &q.status.as_str(),
                &q.position,
                &q.updated_at.0,
                &q.version,
                &expected_version,
            ],
        )? == 1)
    }

    fn insert_checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO checkpoints ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                rows::CHECKPOINT
            ),
            &[
                &c.id.as_str(),
                &c.workflow_id.as_str(),
                &c.project_id.as_str(),
                &c.session_id.as_ref().map(|s| s.as_str()),
                &c.at.0,
                &c.commit_sha,
                &c.commit_message,
                &c.description,
                &c.phase,
                &c.kind.as_str(),
                &enc(&c.state_snapshot)?,
                &enc(&c.tags)?,
                &c.rollback_used,
                &c.rollback_count,
                &c.valid,
                &c.version,
            ],
        )?;
        Ok(())
    }

    fn update_checkpoint(&mut self, c: &Checkpoint, expected_version: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE checkpoints SET rollback_used = $2, rollback_count = $3, valid = $4, version = $5 WHERE id = $1 AND version = $6",
            &[
                &c.id.as_str(),
                &c.rollback_used,
                &c.rollback_count,
                &c.valid,
                &c.version,
                &expected_version,
            ],
        )? == 1)
    }

    fn insert_decision(&mut self, d: &Decision, seq: i64) -> Result<()> {
        let subject = d.subject.clone().unwrap_or_default();
        self.exec(
            "INSERT INTO decisions (seq, workflow_id, project_id, category, subject_category, technology, pattern, outcome,
                                    latest_seq, decision_id, fts)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $1, $9, to_tsvector('simple', $10))",
            &[
                &seq,
                &d.workflow_id.as_str(),
                &d.project_id.as_str(),
                &d.category,
                &subject.category,
                &subject.technology,
                &subject.pattern,
                &d.outcome().map(|o| o.status.as_str()),
                &d.id.as_str(),
                &format!("{}\n{}", d.decision, d.rationale),
            ],
        )?;
        Ok(())
    }

    fn update_decision_outcome(&mut self, d: &Decision, latest_seq: i64) -> Result<()> {
        let n = self.exec(
            "UPDATE decisions SET outcome = $2, latest_seq = $3 WHERE decision_id = $1",
            &[&d.id.as_str(), &d.outcome().map(|o| o.status.as_str()), &latest_seq],
        )?;
        if n != 1 {
            return Err(Error::not_found("decision", d.id.as_str()));
        }
        Ok(())
    }

    fn index_decisions(&mut self) -> Result<usize> {
        Ok(0)
    }

    fn insert_decision_category(&mut self, c: &CategoryDef) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO decision_categories ({}) VALUES ($1, $2, $3, $4)",
                rows::CATEGORY
            ),
            &[&c.project_id.as_str(), &c.name, &c.description, &c.created_at.0],
        )?;
        Ok(())
    }

    fn append_event(&mut self, e: NewEvent) -> Result<i64> {
        let seq = self.head + 1;
        self.exec(
            "INSERT INTO events (seq, at, kind, version, entity, entity_id, project_id, workflow_id, session_id, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &seq,
                &e.at.0,
                &e.kind,
                &i64::from(EVENT_VERSION),
                &e.entity.as_str(),
                &e.entity_id,
                &e.project_id,
                &e.workflow_id,
                &e.session_id,
                &e.payload,
            ],
        )?;
        self.head = seq;
        self.events.push((seq, e));
        Ok(seq)
    }

    fn savepoint(&mut self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        self.live()?;
        self.savepoints += 1;
        let name = format!("sp{}", self.savepoints);
        let (mark, head) = (self.events.len(), self.head);
        self.conn.batch(&format!("SAVEPOINT {name}"))?;
        let r = f(self);
        self.savepoints -= 1;
        match r {
            Ok(()) => {
                self.noted(self.conn.batch(&format!("RELEASE {name}")))?;
                Ok(())
            }
            Err(e) => {
                self.events.truncate(mark);
                self.head = head;
                // Undoing the savepoint also clears PostgreSQL's failed state.
                match self.conn.batch(&format!("ROLLBACK TO {name}; RELEASE {name}")) {
                    Ok(()) => self.failed.set(false),
                    Err(_) => self.failed.set(true),
                }
                Err(e)
            }
        }
    }
}
