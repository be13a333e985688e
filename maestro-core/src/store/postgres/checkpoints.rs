//! [`CheckpointRead`] and [`CheckpointWrite`] over PostgreSQL.

use super::tx::PgTx;
use crate::checkpoint::model::Checkpoint;
use crate::error::Result;
use crate::store::rows::{self, enc};
use crate::store::{CheckpointRead, CheckpointWrite};

impl CheckpointRead for PgTx<'_> {
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
}

impl CheckpointWrite for PgTx<'_> {
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
}
