//! [`DecisionRead`] and [`DecisionWrite`] over SQLite.

use super::tx::{fts5_query, Query, SqlTx};
use crate::decision::model::{CategoryDef, Decision, DecisionFilter};
use crate::error::{Error, Result};
use crate::store::rows;
use crate::store::{DecisionRead, DecisionWrite, Recency};
use rusqlite::params;
use rusqlite::types::Value;

impl DecisionRead for SqlTx<'_> {
    fn decision(&self, id: &str) -> Result<Option<Decision>> {
        self.one(
            &format!(
                "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq
                 WHERE d.seq IN (SELECT seq FROM events INDEXED BY events_entity
                                 WHERE entity = 'decision' AND entity NOT IN ('timeline_event', 'session_task')
                                   AND entity_id = ?1)",
                rows::DECISION
            ),
            [id],
            rows::decision,
        )
    }

    fn decisions(&self, f: &DecisionFilter, limit: usize, order: Recency) -> Result<Vec<Decision>> {
        let head = format!(
            "SELECT {} FROM decisions d JOIN events e ON e.seq = d.latest_seq WHERE 1 = ?1",
            rows::DECISION
        );
        let mut q = decision_query(head, 1, f);
        q.order_limit(&order.order_by("d.seq"), limit);
        self.query(&q, rows::decision)
    }

    fn search_decisions(&self, words: &[String], f: &DecisionFilter, limit: usize) -> Result<Vec<Decision>> {
        let query = fts5_query(words, " ");
        let query = query.as_str();
        // FTS5's ranked hits, then the decisions recorded since the index was last filled
        // (a read-only handle never fills it), matched by their words, oldest first.
        let tail = words
            .iter()
            .map(|w| {
                format!(
                    "instr(lower(coalesce(t.payload ->> '$.decision', '') || ' ' || coalesce(t.payload ->> '$.rationale', '')), '{}') > 0",
                    w.to_lowercase().replace('\'', "''")
                )
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        let hits = format!(
            "SELECT rowid AS seq, rank AS r, 0 AS tail FROM decisions_fts WHERE decisions_fts MATCH ?1
             UNION ALL
             SELECT td.seq, 0, 1 FROM decisions td JOIN events t ON t.seq = td.seq
             WHERE td.seq > (SELECT indexed_upto FROM decisions_fts_state) AND {tail}"
        );
        if *f == DecisionFilter::default() {
            // Unfiltered: ranked and limited before joining, so only the winners are read.
            let sql = format!(
                "SELECT {} FROM ({hits} ORDER BY tail, r, seq LIMIT {limit}) hit
                 JOIN decisions d ON d.seq = hit.seq JOIN events e ON e.seq = d.latest_seq
                 ORDER BY hit.tail, hit.r, d.seq",
                rows::DECISION
            );
            return self.all(&sql, [query], rows::decision);
        }
        let head = format!(
            "SELECT {} FROM ({hits}) hit JOIN decisions d ON d.seq = hit.seq
             JOIN events e ON e.seq = d.latest_seq WHERE ?1 IS NOT NULL",
            rows::DECISION
        );
        let mut q = decision_query(head, query.to_owned(), f);
        q.order_limit("hit.tail, hit.r, d.seq", limit);
        self.query(&q, rows::decision)
    }

    fn decisions_unindexed(&self) -> Result<bool> {
        Ok(self.scalar(
            "SELECT EXISTS (SELECT 1 FROM decisions WHERE seq > (SELECT indexed_upto FROM decisions_fts_state))",
            [],
        )? == 1)
    }

    fn decision_category(&self, project: &str, name: &str) -> Result<Option<CategoryDef>> {
        self.one(
            &format!(
                "SELECT {} FROM decision_categories WHERE project_id = ?1 AND name = ?2",
                rows::CATEGORY
            ),
            [project, name],
            rows::category,
        )
    }

    fn decision_categories(&self, project: &str) -> Result<Vec<CategoryDef>> {
        self.all(
            &format!(
                "SELECT {} FROM decision_categories WHERE project_id = ?1 ORDER BY name",
                rows::CATEGORY
            ),
            [project],
            rows::category,
        )
    }
}

/// The decision query `head` (whose `?1` is `first`) narrowed by every set filter field.
fn decision_query(head: String, first: impl Into<Value>, f: &DecisionFilter) -> Query {
    let mut q = Query::new(head, first);
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

impl DecisionWrite for SqlTx<'_> {
    fn insert_decision(&mut self, d: &Decision, seq: i64) -> Result<()> {
        let subject = d.subject.clone().unwrap_or_default();
        self.exec(
            "INSERT INTO decisions (seq, workflow_id, project_id, category, subject_category, technology, pattern, outcome, latest_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?1)",
            params![
                seq,
                d.workflow_id.as_str(),
                d.project_id.as_str(),
                d.category,
                subject.category,
                subject.technology,
                subject.pattern,
                d.outcome().map(|o| o.status.as_str()),
            ],
        )?;
        Ok(())
    }

    fn update_decision_outcome(&mut self, d: &Decision, latest_seq: i64) -> Result<()> {
        let n = self.exec(
            "UPDATE decisions SET outcome = ?2, latest_seq = ?3
             WHERE seq IN (SELECT seq FROM events INDEXED BY events_entity
                           WHERE entity = 'decision' AND entity NOT IN ('timeline_event', 'session_task')
                             AND entity_id = ?1)",
            params![d.id.as_str(), d.outcome().map(|o| o.status.as_str()), latest_seq],
        )?;
        if n != 1 {
            return Err(Error::not_found("decision", d.id.as_str()));
        }
        Ok(())
    }

    fn index_decisions(&mut self) -> Result<usize> {
        let n = self.exec(
            "INSERT INTO decisions_fts (rowid, decision, rationale)
             SELECT d.seq, e.payload ->> '$.decision', e.payload ->> '$.rationale'
             FROM decisions d JOIN events e ON e.seq = d.seq
             WHERE d.seq > (SELECT indexed_upto FROM decisions_fts_state)",
            [],
        )?;
        self.exec(
            "UPDATE decisions_fts_state SET indexed_upto = MAX(indexed_upto, (SELECT COALESCE(MAX(seq), 0) FROM decisions))",
            [],
        )?;
        Ok(n)
    }

    fn insert_decision_category(&mut self, c: &CategoryDef) -> Result<()> {
        self.exec(
            &format!(
                "INSERT INTO decision_categories ({}) VALUES (?1, ?2, ?3, ?4)",
                rows::CATEGORY
            ),
            params![c.project_id.as_str(), c.name, c.description, c.created_at.0],
        )?;
        Ok(())
    }
}
