//! The learning layer: hand-computed recommendations, aggregates against a from-scratch
//! recomputation, task-ordering rules and suggested orders over random DAGs, similar
//! failures, estimate correction, the other learning records and the docs cache.

mod common;

use common::*;
use maestro_core::learning::*;
use maestro_core::*;
use std::collections::BTreeMap;

/// `work` → `done` (success) or `broken` (failure).
fn model() -> PhaseModel {
    PhaseModel::from_json(
        r#"{"schema_version":1,"name":"mini","initial":"work",
            "phases":[{"name":"work"},{"name":"done","terminal":"success"},{"name":"broken","terminal":"failure"}],
            "transitions":[{"from":"work","to":"done"},{"from":"work","to":"broken"}]}"#,
    )
    .unwrap()
}

fn workflow(m: &Maestro, p: &ProjectId, feature: &str) -> Workflow {
    m.workflows()
        .create(NewWorkflow::new(p.clone(), feature, ModelRef::Custom(model())))
        .unwrap()
}

fn choose(m: &Maestro, wf: &WorkflowId, category: &str, subject: &str, technology: &str) -> Decision {
    let mut d = NewDecision::new(wf.clone(), category, format!("Use {technology}"), "it fits");
    d.subject = Some(Subject {
        category: (!subject.is_empty()).then(|| subject.to_owned()),
        technology: Some(technology.to_owned()),
        pattern: None,
    });
    m.decisions().record(d).unwrap()
}

fn outcome(m: &Maestro, d: &DecisionId, status: OutcomeStatus, issues: &[&str]) -> Decision {
    let mut o = NewOutcome::new(status);
    o.issues = issues.iter().map(|s| s.to_string()).collect();
    m.decisions().record_outcome(d, o).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-4
}

#[test]
fn wilson_lower_bound_matches_hand_computed_values() {
    assert_eq!(wilson_lower_bound(0, 0), 0.0);
    assert!(close(wilson_lower_bound(1, 1), 0.2065), "{}", wilson_lower_bound(1, 1));
    assert!(close(wilson_lower_bound(7, 8), 0.5291), "{}", wilson_lower_bound(7, 8));
    assert!(close(wilson_lower_bound(3, 3), 0.4385), "{}", wilson_lower_bound(3, 3));
    assert!(close(wilson_lower_bound(1, 2), 0.0945), "{}", wilson_lower_bound(1, 2));
    assert!(
        close(wilson_lower_bound(95, 100), 0.8883),
        "{}",
        wilson_lower_bound(95, 100)
    );
    assert_eq!(wilson_lower_bound(0, 5), 0.0);
}

/// 20 tech_stack decisions about databases, with outcomes:
/// postgresql 8 (7 successful, 1 partial), sqlite 3 (3 successful), mongodb 4 (1
/// successful, 3 failed), mysql 2 (1 successful, 1 failed), redis 1 (successful),
/// cassandra 2 (1 failed, 1 reverted).
fn scripted_history(m: &Maestro) -> (Project, Vec<WorkflowId>) {
    use OutcomeStatus::*;
    let p = project(m, "shop");
    type Script<'a> = &'a [(&'a str, &'a [(OutcomeStatus, &'a [&'a str])])];
    let script: Script = &[
        (
            "postgresql",
            &[
                (Successful, &[]),
                (Successful, &[]),
                (Successful, &["slow migrations"]),
                (Successful, &[]),
                (Partial, &["slow migrations"]),
                (Successful, &[]),
                (Successful, &[]),
                (Successful, &[]),
            ],
        ),
        ("sqlite", &[(Successful, &[]), (Successful, &[]), (Successful, &[])]),
        (
            "mongodb",
            &[
                (Failed, &["no transactions", "schema drift"]),
                (Successful, &[]),
                (Failed, &["no transactions"]),
                (Failed, &["lost writes"]),
            ],
        ),
        ("mysql", &[(Successful, &[]), (Failed, &["collation bugs"])]),
        ("redis", &[(Successful, &[])]),
        ("cassandra", &[(Failed, &["ops burden"]), (Reverted, &["ops burden"])]),
    ];
    let mut workflows = Vec::new();
    let mut n = 0;
    for (tech, outcomes) in script {
        let wf = workflow(m, &p.id, &format!("feature-{tech}"));
        for (status, issues) in outcomes.iter() {
            let d = choose(m, &wf.id, "tech_stack", "database", tech);
            outcome(m, &d.id, *status, issues);
            n += 1;
        }
        workflows.push(wf.id);
    }
    assert_eq!(n, 20);
    (p, workflows)
}

