//! Schema migrations: older databases open and migrate; newer ones are refused untouched.

mod common;

use maestro_core::store::sqlite::migrations;
use maestro_core::*;

#[test]
fn a_database_created_by_schema_version_1_opens_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let (p, t1, t2) = {
        let v1 = SqliteStore::open_at_version(&db, SqliteOptions::default(), 1).unwrap();
        assert_eq!(v1.schema_version().unwrap(), 1);
        let m = Maestro::with_store(Box::new(v1));
        let p = common::project(&m, "legacy");
        let t1 = common::task(&m, &p.id, "first", &[]);
        let t2 = common::task(&m, &p.id, "second", &[&t1.id]);
        (p, t1, t2)
    };
    let store = SqliteStore::open(&db, SqliteOptions::default()).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrations::latest());
    assert!(migrations::latest() >= 2);
    let m = Maestro::with_store(Box::new(store));
    let ready: Vec<_> = m.tasks().ready(&p.id).unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(ready, vec![t1.id.clone()]);
    assert_eq!(m.tasks().get(&t2.id).unwrap().depends_on, vec![t1.id]);
    assert_eq!(
        m.events().latest_seq().unwrap(),
        3,
        "the feed written under v1 is intact"
    );
    m.check_integrity().unwrap();
}

#[test]
fn a_newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    drop(Maestro::open(&db, Options::default()).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let e = Maestro::open(&db, Options::default()).err().expect("must refuse");
    assert_eq!(e.kind(), ErrorKind::Storage);
    assert!(e.to_string().contains("999"), "{e}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let max: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(max, 999);
}

#[test]
fn concurrent_first_opens_apply_each_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("race.db");
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || {
                SqliteStore::open(&db, SqliteOptions::default()).map(|s| s.schema_version().unwrap())
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), migrations::latest());
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows as usize, migrations::latest());
}

#[cfg(unix)]
#[test]
fn database_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/dir/state.db");
    let m = Maestro::open(&db, Options::default()).unwrap();
    common::project(&m, "p");
    for f in ["state.db", "state.db-wal", "state.db-shm"] {
        let mode = std::fs::metadata(db.with_file_name(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f} has mode {mode:o}");
    }
}

#[test]
fn open_dependency_counts_stay_exact_when_a_dependency_row_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deps.db");
    let m = Maestro::open(&db, Options::default()).unwrap();
    let p = common::project(&m, "p");
    let a = common::task(&m, &p.id, "a", &[]);
    let b = common::task(&m, &p.id, "b", &[&a.id]);
    assert_eq!(m.tasks().ready(&p.id).unwrap().len(), 1);
    // No API deletes a single task yet; a future one must keep the count exact.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    conn.execute("DELETE FROM tasks WHERE id = ?1", [a.id.as_str()])
        .unwrap();
    let open: i64 = conn
        .query_row("SELECT open_deps FROM tasks WHERE id = ?1", [b.id.as_str()], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(open, 0);
    let ready: Vec<_> = m.tasks().ready(&p.id).unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(ready, vec![b.id]);
}

#[test]
fn a_database_from_before_retention_is_switched_to_incremental_vacuum_and_prunes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        // What earlier versions created: no auto-vacuum.
        let raw = rusqlite::Connection::open(&db).unwrap();
        raw.execute_batch("PRAGMA auto_vacuum = NONE; CREATE TABLE before_maestro (x);")
            .unwrap();
    }
    let p = {
        let v5 = SqliteStore::open_at_version(&db, SqliteOptions::default(), 5).unwrap();
        let m = Maestro::with_store(Box::new(v5));
        let p = common::project(&m, "legacy");
        for i in 0..3 {
            common::ended_workflow(&m, &p.id, &format!("old{i}"), true);
        }
        p
    };
    let mode = |db: &std::path::Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(mode(&db), 0);
    let m = Maestro::open(&db, Options::default()).unwrap();
    assert_eq!(mode(&db), 2, "opening migrates the file to incremental auto-vacuum");
    assert_eq!(m.events().horizon().unwrap(), 0);
    let r = m
        .prune(
            Some(&RetentionPolicy {
                sessions_days: 0,
                events_days: 0,
                archive_dir: Some(dir.path().join("archive")),
                ..Default::default()
            }),
            false,
        )
        .unwrap();
    assert_eq!(r.workflows.len(), 3);
    assert!(r.bytes_after < r.bytes_before, "{r:?}");
    assert_eq!(m.learning().orderings(&p.id).unwrap().len(), 3);
    m.check_integrity().unwrap();
}
