//! [`RetentionRead`] and [`RetentionWrite`] over SQLite.

use super::tx::SqlTx;
use crate::error::Result;
use crate::store::retention::search_seq_before;
use crate::store::rows::{self, enc};
use crate::store::{Gone, RetentionRead, RetentionWrite, WorkflowRows};
use rusqlite::params;

/// The learning records' entity kinds: kept forever, so their events never go with a
/// workflow or session.
const LEARNING: &str =
    "('failure', 'estimate', 'retrospective', 'spike', 'agent_log', 'complexity_snapshot', 'pattern_usage')";

/// Whether the event belongs to one of the workflows in the JSON array parameter `list` or to one of their
/// sessions; false, never NULL, for an event with neither (so `NOT` of it counts it).
fn of_workflows(list: &str) -> String {
    format!(
        "IFNULL((entity NOT IN {LEARNING} AND (
            workflow_id IN (SELECT value FROM json_each({list}))
            OR session_id IN (SELECT id FROM sessions WHERE workflow_id IN (SELECT value FROM json_each({list}))))), 0)"
    )
}

/// Whether the `events` row has a newer event of the same entity at or before the
/// cutoff `?3` and is not one a retained decision points at (its recording event and its
/// latest state hold the decision's document): the state `state_at` reads at any seq from
/// the horizon on is the newest one at or before it, which stays. Timeline events and
/// links are never superseded: they live as long as their session.
fn superseded() -> &'static str {
    "(entity NOT IN ('timeline_event', 'session_task')
      AND EXISTS (SELECT 1 FROM events n INDEXED BY events_entity
                  WHERE n.entity = events.entity AND n.entity NOT IN ('timeline_event', 'session_task')
                    AND n.entity_id = events.entity_id AND n.seq > events.seq AND n.seq <= ?3)
      AND (entity <> 'decision' OR (
            NOT EXISTS (SELECT 1 FROM decisions d WHERE d.seq = events.seq
                        AND d.workflow_id NOT IN (SELECT value FROM json_each(?4)))
            AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.latest_seq = events.seq
                            AND d.workflow_id NOT IN (SELECT value FROM json_each(?4))))))"
}

/// Whether the `events` row belongs to an entity that is gone: its project, workflow or
/// session (learning records outlive the last two), a checkpoint or an agent log, with
/// the gone workflows (`?4`), checkpoints (`?5`) and agent logs recorded at or before
/// `?6` counted as removed (a dry run; a real run passes nothing: the rows are gone).
fn of_gone_entity() -> String {
    format!(
        "(NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = events.project_id)
          OR (entity NOT IN {LEARNING} AND (
                (workflow_id IS NOT NULL AND (workflow_id IN (SELECT value FROM json_each(?4))
                    OR NOT EXISTS (SELECT 1 FROM workflows w WHERE w.id = events.workflow_id)))
                OR (session_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM sessions s WHERE s.id = events.session_id
                      AND (s.workflow_id IS NULL OR s.workflow_id NOT IN (SELECT value FROM json_each(?4)))))))
          OR (entity = 'checkpoint' AND NOT EXISTS (
                SELECT 1 FROM checkpoints c WHERE c.id = events.entity_id
                  AND c.id NOT IN (SELECT value FROM json_each(?5))))
          OR (entity = 'agent_log' AND NOT EXISTS (
                SELECT 1 FROM learning_records r WHERE r.id = events.entity_id AND r.at > ?6)))"
    )
}

/// Whether the `events` row is one retained state no longer needs (see [`superseded`]
/// and [`of_gone_entity`]).
fn compactable() -> String {
    format!("({} OR {})", superseded(), of_gone_entity())
}

/// The events at or below `?1` of the entities that have events in `(?1, ?2]`, for the
/// superseded ones below a compaction range: an entity written again since the last
/// prune leaves its older versions behind there.
fn below_range() -> &'static str {
    "seq <= ?1 AND (entity, entity_id) IN (
        SELECT entity, entity_id FROM events
        WHERE seq > ?1 AND seq <= ?2 AND entity NOT IN ('timeline_event', 'session_task'))"
}

fn gone_params(g: &Gone) -> Result<(String, String)> {
    Ok((enc(&g.workflows)?, enc(&g.checkpoints)?))
}

