//! Following the change feed for the subscriptions of a handle on a shared store, where
//! other processes and hosts commit too: a thread reads the feed after every wake-up
//! hint (or poll) and delivers what it finds. The feed is the source of truth, so a lost
//! hint only delays delivery, and delivery order is seq order, which is commit order.

use super::{Event, EventFilter, Subscribers};
use crate::error::{Error, Result};
use crate::store::{FeedWatch, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the follower waits for a hint before it reads the feed anyway.
const POLL: Duration = Duration::from_millis(250);

/// Events read per query.
const PAGE: usize = 1000;

/// The thread following the feed; stopped and joined on drop.
pub(crate) struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Follower {
    /// Starts following after seq `from`.
    pub(crate) fn start(
        store: Arc<dyn Store>,
        subscribers: Arc<Subscribers>,
        mut watch: Box<dyn FeedWatch>,
        from: i64,
    ) -> Result<Follower> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("maestro-feed".into())
            .spawn(move || {
                let mut last = from;
                while !stopped.load(Ordering::Relaxed) {
                    watch.wait(POLL);
                    // A failed read (a restarting server) is retried at the next wake-up.
                    while let Ok(events) = page(&*store, last) {
                        let Some(e) = events.last() else { break };
                        last = e.seq;
                        let full = events.len() == PAGE;
                        subscribers.deliver(&events);
                        if !full || stopped.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                }
            })
            .map_err(|e| Error::Internal(format!("cannot start the feed follower: {e}")))?;
        Ok(Follower {
            stop,
            thread: Some(thread),
        })
    }
}

fn page(store: &dyn Store, after: i64) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    store.read(&mut |tx| {
        out = tx
            .events_since(after, &EventFilter::default(), PAGE)?
            .into_iter()
            .map(|e| e.parse())
            .collect::<Result<_>>()?;
        Ok(())
    })?;
    Ok(out)
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
