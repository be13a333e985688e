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
    m.batch(|b| {
        for i in 0..10_000 {
            b.tasks().create(NewTask::new(p.id.clone(), format!("t{i}")))?;
        }
        Ok(())
    })
    .unwrap();
    let s = m.sessions().spawn(NewSession::new(p.id.clone(), "s")).unwrap();
    m.sessions().register(&s.id).unwrap();
    let mut spent = std::time::Duration::ZERO;
    let mut rel = std::time::Duration::ZERO;
    for _ in 0..3000 {
        let t = std::time::Instant::now();
        let c = m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
        spent += t.elapsed();
        let t = std::time::Instant::now();
        m.tasks().transition(&c.id, TaskStatus::Todo, None, None).unwrap();
        rel += t.elapsed();
    }
    eprintln!("{:?} per claim, {:?} per release", spent / 3000, rel / 3000);
    let raw = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let q = "SELECT t.id, t.project_id, t.workflow_id, t.parent_id, t.title, t.description, t.status, t.priority, t.labels, t.estimate, t.created_at, t.updated_at, t.version, (SELECT group_concat(d.depends_on) FROM task_deps d WHERE d.task_id = t.id) FROM tasks t INDEXED BY tasks_ready WHERE t.project_id = ?1 AND t.status = 'todo' AND t.open_deps = 0 AND (?2 IS NULL OR t.workflow_id = ?2) AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value IN (SELECT value FROM json_each(?3)))) ORDER BY t.priority DESC, t.created_at, t.id LIMIT ?4";
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        let mut st = raw.prepare_cached(q).unwrap();
        let n: Vec<String> = st
            .query_map(
                rusqlite::params![p.id.as_str(), None::<String>, None::<String>, 1],
                |r| r.get(0),
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(n.len(), 1);
    }
    eprintln!("{:?} per ready LIMIT 1 query", t.elapsed() / 1000);
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        raw.execute_batch("BEGIN IMMEDIATE; COMMIT").unwrap();
    }
    eprintln!("{:?} per empty write tx", t.elapsed() / 1000);
    eprintln!(
        "wal bytes {}",
        std::fs::metadata(dir.path().join("s.db-wal")).unwrap().len()
    );
    eprintln!("db bytes {}", std::fs::metadata(dir.path().join("s.db")).unwrap().len());
    let c: (i64, i64, i64) = raw
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    eprintln!("checkpoint {c:?}");
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        let mut st = raw.prepare_cached(q).unwrap();
        let n: Vec<String> = st
            .query_map(
                rusqlite::params![p.id.as_str(), None::<String>, None::<String>, 1],
                |r| r.get(0),
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(n.len(), 1);
    }
    eprintln!("{:?} per ready LIMIT 1 query after checkpoint", t.elapsed() / 1000);
    let variants = [
        ("no labels", q.replace(" AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value IN (SELECT value FROM json_each(?3))))", " AND (?3 IS NULL OR ?3 = 'x')")),
        ("no deps", q.replace("(SELECT group_concat(d.depends_on) FROM task_deps d WHERE d.task_id = t.id)", "NULL")),
        ("id only", "SELECT t.id FROM tasks t INDEXED BY tasks_ready WHERE t.project_id = ?1 AND t.status = 'todo' AND t.open_deps = 0 AND (?2 IS NULL OR ?2 = 1) AND (?3 IS NULL OR ?3 = 1) ORDER BY t.priority DESC, t.created_at, t.id LIMIT ?4".to_string()),
    ];
    for (name, v) in variants {
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            let mut st = raw.prepare_cached(&v).unwrap();
            let n: Vec<String> = st
                .query_map(
                    rusqlite::params![p.id.as_str(), None::<String>, None::<String>, 1],
                    |r| r.get(0),
                )
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(n.len(), 1);
        }
        eprintln!("{:?} {name}", t.elapsed() / 1000);
    }
    let qq = "SELECT t.id FROM tasks t INDEXED BY tasks_ready WHERE t.project_id = ?1 AND t.status = 'todo' AND t.open_deps = 0 ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1";
    for _ in 0..2 {
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            let id: String = raw
                .prepare_cached(qq)
                .unwrap()
                .query_row([p.id.as_str()], |r| r.get(0))
                .unwrap();
            std::hint::black_box(id);
        }
        eprintln!("{:?} python-equivalent", t.elapsed() / 1000);
    }
    for sql in [q.to_string(), qq.to_string()] {
        let mut st = raw.prepare(&sql).unwrap();
        let _: Vec<String> = if sql.contains("?4") {
            st.query_map(
                rusqlite::params![p.id.as_str(), None::<String>, None::<String>, 1],
                |r| r.get(0),
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        } else {
            st.query_map([p.id.as_str()], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        eprintln!(
            "vm steps {} fullscan {} sort {}",
            st.get_status(rusqlite::StatementStatus::VmStep),
            st.get_status(rusqlite::StatementStatus::FullscanStep),
            st.get_status(rusqlite::StatementStatus::Sort)
        );
    }
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(raw.prepare(q).unwrap());
    }
    eprintln!("{:?} per uncached prepare of the ready query", t.elapsed() / 1000);
    let mut st = raw.prepare(q).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        let n: Vec<String> = st
            .query_map(
                rusqlite::params![p.id.as_str(), None::<String>, None::<String>, 1],
                |r| r.get(0),
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        std::hint::black_box(n);
    }
    eprintln!("{:?} per execution of a held statement", t.elapsed() / 1000);
    drop(st);
    for round in 0..3 {
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            let mut st = raw.prepare_cached(q).unwrap();
            let n: Vec<String> = st
                .query_map(
                    rusqlite::params![p.id.as_str(), None::<String>, None::<String>, 1],
                    |r| r.get(0),
                )
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            std::hint::black_box(n);
        }
        eprintln!("{:?} per cached execution, round {round}", t.elapsed() / 1000);
    }
    std::fs::copy(dir.path().join("s.db"), "/tmp/claimed.db").unwrap();
    eprintln!("project {}", p.id);
    for row in raw
        .prepare(&format!("EXPLAIN QUERY PLAN {q}"))
        .unwrap()
        .query_map(
            rusqlite::params![p.id.as_str(), None::<String>, None::<String>, 1],
            |r| r.get::<_, String>(3),
        )
        .unwrap()
    {
        eprintln!("{}", row.unwrap());
    }
}
