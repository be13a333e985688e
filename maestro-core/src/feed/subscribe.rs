//! In-process push of committed events.

use super::{Event, EventFilter, NewEvent};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

/// The live subscriptions of one handle. Events are delivered after their transaction
/// commits, in commit order, never for a rolled-back transaction.
#[derive(Default)]
pub(crate) struct Subscribers {
    list: Mutex<List>,
}

#[derive(Default)]
struct List {
    /// Each subscription with the seq after which it wants events.
    subs: Vec<(EventFilter, Sender<Event>, i64)>,
    /// The highest seq a follower of the feed delivered.
    delivered: i64,
}

impl Subscribers {
    fn list(&self) -> std::sync::MutexGuard<'_, List> {
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn add(&self, filter: EventFilter) -> Subscription {
        self.add_after(filter, 0)
    }

    /// A subscription to events after `seen` and after what was already delivered.
    pub(crate) fn add_after(&self, filter: EventFilter, seen: i64) -> Subscription {
        let (tx, rx) = channel();
        let mut list = self.list();
        let after = seen.max(list.delivered);
        list.subs.push((filter, tx, after));
        Subscription { rx }
    }

    /// Delivers events read from the feed (in seq order) to the subscriptions that
    /// want them.
    pub(crate) fn deliver(&self, events: &[Event]) {
        let mut list = self.list();
        if let Some(last) = events.last() {
            list.delivered = list.delivered.max(last.seq);
        }
        list.subs.retain(|(filter, tx, after)| {
            events
                .iter()
                .filter(|e| e.seq > *after && filter.matches(e))
                .all(|e| tx.send(e.clone()).is_ok())
        });
    }

    /// Whether any subscription is live.
    pub(crate) fn is_empty(&self) -> bool {
        self.list().subs.is_empty()
    }

    pub(crate) fn publish(&self, committed: &[(i64, NewEvent)]) {
        if committed.is_empty() {
            return;
        }
        let mut list = self.list();
        if list.subs.is_empty() {
            return;
        }
        let events: Vec<Event> = committed.iter().map(|(seq, e)| e.clone().committed(*seq)).collect();
        // A send fails only when the Subscription was dropped: forget it.
        list.subs.retain(|(filter, tx, _)| {
            events
                .iter()
                .filter(|e| filter.matches(e))
                .all(|e| tx.send(e.clone()).is_ok())
        });
    }
}

/// A stream of committed events matching a filter, pushed by the handle that created it.
/// On SQLite, only writes made through that handle (in this process) are pushed (use
/// `events_since` to follow other processes); on a shared server store (PostgreSQL),
/// writes of every process and host are, read from the feed. Dropping it unsubscribes.
pub struct Subscription {
    rx: Receiver<Event>,
}

impl Subscription {
    /// Waits up to `timeout` for the next event; `None` on timeout or when the handle closed.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        match self.rx.recv_timeout(timeout) {
            Ok(e) => Some(e),
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Waits up to `timeout` for the next event, telling a timeout apart from a closed
    /// handle (after which no event will ever come).
    pub fn wait(&self, timeout: Duration) -> Wait {
        match self.rx.recv_timeout(timeout) {
            Ok(e) => Wait::Event(e),
            Err(RecvTimeoutError::Timeout) => Wait::Timeout,
            Err(RecvTimeoutError::Disconnected) => Wait::Closed,
        }
    }

    /// The next event if one is already waiting.
    pub fn try_recv(&self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// Every event already waiting, without blocking.
    pub fn drain(&self) -> Vec<Event> {
        self.rx.try_iter().collect()
    }
}

/// What [`Subscription::wait`] saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    /// The next matching event.
    Event(Event),
    /// Nothing arrived within the timeout.
    Timeout,
    /// The handle was closed: nothing more will arrive.
    Closed,
}
