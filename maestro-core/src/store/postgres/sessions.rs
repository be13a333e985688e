//! [`SessionRead`] and [`SessionWrite`] over PostgreSQL.

use super::tx::{PgTx, Query};
use crate::error::Result;
use crate::session::model::{Session, SessionFilter, SessionHead, TimelineEvent, TimelineType};
use crate::session::status::SessionStatus;
use crate::store::rows::{self, enc};
use crate::store::{SessionRead, SessionWrite};
use crate::time::Timestamp;
use tokio_postgres::types::Type;

impl SessionRead for PgTx<'_> {
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
            .one_planned(
                "SELECT at FROM events WHERE session_id = $1 ORDER BY seq DESC LIMIT 1",
                &[(&session, Type::TEXT)],
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
        // The session's timeline walked back from its newest event, a page at a time, as
        // SQLite does: the event sought is nearly always among the last few. A query
        // filtering on the payload lets the planner gather and sort every timeline event
        // of the session instead (12 ms at 20,000 events).
        let mut before = i64::MAX;
        loop {
            let page = self.all_planned(
                "SELECT seq, payload FROM events WHERE session_id = $1 AND entity = 'timeline_event' AND seq < $2
                 ORDER BY seq DESC LIMIT 64",
                &[(&session, Type::TEXT), (&before, Type::INT8)],
                |r| Ok((r.get::<i64>(0)?, rows::json::<TimelineEvent>(r, 1)?)),
            )?;
            let Some((last, _)) = page.last() else {
                return Ok(None);
            };
            before = *last;
            if let Some((_, e)) = page
                .into_iter()
                .find(|(_, e)| e.kind == kind && e.task_id.as_ref().is_some_and(|t| t.as_str() == task))
            {
                return Ok(Some(e));
            }
        }
    }
}

impl SessionWrite for PgTx<'_> {
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
}
