//! Status codes: one per failure family, numbers fixed forever.

use maestro_core::ErrorKind;

/// What a call returned. `MAESTRO_OK` is 0; every other value is a failure whose details
/// are in the thread's last error. Numbers are grouped by family and never change; a
/// retired number stays reserved (listed here as a comment) and is never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum maestro_status_t {
    /// Success; every output was written.
    MAESTRO_OK = 0,
    // 1–99: the call itself was unusable; nothing ran.
    /// A required pointer argument was NULL.
    MAESTRO_NULL_ARGUMENT = 1,
    /// A string argument was not valid UTF-8.
    MAESTRO_INVALID_UTF8 = 2,
    /// A C argument unusable for another reason, named by `maestro_last_error_path`: a
    /// subscription freed from its own callback, or pulled from once it has ended. (A bad
    /// JSON input is `MAESTRO_VALIDATION`, with the pointer of the bad value.)
    MAESTRO_INVALID_ARGUMENT = 3,
    // 100–199: the error kinds of the core, 1:1.
    /// Input rejected: invalid JSON, a schema violation (see `maestro_last_error_path`),
    /// a broken rule such as a dependency cycle.
    MAESTRO_VALIDATION = 100,
    /// The named entity does not exist.
    MAESTRO_NOT_FOUND = 101,
    /// An illegal state transition (`from → to`) or a lost compare-and-swap.
    MAESTRO_CONFLICT = 102,
    /// Another writer held the database past the busy timeout; retry later.
    MAESTRO_BUSY = 103,
    /// The storage engine failed (corruption, full disk, incompatible database).
    MAESTRO_STORAGE = 104,
    /// A git operation failed.
    MAESTRO_GIT = 105,
    /// A file-system operation failed.
    MAESTRO_IO = 106,
    /// A bug inside Maestro; please report it with the last error message.
    MAESTRO_INTERNAL = 107,
    /// A read below the change feed's horizon: retention pruned events it would need.
    /// `maestro_last_error_oldest_seq()` says from which seq the feed is complete; resync
    /// from current state, then read from there.
    MAESTRO_PRUNED = 108,
    // 200–299: the library itself.
    /// A panic was caught at the boundary; the handle is still usable.
    MAESTRO_PANIC = 200,
}

impl From<ErrorKind> for maestro_status_t {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::Validation => maestro_status_t::MAESTRO_VALIDATION,
            ErrorKind::NotFound => maestro_status_t::MAESTRO_NOT_FOUND,
            ErrorKind::Conflict => maestro_status_t::MAESTRO_CONFLICT,
            ErrorKind::Busy => maestro_status_t::MAESTRO_BUSY,
            ErrorKind::Storage => maestro_status_t::MAESTRO_STORAGE,
            ErrorKind::Git => maestro_status_t::MAESTRO_GIT,
            ErrorKind::Io => maestro_status_t::MAESTRO_IO,
            ErrorKind::Internal => maestro_status_t::MAESTRO_INTERNAL,
            ErrorKind::Pruned => maestro_status_t::MAESTRO_PRUNED,
        }
    }
}
