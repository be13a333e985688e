//! Faults as tests: a write that hits the file size limit (RLIMIT_FSIZE, in a child
//! process), a full file system (a small tmpfs), and SQLite rolling a transaction back on
//! its own. Each time the call fails with an error that says what happened, nothing of it
//! is visible, the handle keeps serving reads, and writes succeed once the cause is gone.

mod common;

use common::sqlite_file;
use maestro_core::*;
use std::path::Path;
use std::process::Command;

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn a_write_past_the_file_size_limit_fails_plainly_and_the_handle_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("state.db");
    let project = {
        let m = Maestro::open(&db, Options::durability(Durability::Full)).unwrap();
        common::project(&m, "limits").id
    };
    let wal = tmp.path().join("state.db-wal");
    // Room for a few 16 KiB tasks in the WAL, not for many.
    let limit = size(&db).max(size(&wal)) + (256 << 10);
    let out = Command::new(env!("CARGO_BIN_EXE_maestro-stress"))
        .args(["fsize", db.to_str().unwrap(), project.as_str(), &limit.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let acked: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("ACK ")).collect();
    assert!(!acked.is_empty(), "some writes fit under the limit: {text}");
    let failed = text
        .lines()
        .find_map(|l| l.strip_prefix("FAILED "))
        .unwrap_or_else(|| panic!("{text}"));
    for want in [
        "storage",
        "EFBIG",
        "file size limit",
        "state.db",
        "nothing of this call was written",
    ] {
        assert!(failed.contains(want), "{want:?} missing from: {failed}");
    }
    assert!(
        text.contains(&format!("READS {}", acked.len())),
        "reads see exactly the acknowledged tasks: {text}"
    );
    let after = text
        .lines()
        .find_map(|l| l.strip_prefix("AFTER "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(text.contains("INTEGRITY ok"), "{text}");

    let m = Maestro::open(&db, Options::default()).unwrap();
    let ids: Vec<String> = m
        .tasks()
        .list(&project)
        .unwrap()
        .into_iter()
        .map(|t| t.id.to_string())
        .collect();
    let mut want: Vec<String> = acked.iter().map(|s| s.to_string()).collect();
    want.push(after.to_owned());
    assert_eq!(ids.len(), want.len(), "nothing partial: {ids:?}");
    for id in &want {
        assert!(ids.contains(id), "acknowledged {id} is there");
    }
    let created = m
        .events()
        .since(0, &EventFilter::default(), 100_000)
        .unwrap()
        .iter()
        .filter(|e| e.kind == "task.created")
        .count();
    assert_eq!(created, want.len(), "the feed has an event per task, no more");
}

/// A small tmpfs, mounted for the test (as root) and unmounted at the end.
struct SmallFs {
    dir: tempfile::TempDir,
}

impl SmallFs {
    fn mount(size: &str) -> SmallFs {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "mounting a tmpfs failed: this test needs root (or CAP_SYS_ADMIN) to make a file system it can fill"
        );
        SmallFs { dir }
    }

    fn grow(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(self.dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_file_system_fails_plainly_and_writes_succeed_once_space_returns() {
    let fs = SmallFs::mount("3m");
    let db = fs.dir.path().join("state.db");
    let m = Maestro::open(&db, Options::durability(Durability::Full)).unwrap();
    let p = common::project(&m, "full");
    let mut acked = Vec::new();
    let failure = loop {
        let mut t = NewTask::new(p.id.clone(), format!("t{}", acked.len()));
        t.description = "y".repeat(32 << 10);
        match m.tasks().create(t) {
            Ok(t) => acked.push(t.id),
            Err(e) => break e,
        }
        assert!(acked.len() < 10_000, "a 3 MiB file system never filled");
    };
    let text = failure.to_string();
    assert_eq!(failure.kind(), ErrorKind::Storage, "{text}");
    for want in [
        "ENOSPC",
        "no space left",
        "state.db",
        "nothing of this call was written",
    ] {
        assert!(text.contains(want), "{want:?} missing from: {text}");
    }
    // Reads still answer, with exactly what was acknowledged.
    let listed = m.tasks().list(&p.id).unwrap();
    assert_eq!(listed.len(), acked.len());
    let seq = m.events().latest_seq().unwrap();

    fs.grow("64m");
    let mut t = NewTask::new(p.id.clone(), "after");
    t.description = "z".repeat(32 << 10);
    let after = m.tasks().create(t).unwrap();
    assert_eq!(m.tasks().list(&p.id).unwrap().len(), acked.len() + 1);
    assert_eq!(m.tasks().get(&after.id).unwrap().title, "after");
    assert!(m.events().latest_seq().unwrap() > seq);
    m.check_integrity().unwrap();
    drop(m);
    let again = Maestro::open(&db, Options::default()).unwrap();
    assert_eq!(again.tasks().list(&p.id).unwrap().len(), acked.len() + 1);
}

#[test]
fn sqlite_rolling_a_transaction_back_on_its_own_is_aborted_and_writes_nothing() {
    let b = sqlite_file();
    let p = common::project(&b.m, "rollback");
    // SQLite's own way of ending a whole transaction from inside a statement.
    b.raw_exec(
        "CREATE TRIGGER injected_rollback BEFORE INSERT ON tasks WHEN NEW.title = 'boom' \
         BEGIN SELECT RAISE(ROLLBACK, 'injected rollback'); END;",
    );
    let before_seq = b.m.events().latest_seq().unwrap();
    let e =
        b.m.batch(|x| {
            x.tasks().create(NewTask::new(p.id.clone(), "first"))?;
            // The caller goes on after a failed call, as a batch may: SQLite has already
            // rolled the whole transaction back, so nothing after it may seem to work.
            let boom = x.tasks().create(NewTask::new(p.id.clone(), "boom"));
            assert!(boom.is_err());
            x.tasks().create(NewTask::new(p.id.clone(), "after"))
        })
        .unwrap_err();
    assert!(matches!(e, Error::Aborted(_)), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Storage);
    assert!(e.to_string().contains("rolled the transaction back"), "{e}");
    assert!(
        b.m.tasks().list(&p.id).unwrap().is_empty(),
        "nothing of the batch was written"
    );
    assert_eq!(b.m.events().latest_seq().unwrap(), before_seq, "and no event");
    // The handle goes on.
    b.m.tasks().create(NewTask::new(p.id.clone(), "fine")).unwrap();
    assert_eq!(b.m.tasks().list(&p.id).unwrap().len(), 1);
}
