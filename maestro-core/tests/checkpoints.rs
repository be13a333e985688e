//! Git checkpoints on real repositories in temporary directories, with the `git` command
//! line as the independent witness.
#![cfg(feature = "git")]

mod common;

use common::*;
use maestro_core::*;
use std::path::Path;
use std::process::Command;

/// A repository with one commit (`a.txt`, `old.txt`, a `.gitignore` for `*.log`), a
/// store, a project rooted in it and a workflow.
struct Fixture {
    dir: tempfile::TempDir,
    m: Maestro,
    wf: Workflow,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        git_repo(
            &root,
            &[("a.txt", "a1\n"), ("old.txt", "old\n"), (".gitignore", "*.log\n")],
        );
        let m = Maestro::open(dir.path().join("state.db"), Options::default()).unwrap();
        let p = m
            .projects()
            .create(NewProject {
                name: "repo".into(),
                root: Some(root.display().to_string()),
                ..Default::default()
            })
            .unwrap();
        let wf = m
            .workflows()
            .create(NewWorkflow::new(p.id, "f", ModelRef::Builtin("flow".into())))
            .unwrap();
        Fixture { dir, m, wf }
    }

    fn root(&self) -> std::path::PathBuf {
        self.dir.path().join("repo")
    }

    fn checkpoint(&self, message: &str) -> Checkpoint {
        self.m
            .checkpoints()
            .create(NewCheckpoint::new(self.wf.id.clone(), message, CheckpointType::Manual))
            .unwrap()
    }
}

#[test]
fn create_commits_exactly_the_changes_or_references_a_clean_head() {
    let f = Fixture::new();
    let root = f.root();
    std::fs::write(root.join("a.txt"), "a2\n").unwrap();
    std::fs::write(root.join("b.txt"), "new\n").unwrap();
    std::fs::write(root.join("debug.log"), "ignored\n").unwrap();
    let cp = f.checkpoint("work in progress");
    let head = git(&root, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(cp.commit_sha.as_deref(), Some(head.as_str()));
    assert_eq!(
        git(&root, &["show", "--name-only", "--pretty=format:", "HEAD"]).trim(),
        "a.txt\nb.txt"
    );
    assert!(
        !git(&root, &["ls-tree", "-r", "--name-only", "HEAD"]).contains("debug.log"),
        "ignored files stay out"
    );
    assert_eq!(git(&root, &["log", "-1", "--pretty=%s"]).trim(), "work in progress");
    assert_eq!(
        git(
            &root,
            &["rev-parse", &format!("refs/tags/maestro/checkpoint/{}", cp.id)]
        )
        .trim(),
        head
    );
    assert_eq!(
        git(&root, &["status", "--porcelain"]),
        "",
        "the tree is clean after the checkpoint"
    );

    let clean = f.checkpoint("nothing new");
    assert_eq!(
        clean.commit_sha.as_deref(),
        Some(head.as_str()),
        "a clean tree references HEAD"
    );
    assert_eq!(
        git(&root, &["rev-list", "--count", "HEAD"]).trim(),
        "2",
        "no empty commit"
    );
    assert_eq!(clean.phase, "initializing");
    assert_eq!(f.m.checkpoints().list(&f.wf.id).unwrap().len(), 2);
    assert_eq!(
        f.m.checkpoints().diff(&cp.id, &clean.id).unwrap().files,
        Vec::<String>::new()
    );
}

#[test]
fn hard_rollback_saves_every_byte_of_uncommitted_work_first() {
    let f = Fixture::new();
    let root = f.root();
    let cp = f.checkpoint("baseline");
    // Move on: a commit that deletes old.txt and adds c.txt.
    std::fs::remove_file(root.join("old.txt")).unwrap();
    std::fs::write(root.join("c.txt"), "c\n").unwrap();
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "later"]);
    let later = git(&root, &["rev-parse", "HEAD"]).trim().to_owned();
    // Uncommitted work of every kind.
    std::fs::write(root.join("a.txt"), "modified, unstaged\n").unwrap();
    std::fs::write(root.join("s.txt"), "staged version\n").unwrap();
    git(&root, &["add", "s.txt"]);
    std::fs::write(root.join("s.txt"), "worktree version\n").unwrap();
    std::fs::write(root.join("u.txt"), "untracked\n").unwrap();
    std::fs::write(root.join("old.txt"), "untracked, collides with the target\n").unwrap();

    let out = f.m.checkpoints().rollback(&cp.id, RollbackMode::Hard, false).unwrap();
    let safety = out.safety_ref.expect("there was work to save");
    assert!(safety.starts_with("refs/maestro/safety/"));
    assert_eq!(
        git(&root, &["rev-parse", "HEAD"]).trim(),
        cp.commit_sha.as_deref().unwrap()
    );
    assert_eq!(std::fs::read_to_string(root.join("a.txt")).unwrap(), "a1\n");
    assert_eq!(std::fs::read_to_string(root.join("old.txt")).unwrap(), "old\n");
    let show = |spec: &str| git(&root, &["show", &format!("{safety}{spec}")]);
    assert_eq!(show(":a.txt"), "modified, unstaged\n");
    assert_eq!(show(":s.txt"), "worktree version\n");
    assert_eq!(show("^2:s.txt"), "staged version\n", "the index is the second parent");
    assert_eq!(show(":u.txt"), "untracked\n");
    assert_eq!(show(":old.txt"), "untracked, collides with the target\n");
    assert_eq!(show(":c.txt"), "c\n");
    assert_eq!(
        git(&root, &["rev-parse", &format!("{safety}^1")]).trim(),
        later,
        "saved on top of the pre-rollback HEAD"
    );
    assert_eq!((out.checkpoint.rollback_used, out.checkpoint.rollback_count), (true, 1));
}

