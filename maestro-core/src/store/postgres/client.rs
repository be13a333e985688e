//! Synchronous connections to PostgreSQL that are safe to use from anywhere, including
//! from inside a host's own async runtime.
//!
//! The blocking `postgres` crate drives each connection with a runtime of its own and
//! panics when called from a thread that already runs one. Here every connection's I/O
//! runs on one private runtime thread (`maestro-pg`), and callers wait for their requests
//! with a plain executor that only parks the calling thread: no runtime is ever entered
//! on the caller's thread.

use super::tls::Target;
use crate::error::{Error, Result};
use crate::store::rows::{Cols, Val};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Row, Statement};

/// A query parameter.
pub(super) type Param = Box<dyn ToSql + Sync + Send>;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("maestro-pg")
            .enable_all()
            .build()
            .expect("cannot start the PostgreSQL I/O thread")
    })
}

/// Waits for `f` on the calling thread without entering any runtime.
pub(super) fn wait<F: Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// Runs `f` on the private runtime and waits for it: for what needs the runtime's I/O
/// driver itself (connecting).
pub(super) fn on_runtime<T: Send + 'static>(f: impl Future<Output = Result<T>> + Send + 'static) -> Result<T> {
    wait(runtime().spawn(f)).map_err(|e| Error::Internal(format!("the PostgreSQL I/O task failed: {e}")))?
}

/// The error for a failed PostgreSQL call. Waiting past the lock timeout, a deadlock and a
/// serialization failure are [`ErrorKind::Busy`]: retrying may succeed.
pub(super) fn pg_error(e: tokio_postgres::Error) -> Error {
    use tokio_postgres::error::SqlState;
    let busy = matches!(
        e.code(),
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE
            || *c == SqlState::QUERY_CANCELED
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
    );
    let message = match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({}): {d}", db.message(), db.code().code()),
            None => format!("{} ({})", db.message(), db.code().code()),
        },
        None => {
            // The cause is in the chain ("error performing TLS handshake: invalid peer
            // certificate: UnknownIssuer").
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    };
    if busy {
        Error::Busy(message)
    } else {
        Error::Server(message)
    }
}

/// One connection with its prepared statements.
pub(super) struct Conn {
    client: Client,
    statements: RefCell<HashMap<String, Statement>>,
}

impl Cols for Row {
    fn val(&self, i: usize) -> Result<Val> {
        let ty = self
            .columns()
            .get(i)
            .ok_or_else(|| Error::Internal(format!("no column {i}")))?
            .type_()
            .clone();
        let get = |e: tokio_postgres::Error| Error::Internal(format!("stored column {i} is unreadable: {e}"));
        Ok(match ty {
            Type::INT8 => self.try_get::<_, Option<i64>>(i).map_err(get)?.map(Val::Int),
            Type::INT4 => self
                .try_get::<_, Option<i32>>(i)
                .map_err(get)?
                .map(|n| Val::Int(n.into())),
            Type::INT2 => self
                .try_get::<_, Option<i16>>(i)
                .map_err(get)?
                .map(|n| Val::Int(n.into())),
            Type::BOOL => self
                .try_get::<_, Option<bool>>(i)
                .map_err(get)?
                .map(|b| Val::Int(b.into())),
            Type::FLOAT8 => self.try_get::<_, Option<f64>>(i).map_err(get)?.map(Val::Real),
            Type::FLOAT4 => self
                .try_get::<_, Option<f32>>(i)
                .map_err(get)?
                .map(|f| Val::Real(f.into())),
            Type::BYTEA => self.try_get::<_, Option<Vec<u8>>>(i).map_err(get)?.map(Val::Blob),
            _ => self.try_get::<_, Option<String>>(i).map_err(get)?.map(Val::Text),
        }
        .unwrap_or(Val::Null))
    }
}

impl Conn {
    /// A new connection (the pool's, or one of its own outside any pool).
    pub(super) fn connect(target: Target) -> Result<Conn> {
        let client = on_runtime(async move { target.connect().await })?;
        Ok(Conn {
            client,
            statements: RefCell::new(HashMap::new()),
        })
    }

    /// Whether the connection can still be used.
    fn is_open(&self) -> bool {
        !self.client.is_closed()
    }

    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = wait(self.client.prepare(sql)).map_err(pg_error)?;
        self.statements.borrow_mut().insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Runs one or more statements with no parameters (transaction control, DDL).
    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        wait(self.client.batch_execute(sql)).map_err(pg_error)
    }

    /// Runs one or more statements with no parameters and returns the first column of the
    /// last row any of them returned (as text): several statements in one round trip.
    pub(super) fn batch_value(&self, sql: &str) -> Result<Option<String>> {
        let messages = wait(self.client.simple_query(sql)).map_err(pg_error)?;
        Ok(messages.iter().rev().find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        }))
    }

    /// The rows of `sql`.
    pub(super) fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let stmt = self.statement(sql)?;
        wait(self.client.query(&stmt, params)).map_err(pg_error)
    }

    /// The rows of `sql`, planned for these very parameter values (not prepared): for a
    /// query whose best plan depends on them, where the generic plan of a prepared
    /// statement can read a whole session's events instead of its last few.
    pub(super) fn query_planned(&self, sql: &str, params: &[(&(dyn ToSql + Sync), Type)]) -> Result<Vec<Row>> {
        wait(self.client.query_typed(sql, params)).map_err(pg_error)
    }

    /// How many rows `sql` changed.
    pub(super) fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        wait(self.client.execute(&stmt, params)).map_err(pg_error)
    }
}

/// A bounded pool of connections to one database.
pub(super) struct Pool {
    target: Target,
    idle: Mutex<Vec<Conn>>,
    /// Connections handed out or idle.
    open: Mutex<usize>,
    freed: Condvar,
    max: usize,
    wait: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pool {
    pub(super) fn new(target: Target, max: usize, wait: Duration) -> Pool {
        Pool {
            target,
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            freed: Condvar::new(),
            max: max.max(1),
            wait,
        }
    }

    /// Where the pool connects (for a connection outside it: LISTEN).
    pub(super) fn target(&self) -> Target {
        self.target.clone()
    }

    /// A connection: an idle one, a new one while fewer than `max` are open, or the next
    /// one returned, waiting up to the busy timeout.
    pub(super) fn get(&self) -> Result<Pooled<'_>> {
        if let Some(c) = lock(&self.idle).pop() {
            return Ok(Pooled {
                pool: self,
                conn: Some(c),
            });
        }
        let deadline = Instant::now() + self.wait;
        let mut open = lock(&self.open);
        loop {
            if let Some(c) = lock(&self.idle).pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(c),
                });
            }
            if *open < self.max {
                *open += 1;
                drop(open);
                return match Conn::connect(self.target.clone()) {
                    Ok(c) => Ok(Pooled {
                        pool: self,
                        conn: Some(c),
                    }),
                    Err(e) => {
                        *lock(&self.open) -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Busy(format!(
                    "all {} connections of the pool stayed in use for {} ms",
                    self.max,
                    self.wait.as_millis()
                )));
            }
            open = self.freed.wait_timeout(open, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// A connection taken from a [`Pool`], returned to it on drop (or closed, if broken).
pub(super) struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl Pooled<'_> {
    /// Closes the connection instead of returning it (its session state is unknown).
    pub(super) fn discard(mut self) {
        self.conn = None;
        *lock(&self.pool.open) -= 1;
        self.pool.freed.notify_one();
    }
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if c.is_open() {
                lock(&self.pool.idle).push(c);
            } else {
                *lock(&self.pool.open) -= 1;
            }
            self.pool.freed.notify_one();
        }
    }
}
