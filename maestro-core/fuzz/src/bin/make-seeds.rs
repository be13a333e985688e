//! Writes the seed corpora, `seeds/<target>/`, from real documents: the schema examples
//! and invalid corpus, the shared error table, a config written by the library, and a real
//! export of a store that used every area. Run by scripts/fuzz seeds; the seeds are committed.

use maestro_core::ops::OPERATIONS;
use maestro_core::schema::Schema;
use maestro_core::{api, Config, Maestro};
use maestro_fuzz::Entry;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn op_index(op: &str) -> u8 {
    OPERATIONS
        .iter()
        .position(|(ns, verb)| format!("{ns}.{verb}") == op)
        .unwrap_or_else(|| panic!("unknown operation {op}")) as u8
}

struct Seeds {
    dir: PathBuf,
    n: usize,
}

impl Seeds {
    fn new(target: &str) -> Seeds {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(target);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Seeds { dir, n: 0 }
    }

    fn add(&mut self, name: &str, bytes: &[u8]) {
        self.n += 1;
        let name: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        std::fs::write(self.dir.join(format!("{:03}-{name}", self.n)), bytes).unwrap();
    }
}

/// Inputs that reach deep into each area on the targets' store (see `maestro_fuzz::SETUP`).
const CALLS: &[(&str, &str)] = &[
    ("tasks.claim", r#"{"session_id": "ses_fuzz"}"#),
    (
        "tasks.claim",
        r#"{"session_id": "ses_fuzz", "filter": {"labels": ["db"], "workflow_id": "wf_fuzz"}}"#,
    ),
    (
        "tasks.transition",
        r#"{"id": "tsk_fuzz", "to": "in_progress", "session_id": "ses_fuzz", "expected": "todo"}"#,
    ),
    ("tasks.complete", r#"{"id": "tsk_fuzz", "session_id": "ses_fuzz"}"#),
    (
        "tasks.add_dependency",
        r#"{"id": "tsk_fuzz", "depends_on": "tsk_next"}"#,
    ),
    ("tasks.layers", r#"{"project_id": "prj_fuzz"}"#),
    (
        "sessions.append",
        r#"{"id": "ses_fuzz", "event": {"type": "progress", "message": "half", "metadata": {"progress": 0.5}}}"#,
    ),
    (
        "sessions.transition",
        r#"{"id": "ses_fuzz", "to": "working", "expected": "idle"}"#,
    ),
    ("sessions.tree", r#"{"id": "ses_fuzz"}"#),
    ("queues.enqueue", r#"{"session_id": "ses_fuzz", "task_id": "tsk_next"}"#),
    ("queues.next", r#"{"session_id": "ses_fuzz"}"#),
    (
        "workflows.advance",
        r#"{"id": "wf_fuzz", "to": "design", "actor": "me", "expected_from": "requirements"}"#,
    ),
    (
        "workflows.vote",
        r#"{"id": "wf_fuzz", "to": "design", "voter": "alice", "approve": true, "comment": "ok"}"#,
    ),
    (
        "workflows.put_spec",
        r#"{"id": "wf_fuzz", "kind": "requirements", "content": "must", "author": "me"}"#,
    ),
    (
        "decisions.record",
        r#"{"workflow_id": "wf_fuzz", "category": "tech_stack", "phase": "design", "decision": "postgres", "rationale": "scale", "subject": {"category": "database", "technology": "postgres"}, "alternatives_considered": [{"option": "sqlite", "reason_rejected": "hosts"}]}"#,
    ),
    (
        "decisions.search",
        r#"{"project_id": "prj_fuzz", "query": "postgres", "filter": {"category": "tech_stack"}}"#,
    ),
    (
        "learning.recommend",
        r#"{"project_id": "prj_fuzz", "decision_category": "tech_stack", "subject_category": "database"}"#,
    ),
    (
        "learning.suggest_order",
        r#"{"tasks": [{"key": "a", "labels": ["db"]}, {"key": "b", "labels": ["api"], "depends_on": ["a"]}]}"#,
    ),
    (
        "learning.record_failure",
        r#"{"project_id": "prj_fuzz", "feature": "f", "approach": "a", "why_failed": "w", "lesson": "l", "tags": ["x"], "embedding": [0.1, 0.2]}"#,
    ),
    (
        "learning.similar_failures",
        r#"{"project_id": "prj_fuzz", "text": "lesson", "embedding": [0.1, 0.2], "k": 3}"#,
    ),
    (
        "learning.record_estimate",
        r#"{"project_id": "prj_fuzz", "feature": "f", "estimated": 3, "complexity": 2}"#,
    ),
    (
        "threads.put",
        r#"{"project_id": "prj_fuzz", "thread_id": "t-1", "checkpoint_id": "0001", "checkpoint": {"type": "json", "data": "eyJhIjoxfQ=="}, "metadata": {"step": 1, "run_id": "r"}}"#,
    ),
    (
        "threads.put_writes",
        r#"{"project_id": "prj_fuzz", "thread_id": "t-1", "checkpoint_id": "0001", "task_id": "k", "writes": [{"idx": -1, "channel": "c", "value": {"type": "json", "data": "MQ=="}}]}"#,
    ),
    (
        "threads.list",
        r#"{"project_id": "prj_fuzz", "thread_id": "t-1", "filter": {"step": 1}, "limit": 3}"#,
    ),
    (
        "events.since",
        r#"{"seq": 0, "filter": {"entities": ["task"], "project_id": "prj_fuzz"}, "limit": 5}"#,
    ),
    ("events.state_at", r#"{"entity": "task", "id": "tsk_fuzz", "seq": 3}"#),
    (
        "store.batch",
        r#"{"operations": [{"op": "tasks.create", "input": {"project_id": "prj_fuzz", "title": "in batch"}}, {"op": "tasks.get", "input": {"id": "tsk_fuzz"}}]}"#,
    ),
    ("reports.final_report", r#"{"workflow_id": "wf_fuzz"}"#),
];

fn main() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/errors/cases.json")).unwrap()).unwrap();
    let mut table: Vec<(String, String)> = Vec::new();
    for c in cases["setup"]
        .as_array()
        .unwrap()
        .iter()
        .chain(cases["cases"].as_array().unwrap())
    {
        table.push((c["op"].as_str().unwrap().to_owned(), c["input"].to_string()));
    }
    table.extend(CALLS.iter().map(|(o, i)| (o.to_string(), i.to_string())));
    for (ns, verb) in OPERATIONS {
        table.push((format!("{ns}.{verb}"), "{}".into()));
    }

    let mut call = Seeds::new("call");
    let mut abi = Seeds::new("c_abi");
    for (op, input) in &table {
        let mut bytes = vec![op_index(op)];
        bytes.extend_from_slice(input.as_bytes());
        call.add(op, &bytes);
        let mut raw = op.as_bytes().to_vec();
        raw.push(0xff);
        raw.extend_from_slice(input.as_bytes());
        if op.starts_with("events.") {
            raw.push(0xff);
            raw.extend_from_slice(br#"{"entities": ["task", "session"], "types": ["task.created"]}"#);
        }
        abi.add(op, &raw);
    }

    let mut schema = Seeds::new("schema");
    let examples = std::fs::read_dir(repo().join("schemas/examples")).unwrap();
    let mut files: Vec<PathBuf> = examples.flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let stem = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .split('.')
            .next()
            .unwrap()
            .to_owned();
        let Some(i) = Schema::ALL.iter().position(|s| s.to_string() == stem) else {
            continue;
        };
        let mut bytes = vec![i as u8];
        bytes.extend(std::fs::read(&path).unwrap());
        schema.add(&stem, &bytes);
    }

    let mut config = Seeds::new("config_yaml");
    config.add("default", Config::default().to_yaml().unwrap().as_bytes());
    config.add(
        "example-json",
        &std::fs::read(repo().join("schemas/examples/config.json")).unwrap(),
    );
    config.add(
        "yaml",
        b"storage:\n  durability: normal\n  busy_timeout_ms: 5000\nretention:\n  sessions_days: 30\n  keep_checkpoints: 5\n\
learning:\n  min_usage_count: 3\ndecision_categories:\n  - name: security\n    description: Security choices\n",
    );

    let mut import = Seeds::new("import_tree");
    let tmp = std::env::temp_dir().join(format!("maestro-fuzz-seeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let m = Maestro::open_in_memory().unwrap();
    for (op, input) in maestro_fuzz::SETUP
        .iter()
        .map(|(o, i)| (o.to_string(), i.to_string()))
        .chain(
            CALLS
                .iter()
                .filter(|(o, _)| !o.starts_with("events.") && !o.starts_with("reports."))
                .map(|(o, i)| (o.to_string(), i.to_string())),
        )
    {
        let _ = api::call(&m, &op, &input);
    }
    m.export(tmp.join("export")).unwrap();
    let tree = maestro_fuzz::read_tree(&tmp.join("export"));
    import.add("export", &maestro_fuzz::encode(&tree));
    // The same, with a folder replaced by a symlink to a place outside, and a file link.
    let mut linked: Vec<Entry> = tree
        .iter()
        .filter(|e| !matches!(e, Entry::File(p, _) | Entry::Dir(p) if p.starts_with("tasks")))
        .cloned()
        .collect();
    linked.push(Entry::Link("tasks".into(), "../outside".into()));
    import.add("symlinked-folder", &maestro_fuzz::encode(&linked));
    let mut file_link = tree.clone();
    file_link.push(Entry::Link("learning/estimates.json".into(), "/etc/hostname".into()));
    import.add("symlinked-file", &maestro_fuzz::encode(&file_link));
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "seeds: call {}, c_abi {}, schema {}, config_yaml {}, import_tree {}",
        call.n, abi.n, schema.n, config.n, import.n
    );
}
