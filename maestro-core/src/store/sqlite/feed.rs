//! [`FeedRead`] and [`FeedWrite`] over SQLite.

use super::tx::{literal, Query, SqlTx};
use crate::error::Result;
use crate::feed::event::{EntityKind, Event, EventFilter, NewEvent, RawEvent, EVENT_VERSION};
use crate::store::rows::{self, enc};
use crate::store::{FeedRead, FeedWrite};
use rusqlite::params;

impl FeedRead for SqlTx<'_> {
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

    fn latest_seq(&self) -> Result<i64> {
        self.scalar("SELECT COALESCE(MAX(seq), 0) FROM events", [])
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

impl FeedWrite for SqlTx<'_> {
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
}
