//! [`WorkflowRead`] and [`WorkflowWrite`] over PostgreSQL.

use super::tx::PgTx;
use crate::error::Result;
use crate::id::ProjectId;
use crate::store::rows::{self, enc};
use crate::store::{WorkflowRead, WorkflowWrite};
use crate::workflow::model::{HistoryEntry, SpecDocument, SteeringDocument, Vote, Workflow};

impl WorkflowRead for PgTx<'_> {
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
}

impl WorkflowWrite for PgTx<'_> {
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
}
