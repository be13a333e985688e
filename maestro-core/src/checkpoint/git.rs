//! The git side of checkpoints, through libgit2: it never runs hooks or external
//! programs (so `core.fsmonitor` and hooks are inert), and keeps owner validation on.
//! Every operation holds an exclusive lock file in the git directory, so processes
//! checkpointing one repository serialise; a live `index.lock` (another git process)
//! is reported, never deleted.
//!
//! The checkpoint lock file also records the operation holding it (`pid`, start time),
//! cleared when the operation ends. A record found by the next operation is one that did
//! not end (its process crashed or was killed; holding the lock proves it is gone), so git
//! lock files made since it started are its leftovers: reported as stale, with their age
//! and `maestro check --fix`, which removes them (and only them).

use super::GitLock;
use crate::error::{Error, Result};
use git2::{IndexAddOption, ObjectType, Oid, Repository, RepositoryState, ResetType, Signature};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        let message = e.message().trim_end_matches([':', ' ']);
        if e.code() == git2::ErrorCode::Locked || message.starts_with("failed to lock file") {
            return Error::Git(format!(
                "{message}: its lock file exists (another git process is at work, or one crashed); \
                 `maestro check` says which, `maestro check --fix` removes what a crashed Maestro operation left"
            ));
        }
        Error::Git(message.to_owned())
    }
}

/// An open repository with the checkpoint lock held.
pub(crate) struct Repo {
    repo: Repository,
    /// The checkpoint lock, held while the repository is open to change it; its content
    /// records this operation until it ends.
    lock: Option<File>,
    /// The record of an earlier operation that did not end, found when the lock was taken.
    crashed: Option<Unfinished>,
}

/// An operation that took the checkpoint lock and never released it cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unfinished {
    /// Its process id.
    pub pid: u32,
    /// When it started (ms since the epoch).
    pub started_ms: i64,
}

impl Drop for Repo {
    fn drop(&mut self) {
        // The operation ended (also by an error): its record goes. A crash skips this,
        // and a crashed operation's record stays until its leftovers are cleared.
        if let (Some(lock), None) = (&mut self.lock, &self.crashed) {
            let _ = lock.set_len(0);
        }
    }
}

/// Git's lock files that block a commit, a reset or a ref update: `index.lock`,
/// `HEAD.lock`, `ORIG_HEAD.lock`, `packed-refs.lock`, `config.lock`, and `*.lock` under `refs/`.
fn git_lock_files(git_dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = [
        "index.lock",
        "HEAD.lock",
        "ORIG_HEAD.lock",
        "packed-refs.lock",
        "config.lock",
    ]
    .iter()
    .map(|n| git_dir.join(n))
    .filter(|p| p.exists())
    .collect();
    let mut stack = vec![git_dir.join("refs")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(e.path());
            } else if e.file_name().to_string_lossy().ends_with(".lock") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// How a rollback resets the work tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reset {
    Mixed,
    Hard,
}

fn signature(repo: &Repository) -> Result<Signature<'static>> {
    match repo.signature() {
        Ok(s) => Ok(s),
        Err(_) => Ok(Signature::now("maestro", "maestro@localhost")?),
    }
}

