//! [`ReadTx`] and [`WriteTx`] over one SQLite connection inside an open transaction: the
//! transaction, the helpers every area's queries share, and savepoints. Each area's
//! queries and mutations are in the sibling module named after it (`tasks.rs`, …).

use crate::error::{Error, Result};
use crate::feed::event::NewEvent;
use crate::store::rows::{Cols, Val};
use crate::store::vectors::VectorCache;
use crate::store::{ReadTx, WriteTx};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Params};

pub(super) struct SqlTx<'c> {
    pub(super) conn: &'c Connection,
    /// The in-memory copy of the failures' embeddings, shared by every transaction.
    pub(super) vectors: &'c VectorCache,
    /// Whether this transaction may write: it then never updates the shared vector copy,
    /// which must hold committed rows only.
    pub(super) writer: bool,
    pub(super) events: Vec<(i64, NewEvent)>,
    savepoints: usize,
    /// Set when SQLite rolled the whole transaction back on its own (full disk, I/O
    /// error): nothing more may run, or it would run outside any transaction.
    aborted: bool,
}

/// A query whose WHERE clause holds only the filters that are set. Each combination is
/// its own cached statement: a `?1 IS NULL OR ...` form would make SQLite re-prepare the
/// statement on every call, because its plan depends on the bound value.
pub(super) struct Query {
    pub(super) sql: String,
    pub(super) params: Vec<Value>,
}

impl Query {
    pub(super) fn new(head: String, first: impl Into<Value>) -> Self {
        Query {
            sql: head,
            params: vec![first.into()],
        }
    }

    /// Appends ` AND <clause>` where the clause's `?` is the next parameter.
    pub(super) fn and(&mut self, clause: &str, value: Option<impl Into<Value>>) -> &mut Self {
        if let Some(v) = value {
            self.params.push(v.into());
            self.sql.push_str(" AND ");
            self.sql
                .push_str(&clause.replace('?', &format!("?{}", self.params.len())));
        }
        self
    }

    /// Appends the ORDER BY and a literal LIMIT: a bound LIMIT also makes SQLite
    /// re-prepare the statement on every call.
    pub(super) fn order_limit(&mut self, order: &str, limit: usize) -> &mut Self {
        self.sql.push_str(" ORDER BY ");
        self.sql.push_str(order);
        if limit < i64::MAX as usize {
            self.sql.push_str(&format!(" LIMIT {limit}"));
        }
        self
    }
}

/// An FTS5 query of `words`, each quoted so it is never syntax, joined by `joiner`
/// (`" "` for all of them, `" OR "` for any).
pub(super) fn fts5_query(words: &[String], joiner: &str) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(joiner)
}

/// `s` as an SQL string literal.
pub(super) fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl<'c> SqlTx<'c> {
    pub(super) fn query<T>(&self, q: &Query, map: fn(&dyn Cols) -> Result<T>) -> Result<Vec<T>> {
        self.all(&q.sql, rusqlite::params_from_iter(q.params.iter()), map)
    }

    pub(super) fn new(conn: &'c Connection, vectors: &'c VectorCache) -> Self {
        SqlTx {
            conn,
            vectors,
            writer: false,
            events: Vec::new(),
            savepoints: 0,
            aborted: false,
        }
    }

    /// This transaction as the write transaction it is.
    pub(super) fn writing(mut self) -> Self {
        self.writer = true;
        self
    }

    pub(super) fn into_events(self) -> Vec<(i64, NewEvent)> {
        self.events
    }

    /// Whether SQLite rolled the transaction back on its own.
    pub(super) fn aborted(&self) -> bool {
        self.aborted || self.conn.is_autocommit()
    }

    pub(super) fn live(&self) -> Result<()> {
        if self.aborted {
            return Err(Error::Aborted(
                "SQLite rolled the transaction back after an earlier error".into(),
            ));
        }
        Ok(())
    }

    pub(super) fn one<T>(&self, sql: &str, p: impl Params, map: fn(&dyn Cols) -> Result<T>) -> Result<Option<T>> {
        self.live()?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(p)?;
        rows.next()?.map(|r| map(r)).transpose()
    }

    pub(super) fn all<T>(&self, sql: &str, p: impl Params, map: fn(&dyn Cols) -> Result<T>) -> Result<Vec<T>> {
        self.live()?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(p)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(map(r)?);
        }
        Ok(out)
    }

    pub(super) fn scalar(&self, sql: &str, p: impl Params) -> Result<i64> {
        self.live()?;
        Ok(self.conn.prepare_cached(sql)?.query_row(p, |r| r.get(0))?)
    }

    pub(super) fn exec(&self, sql: &str, p: impl Params) -> Result<usize> {
        self.live()?;
        Ok(self.conn.prepare_cached(sql)?.execute(p)?)
    }
}

impl Cols for rusqlite::Row<'_> {
    fn val(&self, i: usize) -> Result<Val> {
        Ok(match self.get_ref(i)? {
            ValueRef::Null => Val::Null,
            ValueRef::Integer(n) => Val::Int(n),
            ValueRef::Real(f) => Val::Real(f),
            ValueRef::Text(t) => Val::Text(
                String::from_utf8(t.to_vec())
                    .map_err(|e| Error::Internal(format!("stored column {i} is not UTF-8: {e}")))?,
            ),
            ValueRef::Blob(b) => Val::Blob(b.to_vec()),
        })
    }
}

impl ReadTx for SqlTx<'_> {}

impl WriteTx for SqlTx<'_> {
    fn savepoint(&mut self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        self.savepoints += 1;
        let name = format!("sp{}", self.savepoints);
        let mark = self.events.len();
        self.exec(&format!("SAVEPOINT {name}"), [])?;
        let r = f(self);
        self.savepoints -= 1;
        match r {
            Ok(()) => {
                self.exec(&format!("RELEASE {name}"), [])?;
                Ok(())
            }
            Err(e) => {
                self.events.truncate(mark);
                let undone = self.conn.is_autocommit()
                    || self.exec(&format!("ROLLBACK TO {name}"), []).is_err()
                    || self.exec(&format!("RELEASE {name}"), []).is_err();
                if undone && self.conn.is_autocommit() {
                    self.aborted = true;
                }
                Err(e)
            }
        }
    }
}