#[test]
fn a_scripted_history_of_20_decisions_gives_the_hand_computed_advice() {
    for b in backends() {
        let m = &b.m;
        let (p, workflows) = scripted_history(m);
        let r = m
            .learning()
            .recommend(Some(&p.id), "tech_stack", Some("database"), None)
            .unwrap();
        let names = |v: &[ChoiceStat]| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        // sqlite's raw rate (3/3) beats postgresql's (7/8); with the evidence counted it does not.
        assert_eq!(names(&r.preferred), ["postgresql", "sqlite", "mysql"], "{}", b.name);
        let pg = &r.preferred[0];
        assert_eq!(
            (
                pg.usage_count,
                pg.outcome_count,
                pg.success_count,
                pg.partial_count,
                pg.failure_count
            ),
            (8, 8, 7, 1, 0)
        );
        assert!(close(pg.success_rate, 0.875) && close(pg.score, 0.5291), "{pg:?}");
        assert_eq!(
            pg.issues,
            vec![IssueCount {
                issue: "slow migrations".into(),
                count: 2
            }]
        );
        let sqlite = &r.preferred[1];
        assert!(close(sqlite.success_rate, 1.0) && close(sqlite.score, 0.4385));
        let mysql = &r.preferred[2];
        assert_eq!((mysql.usage_count, mysql.success_count, mysql.failure_count), (2, 1, 1));
        assert!(close(mysql.success_rate, 0.5) && close(mysql.score, 0.0945));

        let avoid: Vec<(&str, i64, i64)> = r
            .avoid
            .iter()
            .map(|a| (a.name.as_str(), a.failure_count, a.outcome_count))
            .collect();
        assert_eq!(avoid, [("mongodb", 3, 4), ("cassandra", 2, 2)]);
        assert_eq!(
            r.avoid[0].reason,
            "3 of 4 decisions with an outcome failed or were reverted; issues: no transactions (2); lost writes (1); schema drift (1)"
        );
        assert_eq!(r.avoid[1].subject_category.as_deref(), Some("database"));
        assert_eq!(names(&r.undecided), ["redis"], "one use is below min_usage_count 2");
        assert_eq!(r.thresholds, LearningThresholds::default());

        // Stricter thresholds from the call.
        let strict = LearningThresholds {
            min_usage_count: 3,
            min_success_rate: 0.9,
            ..Default::default()
        };
        let r2 = m
            .learning()
            .recommend(Some(&p.id), "tech_stack", Some("database"), Some(&strict))
            .unwrap();
        assert_eq!(names(&r2.preferred), ["sqlite"]);
        // Undecided, by score: 7/8 (0.53), 1/1 (0.21), 1/2 (0.09).
        assert_eq!(names(&r2.undecided), ["postgresql", "redis", "mysql"]);

        // Another subject category and another category are separate.
        let other = m
            .learning()
            .recommend(Some(&p.id), "tech_stack", Some("auth"), None)
            .unwrap();
        assert!(other.preferred.is_empty() && other.avoid.is_empty() && other.undecided.is_empty());

        // The aggregates survive the deletion of every workflow they came from.
        for wf in &workflows {
            m.workflows().delete(wf).unwrap();
        }
        assert!(m.decisions().list(&DecisionFilter::default(), 100).unwrap().is_empty());
        let after = m
            .learning()
            .recommend(Some(&p.id), "tech_stack", Some("database"), None)
            .unwrap();
        assert_eq!(after, r, "{}", b.name);

        // Across projects: a second project's history merges in.
        let q = project(m, "blog");
        let wf = workflow(m, &q.id, "posts");
        let d = choose(m, &wf.id, "tech_stack", "database", "sqlite");
        outcome(m, &d.id, OutcomeStatus::Failed, &["locking"]);
        let all = m
            .learning()
            .recommend(None, "tech_stack", Some("database"), None)
            .unwrap();
        let sqlite = all.preferred.iter().find(|s| s.name == "sqlite").unwrap();
        assert_eq!(
            (sqlite.usage_count, sqlite.success_count, sqlite.failure_count),
            (4, 3, 1)
        );
        assert_eq!(sqlite.project_id, None);
        // Deleting a project deletes what was learned in it.
        m.projects().delete(&q.id).unwrap();
        let again = m
            .learning()
            .recommend(None, "tech_stack", Some("database"), None)
            .unwrap();
        assert_eq!(
            again.preferred.iter().find(|s| s.name == "sqlite").unwrap().usage_count,
            3
        );
    }
}

/// (category, subject category, technology, at, current outcome, failure times)
type Modelled = (String, String, String, Timestamp, Option<Outcome>, Vec<Timestamp>);

/// What the aggregates must be, recomputed from every decision ever recorded.
#[derive(Default)]
struct Model {
    decisions: BTreeMap<DecisionId, Modelled>,
}

impl Model {
    fn expected(&self, p: &ProjectId) -> Vec<ChoiceStat> {
        let mut out: BTreeMap<(String, String, String), ChoiceStat> = BTreeMap::new();
        let mut issues: BTreeMap<(String, String, String), BTreeMap<String, i64>> = BTreeMap::new();
        for (cat, sub, tech, at, current, failed_at) in self.decisions.values() {
            let k = (cat.clone(), sub.clone(), tech.clone());
            let s = out.entry(k.clone()).or_insert(ChoiceStat {
                project_id: Some(p.clone()),
                decision_category: cat.clone(),
                subject_category: (!sub.is_empty()).then(|| sub.clone()),
                kind: ChoiceKind::Technology,
                name: tech.clone(),
                usage_count: 0,
                outcome_count: 0,
                success_count: 0,
                partial_count: 0,
                failure_count: 0,
                success_rate: 0.0,
                score: 0.0,
                last_used: *at,
                last_failed: None,
                issues: vec![],
            });
            s.usage_count += 1;
            s.last_used = s.last_used.max(*at);
            s.last_failed = s.last_failed.max(failed_at.iter().max().copied());
            if let Some(o) = current {
                s.outcome_count += 1;
                match o.status {
                    OutcomeStatus::Successful => s.success_count += 1,
                    OutcomeStatus::Partial => s.partial_count += 1,
                    _ => s.failure_count += 1,
                }
                let mut seen: Vec<&String> = o.issues.iter().collect();
                seen.sort();
                seen.dedup();
                for i in seen {
                    *issues.entry(k.clone()).or_default().entry(i.clone()).or_default() += 1;
                }
            }
        }
        out.into_iter()
            .map(|(k, mut s)| {
                s.success_rate = if s.outcome_count > 0 {
                    s.success_count as f64 / s.outcome_count as f64
                } else {
                    0.0
                };
                s.score = wilson_lower_bound(s.success_count, s.outcome_count);
                let mut is: Vec<IssueCount> = issues
                    .remove(&k)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(issue, count)| IssueCount { issue, count })
                    .collect();
                is.sort_by(|a, b| b.count.cmp(&a.count).then(a.issue.cmp(&b.issue)));
                s.issues = is;
                s
            })
            .collect()
    }
}

