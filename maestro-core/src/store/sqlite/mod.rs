//! The embedded default store: SQLite in WAL mode. The only module that speaks SQL.
//!
//! - every write call is atomic on a single writer connection per handle; writers of
//!   every process queue for a sidecar OS lock (`<db>-write.lock`) before SQLite's own, and
//!   concurrent calls of one handle may share a commit (group commit); a writer waits up to
//!   the busy timeout;
//! - reads run on a pool of read-only connections, each in its own snapshot, so
//!   readers never wait for writers;
//! - new database files are created with mode 0600 (SQLite gives its `-wal` and `-shm`
//!   files the same mode);
//! - durability `full` syncs the WAL on every commit (an acknowledged write survives
//!   power loss); `normal` survives a process crash.

mod checkpoints;
mod decisions;
mod disk;
mod feed;
mod learning;
pub mod migrations;
mod projects;
mod queues;
mod retention;
mod sessions;
mod tasks;
mod threads;
mod tx;
mod workflows;
mod write_lock;
mod writer;

use crate::error::{Error, Result};
use crate::store::vectors::VectorCache;
use crate::store::{Committed, ReadTx, Store, WriteTx};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tx::SqlTx;
use write_lock::WriteLock;
use writer::Writer;

crate::macros::str_enum!(
    /// What an acknowledged write survives.
    Durability, "options" {
        /// Power loss: the WAL is synced on every commit (`synchronous = FULL`). The default.
        Full => "full",
        /// A process crash (`synchronous = NORMAL`); a power loss may drop the last commits.
        Normal => "normal",
    }
);

#[allow(clippy::derivable_impls)] // the enum is declared by `str_enum!`, which derives no Default
impl Default for Durability {
    fn default() -> Self {
        Durability::Full
    }
}

/// What a connection may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// The writer: switches the file to WAL.
    Writer,
    /// A reader beside a writer of this handle (`query_only`).
    Reader,
    /// A connection of a read-only store: the file is opened read-only.
    ReadOnlyFile,
}

/// SQLite settings.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// What an acknowledged write survives.
    pub durability: Durability,
    /// How long a writer waits for another process's write lock before `Busy`.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(30),
        }
    }
}

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    writer: Writer,
    /// Read-only connections; `None` for an in-memory database, whose reads share the writer.
    readers: Option<Mutex<Vec<Connection>>>,
    path: Option<PathBuf>,
    options: SqliteOptions,
    vectors: VectorCache,
    /// Opened with [`SqliteStore::open_read_only`]: every connection is read-only.
    read_only: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a transaction poisons the mutex; the connection itself stays usable
    // once the open transaction is rolled back, which `begin` does.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Rolls back a transaction left open on `conn` (by a panic in a read, by a failed
/// commit); a no-op on an idle connection. A failing rollback is undone again next time.
fn close_open(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = control(conn, "ROLLBACK");
    }
}

/// Runs a transaction-control statement (`BEGIN`, `COMMIT`, ...) from the statement
/// cache: these run on every call, and parsing them each time is measurable.
fn control(conn: &Connection, sql: &str) -> Result<()> {
    let run = || -> Result<()> {
        conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    };
    run().map_err(|e| disk::explained(conn, e))
}

fn create_owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
    #[cfg(not(unix))]
    {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Makes `conn` wait up to `timeout` for another connection's lock, polling in short
/// steps at first: a lock held for a short transaction (a few hundred microseconds) is
/// taken within tens of microseconds of its release, where SQLite's own handler sleeps at
/// least a millisecond. Later steps grow to a millisecond, so a long wait costs little CPU.
fn wait_when_busy(conn: &mut Connection, timeout: Duration) -> Result<()> {
    let mut started = Instant::now();
    conn.busy_handler(Some(move |count: i32| {
        if count == 0 {
            started = Instant::now();
        }
        if started.elapsed() >= timeout {
            return false;
        }
        let step = match count {
            0..=19 => Duration::from_micros(20),
            20..=59 => Duration::from_micros(100),
            _ => Duration::from_millis(1),
        };
        std::thread::sleep(step.min(timeout.saturating_sub(started.elapsed())));
        true
    }))?;
    Ok(())
}

/// Retries `f` while SQLite reports busy, until `timeout`. Used for the steps the busy
/// handler does not cover (switching to WAL while another process does the same).
fn retry_busy<T>(timeout: Duration, mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    loop {
        match f() {
            Err(e) if e.kind() == crate::ErrorKind::Busy && start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(5))
            }
            other => return other,
        }
    }
}

