fn main() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("x.db")).unwrap();
    conn.execute_batch("CREATE TABLE t(a, b); INSERT INTO t VALUES (1, '[]');")
        .unwrap();
    let q = "SELECT a, (SELECT group_concat(x.a) FROM t x WHERE x.a = t.a) FROM t WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(t.b) l WHERE l.value IN (SELECT value FROM json_each(?1)))) LIMIT 1";
    for _ in 0..3 {
        let t = std::time::Instant::now();
        for _ in 0..2000 {
            let st = conn.prepare_cached(q).unwrap();
            std::hint::black_box(&st);
        }
        eprintln!("{:?} per prepare_cached (no exec)", t.elapsed() / 2000);
        let t = std::time::Instant::now();
        for _ in 0..2000 {
            let mut st = conn.prepare_cached(q).unwrap();
            let v: Vec<i64> = st
                .query_map([None::<String>], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            std::hint::black_box(v);
        }
        eprintln!("{:?} per prepare_cached + exec", t.elapsed() / 2000);
        let mut st = conn.prepare(q).unwrap();
        let t = std::time::Instant::now();
        for _ in 0..2000 {
            let v: Vec<i64> = st
                .query_map([None::<String>], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            std::hint::black_box(v);
        }
        eprintln!("{:?} per held exec", t.elapsed() / 2000);
    }
}