#[test]
fn aggregates_equal_a_recomputation_after_random_outcomes_amendments_and_deletions() {
    let techs = ["postgresql", "sqlite", "mongodb", "redis"];
    let subjects = ["database", "cache", ""];
    let categories = ["tech_stack", "architecture"];
    let issue_pool = ["slow", "flaky", "costly", "lost writes"];
    let statuses = OutcomeStatus::ALL;
    for seed in 1..=12u64 {
        for b in backends() {
            let m = &b.m;
            let name = b.name;
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let p = project(m, "shop");
            let mut model = Model::default();
            let mut live: Vec<(WorkflowId, Vec<DecisionId>)> = vec![(workflow(m, &p.id, "f0").id, vec![])];
            for step in 0..80 {
                match rng.below(10) {
                    0..=3 if !live.is_empty() => {
                        let w = rng.below(live.len());
                        let (cat, sub, tech) = (
                            categories[rng.below(2)],
                            subjects[rng.below(3)],
                            techs[rng.below(techs.len())],
                        );
                        let d = choose(m, &live[w].0, cat, sub, tech);
                        model
                            .decisions
                            .insert(d.id.clone(), (cat.into(), sub.into(), tech.into(), d.at, None, vec![]));
                        live[w].1.push(d.id);
                    }
                    4..=7 => {
                        let ids: Vec<&DecisionId> = live.iter().flat_map(|(_, ds)| ds).collect();
                        if ids.is_empty() {
                            continue;
                        }
                        let id = ids[rng.below(ids.len())].clone();
                        let status = statuses[rng.below(statuses.len())];
                        let n = rng.below(3);
                        let issues: Vec<&str> = (0..n).map(|_| issue_pool[rng.below(issue_pool.len())]).collect();
                        let d = outcome(m, &id, status, &issues);
                        let o = d.outcomes.last().unwrap().clone();
                        let e = model.decisions.get_mut(&id).unwrap();
                        if matches!(status, OutcomeStatus::Failed | OutcomeStatus::Reverted) {
                            e.5.push(o.at);
                        }
                        e.4 = Some(o);
                    }
                    8 if live.len() > 1 || rng.chance(30) => {
                        let w = rng.below(live.len());
                        let (id, _) = live.remove(w);
                        m.workflows().delete(&id).unwrap();
                    }
                    _ => live.push((workflow(m, &p.id, &format!("f{step}")).id, vec![])),
                }
                if live.is_empty() {
                    live.push((workflow(m, &p.id, "again").id, vec![]));
                }
            }
            let got = m
                .learning()
                .stats(&AdviceFilter {
                    project_id: Some(p.id.to_string()),
                    ..Default::default()
                })
                .unwrap();
            let want = model.expected(&p.id);
            assert_eq!(got.len(), want.len(), "{name}: seed {seed}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{name}: seed {seed}");
            }
            assert!(!want.is_empty(), "{name}: seed {seed} exercised nothing");
            // The top issues kept with each aggregate are the first five of the recomputation.
            let everything = LearningThresholds {
                min_usage_count: 1,
                min_success_rate: 0.0,
                ..Default::default()
            };
            for cat in categories {
                for sub in subjects {
                    let sub = (!sub.is_empty()).then_some(sub);
                    let r = m
                        .learning()
                        .recommend(Some(&p.id), cat, sub, Some(&everything))
                        .unwrap();
                    for s in &r.preferred {
                        let w = want
                            .iter()
                            .find(|w| {
                                w.decision_category == cat && w.subject_category.as_deref() == sub && w.name == s.name
                            })
                            .unwrap();
                        assert_eq!(s.issues, w.issues[..w.issues.len().min(5)], "{name}: seed {seed}");
                    }
                }
            }
        }
    }
}

fn labelled(m: &Maestro, p: &ProjectId, wf: &WorkflowId, title: &str, labels: &[&str]) -> Task {
    let mut t = NewTask::new(p.clone(), title);
    t.workflow_id = Some(wf.clone());
    t.labels = labels.iter().map(|l| l.to_string()).collect();
    m.tasks().create(t).unwrap()
}

/// Runs a workflow whose tasks complete in the order of `labels`; it ends `done` or `broken`.
fn run(m: &Maestro, p: &ProjectId, labels: &[&str], succeed: bool) -> WorkflowId {
    let wf = workflow(m, p, "feature");
    let tasks: Vec<Task> = labels.iter().map(|l| labelled(m, p, &wf.id, l, &[l])).collect();
    for t in &tasks {
        m.tasks().transition(&t.id, TaskStatus::InProgress, None, None).unwrap();
        m.tasks().complete(&t.id, None).unwrap();
    }
    let end = if succeed { "done" } else { "broken" };
    m.workflows().advance(&wf.id, end, "orch", None).unwrap();
    wf.id
}

fn spec(key: &str, labels: &[&str], deps: &[&str]) -> TaskToOrder {
    TaskToOrder {
        key: key.into(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        depends_on: deps.iter().map(|d| d.to_string()).collect(),
        priority: Priority::Medium,
    }
}

#[test]
fn ordering_rules_are_learned_from_ended_workflows_and_break_ties() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let mut ids = vec![];
        for _ in 0..3 {
            ids.push(run(m, &p.id, &["database", "backend", "frontend"], true));
        }
        ids.push(run(m, &p.id, &["database", "frontend", "backend"], true));
        // Two failures after testing went first.
        run(m, &p.id, &["testing", "backend"], false);
        run(m, &p.id, &["testing", "backend"], false);

        let rules = m.learning().ordering_rules(Some(&p.id), None).unwrap();
        let r: Vec<(&str, &str, i64, i64)> = rules
            .rules
            .iter()
            .map(|r| {
                (
                    r.before.as_str(),
                    r.after.as_str(),
                    r.supporting_evidence,
                    r.contradicting_evidence,
                )
            })
            .collect();
        // database<backend 4/0, database<frontend 4/0, backend<frontend 3/1 (0.75 ≥ 0.7).
        assert_eq!(
            r,
            [
                ("database", "backend", 4, 0),
                ("database", "frontend", 4, 0),
                ("backend", "frontend", 3, 1)
            ],
            "{}",
            b.name
        );
        assert!(close(rules.rules[2].confidence, 0.75));
        assert_eq!(rules.anti_patterns.len(), 1);
        let a = &rules.anti_patterns[0];
        assert_eq!(
            (
                a.before.as_str(),
                a.after.as_str(),
                a.failed_workflows,
                a.completed_workflows
            ),
            ("testing", "backend", 2, 0)
        );

        let tasks = vec![
            spec("ui", &["frontend"], &[]),
            spec("api", &["backend"], &[]),
            spec("db", &["database"], &[]),
        ];
        let s = m.learning().suggest_order(Some(&p.id), &tasks, None).unwrap();
        assert_eq!(s.order, ["db", "api", "ui"]);
        assert_eq!(s.applied.len(), 3);
        assert!(s.overridden.is_empty());

        // A dependency wins over a rule, and the overridden rule is reported.
        let tasks = vec![
            spec("ui", &["frontend"], &[]),
            spec("api", &["backend"], &["ui"]),
            spec("db", &["database"], &[]),
        ];
        let s = m.learning().suggest_order(Some(&p.id), &tasks, None).unwrap();
        assert_eq!(s.order, ["db", "ui", "api"]);
        assert_eq!(s.overridden.len(), 1);
        assert_eq!(
            (s.overridden[0].before.as_str(), s.overridden[0].after.as_str()),
            ("backend", "frontend")
        );

        // Rules survive the deletion of the workflows; their orders are kept.
        for id in &ids {
            m.workflows().delete(id).unwrap();
        }
        assert_eq!(m.learning().ordering_rules(Some(&p.id), None).unwrap(), rules);
        let orders = m.learning().orderings(&p.id).unwrap();
        assert_eq!(orders.len(), 6);
        assert_eq!(orders[0].order.len(), 3);
        assert_eq!(orders[0].order[0].labels, ["database"]);
        assert_eq!(orders[5].status, WorkflowStatus::Failed);

        // Bad input names the task.
        let e = m
            .learning()
            .suggest_order(Some(&p.id), &[spec("a", &[], &["nope"])], None)
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.path()),
            (ErrorKind::Validation, Some("/tasks/0/depends_on/0"))
        );
        let e = m
            .learning()
            .suggest_order(None, &[spec("a", &[], &["b"]), spec("b", &[], &["a"])], None)
            .unwrap_err();
        assert_eq!(e.path(), Some("/tasks"));
        assert!(e.to_string().contains("cycle among a, b"), "{e}");
        let e = m
            .learning()
            .suggest_order(None, &[spec("a", &[], &[]), spec("a", &[], &[])], None)
            .unwrap_err();
        assert_eq!(e.path(), Some("/tasks/1/key"));
    }
}

