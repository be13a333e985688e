//! The command line, declared with clap: every command, its options and its examples.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  maestro status                          one screen: what runs, what is stuck, what happened
  maestro events --follow                 print every change as it is committed, by any process
  maestro report oauth-login              the final report of a workflow (by id or feature)
  maestro tasks ready my-app --json       the ready set, as JSON for a script
  maestro --db postgres://host/db status  a PostgreSQL store

The store: --db PATH|URL, else $MAESTRO_DB, else .flow/maestro/state.db found from the
current directory upwards (stopping at $HOME and at the file system's boundary).
Commands that only look open the store read-only: they create, migrate and lock nothing.

Exit codes: 0 ok · 1 error · 2 usage · 3 not found · 4 validation failed · 5 check
failed · 6 busy · 7 store needs `maestro migrate` (or a newer maestro)";

/// See what the agents are doing, follow it live, and look after the store.
#[derive(Parser, Debug)]
#[command(name = "maestro", version, after_help = EXAMPLES, max_term_width = 100)]
pub(crate) struct Cli {
    /// The store: a database file or a postgres:// URL [default: $MAESTRO_DB, then
    /// .flow/maestro/state.db found from the current directory upwards]
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub db: Option<String>,
    /// Print one JSON document (schemas/cli/output.schema.json) instead of tables;
    /// with `events --follow`, one JSON event per line
    #[arg(long, global = true)]
    pub json: bool,
    /// When to colour the output (auto: on a terminal, unless NO_COLOR is set)
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Which store was opened, how it was found, its backend and schema
    #[command(after_help = "Examples:\n  maestro info\n  MAESTRO_DB=/srv/state.db maestro info --json")]
    Info,
    /// One screen: projects, active workflows and their gates, sessions (stale ones
    /// flagged), tasks, queues, the feed's head, recent decisions and failures
    #[command(
        after_help = "Examples:\n  maestro status\n  maestro status --project my-app --stale-after 60\n  maestro status --json | jq '.data.projects[0].tasks'"
    )]
    Status(StatusArgs),
    /// Workflows and their phases
    #[command(subcommand)]
    Workflows(WorkflowsCmd),
    /// Agent sessions
    #[command(subcommand)]
    Sessions(SessionsCmd),
    /// Tasks, the ready set and the dependency graph
    #[command(subcommand)]
    Tasks(TasksCmd),
    /// The decision log
    #[command(subcommand)]
    Decisions(DecisionsCmd),
    /// Git-backed checkpoints
    #[command(subcommand)]
    Checkpoints(CheckpointsCmd),
    /// The change feed: events after a seq, and with --follow every new one, committed
    /// by any process, within a second
    #[command(
        after_help = "Examples:\n  maestro events --since 1200\n  maestro events --follow --workflow wf_01jd…\n  maestro events --follow --since 1200 --json   resume where a consumer stopped\n  maestro events --entity task --type task.transitioned"
    )]
    Events(EventsArgs),
    /// A markdown report of a workflow (or, for the project reports, of its project)
    #[command(
        after_help = "Examples:\n  maestro report wf_01jd…\n  maestro report wf_01jd… --kind execution-log\n  maestro report my-app --kind decisions   project reports take a project too"
    )]
    Report(ReportArgs),
    /// What the learning layer advises
    #[command(subcommand)]
    Learn(LearnCmd),
    /// Export every project as JSON and markdown into DIR (absent or empty)
    #[command(after_help = "Examples:\n  maestro export ./backup-2026-11-27")]
    Export {
        /// The directory to write (must not exist or be empty)
        dir: PathBuf,
    },
    /// Import an export or a pruned workflow's archive (dry run unless --apply)
    #[command(
        after_help = "Examples:\n  maestro import ./backup           check it and say what it would bring in\n  maestro import ./backup --apply   bring it in, all or nothing"
    )]
    Import {
        /// The export directory, or a `.tar.gz` archive
        dir: PathBuf,
        /// Apply the import (without it, nothing is written)
        #[arg(long)]
        apply: bool,
    },
    /// Validate files against the schemas in schemas/: an export directory or archive
    /// (every file and the references between them), or single documents
    #[command(
        after_help = "Examples:\n  maestro validate ./backup\n  maestro validate ./backup/tasks/tsk_01jd….json\n  maestro validate model.json --schema phase-model"
    )]
    Validate(ValidateArgs),
    /// Write a consistent copy of the store to DEST (a new file)
    #[command(after_help = "Examples:\n  maestro backup /backups/state-2026-11-27.db")]
    Backup {
        /// The file to create (never overwritten)
        dest: PathBuf,
    },
    /// Check the store: its integrity, and every checkpoint's commit still in git
    #[command(
        after_help = "Examples:\n  maestro check\n  maestro check --fix   also mark checkpoints whose commit is gone as invalid"
    )]
    Check {
        /// Mark checkpoints whose commit is gone as invalid (writes)
        #[arg(long)]
        fix: bool,
    },
    /// Apply the retention policy of config.yaml (dry run unless --apply)
    #[command(
        after_help = "Examples:\n  maestro prune            what would be archived and removed\n  maestro prune --apply"
    )]
    Prune {
        /// Archive and remove (without it, nothing is written)
        #[arg(long)]
        apply: bool,
    },
    /// The configuration the store runs with (its config.yaml merged with the defaults)
    #[command(after_help = "Examples:\n  maestro config\n  maestro config --json")]
    Config,
    /// Apply the schema migrations the store lacks
    #[command(after_help = "Examples:\n  maestro migrate")]
    Migrate,
}

