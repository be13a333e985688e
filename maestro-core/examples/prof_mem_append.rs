use maestro_core::*;
fn main() {
    let m = Maestro::open_in_memory().unwrap();
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
    for _ in 0..200_000 {
        m.sessions()
            .append(
                &s.id,
                NewTimelineEvent::new(TimelineType::Milestone, "milestone reached"),
            )
            .unwrap();
    }
    eprintln!("in-memory append {:?}", t.elapsed() / 200_000);
}
