//! The `maestro` command, run as a real child process against a store built by a
//! scripted run: every command's human output (snapshots, unstable values masked) and
//! its `--json` envelope (validated against `schemas/cli/output.schema.json`); following
//! the feed while another process writes; read-only commands beside a writer; finding
//! the store; exit codes.

mod common;
#[path = "common/scripted.rs"]
mod scripted;

use maestro_core::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_maestro");

/// A store the scripted run filled, and the ids of what it made.
struct Scripted {
    dir: tempfile::TempDir,
    db: PathBuf,
    workflow: String,
    active: String,
    project: String,
    task: String,
    decision: String,
    checkpoint: String,
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The scripted `checkout` workflow (ended in validation), plus an active `spec` workflow
/// at a pending gate with a live orchestrator, its worker (one stale), a queue, ready and
/// blocked tasks, a failure and a checkpoint in a real git repository.
fn scripted() -> Scripted {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(".flow/maestro/state.db");
    let m = Maestro::open(&db, Options::default()).unwrap();
    let workflow = scripted::checkout(&m).to_string();
    let shop = m.projects().get_by_name("shop").unwrap();

    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["config", "user.name", "CLI test"]);
    git(&repo, &["config", "user.email", "cli@example.invalid"]);
    std::fs::write(repo.join("README.md"), "# api\n").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "initial"]);
    let p = m
        .projects()
        .create(NewProject {
            id: Some("prj_api".into()),
            name: "api".into(),
            root: Some(repo.display().to_string()),
        })
        .unwrap();
    let wf = m
        .workflows()
        .create(NewWorkflow {
            id: Some("wf_rate_limits".into()),
            project_id: p.id.clone(),
            feature: "rate-limits".into(),
            request: "Limit every API key to 100 requests a minute".into(),
            model: ModelRef::Builtin("spec".into()),
        })
        .unwrap();
    m.workflows()
        .vote(&wf.id, "design", "alice", true, Some("requirements are clear"))
        .unwrap();
    let spawn = |id: &str, name: &str, role: &str, parent: Option<&SessionId>| {
        let mut n = NewSession::new(p.id.clone(), name);
        n.id = Some(id.into());
        n.workflow_id = Some(wf.id.clone());
        n.role = role.into();
        n.parent_session_id = parent.cloned();
        let s = m.sessions().spawn(n).unwrap();
        // Distinct times: lists ordered by time are then the same on every run.
        std::thread::sleep(Duration::from_millis(3));
        m.sessions().register(&s.id).unwrap()
    };
    let lead = spawn("ses_lead", "lead", "orchestrator", None);
    let worker = spawn("ses_worker", "worker-1", "backend", Some(&lead.id));
    spawn("ses_idle", "worker-2", "backend", Some(&lead.id));
    let task = |id: &str, title: &str, deps: &[&TaskId]| {
        let mut t = NewTask::new(p.id.clone(), title);
        t.id = Some(id.into());
        t.workflow_id = Some(wf.id.clone());
        t.depends_on = deps.iter().map(|d| (*d).clone()).collect();
        std::thread::sleep(Duration::from_millis(3));
        m.tasks().create(t).unwrap()
    };
    let bucket = task("tsk_bucket", "Token bucket per key", &[]);
    let store = task("tsk_store", "Counters in Redis", &[]);
    let headers = task("tsk_headers", "RateLimit headers", &[&bucket.id, &store.id]);
    task("tsk_docs", "Document the limits", &[&headers.id]);
    m.queues().enqueue(&worker.id, &bucket.id).unwrap();
    m.queues().enqueue(&worker.id, &headers.id).unwrap();
    m.tasks()
        .transition(&store.id, TaskStatus::Blocked, None, None)
        .unwrap();
    m.sessions()
        .append(
            &worker.id,
            NewTimelineEvent {
                metadata: serde_json::json!({"progress": 0.5}),
                ..NewTimelineEvent::new(TimelineType::Progress, "bucket half done")
            },
        )
        .unwrap();
    let decision = m
        .decisions()
        .record(NewDecision::new(
            wf.id.clone(),
            "architecture",
            "Token bucket over sliding window",
            "Bursts are fine for our clients; constant memory per key",
        ))
        .unwrap();
    m.learning()
        .record_failure(maestro_core::learning::NewFailure {
            project_id: p.id.clone(),
            workflow_id: Some(wf.id.clone()),
            feature: "rate-limits".into(),
            approach: "fixed windows".into(),
            why_failed: "double the limit at every window edge".into(),
            lesson: "use a token bucket".into(),
            related_decision: None,
            tags: vec!["limits".into()],
            embedding: None,
        })
        .unwrap();
    std::fs::write(repo.join("limits.rs"), "// bucket\n").unwrap();
    let checkpoint = m
        .checkpoints()
        .create(NewCheckpoint::new(
            wf.id.clone(),
            "bucket started",
            CheckpointType::Manual,
        ))
        .unwrap();
    Scripted {
        db,
        workflow,
        active: wf.id.to_string(),
        project: shop.id.to_string(),
        task: headers.id.to_string(),
        decision: decision.id.to_string(),
        checkpoint: checkpoint.id.to_string(),
        dir,
    }
}

