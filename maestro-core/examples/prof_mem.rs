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
    m.batch(|b| {
        for i in 0..10_000 {
            b.tasks().create(NewTask::new(p.id.clone(), format!("t{i}")))?;
        }
        Ok(())
    })
    .unwrap();
    let s = m.sessions().spawn(NewSession::new(p.id.clone(), "s")).unwrap();
    m.sessions().register(&s.id).unwrap();
    let (mut a, mut b, mut c) = (
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
    );
    for _ in 0..3000 {
        let t = std::time::Instant::now();
        let x = m.tasks().claim(&s.id, &ClaimFilter::default()).unwrap().unwrap();
        a += t.elapsed();
        let t = std::time::Instant::now();
        m.tasks().transition(&x.id, TaskStatus::Todo, None, None).unwrap();
        b += t.elapsed();
        let t = std::time::Instant::now();
        m.sessions()
            .append(&s.id, NewTimelineEvent::new(TimelineType::Milestone, "x"))
            .unwrap();
        c += t.elapsed();
    }
    eprintln!(
        "in memory: claim {:?}, release {:?}, append {:?}",
        a / 3000,
        b / 3000,
        c / 3000
    );
}
