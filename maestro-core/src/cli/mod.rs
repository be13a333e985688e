//! The `maestro` command: see what the agents are doing, follow it live, and look after
//! the store. Built with the `cli` feature as the `maestro` binary; the Python package's
//! `maestro` script calls [`main`] too, so both are this one implementation.
//!
//! Commands that only look open the store read-only ([`crate::Options::read_only`]):
//! they never create a database, take a writer's lock or migrate. Every command prints
//! either human tables or, with `--json`, one envelope
//! `{"schema_version", "command", "data"}` (or `"error"`) described by
//! `schemas/cli/output.schema.json`. The exit codes are [`Exit`]'s.

mod admin;
mod args;
mod browse;
mod events;
mod learn;
mod locate;
mod output;
mod status;

use crate::error::{Error, ErrorKind};
use crate::{Maestro, Options, Project, ProjectId};
use args::{Cli, Command};
use clap::{CommandFactory, FromArgMatches};
use locate::Location;
use output::{Closed, Out};
use std::ffi::OsString;

/// The command's exit status: stable, documented in `maestro --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Ok = 0,
    /// A failure not listed below (storage, I/O, git, a conflict, a bug).
    Error = 1,
    /// The command line is wrong.
    Usage = 2,
    /// The store, or the entity asked for, does not exist.
    NotFound = 3,
    /// An input or a file is invalid (the message names the file and JSON pointer).
    Invalid = 4,
    /// `check` found a problem.
    CheckFailed = 5,
    /// Another writer held the store past the busy timeout.
    Busy = 6,
    /// The store's schema is not this Maestro's: run `maestro migrate` (or upgrade).
    Incompatible = 7,
}

/// Why a command stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The library refused or failed.
    Maestro(Error),
    /// No store was given and none was found.
    NoStore(locate::NotFound),
    /// The command line is wrong in a way clap cannot see.
    Usage(String),
    /// Standard output went away, or the user stopped a command that runs until stopped
    /// (`events --follow`): stop quietly, with exit code 0.
    Closed,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Maestro(e)
    }
}

impl From<Closed> for Failure {
    fn from(c: Closed) -> Self {
        match c {
            Closed::Pipe => Failure::Closed,
            Closed::Failed(e) => Failure::Maestro(Error::Io(e)),
        }
    }
}

impl Failure {
    fn exit(&self) -> Exit {
        match self {
            Failure::Maestro(Error::Incompatible(_)) => Exit::Incompatible,
            Failure::Maestro(e) => match e.kind() {
                ErrorKind::NotFound => Exit::NotFound,
                ErrorKind::Validation => Exit::Invalid,
                ErrorKind::Busy => Exit::Busy,
                _ => Exit::Error,
            },
            Failure::NoStore(_) => Exit::NotFound,
            Failure::Usage(_) => Exit::Usage,
            Failure::Closed => Exit::Ok,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Failure::Maestro(Error::Incompatible(_)) => "incompatible",
            Failure::Maestro(e) => e.kind().as_str(),
            Failure::NoStore(_) => "not_found",
            Failure::Usage(_) => "usage",
            Failure::Closed => "closed",
        }
    }

    fn message(&self, location: Option<&Location>) -> String {
        match self {
            Failure::Maestro(Error::NotFound { entity: "store", id }) => format!(
                "no Maestro store at {id}{} (nothing was created): pass --db PATH|URL, set MAESTRO_DB, or create one by opening it with the library",
                location.map(|l| format!(", {}", l.how())).unwrap_or_default()
            ),
            Failure::Maestro(e @ Error::Incompatible(_)) => match location {
                Some(l) => format!("{e} (the store was {})", l.how()),
                None => e.to_string(),
            },
            Failure::Maestro(e) => e.to_string(),
            Failure::NoStore(e) => e.to_string(),
            Failure::Usage(m) => m.clone(),
            Failure::Closed => String::new(),
        }
    }
}

/// What a command needs: its output, and the store once it opens it.
pub(crate) struct Run {
    pub out: Out,
    db: Option<String>,
    location: Option<Location>,
}

impl Run {
    /// Where the store is (found once).
    pub(crate) fn location(&mut self) -> Result<Location, Failure> {
        if self.location.is_none() {
            self.location = Some(locate::locate(self.db.as_deref()).map_err(Failure::NoStore)?);
        }
        Ok(self.location.clone().expect("located above"))
    }

    /// Opens the store read-only: nothing is created, migrated or locked.
    pub(crate) fn open_read(&mut self) -> Result<Maestro, Failure> {
        let at = self.location()?;
        Ok(Maestro::open(
            &at.target,
            Options {
                read_only: true,
                ..Default::default()
            },
        )?)
    }

    /// Opens the store to write. An existing store only, unless `create`.
    pub(crate) fn open_write(&mut self, create: bool) -> Result<Maestro, Failure> {
        let at = self.location()?;
        if !create && !crate::store::is_url(&at.target) && !std::path::Path::new(&at.target).is_file() {
            return Err(Failure::Maestro(Error::NotFound {
                entity: "store",
                id: at.target,
            }));
        }
        Ok(Maestro::open(&at.target, Options::default())?)
    }
}

