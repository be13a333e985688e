//! The handle: opens a store, hands out one namespace per area, runs batches and
//! pushes committed events to in-process subscribers.

use crate::checkpoint::Checkpoints;
use crate::config::{Config, ConfigSource};
use crate::decision::Decisions;
use crate::error::{Error, Result};
use crate::exchange::{self, ImportSummary};
use crate::feed::{EntityKind, Event, EventFilter, Follower, RawEvent, Subscribers, Subscription};
use crate::learning::{Learning, LearningThresholds};
use crate::project::Projects;
use crate::queue::Queues;
use crate::report::Reports;
use crate::session::Sessions;
use crate::store::sqlite::{Durability, SqliteOptions, SqliteStore};
use crate::store::{ReadTx, Store, WriteTx};
use crate::task::Tasks;
use crate::workflow::Workflows;
use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Something that runs reads and writes: the handle itself, or an open batch.
pub(crate) trait Exec {
    fn write_dyn(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()>;
    fn read_dyn(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<()>) -> Result<()>;
    fn config(&self) -> &Config;
    /// [`Error::ReadOnly`] on a handle opened read-only: checked before work outside
    /// the store (a git commit) that a refused write would leave behind.
    fn writable(&self) -> Result<()> {
        Ok(())
    }
}

/// The execution context a namespace runs its operations in.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a>(&'a dyn Exec);

impl<'a> Ctx<'a> {
    /// The context of a handle or an open batch.
    pub(crate) fn of(exec: &'a dyn Exec) -> Self {
        Ctx(exec)
    }

    /// The learning thresholds of the handle.
    pub(crate) fn thresholds(self) -> &'a LearningThresholds {
        &self.0.config().learning
    }

