//! Readers never wait for writers: a read runs while a write transaction is open, in this
//! process (a batch on another thread) and in another connection (another process's view).

mod common;

use maestro_core::*;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn a_read_completes_while_a_batch_holds_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let m = std::sync::Arc::new(Maestro::open(dir.path().join("s.db"), Options::default()).unwrap());
    let p = common::project(&m, "p");
    common::task(&m, &p.id, "committed", &[]);
    let (in_tx, wait_in_tx) = mpsc::channel();
    let (read_done, wait_read) = mpsc::channel::<usize>();
    let writer = {
        let (m, p) = (m.clone(), p.id.clone());
        std::thread::spawn(move || {
            m.batch(|b| {
                b.tasks().create(NewTask::new(p.clone(), "uncommitted"))?;
                in_tx.send(()).unwrap();
                // Hold the write transaction until the reader is done (or give up).
                Ok(wait_read.recv_timeout(Duration::from_secs(20)).ok())
            })
            .unwrap()
        })
    };
    wait_in_tx.recv().unwrap();
    let seen = m.tasks().list(&p.id).unwrap().len();
    read_done.send(seen).unwrap();
    let reader_finished_first = writer.join().unwrap();
    assert_eq!(
        reader_finished_first,
        Some(1),
        "the read ran during the write and saw only committed state"
    );
    assert_eq!(m.tasks().list(&p.id).unwrap().len(), 2);
}

#[test]
fn a_read_completes_while_another_connection_holds_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let opts = Options {
        sqlite: SqliteOptions {
            busy_timeout: Duration::from_secs(20),
            ..Default::default()
        },
        ..Default::default()
    };
    let m = Maestro::open(&db, opts).unwrap();
    let p = common::project(&m, "p");
    let other = rusqlite::Connection::open(&db).unwrap();
    other
        .execute_batch("BEGIN IMMEDIATE; UPDATE projects SET name = 'renamed';")
        .unwrap();
    let start = std::time::Instant::now();
    assert_eq!(
        m.projects().get(&p.id).unwrap().name,
        "p",
        "uncommitted change is invisible"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the read waited for the writer"
    );
    let e = Maestro::open(
        &db,
        Options {
            sqlite: SqliteOptions {
                busy_timeout: Duration::from_millis(100),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap()
    .projects()
    .create(NewProject {
        name: "q".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Busy,
        "a writer past the busy timeout gets Busy: {e}"
    );
    other.execute_batch("COMMIT").unwrap();
    assert_eq!(m.projects().get(&p.id).unwrap().name, "renamed");
}
