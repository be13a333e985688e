//! Checkpoints: a workflow's state snapshot tied to a git commit, and a rollback that
//! never loses work (every uncommitted change is saved under `refs/maestro/safety/…`
//! before any reset). Without the `git` feature, or for a project whose root is not a
//! git work tree, checkpoints are state-only.

#[cfg(feature = "git")]
mod git;
#[cfg(not(feature = "git"))]
#[path = "nogit.rs"]
mod git;
pub(crate) mod model;
mod snapshot;

pub use model::{Checkpoint, CheckpointType, QueueState, SessionState, StateSnapshot, TaskState};

use crate::decision::{Confidence, DecisionContext, NewDecision};
use crate::error::{Error, Result};
use crate::feed;
use crate::id::{CheckpointId, DecisionId, ProjectId, SessionId, WorkflowId};
use crate::macros::str_enum;
use crate::maestro::Ctx;
use crate::project::check_text;
use crate::session::{self, NewTimelineEvent, TimelineType};
use crate::store::{ReadTx, WriteTx};
use crate::time::Timestamp;
use crate::workflow::{self, HistoryKind};
use serde::{Deserialize, Serialize};

str_enum!(
    /// How a rollback treats the work tree.
    RollbackMode, "checkpoint" {
        /// Move the branch and the index; leave the work tree's files as they are.
        Mixed => "mixed",
        /// Move the branch, the index and the work tree.
        Hard => "hard",
    }
);

/// Input of [`Checkpoints::create`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCheckpoint {
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// The session taking it.
    #[serde(default)]
    pub session_id: Option<SessionId>,
    /// Commit message.
    pub message: String,
    /// Why.
    #[serde(rename = "type")]
    pub kind: CheckpointType,
    /// Free description.
    #[serde(default)]
    pub description: String,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl NewCheckpoint {
    /// A checkpoint of `workflow` with a message and a type.
    pub fn new(workflow_id: WorkflowId, message: impl Into<String>, kind: CheckpointType) -> Self {
        NewCheckpoint {
            workflow_id,
            session_id: None,
            message: message.into(),
            kind,
            description: String::new(),
            tags: Vec::new(),
        }
    }
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackOutcome {
    /// The checkpoint, with its rollback counted.
    pub checkpoint: Checkpoint,
    /// The ref holding the work that was uncommitted before the reset, if there was any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_ref: Option<String>,
    /// How many tasks `restore_state` changed.
    pub restored_tasks: usize,
    /// The decision of category `checkpoint` that logs the rollback (SPEC §3.8): what was
    /// rolled back, the mode and the safety ref.
    pub decision_id: DecisionId,
}

/// The files that differ between two checkpoints' commits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointDiff {
    /// The first checkpoint.
    pub from: CheckpointId,
    /// The second checkpoint.
    pub to: CheckpointId,
    /// Changed paths, sorted.
    pub files: Vec<String>,
}

/// Operations on checkpoints.
#[derive(Clone, Copy)]
pub struct Checkpoints<'a>(pub(crate) Ctx<'a>);

fn load(tx: &dyn ReadTx, id: &CheckpointId) -> Result<Checkpoint> {
    tx.checkpoint(id.as_str())?
        .ok_or_else(|| Error::not_found("checkpoint", id.as_str()))
}

fn save(tx: &mut dyn WriteTx, prev: &Checkpoint, mut next: Checkpoint) -> Result<Checkpoint> {
    next.version = prev.version + 1;
    if !tx.update_checkpoint(&next, prev.version)? {
        return Err(Error::stale("checkpoint", next.id.as_str(), prev.version));
    }
    feed::emit(tx, "updated", &next)?;
    Ok(next)
}

/// The work tree of the project, when it has one and git is compiled in.
fn project_root(ctx: Ctx<'_>, project: &ProjectId) -> Result<Option<std::path::PathBuf>> {
    Ok(ctx
        .read(|tx| crate::project::load(tx, project))?
        .root
        .map(std::path::PathBuf::from))
}

/// Deletes the `maestro/checkpoint/<id>` tags of `ids` in the repository at `root`;
/// returns how many existed. Nothing to do without a repository.
pub(crate) fn delete_tags(root: Option<&std::path::Path>, ids: &[String]) -> Result<usize> {
    Ok(with_repo(root, |repo| {
        let mut n = 0;
        for id in ids {
            n += usize::from(repo.delete_tag(id)?);
        }
        Ok(n)
    })?
    .unwrap_or(0))
}

