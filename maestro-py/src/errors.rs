//! The exception classes, one per error kind of the core, rooted at `MaestroError`.

use maestro_core::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    maestro._native,
    MaestroError,
    PyException,
    "Every error Maestro raises."
);
create_exception!(
    maestro._native,
    ValidationError,
    MaestroError,
    "Input was rejected before anything was written; `.path` is the JSON pointer of the offending value."
);
create_exception!(
    maestro._native,
    NotFoundError,
    MaestroError,
    "The named entity does not exist."
);
create_exception!(
    maestro._native,
    ConflictError,
    MaestroError,
    "An illegal state transition (`.from_state` -> `.to_state`) or a lost compare-and-swap."
);
create_exception!(
    maestro._native,
    BusyError,
    MaestroError,
    "Another writer held the database past the busy timeout; retry later."
);
create_exception!(
    maestro._native,
    StorageError,
    MaestroError,
    "The storage engine failed."
);
create_exception!(maestro._native, GitError, MaestroError, "A git operation failed.");
create_exception!(
    maestro._native,
    IoError,
    MaestroError,
    "A file-system operation failed."
);
create_exception!(
    maestro._native,
    InternalError,
    MaestroError,
    "A bug inside Maestro; please report it."
);
create_exception!(
    maestro._native,
    PrunedError,
    MaestroError,
    "A read below the change feed's horizon: retention pruned events it needs. `.oldest_seq` is the oldest seq from which the feed is complete; resync from current state, then read `events.since(oldest_seq - 1)`."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("MaestroError", py.get_type::<MaestroError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("BusyError", py.get_type::<BusyError>())?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    m.add("GitError", py.get_type::<GitError>())?;
    m.add("IoError", py.get_type::<IoError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add("PrunedError", py.get_type::<PrunedError>())?;
    Ok(())
}

/// The exception for `e`, with its details as attributes: `kind` always; `path` on
/// validation errors; `entity` and `id` when the error names one; `from_state` and
/// `to_state` on illegal transitions and conflicts refusing a change of state;
/// `oldest_seq` on pruned reads. Attributes that do
/// not apply are `None`.
pub(crate) fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let message = e.to_string();
    let err = match e.kind() {
        ErrorKind::Validation => ValidationError::new_err(message),
        ErrorKind::NotFound => NotFoundError::new_err(message),
        ErrorKind::Conflict => ConflictError::new_err(message),
        ErrorKind::Busy => BusyError::new_err(message),
        ErrorKind::Storage => StorageError::new_err(message),
        ErrorKind::Git => GitError::new_err(message),
        ErrorKind::Io => IoError::new_err(message),
        ErrorKind::Internal => InternalError::new_err(message),
        ErrorKind::Pruned => PrunedError::new_err(message),
    };
    let (entity, id, from, to): (Option<&str>, Option<&str>, Option<&str>, Option<&str>) = match &e {
        Error::NotFound { entity, id } => (Some(entity), Some(id), None, None),
        Error::Conflict {
            entity, id, from, to, ..
        } => (Some(entity), Some(id), from.as_deref(), to.as_deref()),
        Error::IllegalTransition { entity, id, from, to } => (Some(entity), Some(id), Some(from), Some(to)),
        Error::Validation { entity, .. } => (Some(entity), None, None, None),
        _ => (None, None, None, None),
    };
    let value = err.value(py);
    let set = |name: &str, v: Option<&str>| {
        let _ = value.setattr(name, v);
    };
    set("kind", Some(e.kind().as_str()));
    set("path", e.path());
    set("entity", entity);
    set("id", id);
    set("from_state", from);
    set("to_state", to);
    let _ = value.setattr("oldest_seq", e.oldest_seq());
    err
}

/// A `MaestroError` raised by the binding itself (a closed handle, use after fork), with
/// the same attributes as every other error (all None).
pub(crate) fn binding(message: String) -> PyErr {
    let err = MaestroError::new_err(message);
    Python::attach(|py| {
        let value = err.value(py);
        for name in ["kind", "path", "entity", "id", "from_state", "to_state", "oldest_seq"] {
            let _ = value.setattr(name, py.None());
        }
    });
    err
}