#[test]
fn rollback_with_restore_state_puts_tasks_back_and_is_logged() {
    let f = Fixture::new();
    let p = f.wf.project_id.clone();
    let mut nt = NewTask::new(p.clone(), "t1");
    nt.workflow_id = Some(f.wf.id.clone());
    let t1 = f.m.tasks().create(nt).unwrap();
    let mut ns = NewSession::new(p.clone(), "w");
    ns.workflow_id = Some(f.wf.id.clone());
    let s = f.m.sessions().spawn(ns).unwrap();
    f.m.sessions().register(&s.id).unwrap();
    let mut new = NewCheckpoint::new(f.wf.id.clone(), "before work", CheckpointType::PreRiskyOperation);
    new.session_id = Some(s.id.clone());
    let cp = f.m.checkpoints().create(new).unwrap();
    assert_eq!(cp.state_snapshot.tasks[0].status, TaskStatus::Todo);
    assert_eq!(cp.state_snapshot.counts["tasks.todo"], 1);
    f.m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
    f.m.tasks().complete(&t1.id, Some(&s.id)).unwrap();
    let before = f.m.events().latest_seq().unwrap();

    let out = f.m.checkpoints().rollback(&cp.id, RollbackMode::Mixed, true).unwrap();
    assert_eq!(out.restored_tasks, 1);
    assert_eq!(f.m.tasks().get(&t1.id).unwrap().status, TaskStatus::Todo);
    assert_eq!(f.m.tasks().ready(&p).unwrap().len(), 1, "ready again after the restore");
    let again = f.m.checkpoints().rollback(&cp.id, RollbackMode::Mixed, true).unwrap();
    assert_eq!((again.checkpoint.rollback_count, again.restored_tasks), (2, 0));
    let kinds: Vec<_> =
        f.m.events()
            .since(before, &EventFilter::default(), 100)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
    assert!(kinds.contains(&"task.restored".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"checkpoint.updated".to_owned()));
    let history = f.m.workflows().history(&f.wf.id).unwrap();
    assert_eq!(history.iter().filter(|h| h.kind == HistoryKind::Rollback).count(), 2);
    let tl = f.m.sessions().timeline(&s.id).unwrap();
    assert!(tl
        .iter()
        .any(|e| e.kind == TimelineType::Milestone && e.message == format!("rolled back to checkpoint {}", cp.id)));
}

