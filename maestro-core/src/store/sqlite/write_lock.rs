//! The queue in front of SQLite's write lock: an exclusive OS lock on a sidecar file
//! (`<db>-write.lock`) that every Maestro writer of every process takes around
//! `BEGIN IMMEDIATE … COMMIT`.
//!
//! SQLite lets a waiting writer only poll its lock, so under load whoever just committed
//! takes it again first and a slow poller can starve for seconds. Waiters of this lock
//! sleep in the kernel and are woken as soon as it is released, and a writer that releases
//! the lock while others wait lets one of them have it before taking it again (hand-off),
//! so writers take turns. SQLite's own lock stays the correctness guarantee: a writer that
//! does not take this lock (an older Maestro, the `sqlite3` shell) is still serialised by
//! SQLite and waited for by the busy handler.
//!
//! On Linux the lock is an open-file-description lock on byte 0 of the file; waiters
//! also hold a shared lock on byte 1 while they wait, which is how a releaser knows
//! someone waits, and each holder bumps a counter at bytes 8..16 of the file, mapped
//! into memory, which is how it knows someone else had its turn. An uncontended write
//! costs two `fcntl` calls. Elsewhere it is a plain `flock`, without hand-off.
//!
//! - **A process killed while holding or waiting for it** releases it: the kernel drops
//!   the locks with the process's last descriptor of the file. The file stays and is
//!   reused.
//! - **Where the file system has no such lock** (the call fails with "not supported" or
//!   "no locks available"), or the file cannot be created, writers fall back to SQLite's
//!   busy handler alone, as before this lock existed.
//! - **`MAESTRO_WRITE_QUEUE=off`** in the environment of a process turns the lock off for
//!   the stores it opens (for a file system whose locks misbehave, and for comparison).
//! - **The busy timeout still holds**: a wait longer than it gives up with `Busy`, and the
//!   lock, if granted later, is released at once.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a releaser that saw waiters lets them take the lock before it may take it
/// again itself: a woken waiter takes it within tens of microseconds.
const HAND_OFF: Duration = Duration::from_millis(2);

/// Turns a writer may take in a row while others wait. Taking the lock again at once
/// saves a context switch per commit (throughput); handing it off bounds every waiter's
/// wait to about `STREAK` commits of each other writer (fairness).
const STREAK: u32 = 8;

/// One handle's side of the sidecar lock.
pub(super) struct WriteLock {
    file: Arc<File>,
    /// The shared turn counter; `None` where it cannot be mapped (no hand-off then).
    turn: Option<os::Turn>,
    /// Requests to the thread that waits in the kernel on the caller's behalf (started at
    /// the first contended acquire), so a caller can give up after the busy timeout.
    waiter: Mutex<Option<Sender<Arc<Request>>>>,
    turns: Mutex<Turns>,
}

