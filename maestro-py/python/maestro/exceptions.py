"""The exceptions Maestro raises, one class per error kind of the core.

Every exception has the attributes `kind` (`"validation"`, `"not_found"`, ...), `path`
(the JSON pointer of the offending value, for validation errors), `entity` and `id`
(when the error names one), `from_state` and `to_state` (illegal transitions, and conflicts
refusing a change of state: a gate not approved, an `expected` state that did not hold); the ones
that do not apply are None. `PrunedError` has `oldest_seq`: the oldest seq from which the
change feed is complete (resync, then read `events.since(oldest_seq - 1)`).
"""

from ._native import (
    BusyError,
    ConflictError,
    GitError,
    InternalError,
    IoError,
    MaestroError,
    NotFoundError,
    PrunedError,
    StorageError,
    ValidationError,
)

__all__ = [
    "MaestroError",
    "ValidationError",
    "NotFoundError",
    "ConflictError",
    "BusyError",
    "StorageError",
    "GitError",
    "IoError",
    "InternalError",
    "PrunedError",
]