/// Switches a database created without incremental auto-vacuum to it: a one-time
/// `VACUUM` that rewrites the file under the write lock (the migration of existing stores
/// to retention). Nothing to do for databases created by this version.
fn enable_incremental_vacuum(conn: &Connection) -> Result<()> {
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if mode == 2 {
        return Ok(());
    }
    conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
    Ok(())
}

/// Pages returned to the file system per step of [`Store::reclaim_space`]: 128 pages
/// (512 KiB at the default page size) take well under a millisecond.
const RECLAIM_PAGES: i64 = 128;

impl SqliteStore {
    /// Opens or creates the database at `path`, switches it to WAL and applies migrations.
    pub fn open(path: &Path, options: SqliteOptions) -> Result<Self> {
        Self::open_at_version(path, options, migrations::latest())
    }

    /// Opens the database migrated only up to `version`. For migration tests.
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, options: SqliteOptions, version: usize) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        create_owner_only(path)?;
        // SQLite opens a file it may not write read-only without a word, and the first
        // write would fail; a writable open that cannot write is refused here, at open,
        // whether SQLite noticed (a read-only folder: no -wal can be made) or not.
        let writer = Self::connect(path, &options, Access::Writer).map_err(|e| match e {
            Error::Storage(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::ReadOnly
                    // The file is there, yet cannot be opened to write: no -wal beside it.
                    || (f.code == rusqlite::ErrorCode::CannotOpen && std::fs::File::open(path).is_ok()) =>
            {
                Error::NotWritable(path.display().to_string())
            }
            e => e,
        })?;
        if writer.is_readonly(rusqlite::MAIN_DB)? {
            return Err(Error::NotWritable(path.display().to_string()));
        }
        let tables: i64 = writer.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables == 0 {
            // Only possible before the first table: space freed by deletes can then be
            // returned to the file system a few pages at a time.
            writer.execute_batch("PRAGMA auto_vacuum = INCREMENTAL")?;
        }
        retry_busy(options.busy_timeout, || migrations::migrate_to(&writer, version))?;
        if version >= migrations::RETENTION {
            // Best effort: a store that cannot be rewritten now (a full disk, a writer that
            // holds on) still opens; its freed pages are reused instead of returned, and
            // the next open tries again.
            let _ = retry_busy(options.busy_timeout, || enable_incremental_vacuum(&writer));
        }
        Ok(SqliteStore {
            writer: Writer::new(writer, WriteLock::open(path), true, options.busy_timeout),
            readers: Some(Mutex::new(Vec::new())),
            path: Some(path.to_owned()),
            options,
            vectors: VectorCache::default(),
            read_only: false,
        })
    }

    /// Opens the existing database at `path` for reading only: nothing is created (a
    /// missing file is [`Error::NotFound`]), nothing is migrated (a store whose schema is
    /// older or newer than this library's is [`Error::Incompatible`], saying what to
    /// run), and no lock a writer waits for is ever taken. Every connection is opened
    /// read-only, so a write through this store fails in SQLite itself as well.
    pub fn open_read_only(path: &Path, options: SqliteOptions) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::NotFound {
                entity: "store",
                id: path.display().to_string(),
            });
        }
        let conn = Self::connect(path, &options, Access::ReadOnlyFile)?;
        crate::store::version::readable(
            migrations::current(&conn)?,
            migrations::latest(),
            &path.display().to_string(),
        )?;
        Ok(SqliteStore {
            writer: Writer::new(conn, None, false, options.busy_timeout),
            readers: Some(Mutex::new(Vec::new())),
            path: Some(path.to_owned()),
            options,
            vectors: VectorCache::default(),
            read_only: true,
        })
    }

    /// A private in-memory database.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")?;
        conn.set_prepared_statement_cache_capacity(256);
        migrations::migrate_to(&conn, migrations::latest())?;
        Ok(SqliteStore {
            writer: Writer::new(conn, None, false, SqliteOptions::default().busy_timeout),
            readers: None,
            path: None,
            options: SqliteOptions::default(),
            vectors: VectorCache::default(),
            read_only: false,
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<usize> {
        migrations::current(&self.writer.idle().conn)
    }

    fn connect(path: &Path, options: &SqliteOptions, access: Access) -> Result<Connection> {
        let flags = match access {
            Access::ReadOnlyFile => OpenFlags::SQLITE_OPEN_READ_ONLY,
            Access::Writer | Access::Reader => OpenFlags::SQLITE_OPEN_READ_WRITE,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        wait_when_busy(&mut conn, options.busy_timeout)?;
        conn.set_prepared_statement_cache_capacity(256);
        if access == Access::Writer {
            retry_busy(options.busy_timeout, || {
                let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
                if mode.eq_ignore_ascii_case("wal") {
                    Ok(())
                } else {
                    Err(Error::Incompatible(format!(
                        "could not switch {} to WAL (journal_mode is {mode})",
                        path.display()
                    )))
                }
            })?;
        }
        let sync = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;"
        ))?;
        if access != Access::Writer {
            conn.execute_batch("PRAGMA query_only = ON;")?;
        }
        Ok(conn)
    }

    fn begin(conn: &Connection, sql: &str) -> Result<()> {
        close_open(conn);
        control(conn, sql)?;
        Ok(())
    }

    fn run_read(&self, conn: &Connection, f: &mut dyn FnMut(&dyn ReadTx) -> Result<()>) -> Result<()> {
        Self::begin(conn, "BEGIN")?;
        let tx = SqlTx::new(conn, &self.vectors);
        let r = f(&tx);
        let end = control(conn, if r.is_ok() { "COMMIT" } else { "ROLLBACK" });
        r?;
        end
    }
}

