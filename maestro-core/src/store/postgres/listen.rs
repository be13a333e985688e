//! The wake-up hint of subscriptions: a dedicated connection that `LISTEN`s for the
//! `NOTIFY` every commit sends. Only a hint: a subscriber reads the feed itself and also
//! polls, so a lost notification (a connection pooler in transaction mode drops them, a
//! restarted server) delays delivery by at most one poll.

use super::client::{on_runtime, pg_error};
use super::tls::Target;
use super::tx::CHANNEL;
use crate::error::Result;
use crate::store::FeedWatch;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;
use tokio_postgres::Client;

/// A listening connection; dropping it closes the connection.
pub(super) struct Listener {
    woken: Receiver<()>,
    /// Dropping it closes the connection, which ends the task forwarding its
    /// notifications.
    _client: Client,
}

impl Listener {
    pub(super) fn start(target: Target) -> Result<Listener> {
        let (tx, woken) = channel();
        let client = on_runtime(async move {
            let client = target.connect_listening(tx).await?;
            client
                .batch_execute(&format!("LISTEN {CHANNEL}"))
                .await
                .map_err(pg_error)?;
            Ok(client)
        })?;
        Ok(Listener { woken, _client: client })
    }
}

impl FeedWatch for Listener {
    fn wait(&mut self, timeout: Duration) -> bool {
        let woken = match self.woken.recv_timeout(timeout) {
            Ok(()) => true,
            Err(RecvTimeoutError::Timeout) => false,
            // The connection is gone: fall back to polling.
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(timeout);
                false
            }
        };
        while self.woken.try_recv().is_ok() {}
        woken
    }
}
