//! `config.yaml`: discovered beside the database or named by the caller; its sections
//! take effect; hostile or wrong documents are refused with line, column and JSON path,
//! and nothing is created.

mod common;

use maestro_core::*;
use std::path::Path;

const GOOD: &str = r#"
# A config an operator would write.
storage:
  durability: normal
  busy_timeout_ms: 5000
retention:
  sessions_days: 30
  events_days: 60
  keep_checkpoints: 5
  compress_archives: true
  archive_dir: old-runs
learning:
  min_usage_count: 1
  min_success_rate: 0.6
decision_categories:
  - name: security
    description: Threat models and their mitigations
phase_models:
  - schema_version: 1
    name: review
    initial: draft
    phases:
      - {name: draft}
      - {name: reviewed}
      - {name: merged, terminal: success}
    transitions:
      - {from: draft, to: reviewed}
      - {from: reviewed, to: merged}
"#;

#[test]
fn a_config_beside_the_database_takes_effect() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), GOOD).unwrap();
    let m = Maestro::open(dir.path().join("state.db"), Options::default()).unwrap();
    let c = m.config();
    assert_eq!(c.source.as_deref(), Some(dir.path().join("config.yaml").as_path()));
    assert_eq!(c.retention.sessions_days, 30);
    assert_eq!(c.retention.keep_checkpoints, Some(5));
    assert_eq!(c.learning.min_usage_count, 1);
    let conn = rusqlite::Connection::open(dir.path().join("state.db")).unwrap();
    drop(conn);
    let p = common::project(&m, "shop");
    let wf = m
        .workflows()
        .create(NewWorkflow {
            id: None,
            project_id: p.id.clone(),
            feature: "f".into(),
            request: "r".into(),
            model: ModelRef::Builtin("review".into()),
        })
        .unwrap();
    assert_eq!(wf.phase, "draft", "a custom model is usable by name");
    let d = m
        .decisions()
        .record(NewDecision::new(
            wf.id.clone(),
            "security",
            "Rotate keys",
            "leaked once",
        ))
        .unwrap();
    assert_eq!(d.category, "security", "a config category is usable by every project");
    assert!(m
        .decisions()
        .categories(&p.id)
        .unwrap()
        .iter()
        .any(|c| c.name == "security"));
    let e = m
        .workflows()
        .create(NewWorkflow {
            id: None,
            project_id: p.id.clone(),
            feature: "g".into(),
            request: "r".into(),
            model: ModelRef::Builtin("nope".into()),
        })
        .unwrap_err();
    assert!(e.to_string().contains("config.yaml"), "{e}");
    // Options set away from their defaults win over the file.
    let strict = Options {
        learning: LearningThresholds {
            min_usage_count: 7,
            ..Default::default()
        },
        ..Default::default()
    };
    let m2 = Maestro::open(dir.path().join("state.db"), strict).unwrap();
    assert_eq!(m2.config().learning.min_usage_count, 7);
    // The export writes the config, and it reads back equal.
    m.export(dir.path().join("export")).unwrap();
    let again = Config::load(&dir.path().join("export/config.yaml")).unwrap();
    assert_eq!(again.retention, c.retention);
    assert_eq!(again.phase_models, c.phase_models);
    assert_eq!(again.decision_categories, c.decision_categories);
}