/// The safety refs (work saved by rollbacks) of the repository at `root` made before
/// `before_ms`; deleted too unless `dry_run`.
pub(crate) fn prune_safety_refs(root: Option<&std::path::Path>, before_ms: i64, dry_run: bool) -> Result<Vec<String>> {
    Ok(with_repo(root, |repo| {
        let refs = repo.safety_refs_before(before_ms)?;
        if !dry_run {
            for r in &refs {
                repo.delete_ref(r)?;
            }
        }
        Ok(refs)
    })?
    .unwrap_or_default())
}

/// A git lock file in a project's repository (`index.lock`, `refs/heads/main.lock`...).
#[cfg(any(feature = "git", feature = "cli"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitLock {
    /// Its path.
    pub path: std::path::PathBuf,
    /// How old it is, in seconds.
    pub age_s: u64,
    /// Whether a Maestro operation that did not finish (killed, crashed) left it: made
    /// after that operation started, while no Maestro process holds the repository.
    pub left_by_maestro: bool,
}

/// The git lock files of the repository whose work tree is `root` (none without one).
/// With `fix`, the answer is those a Maestro operation that did not finish left, now
/// removed (other processes' locks are never touched), after waiting for a running
/// Maestro operation on that repository to end.
#[cfg(feature = "cli")]
pub(crate) fn git_locks(root: &std::path::Path, fix: bool) -> Result<Vec<GitLock>> {
    if !fix {
        // Looking writes nothing and waits for nothing.
        return Ok(git::Repo::inspect(root)?.map(|r| r.lock_files()).unwrap_or_default());
    }
    let Some(mut repo) = git::Repo::open(root)? else {
        return Ok(Vec::new());
    };
    repo.clear_stale_locks()
}