#[test]
fn rollback_refuses_detached_head_and_live_index_lock_and_changes_nothing() {
    let f = Fixture::new();
    let root = f.root();
    let cp = f.checkpoint("baseline");
    std::fs::write(root.join("a.txt"), "later\n").unwrap();
    git(&root, &["commit", "-q", "-am", "later"]);
    std::fs::write(root.join("a.txt"), "dirty\n").unwrap();
    let head = git(&root, &["rev-parse", "HEAD"]);

    std::fs::write(root.join(".git/index.lock"), "").unwrap();
    let e =
        f.m.checkpoints()
            .rollback(&cp.id, RollbackMode::Hard, false)
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Git, "{e}");
    assert!(e.to_string().contains("index.lock"), "{e}");
    assert!(
        root.join(".git/index.lock").exists(),
        "a live index.lock is never deleted"
    );
    std::fs::remove_file(root.join(".git/index.lock")).unwrap();

    let sha = git(&root, &["rev-parse", "HEAD"]);
    std::fs::write(root.join(".git/MERGE_HEAD"), &sha).unwrap();
    let e =
        f.m.checkpoints()
            .rollback(&cp.id, RollbackMode::Hard, false)
            .unwrap_err();
    assert!(e.to_string().contains("Merge"), "a merge in progress refuses: {e}");
    std::fs::remove_file(root.join(".git/MERGE_HEAD")).unwrap();

    git(&root, &["checkout", "-q", "--detach"]);
    let e =
        f.m.checkpoints()
            .rollback(&cp.id, RollbackMode::Hard, false)
            .unwrap_err();
    assert!(e.to_string().contains("detached"), "{e}");
    assert_eq!(git(&root, &["rev-parse", "HEAD"]), head);
    assert_eq!(std::fs::read_to_string(root.join("a.txt")).unwrap(), "dirty\n");
    assert_eq!(
        git(&root, &["for-each-ref", "refs/maestro/"]),
        "",
        "no safety ref was written"
    );
    assert_eq!(f.m.checkpoints().get(&cp.id).unwrap().rollback_count, 0);
}

#[test]
fn hooks_and_fsmonitor_never_run() {
    let f = Fixture::new();
    let root = f.root();
    let marker = f.dir.path().join("marker");
    let script = f.dir.path().join("evil.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for hook in [
        "pre-commit",
        "post-commit",
        "commit-msg",
        "post-checkout",
        "reference-transaction",
        "post-rewrite",
    ] {
        std::fs::copy(&script, root.join(".git/hooks").join(hook)).unwrap();
    }
    git(&root, &["config", "core.fsmonitor", script.to_str().unwrap()]);
    std::fs::write(root.join("a.txt"), "change\n").unwrap();
    let cp = f.checkpoint("with hooks armed");
    std::fs::write(root.join("a.txt"), "more\n").unwrap();
    f.m.checkpoints().rollback(&cp.id, RollbackMode::Hard, false).unwrap();
    assert!(!marker.exists(), "a hook or fsmonitor ran");
    // The witness: the git command line itself does run the hook.
    std::fs::write(root.join("a.txt"), "by git\n").unwrap();
    git(&root, &["commit", "-q", "-am", "by the cli"]);
    assert!(marker.exists(), "the armed hook is real");
}

