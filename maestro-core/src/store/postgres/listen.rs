//! The wake-up hint of subscriptions: a dedicated connection that `LISTEN`s for the
//! `NOTIFY` every commit sends. Only a hint: a subscriber reads the feed itself and also
//! polls, so a lost notification (a connection pooler in transaction mode drops them, a
//! restarted server) delays delivery by at most one poll.

use super::client::{on_runtime, pg_error};
use super::tx::CHANNEL;
use crate::error::Result;
use crate::store::FeedWatch;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;
use tokio_postgres::{AsyncMessage, Client, NoTls};

/// A listening connection; dropping it closes the connection.
pub(super) struct Listener {
    woken: Receiver<()>,
    _client: Client,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    pub(super) fn start(config: tokio_postgres::Config, _url: &str) -> Result<Listener> {
        let (tx, woken) = channel();
        let (client, task) = on_runtime(async move {
            let (client, mut connection) = config.connect(NoTls).await.map_err(pg_error)?;
            let task = tokio::spawn(async move {
                while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    if matches!(message, AsyncMessage::Notification(_)) && tx.send(()).is_err() {
                        break;
                    }
                }
            });
            client
                .batch_execute(&format!("LISTEN {CHANNEL}"))
                .await
                .map_err(pg_error)?;
            Ok((client, task))
        })?;
        Ok(Listener {
            woken,
            _client: client,
            task,
        })
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

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}