/// `maestro status`.
#[derive(Args, Debug)]
pub(crate) struct StatusArgs {
    /// Only this project (id or name)
    #[arg(long, short)]
    pub project: Option<String>,
    /// A live session with no activity for this many seconds is flagged stale
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub stale_after: u64,
    /// How many recent decisions and failures to show
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub recent: usize,
}

#[derive(Subcommand, Debug)]
pub(crate) enum WorkflowsCmd {
    /// Workflows, newest first
    #[command(
        after_help = "Examples:\n  maestro workflows list\n  maestro workflows list --project my-app --status active"
    )]
    List {
        /// Only this project (id or name)
        #[arg(long, short)]
        project: Option<String>,
        /// Only workflows in this status (active, paused, completed, failed)
        #[arg(long)]
        status: Option<String>,
    },
    /// One workflow: its phase, gates, history and sessions
    #[command(
        after_help = "Examples:\n  maestro workflows show wf_01jd…\n  maestro workflows show oauth-login   by its feature, when only one workflow has it"
    )]
    Show {
        /// The workflow's id, or its feature
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum SessionsCmd {
    /// Sessions, with the filters of `sessions.list`
    #[command(
        after_help = "Examples:\n  maestro sessions list --status working\n  maestro sessions list --workflow wf_01jd… --json"
    )]
    List {
        /// Only this project (id or name)
        #[arg(long, short)]
        project: Option<String>,
        /// Only sessions of this workflow
        #[arg(long)]
        workflow: Option<String>,
        /// Only children of this session
        #[arg(long)]
        parent: Option<String>,
        /// Only sessions in this status (spawning, idle, working, completed, failed, stopped)
        #[arg(long)]
        status: Option<String>,
    },
    /// One session: its fields, task links, queue and timeline
    #[command(after_help = "Examples:\n  maestro sessions show ses_01jd…")]
    Show {
        /// The session's id
        id: String,
    },
    /// A session and its descendants
    #[command(after_help = "Examples:\n  maestro sessions tree ses_01jd…")]
    Tree {
        /// The root session's id
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum TasksCmd {
    /// Tasks of a project (of every project without --project)
    #[command(after_help = "Examples:\n  maestro tasks list --project my-app --status blocked")]
    List {
        /// Only this project (id or name)
        #[arg(long, short)]
        project: Option<String>,
        /// Only tasks in this status (todo, in_progress, in_review, blocked, completed, failed, cancelled)
        #[arg(long)]
        status: Option<String>,
        /// Only tasks of this workflow
        #[arg(long)]
        workflow: Option<String>,
    },
    /// One task with its dependencies, subtasks and sessions
    #[command(after_help = "Examples:\n  maestro tasks show tsk_01jd…")]
    Show {
        /// The task's id
        id: String,
    },
    /// The ready set: todo tasks whose dependencies are all completed
    #[command(after_help = "Examples:\n  maestro tasks ready my-app")]
    Ready {
        /// The project (id or name)
        project: String,
    },
    /// The dependency graph in layers: each layer depends only on the ones above it
    #[command(after_help = "Examples:\n  maestro tasks graph my-app")]
    Graph {
        /// The project (id or name)
        project: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum DecisionsCmd {
    /// Decisions, newest first, with the filters of `decisions.list`
    #[command(after_help = "Examples:\n  maestro decisions list --category tech_stack --outcome failed")]
    List(DecisionFilterArgs),
    /// One decision with its alternatives and outcomes
    #[command(after_help = "Examples:\n  maestro decisions show dec_01jd…")]
    Show {
        /// The decision's id
        id: String,
    },
    /// Full-text search over decisions and their rationale (every word must match)
    #[command(after_help = "Examples:\n  maestro decisions search \"session store\"")]
    Search {
        /// The words to look for
        text: String,
        #[command(flatten)]
        filter: DecisionFilterArgs,
    },
}

/// The filters of `decisions.list`.
#[derive(Args, Debug)]
pub(crate) struct DecisionFilterArgs {
    /// Only this project (id or name)
    #[arg(long, short)]
    pub project: Option<String>,
    /// Only decisions of this workflow
    #[arg(long)]
    pub workflow: Option<String>,
    /// Only this decision category
    #[arg(long)]
    pub category: Option<String>,
    /// Only this subject category
    #[arg(long)]
    pub subject_category: Option<String>,
    /// Only this technology
    #[arg(long)]
    pub technology: Option<String>,
    /// Only this pattern
    #[arg(long)]
    pub pattern: Option<String>,
    /// Only decisions whose latest outcome has this status
    #[arg(long)]
    pub outcome: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[derive(Subcommand, Debug)]
pub(crate) enum CheckpointsCmd {
    /// Checkpoints of a workflow (of every workflow without --workflow), oldest first
    #[command(after_help = "Examples:\n  maestro checkpoints list --workflow wf_01jd…")]
    List {
        /// Only this workflow
        #[arg(long)]
        workflow: Option<String>,
    },
    /// One checkpoint with its state snapshot
    #[command(after_help = "Examples:\n  maestro checkpoints show cp_01jd…")]
    Show {
        /// The checkpoint's id
        id: String,
    },
}

/// `maestro events`.
#[derive(Args, Debug)]
pub(crate) struct EventsArgs {
    /// Print events after this seq [default: every retained event; with --follow, only new ones]
    #[arg(long, value_name = "SEQ")]
    pub since: Option<i64>,
    /// Keep printing events as they are committed (by any process) until interrupted
    #[arg(long, short)]
    pub follow: bool,
    /// Print at most this many (not with --follow)
    #[arg(long, value_name = "N", conflicts_with = "follow")]
    pub limit: Option<usize>,
    /// Only events of this project (id or name)
    #[arg(long, short)]
    pub project: Option<String>,
    /// Only events of this workflow
    #[arg(long)]
    pub workflow: Option<String>,
    /// Only events of this session
    #[arg(long)]
    pub session: Option<String>,
    /// Only events of this entity kind (repeatable: task, session, workflow, …)
    #[arg(long = "entity", value_name = "KIND")]
    pub entities: Vec<String>,
    /// Only events of this type (repeatable: task.transitioned, …)
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
    /// Only events of the entity with this id
    #[arg(long, value_name = "ID")]
    pub entity_id: Option<String>,
}

/// Which report.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReportKind {
    Final,
    ExecutionLog,
    Decisions,
    Failures,
    Estimates,
    Patterns,
}

/// `maestro report`.
#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// The workflow's id or feature (the project reports also take a project id or name)
    pub target: String,
    /// Which report
    #[arg(long, value_enum, default_value_t = ReportKind::Final)]
    pub kind: ReportKind,
}

#[derive(Subcommand, Debug)]
pub(crate) enum LearnCmd {
    /// What past decisions of this category recommend, prefer and avoid
    #[command(
        after_help = "Examples:\n  maestro learn recommend tech_stack session_store\n  maestro learn recommend architecture --project my-app\n  (categories: tech_stack, architecture, … and those a project registered)"
    )]
    Recommend {
        /// The decision category (tech_stack, architecture, …)
        category: String,
        /// The subject category (session_store, …)
        subject: Option<String>,
        /// Only this project's history (id or name)
        #[arg(long, short)]
        project: Option<String>,
    },
    /// An order for a set of tasks, from the ordering rules learned so far
    #[command(
        after_help = "Examples:\n  maestro learn order tasks.json --project my-app\n\ntasks.json: [{\"key\": \"schema\", \"labels\": [\"database\"]}, {\"key\": \"api\", \"labels\": [\"backend\"], \"depends_on\": [\"schema\"]}]\n(or {\"tasks\": [...]}: the input of learning.suggest_order)"
    )]
    Order {
        /// A JSON file with an array of tasks ({"key", "labels"?, "depends_on"?, "priority"?})
        file: PathBuf,
        /// Use this project's rules (id or name)
        #[arg(long, short)]
        project: Option<String>,
    },
}

/// `maestro validate`.
#[derive(Args, Debug)]
pub(crate) struct ValidateArgs {
    /// Export directories, `.tar.gz` archives or JSON/YAML documents
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The schema of every file given (task, session, phase-model, config, …) [default:
    /// from the file's place in an export]
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,
}
