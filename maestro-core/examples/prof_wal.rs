use maestro_core::*;
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let m = Maestro::open(&db, Options::durability(Durability::Normal)).unwrap();
    let p = m
        .projects()
        .create(NewProject {
            name: "b".into(),
            ..Default::default()
        })
        .unwrap();
    m.batch(|b| {
        for i in 0..2000 {
            b.tasks().create(NewTask::new(p.id.clone(), format!("t{i}")))?;
        }
        Ok(())
    })
    .unwrap();
    let s = m.sessions().spawn(NewSession::new(p.id.clone(), "s")).unwrap();
    m.sessions().register(&s.id).unwrap();
    for _ in 0..20 {
        let c = m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
        m.tasks().transition(&c.id, TaskStatus::Todo, None, None).unwrap();
    }
    let raw = rusqlite::Connection::open(&db).unwrap();
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode == "append" {
        m.sessions()
            .append(&s.id, NewTimelineEvent::new(TimelineType::Milestone, "x"))
            .unwrap();
    } else {
        m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
    }
    std::fs::copy(&db, "/tmp/w.db").unwrap();
    std::fs::copy(dir.path().join("s.db-wal"), "/tmp/w.db-walcopy").unwrap();
}
