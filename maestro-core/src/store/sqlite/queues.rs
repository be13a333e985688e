//! [`QueueRead`] and [`QueueWrite`] over SQLite.

use super::tx::SqlTx;
use crate::error::Result;
use crate::queue::model::QueueItem;
use crate::store::rows;
use crate::store::{QueueRead, QueueWrite};
use rusqlite::params;

impl QueueRead for SqlTx<'_> {
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
}

impl QueueWrite for SqlTx<'_> {
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
}
