//! Child process for the multi-process tests: opens a database and hammers it in one of
//! several modes, printing one line per acknowledged operation on stdout.
//!
//! ```text
//! maestro-stress claim   <db> <project_id>          CLAIM <task_id> per claimed task
//! maestro-stress advance <db> <workflow_id>         WIN <from> <to> per transition won
//! maestro-stress append  <db> <session_id> <n>      ACK <event_id> per append
//! maestro-stress append-forever <db> <session_id>   ACK <event_id> until killed
//! maestro-stress checkpoint <db> <workflow_id> <n> <root>  CHECKPOINT <id> <sha> per checkpoint
//! maestro-stress append-timed <db> <session_id> <n> ACK <event_id> <microseconds> per append
//! maestro-stress prune <db> <archive_dir>           PRUNED <workflows> <events> (everything due)
//! maestro-stress append-until <db> <session_id> <start_ms> <end_ms>
//!     at `full`, appends from unix time start_ms to end_ms; prints
//!     FAIR <count> <longest call µs>
//! maestro-stress append-threads <db> <session_id> <threads> <n>
//!     at `full`, threads × n appends on one handle: ACK <event_id> per append (flushed),
//!     then DONE and waits to be killed
//! maestro-stress fsize <db> <project_id> <limit_bytes>
//!     at `full`, with SIGXFSZ ignored and RLIMIT_FSIZE at limit_bytes, creates 16 KiB
//!     tasks until a write fails: ACK <task_id> per task, FAILED <kind> <message>, READS
//!     <tasks listed>, then with the limit lifted AFTER <task_id>, INTEGRITY ok
//! maestro-stress soak-mixed <db> <full|normal> <project_id> <workflow_id> <seed>
//!     a mixed workload until killed, one line per acknowledged write (flushed): TASK <id>,
//!     CLAIM <task> <session>, DONE <task>, EVENT <session> <id>, DECISION <id>,
//!     THREAD <thread> <checkpoint>
//! maestro-stress soak-git <db> <workflow_id> <root> <seed>
//!     until killed: writes soak.txt (WROTE <content>), then checkpoints (CP <id> <sha>)
//!     or rolls back hard to an earlier checkpoint (ROLLBACK <id> <safety ref>)
//! ```

use maestro_core::thread::{Blob, NewThreadCheckpoint};
use maestro_core::*;
use std::io::Write;

fn open(db: &str) -> Maestro {
    Maestro::open(db, Options::durability(Durability::Normal)).unwrap_or_else(|e| fail(&e))
}

