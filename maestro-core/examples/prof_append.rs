use maestro_core::*;
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
    let t = std::time::Instant::now();
    for _ in 0..5000 {
        m.sessions()
            .append(
                &s.id,
                NewTimelineEvent::new(TimelineType::Milestone, "milestone reached"),
            )
            .unwrap();
    }
    eprintln!("{:?} per append", t.elapsed() / 5000);
    let conn = rusqlite::Connection::open(dir.path().join("r.db")).unwrap();
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).unwrap();
    conn.execute_batch("PRAGMA synchronous=NORMAL; CREATE TABLE t(seq INTEGER PRIMARY KEY, id TEXT, session_id TEXT, project_id TEXT, workflow_id TEXT, kind TEXT, at INTEGER, message TEXT, task_id TEXT, metadata TEXT); CREATE INDEX ts ON t(session_id);").unwrap();
    let t = std::time::Instant::now();
    for i in 0..5000 {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.prepare_cached("INSERT INTO t(id, session_id, project_id, kind, at, message, metadata) VALUES (?1,'ses_x','prj_x','milestone',?2,'milestone reached','{}')").unwrap().execute(rusqlite::params![format!("evt_{i:026}"), i]).unwrap();
        conn.execute_batch("COMMIT").unwrap();
    }
    eprintln!("{:?} per raw insert", t.elapsed() / 5000);
}
#[allow(dead_code)]
fn raw() {}