#[test]
fn verify_marks_checkpoints_whose_commit_was_collected() {
    let f = Fixture::new();
    let root = f.root();
    let kept = f.checkpoint("kept");
    std::fs::write(root.join("a.txt"), "doomed\n").unwrap();
    let lost = f.checkpoint("lost");
    // A history rewrite that also drops our tag.
    git(&root, &["tag", "-d", &format!("maestro/checkpoint/{}", lost.id)]);
    git(&root, &["reset", "-q", "--hard", "HEAD~1"]);
    git(&root, &["reflog", "expire", "--expire=now", "--all"]);
    git(&root, &["gc", "-q", "--prune=now"]);
    assert!(
        git_try(&root, &["cat-file", "-e", lost.commit_sha.as_deref().unwrap()]).is_none(),
        "the commit is gone"
    );
    let marked: Vec<_> =
        f.m.checkpoints()
            .verify(&f.wf.id)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
    assert_eq!(marked, vec![lost.id.clone()]);
    assert!(!f.m.checkpoints().get(&lost.id).unwrap().valid);
    assert!(
        f.m.checkpoints().get(&kept.id).unwrap().valid,
        "the tagged one survived gc"
    );
    assert_eq!(
        f.m.checkpoints()
            .rollback(&lost.id, RollbackMode::Hard, false)
            .unwrap_err()
            .kind(),
        ErrorKind::Conflict
    );
    assert!(
        f.m.checkpoints().verify(&f.wf.id).unwrap().is_empty(),
        "marking happens once"
    );
}

#[test]
fn a_project_without_a_repository_gets_state_only_checkpoints() {
    let m = Maestro::open_in_memory().unwrap();
    let p = project(&m, "plain");
    let wf = m
        .workflows()
        .create(NewWorkflow::new(p.id, "f", ModelRef::Builtin("flow".into())))
        .unwrap();
    let cp = m
        .checkpoints()
        .create(NewCheckpoint::new(wf.id.clone(), "state", CheckpointType::SafeState))
        .unwrap();
    assert_eq!(cp.commit_sha, None);
    let out = m.checkpoints().rollback(&cp.id, RollbackMode::Hard, true).unwrap();
    assert_eq!((out.safety_ref, out.checkpoint.rollback_count), (None, 1));
}

#[test]
fn four_processes_checkpointing_one_repository_serialise() {
    let f = Fixture::new();
    let root = f.root();
    let db = f.dir.path().join("state.db");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_maestro-stress"))
                .args([
                    "checkpoint",
                    db.to_str().unwrap(),
                    f.wf.id.as_str(),
                    "10",
                    root.to_str().unwrap(),
                ])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && !text.contains("ERR"), "child failed: {text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("CHECKPOINT ")).count(), 10);
    }
    let tags = git(&root, &["tag", "--list", "maestro/checkpoint/*"]);
    assert_eq!(tags.lines().count(), 40);
    for tag in tags.lines() {
        assert!(
            git_try(&root, &["merge-base", "--is-ancestor", tag, "HEAD"]).is_some(),
            "{tag} is not reachable from HEAD"
        );
    }
    let fsck = Command::new("git")
        .current_dir(&root)
        .args(["fsck", "--strict"])
        .output()
        .unwrap();
    assert!(
        fsck.status.success(),
        "git fsck: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    assert_eq!(f.m.checkpoints().list(&f.wf.id).unwrap().len(), 40);
    assert_eq!(
        git(&root, &["status", "--porcelain"]),
        "",
        "every file ended up in a checkpoint"
    );
}

