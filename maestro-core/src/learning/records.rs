//! One storage shape for the learning records that are written once and read by
//! statistics: the document, plus the three columns those statistics read (`key`,
//! `num`, `flag`) so they need not decode documents.

pub use super::model::{Record, RecordFilter, RecordKind};

use crate::error::{Error, Result};
use crate::feed::{self, FeedEntity};
use crate::id::{ProjectId, WorkflowId};
use crate::store::{ReadTx, WriteTx};
use serde::de::DeserializeOwned;

/// A learning document kept as a [`Record`].
pub(crate) trait Recordable: FeedEntity + DeserializeOwned {
    const KIND: RecordKind;
    fn at(&self) -> crate::time::Timestamp;
    /// `(key, num, flag)`.
    fn columns(&self) -> (String, f64, bool);
}

pub(crate) fn to_record<T: Recordable>(v: &T) -> Result<Record> {
    let (key, num, flag) = v.columns();
    Ok(Record {
        kind: T::KIND,
        id: v.entity_id().to_owned(),
        project_id: ProjectId::parse(v.project_id())?,
        workflow_id: v.workflow_id().map(WorkflowId::parse).transpose()?,
        at: v.at(),
        key,
        num,
        flag,
        doc: serde_json::to_string(v).map_err(|e| Error::Internal(format!("cannot encode {}: {e}", T::KIND)))?,
    })
}

pub(crate) fn from_record<T: Recordable>(r: &Record) -> Result<T> {
    serde_json::from_str(&r.doc)
        .map_err(|e| Error::Internal(format!("stored {} {} does not decode: {e}", r.kind, r.id)))
}

/// Writes `v` and its `<entity>.recorded` event.
pub(crate) fn insert<T: Recordable>(tx: &mut dyn WriteTx, v: &T) -> Result<()> {
    feed::emit(tx, "recorded", v)?;
    tx.insert_record(&to_record(v)?)
}

/// Records matching `filter`, decoded.
pub(crate) fn list<T: Recordable>(tx: &dyn ReadTx, filter: &RecordFilter, limit: usize) -> Result<Vec<T>> {
    tx.records(filter, limit)?.iter().map(from_record).collect()
}

/// Implements [`FeedEntity`] and [`Recordable`] for a learning document with `id`,
/// `project_id`, `at` and an optional `workflow_id`, whose [`RecordKind`] has the
/// entity's name; `columns` gives its `(key, num, flag)`.
macro_rules! learning_record {
    ($ty:ident, |$s:ident| $columns:expr) => {
        impl $crate::feed::FeedEntity for $ty {
            const ENTITY: $crate::feed::EntityKind = $crate::feed::EntityKind::$ty;
            fn entity_id(&self) -> &str {
                self.id.as_str()
            }
            fn project_id(&self) -> &str {
                self.project_id.as_str()
            }
            fn workflow_id(&self) -> Option<&str> {
                self.workflow_id.as_ref().map(|w| w.as_str())
            }
        }

        impl $crate::learning::records::Recordable for $ty {
            const KIND: $crate::learning::records::RecordKind = $crate::learning::records::RecordKind::$ty;
            fn at(&self) -> $crate::time::Timestamp {
                self.at
            }
            fn columns(&self) -> (String, f64, bool) {
                let $s = self;
                $columns
            }
        }
    };
}
pub(crate) use learning_record;

impl super::Learning<'_> {
    /// A project's records of kind `T`, of one key when given, oldest first (at most
    /// [`super::MAX_RESULTS`]).
    pub(super) fn list<T: Recordable>(&self, project: &ProjectId, key: Option<&str>) -> Result<Vec<T>> {
        self.0.read(|tx| {
            crate::project::load(tx, project)?;
            let mut f = RecordFilter::of(T::KIND);
            f.project_id = Some(project.as_str().to_owned());
            f.key = key.map(str::to_owned);
            list(tx, &f, super::MAX_RESULTS)
        })
    }
}
