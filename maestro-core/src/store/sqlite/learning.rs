//! [`LearningRead`] and [`LearningWrite`] over SQLite.

use super::tx::{Query, SqlTx};
use crate::error::{Error, Result};
use crate::learning::model::{
    AdviceFilter, ChoiceIssues, ChoiceKey, ChoiceKind, ChoiceStat, DocsEntry, Failure, IssueCount, PairStat, Record,
    RecordFilter, RecordKind, WorkflowOrdering,
};
use crate::store::rows::{self, enc, CHOICE_STAT, PAIR_STAT, RECORD};
use crate::store::vectors::{from_blob, to_blob, Vectors};
use crate::store::{LearningRead, LearningWrite, Recency};
use rusqlite::params;
use std::sync::Arc;

fn advice_query(head: &str, f: &AdviceFilter) -> Query {
    let mut q = Query::new(format!("{head} WHERE 1 = ?1"), 1_i64);
    q.and("decision_category = ?", f.decision_category.clone())
        .and("subject_category = ?", f.subject_category.clone())
        .and("project_id = ?", f.project_id.clone());
    q
}

impl SqlTx<'_> {
    fn failures_at(&self, seqs: &[(i64, f64)]) -> Result<Vec<(Failure, f64)>> {
        let mut out = Vec::with_capacity(seqs.len());
        for (seq, score) in seqs {
            if let Some(f) = self.one("SELECT doc FROM failures WHERE seq = ?1", [seq], |r| rows::json(r, 0))? {
                out.push((f, *score));
            }
        }
        Ok(out)
    }

    /// The vectors as of this snapshot: the shared copy, brought up to date if needed.
    fn vectors_now(&self) -> Result<(Arc<Vectors>, usize)> {
        let (generation, dim, max_seq): (i64, Option<i64>, i64) = self
            .one(
                "SELECT generation, embedding_dim, (SELECT COALESCE(MAX(seq), 0) FROM failures) FROM learning_meta",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
            .ok_or_else(|| Error::Internal("learning_meta has no row".into()))?;
        let dim = dim.unwrap_or(0) as usize;
        let mut slot = self.vectors.0.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = || {
            Arc::new(Vectors {
                generation,
                dim,
                ..Default::default()
            })
        };
        let reusable = slot.as_ref().filter(|v| v.generation == generation && v.dim == dim);
        // `publish`: whether this snapshot's copy replaces the shared one afterwards.
        let (mut current, publish) = match reusable {
            // A write transaction sees its own uncommitted rows: it extends a private copy
            // (`make_mut` copies while the slot still holds the shared one).
            Some(v) if self.writer => (v.clone(), false),
            // Taken out of the slot, so extending it copies nothing.
            Some(_) => (slot.take().unwrap_or_else(fresh), true),
            // Another generation: a newer one stays for the readers that can see it.
            None => (
                fresh(),
                !self.writer && slot.as_ref().is_none_or(|v| v.generation < generation),
            ),
        };
        if current.max_seq < max_seq {
            let rows = self.all(
                "SELECT seq, project_id, embedding FROM failures WHERE seq > ?1 AND embedding IS NOT NULL ORDER BY seq",
                [current.max_seq],
                |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<Vec<u8>>(2)?)),
            )?;
            let v = Arc::make_mut(&mut current);
            for (seq, project, blob) in rows {
                v.push(seq, &project, &from_blob(&blob));
            }
            v.max_seq = v.max_seq.max(max_seq);
        }
        let upto = current.seqs.partition_point(|s| *s <= max_seq);
        if publish {
            *slot = Some(current.clone());
        }
        Ok((current, upto))
    }
}

