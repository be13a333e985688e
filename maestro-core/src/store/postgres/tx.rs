//! [`ReadTx`] and [`WriteTx`] over one PostgreSQL connection inside an open transaction.
//!
//! Reads run in a `REPEATABLE READ READ ONLY` transaction: one snapshot for the whole
//! call. A write transaction first locks `feed_state` (`SELECT head ... FOR UPDATE`) and
//! runs at `READ COMMITTED`, so writers of every host run one at a time, exactly as on
//! SQLite, and each statement after the lock sees everything committed before it. That
//! lock is what makes the feed's `seq` gap-free in commit order: seq is `head + 1` under
//! the lock, and the lock is released only by the commit that makes the events visible.
//!
//! This module holds the transaction, the helpers every area's queries share, and
//! savepoints. Each area's queries and mutations are in the sibling module named after it
//! (`tasks.rs`, …).

use super::client::{Conn, Param};
use crate::error::{Error, Result};
use crate::feed::event::NewEvent;
use crate::store::rows::Cols;
use crate::store::{ReadTx, WriteTx};
use std::cell::Cell;
use tokio_postgres::types::ToSql;

/// The channel on which commits announce the feed's new head (a wake-up hint only).
pub(super) const CHANNEL: &str = "maestro_feed";

pub(super) struct PgTx<'c> {
    pub(super) conn: &'c Conn,
    /// The last seq handed out (write transactions only).
    pub(super) head: i64,
    pub(super) events: Vec<(i64, NewEvent)>,
    savepoints: usize,
    /// Set when a statement failed: PostgreSQL then refuses every later statement of the
    /// transaction until a savepoint is rolled back to.
    failed: Cell<bool>,
}

/// A query whose WHERE clause holds only the filters that are set.
pub(super) struct Query {
    pub(super) sql: String,
    pub(super) params: Vec<Param>,
}

impl Query {
    pub(super) fn new(head: impl Into<String>) -> Self {
        Query {
            sql: head.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder (`$n`).
    pub(super) fn bind(&mut self, v: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(v));
        format!("${}", self.params.len())
    }

    /// Appends ` AND <clause>` where the clause's `?` is the next parameter.
    pub(super) fn and<T: ToSql + Sync + Send + 'static>(&mut self, clause: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            let p = self.bind(v);
            self.sql.push_str(" AND ");
            self.sql.push_str(&clause.replace('?', &p));
        }
        self
    }

    /// Appends the ORDER BY and a LIMIT.
    pub(super) fn order_limit(&mut self, order: &str, limit: usize) -> &mut Self {
        self.sql.push_str(" ORDER BY ");
        self.sql.push_str(order);
        if limit < i64::MAX as usize {
            self.sql.push_str(&format!(" LIMIT {limit}"));
        }
        self
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
    }
}

impl<'c> PgTx<'c> {
    pub(super) fn new(conn: &'c Conn, head: i64) -> Self {
        PgTx {
            conn,
            head,
            events: Vec::new(),
            savepoints: 0,
            failed: Cell::new(false),
        }
    }

    pub(super) fn head(&self) -> i64 {
        self.head
    }

    pub(super) fn into_events(self) -> Vec<(i64, NewEvent)> {
        self.events
    }

    fn live(&self) -> Result<()> {
        if self.failed.get() {
            return Err(Error::Aborted(
                "an earlier statement of this transaction failed, so PostgreSQL rolled it back".into(),
            ));
        }
        Ok(())
    }

    fn noted<T>(&self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.failed.set(true);
        }
        r
    }

    pub(super) fn rows(&self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<Vec<tokio_postgres::Row>> {
        self.live()?;
        self.noted(self.conn.query(sql, p))
    }

    /// The rows of `sql` planned for its parameter values (see `Conn::query_planned`).
    pub(super) fn all_planned<T>(
        &self,
        sql: &str,
        p: &[(&(dyn ToSql + Sync), tokio_postgres::types::Type)],
        map: fn(&dyn Cols) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.live()?;
        self.noted(self.conn.query_planned(sql, p))?
            .iter()
            .map(|r| map(r))
            .collect()
    }

    /// The first row of [`PgTx::all_planned`].
    pub(super) fn one_planned<T>(
        &self,
        sql: &str,
        p: &[(&(dyn ToSql + Sync), tokio_postgres::types::Type)],
        map: fn(&dyn Cols) -> Result<T>,
    ) -> Result<Option<T>> {
        Ok(self.all_planned(sql, p, map)?.into_iter().next())
    }

    pub(super) fn one<T>(
        &self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        map: fn(&dyn Cols) -> Result<T>,
    ) -> Result<Option<T>> {
        self.rows(sql, p)?.first().map(|r| map(r)).transpose()
    }

    pub(super) fn all<T>(
        &self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        map: fn(&dyn Cols) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows(sql, p)?.iter().map(|r| map(r)).collect()
    }

    pub(super) fn query<T>(&self, q: &Query, map: fn(&dyn Cols) -> Result<T>) -> Result<Vec<T>> {
        self.all(&q.sql, &q.refs(), map)
    }

    /// The first column of the first row as an integer (0 when there is no row).
    pub(super) fn scalar(&self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<i64> {
        Ok(self.one(sql, p, |r| r.get::<Option<i64>>(0))?.flatten().unwrap_or(0))
    }

    pub(super) fn exec(&self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.live()?;
        self.noted(self.conn.execute(sql, p))
    }
}

impl ReadTx for PgTx<'_> {}

impl WriteTx for PgTx<'_> {
    fn savepoint(&mut self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        self.live()?;
        self.savepoints += 1;
        let name = format!("sp{}", self.savepoints);
        let (mark, head) = (self.events.len(), self.head);
        self.conn.batch(&format!("SAVEPOINT {name}"))?;
        let r = f(self);
        self.savepoints -= 1;
        match r {
            Ok(()) => {
                self.noted(self.conn.batch(&format!("RELEASE {name}")))?;
                Ok(())
            }
            Err(e) => {
                self.events.truncate(mark);
                self.head = head;
                // Undoing the savepoint also clears PostgreSQL's failed state.
                match self.conn.batch(&format!("ROLLBACK TO {name}; RELEASE {name}")) {
                    Ok(()) => self.failed.set(false),
                    Err(_) => self.failed.set(true),
                }
                Err(e)
            }
        }
    }
}