/// Stages every change of the work tree (tracked and untracked, honouring `.gitignore`).
/// A file that another process is writing can change size while git reads it ("failed
/// to read file into stream"); staging again from the index on disk then sees it whole,
/// so such OS-level read errors are retried a few times.
fn stage_work_tree(index: &mut git2::Index) -> Result<()> {
    let mut attempt = 0;
    loop {
        let staged = index
            .add_all(["*"], IndexAddOption::DEFAULT, None)
            .and_then(|()| index.update_all(["*"], None));
        match staged {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 5 && e.class() == git2::ErrorClass::Os => {
                attempt += 1;
                index.read(true)?;
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

impl Repo {
    /// Opens the repository whose work tree is `root` only to read it: no lock is taken
    /// and nothing is written (what checking a checkpoint's commit needs). `None` when
    /// `root` is not a git work tree.
    pub(crate) fn open_to_read(root: &Path) -> Result<Option<Repo>> {
        let repo = match Repository::open(root) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if repo.is_bare() {
            return Ok(None);
        }
        Ok(Some(Repo {
            repo,
            lock: None,
            crashed: None,
        }))
    }

    /// Opens the repository whose work tree is `root`, or `None` when `root` is not
    /// inside a git work tree. Blocks until no other process holds the checkpoint lock.
    pub(crate) fn open(root: &Path) -> Result<Option<Repo>> {
        let Some(mut repo) = Self::open_to_read(root)? else {
            return Ok(None);
        };
        let mut lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(repo.repo.path().join("maestro-checkpoint.lock"))?;
        lock.lock()?;
        let mut record = String::new();
        lock.read_to_string(&mut record)?;
        repo.crashed = parse_record(&record);
        let leftovers = repo.crashed.is_some() && repo.lock_files().iter().any(|l| l.left_by_maestro);
        if !leftovers {
            // Keep a crashed operation's record while its leftovers are there: it is how
            // they are told apart from another git process's locks.
            // No fsync: the record only has to outlive this process, not the machine.
            write_record(&mut lock)?;
            repo.crashed = None;
        }
        repo.lock = Some(lock);
        Ok(Some(repo))
    }

    #[cfg(feature = "cli")]
    /// Like [`Repo::open_to_read`], also reading the checkpoint lock's record without
    /// taking the lock or writing anything: a record whose lock no process holds is an
    /// operation that did not finish. For `maestro check` without `--fix`.
    pub(crate) fn inspect(root: &Path) -> Result<Option<Repo>> {
        let Some(mut repo) = Self::open_to_read(root)? else {
            return Ok(None);
        };
        let path = repo.repo.path().join("maestro-checkpoint.lock");
        if let Ok(mut file) = File::open(&path) {
            if file.try_lock_shared().is_ok() {
                let mut record = String::new();
                file.read_to_string(&mut record)?;
                repo.crashed = parse_record(&record);
            }
        }
        Ok(Some(repo))
    }

    /// The git lock files present, and which of them an unfinished Maestro operation left.
    pub(crate) fn lock_files(&self) -> Vec<GitLock> {
        let now = std::time::SystemTime::now();
        git_lock_files(self.repo.path())
            .into_iter()
            .map(|path| {
                let modified = std::fs::metadata(&path).and_then(|m| m.modified()).unwrap_or(now);
                let age_s = now.duration_since(modified).map(|d| d.as_secs()).unwrap_or(0);
                let modified_ms = modified
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                // One second of slack: file systems keep modification times coarsely.
                let left_by_maestro = self
                    .crashed
                    .as_ref()
                    .is_some_and(|c| modified_ms + 1000 >= c.started_ms);
                GitLock {
                    path,
                    age_s,
                    left_by_maestro,
                }
            })
            .collect()
    }

    #[cfg(feature = "cli")]
    /// Removes the lock files an unfinished Maestro operation left (none other), then its
    /// record; returns what it removed. Holding the checkpoint lock proves that operation's
    /// process is gone.
    pub(crate) fn clear_stale_locks(&mut self) -> Result<Vec<GitLock>> {
        let stale: Vec<GitLock> = self.lock_files().into_iter().filter(|l| l.left_by_maestro).collect();
        for l in &stale {
            std::fs::remove_file(&l.path)?;
        }
        if let Some(lock) = &mut self.lock {
            write_record(lock)?;
        }
        self.crashed = None;
        Ok(stale)
    }

    /// The error for the lock files present, if any: a crashed Maestro operation's
    /// leftovers say so, with their age and how to clear them; others are another git
    /// process's, reported and never touched.
    fn check_no_lock_files(&self) -> Result<()> {
        let locks = self.lock_files();
        let Some(first) = locks.first() else { return Ok(()) };
        let names: Vec<String> = locks
            .iter()
            .map(|l| format!("{} ({} s old)", l.path.display(), l.age_s))
            .collect();
        if let (Some(c), true) = (&self.crashed, locks.iter().all(|l| l.left_by_maestro)) {
            return Err(Error::Git(format!(
                "stale git lock left by a Maestro operation that did not finish (process {} is gone): {}; \
                 run `maestro check --fix` to remove it",
                c.pid,
                names.join(", ")
            )));
        }
        let name = first.path.file_name().unwrap_or_default().to_string_lossy();
        Err(Error::Git(format!(
            "{name} exists: another git process is working in this repository, or one crashed: {}; \
             if no git process is running, remove it",
            names.join(", ")
        )))
    }

    fn head_commit(&self) -> Result<Option<git2::Commit<'_>>> {
        match self.repo.head() {
            Ok(h) => Ok(Some(h.peel_to_commit()?)),
            Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Commits every change (tracked and untracked, honouring `.gitignore`) on the
    /// current branch, or returns HEAD when the tree is clean.
    pub(crate) fn commit_all(&self, message: &str) -> Result<String> {
        self.check_can_commit()?;
        let mut index = self.repo.index()?;
        stage_work_tree(&mut index)?;
        let tree_id = index.write_tree()?;
        let head = self.head_commit()?;
        // Staging everything and comparing trees is one pass over the work tree; a
        // separate status scan first would be a second.
        if let Some(h) = &head {
            if h.tree_id() == tree_id {
                return Ok(h.id().to_string());
            }
        }
        index.write()?;
        let tree = self.repo.find_tree(tree_id)?;
        let sig = signature(&self.repo)?;
        let parents: Vec<&git2::Commit<'_>> = head.iter().collect();
        Ok(self
            .repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)?
            .to_string())
    }

    /// Points `refs/tags/maestro/checkpoint/<id>` at `sha`, so the commit survives gc.
    pub(crate) fn tag(&self, id: &str, sha: &str) -> Result<()> {
        self.repo.reference(
            &format!("refs/tags/maestro/checkpoint/{id}"),
            Oid::from_str(sha)?,
            true,
            "maestro checkpoint",
        )?;
        Ok(())
    }

    /// Deletes `refs/tags/maestro/checkpoint/<id>`; returns whether it existed.
    pub(crate) fn delete_tag(&self, id: &str) -> Result<bool> {
        match self.repo.find_reference(&format!("refs/tags/maestro/checkpoint/{id}")) {
            Ok(mut r) => {
                r.delete()?;
                Ok(true)
            }
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The `refs/maestro/safety/…` refs whose commit was made before `before_ms`, sorted.
    pub(crate) fn safety_refs_before(&self, before_ms: i64) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for r in self.repo.references_glob("refs/maestro/safety/*")? {
            let r = r?;
            let (Ok(name), Ok(commit)) = (r.name(), r.peel_to_commit()) else {
                continue;
            };
            if commit.time().seconds().saturating_mul(1000) < before_ms {
                out.push(name.to_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes the ref `name` if it exists.
    pub(crate) fn delete_ref(&self, name: &str) -> Result<()> {
        match self.repo.find_reference(name) {
            Ok(mut r) => Ok(r.delete()?),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether `sha` still names a commit in the repository. Only "not found" counts as
    /// gone: any other failure is an error, never a verdict.
    pub(crate) fn has_commit(&self, sha: &str) -> Result<bool> {
        match self.repo.find_commit(Oid::from_str(sha)?) {
            Ok(_) => Ok(true),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Refuses a merge or rebase in progress and a live `index.lock` (another git
    /// process at work): committing or resetting then would tangle or race.
    fn check_settled(&self) -> Result<()> {
        if self.repo.state() != RepositoryState::Clean {
            return Err(Error::Git(format!(
                "the repository is in the middle of {:?}: finish or abort it first",
                self.repo.state()
            )));
        }
        self.check_no_lock_files()
    }

    /// Refuses states in which committing everything would record something wrong.
    pub(crate) fn check_can_commit(&self) -> Result<()> {
        self.check_settled()?;
        if self.repo.index()?.has_conflicts() {
            return Err(Error::Git("the index has conflicts: resolve them first".into()));
        }
        Ok(())
    }

    /// Refuses states in which a reset could lose or tangle work.
    pub(crate) fn check_can_reset(&self) -> Result<()> {
        if self.repo.head_detached()? {
            return Err(Error::Git(
                "HEAD is detached: check out a branch before rolling back".into(),
            ));
        }
        self.check_settled()
    }

    /// Saves the staged and the work-tree state (untracked files included, and ignored
    /// files a hard reset to `target` would overwrite) as commits under
    /// `refs/maestro/safety/<name>`, like `git stash -u` but without touching the work
    /// tree or the index. The ref's commit holds the work tree; its first parent is the
    /// pre-rollback HEAD (so commits made since the checkpoint stay reachable too) and
    /// its second parent holds the index. Always written, even for a clean tree.
    pub(crate) fn save_safety(&self, name: &str, target: &str) -> Result<String> {
        let sig = signature(&self.repo)?;
        let head = self.head_commit()?;
        let parents: Vec<&git2::Commit<'_>> = head.iter().collect();
        let staged_tree = self.repo.find_tree(self.repo.index()?.write_tree()?)?;
        let staged = self.repo.find_commit(self.repo.commit(
            None,
            &sig,
            &sig,
            "maestro safety: index",
            &staged_tree,
            &parents,
        )?)?;
        // The whole work tree, built in a private copy of the index so the real one is
        // left exactly as it was.
        let scratch = Repository::open(self.repo.path())?;
        let mut index = scratch.index()?;
        stage_work_tree(&mut index)?;
        let workdir = self
            .repo
            .workdir()
            .ok_or_else(|| Error::Git("bare repository".into()))?
            .to_owned();
        let target_tree = self.repo.find_commit(Oid::from_str(target)?)?.tree()?;
        let mut ignored = Vec::new();
        target_tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                if let Ok(name) = entry.name() {
                    ignored.push(format!("{dir}{name}"));
                }
            }
            git2::TreeWalkResult::Ok
        })?;
        for path in ignored {
            let p = Path::new(&path);
            if workdir.join(p).is_file() && self.repo.is_path_ignored(p)? {
                index.add_path(p)?;
            }
        }
        let tree = self.repo.find_tree(index.write_tree()?)?;
        let mut all_parents = parents.clone();
        all_parents.push(&staged);
        let work = self.repo.commit(
            None,
            &sig,
            &sig,
            "maestro safety: work tree before rollback",
            &tree,
            &all_parents,
        )?;
        let refname = format!("refs/maestro/safety/{name}");
        self.repo
            .reference(&refname, work, false, "maestro safety before rollback")?;
        Ok(refname)
    }

    /// Resets the current branch to `sha`.
    pub(crate) fn reset(&self, sha: &str, mode: Reset) -> Result<()> {
        let target = self.repo.find_object(Oid::from_str(sha)?, Some(ObjectType::Commit))?;
        match mode {
            Reset::Mixed => self.repo.reset(&target, ResetType::Mixed, None)?,
            Reset::Hard => {
                let mut co = git2::build::CheckoutBuilder::new();
                co.force();
                self.repo.reset(&target, ResetType::Hard, Some(&mut co))?
            }
        }
        Ok(())
    }

    /// Paths that differ between the trees of two commits, sorted.
    pub(crate) fn changed_files(&self, a: &str, b: &str) -> Result<Vec<String>> {
        let ta = self.repo.find_commit(Oid::from_str(a)?)?.tree()?;
        let tb = self.repo.find_commit(Oid::from_str(b)?)?.tree()?;
        let diff = self.repo.diff_tree_to_tree(Some(&ta), Some(&tb), None)?;
        let mut files: Vec<String> = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or_else(|| d.old_file().path())
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
        files.sort();
        files.dedup();
        Ok(files)
    }
}

/// Records this process's operation in the checkpoint lock file.
fn write_record(lock: &mut File) -> Result<()> {
    lock.set_len(0)?;
    lock.rewind()?;
    writeln!(lock, "pid {} started_ms {}", std::process::id(), crate::time::now_ms())?;
    Ok(())
}

/// The record of the checkpoint lock file (`pid <n> started_ms <ms>`); `None` when empty.
fn parse_record(text: &str) -> Option<Unfinished> {
    let mut words = text.split_whitespace();
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some("pid"), Some(pid), Some("started_ms"), Some(ms)) => Some(Unfinished {
            pid: pid.parse().ok()?,
            started_ms: ms.parse().ok()?,
        }),
        _ => None,
    }
}
