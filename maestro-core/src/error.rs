//! The one error type of Maestro, with stable kinds that the C ABI and Python map 1:1.

use std::fmt;

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stable family of an [`Error`]. Numbers and names never change once released:
/// the C status codes and Python exception classes are derived from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Input was malformed or violated a rule (bad id, bad JSON, cycle, schema violation).
    Validation,
    /// The named entity does not exist.
    NotFound,
    /// The state changed under the caller or the transition is not allowed from the current state.
    Conflict,
    /// The database stayed locked by another writer past the busy timeout.
    Busy,
    /// The storage engine failed (corruption, full disk, SQL error).
    Storage,
    /// A git operation failed.
    Git,
    /// A file-system operation failed.
    Io,
    /// A bug or broken invariant inside Maestro.
    Internal,
    /// What was asked for is older than the change feed's horizon: retention pruned it.
    /// The error carries the oldest seq from which the feed is complete.
    Pruned,
}

impl ErrorKind {
    /// The stable lowercase name of the kind (`"validation"`, `"not_found"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Busy => "busy",
            ErrorKind::Storage => "storage",
            ErrorKind::Git => "git",
            ErrorKind::Io => "io",
            ErrorKind::Internal => "internal",
            ErrorKind::Pruned => "pruned",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every failure Maestro reports. Messages name the entity, the id, the path of the
/// offending field and, for transitions, `from → to`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input rejected before anything was written; `path` is a JSON pointer (`/tasks/2/id`)
    /// or the name of the offending argument.
    #[error("invalid {entity} at {path}: {message}")]
    Validation {
        /// The kind of document or entity being validated.
        entity: &'static str,
        /// Where in the input the problem is.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The entity with this id does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Entity kind (`"session"`, `"task"`, ...).
        entity: &'static str,
        /// The id that was looked up.
        id: String,
    },
    /// The requested state change is not allowed from the current state.
    #[error("illegal transition of {entity} {id}: {from} → {to}")]
    IllegalTransition {
        /// Entity kind.
        entity: &'static str,
        /// Entity id.
        id: String,
        /// The state the entity is in.
        from: String,
        /// The state that was requested.
        to: String,
    },
    /// The entity changed since the caller read it (a lost compare-and-swap), or a
    /// precondition such as a pending approval does not hold.
    #[error("conflict on {entity} {id}: {message}")]
    Conflict {
        /// Entity kind.
        entity: &'static str,
        /// Entity id.
        id: String,
        /// What did not match.
        message: String,
        /// For a refused change of state: the state the entity is in.
        from: Option<String>,
        /// For a refused change of state: the state asked for.
        to: Option<String>,
    },
    /// Another writer held the database past the busy timeout.
    #[error("database busy: {0}")]
    Busy(String),
    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The database server failed or could not be reached (PostgreSQL). The message is
    /// the server's, never the connection's password.
    #[error("storage error: {0}")]
    Server(String),
    /// The storage engine rolled the whole transaction back after an earlier failure
    /// (full disk, I/O error); nothing of it was written.
    #[error("transaction aborted: {0}")]
    Aborted(String),
    /// The database file is unusable by this library (for example a newer schema).
    #[error("incompatible database: {0}")]
    Incompatible(String),
    /// A write was asked of a handle opened read-only ([`crate::Options::read_only`]);
    /// the message names the store. Nothing was written.
    #[error("read-only store: {0} was opened read-only; open it without read_only to write")]
    ReadOnly(String),
    /// A store opened for writing cannot be written by this process (the file, its
    /// folder or the file system is read-only to it); the message names the store and
    /// how to read it anyway. Nothing was written.
    #[error(
        "cannot write {0}: the database file, its folder or its file system is read-only to this process; \
         fix the permissions, or open it with read_only to read it"
    )]
    NotWritable(String),
    /// Writing the database failed in the file system: the message names the file, the
    /// operating system's reason (a full device, the file size limit, an I/O error) and
    /// says nothing of the call was written. The handle keeps serving reads, and writes
    /// succeed again once the cause is gone.
    #[error("disk write failed: {0}")]
    Disk(String),
    /// A git operation failed.
    #[error("git error: {0}")]
    Git(String),
    /// A file-system operation failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A JSON document could not be encoded or decoded.
    #[error("invalid JSON at {path}: {source}")]
    Json {
        /// Where the document came from or which field.
        path: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A broken invariant inside Maestro.
    #[error("internal error: {0}")]
    Internal(String),
    /// A read reached below the change feed's horizon: events up to `horizon` may have
    /// been pruned, so the answer could silently miss some. Resynchronise from current
    /// state, then read the feed from `horizon` on (`events.since(horizon)`).
    #[error("{what} at seq {seq} is below the feed horizon {horizon}: events up to it were pruned by retention; resync from current state, then read events after seq {horizon}")]
    Pruned {
        /// The read that was refused (`events.since`, `events.state_at`).
        what: &'static str,
        /// The seq the caller asked for.
        seq: i64,
        /// The feed horizon: every event after this seq is retained.
        horizon: i64,
    },
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Validation { .. } | Error::Json { .. } => ErrorKind::Validation,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::IllegalTransition { .. } | Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Busy(_) => ErrorKind::Busy,
            Error::Storage(e) if is_busy(e) => ErrorKind::Busy,
            Error::Storage(_)
            | Error::Server(_)
            | Error::Incompatible(_)
            | Error::Aborted(_)
            | Error::ReadOnly(_)
            | Error::NotWritable(_)
            | Error::Disk(_) => ErrorKind::Storage,
            Error::Git(_) => ErrorKind::Git,
            Error::Io(_) => ErrorKind::Io,
            Error::Internal(_) => ErrorKind::Internal,
            Error::Pruned { .. } => ErrorKind::Pruned,
        }
    }

    /// For [`Error::Pruned`], the oldest seq from which the feed is complete (the
    /// horizon + 1): resume with `since(oldest_seq - 1)` after a resync.
    pub fn oldest_seq(&self) -> Option<i64> {
        match self {
            Error::Pruned { horizon, .. } => Some(horizon + 1),
            _ => None,
        }
    }

    /// The JSON path of a validation error, if there is one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Validation { path, .. } | Error::Json { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The same error with its JSON path (if it has one) placed under `prefix`, for an
    /// input nested in a larger document (`/model` + `/phases/0/name`).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Error::Validation { entity, path, message } => Error::Validation {
                entity,
                path: join_path(prefix, &path),
                message,
            },
            Error::Json { path, source } => Error::Json {
                path: join_path(prefix, &path),
                source,
            },
            other => other,
        }
    }

    /// The [`Error::Internal`] for a panic caught at a binding's boundary, with the
    /// panic's message when it has one.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Error::Internal(format!("panic inside maestro (a bug; please report it): {what}"))
    }

    /// Shorthand for a [`Error::Validation`].
    pub fn validation(entity: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            entity,
            path: path.into(),
            message: message.into(),
        }
    }

    /// Shorthand for a [`Error::NotFound`].
    pub fn not_found(entity: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { entity, id: id.into() }
    }

    /// Shorthand for a [`Error::Conflict`].
    pub fn conflict(entity: &'static str, id: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Conflict {
            entity,
            id: id.into(),
            message: message.into(),
            from: None,
            to: None,
        }
    }

    /// A [`Error::Conflict`] refusing a change of state: the entity is in `from`, the
    /// caller asked for `to`, and `message` says why not.
    pub fn conflict_from_to(
        entity: &'static str,
        id: impl Into<String>,
        from: impl fmt::Display,
        to: impl fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Error::Conflict {
            entity,
            id: id.into(),
            message: message.into(),
            from: Some(from.to_string()),
            to: Some(to.to_string()),
        }
    }

    /// The kind of entity the error is about (`"task"`), for not-found, conflict and
    /// transition errors.
    pub fn entity(&self) -> Option<&str> {
        match self {
            Error::NotFound { entity, .. }
            | Error::Conflict { entity, .. }
            | Error::IllegalTransition { entity, .. } => Some(entity),
            _ => None,
        }
    }

    /// The id of the entity the error is about, for not-found, conflict and transition
    /// errors.
    pub fn entity_id(&self) -> Option<&str> {
        match self {
            Error::NotFound { id, .. } | Error::Conflict { id, .. } | Error::IllegalTransition { id, .. } => Some(id),
            _ => None,
        }
    }

    /// For an illegal transition or a refused change of state, the state the entity is in
    /// and the state asked for.
    pub fn states(&self) -> Option<(&str, &str)> {
        match self {
            Error::IllegalTransition { from, to, .. } => Some((from, to)),
            Error::Conflict {
                from: Some(from),
                to: Some(to),
                ..
            } => Some((from, to)),
            _ => None,
        }
    }

    /// The [`Error::Conflict`] of a lost compare-and-swap: the entity is no longer at
    /// the version the caller read.
    pub fn stale(entity: &'static str, id: impl Into<String>, read_version: i64) -> Self {
        Error::conflict(entity, id, format!("changed since version {read_version}"))
    }

    /// Shorthand for a [`Error::IllegalTransition`].
    pub fn illegal(
        entity: &'static str,
        id: impl Into<String>,
        from: impl fmt::Display,
        to: impl fmt::Display,
    ) -> Self {
        Error::IllegalTransition {
            entity,
            id: id.into(),
            from: from.to_string(),
            to: to.to_string(),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// `prefix` + `path`, where a path that is not a JSON pointer (an argument name) gets a `/`.
fn join_path(prefix: &str, path: &str) -> String {
    if path.is_empty() || path.starts_with('/') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}/{path}")
    }
}