fn fail(e: &Error) -> ! {
    println!("ERR {} {e}", e.kind());
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = std::io::stdout();
    let mut out = out.lock();
    match args.get(1).map(String::as_str) {
        Some("claim") => {
            let m = open(&args[2]);
            let project = ProjectId::parse(&args[3]).unwrap();
            let s = m
                .sessions()
                .spawn(NewSession::new(project, format!("claimer-{}", std::process::id())))
                .unwrap_or_else(|e| fail(&e));
            m.sessions().register(&s.id).unwrap_or_else(|e| fail(&e));
            while let Some(t) = m
                .tasks()
                .claim(&s.id, &ClaimFilter::default())
                .unwrap_or_else(|e| fail(&e))
            {
                writeln!(out, "CLAIM {}", t.id).unwrap();
                m.tasks().complete(&t.id, Some(&s.id)).unwrap_or_else(|e| fail(&e));
            }
        }
        Some("advance") => {
            let m = open(&args[2]);
            let wf = WorkflowId::parse(&args[3]).unwrap();
            loop {
                let w = m.workflows().get(&wf).unwrap_or_else(|e| fail(&e));
                if w.status != WorkflowStatus::Active {
                    break;
                }
                let to = w
                    .model
                    .next_phases(&w.phase)
                    .last()
                    .map(|s| s.to_string())
                    .expect("linear model");
                match m.workflows().advance(&wf, &to, "racer", Some(&w.phase)) {
                    Ok(_) => writeln!(out, "WIN {} {to}", w.phase).unwrap(),
                    Err(e) if e.kind() == ErrorKind::Conflict => writeln!(out, "LOSE {} {to}", w.phase).unwrap(),
                    Err(e) => fail(&e),
                }
            }
        }
        Some("append") => {
            let m = open(&args[2]);
            let s = SessionId::parse(&args[3]).unwrap();
            let n: usize = args[4].parse().unwrap();
            for i in 0..n {
                let e = m
                    .sessions()
                    .append(
                        &s,
                        NewTimelineEvent::new(TimelineType::Milestone, format!("{} {i}", std::process::id())),
                    )
                    .unwrap_or_else(|e| fail(&e));
                writeln!(out, "ACK {}", e.id).unwrap();
            }
        }
        Some("append-timed") => {
            let m = open(&args[2]);
            let s = SessionId::parse(&args[3]).unwrap();
            let n: usize = args[4].parse().unwrap();
            for i in 0..n {
                let started = std::time::Instant::now();
                let e = m
                    .sessions()
                    .append(
                        &s,
                        NewTimelineEvent::new(TimelineType::Milestone, format!("{} {i}", std::process::id())),
                    )
                    .unwrap_or_else(|e| fail(&e));
                writeln!(out, "ACK {} {}", e.id, started.elapsed().as_micros()).unwrap();
            }
        }
        Some("prune") => {
            let m = open(&args[2]);
            let policy = RetentionPolicy {
                sessions_days: 0,
                events_days: 0,
                agent_logs_days: 0,
                archive_dir: Some(args[3].clone().into()),
                ..Default::default()
            };
            let r = m.prune(Some(&policy), false).unwrap_or_else(|e| fail(&e));
            writeln!(out, "PRUNED {} {}", r.workflows.len(), r.events).unwrap();
        }
        Some("append-forever") => {
            let m = open(&args[2]);
            let s = SessionId::parse(&args[3]).unwrap();
            loop {
                let e = m
                    .sessions()
                    .append(
                        &s,
                        NewTimelineEvent::new(TimelineType::Progress, "tick").with_progress(0.5),
                    )
                    .unwrap_or_else(|e| fail(&e));
                writeln!(out, "ACK {}", e.id).unwrap();
                out.flush().unwrap();
            }
        }
        Some("checkpoint") => {
            // Writes a file of its own in the work tree, then checkpoints, n times.
            let m = open(&args[2]);
            let wf = WorkflowId::parse(&args[3]).unwrap();
            let n: usize = args[4].parse().unwrap();
            let root = std::path::PathBuf::from(&args[5]);
            for i in 0..n {
                std::fs::write(root.join(format!("p{}_{i}.txt", std::process::id())), format!("{i}\n")).unwrap();
                let cp = m
                    .checkpoints()
                    .create(NewCheckpoint::new(
                        wf.clone(),
                        format!("checkpoint {i}"),
                        CheckpointType::SafeState,
                    ))
                    .unwrap_or_else(|e| fail(&e));
                writeln!(out, "CHECKPOINT {} {}", cp.id, cp.commit_sha.unwrap_or_default()).unwrap();
            }
        }
        Some("append-until") => {
            let m = Maestro::open(&args[2], Options::durability(Durability::Full)).unwrap_or_else(|e| fail(&e));
            let s = SessionId::parse(&args[3]).unwrap();
            let (start, end): (i64, i64) = (args[4].parse().unwrap(), args[5].parse().unwrap());
            while maestro_core::time::now_ms() < start {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            let (mut count, mut longest) = (0u64, 0u128);
            while maestro_core::time::now_ms() < end {
                let started = std::time::Instant::now();
                m.sessions()
                    .append(
                        &s,
                        NewTimelineEvent::new(TimelineType::Milestone, format!("{} {count}", std::process::id())),
                    )
                    .unwrap_or_else(|e| fail(&e));
                longest = longest.max(started.elapsed().as_micros());
                count += 1;
            }
            writeln!(out, "FAIR {count} {longest}").unwrap();
        }
        Some("append-threads") => {
            let m = Maestro::open(&args[2], Options::durability(Durability::Full)).unwrap_or_else(|e| fail(&e));
            let s = SessionId::parse(&args[3]).unwrap();
            let (threads, n): (usize, usize) = (args[4].parse().unwrap(), args[5].parse().unwrap());
            // The threads hand their acknowledgements to this one, which holds stdout.
            let (acks, acked) = std::sync::mpsc::channel::<String>();
            std::thread::scope(|scope| {
                for t in 0..threads {
                    let (m, s, acks) = (&m, &s, acks.clone());
                    scope.spawn(move || {
                        for i in 0..n {
                            let e = m
                                .sessions()
                                .append(s, NewTimelineEvent::new(TimelineType::Milestone, format!("{t} {i}")))
                                .unwrap_or_else(|e| fail(&e));
                            acks.send(e.id.to_string()).unwrap();
                        }
                    });
                }
                drop(acks);
                for id in acked {
                    writeln!(out, "ACK {id}").unwrap();
                    out.flush().unwrap();
                }
            });
            writeln!(out, "DONE").unwrap();
            out.flush().unwrap();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        Some("fsize") => {
            let m = Maestro::open(&args[2], Options::durability(Durability::Full)).unwrap_or_else(|e| fail(&e));
            let project = ProjectId::parse(&args[3]).unwrap();
            let limit: u64 = args[4].parse().unwrap();
            let mut rl = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: plain libc calls on this process; `rl` outlives them.
            unsafe {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                libc::getrlimit(libc::RLIMIT_FSIZE, &mut rl);
            }
            let unlimited = rl;
            rl.rlim_cur = limit;
            // SAFETY: as above.
            assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &rl) }, 0);
            let task = |title: String| {
                let mut t = NewTask::new(project.clone(), title);
                t.description = "x".repeat(16 << 10);
                m.tasks().create(t)
            };
            let mut acked = 0usize;
            loop {
                match task(format!("t{acked}")) {
                    Ok(t) => {
                        acked += 1;
                        writeln!(out, "ACK {}", t.id).unwrap();
                    }
                    Err(e) => {
                        writeln!(out, "FAILED {} {e}", e.kind()).unwrap();
                        break;
                    }
                }
                if acked > 100_000 {
                    writeln!(out, "NEVER FAILED").unwrap();
                    break;
                }
            }
            let listed = m.tasks().list(&project).unwrap_or_else(|e| fail(&e)).len();
            writeln!(out, "READS {listed}").unwrap();
            // SAFETY: as above.
            assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &unlimited) }, 0);
            let after = task("after the limit".into()).unwrap_or_else(|e| fail(&e));
            writeln!(out, "AFTER {}", after.id).unwrap();
            m.check_integrity().unwrap_or_else(|e| fail(&e));
            writeln!(out, "INTEGRITY ok").unwrap();
        }
        Some("soak-mixed") => soak_mixed(&args, &mut out),
        Some("soak-git") => soak_git(&args, &mut out),
        _ => {
            eprintln!("usage: maestro-stress claim|advance|append|append-forever <db> <id> [n]");
            std::process::exit(64)
        }
    }
    out.flush().unwrap();
}

