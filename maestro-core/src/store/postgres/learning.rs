//! [`LearningRead`] and [`LearningWrite`] over PostgreSQL.

use super::tx::{PgTx, Query};
use crate::error::{Error, Result};
use crate::learning::model::{
    AdviceFilter, ChoiceIssues, ChoiceKey, ChoiceKind, ChoiceStat, DocsEntry, Failure, IssueCount, PairStat, Record,
    RecordFilter, RecordKind, WorkflowOrdering,
};
use crate::store::rows::{self, enc, CHOICE_STAT, PAIR_STAT, RECORD};
use crate::store::vectors::{from_blob, to_blob, Vectors};
use crate::store::{LearningRead, LearningWrite, Recency};

fn advice_query(head: &str, f: &AdviceFilter) -> Query {
    let mut q = Query::new(format!("{head} WHERE TRUE"));
    q.and("decision_category = ?", f.decision_category.clone())
        .and("subject_category = ?", f.subject_category.clone())
        .and("project_id = ?", f.project_id.clone());
    q
}

fn limit(n: usize) -> i64 {
    n.min(i64::MAX as usize) as i64
}

impl PgTx<'_> {
    /// The failures at `seqs` (with their scores), in that order.
    fn failures_at(&self, seqs: &[(i64, f64)]) -> Result<Vec<(Failure, f64)>> {
        let wanted: Vec<i64> = seqs.iter().map(|(seq, _)| *seq).collect();
        let mut found: std::collections::HashMap<i64, Failure> = self
            .all("SELECT seq, doc FROM failures WHERE seq = ANY($1)", &[&wanted], |r| {
                Ok((r.get::<i64>(0)?, rows::json(r, 1)?))
            })?
            .into_iter()
            .collect();
        Ok(seqs
            .iter()
            .filter_map(|(seq, score)| found.remove(seq).map(|f| (f, *score)))
            .collect())
    }
}

