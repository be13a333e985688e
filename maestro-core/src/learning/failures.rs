//! Failures and their lessons (SPEC §3.9, seed 002), found again by similarity: cosine
//! similarity of caller-supplied embeddings, full-text ranking (FTS5, BM25) of the text,
//! or both fused by reciprocal rank.

pub use super::model::Failure;

use super::check_owner;
use super::Learning;
use crate::error::{Error, Result};
use crate::feed;
use crate::id::{DecisionId, FailureId, ProjectId, WorkflowId};
use crate::project::check_text;
use crate::store::ReadTx;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Longest approach, reason or lesson, in bytes.
pub const MAX_TEXT: usize = 64 * 1024;
/// Most dimensions an embedding may have.
pub const MAX_DIMENSIONS: usize = 4096;
/// Results a similarity query returns when the caller gives no `k`.
pub const DEFAULT_K: usize = 5;
/// Most results one similarity query returns.
pub const MAX_K: usize = 1000;
/// The constant of reciprocal rank fusion (Cormack et al., 2009).
pub const RRF_K: f64 = 60.0;

/// A failure to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFailure {
    /// The project.
    pub project_id: ProjectId,
    /// The workflow it came from (of the same project), if any.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The feature concerned.
    pub feature: String,
    /// What was tried.
    pub approach: String,
    /// Why it failed.
    pub why_failed: String,
    /// What to do instead.
    pub lesson: String,
    /// The decision that chose the approach (of the same project), if any.
    #[serde(default)]
    pub related_decision: Option<DecisionId>,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// An embedding of the failure computed by the caller. Every embedding of a store
    /// has the same dimension: the first one stored sets it.
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
}

/// What to look for: text, an embedding, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureQuery {
    /// Words to rank by full text (BM25 over feature, approach, why_failed, lesson and
    /// tags); a failure matches when it contains any of them.
    #[serde(default)]
    pub text: Option<String>,
    /// An embedding of the store's dimension, ranked by cosine similarity.
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
}

/// One result of [`Learning::similar_failures`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilarFailure {
    /// The failure, without its embedding.
    pub failure: Failure,
    /// The ranking score, higher is closer: the cosine similarity for an embedding
    /// query, the BM25 relevance for a text query, the fused reciprocal rank for both.
    pub score: f64,
    /// Cosine similarity to the query embedding, when it was ranked by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosine: Option<f64>,
    /// BM25 relevance to the query text (higher is better), when it matched the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_score: Option<f64>,
}

fn check_embedding(entity: &'static str, path: &str, e: &[f32]) -> Result<()> {
    if e.is_empty() || e.len() > MAX_DIMENSIONS {
        return Err(Error::validation(
            entity,
            path,
            format!("must have 1 to {MAX_DIMENSIONS} dimensions, got {}", e.len()),
        ));
    }
    if let Some(i) = e.iter().position(|x| !x.is_finite()) {
        return Err(Error::validation(
            entity,
            format!("{path}/{i}"),
            "must be a finite number",
        ));
    }
    let norm = e.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return Err(Error::validation(entity, path, "is all zeros: it has no direction"));
    }
    Ok(())
}

pub(crate) fn check_dimension(tx: &dyn ReadTx, entity: &'static str, path: &str, e: &[f32]) -> Result<Option<usize>> {
    let dim = tx.embedding_dim()?;
    match dim {
        Some(d) if d != e.len() => Err(Error::validation(
            entity,
            path,
            format!(
                "has {} dimensions; this store's embeddings have {d} (the first one stored set it)",
                e.len()
            ),
        )),
        _ => Ok(dim),
    }
}

fn check_new(f: &NewFailure) -> Result<()> {
    check_text("failure", "/feature", &f.feature, 200)?;
    check_text("failure", "/approach", &f.approach, MAX_TEXT)?;
    check_text("failure", "/why_failed", &f.why_failed, MAX_TEXT)?;
    check_text("failure", "/lesson", &f.lesson, MAX_TEXT)?;
    if f.tags.len() > 64 {
        return Err(Error::validation("failure", "/tags", "at most 64 tags"));
    }
    for (i, t) in f.tags.iter().enumerate() {
        check_text("failure", &format!("/tags/{i}"), t, 100)?;
    }
    if let Some(e) = &f.embedding {
        check_embedding("failure", "/embedding", e)?;
    }
    Ok(())
}