impl LearningRead for SqlTx<'_> {
    fn advice_stat(&self, k: &ChoiceKey) -> Result<Option<ChoiceStat>> {
        self.one(
            &format!(
                "SELECT {CHOICE_STAT} FROM advice_stats WHERE decision_category = ?1 AND subject_category = ?2 \
                 AND kind = ?3 AND name = ?4 AND project_id = ?5"
            ),
            params![
                k.decision_category,
                k.subject_category,
                k.kind.as_str(),
                k.name,
                k.project_id.as_str()
            ],
            rows::choice_stat,
        )
    }

    fn advice_stats(&self, f: &AdviceFilter) -> Result<Vec<ChoiceStat>> {
        let mut q = advice_query(&format!("SELECT {CHOICE_STAT} FROM advice_stats"), f);
        q.order_limit(
            "decision_category, subject_category, kind, name, project_id",
            usize::MAX,
        );
        self.query(&q, rows::choice_stat)
    }

    fn advice_issues(&self, f: &AdviceFilter) -> Result<Vec<ChoiceIssues>> {
        // The primary key, not the project index, so the scan needs no lookups, in key
        // order, so the rows of one choice are consecutive and its names are decoded once
        // (a GROUP BY sorting strings in a temporary b-tree cost ten times the scan).
        let mut q = Query::new(
            "SELECT decision_category, subject_category, kind, name, project_id, issue, count FROM advice_issues \
             WHERE 1 = ?1"
                .to_owned(),
            1_i64,
        );
        q.and("decision_category = ?", f.decision_category.clone())
            .and("subject_category = ?", f.subject_category.clone())
            .and("+project_id = ?", f.project_id.clone());
        q.order_limit(
            "decision_category, subject_category, kind, name, project_id, issue",
            usize::MAX,
        );
        self.live()?;
        let mut stmt = self.conn.prepare_cached(&q.sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(q.params.iter()))?;
        let mut out: Vec<ChoiceIssues> = Vec::new();
        let mut project = String::new();
        while let Some(r) = rows.next()? {
            let text = |i: usize| -> Result<&str> {
                r.get_ref(i)?
                    .as_str()
                    .map_err(|e| Error::Internal(format!("advice_issues column {i}: {e}")))
            };
            let same = out.last().is_some_and(|c| {
                c.decision_category == text(0).unwrap_or_default()
                    && c.subject_category == text(1).unwrap_or_default()
                    && c.kind.as_str() == text(2).unwrap_or_default()
                    && c.name == text(3).unwrap_or_default()
            }) && project == text(4)?;
            if !same {
                project = text(4)?.to_owned();
                out.push(ChoiceIssues {
                    decision_category: text(0)?.to_owned(),
                    subject_category: text(1)?.to_owned(),
                    kind: ChoiceKind::parse(text(2)?)?,
                    name: text(3)?.to_owned(),
                    issues: Vec::new(),
                });
            }
            let issue = IssueCount {
                issue: text(5)?.to_owned(),
                count: r.get(6)?,
            };
            if let Some(c) = out.last_mut() {
                c.issues.push(issue);
            }
        }
        Ok(out)
    }

    fn advice_top_issues(&self, k: &ChoiceKey, limit: usize) -> Result<Vec<IssueCount>> {
        self.all(
            "SELECT issue, count FROM advice_issues INDEXED BY advice_issues_top WHERE decision_category = ?1 \
             AND subject_category = ?2 AND kind = ?3 AND name = ?4 AND project_id = ?5 \
             ORDER BY count DESC, issue LIMIT ?6",
            params![
                k.decision_category,
                k.subject_category,
                k.kind.as_str(),
                k.name,
                k.project_id.as_str(),
                limit.min(i64::MAX as usize) as i64
            ],
            |r| {
                Ok(IssueCount {
                    issue: r.get(0)?,
                    count: r.get(1)?,
                })
            },
        )
    }

    fn ordering_pairs(&self, project: Option<&str>) -> Result<Vec<PairStat>> {
        match project {
            Some(p) => self.all(
                &format!("SELECT {PAIR_STAT} FROM ordering_pairs WHERE project_id = ?1 ORDER BY before, after"),
                [p],
                rows::pair_stat,
            ),
            None => self.all(
                &format!("SELECT {PAIR_STAT} FROM ordering_pairs ORDER BY before, after, project_id"),
                [],
                rows::pair_stat,
            ),
        }
    }

    fn ordering_history(&self, project: &str) -> Result<Vec<WorkflowOrdering>> {
        self.all(
            "SELECT doc FROM ordering_history WHERE project_id = ?1 ORDER BY seq",
            [project],
            |r| rows::json(r, 0),
        )
    }

    fn failure(&self, id: &str) -> Result<Option<Failure>> {
        self.one("SELECT doc FROM failures WHERE id = ?1", [id], |r| rows::json(r, 0))
    }

    fn failure_embedding(&self, id: &str) -> Result<Option<Vec<f32>>> {
        let blob: Option<Option<Vec<u8>>> =
            self.one("SELECT embedding FROM failures WHERE id = ?1", [id], |r| r.get(0))?;
        Ok(blob.flatten().map(|b| from_blob(&b)))
    }

    fn failures(&self, project: Option<&str>, limit: usize, order: Recency) -> Result<Vec<Failure>> {
        let mut q = Query::new("SELECT doc FROM failures WHERE 1 = ?1".to_owned(), 1_i64);
        q.and("project_id = ?", project.map(str::to_owned));
        q.order_limit(&order.order_by("seq"), limit);
        self.query(&q, |r| rows::json(r, 0))
    }

    fn embedding_dim(&self) -> Result<Option<usize>> {
        Ok(self
            .one("SELECT embedding_dim FROM learning_meta", [], |r| {
                r.get::<Option<i64>>(0)
            })?
            .flatten()
            .map(|d| d as usize))
    }

    fn search_failures(&self, words: &[String], project: Option<&str>, limit: usize) -> Result<Vec<(Failure, f64)>> {
        let query = super::tx::fts5_query(words, " OR ");
        let mut q = Query::new(
            "SELECT f.doc, -bm25(failures_fts) FROM failures_fts JOIN failures f ON f.seq = failures_fts.rowid \
             WHERE failures_fts MATCH ?1"
                .to_owned(),
            query.to_owned(),
        );
        q.and("f.project_id = ?", project.map(str::to_owned));
        q.order_limit("bm25(failures_fts), f.seq", limit);
        self.query(&q, |r| Ok((rows::json(r, 0)?, r.get(1)?)))
    }

    fn nearest_failures(&self, embedding: &[f32], project: Option<&str>, k: usize) -> Result<Vec<(Failure, f64)>> {
        let (vectors, upto) = self.vectors_now()?;
        if vectors.dim != embedding.len() {
            return Ok(Vec::new());
        }
        let best = vectors.nearest(embedding, project, upto, k);
        let seqs: Vec<(i64, f64)> = best.into_iter().map(|(s, seq)| (seq, s)).collect();
        self.failures_at(&seqs)
    }

    fn record(&self, kind: RecordKind, id: &str) -> Result<Option<Record>> {
        self.one(
            &format!("SELECT {RECORD} FROM learning_records WHERE id = ?1 AND kind = ?2"),
            [id, kind.as_str()],
            rows::record,
        )
    }

    fn records(&self, f: &RecordFilter, limit: usize) -> Result<Vec<Record>> {
        let mut q = Query::new(
            format!("SELECT {RECORD} FROM learning_records WHERE kind = ?1"),
            f.kind.as_str().to_owned(),
        );
        q.and("project_id = ?", f.project_id.clone())
            .and("key = ?", f.key.clone())
            .and("at >= ?", f.since.map(|t| t.millis()));
        q.order_limit("seq", limit);
        self.query(&q, rows::record)
    }

    fn docs(&self, library: &str, version: &str, now_ms: i64) -> Result<Option<DocsEntry>> {
        self.one(
            &format!(
                "SELECT {} FROM docs_cache WHERE library = ?1 AND version = ?2 AND expires_at > ?3",
                rows::DOCS
            ),
            params![library, version, now_ms],
            rows::docs,
        )
    }
}