#[test]
fn suggested_orders_never_violate_a_dependency_of_a_random_dag() {
    let labels = ["database", "backend", "frontend", "testing", "docs"];
    for b in backends() {
        let (m, name) = (&b.m, b.name);
        let p = project(m, "shop");
        for _ in 0..3 {
            run(m, &p.id, &["database", "backend", "frontend", "testing", "docs"], true);
        }
        run(m, &p.id, &["docs", "testing"], true);
        assert_eq!(
            m.learning().ordering_rules(Some(&p.id), None).unwrap().rules.len(),
            10,
            "{name}: every pair of the five labels is a rule"
        );
        let mut rng = Rng(0xDEAD_BEEF);
        for case in 0..300 {
            let n = 1 + rng.below(40);
            // A random permutation gives the topological order the edges follow.
            let mut perm: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                perm.swap(i, rng.below(i + 1));
            }
            let mut tasks: Vec<TaskToOrder> = (0..n)
                .map(|i| {
                    let k = rng.below(3);
                    let ls: Vec<&str> = (0..k).map(|_| labels[rng.below(labels.len())]).collect();
                    spec(&format!("t{i}"), &ls, &[])
                })
                .collect();
            for a in 0..n {
                for b in a + 1..n {
                    if rng.chance(15) {
                        tasks[perm[b]].depends_on.push(format!("t{}", perm[a]));
                    }
                }
            }
            let s = m.learning().suggest_order(Some(&p.id), &tasks, None).unwrap();
            let mut sorted = s.order.clone();
            sorted.sort();
            let mut keys: Vec<String> = tasks.iter().map(|t| t.key.clone()).collect();
            keys.sort();
            assert_eq!(sorted, keys, "{name}: case {case}: every task exactly once");
            let pos: BTreeMap<&str, usize> = s.order.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
            for t in &tasks {
                for d in &t.depends_on {
                    assert!(
                        pos[d.as_str()] < pos[t.key.as_str()],
                        "{name}: case {case}: {d} must precede {}",
                        t.key
                    );
                }
            }
            // Every rule reported as applied holds in the order.
            for r in &s.applied {
                let with = |l: &str| -> Vec<usize> {
                    tasks
                        .iter()
                        .filter(|t| t.labels.iter().any(|x| x == l))
                        .filter(|t| !(t.labels.contains(&r.before) && t.labels.contains(&r.after)))
                        .map(|t| pos[t.key.as_str()])
                        .collect()
                };
                let (a, b) = (with(&r.before), with(&r.after));
                assert!(
                    a.iter().max() < b.iter().min(),
                    "{name}: case {case}: {} before {}",
                    r.before,
                    r.after
                );
            }
        }
    }
}

fn failure(m: &Maestro, p: &ProjectId, feature: &str, approach: &str, why: &str, e: Option<Vec<f32>>) -> Failure {
    m.learning()
        .record_failure(NewFailure {
            project_id: p.clone(),
            workflow_id: None,
            feature: feature.into(),
            approach: approach.into(),
            why_failed: why.into(),
            lesson: "do the other thing".into(),
            related_decision: None,
            tags: vec!["db".into()],
            embedding: e,
        })
        .unwrap()
}