/// A small deterministic generator (xorshift), seeded per worker.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn ack(out: &mut impl Write, line: String) {
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn soak_mixed(args: &[String], out: &mut impl Write) {
    let durability: Durability = args[3].parse().unwrap();
    let m = Maestro::open(&args[2], Options::durability(durability)).unwrap_or_else(|e| fail(&e));
    let project = ProjectId::parse(&args[4]).unwrap();
    let wf = WorkflowId::parse(&args[5]).unwrap();
    let mut rng = Rng(args[6].parse::<u64>().unwrap() | 1);
    let pid = std::process::id();
    let s = m
        .sessions()
        .spawn(NewSession::new(project.clone(), format!("soak-{pid}")))
        .unwrap_or_else(|e| fail(&e));
    m.sessions().register(&s.id).unwrap_or_else(|e| fail(&e));
    let thread = format!("soak-{pid}");
    let mut step = 0u64;
    loop {
        step += 1;
        match rng.below(100) {
            0..=29 => {
                let t = m
                    .tasks()
                    .create(NewTask::new(project.clone(), format!("task {pid}-{step}")))
                    .unwrap_or_else(|e| fail(&e));
                ack(out, format!("TASK {}", t.id));
            }
            30..=54 => {
                if let Some(t) = m
                    .tasks()
                    .claim(&s.id, &ClaimFilter::default())
                    .unwrap_or_else(|e| fail(&e))
                {
                    ack(out, format!("CLAIM {} {}", t.id, s.id));
                    if rng.below(2) == 0 {
                        m.tasks().complete(&t.id, Some(&s.id)).unwrap_or_else(|e| fail(&e));
                        ack(out, format!("DONE {}", t.id));
                    }
                }
            }
            55..=79 => {
                let e = m
                    .sessions()
                    .append(
                        &s.id,
                        NewTimelineEvent {
                            kind: TimelineType::Milestone,
                            message: format!("step {step}"),
                            task_id: None,
                            metadata: serde_json::json!({}),
                        },
                    )
                    .unwrap_or_else(|e| fail(&e));
                ack(out, format!("EVENT {} {}", s.id, e.id));
            }
            80..=89 => {
                let d = m
                    .decisions()
                    .record(NewDecision::new(
                        wf.clone(),
                        "tech_stack",
                        format!("choice {pid}-{step}"),
                        "soak",
                    ))
                    .unwrap_or_else(|e| fail(&e));
                ack(out, format!("DECISION {}", d.id));
            }
            _ => {
                let id = format!("{step:012}");
                m.threads()
                    .put(
                        &project,
                        NewThreadCheckpoint {
                            thread_id: thread.clone(),
                            checkpoint_ns: String::new(),
                            checkpoint_id: id.clone(),
                            parent_id: None,
                            checkpoint: Blob {
                                kind: "json".into(),
                                data: format!("{{\"step\":{step}}}").into_bytes(),
                            },
                            metadata: serde_json::json!({}),
                        },
                    )
                    .unwrap_or_else(|e| fail(&e));
                ack(out, format!("THREAD {thread} {id}"));
            }
        }
    }
}