#[cfg(unix)]
#[test]
fn a_repository_owned_by_someone_else_is_refused_not_skipped() {
    let f = Fixture::new();
    let root = f.root();
    let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    // Only root can hand the repository to another owner; elsewhere the guard cannot be set up.
    if uid.trim() != "0" {
        eprintln!("skipped: needs root to chown the repository");
        return;
    }
    let chown = Command::new("chown")
        .args(["-R", "54321:54321", root.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(chown.success());
    std::fs::write(root.join("a.txt"), "change\n").ok();
    let e =
        f.m.checkpoints()
            .create(NewCheckpoint::new(f.wf.id.clone(), "x", CheckpointType::Manual))
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Git, "{e}");
    assert!(e.to_string().contains("not owned by current user"), "{e}");
    assert!(f.m.checkpoints().list(&f.wf.id).unwrap().is_empty(), "nothing recorded");
}

#[test]
fn a_clean_rollback_still_keeps_the_commits_it_moves_away_from() {
    let f = Fixture::new();
    let root = f.root();
    let cp = f.checkpoint("baseline");
    std::fs::write(root.join("a.txt"), "committed later by hand\n").unwrap();
    git(&root, &["commit", "-q", "-am", "later"]);
    let later = git(&root, &["rev-parse", "HEAD"]).trim().to_owned();
    let out = f.m.checkpoints().rollback(&cp.id, RollbackMode::Hard, false).unwrap();
    let safety = out.safety_ref.expect("a safety ref even for a clean tree");
    assert_eq!(git(&root, &["rev-parse", &format!("{safety}^1")]).trim(), later);
    assert_eq!(
        git(&root, &["show", &format!("{safety}:a.txt")]),
        "committed later by hand\n"
    );
}

#[test]
fn ignored_files_a_hard_reset_overwrites_are_saved_first() {
    let f = Fixture::new();
    let root = f.root();
    std::fs::write(root.join("keep.log"), "tracked once\n").unwrap();
    git(&root, &["add", "-f", "keep.log"]);
    git(&root, &["commit", "-q", "-m", "track a log"]);
    let cp = f.checkpoint("with the log tracked");
    git(&root, &["rm", "-q", "--cached", "keep.log"]);
    git(&root, &["commit", "-q", "-m", "stop tracking it"]);
    std::fs::write(root.join("keep.log"), "precious local notes\n").unwrap();
    let out = f.m.checkpoints().rollback(&cp.id, RollbackMode::Hard, false).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("keep.log")).unwrap(),
        "tracked once\n"
    );
    let safety = out.safety_ref.unwrap();
    assert_eq!(
        git(&root, &["show", &format!("{safety}:keep.log")]),
        "precious local notes\n"
    );
}

#[test]
fn a_commit_checkpoint_without_its_repository_refuses_to_roll_back() {
    let f = Fixture::new();
    let root = f.root();
    let cp = f.checkpoint("baseline");
    std::fs::rename(root.join(".git"), f.dir.path().join("moved.git")).unwrap();
    let e =
        f.m.checkpoints()
            .rollback(&cp.id, RollbackMode::Hard, true)
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Git, "{e}");
    assert!(e.to_string().contains("no git work tree"), "{e}");
    assert_eq!(
        f.m.checkpoints().get(&cp.id).unwrap().rollback_count,
        0,
        "nothing was counted"
    );
}

#[test]
fn create_validates_before_committing_and_refuses_a_merge_in_progress() {
    let f = Fixture::new();
    let root = f.root();
    let head = git(&root, &["rev-parse", "HEAD"]);
    std::fs::write(root.join("a.txt"), "work\n").unwrap();
    let other = live_session(&f.m, &project(&f.m, "other").id, "stranger");
    let mut bad = NewCheckpoint::new(f.wf.id.clone(), "x", CheckpointType::Manual);
    bad.session_id = Some(other.id);
    assert_eq!(f.m.checkpoints().create(bad).unwrap_err().path(), Some("session_id"));
    assert_eq!(git(&root, &["rev-parse", "HEAD"]), head, "nothing was committed");
    std::fs::write(root.join(".git/MERGE_HEAD"), &head).unwrap();
    let e =
        f.m.checkpoints()
            .create(NewCheckpoint::new(f.wf.id.clone(), "x", CheckpointType::Manual))
            .unwrap_err();
    assert!(e.to_string().contains("Merge"), "{e}");
    assert_eq!(git(&root, &["rev-parse", "HEAD"]), head);
    assert!(f.m.checkpoints().list(&f.wf.id).unwrap().is_empty());
}

