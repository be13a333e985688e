//! In-process push of committed events.

use super::{Event, EventFilter, NewEvent};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

/// The live subscriptions of one handle. Events are delivered after their transaction
/// commits, in commit order, never for a rolled-back transaction.
#[derive(Default)]
pub(crate) struct Subscribers {
    list: Mutex<Vec<(EventFilter, Sender<Event>)>>,
}

impl Subscribers {
    pub(crate) fn add(&self, filter: EventFilter) -> Subscription {
        let (tx, rx) = channel();
        self.list.lock().unwrap_or_else(|p| p.into_inner()).push((filter, tx));
        Subscription { rx }
    }

    pub(crate) fn publish(&self, committed: &[(i64, NewEvent)]) {
        if committed.is_empty() {
            return;
        }
        let mut list = self.list.lock().unwrap_or_else(|p| p.into_inner());
        if list.is_empty() {
            return;
        }
        let events: Vec<Event> = committed.iter().map(|(seq, e)| e.clone().committed(*seq)).collect();
        // A send fails only when the Subscription was dropped: forget it.
        list.retain(|(filter, tx)| {
            events
                .iter()
                .filter(|e| filter.matches(e))
                .all(|e| tx.send(e.clone()).is_ok())
        });
    }
}

/// A stream of committed events matching a filter, pushed by the handle that created it.
/// Only writes made through that handle (in this process) are pushed; use
/// `events_since` to follow other processes. Dropping it unsubscribes.
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
