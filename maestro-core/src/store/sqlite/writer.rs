//! The writer connection of a store, shared by every thread of one handle, with group
//! commit.
//!
//! Every write call runs in one SQLite transaction taken under the cross-process
//! [`WriteLock`]. When other threads of the same handle are already waiting to write as a
//! call finishes, its transaction is left open for them: each of them runs its own call
//! inside it, in a savepoint, so a failing call undoes only itself. The last of the group
//! commits once, with one sync at `full`, and every call whose work is in the group
//! returns only after that commit is durable. While a group is smaller than the last one,
//! its last call waits a moment (at most what the last commit cost, and never more than
//! half a millisecond) for calls just acknowledged to come back and join. A lone writer
//! commits at once.
//! If the group's commit fails (or SQLite rolls the transaction back on its own), every
//! call of the group fails and nothing of it was written.

use super::tx::SqlTx;
use super::write_lock::WriteLock;
use super::{close_open, control, lock};
use crate::error::{Error, Result};
use crate::feed::event::NewEvent;
use crate::store::vectors::VectorCache;
use crate::store::{Committed, WriteTx};
use rusqlite::Connection;
use std::any::Any;
use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Calls one group may hold: bounds how long the group keeps the write lock from other
/// processes and how long its first call waits for its acknowledgement.
const MAX_MEMBERS: usize = 32;

/// The longest a member waits for more calls to join before it commits.
const MAX_LINGER: Duration = Duration::from_micros(500);

/// Failed groups remembered for their members (a group fails only when its commit does).
const FAILURES_KEPT: usize = 64;

/// The one writer connection of a handle.
pub(super) struct Writer {
    state: Mutex<State>,
    /// Signalled whenever a group ends, for calls that wait holding the writer's mutex
    /// (lingering members, maintenance waiting for an idle connection).
    ended: Condvar,
    /// The groups that ended, for members that wait for their commit without the
    /// writer's mutex (so their wake-up does not compete with the next group).
    done: Mutex<Done>,
    finished: Condvar,
    /// Threads between asking for the writer and getting it.
    waiting: AtomicUsize,
    lock: Option<WriteLock>,
    grouping: bool,
    busy_timeout: Duration,
    /// Calls acknowledged and commits made.
    calls: AtomicU64,
    commits: AtomicU64,
}

/// The connection and the group whose transaction is open on it.
pub(super) struct State {
    pub(super) conn: Connection,
    open: Option<u64>,
    members: usize,
    next: u64,
    ended: u64,
    /// Feed events of the open group's calls that wait for its commit.
    events: Vec<(i64, NewEvent)>,
    /// Calls waiting on `ended` (lingering members, maintenance waiting for the idle
    /// connection).
    sleepers: usize,
    /// Calls the last committed group carried, and what its commit cost.
    last_members: usize,
    commit_cost: Duration,
}

/// The last group that ended, and recent groups whose commit failed.
#[derive(Default)]
struct Done {
    ended: u64,
    failed: VecDeque<(u64, String)>,
    /// Calls waiting on `finished`.
    sleepers: usize,
}

impl Done {
    fn outcome(&self, group: u64) -> Result<()> {
        match self.failed.iter().find(|(g, _)| *g == group) {
            Some((_, why)) => Err(Error::Aborted(why.clone())),
            None => Ok(()),
        }
    }
}

/// Why a call of a group returns without its work: its own failure or panic.
enum Left {
    Error(Error),
    Panic(Box<dyn Any + Send>),
}

/// How one call's work went inside the group's transaction.
enum Ran {
    /// Its work is in the transaction.
    Done(Vec<(i64, NewEvent)>),
    /// It failed and undid only its own work.
    Failed(Error),
    /// It panicked and undid only its own work.
    Panicked(Box<dyn Any + Send>),
    /// SQLite rolled the whole transaction back: the group is lost.
    Lost(Error),
}

impl Writer {
    /// Wraps the writer connection. `lock` queues writers across processes; `grouping`
    /// lets concurrent calls share a commit (off for in-memory stores, whose reads share
    /// this connection).
    pub(super) fn new(conn: Connection, lock: Option<WriteLock>, grouping: bool, busy_timeout: Duration) -> Self {
        Writer {
            state: Mutex::new(State {
                conn,
                open: None,
                members: 0,
                next: 1,
                ended: 0,
                events: Vec::new(),
                sleepers: 0,
                last_members: 1,
                commit_cost: Duration::ZERO,
            }),
            ended: Condvar::new(),
            done: Mutex::new(Done::default()),
            finished: Condvar::new(),
            waiting: AtomicUsize::new(0),
            lock,
            grouping,
            busy_timeout,
            calls: AtomicU64::new(0),
            commits: AtomicU64::new(0),
        }
    }