impl Learning<'_> {
    /// Records a failure and its lesson, indexes its text, and keeps its embedding. An
    /// embedding whose dimension differs from the store's is a validation error, as is
    /// one with a non-finite value or only zeros. Writes `failure.recorded` (without the
    /// embedding).
    pub fn record_failure(&self, new: NewFailure) -> Result<Failure> {
        check_new(&new)?;
        self.0.write(|tx| {
            check_owner(tx, "failure", &new.project_id, new.workflow_id.as_ref())?;
            if let Some(d) = &new.related_decision {
                let dec = crate::decision::load(tx, d).map_err(|e| match e {
                    Error::NotFound { .. } => {
                        Error::validation("failure", "/related_decision", format!("decision {d} does not exist"))
                    }
                    e => e,
                })?;
                if dec.project_id != new.project_id {
                    return Err(Error::validation(
                        "failure",
                        "/related_decision",
                        format!("decision {d} belongs to another project"),
                    ));
                }
            }
            if let Some(e) = &new.embedding {
                check_dimension(tx, "failure", "/embedding", e)?;
            }
            let mut f = Failure {
                id: FailureId::generate(),
                project_id: new.project_id,
                workflow_id: new.workflow_id,
                at: Timestamp::now(),
                feature: new.feature,
                approach: new.approach,
                why_failed: new.why_failed,
                lesson: new.lesson,
                related_decision: new.related_decision,
                tags: new.tags,
                embedding: None,
            };
            feed::emit(tx, "recorded", &f)?;
            tx.insert_failure(&f, new.embedding.as_deref())?;
            f.embedding = new.embedding;
            Ok(f)
        })
    }

    /// A failure by id, without its embedding.
    pub fn failure(&self, id: &FailureId) -> Result<Failure> {
        self.0.read(|tx| {
            tx.failure(id.as_str())?
                .ok_or_else(|| Error::not_found("failure", id.as_str()))
        })
    }

    /// A project's failures (every project's when `None`), oldest first, without
    /// embeddings, at most `limit`.
    pub fn failures(&self, project: Option<&ProjectId>, limit: usize) -> Result<Vec<Failure>> {
        self.0.read(|tx| {
            if let Some(p) = project {
                crate::project::load(tx, p)?;
            }
            tx.failures(
                project.map(|p| p.as_str()),
                limit.min(super::MAX_RESULTS),
                crate::store::Recency::OldestFirst,
            )
        })
    }

    /// The `k` recorded failures closest to `query`, in one project or every project:
    /// - embedding only: by cosine similarity, over the failures that have one (an exact
    ///   scan of an in-memory copy of the store's vectors, refreshed from the store when
    ///   it changed);
    /// - text only: by BM25 relevance (FTS5) of failures containing any of its words;
    /// - both: each ranking retrieves `max(4k, 50)` candidates and they are fused by
    ///   reciprocal rank, `score = Σ 1 / (60 + rank)` over the rankings a failure appears
    ///   in (rank from 1). A failure found by both ranks above one found by either alone
    ///   at the same positions; neither scale needs calibrating against the other.
    ///
    /// Ties are broken by id. An embedding of another dimension than the store's is a
    /// validation error.
    pub fn similar_failures(
        &self,
        project: Option<&ProjectId>,
        query: &FailureQuery,
        k: usize,
    ) -> Result<Vec<SimilarFailure>> {
        if k == 0 || k > MAX_K {
            return Err(Error::validation(
                "failure_query",
                "/k",
                format!("must be 1 to {MAX_K}"),
            ));
        }
        let text = match &query.text {
            Some(t) => Some(
                crate::decision::search_words(t, 64)
                    .ok_or_else(|| Error::validation("failure_query", "/text", "has no words"))?,
            ),
            None => None,
        };
        if let Some(e) = &query.embedding {
            check_embedding("failure_query", "/embedding", e)?;
        }
        if text.is_none() && query.embedding.is_none() {
            return Err(Error::validation(
                "failure_query",
                "",
                "give text, an embedding, or both",
            ));
        }
        let both = text.is_some() && query.embedding.is_some();
        let depth = if both { (4 * k).max(50) } else { k };
        let project_id = project.map(|p| p.as_str());
        let (by_vector, by_text) = self.0.read(|tx| {
            if let Some(p) = project {
                crate::project::load(tx, p)?;
            }
            let by_vector = match &query.embedding {
                Some(e) => match check_dimension(tx, "failure_query", "/embedding", e)? {
                    Some(_) => tx.nearest_failures(e, project_id, depth)?,
                    None => Vec::new(),
                },
                None => Vec::new(),
            };
            let by_text = match &text {
                Some(q) => tx.search_failures(q, project_id, depth)?,
                None => Vec::new(),
            };
            Ok((by_vector, by_text))
        })?;
        if !both {
            let cosine = query.embedding.is_some();
            let mut out: Vec<SimilarFailure> = by_vector
                .into_iter()
                .chain(by_text)
                .map(|(failure, score)| SimilarFailure {
                    failure,
                    score,
                    cosine: cosine.then_some(score),
                    text_score: (!cosine).then_some(score),
                })
                .collect();
            out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.failure.id.cmp(&b.failure.id)));
            out.truncate(k);
            return Ok(out);
        }
        let mut fused: HashMap<FailureId, SimilarFailure> = HashMap::new();
        for (rank, (failure, cos)) in by_vector.into_iter().enumerate() {
            let e = fused.entry(failure.id.clone()).or_insert(SimilarFailure {
                failure,
                score: 0.0,
                cosine: None,
                text_score: None,
            });
            e.score += 1.0 / (RRF_K + rank as f64 + 1.0);
            e.cosine = Some(cos);
        }
        for (rank, (failure, bm25)) in by_text.into_iter().enumerate() {
            let e = fused.entry(failure.id.clone()).or_insert(SimilarFailure {
                failure,
                score: 0.0,
                cosine: None,
                text_score: None,
            });
            e.score += 1.0 / (RRF_K + rank as f64 + 1.0);
            e.text_score = Some(bm25);
        }
        let mut out: Vec<SimilarFailure> = fused.into_values().collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.failure.id.cmp(&b.failure.id)));
        out.truncate(k);
        Ok(out)
    }
}