/// This handle's view of the turn counter.
#[derive(Default)]
struct Turns {
    /// The counter after this handle's last acquire.
    last: u64,
    /// Turns this handle took in a row.
    streak: u32,
    /// The counter at a release that must hand off: the next acquire waits until it moves.
    hand_off: Option<u64>,
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
        if std::env::var_os("MAESTRO_WRITE_QUEUE").is_some_and(|v| v == "off") {
            return None;
        }
        let mut path = db.as_os_str().to_owned();
        path.push("-write.lock");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(Path::new(&path)).ok()?;
        // Probe once: a file system without the lock answers here, not under load.
        match os::try_lock(&file) {
            Ok(true) => os::unlock(&file),
            Ok(false) => {}
            Err(_) => return None,
        }
        Some(WriteLock {
            turn: os::Turn::map(&file),
            file: Arc::new(file),
            waiter: Mutex::new(None),
            turns: Mutex::new(Turns::default()),
        })
    }

    /// Takes the lock, waiting at most `timeout` in the kernel's queue.
    pub(super) fn acquire(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let hand_off = self.turns.lock().unwrap_or_else(|p| p.into_inner()).hand_off.take();
        if let (Some(turn), Some(counter)) = (hand_off, &self.turn) {
            let until = Instant::now() + HAND_OFF;
            while counter.get() == turn && Instant::now() < until {
                std::thread::sleep(Duration::from_micros(20));
            }
        }
        if os::try_lock(&self.file)? {
            self.took();
            return Ok(());
        }
        let request = Arc::new(Request::default());
        self.send(request.clone())?;
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
        self.took();
        Ok(())
    }

    /// Counts the turn just taken.
    fn took(&self) {
        let Some(counter) = &self.turn else {
            return;
        };
        let before = counter.next();
        let mut t = self.turns.lock().unwrap_or_else(|p| p.into_inner());
        t.streak = if before == t.last { t.streak + 1 } else { 1 };
        t.last = before.wrapping_add(1);
    }

    /// Releases the lock; after a streak of turns while others wait, the next
    /// [`WriteLock::acquire`] lets one of them go first.
    pub(super) fn release(&self) {
        let mut t = self.turns.lock().unwrap_or_else(|p| p.into_inner());
        if t.streak >= STREAK {
            // Checked once per streak: a lone writer pays for it every STREAK turns.
            if os::others_wait(&self.file) {
                t.hand_off = Some(t.last);
            }
            t.streak = 0;
        }
        drop(t);
        os::unlock(&self.file);
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
                        let locked = os::lock(&file);
                        let mut grant = request.state.lock().unwrap_or_else(|p| p.into_inner());
                        if let Err(e) = locked {
                            grant.failed = Some(e.to_string());
                            request.changed.notify_one();
                        } else if grant.abandoned {
                            os::unlock(&file);
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

#[cfg(target_os = "linux")]
mod os {
    //! Open-file-description byte-range locks (`F_OFD_*`): owned by the open file, so two
    //! handles of one process exclude each other like two processes do.

    use std::fs::File;
    use std::io;
    use std::os::unix::io::AsRawFd;

    const WRITE: i64 = 0;
    const WAITING: i64 = 1;
    const TURN: u64 = 8;

    fn range(kind: i32, start: i64) -> libc::flock {
        // SAFETY: `flock` is plain data; zero is a valid value of every field.
        let mut l: libc::flock = unsafe { std::mem::zeroed() };
        l.l_type = kind as _;
        l.l_whence = libc::SEEK_SET as _;
        l.l_start = start as _;
        l.l_len = 1;
        l
    }

    fn fcntl(file: &File, cmd: i32, l: &mut libc::flock) -> io::Result<()> {
        loop {
            // SAFETY: the descriptor is open for the life of `file`; `l` is a valid flock.
            if unsafe { libc::fcntl(file.as_raw_fd(), cmd, l as *mut libc::flock) } == 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Takes the write lock if it is free: `Ok(false)` when another holds it.
    pub(super) fn try_lock(file: &File) -> io::Result<bool> {
        match fcntl(file, libc::F_OFD_SETLK, &mut range(libc::F_WRLCK, WRITE)) {
            Ok(()) => Ok(true),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EACCES)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Waits for the write lock, marked as waiting meanwhile.
    pub(super) fn lock(file: &File) -> io::Result<()> {
        // The marker is shared among waiters and conflicts with nothing they take.
        let marked = fcntl(file, libc::F_OFD_SETLK, &mut range(libc::F_RDLCK, WAITING)).is_ok();
        let r = fcntl(file, libc::F_OFD_SETLKW, &mut range(libc::F_WRLCK, WRITE));
        if marked {
            let _ = fcntl(file, libc::F_OFD_SETLK, &mut range(libc::F_UNLCK, WAITING));
        }
        r
    }

    pub(super) fn unlock(file: &File) {
        let _ = fcntl(file, libc::F_OFD_SETLK, &mut range(libc::F_UNLCK, WRITE));
    }

    /// Whether another open file waits for the write lock.
    pub(super) fn others_wait(file: &File) -> bool {
        let mut l = range(libc::F_WRLCK, WAITING);
        fcntl(file, libc::F_OFD_GETLK, &mut l).is_ok() && i32::from(l.l_type) != libc::F_UNLCK
    }

    /// The turn counter, in a page of the lock file mapped shared by every process: how
    /// many times the lock was taken. Lives in the page cache (never synced): a hint for
    /// the hand-off, not state.
    pub(super) struct Turn(*mut u8);

    // SAFETY: the mapping is only accessed through the atomic below.
    unsafe impl Send for Turn {}
    unsafe impl Sync for Turn {}

    const PAGE: usize = 4096;

    impl Turn {
        pub(super) fn map(file: &File) -> Option<Turn> {
            if file.metadata().ok()?.len() < PAGE as u64 {
                // Growing it twice (two processes at once) is harmless.
                file.set_len(PAGE as u64).ok()?;
            }
            // SAFETY: a fresh shared mapping of one page of an open file; unmapped in Drop.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    PAGE,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    file.as_raw_fd(),
                    0,
                )
            };
            (p != libc::MAP_FAILED).then(|| Turn(p as *mut u8))
        }

        fn counter(&self) -> &std::sync::atomic::AtomicU64 {
            // SAFETY: the page is mapped for the life of `self`; offset 8 is 8-aligned.
            unsafe { &*(self.0.add(TURN as usize) as *const std::sync::atomic::AtomicU64) }
        }

        pub(super) fn get(&self) -> u64 {
            self.counter().load(std::sync::atomic::Ordering::Acquire)
        }

        /// Counts a turn; returns the count before it.
        pub(super) fn next(&self) -> u64 {
            self.counter().fetch_add(1, std::sync::atomic::Ordering::AcqRel)
        }
    }

    impl Drop for Turn {
        fn drop(&mut self) {
            // SAFETY: mapped in `map` with this length.
            unsafe { libc::munmap(self.0 as *mut libc::c_void, PAGE) };
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    //! `flock`: one lock per open file, no waiting marker, so no hand-off.

    use std::fs::{File, TryLockError};
    use std::io;

    pub(super) fn try_lock(file: &File) -> io::Result<bool> {
        match file.try_lock() {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    pub(super) fn lock(file: &File) -> io::Result<()> {
        file.lock()
    }

    pub(super) fn unlock(file: &File) {
        let _ = file.unlock();
    }

    pub(super) fn others_wait(_: &File) -> bool {
        false
    }

    /// No shared counter here: no hand-off.
    pub(super) struct Turn;

    impl Turn {
        pub(super) fn map(_: &File) -> Option<Turn> {
            None
        }

        pub(super) fn get(&self) -> u64 {
            0
        }

        pub(super) fn next(&self) -> u64 {
            0
        }
    }
}
