use maestro_core::*;
fn frames(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
        .unwrap()
}
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let m = Maestro::open(dir.path().join("s.db"), Options::durability(Durability::Normal)).unwrap();
    let p = m
        .projects()
        .create(NewProject {
            name: "b".into(),
            ..Default::default()
        })
        .unwrap();
    let s = m.sessions().spawn(NewSession::new(p.id.clone(), "s")).unwrap();
    m.sessions().register(&s.id).unwrap();
    for _ in 0..500 {
        m.sessions()
            .append(
                &s.id,
                NewTimelineEvent::new(TimelineType::Milestone, "milestone reached"),
            )
            .unwrap();
    }
    let raw = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    for _ in 0..100 {
        m.sessions()
            .append(
                &s.id,
                NewTimelineEvent::new(TimelineType::Milestone, "milestone reached"),
            )
            .unwrap();
    }
    println!("maestro append: {} frames per commit", frames(&raw) as f64 / 100.0);
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let t = m.tasks().create(NewTask::new(p.id.clone(), "x")).unwrap();
    let s2 = m.sessions().spawn(NewSession::new(p.id.clone(), "s2")).unwrap();
    m.sessions().register(&s2.id).unwrap();
    for i in 0..2000 {
        m.tasks().create(NewTask::new(p.id.clone(), format!("t{i}"))).unwrap();
    }
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    for _ in 0..50 {
        let c = m.tasks().claim(&s2.id, &ClaimFilter::default()).unwrap().unwrap();
        m.tasks().transition(&c.id, TaskStatus::Todo, None, None).unwrap();
    }
    println!("claim+release: {} frames per pair", frames(&raw) as f64 / 50.0);
    let _ = t;
    let rdir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(rdir.path().join("r.db")).unwrap();
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).unwrap();
    conn.execute_batch("PRAGMA synchronous=NORMAL; CREATE TABLE t(seq INTEGER PRIMARY KEY, id TEXT, session_id TEXT, project_id TEXT, workflow_id TEXT, kind TEXT, at INTEGER, message TEXT, task_id TEXT, metadata TEXT); CREATE INDEX ts ON t(session_id);").unwrap();
    for i in 0..600 {
        conn.execute("INSERT INTO t(id, session_id, project_id, kind, at, message, metadata) VALUES (?1,'ses_x','prj_x','milestone',?2,'milestone reached','{}')", rusqlite::params![format!("evt_{i:026}"), i]).unwrap();
        if i == 499 {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .unwrap();
        }
    }
    println!("raw insert: {} frames per commit", frames(&conn) as f64 / 100.0);
}
