//! The PostgreSQL store: one database that agents on many hosts share, opened by a
//! `postgres://` (or `postgresql://`) URL, with every guarantee of the SQLite store.
//!
//! - every write call is one transaction; writers of every host take one row lock first
//!   (`feed_state`), so they run one at a time, and compare-and-swap updates and claims
//!   behave as on SQLite; the lock wait is bounded by the busy timeout (`Busy` after it);
//! - the change feed's `seq` is assigned under that lock and is gap-free in commit order:
//!   a catch-up reader never misses an event that commits later with a lower seq;
//! - reads run in a `REPEATABLE READ` snapshot and never wait for writers;
//! - commits announce themselves with `NOTIFY maestro_feed`, which subscriptions use as
//!   a wake-up hint (the feed stays the source of truth; they also poll);
//! - connections come from a bounded pool; all their I/O runs on a private thread, so the
//!   synchronous API is safe to call from inside a host's async runtime;
//! - the password of the URL never appears in an error message.
//!
//! The schema lives in the database's current schema (`search_path`): give
//! `options=-csearch_path%3Dname` in the URL to keep several stores in one database.

mod checkpoints;
mod client;
mod decisions;
mod feed;
mod learning;
mod listen;
pub mod migrations;
mod projects;
mod queues;
mod retention;
mod sessions;
mod tasks;
mod threads;
mod tls;
mod tx;
mod workflows;

use crate::error::{Error, Result};
use crate::store::sqlite::Durability;
use crate::store::url::{redact, split_password};
use crate::store::{Committed, FeedWatch, ReadTx, Store, WriteTx};
use client::{Pool, Pooled};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use tx::PgTx;

/// PostgreSQL settings.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// The most connections one handle opens (readers and the writer together).
    pub pool_size: usize,
    /// How long a writer waits for another writer (of any host), and a caller for a free
    /// pooled connection, before `Busy`.
    pub busy_timeout: Duration,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// What an acknowledged write survives: `Full` waits for the server's WAL flush
    /// (`synchronous_commit = on`); `Normal` does not (`off`): a crash of this process
    /// loses nothing acknowledged, a crash of the server may lose the last commits.
    pub durability: Durability,
    /// Open for reading only: no migration (a store whose schema is not this library's
    /// is [`Error::Incompatible`]), every session `default_transaction_read_only`, and
    /// every write refused with [`Error::ReadOnly`].
    pub read_only: bool,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            pool_size: 16,
            busy_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            durability: Durability::Full,
            read_only: false,
        }
    }
}

/// The PostgreSQL implementation of [`Store`].
pub struct PostgresStore {
    pool: Pool,
    /// The URL without its password.
    url: String,
    /// The URL as given (for `pg_dump`).
    full_url: String,
    options: PostgresOptions,
    /// The writers of this handle, in turn: their commits then reach `committed` in
    /// commit order.
    writer: Mutex<()>,
}

impl PostgresStore {
    /// Connects to the database at `url` and applies the migrations it lacks.
    pub fn open(url: &str, options: PostgresOptions) -> Result<Self> {
        let shown = redact(url);
        let mut target = tls::Target::parse(url, &shown)?;
        if target.config.get_connect_timeout().is_none() {
            target.config.connect_timeout(options.connect_timeout);
        }
        if target.config.get_application_name().is_none() {
            target.config.application_name("maestro");
        }
        if options.read_only {
            let given = target.config.get_options().unwrap_or_default().to_owned();
            target
                .config
                .options(format!("{given} -c default_transaction_read_only=on").trim_start());
        }
        let pool = Pool::new(target, options.pool_size, options.busy_timeout);
        let store = PostgresStore {
            pool,
            url: shown.clone(),
            full_url: url.to_owned(),
            options,
            writer: Mutex::new(()),
        };
        if store.options.read_only {
            let have = migrations::current(&*store.connection()?)?;
            crate::store::version::readable(have, migrations::latest(), &store.url)?;
        } else {
            migrations::migrate(&*store.connection()?)?;
        }
        Ok(store)
    }

    /// The URL this store was opened with, its password replaced.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<usize> {
        migrations::current(&*self.connection()?)
    }

    fn connection(&self) -> Result<Pooled<'_>> {
        self.pool.get().map_err(|e| match e {
            Error::Server(m) => Error::Server(format!("{}: {m}", self.url)),
            other => other,
        })
    }

    /// Runs `body` between `begin` and COMMIT (ROLLBACK when it fails); a connection whose
    /// transaction could not be ended is closed rather than reused.
    fn run<T>(&self, begin: &str, body: impl FnOnce(&Pooled<'_>) -> Result<T>) -> Result<T> {
        let conn = self.connection()?;
        conn.batch(begin)?;
        let r = body(&conn);
        let end = conn.batch(if r.is_ok() { "COMMIT" } else { "ROLLBACK" });
        match (r, end) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => {
                conn.discard();
                Err(e)
            }
            (Err(e), end) => {
                if end.is_err() {
                    conn.discard();
                }
                Err(e)
            }
        }
    }
}

