//! # maestro-core
//!
//! An embeddable state engine for AI-agent orchestrators: projects, workflows moving
//! through phase models with approval gates, agent sessions with an enforced status
//! machine and timelines, task graphs with atomic claims, per-session queues, and a
//! change feed written in the same transaction as every mutation.
//!
//! ```
//! use maestro_core::{Maestro, NewProject, NewTask};
//! let m = Maestro::open_in_memory()?;
//! let p = m.projects().create(NewProject { name: "shop".into(), ..Default::default() })?;
//! let t = m.tasks().create(NewTask::new(p.id.clone(), "DB schema"))?;
//! assert_eq!(m.tasks().ready(&p.id)?[0].id, t.id);
//! # Ok::<(), maestro_core::Error>(())
//! ```
//!
//! Cargo features: `git` (checkpoints in git) and `postgres` (the PostgreSQL store) are
//! on by default; `cli` adds the `cli` module and the `maestro` binary, the operator's
//! command (`cargo install --path maestro-core --features cli --bin maestro`).
#![warn(missing_docs)]

mod macros;

pub mod api;
pub mod checkpoint;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod decision;
pub mod error;
pub mod exchange;
pub mod feed;
pub mod id;
pub mod learning;
mod maestro;
pub mod ops;
pub mod project;
pub mod queue;
pub mod report;
pub mod retention;
pub mod schema;
pub mod session;
pub mod store;
pub mod task;
pub mod thread;
pub mod time;
pub mod workflow;

pub use checkpoint::{
    Checkpoint, CheckpointDiff, CheckpointType, Checkpoints, NewCheckpoint, RollbackMode, RollbackOutcome,
    StateSnapshot,
};
pub use config::{Config, ConfigSource, RetentionPolicy};
pub use decision::{
    Alternative, CategoryDef, Confidence, Decision, DecisionCategory, DecisionContext, DecisionFilter, Decisions,
    Impact, NewDecision, NewOutcome, Outcome, OutcomeStatus, Reversibility, RiskLevel, Scope, Subject,
};
pub use error::{Error, ErrorKind, Result};
pub use exchange::ImportSummary;
pub use report::Reports;
pub use retention::{KeptWorkflow, PruneReport, PrunedWorkflow};

/// The README's Rust quickstart, compiled as a doc test so it cannot go stale.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub use feed::{EntityKind, Event, EventFilter, RawEvent, Subscription};
pub use id::{
    CheckpointId, DecisionId, EstimateId, FailureId, ProjectId, QueueItemId, RecordId, SessionId, TaskId,
    TimelineEventId, VoteId, WorkflowId,
};
pub use learning::{Learning, LearningThresholds};
pub use maestro::{Batch, Events, Maestro, Options, MAX_EVENTS_PER_CALL};
pub use project::{NewProject, Project, Projects};
pub use queue::{QueueItem, QueueStatus, Queues};
pub use schema::Schema;
pub use session::{
    NewSession, NewTimelineEvent, Session, SessionFilter, SessionHead, SessionStatus, SessionTree, Sessions,
    SpawnSource, Strategy, TimelineEvent, TimelineType,
};
pub use store::sqlite::{Durability, SqliteOptions, SqliteStore};
pub use task::{ClaimFilter, LinkStatus, NewTask, Priority, SessionTask, Task, TaskStatus, Tasks};
pub use time::Timestamp;
pub use workflow::{
    builtin_model, Gate, GateState, HistoryEntry, HistoryKind, ModelRef, NewWorkflow, PhaseModel, Quorum, SpecDocument,
    SteeringDocument, Vote, Workflow, WorkflowStatus, Workflows,
};