impl Store for SqliteStore {
    fn read(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<()>) -> Result<()> {
        let Some(pool) = &self.readers else {
            return self.run_read(&self.writer.idle().conn, f);
        };
        let conn = lock(pool).pop();
        let conn = match conn {
            Some(c) => c,
            None => Self::connect(
                self.path.as_deref().expect("file store has a path"),
                &self.options,
                if self.read_only {
                    Access::ReadOnlyFile
                } else {
                    Access::Reader
                },
            )?,
        };
        let r = self.run_read(&conn, f);
        lock(pool).push(conn);
        r
    }

    fn write(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>, committed: &Committed<'_>) -> Result<()> {
        self.writable()?;
        self.writer.write(&self.vectors, f, committed)
    }

    fn write_counts(&self) -> (u64, u64) {
        self.writer.counts()
    }

    fn backup(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(Error::validation(
                "backup",
                "dest",
                format!("{} already exists", dest.display()),
            ));
        }
        create_owner_only(dest)?;
        let conn = &self.writer.idle().conn;
        conn.backup(rusqlite::MAIN_DB, dest, rusqlite::backup::NO_PROGRESS)?;
        Ok(())
    }

    fn writable(&self) -> Result<()> {
        match (&self.path, self.read_only) {
            (Some(path), true) => Err(Error::ReadOnly(path.display().to_string())),
            _ => Ok(()),
        }
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn schema_version(&self) -> Result<usize> {
        Self::schema_version(self)
    }

    fn check_integrity(&self) -> Result<()> {
        let conn = &self.writer.idle().conn;
        let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(Error::Incompatible(format!("integrity check failed: {result}")))
        }
    }

    fn settle(&self) -> Result<()> {
        if self.path.is_some() && !self.read_only {
            let conn = &self.writer.idle().conn;
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    fn size_bytes(&self) -> Result<u64> {
        let Some(path) = &self.path else {
            let conn = &self.writer.idle().conn;
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            return Ok((pages * size) as u64);
        };
        let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        Ok(len(path) + len(Path::new(&wal)))
    }

    /// The file `<db>-prune.lock` beside the database, locked (`flock`) while held.
    fn maintenance_lock(&self) -> Result<Box<dyn std::any::Any + Send>> {
        self.writable()?;
        let Some(db) = &self.path else {
            return Ok(Box::new(()));
        };
        let mut name = db.as_os_str().to_owned();
        name.push("-prune.lock");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(PathBuf::from(name))?;
        f.lock()?;
        Ok(Box::new(f))
    }

    fn reclaim_space(&self) -> Result<()> {
        self.writable()?;
        loop {
            let started = Instant::now();
            let freed = self.writer.exclusive(|conn| {
                let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
                let auto: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
                if free == 0 || auto != 2 {
                    return Ok(0);
                }
                // The pragma frees one page per step: run it to the end.
                let mut stmt = conn.prepare(&format!("PRAGMA incremental_vacuum({RECLAIM_PAGES})"))?;
                let mut rows = stmt.query([])?;
                while rows.next()?.is_some() {}
                Ok(free)
            })?;
            let held = started.elapsed();
            if freed <= RECLAIM_PAGES {
                break;
            }
            self.settle()?;
            // Leave the lock free four times as long as this step held it, for the
            // writers of other processes.
            std::thread::sleep((held * 4).clamp(Duration::from_micros(200), Duration::from_millis(50)));
        }
        if self.path.is_some() {
            self.settle()?;
            let mut s = self.writer.idle();
            // Shrinks the WAL; waits at most briefly for readers (writers wait meanwhile),
            // and gives up if it must: the WAL then shrinks at its next restart.
            wait_when_busy(&mut s.conn, Duration::from_millis(5))?;
            let _ = s.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            wait_when_busy(&mut s.conn, self.options.busy_timeout)?;
        }
        Ok(())
    }
}