/// The scripted store, built once for the tests that only read it.
fn shared() -> &'static Scripted {
    static S: OnceLock<Scripted> = OnceLock::new();
    S.get_or_init(scripted)
}

/// `maestro` with `args`, run in `cwd` with a fixed terminal width, no colour, `HOME`
/// set to `home` and no `MAESTRO_DB`.
fn run_in(cwd: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("COLUMNS", "160")
        .env("NO_COLOR", "1")
        .env("HOME", home)
        .env_remove("MAESTRO_DB")
        .output()
        .unwrap()
}

fn run(db: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--db", db.to_str().unwrap()];
    all.extend_from_slice(args);
    let cwd = db.ancestors().find(|d| d.is_dir()).unwrap();
    run_in(cwd, cwd, &all)
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "maestro {what} exited {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        text(o),
        String::from_utf8_lossy(&o.stderr)
    );
    text(o)
}

/// The output schema, its references to the document schemas resolved from `schemas/`.
fn output_schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let load = |p: &Path| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
        let mut docs = Vec::new();
        for entry in std::fs::read_dir(&root).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if name.ends_with(".schema.json") {
                docs.push((
                    format!("https://maestro.invalid/schemas/{name}"),
                    jsonschema::Resource::from_contents(load(&path)),
                ));
            }
        }
        let registry: &'static jsonschema::Registry<'static> = Box::leak(Box::new(
            jsonschema::Registry::new().extend(docs).unwrap().prepare().unwrap(),
        ));
        jsonschema::options()
            .with_registry(registry)
            .build(&load(&root.join("cli/output.schema.json")))
            .expect("schemas/cli/output.schema.json compiles")
    })
}

/// Parses one `--json` output, checks it against the schema and returns its `data`.
fn envelope(out: &str, command: &str) -> Value {
    let v: Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{command}: not one JSON document ({e}): {out}"));
    let errors: Vec<String> = output_schema()
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{command}: the envelope violates the schema: {errors:#?}\n{v:#}"
    );
    assert_eq!(v["command"], command);
    assert_eq!(v["schema_version"], 1);
    v["data"].clone()
}

/// The human output with the store's folder masked and trailing spaces gone.
fn masked(s: &Scripted, out: &str) -> String {
    out.replace(&s.dir.path().display().to_string(), "[dir]")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Snapshot filters for what changes from run to run: generated ids, times, ages,
/// commit hashes, sizes; and runs of spaces (column widths follow the masked values).
fn unstable() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    for (re, with) in [
        (
            r"\b(prj|wf|ses|tsk|dec|chk|fail|qi|tl|evt|vote|fai)_[0-9a-z]{26}\b",
            "[id]",
        ),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]"),
        (r"\b\d+[smhd] ago\b", "[age]"),
        (r"\b[0-9a-f]{10,40}\b", "[sha]"),
        (r"\b\d+ bytes\b", "[n] bytes"),
        (r"\b\d+\.\d{3}s\b", "[duration]"),
        (r" {2,}", "  "),
    ] {
        settings.add_filter(re, with);
    }
    settings
}

