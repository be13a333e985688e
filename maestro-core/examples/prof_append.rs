use maestro_core::*;
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let m = Maestro::open(dir.path().join("s.db"), Options::durability(Durability::Normal)).unwrap();
    let p = m.projects().create(NewProject { name: "b".into(), ..Default::default() }).unwrap();
    let s = m.sessions().spawn(NewSession::new(p.id.clone(), "s")).unwrap();
    m.sessions().register(&s.id).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..5000 {
        m.sessions().append(&s.id, NewTimelineEvent::new(TimelineType::Milestone, "milestone reached")).unwrap();
    }
    eprintln!("{:?} per append", t.elapsed() / 5000);
}