impl RetentionRead for SqlTx<'_> {
    fn feed_horizon(&self) -> Result<i64> {
        self.scalar("SELECT horizon FROM feed_state", [])
    }

    fn compacted_upto(&self) -> Result<i64> {
        self.scalar("SELECT compacted FROM feed_state", [])
    }

    fn seq_before(&self, at_ms: i64) -> Result<i64> {
        let range = (
            self.scalar("SELECT COALESCE(MIN(seq), 0) FROM events", [])?,
            self.scalar("SELECT COALESCE(MAX(seq), 0) FROM events", [])?,
        );
        search_seq_before(
            range,
            at_ms,
            |from| {
                self.one(
                    "SELECT seq, at FROM events WHERE seq >= ?1 ORDER BY seq LIMIT 1",
                    [from],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            },
            |upto| self.scalar("SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq <= ?1", [upto]),
        )
    }

    fn ended_workflows(&self, ended_before_ms: i64, limit: usize) -> Result<Vec<(String, String)>> {
        self.all(
            "SELECT id, project_id FROM workflows
             WHERE status IN ('completed', 'failed') AND ended_at IS NOT NULL AND ended_at <= ?1
             ORDER BY ended_at, id LIMIT ?2",
            params![ended_before_ms, limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn workflow_needed_by(&self, workflow: &str) -> Result<Option<String>> {
        let checks: [(&str, &str); 9] = [
            (
                "SELECT id || ' is still ' || status FROM sessions
                 WHERE workflow_id = ?1 AND status NOT IN ('completed', 'failed', 'stopped') LIMIT 1",
                "session",
            ),
            (
                "SELECT c.id || ' names session ' || c.session_id FROM sessions s
                 JOIN checkpoints c ON c.session_id = s.id
                 WHERE s.workflow_id = ?1 AND c.workflow_id <> ?1 LIMIT 1",
                "checkpoint",
            ),
            (
                "SELECT t.id || ' depends on ' || d.depends_on FROM task_deps d
                 JOIN tasks t ON t.id = d.task_id JOIN tasks u ON u.id = d.depends_on
                 WHERE u.workflow_id = ?1 AND t.workflow_id IS NOT ?1 LIMIT 1",
                "task",
            ),
            (
                "SELECT t.id || ' is a subtask of ' || t.parent_id FROM tasks t JOIN tasks u ON u.id = t.parent_id
                 WHERE u.workflow_id = ?1 AND t.workflow_id IS NOT ?1 LIMIT 1",
                "task",
            ),
            (
                "SELECT s.id || ' is a child of ' || s.parent_session_id FROM sessions s
                 JOIN sessions p ON p.id = s.parent_session_id
                 WHERE p.workflow_id = ?1 AND s.workflow_id IS NOT ?1 LIMIT 1",
                "session",
            ),
            (
                "SELECT l.session_id || ' works on ' || l.task_id FROM tasks t
                 JOIN session_tasks l ON l.task_id = t.id JOIN sessions s ON s.id = l.session_id
                 WHERE t.workflow_id = ?1 AND s.workflow_id IS NOT ?1 LIMIT 1",
                "session",
            ),
            (
                "SELECT l.session_id || ' works on ' || l.task_id FROM sessions s
                 JOIN session_tasks l ON l.session_id = s.id JOIN tasks t ON t.id = l.task_id
                 WHERE s.workflow_id = ?1 AND t.workflow_id IS NOT ?1 LIMIT 1",
                "session",
            ),
            (
                "SELECT q.session_id || ' has queued ' || q.task_id FROM tasks t
                 JOIN queue_items q ON q.task_id = t.id JOIN sessions s ON s.id = q.session_id
                 WHERE t.workflow_id = ?1 AND s.workflow_id IS NOT ?1 LIMIT 1",
                "session",
            ),
            (
                "SELECT q.session_id || ' has queued ' || q.task_id FROM sessions s
                 JOIN queue_items q ON q.session_id = s.id JOIN tasks t ON t.id = q.task_id
                 WHERE s.workflow_id = ?1 AND t.workflow_id IS NOT ?1 LIMIT 1",
                "session",
            ),
        ];
        for (sql, entity) in checks {
            if let Some(why) = self.one(sql, [workflow], |r| r.get::<String>(0))? {
                return Ok(Some(format!("{entity} {why}")));
            }
        }
        Ok(None)
    }

    fn tasks_of_workflow(&self, workflow: &str) -> Result<Vec<crate::task::model::Task>> {
        self.all(
            &format!(
                "SELECT {} FROM tasks t WHERE t.workflow_id = ?1 ORDER BY t.created_at, t.id",
                rows::TASK
            ),
            [workflow],
            rows::task,
        )
    }

    fn workflow_rows(&self, workflow: &str) -> Result<WorkflowRows> {
        let n = |sql: &str| -> Result<usize> { Ok(self.scalar(sql, [workflow])? as usize) };
        Ok(WorkflowRows {
            sessions: n("SELECT COUNT(*) FROM sessions WHERE workflow_id = ?1")?,
            tasks: n("SELECT COUNT(*) FROM tasks WHERE workflow_id = ?1")?,
            decisions: n("SELECT COUNT(*) FROM decisions WHERE workflow_id = ?1")?,
            checkpoints: n("SELECT COUNT(*) FROM checkpoints WHERE workflow_id = ?1")?,
            queue_items: n(
                "SELECT COUNT(*) FROM queue_items WHERE session_id IN (SELECT id FROM sessions WHERE workflow_id = ?1)",
            )?,
            timeline_events: n("SELECT COUNT(*) FROM events WHERE entity = 'timeline_event'
                 AND session_id IN (SELECT id FROM sessions WHERE workflow_id = ?1)")?,
        })
    }

    fn workflow_last_seq(&self, workflow: &str) -> Result<i64> {
        let own = self.scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE workflow_id = ?1",
            [workflow],
        )?;
        // Per session, the max by the index (one row each), not a scan of every event.
        let sessions = self.scalar(
            "SELECT COALESCE(MAX((SELECT MAX(e.seq) FROM events e WHERE e.session_id = s.id)), 0)
             FROM sessions s WHERE s.workflow_id = ?1",
            [workflow],
        )?;
        Ok(own.max(sessions))
    }

    fn event_time(&self, seq: i64) -> Result<Option<i64>> {
        self.one("SELECT at FROM events WHERE seq = ?1", [seq], |r| r.get(0))
    }

    fn surplus_checkpoints(&self, keep: usize, except: &[String]) -> Result<Vec<String>> {
        self.all(
            "SELECT id FROM (
                SELECT id, at, ROW_NUMBER() OVER (PARTITION BY workflow_id ORDER BY at DESC, id DESC) AS newest
                FROM checkpoints WHERE workflow_id NOT IN (SELECT value FROM json_each(?2)))
             WHERE newest > ?1 ORDER BY at, id",
            params![keep as i64, enc(&except)?],
            |r| r.get(0),
        )
    }

    fn count_agent_logs_before(&self, before_ms: i64) -> Result<usize> {
        Ok(self.scalar(
            "SELECT COUNT(*) FROM learning_records WHERE kind = 'agent_log' AND at <= ?1",
            [before_ms],
        )? as usize)
    }

    fn count_docs_cache_due(&self, stored_before_ms: i64, now_ms: i64) -> Result<usize> {
        Ok(self.scalar(
            "SELECT COUNT(*) FROM docs_cache WHERE stored_at <= ?1 OR expires_at <= ?2",
            [stored_before_ms, now_ms],
        )? as usize)
    }

    fn count_workflow_events(&self, gone: &[String], upto: i64) -> Result<usize> {
        // Two index lookups (by workflow, by session), not one scan with an OR.
        Ok(self.scalar(
            &format!(
                "SELECT COUNT(*) FROM (
                    SELECT seq FROM events WHERE workflow_id IN (SELECT value FROM json_each(?1))
                        AND seq <= ?2 AND entity NOT IN {LEARNING}
                    UNION
                    SELECT seq FROM events WHERE session_id IN (
                        SELECT id FROM sessions WHERE workflow_id IN (SELECT value FROM json_each(?1)))
                        AND seq <= ?2 AND entity NOT IN {LEARNING})"
            ),
            params![enc(&gone)?, upto],
        )? as usize)
    }

    fn count_compactable(&self, after: i64, upto: i64, cutoff: i64, gone: &Gone) -> Result<usize> {
        let (w, c) = gone_params(gone)?;
        let in_range = self.scalar(
            &format!(
                "SELECT COUNT(*) FROM events WHERE seq > ?1 AND seq <= ?2 AND NOT {} AND {}",
                of_workflows("?4"),
                compactable()
            ),
            params![after, upto, cutoff, w, c, gone.agent_logs_before],
        )?;
        // Below the range: what the real run deletes there, with the gone rows and the
        // newer versions in the range.
        let gone_rows = "seq <= ?1 AND (
            (entity = 'checkpoint' AND entity_id IN (SELECT value FROM json_each(?5)))
            OR (entity = 'agent_log' AND entity_id IN (
                SELECT id FROM learning_records WHERE kind = 'agent_log' AND at <= ?6)))";
        let below = self.scalar(
            &format!(
                "SELECT COUNT(*) FROM events WHERE NOT {} AND (({gone_rows}) OR (NOT ({gone_rows}) AND {} AND {}))",
                of_workflows("?4"),
                below_range(),
                superseded()
            ),
            params![after, upto, cutoff, w, c, gone.agent_logs_before],
        )?;
        Ok((in_range + below) as usize)
    }
}