    /// Calls acknowledged and commits made so far.
    pub(super) fn counts(&self) -> (u64, u64) {
        (self.calls.load(Ordering::Relaxed), self.commits.load(Ordering::Relaxed))
    }

    /// The connection with no transaction open on it, for work outside write calls.
    pub(super) fn idle(&self) -> MutexGuard<'_, State> {
        let mut s = lock(&self.state);
        while s.open.is_some() {
            s.sleepers += 1;
            s = self.ended.wait(s).unwrap_or_else(|p| p.into_inner());
            s.sleepers -= 1;
        }
        close_open(&s.conn);
        s
    }

    /// Runs `f` on the idle connection under the cross-process write lock, for
    /// maintenance that writes outside a write call (vacuum steps).
    pub(super) fn exclusive<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let s = self.idle();
        if let Some(l) = &self.lock {
            l.acquire(self.busy_timeout)?;
        }
        let r = f(&s.conn);
        if let Some(l) = &self.lock {
            l.release();
        }
        r
    }

    /// Runs `f` as one atomic call, possibly sharing its commit with concurrent calls;
    /// `committed` gets the events of each commit, in commit order (see [`Store::write`]).
    ///
    /// [`Store::write`]: crate::store::Store::write
    pub(super) fn write(
        &self,
        vectors: &VectorCache,
        f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>,
        committed: &Committed<'_>,
    ) -> Result<()> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut s = lock(&self.state);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let (group, ran) = match s.open {
            Some(g) => (g, join(&s.conn, vectors, f)),
            None => {
                self.begin(&mut s)?;
                let g = s.next;
                s.next += 1;
                s.open = Some(g);
                match first(&s.conn, vectors, f) {
                    Ran::Done(events) => (g, Ran::Done(events)),
                    // The first call is alone in the transaction: undoing it ends the group.
                    Ran::Failed(e) | Ran::Lost(e) => {
                        self.end(&mut s, g, None);
                        return Err(e);
                    }
                    Ran::Panicked(p) => {
                        self.end(&mut s, g, None);
                        drop(s);
                        resume_unwind(p);
                    }
                }
            }
        };
        let mine = match ran {
            Ran::Done(events) => {
                s.events.extend(events);
                Ok(())
            }
            Ran::Failed(e) => Err(Left::Error(e)),
            Ran::Panicked(p) => Err(Left::Panic(p)),
            Ran::Lost(e) => {
                self.end(
                    &mut s,
                    group,
                    Some(format!(
                        "SQLite rolled back the transaction that carried it with concurrent calls of this handle, so none of them was written: {e}"
                    )),
                );
                return Err(e);
            }
        };
        s.members += 1;
        // Commit now, or leave the group open to calls about to join. Any member holding
        // the writer while the group is open may commit it; the last to join usually does.
        // A member lingers (for at most what the last commit cost) while the group is
        // smaller than the last one, so calls just acknowledged can come back and join.
        let linger_until = Instant::now() + s.commit_cost.min(MAX_LINGER);
        loop {
            if s.ended >= group {
                drop(s);
                return self.outcome(group, mine);
            }
            let open_to_more = self.grouping && s.members < MAX_MEMBERS;
            if open_to_more && self.waiting.load(Ordering::SeqCst) > 0 {
                // Someone is about to join: they (or a later joiner) end the group.
                drop(s);
                return self.outcome(group, mine);
            }
            let now = Instant::now();
            if open_to_more && s.members < s.last_members && now < linger_until {
                s.sleepers += 1;
                s = self
                    .ended
                    .wait_timeout(s, linger_until - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
                s.sleepers -= 1;
                continue;
            }
            self.commit(&mut s, group, committed);
            drop(s);
            return self.outcome(group, mine);
        }
    }

    /// Commits the open group `group`, hands its events to `committed` and ends it.
    fn commit(&self, s: &mut State, group: u64, committed: &Committed<'_>) {
        let started = Instant::now();
        let done = control(&s.conn, "COMMIT");
        s.commit_cost = started.elapsed();
        let failure = done.err().map(|e| match s.members {
            1 => format!("its commit failed: {e}"),
            n => format!(
                "the commit that carried it and {} other concurrent call(s) of this handle failed, so none of them was written: {e}",
                n - 1
            ),
        });
        if failure.is_none() {
            self.commits.fetch_add(1, Ordering::Relaxed);
            s.last_members = s.members;
            // Under the writer's lock: the next commit's events cannot overtake these.
            committed(&std::mem::take(&mut s.events));
        }
        self.end(s, group, failure);
    }

    /// What a call returns: its own failure, or (for a call whose work is in group
    /// `group`) the group's outcome once it has ended.
    fn outcome(&self, group: u64, mine: Result<(), Left>) -> Result<()> {
        match mine {
            Ok(()) => {
                let mut done = lock(&self.done);
                while done.ended < group {
                    done.sleepers += 1;
                    done = self.finished.wait(done).unwrap_or_else(|p| p.into_inner());
                    done.sleepers -= 1;
                }
                done.outcome(group)?;
                self.calls.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(Left::Error(e)) => Err(e),
            Err(Left::Panic(p)) => resume_unwind(p),
        }
    }

    /// Takes the write lock and opens a transaction.
    fn begin(&self, s: &mut State) -> Result<()> {
        close_open(&s.conn);
        if let Some(l) = &self.lock {
            l.acquire(self.busy_timeout)?;
        }
        control(&s.conn, "BEGIN IMMEDIATE").inspect_err(|_| {
            if let Some(l) = &self.lock {
                l.release();
            }
        })
    }

    /// Ends group `g` (after its commit, or rolled back with `failure`), releases the
    /// write lock and wakes the group's waiting calls.
    fn end(&self, s: &mut State, g: u64, failure: Option<String>) {
        close_open(&s.conn);
        if let Some(l) = &self.lock {
            l.release();
        }
        s.open = None;
        s.members = 0;
        s.events.clear();
        s.ended = g;
        let mut done = lock(&self.done);
        done.ended = g;
        if let Some(why) = failure {
            if done.failed.len() == FAILURES_KEPT {
                done.failed.pop_front();
            }
            done.failed.push_back((g, why));
        }
        // Waking nobody is a system call too: skipped when nobody sleeps.
        if done.sleepers > 0 {
            self.finished.notify_all();
        }
        drop(done);
        if s.sleepers > 0 {
            self.ended.notify_all();
        }
    }
}

