//! `Options::read_only` on every durable backend: reads answer, every write is refused
//! with `ReadOnly` before anything changes (in the store or in git), a missing store is
//! not created, and a schema the library would have to migrate is refused, not migrated.

mod common;

use common::*;
use maestro_core::*;

fn read_only() -> Options {
    Options {
        read_only: true,
        ..Default::default()
    }
}

/// Where `b`'s store is: its URL or its file.
fn target(b: &Backend) -> String {
    match &b.url {
        Some(url) => url.clone(),
        None => b.m.path().unwrap().display().to_string(),
    }
}

#[test]
fn a_read_only_handle_reads_and_refuses_every_write() {
    for b in durable_backends() {
        let p = project(&b.m, "shop");
        let t = task(&b.m, &p.id, "schema", &[]);
        let s = live_session(&b.m, &p.id, "worker");
        let ro = Maestro::open(target(&b), read_only()).unwrap();
        assert!(ro.is_read_only());
        assert_eq!(ro.tasks().ready(&p.id).unwrap()[0].id, t.id, "{}", b.name);
        let before = ro.events().latest_seq().unwrap();

        let refusals = [
            ro.tasks().create(NewTask::new(p.id.clone(), "refused")).map(|_| ()),
            ro.sessions().heartbeat(&s.id).map(|_| ()),
            ro.projects().delete(&p.id),
            ro.batch(|x| x.tasks().complete(&t.id, None).map(|_| ())),
            ro.prune(None, false).map(|_| ()),
        ];
        for r in refusals {
            let e = r.expect_err("a write on a read-only handle succeeded");
            assert_eq!(e.kind(), ErrorKind::Storage, "{}: {e}", b.name);
            assert!(matches!(e, Error::ReadOnly(_)), "{}: {e:?}", b.name);
            assert!(e.to_string().contains("read-only"), "{e}");
        }
        assert_eq!(
            b.m.events().latest_seq().unwrap(),
            before,
            "{}: a refused write left an event",
            b.name
        );
        // The dry run only reads.
        ro.prune(None, true).unwrap();
        // Subscriptions on a read-only handle still hear the writers.
        let sub = ro.events().subscribe(EventFilter::default()).unwrap();
        b.m.sessions().heartbeat(&s.id).unwrap();
        if b.url.is_some() {
            let e = sub
                .recv_timeout(std::time::Duration::from_secs(5))
                .expect("the follower delivered");
            assert_eq!(e.entity_id, s.id.as_str());
        }
    }
}

#[test]
fn a_read_only_checkpoint_is_refused_before_git_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(&repo)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.name", "t"]);
    git(&["config", "user.email", "t@example.invalid"]);
    std::fs::write(repo.join("a.txt"), "a").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "initial"]);
    let db = dir.path().join("state.db");
    let m = Maestro::open(&db, Options::default()).unwrap();
    let p = m
        .projects()
        .create(NewProject {
            name: "repo".into(),
            root: Some(repo.display().to_string()),
            ..Default::default()
        })
        .unwrap();
    let wf = flow_workflow(&m, &p.id, "f");
    std::fs::write(repo.join("b.txt"), "b").unwrap();
    let head = git(&["rev-parse", "HEAD"]);
    let ro = Maestro::open(&db, read_only()).unwrap();
    let e = ro
        .checkpoints()
        .create(NewCheckpoint::new(wf.id.clone(), "refused", CheckpointType::Manual))
        .unwrap_err();
    assert!(matches!(e, Error::ReadOnly(_)), "{e:?}");
    assert_eq!(git(&["rev-parse", "HEAD"]), head, "a refused checkpoint committed");
    assert!(
        git(&["status", "--porcelain"]).contains("b.txt"),
        "the work tree changed"
    );
}

#[test]
fn nothing_is_created_or_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("sub/state.db");
    let e = Maestro::open(&missing, read_only())
        .err()
        .expect("opened a missing store");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(!missing.parent().unwrap().exists(), "a read-only open created a folder");

    let old = dir.path().join("old.db");
    drop(SqliteStore::open_at_version(&old, SqliteOptions::default(), 5).unwrap());
    let bytes = std::fs::read(&old).unwrap();
    let e = Maestro::open(&old, read_only())
        .err()
        .expect("opened an old schema read-only");
    assert!(matches!(e, Error::Incompatible(_)), "{e:?}");
    assert!(e.to_string().contains("run `maestro migrate`"), "{e}");
    assert_eq!(std::fs::read(&old).unwrap(), bytes, "a read-only open migrated");

    let e = api::open(":memory:", Some(r#"{"read_only": true}"#)).err().unwrap();
    assert_eq!(e.path(), Some("/read_only"), "{e}");

    #[cfg(feature = "postgres")]
    {
        let url = pg_url();
        let e = Maestro::open(&url, read_only())
            .err()
            .expect("opened an empty schema read-only");
        assert!(matches!(e, Error::Incompatible(_)), "{e:?}");
        assert!(e.to_string().contains("not a Maestro store"), "{e}");
        // The writable open then creates it, and the read-only one opens it.
        drop(Maestro::open(&url, Options::default()).unwrap());
        Maestro::open(&url, read_only()).unwrap();
    }
}
