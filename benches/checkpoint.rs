//! A checkpoint of 100 modified small files against `git add -A && git commit -q` on the
//! same repository state, same run. Run: `cargo bench -p maestro-benches --bench checkpoint`.

use criterion::{criterion_group, criterion_main, Criterion};
use maestro_core::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

fn repo_with_files(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Bench"]);
    git(dir, &["config", "user.email", "bench@example.invalid"]);
    for i in 0..100 {
        std::fs::write(dir.join(format!("f{i:03}.txt")), format!("file {i}\n")).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "initial"]);
}

fn touch_all(dir: &Path, round: u64) {
    for i in 0..100 {
        std::fs::write(dir.join(format!("f{i:03}.txt")), format!("file {i}, round {round}\n")).unwrap();
    }
}

fn checkpoint(c: &mut Criterion) {
    let mut g = c.benchmark_group("checkpoint_100_modified_files");
    g.sample_size(30).measurement_time(Duration::from_secs(10));
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("ours");
    repo_with_files(&ours);
    let m = Maestro::open(tmp.path().join("state.db"), Options::durability(Durability::Normal)).unwrap();
    let p = m
        .projects()
        .create(NewProject {
            name: "bench".into(),
            root: Some(ours.display().to_string()),
            ..Default::default()
        })
        .unwrap();
    let wf = m
        .workflows()
        .create(NewWorkflow::new(p.id, "bench", ModelRef::Builtin("flow".into())))
        .unwrap();
    let mut round = 0;
    g.bench_function("maestro", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                touch_all(&ours, round);
                let start = Instant::now();
                let cp = m
                    .checkpoints()
                    .create(NewCheckpoint::new(wf.id.clone(), "bench", CheckpointType::SafeState))
                    .unwrap();
                spent += start.elapsed();
                assert!(cp.commit_sha.is_some());
            }
            spent
        })
    });
    let cli = tmp.path().join("cli");
    repo_with_files(&cli);
    g.bench_function("git_cli_add_commit", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                touch_all(&cli, round);
                let start = Instant::now();
                let ok = Command::new("sh")
                    .current_dir(&cli)
                    .args(["-c", "git add -A && git commit -q -m bench"])
                    .status()
                    .unwrap();
                spent += start.elapsed();
                assert!(ok.success());
            }
            spent
        })
    });
    g.finish();
}

criterion_group!(benches, checkpoint);
criterion_main!(benches);