fn soak_git(args: &[String], out: &mut impl Write) {
    let m = open(&args[2]);
    let wf = WorkflowId::parse(&args[3]).unwrap();
    let root = std::path::PathBuf::from(&args[4]);
    let mut rng = Rng(args[5].parse::<u64>().unwrap() | 1);
    let pid = std::process::id();
    let mut checkpoints: Vec<CheckpointId> = m
        .checkpoints()
        .list(&wf)
        .unwrap_or_else(|e| fail(&e))
        .into_iter()
        .map(|c| c.id)
        .collect();
    for i in 0.. {
        let content = format!("content {pid} {i}");
        std::fs::write(root.join("soak.txt"), &content).unwrap();
        ack(out, format!("WROTE {content}"));
        if checkpoints.is_empty() || rng.below(3) < 2 {
            let cp = m
                .checkpoints()
                .create(NewCheckpoint::new(
                    wf.clone(),
                    format!("soak {i}"),
                    CheckpointType::SafeState,
                ))
                .unwrap_or_else(|e| fail(&e));
            ack(
                out,
                format!("CP {} {}", cp.id, cp.commit_sha.clone().unwrap_or_default()),
            );
            checkpoints.push(cp.id);
        } else {
            let to = checkpoints[rng.below(checkpoints.len() as u64) as usize].clone();
            let r = m
                .checkpoints()
                .rollback(&to, RollbackMode::Hard, false)
                .unwrap_or_else(|e| fail(&e));
            ack(out, format!("ROLLBACK {} {}", to, r.safety_ref.unwrap_or_default()));
        }
    }
}
