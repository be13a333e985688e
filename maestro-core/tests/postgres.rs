//! What a shared server makes newly possible to get wrong: writers of many processes and
//! hosts against a catch-up reader, claims from other (network-namespace) hosts,
//! subscriptions that hear other processes, concurrent first opens, a host's own async
//! runtime, and secrets in messages. The rest of the PostgreSQL store is proved by the
//! conformance and multi-process suites, which run on every backend.
#![cfg(feature = "postgres")]

mod common;

use common::*;
use maestro_core::*;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STRESS: &str = env!("CARGO_BIN_EXE_maestro-stress");

fn open(url: &str) -> Maestro {
    Maestro::open(url, Options::durability(Durability::Normal)).unwrap()
}

fn spawn(prefix: &[&str], args: &[&str]) -> Child {
    let mut cmd = match prefix.split_first() {
        Some((program, rest)) => {
            let mut c = Command::new(program);
            c.args(rest).arg(STRESS);
            c
        }
        None => Command::new(STRESS),
    };
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn maestro-stress")
}

fn lines(c: Child) -> Vec<String> {
    let out = c.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "child failed: {:?}\n{text}", out.status);
    assert!(!text.contains("ERR"), "an error reached a caller:\n{text}");
    text.lines().map(str::to_owned).collect()
}

#[test]
fn a_catch_up_reader_never_skips_a_seq_while_eight_processes_write() {
    let url = pg_url();
    let m = open(&url);
    let p = project(&m, "feed");
    let sessions: Vec<_> = (0..8).map(|i| live_session(&m, &p.id, &format!("s{i}")).id).collect();
    let start = m.events().latest_seq().unwrap();
    let children: Vec<_> = sessions
        .iter()
        .map(|s| spawn(&[], &["append", &url, s.as_str(), "250"]))
        .collect();
    // Read as the writers commit: every batch must continue exactly where the last
    // ended. A seq allocated by a transaction that commits after a higher one would show
    // up here as a hole that later fills in.
    let mut last = start;
    let mut read = 0usize;
    let mut batches = 0usize;
    let deadline = Instant::now() + Duration::from_secs(120);
    while read < 2000 {
        assert!(Instant::now() < deadline, "only {read} of 2000 events arrived");
        let events = m.events().since(last, &EventFilter::default(), 97).unwrap();
        for e in &events {
            assert_eq!(
                e.seq,
                last + 1,
                "seq {} follows {last}: a reader skipped an event",
                e.seq
            );
            last = e.seq;
        }
        read += events.len();
        batches += usize::from(!events.is_empty());
    }
    let acked: usize = children.into_iter().map(|c| lines(c).len()).sum();
    assert_eq!(acked, 2000);
    assert_eq!(
        m.events().latest_seq().unwrap(),
        last,
        "nothing arrived after the writers finished"
    );
    assert!(batches > 20, "the reader ran alongside the writers ({batches} batches)");
}

