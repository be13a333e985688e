//! Disk errors said plainly: SQLite reports a failed write as "disk I/O error" or
//! "database or disk is full"; the operating system's reason (`errno`) says which file
//! limit or device failed.

use crate::error::Error;
use rusqlite::{Connection, ErrorCode};

/// `e` as an [`Error::Disk`] naming the file and the operating system's reason, when it
/// is SQLite failing to write `conn`'s database (or its `-wal`/`-journal`); otherwise as is.
pub(super) fn explained(conn: &Connection, e: Error) -> Error {
    let Error::Storage(rusqlite::Error::SqliteFailure(failure, _)) = &e else {
        return e;
    };
    if !matches!(failure.code, ErrorCode::DiskFull | ErrorCode::SystemIoFailure) {
        return e;
    }
    // SAFETY: the handle is valid while `conn` is borrowed; sqlite3_system_errno only
    // reads the connection's last OS error code.
    let errno = unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) };
    let why = match errno {
        libc::EFBIG => "the file size limit was reached (EFBIG: RLIMIT_FSIZE, see `ulimit -f`)".to_owned(),
        libc::ENOSPC => "no space left on the device (ENOSPC)".to_owned(),
        libc::EDQUOT => "the disk quota was exceeded (EDQUOT)".to_owned(),
        libc::EROFS => "the file system is read-only (EROFS)".to_owned(),
        libc::EIO => "the device reported an I/O error (EIO)".to_owned(),
        // SQLite reports a short write as full without an errno.
        0 if failure.code == ErrorCode::DiskFull => {
            "no space left on the device (ENOSPC: a write came back short)".to_owned()
        }
        0 => return e,
        n => format!("{} (errno {n})", std::io::Error::from_raw_os_error(n)),
    };
    let file = conn
        .path()
        .filter(|p| !p.is_empty())
        .unwrap_or("the in-memory database");
    Error::Disk(format!(
        "{e}: writing {file} (or its -wal/-shm file): {why}; nothing of this call was written"
    ))
}
