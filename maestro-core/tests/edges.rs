//! The security and operability edges a fault campaign found: exports are owner-only (they
//! hold sessions' `env`), an import never follows a symlinked folder (nor names what lies
//! behind it), and a store that cannot be written is refused at a writable open.

mod common;

#[path = "common/scripted.rs"]
mod scripted;

use maestro_core::*;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn file_db(dir: &Path, name: &str) -> Maestro {
    Maestro::open(dir.join(name), Options::durability(Durability::Normal)).unwrap()
}

/// Every path under `root` with its permission bits.
fn modes(root: &Path) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            out.insert(rel, meta.permissions().mode() & 0o777);
            if meta.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out
}

#[test]
fn exports_and_archives_are_owner_only_and_hold_the_env() {
    let tmp = tempfile::tempdir().unwrap();
    let m = file_db(tmp.path(), "a.db");
    let p = common::project(&m, "secrets");
    let mut s = NewSession::new(p.id.clone(), "agent");
    s.env.insert("OPENAI_API_KEY".into(), "sk-test-not-a-real-key".into());
    let s = m.sessions().spawn(s).unwrap();

    // Into a folder the caller made wide open beforehand: it is replaced, not reused.
    let out = tmp.path().join("export");
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
    m.export(&out).unwrap();
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o700);
    let all = modes(&out);
    assert!(all.len() > 3, "{all:?}");
    for (path, mode) in &all {
        let dir = std::fs::metadata(out.join(path)).unwrap().is_dir();
        assert_eq!(*mode, if dir { 0o700 } else { 0o600 }, "{path} is {mode:o}");
    }
    let session = std::fs::read_to_string(out.join(format!("sessions/{}.json", s.id))).unwrap();
    assert!(
        session.contains("sk-test-not-a-real-key"),
        "the env is exported: {session}"
    );

    // A workflow exported as retention archives it, into folders that do not exist yet.
    let wf = scripted::checkout(&m);
    let one = tmp.path().join("archives/deep/one");
    m.export_workflow(&wf, &one).unwrap();
    for dir in [
        tmp.path().join("archives"),
        tmp.path().join("archives/deep"),
        one.clone(),
    ] {
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700,
            "{}",
            dir.display()
        );
    }
    for (path, mode) in modes(&one) {
        let dir = std::fs::metadata(one.join(&path)).unwrap().is_dir();
        assert_eq!(mode, if dir { 0o700 } else { 0o600 }, "{path} is {mode:o}");
    }
}

#[test]
fn an_import_refuses_a_symlinked_folder_without_naming_what_it_points_to() {
    let tmp = tempfile::tempdir().unwrap();
    let a = file_db(tmp.path(), "a.db");
    scripted::checkout(&a);
    let good = tmp.path().join("good");
    a.export(&good).unwrap();
    // Elsewhere, a folder whose entries must never be read nor named.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("private-entry-name.json"), "{}").unwrap();
    std::fs::write(elsewhere.join("passwd"), "root:x:0:0").unwrap();

    let workflow = std::fs::read_dir(good.join("workflows"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let workflow = workflow.to_str().unwrap().to_owned();
    for folder in [
        "tasks".to_owned(),
        "sessions".to_owned(),
        format!("workflows/{workflow}"),
    ] {
        let bad = tmp.path().join(format!("bad-{}", folder.replace('/', "-")));
        copy_tree(&good, &bad);
        std::fs::remove_dir_all(bad.join(&folder)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, bad.join(&folder)).unwrap();

        let b = file_db(tmp.path(), &format!("b-{}.db", folder.replace('/', "-")));
        let e = b.import(&bad).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.kind(), ErrorKind::Validation, "{folder}: {text}");
        assert!(text.contains("symlink"), "{folder}: {text}");
        assert!(text.contains(&folder), "{folder}: {text}");
        for secret in ["private-entry-name", "passwd", "elsewhere"] {
            assert!(!text.contains(secret), "{folder}: the error names {secret}: {text}");
        }
        assert!(b.projects().list().unwrap().is_empty(), "{folder}: nothing imported");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// As root, file modes do not stop this process: the refusal is checked in a child that
/// runs as `nobody` (uid 65534) on a store it may read but not write (as another user, in
/// a child of its own, on a store whose file and folder are read-only).
#[test]
fn a_store_that_cannot_be_written_is_refused_at_a_writable_open_and_reads_read_only() {
    if let Ok(path) = std::env::var("MAESTRO_EDGES_CHILD_OPEN") {
        let writable = Maestro::open(&path, Options::default());
        let e = writable
            .err()
            .expect("a writable open of a store this process cannot write must fail");
        println!("kind={:?}", e.kind());
        println!("message={e}");
        if std::fs::metadata(Path::new(&path).parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o200
            == 0
        {
            return;
        }
        let ro = Maestro::open(
            &path,
            Options {
                read_only: true,
                ..Default::default()
            },
        )
        .unwrap();
        println!("projects={}", ro.projects().list().unwrap().len());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("state.db");
    {
        let m = Maestro::open(&path, Options::default()).unwrap();
        common::project(&m, "kept");
    }
    let root = is_root();
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(tmp.path(), 0o755);
    // The file is read-only; its folder is not, so a reader can make the -shm SQLite needs.
    mode(&dir, 0o777);
    mode(&path, 0o444);
    // A copy of this test binary that `nobody` can run, wherever the checkout lives.
    let exe = tmp.path().join("edges-child");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    mode(&exe, 0o755);
    let mut child = std::process::Command::new(&exe);
    child
        .args([
            "--exact",
            "a_store_that_cannot_be_written_is_refused_at_a_writable_open_and_reads_read_only",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MAESTRO_EDGES_CHILD_OPEN", &path);
    if root {
        std::os::unix::process::CommandExt::uid(&mut child, 65534);
        std::os::unix::process::CommandExt::gid(&mut child, 65534);
    }
    let out = child.output().unwrap();
    mode(&dir, 0o755);
    mode(&path, 0o600);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("kind=Storage"), "{stdout}");
    assert!(stdout.contains(&format!("cannot write {}", path.display())), "{stdout}");
    assert!(stdout.contains("read_only"), "{stdout}");
    assert!(stdout.contains("projects=1"), "{stdout}");
    // Nothing was changed by the refused open.
    let m = Maestro::open(&path, Options::default()).unwrap();
    assert_eq!(m.projects().list().unwrap().len(), 1);
    drop(m);

    // A read-only folder: no -wal can be made beside the file; refused at open as well.
    mode(&dir, 0o555);
    mode(&path, 0o644);
    let out = child.output().unwrap();
    mode(&dir, 0o755);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kind=Storage"), "{stdout}");
    assert!(stdout.contains(&format!("cannot write {}", path.display())), "{stdout}");
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}