#[test]
fn a_named_config_is_loaded_from_every_binding_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    let named = dir.path().join("ops.yaml");
    std::fs::write(&named, "retention:\n  sessions_days: 3\n").unwrap();
    let m = Maestro::open(
        dir.path().join("db/state.db"),
        Options {
            config: ConfigSource::File(named.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(m.config().retention.sessions_days, 3);
    let options = serde_json::json!({ "config": named }).to_string();
    let m = api::open(dir.path().join("db2.db").to_str().unwrap(), Some(&options)).unwrap();
    assert_eq!(m.config().retention.sessions_days, 3);
    // An option given explicitly wins over the file even when it is the default value;
    // a partial learning object keeps the file's other thresholds.
    std::fs::write(
        &named,
        "storage:\n  durability: normal\nlearning:\n  min_usage_count: 5\n  min_success_rate: 0.9\n",
    )
    .unwrap();
    let options = serde_json::json!({ "config": named, "durability": "full", "learning": {"min_usage_count": 3} });
    let m = api::open(dir.path().join("db4.db").to_str().unwrap(), Some(&options.to_string())).unwrap();
    assert_eq!(m.config().storage.durability, Some(Durability::Full));
    assert_eq!(m.config().learning.min_usage_count, 3);
    assert_eq!(m.config().learning.min_success_rate, 0.9);
    let missing = serde_json::json!({ "config": dir.path().join("absent.yaml") }).to_string();
    let e = api::open(dir.path().join("db3.db").to_str().unwrap(), Some(&missing))
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(
        !dir.path().join("db3.db").exists(),
        "nothing is created when the config is bad"
    );
}

/// One hostile or wrong document: its text, where the error must point (line, column,
/// JSON path) and a word the message must contain.
struct Case {
    name: &'static str,
    text: String,
    line: usize,
    column: usize,
    path: &'static str,
    says: &'static str,
}

fn case(
    name: &'static str,
    text: impl Into<String>,
    line: usize,
    column: usize,
    path: &'static str,
    says: &'static str,
) -> Case {
    Case {
        name,
        text: text.into(),
        line,
        column,
        path,
        says,
    }
}

fn corpus() -> Vec<Case> {
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let mut deep_map = String::new();
    for i in 0..40 {
        deep_map.push_str(&format!("{}k{i}:\n", "  ".repeat(i)));
    }
    let deep_flow = format!("phase_models: {}{}", "[".repeat(100), "]".repeat(100));
    let huge = format!("# {}\nretention: {{}}\n", "x".repeat(1 << 20));
    let byte_bomb = format!(
        "s: &s \"{}\"\nb: [{}]\n",
        "x".repeat(500_000),
        vec!["*s"; 100].join(", ")
    );
    vec![
        case("billion laughs", laughs, 5, 45, "/a4/7", "alias bomb"),
        case("deep block nesting", deep_map, 33, 65, "/k0/k1/k2/k3/k4/k5/k6/k7/k8/k9/k10/k11/k12/k13/k14/k15/k16/k17/k18/k19/k20/k21/k22/k23/k24/k25/k26/k27/k28/k29/k30/k31", "nested more than 32"),
        case("deep flow nesting", deep_flow, 1, 46, "/phase_models/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0", "nested more than 32"),
        case("oversized document", huge, 1, 1, "", "more than the limit"),
        case("unknown top-level key", "retension:\n  sessions_days: 3\n", 1, 1, "/retension", "unexpected"),
        case("unknown nested key", "retention:\n  session_days: 3\n", 2, 3, "/retention/session_days", "unexpected"),
        case("string for a number", "retention:\n  sessions_days: ninety\n", 2, 18, "/retention/sessions_days", "not of type"),
        case("negative days", "retention:\n  events_days: -1\n", 2, 16, "/retention/events_days", "minimum"),
        case("fractional days", "retention:\n  agent_logs_days: 1.5\n", 2, 20, "/retention/agent_logs_days", "not of type"),
        case("unknown durability", "storage:\n  durability: fast\n", 2, 15, "/storage/durability", "is not one of"),
        case("busy timeout too long", "storage:\n  busy_timeout_ms: 100000000000\n", 2, 20, "/storage/busy_timeout_ms", "maximum"),
        case("success rate above one", "learning:\n  min_success_rate: 2\n", 2, 21, "/learning/min_success_rate", "maximum"),
        case("usage count zero", "learning:\n  min_usage_count: 0\n", 2, 20, "/learning/min_usage_count", "minimum"),
        case("growth alert zero", "learning:\n  complexity_growth_alert: 0\n", 2, 28, "/learning/complexity_growth_alert", "exclusiveMinimum"),
        case("bad category name", "decision_categories:\n  - name: Bad Name\n    description: x\n", 2, 11, "/decision_categories/0/name", "does not match"),
        case("built-in category", "decision_categories:\n  - name: tech_stack\n    description: x\n", 2, 11, "/decision_categories/0/name", "built-in"),
        case("category twice", "decision_categories:\n  - {name: sec, description: a}\n  - {name: sec, description: b}\n", 3, 12, "/decision_categories/1/name", "twice"),
        case("category without description", "decision_categories:\n  - name: sec\n", 2, 5, "/decision_categories/0", "required"),
        case("phase model without phases", "phase_models:\n  - schema_version: 1\n    name: x\n", 2, 5, "/phase_models/0", "required"),
        case("phase model to an unknown phase", "phase_models:\n  - schema_version: 1\n    name: x\n    initial: a\n    phases: [{name: a}, {name: b, terminal: success}]\n    transitions: [{from: a, to: c}]\n", 6, 33, "/phase_models/0/transitions/0/to", "c"),
        case("phase model named like a built-in", "phase_models:\n  - schema_version: 1\n    name: spec\n    initial: a\n    phases: [{name: a}, {name: b, terminal: success}]\n    transitions: [{from: a, to: b}]\n", 3, 11, "/phase_models/0/name", "built-in"),
        case("duplicate key", "storage:\n  durability: full\nstorage:\n  durability: normal\n", 3, 1, "/storage", "duplicate key"),
        case("two documents", "retention: {}\n---\nstorage: {}\n", 2, 1, "", "more than one YAML document"),
        case("unclosed flow sequence", "retention: [1, 2\n", 2, 1, "/retention/2", "not valid YAML"),
        case("tab indentation", "retention:\n\tsessions_days: 3\n", 2, 2, "/retention", "not valid YAML"),
        case("python object tag", "storage: !!python/object:os.system {}\n", 1, 10, "/storage", "tag"),
        case("local tag on a scalar", "storage:\n  durability: !fast full\n", 2, 15, "/storage/durability", "tag"),
        case("infinity", "learning:\n  min_success_rate: .inf\n", 2, 21, "/learning/min_success_rate", "not a finite number"),
        case("integer overflow", "retention:\n  sessions_days: 99999999999999999999\n", 2, 18, "/retention/sessions_days", "does not fit"),
        case("complex key", "? [a, b]\n: c\n", 1, 3, "", "keys must be plain strings"),
        case("root is a list", "- storage\n", 1, 1, "", "not of type"),
        case("root is a scalar", "hello\n", 1, 1, "", "not of type"),
        case("alias of an unknown anchor", "retention: *nope\n", 1, 12, "/retention", "not valid YAML"),
        case("newer schema version", "schema_version: 2\n", 1, 17, "/schema_version", "const"),
        case("yes is not a boolean", "retention:\n  compress_archives: yes\n", 2, 22, "/retention/compress_archives", "not of type"),
        case("empty archive dir", "retention:\n  archive_dir: ''\n", 2, 16, "/retention/archive_dir", "shorter than"),
        case("alias as a key", "a: &k x\n*k : y\n", 2, 1, "", "alias cannot be a key"),
        case("a byte bomb of aliases", byte_bomb, 2, 65, "/b/15", "bytes of text"),
        case("a key longer than a name", format!("{}: 1\n", "k".repeat(300)), 1, 1, "", "longer than 256"),
        case("a tag that does not fit", "retention:\n  sessions_days: !!int ninety\n", 2, 18, "/retention/sessions_days", "not a valid"),
    ]
}

#[test]
fn a_hostile_yaml_corpus_is_refused_with_line_column_and_path_and_nothing_is_written() {
    let cases = corpus();
    assert!(cases.len() >= 30);
    let mut wrong = Vec::new();
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.yaml"), &c.text).unwrap();
        let db = dir.path().join("state.db");
        let started = std::time::Instant::now();
        let e = match Maestro::open(&db, Options::default()) {
            Ok(_) => {
                wrong.push(format!("{}: accepted", c.name));
                continue;
            }
            Err(e) => e,
        };
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{} took {:?}",
            c.name,
            started.elapsed()
        );
        assert!(!db.exists(), "{}: the database was created", c.name);
        let text = e.to_string();
        let at = format!("line {}, column {}", c.line, c.column);
        if e.kind() != ErrorKind::Validation
            || e.path() != Some(c.path)
            || !text.contains(&at)
            || !text.contains(c.says)
        {
            wrong.push(format!(
                "{}: want {:?} at {at} saying {:?}; got {:?} {:?}: {text}",
                c.name,
                c.path,
                c.says,
                e.kind(),
                e.path()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_config_parses_from_yaml_text_and_reads_back_from_its_rendering() {
    let c = Config::from_yaml("config.yaml", GOOD).unwrap();
    let text = c.to_yaml().unwrap();
    let again = Config::from_yaml("again.yaml", &text).unwrap();
    assert_eq!(again.storage, c.storage);
    assert_eq!(again.retention, c.retention);
    assert_eq!(again.learning, c.learning);
    assert_eq!(again.phase_models, c.phase_models);
    assert_eq!(Config::from_yaml("empty.yaml", "").unwrap(), Config::default());
    assert!(Path::new("config.yaml").is_relative());
}
