fn main() {
    let db = std::env::args().nth(1).unwrap();
    let project = std::env::args().nth(2).unwrap();
    let raw = rusqlite::Connection::open(&db).unwrap();
    let cols = "t.id, t.project_id, t.workflow_id, t.parent_id, t.title, t.description, t.status, t.priority, t.labels, t.estimate, t.created_at, t.updated_at, t.version, (SELECT group_concat(d.depends_on) FROM task_deps d WHERE d.task_id = t.id)";
    raw.execute_batch(
        "CREATE INDEX IF NOT EXISTS tasks_full ON tasks(project_id, status, open_deps, priority DESC, created_at, id)",
    )
    .unwrap();
    let lit = project.replace('\'', "''");
    let qs = [
        format!("SELECT {cols} FROM tasks t INDEXED BY tasks_full WHERE t.project_id = ?1 AND t.status = 'todo' AND t.open_deps = 0 ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1"),
        format!("SELECT {cols} FROM tasks t INDEXED BY tasks_ready WHERE t.status = 'todo' AND t.open_deps = 0 AND t.project_id = '{lit}' ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1"),
        format!("SELECT {cols} FROM tasks t INDEXED BY tasks_ready WHERE t.status = 'todo' AND t.open_deps = 0 AND t.project_id = ?1 ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1"),
        format!("SELECT {cols} FROM tasks t WHERE t.status = 'todo' AND t.open_deps = 0 AND t.project_id = ?1 ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1"),
        "SELECT t.id FROM tasks t WHERE t.status = 'todo' AND t.open_deps = 0 AND t.project_id = ?1 ORDER BY t.priority DESC, t.created_at, t.id LIMIT 1".to_string(),
        format!("SELECT {cols} FROM tasks t WHERE t.id = ?1"),
    ];
    for q in &qs {
        let t = std::time::Instant::now();
        for _ in 0..500 {
            let mut st = raw.prepare_cached(q).unwrap();
            let v: Vec<String> = st
                .query_map(
                    rusqlite::params_from_iter(if q.contains("?1") {
                        vec![project.as_str()]
                    } else {
                        vec![]
                    }),
                    |r| r.get(0),
                )
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            std::hint::black_box(v);
        }
        let st = raw.prepare_cached(q).unwrap();
        eprintln!(
            "{:?} cached; reprepares {}  :: {}",
            t.elapsed() / 500,
            st.get_status(rusqlite::StatementStatus::RePrepare),
            &q[q.len().saturating_sub(90)..]
        );
    }
}