/// `f` on the repository at `root` opened only to read it (no lock, nothing written).
fn reading_repo<T>(root: Option<&std::path::Path>, f: impl FnOnce(&git::Repo) -> Result<T>) -> Result<Option<T>> {
    match root {
        Some(r) => match git::Repo::open_to_read(r)? {
            Some(repo) => f(&repo).map(Some),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

fn with_repo<T>(root: Option<&std::path::Path>, f: impl FnOnce(&git::Repo) -> Result<T>) -> Result<Option<T>> {
    match root {
        Some(r) => match git::Repo::open(r)? {
            Some(repo) => f(&repo).map(Some),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

impl Checkpoints<'_> {
    /// Takes a checkpoint: commits every change in the project's work tree (tracked and
    /// untracked, honouring `.gitignore`) on the current branch, or references HEAD when
    /// the tree is clean; tags the commit `maestro/checkpoint/<id>` so it survives gc;
    /// and stores the workflow's state snapshot. State-only without a repository.
    pub fn create(&self, new: NewCheckpoint) -> Result<Checkpoint> {
        self.0.writable()?;
        check_text("checkpoint", "message", &new.message, 10_000)?;
        for (i, t) in new.tags.iter().enumerate() {
            check_text("checkpoint", &format!("tags/{i}"), t, 100)?;
        }
        // Everything that can be checked is checked before the work tree is committed.
        let wf = self.0.read(|tx| {
            let wf = workflow::load(tx, &new.workflow_id)?;
            if let Some(s) = &new.session_id {
                if session::load(tx, s)?.project_id != wf.project_id {
                    return Err(Error::validation(
                        "checkpoint",
                        "session_id",
                        format!("session {s} is not in project {}", wf.project_id),
                    ));
                }
            }
            Ok(wf)
        })?;
        let id = CheckpointId::generate();
        let root = project_root(self.0, &wf.project_id)?;
        let sha = with_repo(root.as_deref(), |repo| {
            let sha = repo.commit_all(&new.message)?;
            repo.tag(id.as_str(), &sha)?;
            Ok(sha)
        })?;
        self.0.write(|tx| {
            let wf = workflow::load(tx, &new.workflow_id)?;
            let cp = Checkpoint {
                id: id.clone(),
                workflow_id: wf.id.clone(),
                project_id: wf.project_id.clone(),
                session_id: new.session_id.clone(),
                at: Timestamp::now(),
                commit_sha: sha.clone(),
                commit_message: new.message.clone(),
                description: new.description.clone(),
                phase: wf.phase.clone(),
                kind: new.kind,
                state_snapshot: snapshot::capture(tx, &wf)?,
                tags: new.tags.clone(),
                rollback_used: false,
                rollback_count: 0,
                valid: true,
                version: 1,
            };
            tx.insert_checkpoint(&cp)?;
            feed::emit(tx, "created", &cp)?;
            Ok(cp)
        })
    }

    /// The checkpoint with this id.
    pub fn get(&self, id: &CheckpointId) -> Result<Checkpoint> {
        self.0.read(|tx| load(tx, id))
    }

    /// A workflow's checkpoints, oldest first.
    pub fn list(&self, workflow: &WorkflowId) -> Result<Vec<Checkpoint>> {
        self.0.read(|tx| {
            workflow::load(tx, workflow)?;
            tx.checkpoints(workflow.as_str())
        })
    }

    /// The checkpoints of the workflow still marked valid whose commit is no longer in
    /// the repository: what [`Checkpoints::verify`] would mark, found without writing.
    pub(crate) fn missing(&self, workflow: &WorkflowId) -> Result<Vec<CheckpointId>> {
        let all = self.list(workflow)?;
        let Some(first) = all.first() else {
            return Ok(Vec::new());
        };
        let root = project_root(self.0, &first.project_id)?;
        Ok(reading_repo(root.as_deref(), |repo| {
            all.iter()
                .filter(|c| c.valid && c.commit_sha.is_some())
                .filter_map(|c| match repo.has_commit(c.commit_sha.as_deref().unwrap_or_default()) {
                    Ok(true) => None,
                    Ok(false) => Some(Ok(c.id.clone())),
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<Vec<_>>>()
        })?
        .unwrap_or_default())
    }

    /// Marks invalid every checkpoint of the workflow whose commit no longer exists
    /// (after a history rewrite and gc); returns the ones newly marked.
    pub fn verify(&self, workflow: &WorkflowId) -> Result<Vec<Checkpoint>> {
        let gone = self.missing(workflow)?;
        let mut marked = Vec::new();
        for id in gone {
            marked.push(self.0.write(|tx| {
                let cp = load(tx, &id)?;
                let mut next = cp.clone();
                next.valid = false;
                save(tx, &cp, next)
            })?);
        }
        Ok(marked)
    }

    /// The files that differ between two checkpoints' commits.
    pub fn diff(&self, a: &CheckpointId, b: &CheckpointId) -> Result<CheckpointDiff> {
        let (ca, cb) = self.0.read(|tx| Ok((load(tx, a)?, load(tx, b)?)))?;
        let (Some(sa), Some(sb)) = (ca.commit_sha.as_deref(), cb.commit_sha.as_deref()) else {
            return Err(Error::validation(
                "checkpoint",
                "id",
                "both checkpoints need a commit to diff",
            ));
        };
        let root = project_root(self.0, &ca.project_id)?;
        let files = with_repo(root.as_deref(), |repo| repo.changed_files(sa, sb))?
            .ok_or_else(|| Error::Git("the project has no git repository".into()))?;
        Ok(CheckpointDiff {
            from: a.clone(),
            to: b.clone(),
            files,
        })
    }

    /// Rolls the work tree back to the checkpoint's commit. Before any reset, every
    /// uncommitted change — modified, staged and untracked files — is saved to a commit
    /// under `refs/maestro/safety/…`, returned in the outcome. A detached HEAD, a merge
    /// or rebase in progress, or a live `index.lock` refuse the rollback before anything
    /// changes. Then the rollback is counted, logged in the workflow history and (when
    /// the checkpoint has a live session) its timeline; with `restore_state`, task
    /// statuses and queue positions go back to the snapshot through the change feed.
    pub fn rollback(&self, id: &CheckpointId, mode: RollbackMode, restore_state: bool) -> Result<RollbackOutcome> {
        // Everything that can be checked is checked before git is touched.
        self.0.writable()?;
        let cp = self.0.read(|tx| {
            let cp = load(tx, id)?;
            workflow::load(tx, &cp.workflow_id)?;
            if let Some(s) = &cp.session_id {
                session::load(tx, s)?;
            }
            Ok(cp)
        })?;
        if !cp.valid {
            return Err(Error::conflict(
                "checkpoint",
                id.as_str(),
                "invalid: its commit no longer exists",
            ));
        }
        let root = project_root(self.0, &cp.project_id)?;
        let safety_ref = match &cp.commit_sha {
            Some(sha) => Some(rollback_git(root.as_deref(), id, sha, mode)?),
            None => None,
        };
        let recorded = self.0.write(|tx| {
            let cp = load(tx, id)?;
            let mut next = cp.clone();
            next.rollback_used = true;
            next.rollback_count += 1;
            let next = save(tx, &cp, next)?;
            let wf = workflow::load(tx, &cp.workflow_id)?;
            let details = serde_json::json!({
                "checkpoint": id.as_str(), "commit": cp.commit_sha, "mode": mode.as_str(),
                "restore_state": restore_state, "safety_ref": safety_ref,
            });
            workflow::history(tx, &wf, HistoryKind::Rollback, "maestro", details.clone())?;
            if let Some(sid) = &cp.session_id {
                let s = session::load(tx, sid)?;
                if !s.status.is_terminal() {
                    let mut e =
                        NewTimelineEvent::new(TimelineType::Milestone, format!("rolled back to checkpoint {id}"));
                    e.metadata = details;
                    session::timeline_append(tx, &s.head(), e)?;
                }
            }
            let restored_tasks = if restore_state {
                snapshot::restore(tx, &cp.state_snapshot)?
            } else {
                0
            };
            let commit = cp.commit_sha.as_deref().unwrap_or("(state only)");
            let saved = match &safety_ref {
                Some(r) => format!("the work from before the rollback is kept in {r}"),
                None => "there was no git work to save".to_owned(),
            };
            // The description may be as long as a decision's whole text may be.
            let about: String = cp.description.chars().take(200).collect();
            let mut d = NewDecision::new(
                cp.workflow_id.clone(),
                "checkpoint",
                format!("Roll back to checkpoint {id} ({about})"),
                format!(
                    "Rollback to commit {commit} (mode {}, restore_state {restore_state}); {saved}; {restored_tasks} task(s) restored.",
                    mode.as_str()
                ),
            );
            // The checkpoint's session, when a decision of this workflow may name it.
            d.session_id = match &cp.session_id {
                Some(sid) => match tx.session(sid.as_str())? {
                    Some(s) if s.workflow_id.as_ref().is_none_or(|w| *w == cp.workflow_id) => Some(sid.clone()),
                    _ => None,
                },
                None => None,
            };
            d.context = Some(DecisionContext {
                sources: safety_ref.iter().cloned().chain(cp.commit_sha.iter().cloned()).collect(),
                confidence: Confidence::High,
            });
            let decision = crate::decision::record_in(self.0.config(), tx, d)?;
            Ok(RollbackOutcome {
                checkpoint: next,
                safety_ref: safety_ref.clone(),
                restored_tasks,
                decision_id: decision.id,
            })
        });
        // The reset happened: whatever failed afterwards, say where the saved work is.
        recorded.map_err(|e| match &safety_ref {
            Some(r) => Error::Git(format!(
                "the work tree was rolled back to checkpoint {id} but recording it failed ({e}); the work from before the rollback is in {r}"
            )),
            None => e,
        })
    }
}

/// Saves the uncommitted work, then resets; returns the safety ref. A checkpoint with a
/// commit needs its repository: without one nothing is rolled back.
fn rollback_git(root: Option<&std::path::Path>, id: &CheckpointId, sha: &str, mode: RollbackMode) -> Result<String> {
    with_repo(root, |repo| {
        repo.check_can_reset()?;
        if !repo.has_commit(sha)? {
            return Err(Error::conflict("checkpoint", id.as_str(), format!("commit {sha} no longer exists")));
        }
        let saved = repo.save_safety(&format!("{id}_{}", Timestamp::now().0), sha)?;
        repo.reset(sha, if mode == RollbackMode::Hard { git::Reset::Hard } else { git::Reset::Mixed })?;
        Ok(saved)
    })?
    .ok_or_else(|| {
        Error::Git(format!(
            "checkpoint {id} points at commit {sha}, but its project has no git work tree at {} (or git support is not built in)",
            root.map_or("(no root)".into(), |r| r.display().to_string())
        ))
    })
}