#[test]
fn similar_failures_finds_the_known_nearest_neighbours() {
    for b in backends() {
        let m = &b.m;
        let p = project(m, "shop");
        let f1 = failure(
            m,
            &p.id,
            "auth",
            "custom JWT signing",
            "key rotation broke sessions",
            Some(vec![1.0, 0.0, 0.0, 0.0]),
        );
        let f2 = failure(
            m,
            &p.id,
            "auth",
            "session cookies",
            "CSRF",
            Some(vec![0.9, 0.1, 0.0, 0.0]),
        );
        let f3 = failure(
            m,
            &p.id,
            "search",
            "LIKE queries",
            "too slow on large tables",
            Some(vec![0.0, 1.0, 0.0, 0.0]),
        );
        let f4 = failure(
            m,
            &p.id,
            "search",
            "elastic cluster",
            "ops burden",
            Some(vec![0.0, 0.8, 0.6, 0.0]),
        );
        let f5 = failure(m, &p.id, "billing", "float money", "rounding errors in invoices", None);
        let q = project(m, "other");
        let f6 = failure(
            m,
            &q.id,
            "auth",
            "custom JWT",
            "same again",
            Some(vec![1.0, 0.0, 0.0, 0.01]),
        );

        let by = |query: FailureQuery, project: Option<&ProjectId>, k: usize| -> Vec<(FailureId, f64)> {
            m.learning()
                .similar_failures(project, &query, k)
                .unwrap()
                .into_iter()
                .map(|s| (s.failure.id, s.score))
                .collect()
        };
        let near_auth = FailureQuery {
            text: None,
            embedding: Some(vec![2.0, 0.0, 0.0, 0.0]),
        };
        let got = by(near_auth.clone(), Some(&p.id), 3);
        let ids: Vec<&FailureId> = got.iter().map(|(i, _)| i).collect();
        assert_eq!(
            ids,
            [&f1.id, &f2.id, &f3.id],
            "{}: f3 and f4 tie at 0, the older id first",
            b.name
        );
        assert!(close(got[0].1, 1.0));
        assert!(close(got[1].1, 0.9 / (0.82f64).sqrt()), "{}", got[1].1);
        assert!(close(got[2].1, 0.0));
        // Every project: the other project's near-duplicate comes second.
        let all = by(near_auth, None, 2);
        assert_eq!(all.iter().map(|(i, _)| i).collect::<Vec<_>>(), [&f1.id, &f6.id]);

        // Text only: BM25 over the text, without embeddings needed.
        let t = by(
            FailureQuery {
                text: Some("rounding invoices".into()),
                embedding: None,
            },
            Some(&p.id),
            5,
        );
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0, f5.id);
        let t = by(
            FailureQuery {
                text: Some("slow search (LIKE)".into()),
                embedding: None,
            },
            Some(&p.id),
            5,
        );
        assert_eq!(t[0].0, f3.id, "the failure matching most words ranks first");
        assert_eq!(t.len(), 2, "search matches f3 and f4 (feature search)");

        // Both: reciprocal rank fusion. By vector f4 (0.97) beats f3 (0.91); only f3
        // matches the text, so f3 scores 1/(60+1) + 1/(60+2) and f4 only 1/(60+1).
        let r = m
            .learning()
            .similar_failures(
                Some(&p.id),
                &FailureQuery {
                    text: Some("LIKE queries".into()),
                    embedding: Some(vec![0.0, 0.9, 0.4, 0.0]),
                },
                2,
            )
            .unwrap();
        assert_eq!(r[0].failure.id, f3.id);
        assert!(close(r[0].score, 1.0 / 61.0 + 1.0 / 62.0), "{}", r[0].score);
        assert!(r[0].cosine.is_some() && r[0].text_score.is_some());
        assert_eq!(r[1].failure.id, f4.id);
        assert!(close(r[1].score, 1.0 / 61.0) && r[1].text_score.is_none());
        assert!(r[1].failure.embedding.is_none(), "results leave embeddings out");

        // One dimension per store.
        let e = m
            .learning()
            .record_failure(NewFailure {
                project_id: p.id.clone(),
                workflow_id: None,
                feature: "x".into(),
                approach: "y".into(),
                why_failed: "z".into(),
                lesson: "w".into(),
                related_decision: None,
                tags: vec![],
                embedding: Some(vec![1.0; 5]),
            })
            .unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Validation, Some("/embedding")));
        assert!(
            e.to_string()
                .contains("has 5 dimensions; this store's embeddings have 4"),
            "{e}"
        );
        let e = m
            .learning()
            .similar_failures(
                None,
                &FailureQuery {
                    text: None,
                    embedding: Some(vec![1.0; 3]),
                },
                1,
            )
            .unwrap_err();
        assert_eq!(e.path(), Some("/embedding"));
        // Lengths are computed in f64: a vector whose squares underflow f32 still points
        // somewhere.
        let tiny = FailureQuery {
            text: None,
            embedding: Some(vec![1e-30, 0.0, 0.0, 0.0]),
        };
        let hit = &m.learning().similar_failures(Some(&p.id), &tiny, 1).unwrap()[0];
        assert_eq!(hit.failure.id, f1.id);
        assert!(close(hit.score, 1.0));
        let e = m
            .learning()
            .similar_failures(None, &FailureQuery::default(), 1)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation);
        assert_eq!(
            m.learning().failures(Some(&p.id), 100).unwrap().len(),
            5,
            "nothing was written"
        );
        // A project's deletion takes its vectors out of the index.
        m.projects().delete(&q.id).unwrap();
        let all = by(
            FailureQuery {
                text: None,
                embedding: Some(vec![1.0, 0.0, 0.0, 0.0]),
            },
            None,
            2,
        );
        assert_eq!(all.iter().map(|(i, _)| i).collect::<Vec<_>>(), [&f1.id, &f2.id]);
    }
}

fn estimate(m: &Maestro, p: &ProjectId, estimated: f64, actual: Option<f64>, complexity: f64) -> Estimate {
    m.learning()
        .record_estimate(NewEstimate {
            project_id: p.clone(),
            workflow_id: None,
            feature: "f".into(),
            unit: Some("hours".into()),
            estimated,
            actual,
            complexity,
            files_created: Some(2),
            files_modified: None,
            notes: None,
        })
        .unwrap()
}