/// Every read-only command: human output snapshotted, JSON validated.
#[test]
fn every_command_prints_tables_and_a_valid_json_envelope() {
    let s = shared();
    let db = &s.db;
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("info", vec!["info"]),
        ("status", vec!["status"]),
        ("status", vec!["status", "--project", "api", "--stale-after", "0"]),
        ("workflows list", vec!["workflows", "list"]),
        (
            "workflows list",
            vec!["workflows", "list", "--project", "api", "--status", "active"],
        ),
        ("workflows show", vec!["workflows", "show", &s.active]),
        ("sessions list", vec!["sessions", "list", "--status", "working"]),
        ("sessions list", vec!["sessions", "list", "--parent", "ses_lead"]),
        ("sessions show", vec!["sessions", "show", "ses_worker"]),
        ("sessions tree", vec!["sessions", "tree", "ses_lead"]),
        ("tasks list", vec!["tasks", "list", "--project", "api"]),
        ("tasks list", vec!["tasks", "list", "--status", "blocked"]),
        ("tasks show", vec!["tasks", "show", &s.task]),
        ("tasks ready", vec!["tasks", "ready", "api"]),
        ("tasks graph", vec!["tasks", "graph", "prj_api"]),
        ("decisions list", vec!["decisions", "list"]),
        (
            "decisions list",
            vec!["decisions", "list", "--project", "shop", "--outcome", "partial"],
        ),
        ("decisions show", vec!["decisions", "show", &s.decision]),
        ("decisions search", vec!["decisions", "search", "token bucket"]),
        ("checkpoints list", vec!["checkpoints", "list"]),
        ("checkpoints show", vec!["checkpoints", "show", &s.checkpoint]),
        ("events", vec!["events", "--since", "0", "--limit", "12"]),
        (
            "events",
            vec!["events", "--entity", "task", "--type", "task.created", "--limit", "3"],
        ),
        ("report", vec!["report", &s.workflow]),
        ("report", vec!["report", &s.active, "--kind", "execution-log"]),
        ("report", vec!["report", &s.project, "--kind", "decisions"]),
        ("report", vec!["report", "api", "--kind", "failures"]),
        ("report", vec!["report", &s.active, "--kind", "estimates"]),
        ("report", vec!["report", "shop", "--kind", "patterns"]),
        ("learn recommend", vec!["learn", "recommend", "tech_stack", "database"]),
        ("check", vec!["check"]),
        ("config", vec!["config"]),
    ];
    let mut snapshot = String::new();
    for (command, args) in &cases {
        let human = ok(&run(db, args), &args.join(" "));
        assert!(!human.trim().is_empty(), "{args:?} printed nothing");
        snapshot.push_str(&format!("$ maestro {}\n{}\n\n", args.join(" "), masked(s, &human)));
        let mut json_args = args.clone();
        json_args.push("--json");
        let data = envelope(&ok(&run(db, &json_args), &json_args.join(" ")), command);
        assert!(!data.is_null(), "{args:?}: no data");
    }
    unstable().bind(|| insta::assert_snapshot!("every_command", snapshot));
}