impl RetentionWrite for SqlTx<'_> {
    fn prune_workflow(&mut self, workflow: &str, horizon: i64) -> Result<usize> {
        // Two index lookups (by workflow, by session), not one scan with an OR.
        let events = self.exec(
            &format!("DELETE FROM events WHERE workflow_id = ?1 AND seq <= ?2 AND entity NOT IN {LEARNING}"),
            params![workflow, horizon],
        )? + self.exec(
            &format!(
                "DELETE FROM events WHERE session_id IN (SELECT id FROM sessions WHERE workflow_id = ?1)
                   AND seq <= ?2 AND entity NOT IN {LEARNING}"
            ),
            params![workflow, horizon],
        )?;
        self.exec("DELETE FROM workflows WHERE id = ?1", [workflow])?;
        Ok(events)
    }

    fn raise_horizon(&mut self, upto: i64) -> Result<i64> {
        let newest = self.scalar("SELECT COALESCE(MAX(seq), 0) FROM events", [])?;
        // The newest event stays: seq is max + 1, and must never be reused.
        let upto = upto.min(newest - 1).max(0);
        self.exec("UPDATE feed_state SET horizon = MAX(horizon, ?1)", [upto])?;
        self.feed_horizon()
    }

    fn compact_events(&mut self, after: i64, upto: i64, cutoff: i64) -> Result<usize> {
        let upto = upto.min(self.feed_horizon()?);
        if upto <= after {
            return Ok(0);
        }
        let below = self.exec(
            &format!("DELETE FROM events WHERE {} AND {}", below_range(), superseded()),
            params![after, upto, cutoff, "[]"],
        )?;
        let n = self.exec(
            &format!("DELETE FROM events WHERE seq > ?1 AND seq <= ?2 AND {}", compactable()),
            params![after, upto, cutoff, "[]", "[]", 0_i64],
        )? + below;
        self.exec("UPDATE feed_state SET compacted = MAX(compacted, ?1)", [upto])?;
        Ok(n)
    }

    fn delete_checkpoint(&mut self, id: &str, horizon: i64) -> Result<usize> {
        let events = self.exec(
            "DELETE FROM events WHERE entity = 'checkpoint' AND entity_id = ?1 AND seq <= ?2",
            params![id, horizon],
        )?;
        self.exec("DELETE FROM checkpoints WHERE id = ?1", [id])?;
        Ok(events)
    }

    fn delete_agent_logs_before(&mut self, before_ms: i64, limit: usize, horizon: i64) -> Result<(usize, usize)> {
        let ids: Vec<String> = self.all(
            "SELECT id FROM learning_records WHERE kind = 'agent_log' AND at <= ?1 LIMIT ?2",
            params![before_ms, limit as i64],
            |r| r.get(0),
        )?;
        let list = enc(&ids)?;
        let events = self.exec(
            "DELETE FROM events WHERE entity = 'agent_log' AND entity_id IN (SELECT value FROM json_each(?1))
               AND seq <= ?2",
            params![list, horizon],
        )?;
        let rows = self.exec(
            "DELETE FROM learning_records WHERE kind = 'agent_log' AND id IN (SELECT value FROM json_each(?1))",
            [&list],
        )?;
        Ok((rows, events))
    }

    fn delete_docs_cache_due(&mut self, stored_before_ms: i64, now_ms: i64) -> Result<usize> {
        self.exec(
            "DELETE FROM docs_cache WHERE stored_at <= ?1 OR expires_at <= ?2",
            [stored_before_ms, now_ms],
        )
    }
}