#[test]
fn claims_from_four_network_hosts_take_each_task_exactly_once() {
    // Hosts are network namespaces joined by a bridge (`scripts/pg hosts up`): each
    // claimer reaches the server over TCP from an address of its own.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg");
    let _server = pg_server();
    let out = Command::new(&script).args(["hosts", "up", "4"]).output().unwrap();
    assert!(
        out.status.success(),
        "scripts/pg hosts up: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let host_url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let local = pg_url();
    let schema = local.split("search_path%3D").nth(1).unwrap().to_owned();
    let remote = format!("{host_url}?options=-csearch_path%3D{schema}");
    let m = open(&local);
    let p = project(&m, "pool");
    let ids: HashSet<String> = m
        .batch(|b| {
            (0..400)
                .map(|i| {
                    b.tasks()
                        .create(NewTask::new(p.id.clone(), format!("t{i}")))
                        .map(|t| t.id.to_string())
                })
                .collect()
        })
        .unwrap();
    let children: Vec<_> = (0..8)
        .map(|i| {
            let host = format!("mhost{}", i % 4 + 1);
            spawn(&["ip", "netns", "exec", &host], &["claim", &remote, p.id.as_str()])
        })
        .collect();
    let mut claimed: Vec<String> = children
        .into_iter()
        .flat_map(lines)
        .filter_map(|l| l.strip_prefix("CLAIM ").map(str::to_owned))
        .collect();
    assert_eq!(claimed.len(), 400);
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), 400, "a task was claimed twice");
    assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), ids);
    let sessions = m
        .sessions()
        .list(&SessionFilter {
            project_id: Some(p.id.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(sessions.len(), 8, "one session per claimer");
}

#[test]
fn subscriptions_hear_commits_of_other_processes_in_order() {
    let url = pg_url();
    let m = open(&url);
    let p = project(&m, "live");
    let s = live_session(&m, &p.id, "remote");
    let sub = m
        .events()
        .subscribe(EventFilter {
            entities: vec![EntityKind::TimelineEvent],
            ..Default::default()
        })
        .unwrap();
    let child = spawn(&[], &["append", &url, s.id.as_str(), "50"]);
    let acked: Vec<String> = lines(child)
        .into_iter()
        .filter_map(|l| l.strip_prefix("ACK ").map(str::to_owned))
        .collect();
    let mut heard = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while heard.len() < 50 && Instant::now() < deadline {
        if let Some(e) = sub.recv_timeout(Duration::from_millis(200)) {
            heard.push(e);
        }
    }
    let ids: Vec<String> = heard.iter().map(|e| e.entity_id.clone()).collect();
    assert_eq!(ids, acked, "every event of the other process, in its commit order");
    assert!(heard.windows(2).all(|w| w[0].seq < w[1].seq));
    // This handle's own commits arrive the same way, once each.
    m.tasks().create(NewTask::new(p.id.clone(), "local")).unwrap();
    s_append(&m, &s.id);
    let own = sub.recv_timeout(Duration::from_secs(5)).expect("own commit heard");
    assert_eq!(own.entity, EntityKind::TimelineEvent);
    assert!(sub.recv_timeout(Duration::from_millis(600)).is_none(), "delivered once");
}

fn s_append(m: &Maestro, s: &SessionId) {
    m.sessions()
        .append(s, NewTimelineEvent::new(TimelineType::Milestone, "here"))
        .unwrap();
}

#[test]
fn eight_first_opens_at_once_migrate_exactly_once() {
    let url = pg_url();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Maestro::open(&url, Options::default()).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let m = open(&url);
    let p = project(&m, "after");
    assert_eq!(m.projects().get(&p.id).unwrap().name, "after");
    let store = maestro_core::store::postgres::PostgresStore::open(&url, Default::default()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        maestro_core::store::postgres::migrations::latest()
    );
}

#[test]
fn works_when_called_from_inside_a_hosts_async_runtime() {
    let url = pg_url();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let names = rt.block_on(async move {
        // A synchronous call from async code: it blocks this task, but must not panic
        // ("cannot start a runtime from within a runtime") or deadlock.
        let m = open(&url);
        let p = project(&m, "async");
        task(&m, &p.id, "inside", &[]);
        m.tasks()
            .list(&p.id)
            .unwrap()
            .into_iter()
            .map(|t| t.title)
            .collect::<Vec<_>>()
    });
    assert_eq!(names, vec!["inside".to_owned()]);
}

#[test]
fn passwords_never_appear_in_errors() {
    let e = Maestro::open("postgres://maestro:s3cr3t-pw@127.0.0.1:1/none", Options::default())
        .err()
        .expect("nothing listens on port 1");
    let text = e.to_string();
    assert!(!text.contains("s3cr3t-pw"), "{text}");
    assert_eq!(e.kind(), ErrorKind::Storage, "{text}");
    assert_eq!(
        store::redact("postgresql://u:p%40ss@h:5/db?password=x&sslmode=disable"),
        "postgresql://u:***@h:5/db?password=***&sslmode=disable"
    );
    let bad = Maestro::open("postgres://host:notaport/db", Options::default())
        .err()
        .unwrap();
    assert_eq!(bad.kind(), ErrorKind::Validation, "{bad}");
}

#[test]
fn backup_is_a_pg_dump_that_restores() {
    let url = pg_url();
    let m = open(&url);
    let p = project(&m, "kept");
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("store.dump");
    m.backup(&dump).unwrap();
    let listing = Command::new("pg_restore").arg("--list").arg(&dump).output().unwrap();
    assert!(listing.status.success());
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(text.contains("TABLE DATA") && text.contains("projects"), "{text}");
    assert!(m.backup(&dump).is_err(), "an existing file is never overwritten");
    assert_eq!(m.projects().get(&p.id).unwrap().name, "kept");
}

#[test]
fn tls_when_the_url_requires_it_with_the_certificate_verified() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg");
    let _server = pg_server();
    let ca = String::from_utf8(Command::new(&script).arg("ca").output().unwrap().stdout).unwrap();
    let ca = ca.trim();
    assert!(std::path::Path::new(ca).exists(), "scripts/pg made no CA at {ca}");
    let url = pg_url();
    let app = format!("maestro_tls_{}", std::process::id());
    let secured = format!("{url}&sslmode=verify-full&sslrootcert={ca}&application_name={app}");
    let m = open(&secured);
    let p = project(&m, "over tls");
    assert_eq!(m.projects().get(&p.id).unwrap().name, "over tls");
    // The server says the handle's connections are encrypted.
    let psql = Command::new("psql")
        .args([
            pg_server().as_str(),
            "-Atc",
            &format!(
                "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s
                 JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '{app}'"
            ),
        ])
        .output()
        .unwrap();
    let counts = String::from_utf8(psql.stdout).unwrap();
    let (tls, all) = counts.trim().split_once('|').unwrap();
    assert!(
        all.parse::<u32>().unwrap() >= 1,
        "no connection of the handle seen: {counts}"
    );
    assert_eq!(tls, all, "every connection of the handle uses TLS");
    // Without the CA the server's certificate is not trusted: refused, not downgraded.
    let e = Maestro::open(format!("{url}&sslmode=require"), Options::default())
        .err()
        .expect("an untrusted certificate is refused");
    assert_eq!(e.kind(), ErrorKind::Storage, "{e}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
}

#[test]
fn a_config_names_the_server_and_the_store_opens_from_it() {
    let url = pg_url();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.yaml");
    std::fs::write(
        &file,
        format!("schema_version: 1\nstorage:\n  path: \"{url}\"\n  durability: normal\n  busy_timeout_ms: 5000\n"),
    )
    .unwrap();
    let config = Config::load(&file).unwrap();
    assert_eq!(
        config.database().as_deref(),
        Some(url.as_str()),
        "a URL is used as written"
    );
    let options = Options {
        config: ConfigSource::File(file.clone()),
        ..Default::default()
    };
    let m = Maestro::open(config.database().unwrap(), options).unwrap();
    assert_eq!(m.config().storage.durability, Some(Durability::Normal));
    let p = project(&m, "configured");
    assert_eq!(m.projects().get(&p.id).unwrap().name, "configured");
    // A relative file path is still resolved against the config's folder.
    std::fs::write(&file, "schema_version: 1\nstorage:\n  path: state.db\n").unwrap();
    let config = Config::load(&file).unwrap();
    assert_eq!(
        config.database().map(std::path::PathBuf::from),
        Some(dir.path().join("state.db"))
    );
}