/// What the JSON says is what the store holds.
#[test]
fn json_data_is_the_api_answer() {
    let s = shared();
    let m = Maestro::open(
        &s.db,
        Options {
            read_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    let api = m.projects().get_by_name("api").unwrap();

    let status = envelope(
        &ok(&run(&s.db, &["status", "--json", "--stale-after", "0"]), "status"),
        "status",
    );
    assert_eq!(status["latest_seq"], m.events().latest_seq().unwrap());
    let p = status["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "api")
        .unwrap();
    assert_eq!(p["workflows"][0]["id"], "wf_rate_limits");
    assert_eq!(p["workflows"][0]["gates"][0]["to"], "design");
    assert_eq!(p["workflows"][0]["gates"][0]["state"], "approved");
    assert_eq!(p["workflows"][0]["gates"][0]["approvals"], 1);
    assert_eq!(p["sessions"]["by_status"]["idle"], 3);
    assert_eq!(
        p["sessions"]["stale"], 3,
        "with --stale-after 0 every live session is stale"
    );
    let worker = p["sessions"]["live"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "ses_worker")
        .unwrap();
    assert_eq!(worker["queue_depth"], 2);
    let ready: Vec<&str> = p["tasks"]["ready"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ready, ["tsk_bucket"]);
    assert_eq!(p["tasks"]["blocked"][0]["id"], "tsk_store");
    assert_eq!(p["recent_failures"][0]["feature"], "rate-limits");
    let shop = status["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "shop")
        .unwrap();
    let recent: Vec<&str> = shop["recent_decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        recent,
        ["Tokenise cards at the PSP", "Use PostgreSQL for orders"],
        "newest first"
    );

    let tasks = envelope(
        &ok(&run(&s.db, &["tasks", "list", "-p", "api", "--json"]), "tasks"),
        "tasks list",
    );
    assert_eq!(tasks, serde_json::to_value(m.tasks().list(&api.id).unwrap()).unwrap());
    let layers = envelope(
        &ok(&run(&s.db, &["tasks", "graph", "api", "--json"]), "graph"),
        "tasks graph",
    );
    assert_eq!(
        layers,
        serde_json::json!([["tsk_bucket", "tsk_store"], ["tsk_headers"], ["tsk_docs"]])
    );
    let events = envelope(
        &ok(
            &run(&s.db, &["events", "--since", "5", "--limit", "3", "--json"]),
            "events",
        ),
        "events",
    );
    let seqs: Vec<i64> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [6, 7, 8]);
    let found = envelope(
        &ok(&run(&s.db, &["decisions", "search", "sliding", "--json"]), "search"),
        "decisions search",
    );
    assert_eq!(found[0]["id"], s.decision.as_str());
    let tasks_file = s.dir.path().join("tasks.json");
    std::fs::write(
        &tasks_file,
        r#"[{"key": "api", "labels": ["backend"], "depends_on": ["schema"]}, {"key": "schema", "labels": ["database"]}]"#,
    )
    .unwrap();
    let order = envelope(
        &ok(
            &run(&s.db, &["learn", "order", tasks_file.to_str().unwrap(), "--json"]),
            "learn order",
        ),
        "learn order",
    );
    assert_eq!(order["order"], serde_json::json!(["schema", "api"]));
    let human = ok(
        &run(&s.db, &["learn", "order", tasks_file.to_str().unwrap()]),
        "learn order",
    );
    assert!(human.contains("1. schema") && human.contains("2. api"), "{human}");
    std::fs::write(&tasks_file, r#"[{"key": "api", "depends_on": ["nowhere"]}]"#).unwrap();
    let o = run(&s.db, &["learn", "order", tasks_file.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(4));
    let e: Value = serde_json::from_str(&text(&o)).unwrap();
    let at = e["error"]["path"].as_str().unwrap();
    assert!(at.starts_with(&format!("{}#/0/", tasks_file.display())), "{e}");
    let report = envelope(&ok(&run(&s.db, &["report", &s.workflow, "--json"]), "report"), "report");
    let wf = WorkflowId::parse(&s.workflow).unwrap();
    assert_eq!(report["markdown"], m.reports().final_report(&wf).unwrap());
}

/// Usage errors, missing entities and invalid input have their documented exit codes;
/// with `--json` the error is an envelope too.
#[test]
fn exit_codes_say_what_went_wrong() {
    let s = shared();
    let code = |args: &[&str]| run(&s.db, args).status.code();
    assert_eq!(code(&["status", "--bogus"]), Some(2));
    assert_eq!(code(&["tasks", "show", "tsk_nope"]), Some(3));
    assert_eq!(code(&["tasks", "ready", "no-such-project"]), Some(3));
    assert_eq!(code(&["tasks", "show", "Not An Id"]), Some(4));
    assert_eq!(code(&["sessions", "list", "--status", "dancing"]), Some(2));
    let o = run(&s.db, &["workflows", "show", "wf_nope", "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_str(&text(&o)).unwrap();
    assert!(output_schema().is_valid(&v), "{v}");
    assert_eq!(v["error"]["kind"], "not_found");
    assert_eq!(v["error"]["exit_code"], 3);
    assert!(v["error"]["message"].as_str().unwrap().contains("wf_nope"), "{v}");
    let help = ok(&run(&s.db, &["events", "--help"]), "events --help");
    assert!(help.contains("Examples:") && help.contains("--follow"), "{help}");
    let top = ok(&run(&s.db, &["--help"]), "--help");
    assert!(top.contains("Exit codes: 0 ok"), "{top}");
}

/// `export`, `validate`, `import` (a dry run, then applied), `backup`, `prune` and
/// `migrate` on their own copy of the store.
#[test]
fn store_commands_export_validate_import_backup_prune() {
    let s = scripted();
    let out = s.dir.path().join("out");
    let data = envelope(
        &ok(&run(&s.db, &["export", out.to_str().unwrap(), "--json"]), "export"),
        "export",
    );
    assert!(data["files"].as_u64().unwrap() > 10);

    let v = envelope(
        &ok(&run(&s.db, &["validate", out.to_str().unwrap(), "--json"]), "validate"),
        "validate",
    );
    assert_eq!(v[0]["valid"], true);
    let task_file = out.join("tasks/tsk_bucket.json");
    let v = ok(&run(&s.db, &["validate", task_file.to_str().unwrap()]), "validate one");
    assert!(v.starts_with("ok"), "{v}");
    // One value broken: the error names the file and the JSON pointer.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&task_file).unwrap()).unwrap();
    doc["priority"] = "urgent!".into();
    let bad = s.dir.path().join("tasks");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("broken.json"), doc.to_string()).unwrap();
    let o = run(
        &s.db,
        &["validate", bad.join("broken.json").to_str().unwrap(), "--json"],
    );
    assert_eq!(o.status.code(), Some(4));
    let v = envelope(&text(&o), "validate");
    assert_eq!(v[0]["valid"], false);
    assert!(
        v[0]["pointer"].as_str().unwrap().ends_with("broken.json#/priority"),
        "{v}"
    );

    // A dry run into the same store: every id is taken, nothing is written.
    let before = std::fs::read(&s.db).unwrap();
    let o = run(&s.db, &["import", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(&s.db).unwrap(), before);
    // Into a new store: the dry run creates nothing, --apply imports everything.
    let fresh = s.dir.path().join("fresh/state.db");
    let dry = envelope(
        &ok(&run(&fresh, &["import", out.to_str().unwrap(), "--json"]), "import"),
        "import",
    );
    assert_eq!(dry["applied"], false);
    assert_eq!(dry["summary"]["projects"], 2);
    assert!(!fresh.exists(), "a dry run created the store");
    let done = envelope(
        &ok(
            &run(&fresh, &["import", out.to_str().unwrap(), "--apply", "--json"]),
            "import",
        ),
        "import",
    );
    assert_eq!(done["summary"], dry["summary"]);
    let again = s.dir.path().join("again");
    ok(&run(&fresh, &["export", again.to_str().unwrap()]), "export again");
    assert_eq!(
        common::tree(&out),
        common::tree(&again),
        "export → import → export differs"
    );

    let copy = s.dir.path().join("copy.db");
    let b = envelope(
        &ok(&run(&s.db, &["backup", copy.to_str().unwrap(), "--json"]), "backup"),
        "backup",
    );
    assert!(b["bytes"].as_u64().unwrap() > 0);
    let m = Maestro::open(&copy, Options::default()).unwrap();
    assert_eq!(m.projects().list().unwrap().len(), 2);
    assert_eq!(
        run(&s.db, &["backup", copy.to_str().unwrap()]).status.code(),
        Some(4),
        "a backup overwrote a file"
    );

    // A project whose repository is gone: its commits cannot be verified, and check says so.
    let repo = s.dir.path().join("repo");
    let moved = s.dir.path().join("repo-moved");
    std::fs::rename(&repo, &moved).unwrap();
    let o = run(&s.db, &["check", "--json"]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let c = envelope(&text(&o), "check");
    assert_eq!(c["ok"], false);
    assert_eq!(c["unverifiable"][0]["workflow"], "wf_rate_limits");
    std::fs::rename(&moved, &repo).unwrap();
    assert_eq!(
        envelope(&ok(&run(&s.db, &["check", "--json"]), "check"), "check")["ok"],
        true
    );

    // `migrate` never lays Maestro's tables into another database.
    let foreign = s.dir.path().join("other.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let o = run(&foreign, &["migrate"]);
    assert_eq!(o.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&o.stderr).contains("only migrates Maestro stores"));
    assert_eq!(
        std::fs::read(&foreign).unwrap(),
        before,
        "migrate changed a foreign database"
    );

    // Retention: the checkout workflow ends, a policy in config.yaml prunes it; a dry
    // run first, then --apply.
    let m = Maestro::open(&s.db, Options::default()).unwrap();
    let checkout = WorkflowId::parse(&s.workflow).unwrap();
    for session in m
        .sessions()
        .list(&SessionFilter {
            workflow_id: Some(checkout.clone()),
            ..Default::default()
        })
        .unwrap()
    {
        if matches!(session.status, SessionStatus::Idle | SessionStatus::Working) {
            m.sessions().stop(&session.id, Some("workflow abandoned")).unwrap();
        }
    }
    m.workflows().fail(&checkout, "abandoned", "ops").unwrap();
    drop(m);
    // Ended, and last written to, two days ago as far as retention can tell.
    rusqlite::Connection::open(&s.db)
        .unwrap()
        .execute_batch(
            "UPDATE workflows SET ended_at = ended_at - 2 * 86400000 WHERE ended_at IS NOT NULL;
             UPDATE events SET at = at - 2 * 86400000;",
        )
        .unwrap();
    std::fs::write(
        s.db.parent().unwrap().join("config.yaml"),
        "retention:\n  sessions_days: 1\n  events_days: 1\n  archive_dir: archives\n",
    )
    .unwrap();
    let shown = envelope(&ok(&run(&s.db, &["config", "--json"]), "config"), "config");
    assert!(shown["source"].as_str().unwrap().ends_with("config.yaml"));
    let dry = envelope(&ok(&run(&s.db, &["prune", "--json"]), "prune"), "prune");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["workflows"][0]["id"], s.workflow.as_str(), "{dry:#}");
    assert!(
        !s.db.parent().unwrap().join("archives").exists(),
        "a dry run wrote an archive"
    );
    let applied = envelope(&ok(&run(&s.db, &["prune", "--apply", "--json"]), "prune"), "prune");
    assert_eq!(applied["dry_run"], false);
    assert_eq!(applied["workflows"], dry["workflows"]);
    assert_eq!(run(&s.db, &["workflows", "show", &s.workflow]).status.code(), Some(3));
    // Below the feed's horizon: one error envelope, nothing half-printed.
    assert!(applied["horizon"].as_i64().unwrap() > 0, "{applied:#}");
    let o = run(&s.db, &["events", "--since", "0", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let e: Value = serde_json::from_str(text(&o).trim()).expect("one JSON document");
    assert!(output_schema().is_valid(&e), "{e}");
    assert_eq!(e["error"]["kind"], "pruned");
    let archive = s.db.parent().unwrap().join("archives");
    assert!(
        std::fs::read_dir(&archive).unwrap().next().is_some(),
        "--apply archived nothing in {}",
        archive.display()
    );

    let migrated = envelope(&ok(&run(&s.db, &["migrate", "--json"]), "migrate"), "migrate");
    assert_eq!(migrated["migrated"], false);
}

/// A store at an older schema: read-only commands refuse it with a clear "run
/// `maestro migrate`" (exit 7) and leave it as it is; `migrate` migrates it.
#[test]
fn an_old_schema_asks_for_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    drop(SqliteStore::open_at_version(&db, SqliteOptions::default(), 5).unwrap());
    let before = std::fs::read(&db).unwrap();
    let o = run(&db, &["status"]);
    assert_eq!(o.status.code(), Some(7));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("schema version 5") && err.contains("run `maestro migrate`"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "a read-only command changed an old store"
    );
    let m = envelope(&ok(&run(&db, &["migrate", "--json"]), "migrate"), "migrate");
    assert_eq!(m["migrated"], true);
    ok(&run(&db, &["status"]), "status after migrate");
}

/// Discovery from a subfolder; a missing store is a clear message and exit 3, and
/// nothing is created.
#[test]
fn the_store_is_found_from_a_subfolder_and_never_created() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("work/api");
    let deep = project.join("src/limits");
    std::fs::create_dir_all(&deep).unwrap();
    let db = project.join(".flow/maestro/state.db");
    drop(Maestro::open(&db, Options::default()).unwrap());

    let info = envelope(&ok(&run_in(&deep, home.path(), &["info", "--json"]), "info"), "info");
    assert_eq!(PathBuf::from(info["store"].as_str().unwrap()), db);
    assert_eq!(info["found"]["by"], "discovered");
    assert_eq!(PathBuf::from(info["found"]["from"].as_str().unwrap()), deep);
    assert_eq!(info["read_only"], true);
    let human = ok(&run_in(&deep, home.path(), &["info"]), "info");
    assert!(human.contains("searching up from"), "{human}");

    let elsewhere = home.path().join("work/other");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let o = run_in(&elsewhere, home.path(), &["status"]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no Maestro store found") && err.contains("stopped at $HOME"),
        "{err}"
    );
    assert!(!elsewhere.join(".flow").exists(), "a missing store was created");

    let missing = home.path().join("nowhere/state.db");
    let o = run(&missing, &["status"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing was created"));
    assert!(
        !missing.parent().unwrap().exists(),
        "a missing store's folder was created"
    );

    // MAESTRO_DB comes after --db and before discovery.
    let o = Command::new(BIN)
        .args(["info", "--json"])
        .current_dir(&elsewhere)
        .env("MAESTRO_DB", &db)
        .env("HOME", home.path())
        .output()
        .unwrap();
    let info = envelope(&ok(&o, "info"), "info");
    assert_eq!(info["found"]["by"], "env");
}

/// The bytes of the store's files (the database and its WAL).
fn store_bytes(db: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for suffix in ["", "-wal"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        out.push((suffix.to_owned(), std::fs::read(&p).unwrap_or_default()));
    }
    out
}

const READ_COMMANDS: &[&[&str]] = &[
    &["info"],
    &["status"],
    &["workflows", "list"],
    &["sessions", "list"],
    &["tasks", "list"],
    &["tasks", "ready", "api"],
    &["decisions", "search", "token"],
    &["checkpoints", "list"],
    &["events", "--since", "0"],
    &["check"],
];

/// Read-only commands write nothing, hold no lock a writer waits for, and work while
/// another process writes.
#[test]
fn read_only_commands_write_nothing_and_lock_nothing() {
    let s = scripted();
    // A decision recorded after the last search: a writable search would index it.
    let m = Maestro::open(&s.db, Options::default()).unwrap();
    let wf = WorkflowId::parse(&s.active).unwrap();
    m.decisions()
        .record(NewDecision::new(
            wf.clone(),
            "architecture",
            "Per-key quotas",
            "Fair across tenants",
        ))
        .unwrap();
    drop(m);

    let dir = s.db.parent().unwrap();
    let files = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            // A reader of a WAL database may create SQLite's empty companions.
            .filter(|n| !n.ends_with("-shm") && !n.ends_with("-wal"))
            .collect();
        v.sort();
        v
    };
    // The checkpoint lock the fixture's checkpoint left: reading commits needs none.
    let git_lock = s.dir.path().join("repo/.git/maestro-checkpoint.lock");
    std::fs::remove_file(&git_lock).unwrap();
    let (bytes, listing) = (store_bytes(&s.db), files(dir));
    for args in READ_COMMANDS {
        ok(&run(&s.db, args), &args.join(" "));
    }
    assert!(!git_lock.exists(), "`check` took the checkpoint lock of the repository");
    let found = envelope(
        &ok(&run(&s.db, &["decisions", "search", "quotas", "--json"]), "search"),
        "decisions search",
    );
    assert_eq!(
        found[0]["decision"], "Per-key quotas",
        "an unindexed decision is found read-only"
    );
    assert!(
        store_bytes(&s.db) == bytes,
        "a read-only command changed the store's files"
    );
    assert_eq!(
        files(dir),
        listing,
        "a read-only command created a file beside the store"
    );

    // Another handle holds the write lock (ours and SQLite's) for four seconds: reads go on.
    let writer = std::thread::spawn({
        let db = s.db.clone();
        move || {
            let m = Maestro::open(&db, Options::default()).unwrap();
            m.batch(|b| {
                b.sessions().heartbeat(&SessionId::parse("ses_worker").unwrap())?;
                std::thread::sleep(Duration::from_secs(4));
                Ok(())
            })
            .unwrap();
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    for args in &READ_COMMANDS[..4] {
        ok(&run(&s.db, args), &args.join(" "));
    }
    assert!(
        !writer.is_finished(),
        "the reads took {:?}: they waited for the writer",
        started.elapsed()
    );
    writer.join().unwrap();

    // A child process appends as fast as it can while the reads run.
    let mut child = Command::new(env!("CARGO_BIN_EXE_maestro-stress"))
        .args(["append-forever", s.db.to_str().unwrap(), "ses_worker"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut acks = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(acks.next().unwrap().unwrap().starts_with("ACK"));
    for _ in 0..3 {
        for args in READ_COMMANDS {
            ok(&run(&s.db, args), &args.join(" "));
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let n = acks.map_while(Result::ok).filter(|l| l.starts_with("ACK")).count();
    assert!(n > 0, "the writer made no progress beside the readers");
}

/// Reads `lines` until `want` events arrived or `deadline`; returns them with the time
/// each was read.
fn read_events(lines: &std::sync::mpsc::Receiver<String>, want: usize, deadline: Duration) -> Vec<(Value, Instant)> {
    let end = Instant::now() + deadline;
    let mut got = Vec::new();
    while got.len() < want {
        let left = end.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(l) => got.push((
                serde_json::from_str(&l).unwrap_or_else(|e| panic!("not an event ({e}): {l}")),
                Instant::now(),
            )),
            Err(_) => break,
        }
    }
    got
}

fn follower(db: &Path, args: &[&str]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(["--db", db.to_str().unwrap(), "events", "--follow", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn stop(child: &mut std::process::Child, signal: i32) {
    let started = Instant::now();
    // SAFETY: kill(2) with the pid of our own child.
    assert_eq!(unsafe { libc_kill(child.id() as i32, signal) }, 0);
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "stopping took {:?}",
        started.elapsed()
    );
    assert_eq!(
        status.code(),
        Some(0),
        "the follower did not stop cleanly on signal {signal}: {status:?}"
    );
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// `events --follow` prints, within a second and in order, events another process
/// commits, resumes from `--since`, and stops cleanly on SIGINT and SIGTERM.
#[test]
fn follow_prints_other_processes_events_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let m = Maestro::open(&db, Options::default()).unwrap();
    let p = common::project(&m, "live");
    let s = common::live_session(&m, &p.id, "agent");
    let resume_from = m.events().latest_seq().unwrap();

    for (signal, args) in [(2, vec![]), (15, vec!["--session", s.id.as_str()])] {
        let (mut child, lines) = follower(&db, &args);
        // Let it start following, then write from another process than the follower.
        std::thread::sleep(Duration::from_millis(500));
        let mut committed = Vec::new();
        for i in 0..10 {
            let e = m
                .sessions()
                .append(
                    &s.id,
                    NewTimelineEvent::new(TimelineType::Milestone, format!("step {i}")),
                )
                .unwrap();
            committed.push((e.id.to_string(), Instant::now()));
            std::thread::sleep(Duration::from_millis(60));
        }
        let got = read_events(&lines, committed.len(), Duration::from_secs(5));
        assert_eq!(
            got.len(),
            committed.len(),
            "the follower printed {} of {} events",
            got.len(),
            committed.len()
        );
        let mut last = 0;
        for ((event, read_at), (id, at)) in got.iter().zip(&committed) {
            assert_eq!(event["entity_id"], id.as_str(), "out of order or wrong event: {event}");
            let seq = event["seq"].as_i64().unwrap();
            assert!(seq > last, "seqs not increasing: {seq} after {last}");
            last = seq;
            let late = read_at.duration_since(*at);
            assert!(
                late < Duration::from_secs(1),
                "event {seq} arrived {late:?} after its commit"
            );
        }
        stop(&mut child, signal);
    }

    // Resuming: the history after --since first, then new events.
    let (mut child, lines) = follower(&db, &["--since", &resume_from.to_string()]);
    let history = m.events().since(resume_from, &EventFilter::default(), 1000).unwrap();
    let got = read_events(&lines, history.len(), Duration::from_secs(5));
    let seqs: Vec<i64> = got.iter().map(|(e, _)| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, history.iter().map(|e| e.seq).collect::<Vec<_>>());
    m.sessions().heartbeat(&s.id).unwrap();
    let more = read_events(&lines, 1, Duration::from_secs(2));
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].0["seq"], m.events().latest_seq().unwrap());
    stop(&mut child, 2);
}

/// The same commands on a PostgreSQL store: read-only there too.
#[cfg(feature = "postgres")]
#[test]
fn postgres_stores_answer_the_same_commands() {
    let url = common::pg_url();
    let m = Maestro::open(&url, Options::default()).unwrap();
    let wf = scripted::checkout(&m);
    let status = Command::new(BIN)
        .args(["--db", &url, "status", "--json"])
        .output()
        .unwrap();
    let data = envelope(&ok(&status, "status"), "status");
    assert_eq!(data["projects"][0]["name"], "shop");
    assert_eq!(data["latest_seq"], m.events().latest_seq().unwrap());
    assert!(!data["store"].as_str().unwrap().contains("maestro_test_password"));
    let info = Command::new(BIN)
        .args(["--db", &url, "info", "--json"])
        .output()
        .unwrap();
    let info = envelope(&ok(&info, "info"), "info");
    assert_eq!(info["backend"], "postgres");
    let report = Command::new(BIN)
        .args(["--db", &url, "report", wf.as_str()])
        .output()
        .unwrap();
    assert_eq!(
        ok(&report, "report"),
        format!("{}\n", m.reports().final_report(&wf).unwrap().trim_end_matches('\n'))
    );
    let missing = Command::new(BIN)
        .args(["--db", &common::pg_url(), "status"])
        .output()
        .unwrap();
    assert_eq!(
        missing.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// Colour only when asked for or on a terminal without `NO_COLOR`; tables fit `COLUMNS`.
#[test]
fn colour_and_width_follow_the_terminal() {
    let s = shared();
    let plain = ok(&run(&s.db, &["tasks", "list", "-p", "api"]), "tasks list");
    assert!(!plain.contains('\u{1b}'), "colour through a pipe: {plain:?}");
    let always = ok(
        &run(&s.db, &["tasks", "list", "-p", "api", "--color", "always"]),
        "tasks list",
    );
    assert!(always.contains("\u{1b}["), "no colour with --color always: {always:?}");
    let json = ok(
        &run(&s.db, &["tasks", "list", "-p", "api", "--color", "always", "--json"]),
        "json",
    );
    assert!(!json.contains('\u{1b}'), "colour inside JSON");

    let narrow = Command::new(BIN)
        .args(["--db", s.db.to_str().unwrap(), "tasks", "list", "-p", "api"])
        .env("COLUMNS", "60")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let narrow = ok(&narrow, "tasks list (narrow)");
    for line in narrow.lines() {
        assert!(line.chars().count() <= 60, "wider than COLUMNS=60: {line:?}\n{narrow}");
    }
    assert!(narrow.contains("tsk_headers"), "an id was cut: {narrow}");
}
