//! [`DecisionRead`] and [`DecisionWrite`] over PostgreSQL.

use super::tx::{PgTx, Query};
use crate::decision::model::{CategoryDef, Decision, DecisionFilter};
use crate::error::{Error, Result};
use crate::store::rows;
use crate::store::{DecisionRead, DecisionWrite, Recency};

impl DecisionRead for PgTx<'_> {
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

    fn decisions(&self, f: &DecisionFilter, limit: usize, order: Recency) -> Result<Vec<Decision>> {
        let mut q = decision_query(
            Query::new(format!(
                "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq WHERE TRUE",
                rows::DECISION
            )),
            f,
        );
        q.order_limit(&order.order_by("d.seq"), limit);
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

impl DecisionWrite for PgTx<'_> {
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
}