    /// The handle's configuration.
    pub(crate) fn config(self) -> &'a Config {
        self.0.config()
    }

    /// [`Error::ReadOnly`] when the handle was opened read-only.
    pub(crate) fn writable(self) -> Result<()> {
        self.0.writable()
    }

    /// The change feed read through this context (no subscriptions).
    pub(crate) fn events(self) -> Events<'a> {
        Events {
            ctx: self,
            subscribers: None,
        }
    }

    /// Runs `f` as one atomic write.
    pub(crate) fn write<T>(self, f: impl FnOnce(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.0.write_dyn(&mut |tx| {
            let f = f
                .take()
                .ok_or_else(|| Error::Internal("write closure ran twice".into()))?;
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| Error::Internal("write closure did not run".into()))
    }

    /// Runs `f` on one consistent snapshot.
    pub(crate) fn read<T>(self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.0.read_dyn(&mut |tx| {
            let f = f
                .take()
                .ok_or_else(|| Error::Internal("read closure ran twice".into()))?;
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| Error::Internal("read closure did not run".into()))
    }
}

/// How to open a [`Maestro`] on SQLite.
///
/// The store's `config.yaml` ([`Options::config`]) supplies the values of every field
/// left at its default here: a field set to something else wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// SQLite settings: durability, busy timeout.
    pub sqlite: SqliteOptions,
    /// When the learning layer prefers, avoids or alerts (config `learning`).
    pub learning: LearningThresholds,
    /// Which `config.yaml` to load: by default the one beside the database file, if any.
    pub config: ConfigSource,
    /// Open an existing store for reading only: nothing is created or migrated, no lock
    /// a writer waits for is taken, and every write fails with [`Error::ReadOnly`]. A
    /// missing database file is [`Error::NotFound`]; a store whose schema this library
    /// would have to migrate is [`Error::Incompatible`] (run `maestro migrate`).
    pub read_only: bool,
}

impl Options {
    /// Options with the given durability and defaults for the rest.
    pub fn durability(d: Durability) -> Self {
        Options {
            sqlite: SqliteOptions {
                durability: d,
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// An open Maestro state store. `Send + Sync`: share one handle between threads (for
/// example in an `Arc`). Every operation is one atomic transaction; many processes may
/// open the same database file at once.
pub struct Maestro {
    store: Arc<dyn Store>,
    subscribers: Arc<Subscribers>,
    /// On a store other hosts write to: the thread that follows the feed for the
    /// subscriptions, started by the first one.
    follower: Mutex<Option<Follower>>,
    /// Set once subscriptions are fed by the follower instead of this handle's commits.
    followed: AtomicBool,
    config: Config,
    /// The database file; `None` in memory.
    path: Option<std::path::PathBuf>,
    /// Held by a running prune, so two prunes of one handle never interleave.
    pub(crate) pruning: std::sync::Mutex<()>,
}

impl Exec for Maestro {
    fn write_dyn(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        self.store.write(f, &|events| {
            if !self.followed.load(Ordering::Acquire) {
                self.subscribers.publish(events)
            }
        })
    }

    fn read_dyn(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<()>) -> Result<()> {
        self.store.read(f)
    }

    fn config(&self) -> &Config {
        &self.config
    }

    fn writable(&self) -> Result<()> {
        self.store.writable()
    }
}

/// A group of operations committed together: all of them or none. Inside a batch,
/// each operation that fails is undone on its own (a savepoint), so the caller may
/// handle the error and go on; returning `Err` from the batch rolls everything back.
pub struct Batch<'t> {
    tx: RefCell<&'t mut dyn WriteTx>,
    config: &'t Config,
}

impl Exec for Batch<'_> {
    fn write_dyn(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        let mut tx = self
            .tx
            .try_borrow_mut()
            .map_err(|_| Error::Internal("nested batch operation".into()))?;
        tx.savepoint(f)
    }

    fn read_dyn(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<()>) -> Result<()> {
        let tx = self
            .tx
            .try_borrow()
            .map_err(|_| Error::Internal("nested batch operation".into()))?;
        let tx: &dyn WriteTx = &**tx;
        f(tx)
    }

    fn config(&self) -> &Config {
        self.config
    }
}

macro_rules! namespaces {
    ($ty:ty) => {
        impl $ty {
            /// Projects and their steering documents.
            pub fn projects(&self) -> Projects<'_> {
                Projects(Ctx(self))
            }
            /// Workflows, phases, approvals, history and spec documents.
            pub fn workflows(&self) -> Workflows<'_> {
                Workflows(Ctx(self))
            }
            /// Agent sessions and their timelines.
            pub fn sessions(&self) -> Sessions<'_> {
                Sessions(Ctx(self))
            }
            /// Tasks, dependencies, the ready set and claims.
            pub fn tasks(&self) -> Tasks<'_> {
                Tasks(Ctx(self))
            }
            /// Per-session queues.
            pub fn queues(&self) -> Queues<'_> {
                Queues(Ctx(self))
            }
            /// Git-backed checkpoints and rollback.
            pub fn checkpoints(&self) -> Checkpoints<'_> {
                Checkpoints(Ctx(self))
            }
            /// The decision log: decisions, outcomes, search and replay.
            pub fn decisions(&self) -> Decisions<'_> {
                Decisions(Ctx(self))
            }
            /// The learning layer: recommendations, task-ordering rules, similar
            /// failures, estimate correction and the other learning records.
            pub fn learning(&self) -> Learning<'_> {
                Learning(Ctx(self))
            }
            /// Agent threads: LangGraph-style checkpoints and pending writes.
            pub fn threads(&self) -> crate::thread::Threads<'_> {
                crate::thread::Threads(Ctx(self))
            }
            /// Markdown reports rendered from stored state.
            pub fn reports(&self) -> Reports<'_> {
                Reports(Ctx(self))
            }
            /// The change feed.
            pub fn events(&self) -> Events<'_> {
                Events {
                    ctx: Ctx(self),
                    subscribers: self.subscribers(),
                }
            }
        }
    };
}

namespaces!(Maestro);
namespaces!(Batch<'_>);

impl Batch<'_> {
    fn subscribers(&self) -> Option<&Maestro> {
        None
    }
}

impl Maestro {
    fn subscribers(&self) -> Option<&Maestro> {
        Some(self)
    }