impl LearningWrite for SqlTx<'_> {
    fn put_advice_stat(&mut self, s: &ChoiceStat) -> Result<()> {
        let key = s
            .key()
            .ok_or_else(|| Error::Internal("a stored aggregate needs its project".into()))?;
        self.exec(
            &format!(
                "INSERT OR REPLACE INTO advice_stats ({CHOICE_STAT}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            params![
                key.project_id.as_str(),
                key.decision_category,
                key.subject_category,
                key.kind.as_str(),
                key.name,
                s.usage_count,
                s.outcome_count,
                s.success_count,
                s.partial_count,
                s.failure_count,
                s.last_used.millis(),
                s.last_failed.map(|t| t.millis()),
                enc(&s.issues)?,
            ],
        )?;
        Ok(())
    }

    fn add_advice_issue(&mut self, k: &ChoiceKey, issue: &str, delta: i64) -> Result<()> {
        let p = params![
            k.decision_category,
            k.subject_category,
            k.kind.as_str(),
            k.name,
            k.project_id.as_str(),
            issue,
            delta
        ];
        self.exec(
            "INSERT INTO advice_issues (decision_category, subject_category, kind, name, project_id, issue, count) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT DO UPDATE SET count = count + excluded.count",
            p,
        )?;
        self.exec(
            "DELETE FROM advice_issues WHERE decision_category = ?1 AND subject_category = ?2 AND kind = ?3 \
             AND name = ?4 AND project_id = ?5 AND issue = ?6 AND count <= 0",
            params![
                k.decision_category,
                k.subject_category,
                k.kind.as_str(),
                k.name,
                k.project_id.as_str(),
                issue
            ],
        )?;
        Ok(())
    }

    fn add_ordering_pair(&mut self, p: &PairStat) -> Result<()> {
        self.exec(
            "INSERT INTO ordering_pairs (project_id, before, after, completed, failed, last_seen) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET completed = completed + excluded.completed, \
             failed = failed + excluded.failed, last_seen = MAX(last_seen, excluded.last_seen)",
            params![
                p.project_id.as_str(),
                p.before,
                p.after,
                p.completed,
                p.failed,
                p.last_seen.millis()
            ],
        )?;
        Ok(())
    }

    fn insert_ordering(&mut self, o: &WorkflowOrdering) -> Result<()> {
        self.exec(
            "INSERT INTO ordering_history (workflow_id, project_id, ended_at, doc) VALUES (?1, ?2, ?3, ?4)",
            params![
                o.workflow_id.as_str(),
                o.project_id.as_str(),
                o.ended_at.millis(),
                enc(o)?
            ],
        )?;
        Ok(())
    }

    fn insert_failure(&mut self, f: &Failure, embedding: Option<&[f32]>) -> Result<()> {
        self.exec(
            "INSERT INTO failures (id, project_id, at, doc, embedding) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                f.id.as_str(),
                f.project_id.as_str(),
                f.at.millis(),
                enc(f)?,
                embedding.map(to_blob)
            ],
        )?;
        let seq = self.conn.last_insert_rowid();
        self.exec(
            "INSERT INTO failures_fts (rowid, feature, approach, why_failed, lesson, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![seq, f.feature, f.approach, f.why_failed, f.lesson, f.tags.join(" ")],
        )?;
        if let Some(e) = embedding {
            self.exec(
                "UPDATE learning_meta SET embedding_dim = ?1 WHERE embedding_dim IS NULL",
                [e.len() as i64],
            )?;
        }
        Ok(())
    }

    fn insert_record(&mut self, r: &Record) -> Result<()> {
        self.exec(
            &format!("INSERT INTO learning_records ({RECORD}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                r.kind.as_str(),
                r.id,
                r.project_id.as_str(),
                r.workflow_id.as_ref().map(|w| w.as_str()),
                r.at.millis(),
                r.key,
                r.num,
                r.flag,
                r.doc
            ],
        )?;
        Ok(())
    }

    fn update_record(&mut self, r: &Record) -> Result<bool> {
        let n = self.exec(
            "UPDATE learning_records SET key = ?3, num = ?4, flag = ?5, doc = ?6 WHERE id = ?1 AND kind = ?2",
            params![r.id, r.kind.as_str(), r.key, r.num, r.flag, r.doc],
        )?;
        Ok(n == 1)
    }

    fn put_docs(&mut self, e: &DocsEntry, now_ms: i64) -> Result<()> {
        self.exec("DELETE FROM docs_cache WHERE expires_at <= ?1", [now_ms])?;
        self.exec(
            "INSERT OR REPLACE INTO docs_cache (library, version, content, stored_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                e.library,
                e.version,
                e.content,
                e.stored_at.millis(),
                e.expires_at.millis()
            ],
        )?;
        Ok(())
    }
}