/// Runs the first call of a group directly in the transaction.
fn first(conn: &Connection, vectors: &VectorCache, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Ran {
    let mut tx = SqlTx::new(conn, vectors).writing();
    match catch_unwind(AssertUnwindSafe(|| f(&mut tx))) {
        Ok(Ok(())) if tx.aborted() => Ran::Lost(aborted()),
        Ok(Ok(())) => Ran::Done(tx.into_events()),
        Ok(Err(e)) => Ran::Failed(super::disk::explained(conn, e)),
        Err(p) => Ran::Panicked(p),
    }
}

/// Runs a joining call in a savepoint of the group's transaction.
fn join(conn: &Connection, vectors: &VectorCache, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Ran {
    if let Err(e) = control(conn, "SAVEPOINT member") {
        return Ran::Lost(e);
    }
    let mut tx = SqlTx::new(conn, vectors).writing();
    let ran = match catch_unwind(AssertUnwindSafe(|| f(&mut tx))) {
        Ok(Ok(())) if tx.aborted() => return Ran::Lost(aborted()),
        Ok(Ok(())) => Ran::Done(tx.into_events()),
        Ok(Err(e)) => Ran::Failed(super::disk::explained(conn, e)),
        Err(p) => Ran::Panicked(p),
    };
    if conn.is_autocommit() {
        return match ran {
            Ran::Failed(e) => Ran::Lost(e),
            _ => Ran::Lost(aborted()),
        };
    }
    let kept = match ran {
        Ran::Done(_) => control(conn, "RELEASE member"),
        _ => control(conn, "ROLLBACK TO member").and_then(|()| control(conn, "RELEASE member")),
    };
    match kept {
        Ok(()) => ran,
        Err(e) => Ran::Lost(e),
    }
}

fn aborted() -> Error {
    Error::Aborted("SQLite rolled the transaction back after an earlier error; nothing was written".into())
}
