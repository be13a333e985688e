//! The queue in front of SQLite's write lock: an exclusive OS lock on a sidecar file
//! (`<db>-write.lock`) that every Maestro writer of every process takes around
//! `BEGIN IMMEDIATE … COMMIT`.
//!
//! SQLite lets a waiting writer only poll its lock, so under load whoever just committed
//! takes it again first and a slow poller can starve for seconds. Waiters of this lock
//! sleep in the kernel and are woken as soon as it is released. SQLite's own lock stays the
//! correctness guarantee: a writer that does not take this lock (an older Maestro, the
//! `sqlite3` shell) is still serialised by SQLite and waited for by the busy handler.
//!
//! - **A process killed while holding it** releases it: the kernel drops the lock with the
//!   process's last descriptor of the file. The file itself stays and is reused.
//! - **Where the file system has no such lock** (the call fails with "not supported" or
//!   "no locks available"), or the file cannot be created, writers fall back to SQLite's
//!   busy handler alone, as before this lock existed.
//! - **The busy timeout still holds**: a wait longer than it gives up with `Busy`, and the
//!   lock, if granted later, is released at once.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// One handle's side of the sidecar lock.
pub(super) struct WriteLock {
    file: Arc<File>,
    /// Requests to the thread that waits in the kernel on the caller's behalf (started at
    /// the first contended acquire), so a caller can give up after the busy timeout.
    waiter: Mutex<Option<Sender<Arc<Request>>>>,
}

/// One blocking acquire handed to the waiting thread.
#[derive(Default)]
struct Request {
    state: Mutex<Grant>,
    changed: Condvar,
}

#[derive(Default)]
struct Grant {
    granted: bool,
    abandoned: bool,
    failed: Option<String>,
}

impl WriteLock {
    /// Opens (creating with mode 0600) `<db>-write.lock` beside `db`. `None` when the file
    /// cannot be created or the file system does not support the lock.
    pub(super) fn open(db: &Path) -> Option<WriteLock> {
        let mut path = db.as_os_str().to_owned();
        path.push("-write.lock");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(Path::new(&path)).ok()?;
        // Probe once: a file system without the lock answers here, not under load.
        match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(_)) => return None,
        }
        Some(WriteLock {
            file: Arc::new(file),
            waiter: Mutex::new(None),
        })
    }

    /// Takes the lock, waiting at most `timeout` in the kernel's queue.
    pub(super) fn acquire(&self, timeout: Duration) -> Result<()> {
        match self.file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e.into()),
        }
        let request = Arc::new(Request::default());
        self.send(request.clone())?;
        let deadline = Instant::now() + timeout;
        let mut grant = request.state.lock().unwrap_or_else(|p| p.into_inner());
        while !grant.granted {
            if let Some(e) = grant.failed.take() {
                return Err(Error::Busy(format!("waiting for the write lock failed: {e}")));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                grant.abandoned = true;
                return Err(Error::Busy(format!(
                    "another process held the write lock for more than {} ms",
                    timeout.as_millis()
                )));
            }
            grant = request
                .changed
                .wait_timeout(grant, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        Ok(())
    }

    /// Releases the lock.
    pub(super) fn release(&self) {
        // Unlocking a held lock cannot fail on a descriptor that stays open.
        let _ = self.file.unlock();
    }

    fn send(&self, request: Arc<Request>) -> Result<()> {
        let mut waiter = self.waiter.lock().unwrap_or_else(|p| p.into_inner());
        if waiter.is_none() {
            let (tx, rx) = channel::<Arc<Request>>();
            let file = self.file.clone();
            std::thread::Builder::new()
                .name("maestro-write-lock".into())
                .spawn(move || {
                    for request in rx {
                        let locked = file.lock();
                        let mut grant = request.state.lock().unwrap_or_else(|p| p.into_inner());
                        if let Err(e) = locked {
                            grant.failed = Some(e.to_string());
                            request.changed.notify_one();
                        } else if grant.abandoned {
                            let _ = file.unlock();
                        } else {
                            grant.granted = true;
                            request.changed.notify_one();
                        }
                    }
                })
                .map_err(|e| Error::Internal(format!("starting the write-lock thread: {e}")))?;
            *waiter = Some(tx);
        }
        waiter
            .as_ref()
            .expect("set above")
            .send(request)
            .map_err(|_| Error::Internal("the write-lock thread stopped".into()))
    }
}
