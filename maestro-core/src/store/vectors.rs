//! An in-memory copy of the failures' embeddings, normalised, so a similarity query is
//! one pass over contiguous floats instead of reading every vector from the database.
//!
//! The copy is tied to a snapshot by `(generation, max seq)`: failures are only ever
//! appended, except for deletions, which bump `learning_meta.generation`. A reader whose
//! snapshot has the same generation uses the prefix of the copy up to its own max seq,
//! loading any newer rows first; a new generation reloads everything.

use std::sync::{Arc, Mutex};

/// The vectors of every failure that has an embedding, in seq order.
#[derive(Debug, Clone, Default)]
pub(super) struct Vectors {
    pub generation: i64,
    pub max_seq: i64,
    pub dim: usize,
    pub seqs: Vec<i64>,
    pub projects: Vec<u32>,
    pub project_names: Vec<String>,
    /// `seqs.len() × dim` unit-length vectors.
    pub data: Vec<f32>,
}

impl Vectors {
    pub fn project_index(&mut self, project: &str) -> u32 {
        match self.project_names.iter().position(|p| p == project) {
            Some(i) => i as u32,
            None => {
                self.project_names.push(project.to_owned());
                (self.project_names.len() - 1) as u32
            }
        }
    }

    /// Appends one vector, normalised.
    pub fn push(&mut self, seq: i64, project: &str, v: &[f32]) {
        let p = self.project_index(project);
        let norm = norm(v);
        self.seqs.push(seq);
        self.projects.push(p);
        self.data.extend(
            v.iter()
                .map(|x| if norm > 0.0 { (f64::from(*x) / norm) as f32 } else { 0.0 }),
        );
        self.max_seq = self.max_seq.max(seq);
    }

    /// The `k` best `(cosine, seq)` among the first `upto` vectors whose project is
    /// `project` (any when `None`), best first.
    pub fn nearest(&self, query: &[f32], project: Option<&str>, upto: usize, k: usize) -> Vec<(f64, i64)> {
        if k == 0 || self.dim == 0 || query.len() != self.dim {
            return Vec::new();
        }
        let norm = norm(query);
        if norm == 0.0 || !norm.is_finite() {
            return Vec::new();
        }
        let q: Vec<f32> = query.iter().map(|x| (f64::from(*x) / norm) as f32).collect();
        let want = match project {
            Some(p) => match self.project_names.iter().position(|n| n == p) {
                Some(i) => Some(i as u32),
                None => return Vec::new(),
            },
            None => None,
        };
        let mut scored: Vec<(f32, u32)> = Vec::with_capacity(upto);
        for (i, row) in self.data.chunks_exact(self.dim).take(upto).enumerate() {
            if want.is_some_and(|w| w != self.projects[i]) {
                continue;
            }
            scored.push((dot(&q, row), i as u32));
        }
        let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > k {
            scored.select_nth_unstable_by(k - 1, by_score);
            scored.truncate(k);
        }
        scored.sort_by(by_score);
        scored
            .into_iter()
            .map(|(s, i)| (f64::from(s), self.seqs[i as usize]))
            .collect()
    }
}

/// The Euclidean length, in f64 so tiny or huge components neither underflow nor overflow.
fn norm(v: &[f32]) -> f64 {
    v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt()
}

/// The dot product, in eight independent lanes so the compiler vectorises it.
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0_f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// The shared copy; readers clone the `Arc` and scan without holding the lock.
#[derive(Debug, Default)]
pub(super) struct VectorCache(pub Mutex<Option<Arc<Vectors>>>);

/// Little-endian f32 bytes.
pub(super) fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The floats of a blob written by [`to_blob`].
pub(super) fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