    /// A new subscription. On a store that reports other writers ([`Store::watch`]), the
    /// first one starts the follower of the feed, which then feeds every subscription.
    fn subscribe(&self, filter: EventFilter) -> Result<Subscription> {
        let mut follower = self.follower.lock().unwrap_or_else(|p| p.into_inner());
        if follower.is_none() && !self.followed.load(Ordering::Acquire) && self.subscribers.is_empty() {
            if let Some(watch) = self.store.watch()? {
                let from = Ctx(self).read(|tx| tx.latest_seq())?;
                *follower = Some(Follower::start(
                    self.store.clone(),
                    self.subscribers.clone(),
                    watch,
                    from,
                )?);
                self.followed.store(true, Ordering::Release);
            }
        }
        if self.followed.load(Ordering::Acquire) {
            let seen = Ctx(self).read(|tx| tx.latest_seq())?;
            Ok(self.subscribers.add_after(filter, seen))
        } else {
            Ok(self.subscribers.add(filter))
        }
    }

    /// Opens (creating if needed, mode 0600) the SQLite database at `path` and migrates it.
    /// Loads the config [`Options::config`] names (by default `config.yaml` beside the
    /// database, if there is one) before touching the database: a bad config is an error
    /// naming its line, column and JSON path, and nothing is created.
    ///
    /// A `postgres://` or `postgresql://` URL instead of a path opens that PostgreSQL
    /// database (with the `postgres` cargo feature), applying the migrations it lacks;
    /// a config is then only loaded when [`Options::config`] names one.
    pub fn open(path: impl AsRef<Path>, options: Options) -> Result<Self> {
        let path = path.as_ref();
        if let Some(url) = path.to_str().filter(|p| crate::store::is_url(p)) {
            return Self::open_url(url, options);
        }
        let read_only = options.read_only;
        let (sqlite, config) = merge(options, Some(path))?;
        let store = if read_only {
            SqliteStore::open_read_only(path, sqlite)?
        } else {
            SqliteStore::open(path, sqlite)?
        };
        let mut m = Self::with_store(Box::new(store));
        m.config = config;
        m.path = Some(path.to_owned());
        Ok(m)
    }

    #[cfg(feature = "postgres")]
    fn open_url(url: &str, options: Options) -> Result<Self> {
        use crate::store::postgres::{PostgresOptions, PostgresStore};
        let read_only = options.read_only;
        let (sqlite, config) = merge(options, None)?;
        let store = PostgresStore::open(
            url,
            PostgresOptions {
                busy_timeout: sqlite.busy_timeout,
                durability: sqlite.durability,
                read_only,
                ..Default::default()
            },
        )?;
        let mut m = Self::with_store(Box::new(store));
        m.config = config;
        Ok(m)
    }

    #[cfg(not(feature = "postgres"))]
    fn open_url(url: &str, _options: Options) -> Result<Self> {
        Err(Error::validation(
            "storage",
            "url",
            format!(
                "{} names a PostgreSQL database, but this build of Maestro has no PostgreSQL support (cargo feature `postgres`)",
                crate::store::redact(url)
            ),
        ))
    }

    /// A private in-memory database, gone when the handle drops. Reads and writes share
    /// one connection here, so unlike a file database its readers wait for writers.
    pub fn open_in_memory() -> Result<Self> {
        Ok(Self::with_store(Box::new(SqliteStore::open_in_memory()?)))
    }

    /// [`Maestro::open_in_memory`] with the options that apply to it (the learning
    /// thresholds and a config given or named; SQLite file settings do not apply to
    /// memory, and there is no file beside which to discover a config).
    pub fn open_in_memory_with(options: Options) -> Result<Self> {
        if options.read_only {
            return Err(Error::validation(
                "options",
                "/read_only",
                "a private in-memory store cannot be opened read-only: it would always be empty",
            ));
        }
        let (_, config) = merge(options, None)?;
        let mut m = Self::open_in_memory()?;
        m.config = config;
        Ok(m)
    }

    /// A handle over any [`Store`] implementation.
    pub fn with_store(store: Box<dyn Store>) -> Self {
        Maestro {
            store: Arc::from(store),
            subscribers: Arc::default(),
            follower: Mutex::new(None),
            followed: AtomicBool::new(false),
            config: Config::default(),
            path: None,
            pruning: std::sync::Mutex::new(()),
        }
    }