#[test]
fn the_correction_factor_of_a_known_set_is_its_median_ratio() {
    for b in backends() {
        let (m, name) = (&b.m, b.name);
        let p = project(m, "shop");
        estimate(m, &p.id, 10.0, Some(12.0), 3.0);
        estimate(m, &p.id, 10.0, Some(15.0), 4.0);
        estimate(m, &p.id, 10.0, Some(11.0), 5.0);
        let runaway = estimate(m, &p.id, 10.0, None, 5.0);
        estimate(m, &p.id, 10.0, Some(13.0), 8.0);
        estimate(m, &p.id, 0.0, Some(3.0), 4.0); // no ratio: nothing was estimated
        let l = m.learning();
        let f = l.correction_factor(Some(&p.id), 30.0, (3.0, 5.0)).unwrap();
        assert_eq!(f.sample_size, 3, "{name}: the open estimate does not count yet");
        assert!(close(f.factor, 1.2), "{name}");
        l.record_actual(&runaway.id, 200.0).unwrap();
        let f = l.correction_factor(Some(&p.id), 30.0, (3.0, 5.0)).unwrap();
        // Ratios 1.2, 1.5, 1.1, 20: the median is 1.35, the mean 5.95.
        assert_eq!(f.sample_size, 4, "{name}");
        assert!(close(f.factor, 1.35) && close(f.mean_ratio, 5.95), "{name}: {f:?}");
        assert_eq!(f.outliers, 1, "{name}");
        let all = l.correction_factor(Some(&p.id), 30.0, (1.0, 10.0)).unwrap();
        assert!(close(all.factor, 1.3) && all.sample_size == 5, "{name}: {all:?}");

        let c = l.corrected_estimate(Some(&p.id), 10.0, 4.0).unwrap();
        assert_eq!((c.basis.as_str(), c.sample_size), ("complexity ±1", 4), "{name}");
        assert!(close(c.corrected, 13.5), "{name}");
        let c = l.corrected_estimate(Some(&p.id), 10.0, 9.0).unwrap();
        assert_eq!((c.basis.as_str(), c.sample_size), ("all complexities", 5), "{name}");
        assert!(close(c.corrected, 13.0), "{name}");
        let q = project(m, "empty");
        let c = l.corrected_estimate(Some(&q.id), 10.0, 9.0).unwrap();
        assert_eq!(
            (c.basis.as_str(), c.factor, c.corrected),
            ("no history", 1.0, 10.0),
            "{name}"
        );

        assert_eq!(
            l.correction_factor(None, 0.0, (1.0, 10.0)).unwrap_err().path(),
            Some("/window_days")
        );
        assert_eq!(
            l.record_actual(&EstimateId::parse("est_nope").unwrap(), 1.0)
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(l.estimates(Some(&p.id), 100).unwrap().len(), 6, "{name}");
    }
}

#[test]
fn the_docs_cache_never_returns_an_expired_entry() {
    let all = backends();
    let short = std::time::Duration::from_millis(300);
    for b in &all {
        let l = b.m.learning();
        l.cache_docs("serde", "1.0", "derive all the things", Some(short))
            .unwrap();
        l.cache_docs("tokio", "1.40", "async runtime", None).unwrap();
        assert_eq!(
            l.cached_docs("serde", "1.0").unwrap().unwrap().content,
            "derive all the things",
            "{}",
            b.name
        );
        assert_eq!(l.cached_docs("serde", "2.0").unwrap(), None, "{}", b.name);
    }
    // One wait for every backend: each short entry is at least this old after it.
    std::thread::sleep(std::time::Duration::from_millis(400));
    for b in &all {
        let l = b.m.learning();
        assert_eq!(l.cached_docs("serde", "1.0").unwrap(), None, "{}: expired", b.name);
        let tokio = l.cached_docs("tokio", "1.40").unwrap().unwrap();
        assert_eq!(
            tokio.expires_at.millis() - tokio.stored_at.millis(),
            7 * 86_400_000,
            "{}",
            b.name
        );
        // Storing again replaces the entry and its expiry.
        l.cache_docs("serde", "1.0", "v2", None).unwrap();
        assert_eq!(
            l.cached_docs("serde", "1.0").unwrap().unwrap().content,
            "v2",
            "{}",
            b.name
        );
        let e = l
            .cache_docs("serde", "1.0", "x", Some(std::time::Duration::ZERO))
            .unwrap_err();
        assert_eq!(e.path(), Some("/ttl_seconds"), "{}", b.name);
        assert_eq!(
            l.cached_docs("serde", "1.0").unwrap().unwrap().content,
            "v2",
            "{}: nothing written",
            b.name
        );
    }
}

#[test]
fn agent_logs_complexity_patterns_retrospectives_and_spikes() {
    for b in backends() {
        let (m, name) = (&b.m, b.name);
        let p = project(m, "shop");
        let l = m.learning();
        for (agent, ms, ok) in [
            ("coder", 100.0, true),
            ("coder", 300.0, false),
            ("reviewer", 50.0, true),
        ] {
            l.log_agent(NewAgentLog {
                project_id: p.id.clone(),
                workflow_id: None,
                session_id: None,
                agent: agent.into(),
                phase: "implementing".into(),
                action: "edit".into(),
                duration_ms: ms,
                success: ok,
                error: (!ok).then(|| "tests failed".into()),
            })
            .unwrap();
        }
        let s = l.agent_stats(Some(&p.id), None).unwrap();
        assert_eq!(s[0].agent, "coder", "{name}");
        assert_eq!(
            (s[0].count, s[0].mean_ms, s[0].p95_ms, s[0].failure_rate),
            (2, 200.0, 300.0, 0.5),
            "{name}"
        );
        assert_eq!((s[1].agent.as_str(), s[1].failures), ("reviewer", 0), "{name}");
        assert_eq!(l.agent_logs(&p.id, Some("coder")).unwrap().len(), 2, "{name}");

        for (file, c) in [
            ("a.rs", 10.0),
            ("b.rs", 10.0),
            ("a.rs", 12.0),
            ("b.rs", 11.0),
            ("a.rs", 16.0),
        ] {
            l.record_complexity(NewComplexitySnapshot {
                project_id: p.id.clone(),
                workflow_id: None,
                file: file.into(),
                complexity: c,
                lines: None,
            })
            .unwrap();
        }
        let t = l.complexity_trends(&p.id, None, None, None).unwrap();
        assert_eq!(
            (t[0].file.as_str(), t[0].alert, t[0].growth),
            ("a.rs", true, Some(1.6)),
            "{name}"
        );
        assert!(close(t[0].slope, 3.0), "{name}: {}", t[0].slope);
        assert_eq!((t[1].file.as_str(), t[1].alert), ("b.rs", false), "{name}");
        let t = l.complexity_trends(&p.id, Some("a.rs"), Some(2), None).unwrap();
        assert_eq!(
            (t.len(), t[0].points.len(), t[0].alert),
            (1, 2, false),
            "{name}: 12 → 16 is 1.33×"
        );

        for (pattern, c) in [("repository", 1.0), ("repository", 0.4), ("envelope", 0.9)] {
            l.record_pattern_usage(NewPatternUsage {
                project_id: p.id.clone(),
                workflow_id: None,
                pattern: pattern.into(),
                file: Some("x.rs".into()),
                compliance: c,
                notes: None,
            })
            .unwrap();
        }
        let c = l.pattern_compliance(Some(&p.id)).unwrap();
        assert_eq!(
            (c[0].pattern.as_str(), c[0].usage_count, c[0].non_compliant),
            ("repository", 2, 1),
            "{name}"
        );
        assert!(
            close(c[0].mean_compliance, 0.7) && close(c[0].min_compliance, 0.4),
            "{name}: {:?}",
            c[0]
        );
        assert_eq!(c[1].pattern, "envelope", "{name}");
        let e = l
            .record_pattern_usage(NewPatternUsage {
                project_id: p.id.clone(),
                workflow_id: None,
                pattern: "x".into(),
                file: None,
                compliance: 1.5,
                notes: None,
            })
            .unwrap_err();
        assert_eq!(e.path(), Some("/compliance"), "{name}");

        let r = l
            .record_retrospective(NewRetrospective {
                project_id: p.id.clone(),
                workflow_id: None,
                feature: "checkout".into(),
                surprises: "PSP webhooks arrive twice".into(),
                would_change: "idempotency keys first".into(),
                new_patterns: vec!["idempotent handlers".into()],
                spike_accuracy: Some(0.8),
            })
            .unwrap();
        assert_eq!(l.retrospectives(&p.id, Some("checkout")).unwrap(), vec![r], "{name}");
        assert!(l.retrospectives(&p.id, Some("other")).unwrap().is_empty(), "{name}");
        let s = l
            .record_spike(NewSpike {
                project_id: p.id.clone(),
                workflow_id: None,
                feature: "checkout".into(),
                question: "Can the PSP do 3DS?".into(),
                approach: "sandbox".into(),
                result: "yes".into(),
                viable: true,
                lessons: None,
                time_spent_minutes: Some(45),
            })
            .unwrap();
        assert_eq!(l.spikes(&p.id, None).unwrap(), vec![s.clone()], "{name}");
        // Each record is on the change feed.
        let kinds: Vec<String> = m
            .events()
            .since(0, &EventFilter::default(), 1000)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .filter(|k| !k.starts_with("project"))
            .collect();
        assert_eq!(kinds.iter().filter(|k| *k == "agent_log.recorded").count(), 3, "{name}");
        assert_eq!(kinds.last().map(String::as_str), Some("spike.recorded"), "{name}");
        assert_eq!(
            m.events()
                .state_at(EntityKind::Spike, s.id.as_str(), i64::MAX)
                .unwrap()
                .unwrap()["question"],
            "Can the PSP do 3DS?",
            "{name}"
        );
    }
}

#[test]
fn the_historical_documents_follow_the_seed_shapes() {
    for b in backends() {
        let (m, name) = (&b.m, b.name);
        let (p, _) = scripted_history(m);
        run(m, &p.id, &["database", "backend"], true);
        run(m, &p.id, &["database", "backend"], true);
        let h = m.learning().history(&p.id).unwrap();
        Schema::HistoricalTechStack.validate(&h.tech_stack).unwrap();
        Schema::HistoricalArchitecture.validate(&h.architecture).unwrap();
        Schema::HistoricalTaskOrdering.validate(&h.task_ordering).unwrap();
        let pref = &h.tech_stack["patterns"]["preferred_by_category"]["database"];
        assert_eq!(pref[0]["technology"], "postgresql", "{name}");
        assert_eq!(pref[0]["usage_count"], 8, "{name}");
        assert_eq!(
            h.tech_stack["patterns"]["avoid_list"][0]["technology"], "mongodb",
            "{name}"
        );
        assert_eq!(h.tech_stack["decision_count"], 20, "{name}");
        assert_eq!(h.architecture["decision_count"], 0, "{name}");
        assert_eq!(h.task_ordering["workflow_count"], 2, "{name}");
        assert_eq!(h.task_ordering["rules"][0]["before"], "database", "{name}");
        assert_eq!(h.task_ordering["rules"][0]["supporting_evidence"], 2, "{name}");
        // The same state gives the same document.
        assert_eq!(m.learning().history(&p.id).unwrap(), h, "{name}");
    }
}

#[test]
fn learning_outlives_deleted_workflows_through_export_and_import() {
    for src in backends() {
        let (a, name) = (&src.m, src.name);
        let tmp = tempfile::tempdir().unwrap();
        let (p, workflows) = scripted_history(a);
        let order = run(a, &p.id, &["database", "backend"], true);
        run(a, &p.id, &["database", "backend"], true);
        for wf in workflows.iter().chain([&order]) {
            a.workflows().delete(wf).unwrap();
        }
        let advice = a
            .learning()
            .recommend(Some(&p.id), "tech_stack", Some("database"), None)
            .unwrap();
        let rules = a.learning().ordering_rules(Some(&p.id), None).unwrap();
        assert_eq!(rules.rules.len(), 1, "{name}");
        a.export(tmp.path().join("one")).unwrap();
        let tech: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join(format!("one/learning/{}/tech-stack.json", p.id))).unwrap(),
        )
        .unwrap();
        assert_eq!(tech["decision_count"], 0, "{name}: the raw decisions are gone");
        assert_eq!(
            tech["patterns"]["preferred_by_category"]["database"][0]["technology"], "postgresql",
            "{name}"
        );

        // Into an empty store of every kind.
        for dst in backends() {
            let (b, to) = (&dst.m, format!("{name} → {}", dst.name));
            b.import(tmp.path().join("one")).unwrap();
            assert_eq!(
                b.learning()
                    .recommend(Some(&p.id), "tech_stack", Some("database"), None)
                    .unwrap(),
                advice,
                "{to}"
            );
            assert_eq!(b.learning().ordering_rules(Some(&p.id), None).unwrap(), rules, "{to}");
            assert_eq!(
                b.learning().orderings(&p.id).unwrap(),
                a.learning().orderings(&p.id).unwrap(),
                "{to}"
            );
            let two = tmp.path().join(format!("two-{}", dst.name));
            b.export(&two).unwrap();
            for f in ["tech-stack", "architecture", "task-ordering"] {
                let rel = format!("learning/{}/{f}.json", p.id);
                assert_eq!(
                    std::fs::read(tmp.path().join("one").join(&rel)).unwrap(),
                    std::fs::read(two.join(&rel)).unwrap(),
                    "{to}: {rel} differs after the round trip"
                );
            }
        }
        // A tampered document is refused with its file and path, and nothing is written.
        let rel = format!("one/learning/{}/task-ordering.json", p.id);
        let text = std::fs::read_to_string(tmp.path().join(&rel)).unwrap();
        let tampered = text.replace("\"completed\": 2", "\"completed\": -2");
        assert_ne!(tampered, text, "{name}: the document names its completed count");
        std::fs::write(tmp.path().join(&rel), tampered).unwrap();
        for dst in backends() {
            let (c, to) = (&dst.m, format!("{name} → {}", dst.name));
            let e = c.import(tmp.path().join("one")).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Validation, "{to}: {e}");
            assert!(
                e.path()
                    .unwrap()
                    .starts_with(&format!("learning/{}/task-ordering.json#/pairs/", p.id)),
                "{to}: {e}"
            );
            assert!(c.projects().list().unwrap().is_empty(), "{to}");
            assert_eq!(c.events().latest_seq().unwrap(), 0, "{to}: nothing written");
        }
    }
}

