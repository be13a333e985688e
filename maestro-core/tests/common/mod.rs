//! Fixtures shared by the integration tests.
#![allow(dead_code)]

use maestro_core::*;
use tempfile::TempDir;

/// A store under test, with the directory that keeps its file alive.
pub struct Backend {
    pub name: &'static str,
    pub m: Maestro,
    pub _dir: Option<TempDir>,
}

/// Every storage implementation the conformance suite runs against.
pub fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let file = Maestro::open(dir.path().join("state.db"), Options::durability(Durability::Normal)).unwrap();
    vec![
        Backend {
            name: "sqlite-file",
            m: file,
            _dir: Some(dir),
        },
        Backend {
            name: "sqlite-memory",
            m: Maestro::open_in_memory().unwrap(),
            _dir: None,
        },
    ]
}

pub fn project(m: &Maestro, name: &str) -> Project {
    m.projects()
        .create(NewProject {
            name: name.into(),
            ..Default::default()
        })
        .unwrap()
}

pub fn task(m: &Maestro, p: &ProjectId, title: &str, deps: &[&TaskId]) -> Task {
    let mut t = NewTask::new(p.clone(), title);
    t.depends_on = deps.iter().map(|d| (*d).clone()).collect();
    m.tasks().create(t).unwrap()
}

pub fn live_session(m: &Maestro, p: &ProjectId, name: &str) -> Session {
    let s = m.sessions().spawn(NewSession::new(p.clone(), name)).unwrap();
    m.sessions().register(&s.id).unwrap()
}

/// A small deterministic generator (xorshift), so a failing random case can be replayed
/// from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}