impl LearningRead for PgTx<'_> {
    fn advice_stat(&self, k: &ChoiceKey) -> Result<Option<ChoiceStat>> {
        self.one(
            &format!(
                "SELECT {CHOICE_STAT} FROM advice_stats WHERE decision_category = $1 AND subject_category = $2 \
                 AND kind = $3 AND name = $4 AND project_id = $5"
            ),
            &[
                &k.decision_category,
                &k.subject_category,
                &k.kind.as_str(),
                &k.name,
                &k.project_id.as_str(),
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
        let mut q = advice_query(
            "SELECT decision_category, subject_category, kind, name, project_id, issue, count FROM advice_issues",
            f,
        );
        q.order_limit(
            "decision_category, subject_category, kind, name, project_id, issue",
            usize::MAX,
        );
        type Row = (String, String, String, String, String, String, i64);
        let found: Vec<Row> = self.query(&q, |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        // In key order, so the rows of one choice and project are consecutive.
        let mut out: Vec<ChoiceIssues> = Vec::new();
        let mut project = String::new();
        for (decision_category, subject_category, kind, name, p, issue, count) in found {
            let same = out.last().is_some_and(|c| {
                c.decision_category == decision_category
                    && c.subject_category == subject_category
                    && c.kind.as_str() == kind
                    && c.name == name
            }) && project == p;
            if !same {
                project = p;
                out.push(ChoiceIssues {
                    decision_category,
                    subject_category,
                    kind: ChoiceKind::parse(&kind)?,
                    name,
                    issues: Vec::new(),
                });
            }
            if let Some(c) = out.last_mut() {
                c.issues.push(IssueCount { issue, count });
            }
        }
        Ok(out)
    }

    fn advice_top_issues(&self, k: &ChoiceKey, n: usize) -> Result<Vec<IssueCount>> {
        self.all(
            "SELECT issue, count FROM advice_issues WHERE decision_category = $1 \
             AND subject_category = $2 AND kind = $3 AND name = $4 AND project_id = $5 \
             ORDER BY count DESC, issue LIMIT $6",
            &[
                &k.decision_category,
                &k.subject_category,
                &k.kind.as_str(),
                &k.name,
                &k.project_id.as_str(),
                &limit(n),
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
                &format!("SELECT {PAIR_STAT} FROM ordering_pairs WHERE project_id = $1 ORDER BY before, after"),
                &[&p],
                rows::pair_stat,
            ),
            None => self.all(
                &format!("SELECT {PAIR_STAT} FROM ordering_pairs ORDER BY before, after, project_id"),
                &[],
                rows::pair_stat,
            ),
        }
    }

    fn ordering_history(&self, project: &str) -> Result<Vec<WorkflowOrdering>> {
        self.all(
            "SELECT doc FROM ordering_history WHERE project_id = $1 ORDER BY seq",
            &[&project],
            |r| rows::json(r, 0),
        )
    }

    fn failure(&self, id: &str) -> Result<Option<Failure>> {
        self.one("SELECT doc FROM failures WHERE id = $1", &[&id], |r| rows::json(r, 0))
    }

    fn failures(&self, project: Option<&str>, limit: usize, order: Recency) -> Result<Vec<Failure>> {
        let mut q = Query::new("SELECT doc FROM failures WHERE TRUE");
        q.and("project_id = ?", project.map(str::to_owned));
        q.order_limit(&order.order_by("seq"), limit);
        self.query(&q, |r| rows::json(r, 0))
    }

    fn failure_embedding(&self, id: &str) -> Result<Option<Vec<f32>>> {
        let blob = self.one("SELECT embedding FROM failures WHERE id = $1", &[&id], |r| {
            r.get::<Option<Vec<u8>>>(0)
        })?;
        Ok(blob.flatten().map(|b| from_blob(&b)))
    }

    fn embedding_dim(&self) -> Result<Option<usize>> {
        Ok(self
            .one("SELECT embedding_dim FROM learning_meta", &[], |r| {
                r.get::<Option<i64>>(0)
            })?
            .flatten()
            .map(|d| d as usize))
    }

    fn search_failures(&self, words: &[String], project: Option<&str>, limit: usize) -> Result<Vec<(Failure, f64)>> {
        // Words are letters, digits and `_` only, so joined by `|` they are never other
        // tsquery syntax.
        let mut q = Query::new("");
        let words = q.bind(words.join(" | "));
        q.sql = format!(
            "SELECT f.doc, ts_rank(f.fts, query) FROM failures f, to_tsquery('simple', {words}) query \
             WHERE f.fts @@ query"
        );
        q.and("f.project_id = ?", project.map(str::to_owned));
        q.order_limit("ts_rank(f.fts, query) DESC, f.seq", limit);
        self.query(&q, |r| Ok((rows::json(r, 0)?, r.get(1)?)))
    }

    fn nearest_failures(&self, embedding: &[f32], project: Option<&str>, k: usize) -> Result<Vec<(Failure, f64)>> {
        let dim = self.embedding_dim()?.unwrap_or(0);
        if dim != embedding.len() || k == 0 {
            return Ok(Vec::new());
        }
        let mut q = Query::new("SELECT seq, project_id, embedding FROM failures WHERE embedding IS NOT NULL");
        q.and("project_id = ?", project.map(str::to_owned));
        q.order_limit("seq", usize::MAX);
        let found = self.query(&q, |r| {
            Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<Vec<u8>>(2)?))
        })?;
        let mut vectors = Vectors {
            dim,
            ..Default::default()
        };
        for (seq, project, blob) in &found {
            vectors.push(*seq, project, &from_blob(blob));
        }
        let best = vectors.nearest(embedding, project, found.len(), k);
        let seqs: Vec<(i64, f64)> = best.into_iter().map(|(s, seq)| (seq, s)).collect();
        self.failures_at(&seqs)
    }

    fn record(&self, kind: RecordKind, id: &str) -> Result<Option<Record>> {
        self.one(
            &format!("SELECT {RECORD} FROM learning_records WHERE id = $1 AND kind = $2"),
            &[&id, &kind.as_str()],
            rows::record,
        )
    }

    fn records(&self, f: &RecordFilter, limit: usize) -> Result<Vec<Record>> {
        let mut q = Query::new(format!("SELECT {RECORD} FROM learning_records WHERE TRUE"));
        q.and("kind = ?", Some(f.kind.as_str().to_owned()))
            .and("project_id = ?", f.project_id.clone())
            .and("key = ?", f.key.clone())
            .and("at >= ?", f.since.map(|t| t.millis()));
        q.order_limit("seq", limit);
        self.query(&q, rows::record)
    }

    fn docs(&self, library: &str, version: &str, now_ms: i64) -> Result<Option<DocsEntry>> {
        self.one(
            &format!(
                "SELECT {} FROM docs_cache WHERE library = $1 AND version = $2 AND expires_at > $3",
                rows::DOCS
            ),
            &[&library, &version, &now_ms],
            rows::docs,
        )
    }
}