#[test]
fn a_rolled_back_batch_leaves_no_vector_behind() {
    for b in backends() {
        let (m, name) = (&b.m, b.name);
        let p = project(m, "shop");
        let a = failure(m, &p.id, "a", "x", "y", Some(vec![1.0, 0.0]));
        let q = |e: Vec<f32>| FailureQuery {
            text: None,
            embedding: Some(e),
        };
        let r: Result<()> = m.batch(|b| {
            b.learning().record_failure(NewFailure {
                project_id: p.id.clone(),
                workflow_id: None,
                feature: "ghost".into(),
                approach: "x".into(),
                why_failed: "y".into(),
                lesson: "z".into(),
                related_decision: None,
                tags: vec![],
                embedding: Some(vec![0.0, 1.0]),
            })?;
            // The batch sees its own failure...
            let hits = b.learning().similar_failures(None, &q(vec![0.0, 1.0]), 1)?;
            assert_eq!(hits[0].failure.feature, "ghost", "{name}");
            Err(Error::validation("test", "", "roll it back"))
        });
        assert_eq!(
            r.unwrap_err().to_string(),
            Error::validation("test", "", "roll it back").to_string(),
            "{name}"
        );
        // ...and nobody else ever does, even when a new failure takes its row.
        let hits = m.learning().similar_failures(None, &q(vec![0.0, 1.0]), 2).unwrap();
        assert_eq!(hits.len(), 1, "{name}");
        assert_eq!(hits[0].failure.id, a.id, "{name}");
        let c = failure(m, &p.id, "c", "x", "y", Some(vec![0.6, 0.8]));
        let hits = m.learning().similar_failures(None, &q(vec![0.0, 1.0]), 2).unwrap();
        assert_eq!(
            hits.iter().map(|h| &h.failure.id).collect::<Vec<_>>(),
            [&c.id, &a.id],
            "{name}"
        );
        assert!(close(hits[0].score, 0.8), "{name}: {}", hits[0].score);
    }
}

