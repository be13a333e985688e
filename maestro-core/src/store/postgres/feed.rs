//! [`FeedRead`] and [`FeedWrite`] over PostgreSQL.

use super::tx::{PgTx, Query};
use crate::error::Result;
use crate::feed::event::{EntityKind, Event, EventFilter, NewEvent, RawEvent, EVENT_VERSION};
use crate::store::rows;
use crate::store::{FeedRead, FeedWrite};

impl FeedRead for PgTx<'_> {
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
}

impl FeedWrite for PgTx<'_> {
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
}