    /// The configuration this handle runs with: its `config.yaml` merged with the
    /// options it was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether this handle was opened read-only ([`Options::read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.store.writable().is_err()
    }

    /// The database file, `None` for a store in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(crate) fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// Runs `f` as one transaction: every operation inside commits together or not at all.
    /// Subscribers see the batch's events after the commit.
    pub fn batch<T>(&self, f: impl FnOnce(&Batch<'_>) -> Result<T>) -> Result<T> {
        Ctx(self).write(|tx| {
            let batch = Batch {
                tx: RefCell::new(tx),
                config: &self.config,
            };
            f(&batch)
        })
    }

    /// Write calls that succeeded and the commits that carried them since this handle
    /// opened: with many threads writing at once, several calls share one commit.
    #[doc(hidden)]
    pub fn write_counts(&self) -> (u64, u64) {
        self.store.write_counts()
    }

    /// Writes a consistent copy of the whole store to `dest`, a new file (never overwritten):
    /// on SQLite, a database file (SQLite's backup API) that opens as a store; on
    /// PostgreSQL, a `pg_dump --format=custom` archive, restored with `pg_restore`.
    pub fn backup(&self, dest: impl AsRef<Path>) -> Result<()> {
        self.store.backup(dest.as_ref())
    }

    /// Exports every project to `dir` (which must not exist or be empty) as stable,
    /// pretty JSON plus the markdown reports, read in one consistent snapshot while
    /// writers go on, and written all at once. Returns the number of files. Every file
    /// stays inside `dir`. See [`crate::exchange`] for the layout.
    pub fn export(&self, dir: impl AsRef<Path>) -> Result<usize> {
        exchange::export(Ctx(self), dir.as_ref())
    }

    /// Exports one workflow as retention archives it: the export layout narrowed to the
    /// workflow, its sessions and tasks, with its project's file (so the archive imports
    /// into an empty store, or back into this one after a prune). `dir` must not exist or
    /// be empty. Returns the number of files.
    pub fn export_workflow(&self, workflow: &crate::WorkflowId, dir: impl AsRef<Path>) -> Result<usize> {
        exchange::export_workflow(Ctx(self), workflow, dir.as_ref())
    }

    /// Imports an export, or a pruned workflow's archive (a directory, or a `.tar.gz`
    /// file): validates every file against its schema and the references between them
    /// first, then applies everything in one transaction — all or nothing. Ids that
    /// already exist in this store are a conflict, except a project with the same id and
    /// name, which is kept as it is (an archive imported back into its store).
    pub fn import(&self, dir: impl AsRef<Path>) -> Result<ImportSummary> {
        exchange::import(Ctx(self), dir.as_ref())
    }

    /// Applies the retention policy — `policy`, or the config's `retention` section — and
    /// reports what it removed; with `dry_run`, reports exactly what it would remove and
    /// archive, writing nothing. Ended workflows are archived before they are deleted;
    /// learning is never pruned; the feed gets a horizon below which reads fail with
    /// [`Error::Pruned`]. Runs in short transactions (other writers wait milliseconds),
    /// is idempotent, and a prune killed anywhere is finished by the next. See
    /// [`crate::retention`].
    pub fn prune(&self, policy: Option<&crate::RetentionPolicy>, dry_run: bool) -> Result<crate::PruneReport> {
        crate::retention::prune(self, policy, dry_run)
    }

    /// Runs the store's integrity check.
    pub fn check_integrity(&self) -> Result<()> {
        self.store.check_integrity()
    }

    /// The storage backend: `"sqlite"` (a file or in memory) or `"postgres"`.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))] // used by the `maestro` command
    pub(crate) fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The schema version of the store: the highest migration applied to it.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))] // used by the `maestro` command
    pub(crate) fn schema_version(&self) -> Result<usize> {
        self.store.schema_version()
    }
}

/// [`Error::Pruned`] when `seq` is below the feed horizon.
fn below_horizon(tx: &dyn ReadTx, what: &'static str, seq: i64) -> Result<()> {
    let horizon = tx.feed_horizon()?;
    if seq < horizon {
        return Err(Error::Pruned { what, seq, horizon });
    }
    Ok(())
}