/// A project named by its id or its name.
pub(crate) fn project(m: &Maestro, id_or_name: &str) -> Result<Project, Failure> {
    if let Ok(id) = ProjectId::parse(id_or_name) {
        match m.projects().get(&id) {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            other => return Ok(other?),
        }
    }
    match m.projects().get_by_name(id_or_name) {
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Failure::Maestro(Error::NotFound {
            entity: "project",
            id: id_or_name.to_owned(),
        })),
        other => Ok(other?),
    }
}

/// A workflow named by its id, or by its feature when exactly one workflow has it.
pub(crate) fn workflow(m: &Maestro, id_or_feature: &str) -> Result<crate::Workflow, Failure> {
    if let Ok(id) = crate::WorkflowId::parse(id_or_feature) {
        match m.workflows().get(&id) {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            other => return Ok(other?),
        }
    }
    let mut found = Vec::new();
    for p in m.projects().list()? {
        found.extend(
            m.workflows()
                .list(&p.id)?
                .into_iter()
                .filter(|w| w.feature == id_or_feature),
        );
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Failure::Maestro(Error::NotFound {
            entity: "workflow",
            id: id_or_feature.to_owned(),
        })),
        _ => Err(Failure::Usage(format!(
            "{} workflows have the feature {id_or_feature:?} ({}): name one by its id",
            found.len(),
            found.iter().map(|w| w.id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// A validation error found inside the file `file`: its path becomes `file#pointer`.
pub(crate) fn in_file(file: &str, e: Error) -> Error {
    match e {
        Error::Validation { entity, path, message } => Error::Validation {
            entity,
            path: format!("{file}#{path}"),
            message,
        },
        Error::Json { path, source } => Error::Validation {
            entity: "document",
            path: format!("{file}#{path}"),
            message: source.to_string(),
        },
        other => other,
    }
}

/// The gates out of the workflow's current phase that need approval, as they stand.
pub(crate) fn gates(m: &Maestro, w: &crate::Workflow) -> Result<Vec<crate::Gate>, Failure> {
    let mut gates = Vec::new();
    for to in w.model.next_phases(&w.phase) {
        if w.model.rule(&w.phase, to).is_some_and(|r| r.approval.is_some()) {
            gates.push(m.workflows().gate(&w.id, to)?);
        }
    }
    Ok(gates)
}

/// The projects `filter` names (one, by id or name), or all of them.
pub(crate) fn projects(m: &Maestro, filter: Option<&str>) -> Result<Vec<Project>, Failure> {
    match filter {
        Some(p) => Ok(vec![project(m, p)?]),
        None => Ok(m.projects().list()?),
    }
}

/// A typed value parsed from a command-line string (`--status working`), or a usage
/// error naming the option.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(option: &str, value: &str) -> Result<T, Failure> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|e| Failure::Usage(format!("invalid value {value:?} for {option}: {e}")))
}

/// The name the envelope gives a command: its subcommands' words (`tasks list`).
fn command_name(matches: &clap::ArgMatches) -> String {
    let mut words = Vec::new();
    let mut at = matches;
    while let Some((word, sub)) = at.subcommand() {
        words.push(word);
        at = sub;
    }
    words.join(" ")
}

/// Runs the command line `args` (the program's name first) and returns the exit status.
/// Prints to the process's standard output and error.
pub fn main<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|m| Ok((command_name(&m), Cli::from_arg_matches(&m)?)));
    let (name, cli) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            // Help and version go to stdout with status 0, usage errors to stderr with 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    let mut run = Run {
        out: Out::new(cli.json, cli.color, name),
        db: cli.db,
        location: None,
    };
    let result = match cli.command {
        Command::Info => admin::info(&mut run),
        Command::Status(a) => status::status(&mut run, a),
        Command::Workflows(c) => browse::workflows(&mut run, c),
        Command::Sessions(c) => browse::sessions(&mut run, c),
        Command::Tasks(c) => browse::tasks(&mut run, c),
        Command::Decisions(c) => browse::decisions(&mut run, c),
        Command::Checkpoints(c) => browse::checkpoints(&mut run, c),
        Command::Events(a) => events::events(&mut run, a),
        Command::Report(a) => learn::report(&mut run, a),
        Command::Learn(c) => learn::learn(&mut run, c),
        Command::Export { dir } => admin::export(&mut run, &dir),
        Command::Import { dir, apply } => admin::import(&mut run, &dir, apply),
        Command::Validate(a) => admin::validate(&mut run, a),
        Command::Backup { dest } => admin::backup(&mut run, &dest),
        Command::Check { fix } => admin::check(&mut run, fix),
        Command::Prune { apply } => admin::prune(&mut run, apply),
        Command::Config => admin::config(&mut run),
        Command::Migrate => admin::migrate(&mut run),
    };
    let failure = match result {
        Ok(exit) => return exit as i32,
        Err(f) => f,
    };
    let exit = failure.exit();
    if matches!(failure, Failure::Closed) {
        return exit as i32;
    }
    let message = failure.message(run.location.as_ref());
    if run.out.json {
        let mut error = serde_json::json!({
            "kind": failure.kind(),
            "message": message,
            "exit_code": exit as i32,
        });
        if let Failure::Maestro(e) = &failure {
            if let Some(path) = e.path() {
                error["path"] = path.into();
            }
        }
        let envelope = serde_json::json!({
            "schema_version": output::SCHEMA_VERSION,
            "command": run.out.command,
            "error": error,
        });
        let _ = run.out.line(&envelope.to_string());
    } else {
        eprintln!("maestro: {message}");
    }
    exit as i32
}