fn all_stats(m: &Maestro, p: &ProjectId) -> Vec<ChoiceStat> {
    m.learning()
        .stats(&AdviceFilter {
            project_id: Some(p.to_string()),
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn decisions_recorded_before_the_learning_layer_count_after_the_upgrade() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.db");
    let m = Maestro::open(&path, Options::durability(Durability::Normal)).unwrap();
    let (p, _) = scripted_history(&m);
    choose(
        &m,
        &m.workflows().list(&p.id).unwrap()[0].id,
        "architecture",
        "",
        "hexagonal",
    );
    let before = all_stats(&m, &p.id);
    drop(m);
    // Back to schema version 4: the learning tables and their migration (and the later
    // retention, feed-index and thread migrations) are gone.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE thread_writes; DROP TABLE thread_checkpoints; DROP TABLE threads;
         DELETE FROM schema_migrations WHERE version = 8;
         DROP INDEX events_entity; DROP INDEX events_project; DROP INDEX events_kind;
         CREATE INDEX events_entity ON events(entity, entity_id) WHERE entity NOT IN ('timeline_event', 'session_task');
         DELETE FROM schema_migrations WHERE version = 7;
         DROP TABLE advice_stats; DROP TABLE advice_issues; DROP TABLE ordering_pairs; DROP TABLE ordering_history;
         DROP TABLE learning_meta; DROP TABLE failures; DROP TABLE failures_fts; DROP TABLE learning_records;
         DROP TABLE docs_cache; DELETE FROM schema_migrations WHERE version = 5;
         DROP TABLE feed_state; DROP INDEX events_workflow; DROP INDEX decisions_latest; DROP INDEX workflows_ended;
         DROP INDEX tasks_workflow; DROP INDEX sessions_workflow; DROP INDEX queue_items_task; DROP INDEX checkpoints_session;
         DELETE FROM schema_migrations WHERE version = 6;",
    )
    .unwrap();
    drop(raw);
    let m = Maestro::open(&path, Options::durability(Durability::Normal)).unwrap();
    assert_eq!(all_stats(&m, &p.id), before);
    let r = m
        .learning()
        .recommend(Some(&p.id), "tech_stack", Some("database"), None)
        .unwrap();
    assert_eq!(
        r.preferred[0].issues[0].issue, "slow migrations",
        "top issues are backfilled too"
    );
    // An amendment after the upgrade moves the old outcome, it does not subtract a
    // never-counted one.
    let d = m
        .decisions()
        .list(
            &DecisionFilter {
                technology: Some("mongodb".into()),
                ..Default::default()
            },
            1,
        )
        .unwrap()
        .remove(0);
    outcome(&m, &d.id, OutcomeStatus::Successful, &[]);
    let mongo = all_stats(&m, &p.id).into_iter().find(|s| s.name == "mongodb").unwrap();
    assert_eq!(
        (mongo.outcome_count, mongo.success_count, mongo.failure_count),
        (4, 2, 2)
    );
}

#[test]
fn an_import_without_learning_documents_counts_the_imported_decisions() {
    for src in backends() {
        let tmp = tempfile::tempdir().unwrap();
        let a = &src.m;
        let (p, _) = scripted_history(a);
        a.export(tmp.path().join("x")).unwrap();
        std::fs::remove_dir_all(tmp.path().join("x/learning")).unwrap();
        let want = all_stats(a, &p.id);
        assert_eq!(
            want.iter().map(|s| s.usage_count).sum::<i64>(),
            20,
            "{}: every decision counted",
            src.name
        );
        for dst in backends() {
            dst.m.import(tmp.path().join("x")).unwrap();
            assert_eq!(all_stats(&dst.m, &p.id), want, "{} → {}", src.name, dst.name);
        }
    }
}

#[test]
fn a_change_after_completion_does_not_move_a_task_in_the_learned_order() {
    for b in backends() {
        let (m, name) = (&b.m, b.name);
        let p = project(m, "shop");
        let wf = workflow(m, &p.id, "f");
        let db = labelled(m, &p.id, &wf.id, "db", &["database"]);
        let api = labelled(m, &p.id, &wf.id, "api", &["backend"]);
        for t in [&db, &api] {
            m.tasks().transition(&t.id, TaskStatus::InProgress, None, None).unwrap();
            m.tasks().complete(&t.id, None).unwrap();
        }
        // A later dependency change writes a newer event for the database task.
        let extra = labelled(m, &p.id, &wf.id, "docs", &[]);
        m.tasks().add_dependency(&db.id, &extra.id).unwrap();
        m.workflows().advance(&wf.id, "done", "orch", None).unwrap();
        let o = &m.learning().orderings(&p.id).unwrap()[0];
        assert_eq!(
            o.order.iter().map(|t| t.task_id.clone()).collect::<Vec<_>>(),
            [db.id.clone(), api.id.clone()],
            "{name}"
        );
        let t = LearningThresholds {
            min_rule_evidence: 1,
            ..Default::default()
        };
        let rules = m.learning().ordering_rules(Some(&p.id), Some(&t)).unwrap().rules;
        assert_eq!(
            (rules[0].before.as_str(), rules[0].after.as_str()),
            ("database", "backend"),
            "{name}"
        );
    }
}