/// The effective SQLite settings and config of `options` for a database at `db`: the
/// config's values fill every option left at its default.
fn merge(options: Options, db: Option<&Path>) -> Result<(SqliteOptions, Config)> {
    let mut config = Config::resolve(&options.config, db)?;
    let defaults = SqliteOptions::default();
    let mut sqlite = options.sqlite;
    if sqlite.durability == defaults.durability {
        if let Some(d) = config.storage.durability {
            sqlite.durability = d;
        }
    }
    if sqlite.busy_timeout == defaults.busy_timeout {
        if let Some(ms) = config.storage.busy_timeout_ms {
            sqlite.busy_timeout = std::time::Duration::from_millis(ms);
        }
    }
    if options.learning != LearningThresholds::default() {
        options.learning.check()?;
        config.learning = options.learning;
    }
    Ok((sqlite, config))
}

/// The change feed.
#[derive(Clone, Copy)]
pub struct Events<'a> {
    ctx: Ctx<'a>,
    subscribers: Option<&'a Maestro>,
}

/// The most events one `since` call returns.
pub const MAX_EVENTS_PER_CALL: usize = 100_000;

impl Events<'_> {
    /// Events after `seq` matching `filter`, in commit order, at most `limit` (capped
    /// at [`MAX_EVENTS_PER_CALL`]). Pass the last `seq` you saw to resume after a disconnect.
    ///
    /// Below the feed's horizon (events retention pruned) this fails with
    /// [`Error::Pruned`] rather than skip silently: its `oldest_seq` says where the feed
    /// is complete again.
    pub fn since(&self, seq: i64, filter: &EventFilter, limit: usize) -> Result<Vec<Event>> {
        self.since_raw(seq, filter, limit)?
            .into_iter()
            .map(RawEvent::parse)
            .collect()
    }

    /// [`Events::since`] with each payload left as the JSON text it is stored as: for
    /// passing events on as JSON without parsing them.
    pub fn since_raw(&self, seq: i64, filter: &EventFilter, limit: usize) -> Result<Vec<RawEvent>> {
        self.ctx.read(|tx| {
            below_horizon(tx, "events.since", seq)?;
            tx.events_since(seq, filter, limit.min(MAX_EVENTS_PER_CALL))
        })
    }

    /// The feed horizon: every event after this seq is retained (0 when nothing was ever
    /// pruned).
    pub fn horizon(&self) -> Result<i64> {
        self.ctx.read(|tx| tx.feed_horizon())
    }

    /// The highest committed `seq` (0 when the feed is empty).
    pub fn latest_seq(&self) -> Result<i64> {
        self.ctx.read(|tx| tx.latest_seq())
    }

    /// The entity's state as JSON as of feed position `seq`; `None` if it did not exist
    /// then (not yet created, or deleted), or if retention removed it with its workflow.
    /// Below the feed's horizon this fails with [`Error::Pruned`].
    pub fn state_at(&self, entity: EntityKind, id: &str, seq: i64) -> Result<Option<serde_json::Value>> {
        self.ctx.read(|tx| {
            below_horizon(tx, "events.state_at", seq)?;
            let Some(e) = tx.event_at(entity, id, seq)? else {
                return Ok(None);
            };
            if e.kind.ends_with(".deleted") {
                return Ok(None);
            }
            // Deleting a project deletes everything it owns with one `project.deleted` event.
            if entity != EntityKind::Project {
                if let Some(p) = tx.event_at(EntityKind::Project, &e.project_id, seq)? {
                    if p.kind == "project.deleted" && p.seq > e.seq {
                        return Ok(None);
                    }
                }
            }
            Ok(Some(e.payload))
        })
    }

    /// Pushes every event committed through this handle from now on that matches
    /// `filter`. Not available inside a batch.
    pub fn subscribe(&self, filter: EventFilter) -> Result<Subscription> {
        self.subscribers
            .ok_or_else(|| Error::validation("event", "subscribe", "subscribe on the handle, not inside a batch"))?
            .subscribe(filter)
    }
}
