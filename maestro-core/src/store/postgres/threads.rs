//! [`ThreadRead`] and [`ThreadWrite`] over PostgreSQL.

use super::tx::{PgTx, Query};
use crate::error::Result;
use crate::store::rows;
use crate::store::{ThreadRead, ThreadWrite};
use crate::thread::model::{PendingWrite, Thread, ThreadCheckpoint, ThreadQuery};

/// Every checkpoint with its rank in its thread and namespace, newest first.
const SURPLUS: &str = "SELECT ctid AS r, ROW_NUMBER() OVER (PARTITION BY project_id, thread_id, checkpoint_ns \
                       ORDER BY checkpoint_id DESC) AS rn FROM thread_checkpoints";

impl PgTx<'_> {
    fn with_writes(&self, mut list: Vec<ThreadCheckpoint>) -> Result<Vec<ThreadCheckpoint>> {
        crate::store::threads::attach_writes(&mut list, &|project, thread, ns, lo, hi| {
            self.all(
                &format!(
                    "SELECT {}, checkpoint_id FROM thread_writes WHERE project_id = $1 AND thread_id = $2 \
                     AND checkpoint_ns = $3 AND checkpoint_id BETWEEN $4 AND $5 \
                     ORDER BY checkpoint_id, task_id, idx",
                    rows::THREAD_WRITE
                ),
                &[&project, &thread, &ns, &lo, &hi],
                |r| Ok((r.get(6)?, rows::thread_write(r)?)),
            )
        })?;
        Ok(list)
    }
}

impl ThreadRead for PgTx<'_> {
    fn thread(&self, project: &str, thread: &str) -> Result<Option<Thread>> {
        self.one(
            &format!(
                "SELECT {} FROM threads WHERE project_id = $1 AND thread_id = $2",
                rows::THREAD
            ),
            &[&project, &thread],
            rows::thread,
        )
    }

    fn threads(&self, project: &str) -> Result<Vec<Thread>> {
        self.all(
            &format!(
                "SELECT {} FROM threads WHERE project_id = $1 ORDER BY thread_id",
                rows::THREAD
            ),
            &[&project],
            rows::thread,
        )
    }

    fn thread_checkpoint(
        &self,
        project: &str,
        thread: &str,
        ns: &str,
        id: Option<&str>,
    ) -> Result<Option<ThreadCheckpoint>> {
        let head = format!(
            "SELECT {} FROM thread_checkpoints WHERE project_id = $1 AND thread_id = $2 AND checkpoint_ns = $3",
            rows::THREAD_CHECKPOINT
        );
        let found = match id {
            Some(id) => self.one(
                &format!("{head} AND checkpoint_id = $4"),
                &[&project, &thread, &ns, &id],
                rows::thread_checkpoint,
            )?,
            None => self.one(
                &format!("{head} ORDER BY checkpoint_id DESC LIMIT 1"),
                &[&project, &thread, &ns],
                rows::thread_checkpoint,
            )?,
        };
        Ok(self.with_writes(found.into_iter().collect())?.pop())
    }

    fn thread_checkpoints(&self, project: &str, q: &ThreadQuery) -> Result<Vec<ThreadCheckpoint>> {
        let mut query = Query::new(String::new());
        let p = query.bind(project.to_owned());
        query.sql = format!(
            "SELECT {} FROM thread_checkpoints WHERE project_id = {p}",
            rows::THREAD_CHECKPOINT
        );
        query
            .and("thread_id = ?", q.thread_id.clone())
            .and("checkpoint_ns = ?", q.checkpoint_ns.clone())
            .and("checkpoint_id = ?", q.checkpoint_id.clone())
            .and("checkpoint_id < ?", q.before.clone());
        // Narrows by the text of scalar values (`json`, not `jsonb`, which refuses a
        // stored `\u0000`); the caller compares the whole value exactly.
        for (key, value) in q.filter.iter().flatten() {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) if n.is_i64() => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            let k = query.bind(key.clone());
            let v = query.bind(text);
            query.sql.push_str(&format!(" AND metadata::json ->> {k} = {v}"));
        }
        let limit = match (&q.filter, q.limit) {
            (None, Some(l)) => l,
            _ => usize::MAX,
        };
        query.order_limit("checkpoint_id DESC", limit);
        self.with_writes(self.query(&query, rows::thread_checkpoint)?)
    }

    fn thread_writes(&self, project: &str, thread: &str, ns: &str, checkpoint: &str) -> Result<Vec<PendingWrite>> {
        self.all(
            &format!(
                "SELECT {} FROM thread_writes WHERE project_id = $1 AND thread_id = $2 AND checkpoint_ns = $3 \
                 AND checkpoint_id = $4 ORDER BY task_id, idx",
                rows::THREAD_WRITE
            ),
            &[&project, &thread, &ns, &checkpoint],
            rows::thread_write,
        )
        .map(rows::in_task_path_order)
    }

    fn all_thread_writes(&self, project: &str, thread: &str) -> Result<Vec<(String, String, PendingWrite)>> {
        self.all(
            &format!(
                "SELECT {}, checkpoint_ns, checkpoint_id FROM thread_writes WHERE project_id = $1 AND thread_id = $2 \
                 ORDER BY checkpoint_ns, checkpoint_id, task_path, task_id, idx",
                rows::THREAD_WRITE
            ),
            &[&project, &thread],
            |r| Ok((r.get(6)?, r.get(7)?, rows::thread_write(r)?)),
        )
    }

    fn count_surplus_thread_checkpoints(&self, keep: usize) -> Result<usize> {
        Ok(self.scalar(
            &format!("SELECT COUNT(*) FROM ({SURPLUS}) s WHERE rn > $1"),
            &[&(keep as i64)],
        )? as usize)
    }

    fn count_thread_checkpoints(&self, project: &str, thread: &str) -> Result<usize> {
        Ok(self.scalar(
            "SELECT COUNT(*) FROM thread_checkpoints WHERE project_id = $1 AND thread_id = $2",
            &[&project, &thread],
        )? as usize)
    }
}

