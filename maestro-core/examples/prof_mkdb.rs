use maestro_core::*;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let m = Maestro::open(&path, Options::default()).unwrap();
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
    println!("{}", p.id);
}
