//! Versioned documents: spec documents per workflow, steering documents per project.

use super::model::{SpecDocument, SteeringDocument};
use super::{load, Workflows};
use crate::error::{Error, Result};
use crate::feed;
use crate::id::{validate_id, ProjectId, WorkflowId};
use crate::project::Projects;
use crate::time::Timestamp;

/// Largest document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

fn check_content(entity: &'static str, content: &str) -> Result<()> {
    if content.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::validation(
            entity,
            "content",
            format!("{} bytes exceeds the {MAX_DOCUMENT_BYTES}-byte limit", content.len()),
        ));
    }
    Ok(())
}

impl Workflows<'_> {
    /// Stores a new version of the workflow's `kind` document and returns it.
    pub fn put_spec(&self, id: &WorkflowId, kind: &str, content: &str, author: &str) -> Result<SpecDocument> {
        validate_id("spec_document", kind).map_err(|e| Error::validation("spec_document", "kind", e.to_string()))?;
        check_content("spec_document", content)?;
        self.0.write(|tx| {
            let wf = load(tx, id)?;
            let version = tx.latest_spec_version(id.as_str(), kind)? + 1;
            let doc = SpecDocument {
                id: format!("{id}:{kind}:{version}"),
                workflow_id: id.clone(),
                project_id: wf.project_id,
                kind: kind.to_owned(),
                version,
                content: content.to_owned(),
                author: author.to_owned(),
                created_at: Timestamp::now(),
            };
            tx.insert_spec_document(&doc)?;
            feed::emit(tx, "created", &doc)?;
            Ok(doc)
        })
    }

    /// The `kind` document at `version`, or the latest version when `None`.
    pub fn spec(&self, id: &WorkflowId, kind: &str, version: Option<i64>) -> Result<SpecDocument> {
        self.0.read(|tx| {
            load(tx, id)?;
            let v = match version {
                Some(v) => v,
                None => tx.latest_spec_version(id.as_str(), kind)?,
            };
            tx.spec_document(id.as_str(), kind, v)?
                .ok_or_else(|| Error::not_found("spec_document", format!("{id}:{kind}:{v}")))
        })
    }

    /// Every version of the `kind` document, oldest first.
    pub fn spec_versions(&self, id: &WorkflowId, kind: &str) -> Result<Vec<SpecDocument>> {
        self.0.read(|tx| {
            load(tx, id)?;
            tx.spec_documents(id.as_str(), kind)
        })
    }
}

impl Projects<'_> {
    /// Stores a new version of the project's steering document for `domain`.
    /// `audiences` names the agent types it is for; empty means all.
    pub fn put_steering(
        &self,
        project: &ProjectId,
        domain: &str,
        content: &str,
        audiences: &[String],
    ) -> Result<SteeringDocument> {
        validate_id("steering_document", domain)
            .map_err(|e| Error::validation("steering_document", "domain", e.to_string()))?;
        check_content("steering_document", content)?;
        for (i, a) in audiences.iter().enumerate() {
            crate::project::check_text("steering_document", &format!("audiences/{i}"), a, 200)?;
        }
        self.0.write(|tx| {
            if tx.project(project.as_str())?.is_none() {
                return Err(Error::not_found("project", project.as_str()));
            }
            let version = tx.latest_steering_version(project.as_str(), domain)? + 1;
            let doc = SteeringDocument {
                id: format!("{project}:{domain}:{version}"),
                project_id: project.clone(),
                domain: domain.to_owned(),
                version,
                content: content.to_owned(),
                audiences: audiences.to_vec(),
                created_at: Timestamp::now(),
            };
            tx.insert_steering_document(&doc)?;
            feed::emit(tx, "created", &doc)?;
            Ok(doc)
        })
    }

    /// The latest version of every steering document meant for `audience` (or for
    /// everyone), ordered by domain.
    pub fn steering_context(&self, project: &ProjectId, audience: &str) -> Result<Vec<SteeringDocument>> {
        self.0.read(|tx| {
            if tx.project(project.as_str())?.is_none() {
                return Err(Error::not_found("project", project.as_str()));
            }
            let docs = tx.latest_steering_documents(project.as_str())?;
            Ok(docs
                .into_iter()
                .filter(|d| d.audiences.is_empty() || d.audiences.iter().any(|a| a == audience || a == "*"))
                .collect())
        })
    }
}