impl ThreadWrite for PgTx<'_> {
    fn upsert_thread(&mut self, t: &Thread) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO threads ({}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, thread_id) \
                 DO UPDATE SET session_id = excluded.session_id, workflow_id = excluded.workflow_id, \
                 updated_at = excluded.updated_at",
                rows::THREAD
            ),
            &[
                &t.thread_id,
                &t.project_id.as_str(),
                &t.session_id.as_ref().map(|s| s.as_str()),
                &t.workflow_id.as_ref().map(|w| w.as_str()),
                &t.created_at.0,
                &t.updated_at.0,
            ],
        )?;
        Ok(())
    }

    fn put_thread_checkpoint(&mut self, c: &ThreadCheckpoint) -> Result<()> {
        let blob = c
            .checkpoint
            .as_ref()
            .ok_or_else(|| crate::Error::Internal("a checkpoint stored without its blob".into()))?;
        self.exec(
            &format!(
                "INSERT INTO thread_checkpoints ({}, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (project_id, thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET \
                 parent_id = excluded.parent_id, metadata = excluded.metadata, created_at = excluded.created_at, \
                 type = excluded.type, data = excluded.data, run_id = excluded.run_id",
                rows::THREAD_CHECKPOINT
            ),
            &[
                &c.project_id.as_str(),
                &c.thread_id,
                &c.checkpoint_ns,
                &c.checkpoint_id,
                &c.parent_id,
                &c.metadata.to_string(),
                &c.created_at.0,
                &blob.kind,
                &blob.data,
                &c.run_id(),
            ],
        )?;
        Ok(())
    }

    fn put_thread_writes(
        &mut self,
        project: &str,
        thread: &str,
        ns: &str,
        checkpoint: &str,
        writes: &[PendingWrite],
    ) -> Result<()> {
        for w in writes {
            let on_conflict = if w.idx < 0 {
                "DO UPDATE SET channel = excluded.channel, type = excluded.type, data = excluded.data, \
                 task_path = excluded.task_path"
            } else {
                "DO NOTHING"
            };
            self.exec(
                &format!(
                    "INSERT INTO thread_writes (project_id, thread_id, checkpoint_ns, checkpoint_id, {}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (project_id, thread_id, \
                     checkpoint_ns, checkpoint_id, task_id, idx) {on_conflict}",
                    rows::THREAD_WRITE
                ),
                &[
                    &project,
                    &thread,
                    &ns,
                    &checkpoint,
                    &w.task_id,
                    &w.idx,
                    &w.channel,
                    &w.value.kind,
                    &w.value.data,
                    &w.task_path,
                ],
            )?;
        }
        Ok(())
    }

    fn delete_thread_checkpoints(&mut self, project: &str, thread: &str, keep_latest: bool) -> Result<usize> {
        if keep_latest {
            self.exec(
                "DELETE FROM thread_writes AS w WHERE w.project_id = $1 AND w.thread_id = $2 AND EXISTS \
                 (SELECT 1 FROM thread_checkpoints l WHERE l.project_id = w.project_id AND l.thread_id = w.thread_id \
                 AND l.checkpoint_ns = w.checkpoint_ns AND l.checkpoint_id > w.checkpoint_id)",
                &[&project, &thread],
            )?;
            Ok(self.exec(
                "DELETE FROM thread_checkpoints AS c WHERE c.project_id = $1 AND c.thread_id = $2 AND EXISTS \
                 (SELECT 1 FROM thread_checkpoints l WHERE l.project_id = c.project_id AND l.thread_id = c.thread_id \
                 AND l.checkpoint_ns = c.checkpoint_ns AND l.checkpoint_id > c.checkpoint_id)",
                &[&project, &thread],
            )? as usize)
        } else {
            self.exec(
                "DELETE FROM thread_writes WHERE project_id = $1 AND thread_id = $2",
                &[&project, &thread],
            )?;
            Ok(self.exec(
                "DELETE FROM thread_checkpoints WHERE project_id = $1 AND thread_id = $2",
                &[&project, &thread],
            )? as usize)
        }
    }

    fn delete_thread_row(&mut self, project: &str, thread: &str) -> Result<()> {
        self.exec(
            "DELETE FROM threads WHERE project_id = $1 AND thread_id = $2",
            &[&project, &thread],
        )?;
        Ok(())
    }

    fn delete_thread_runs(&mut self, project: &str, runs: &[String]) -> Result<Vec<(String, usize)>> {
        let gone = self.all(
            "DELETE FROM thread_checkpoints WHERE project_id = $1 AND run_id = ANY($2) \
             RETURNING thread_id, checkpoint_ns, checkpoint_id",
            &[&project, &runs],
            |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?, r.get::<String>(2)?)),
        )?;
        let mut touched: Vec<(String, usize)> = Vec::new();
        for (thread, ns, id) in gone {
            self.exec(
                "DELETE FROM thread_writes WHERE project_id = $1 AND thread_id = $2 AND checkpoint_ns = $3 \
                 AND checkpoint_id = $4",
                &[&project, &thread, &ns, &id],
            )?;
            match touched.iter_mut().find(|(t, _)| *t == thread) {
                Some((_, n)) => *n += 1,
                None => touched.push((thread, 1)),
            }
        }
        Ok(touched)
    }

    fn copy_thread_rows(&mut self, project: &str, source: &str, target: &str) -> Result<usize> {
        let n = self.exec(
            "INSERT INTO thread_checkpoints (project_id, thread_id, checkpoint_ns, checkpoint_id, parent_id, \
             metadata, created_at, type, data, run_id) SELECT project_id, $3, checkpoint_ns, checkpoint_id, \
             parent_id, metadata, created_at, type, data, run_id FROM thread_checkpoints \
             WHERE project_id = $1 AND thread_id = $2 ON CONFLICT (project_id, thread_id, checkpoint_ns, \
             checkpoint_id) DO UPDATE SET parent_id = excluded.parent_id, metadata = excluded.metadata, \
             created_at = excluded.created_at, type = excluded.type, data = excluded.data, run_id = excluded.run_id",
            &[&project, &source, &target],
        )?;
        self.exec(
            "INSERT INTO thread_writes (project_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx, \
             channel, type, data, task_path) SELECT project_id, $3, checkpoint_ns, checkpoint_id, task_id, idx, \
             channel, type, data, task_path FROM thread_writes WHERE project_id = $1 AND thread_id = $2 \
             ON CONFLICT (project_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO UPDATE SET \
             channel = excluded.channel, type = excluded.type, data = excluded.data, task_path = excluded.task_path",
            &[&project, &source, &target],
        )?;
        Ok(n as usize)
    }

    fn delete_surplus_thread_checkpoints(&mut self, keep: usize, limit: usize) -> Result<Vec<(String, String)>> {
        let gone = self.all(
            &format!(
                "DELETE FROM thread_checkpoints WHERE ctid IN (SELECT r FROM ({SURPLUS}) s WHERE rn > $1 LIMIT $2) \
                 RETURNING project_id, thread_id, checkpoint_ns, checkpoint_id"
            ),
            &[&(keep as i64), &(limit as i64)],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                ))
            },
        )?;
        let mut out = Vec::with_capacity(gone.len());
        for (project, thread, ns, id) in gone {
            self.exec(
                "DELETE FROM thread_writes WHERE project_id = $1 AND thread_id = $2 AND checkpoint_ns = $3 \
                 AND checkpoint_id = $4",
                &[&project, &thread, &ns, &id],
            )?;
            out.push((project, thread));
        }
        Ok(out)
    }

    fn unlink_threads_of_workflow(&mut self, workflow: &str) -> Result<usize> {
        Ok(self.exec(
            "UPDATE threads SET session_id = NULL, workflow_id = NULL WHERE workflow_id = $1 \
             OR session_id IN (SELECT id FROM sessions WHERE workflow_id = $1)",
            &[&workflow],
        )? as usize)
    }
}