impl Store for PostgresStore {
    fn read(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<()>) -> Result<()> {
        self.run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", |conn| {
            f(&PgTx::new(conn, 0))
        })
    }

    fn write(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>, committed: &Committed<'_>) -> Result<()> {
        self.writable()?;
        let _turn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let conn = self.connection()?;
        // One round trip opens the transaction and waits for the writers' lock; one more
        // publishes the new head and commits. Everything between is the call's own work.
        let begin = format!(
            "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = {}; SET LOCAL synchronous_commit = {};
             SELECT head FROM feed_state FOR UPDATE",
            self.options.busy_timeout.as_millis().max(1),
            match self.options.durability {
                Durability::Full => "on",
                Durability::Normal => "off",
            }
        );
        let mut run = || -> Result<Vec<_>> {
            let head: i64 = conn
                .batch_value(&begin)?
                .and_then(|h| h.parse().ok())
                .ok_or_else(|| Error::Internal("feed_state has no head".into()))?;
            let mut tx = PgTx::new(&conn, head);
            f(&mut tx)?;
            let last = tx.head();
            let events = tx.into_events();
            if last > head {
                conn.batch(&format!(
                    "UPDATE feed_state SET head = {last}; SELECT pg_notify('{}', '{last}'); COMMIT",
                    tx::CHANNEL
                ))?;
            } else {
                conn.batch("COMMIT")?;
            }
            Ok(events)
        };
        match run() {
            Ok(events) => {
                drop(conn);
                committed(&events);
                Ok(())
            }
            Err(e) => {
                // Whatever failed (the call, or the commit itself), nothing of it stays.
                if conn.batch("ROLLBACK").is_err() {
                    conn.discard();
                }
                Err(e)
            }
        }
    }

    fn backup(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(Error::validation(
                "backup",
                "dest",
                format!("{} already exists", dest.display()),
            ));
        }
        // The store is the connection's schema, not the whole database.
        let schema = self
            .connection()?
            .batch_value("SELECT current_schema()")?
            .ok_or_else(|| Error::Internal("the connection has no current schema".into()))?;
        let (url, password) = split_password(&self.full_url);
        let mut cmd = std::process::Command::new("pg_dump");
        cmd.arg("--format=custom")
            .arg(format!("--schema=\"{}\"", schema.replace('"', "\"\"")))
            .arg("--file")
            .arg(dest)
            .arg("--dbname")
            .arg(&url);
        if let Some(p) = password {
            cmd.env("PGPASSWORD", p);
        }
        let out = cmd.output().map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!(
                    "cannot run pg_dump ({e}): a PostgreSQL store is backed up by the server's tools; \
                     install the PostgreSQL client, or use export for a portable copy"
                ),
            ))
        })?;
        if !out.status.success() {
            let _ = std::fs::remove_file(dest);
            return Err(Error::Server(format!(
                "pg_dump of {} failed: {}",
                self.url,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    fn writable(&self) -> Result<()> {
        if self.options.read_only {
            return Err(Error::ReadOnly(self.url.clone()));
        }
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn schema_version(&self) -> Result<usize> {
        Self::schema_version(self)
    }

    fn check_integrity(&self) -> Result<()> {
        // PostgreSQL checks its own pages; what can drift is what the schema cannot
        // enforce: the ready-set counter and the feed head.
        let conn = self.connection()?;
        let rows = conn.query(
            "SELECT
               (SELECT COUNT(*) FROM tasks t WHERE t.open_deps <> (
                   SELECT COUNT(*) FROM task_deps d JOIN tasks u ON u.id = d.depends_on
                   WHERE d.task_id = t.id AND u.status <> 'completed')),
               (SELECT head FROM feed_state) - COALESCE((SELECT MAX(seq) FROM events), 0)",
            &[],
        )?;
        let (counts, head_gap): (i64, i64) = rows.first().map(|r| (r.get(0), r.get(1))).unwrap_or((0, 0));
        if counts != 0 || head_gap < 0 {
            return Err(Error::Incompatible(format!(
                "integrity check failed: {counts} tasks with a wrong open-dependency count, feed head {head_gap} from the last event"
            )));
        }
        Ok(())
    }

    fn size_bytes(&self) -> Result<u64> {
        let conn = self.connection()?;
        let rows = conn.query(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
             WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace",
            &[],
        )?;
        Ok(rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0).max(0) as u64)
    }

    fn reclaim_space(&self) -> Result<()> {
        self.writable()?;
        // Plain VACUUM makes deleted rows' space reusable without locking writers out;
        // autovacuum does the same on its own schedule.
        let conn = self.connection()?;
        conn.batch(
            "VACUUM (ANALYZE) events, tasks, sessions, queue_items, session_tasks, decisions, checkpoints, workflows",
        )
    }

    fn settle(&self) -> Result<()> {
        Ok(())
    }

    /// A session-level advisory lock (keyed by the store's schema) on a connection of its
    /// own, released when the guard drops the connection.
    fn maintenance_lock(&self) -> Result<Box<dyn std::any::Any + Send>> {
        self.writable()?;
        let conn = client::Conn::connect(self.pool.target())?;
        conn.batch("SELECT pg_advisory_lock(1835361652, hashtext(current_schema()))")?;
        Ok(Box::new(conn))
    }

    fn watch(&self) -> Result<Option<Box<dyn FeedWatch>>> {
        Ok(Some(Box::new(listen::Listener::start(self.pool.target())?)))
    }
}