impl LearningWrite for PgTx<'_> {
    fn put_advice_stat(&mut self, s: &ChoiceStat) -> Result<()> {
        let key = s
            .key()
            .ok_or_else(|| Error::Internal("a stored aggregate needs its project".into()))?;
        self.exec(
            &format!(
                "INSERT INTO advice_stats ({CHOICE_STAT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (decision_category, subject_category, kind, name, project_id) DO UPDATE SET \
                 usage_count = excluded.usage_count, outcome_count = excluded.outcome_count, \
                 success_count = excluded.success_count, partial_count = excluded.partial_count, \
                 failure_count = excluded.failure_count, last_used = excluded.last_used, \
                 last_failed = excluded.last_failed, top_issues = excluded.top_issues"
            ),
            &[
                &key.project_id.as_str(),
                &key.decision_category,
                &key.subject_category,
                &key.kind.as_str(),
                &key.name,
                &s.usage_count,
                &s.outcome_count,
                &s.success_count,
                &s.partial_count,
                &s.failure_count,
                &s.last_used.millis(),
                &s.last_failed.map(|t| t.millis()),
                &enc(&s.issues)?,
            ],
        )?;
        Ok(())
    }

    fn add_advice_issue(&mut self, k: &ChoiceKey, issue: &str, delta: i64) -> Result<()> {
        self.exec(
            "INSERT INTO advice_issues (decision_category, subject_category, kind, name, project_id, issue, count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (decision_category, subject_category, kind, name, project_id, issue) \
             DO UPDATE SET count = advice_issues.count + excluded.count",
            &[
                &k.decision_category,
                &k.subject_category,
                &k.kind.as_str(),
                &k.name,
                &k.project_id.as_str(),
                &issue,
                &delta,
            ],
        )?;
        self.exec(
            "DELETE FROM advice_issues WHERE decision_category = $1 AND subject_category = $2 AND kind = $3 \
             AND name = $4 AND project_id = $5 AND issue = $6 AND count <= 0",
            &[
                &k.decision_category,
                &k.subject_category,
                &k.kind.as_str(),
                &k.name,
                &k.project_id.as_str(),
                &issue,
            ],
        )?;
        Ok(())
    }

    fn add_ordering_pair(&mut self, p: &PairStat) -> Result<()> {
        self.exec(
            "INSERT INTO ordering_pairs (project_id, before, after, completed, failed, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, before, after) DO UPDATE SET \
             completed = ordering_pairs.completed + excluded.completed, \
             failed = ordering_pairs.failed + excluded.failed, \
             last_seen = GREATEST(ordering_pairs.last_seen, excluded.last_seen)",
            &[
                &p.project_id.as_str(),
                &p.before,
                &p.after,
                &p.completed,
                &p.failed,
                &p.last_seen.millis(),
            ],
        )?;
        Ok(())
    }

    fn insert_ordering(&mut self, o: &WorkflowOrdering) -> Result<()> {
        self.exec(
            "INSERT INTO ordering_history (workflow_id, project_id, ended_at, doc) VALUES ($1, $2, $3, $4)",
            &[
                &o.workflow_id.as_str(),
                &o.project_id.as_str(),
                &o.ended_at.millis(),
                &enc(o)?,
            ],
        )?;
        Ok(())
    }

    fn insert_failure(&mut self, f: &Failure, embedding: Option<&[f32]>) -> Result<()> {
        let text = [
            f.feature.as_str(),
            &f.approach,
            &f.why_failed,
            &f.lesson,
            &f.tags.join(" "),
        ]
        .join("\n");
        self.exec(
            "INSERT INTO failures (id, project_id, at, doc, embedding, fts) \
             VALUES ($1, $2, $3, $4, $5, to_tsvector('simple', $6))",
            &[
                &f.id.as_str(),
                &f.project_id.as_str(),
                &f.at.millis(),
                &enc(f)?,
                &embedding.map(to_blob),
                &text,
            ],
        )?;
        if let Some(e) = embedding {
            self.exec(
                "UPDATE learning_meta SET embedding_dim = $1 WHERE embedding_dim IS NULL",
                &[&(e.len() as i64)],
            )?;
        }
        Ok(())
    }

    fn insert_record(&mut self, r: &Record) -> Result<()> {
        self.exec(
            &format!("INSERT INTO learning_records ({RECORD}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
            &[
                &r.kind.as_str(),
                &r.id,
                &r.project_id.as_str(),
                &r.workflow_id.as_ref().map(|w| w.as_str()),
                &r.at.millis(),
                &r.key,
                &r.num,
                &r.flag,
                &r.doc,
            ],
        )?;
        Ok(())
    }

    fn update_record(&mut self, r: &Record) -> Result<bool> {
        let n = self.exec(
            "UPDATE learning_records SET key = $3, num = $4, flag = $5, doc = $6 WHERE id = $1 AND kind = $2",
            &[&r.id, &r.kind.as_str(), &r.key, &r.num, &r.flag, &r.doc],
        )?;
        Ok(n == 1)
    }

    fn put_docs(&mut self, e: &DocsEntry, now_ms: i64) -> Result<()> {
        self.exec("DELETE FROM docs_cache WHERE expires_at <= $1", &[&now_ms])?;
        self.exec(
            "INSERT INTO docs_cache (library, version, content, stored_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (library, version) DO UPDATE SET content = excluded.content, \
             stored_at = excluded.stored_at, expires_at = excluded.expires_at",
            &[
                &e.library,
                &e.version,
                &e.content,
                &e.stored_at.millis(),
                &e.expires_at.millis(),
            ],
        )?;
        Ok(())
    }
}