#[test]
fn restore_gives_a_task_back_to_todo_when_its_holder_has_ended() {
    let f = Fixture::new();
    let p = f.wf.project_id.clone();
    let mut nt = NewTask::new(p.clone(), "t");
    nt.workflow_id = Some(f.wf.id.clone());
    let t = f.m.tasks().create(nt).unwrap();
    let mut ns = NewSession::new(p.clone(), "w");
    ns.workflow_id = Some(f.wf.id.clone());
    let s = f.m.sessions().spawn(ns).unwrap();
    f.m.sessions().register(&s.id).unwrap();
    f.m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
    let cp = f.checkpoint("mid-task");
    assert_eq!(cp.state_snapshot.tasks[0].status, TaskStatus::InProgress);
    f.m.tasks().complete(&t.id, Some(&s.id)).unwrap();
    f.m.sessions().complete(&s.id).unwrap();
    f.m.checkpoints().rollback(&cp.id, RollbackMode::Mixed, true).unwrap();
    assert_eq!(
        f.m.tasks().get(&t.id).unwrap().status,
        TaskStatus::Todo,
        "no live holder: claimable again"
    );
    assert_eq!(f.m.tasks().ready(&p).unwrap().len(), 1);
}

/// The git lock files a checkpoint left when its process was killed mid-operation, as a
/// SIGKILL leaves them: the checkpoint lock's record of the operation, and git's own
/// `index.lock` and branch lock made after it started.
fn leave_a_killed_checkpoints_locks(root: &Path) {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 3_000;
    std::fs::write(
        root.join(".git/maestro-checkpoint.lock"),
        format!("pid 4194000 started_ms {started}\n"),
    )
    .unwrap();
    std::fs::write(root.join(".git/index.lock"), "").unwrap();
    std::fs::write(root.join(".git/refs/heads/main.lock"), "").unwrap();
}

fn maestro_cli(db: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_maestro"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_killed_operations_git_locks_are_reported_as_stale_and_check_fix_removes_only_them() {
    let f = Fixture::new();
    let root = f.root();
    let cp = f.checkpoint("baseline");
    leave_a_killed_checkpoints_locks(&root);

    for e in [
        f.m.checkpoints()
            .create(NewCheckpoint::new(f.wf.id.clone(), "after", CheckpointType::Manual))
            .map(|_| ())
            .unwrap_err(),
        f.m.checkpoints()
            .rollback(&cp.id, RollbackMode::Mixed, false)
            .map(|_| ())
            .unwrap_err(),
    ] {
        let text = e.to_string();
        assert_eq!(e.kind(), ErrorKind::Git, "{text}");
        for want in [
            "stale git lock left by a Maestro operation that did not finish",
            "index.lock (",
            "main.lock (",
            " s old",
            "maestro check --fix",
        ] {
            assert!(text.contains(want), "{want:?} missing from: {text}");
        }
    }

    let db = f.dir.path().join("state.db");
    let (ok, text) = maestro_cli(&db, &["check", "--json"]);
    assert!(!ok, "a stale lock fails the check: {text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let locks = json["data"]["git_locks"].as_array().unwrap();
    assert_eq!(locks.len(), 2, "{text}");
    assert!(
        locks
            .iter()
            .all(|l| l["left_by_maestro"] == true && l["removed"] == false),
        "{text}"
    );
    assert!(
        root.join(".git/index.lock").exists(),
        "check without --fix changes nothing"
    );

    let (ok, text) = maestro_cli(&db, &["check", "--fix"]);
    assert!(ok, "{text}");
    assert!(text.contains("removed stale git lock"), "{text}");
    assert!(!root.join(".git/index.lock").exists() && !root.join(".git/refs/heads/main.lock").exists());
    std::fs::write(root.join("a.txt"), "after the fix\n").unwrap();
    let after = f.checkpoint("after the fix");
    assert_eq!(git(&root, &["rev-parse", "HEAD"]).trim(), after.commit_sha.unwrap());

    // A lock no Maestro operation left (another git process's) is reported, never removed.
    std::fs::write(root.join(".git/index.lock"), "").unwrap();
    let e =
        f.m.checkpoints()
            .create(NewCheckpoint::new(f.wf.id.clone(), "blocked", CheckpointType::Manual))
            .unwrap_err();
    assert!(e.to_string().contains("another git process"), "{e}");
    let (ok, text) = maestro_cli(&db, &["check", "--fix"]);
    assert!(!ok && text.contains("another git process"), "{text}");
    assert!(root.join(".git/index.lock").exists(), "another process's lock stays");
}
