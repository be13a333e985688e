//! Timeline append vs the raw rusqlite insert, interleaved in rounds so that both see the
//! same machine state; prints the median per-op time of each and their ratio. On a noisy
//! machine this ratio is steadier than two criterion groups measured minutes apart.
//! Run: `cargo bench -p maestro-benches --bench append_interleaved`.

use maestro_benches::*;
use maestro_core::*;
use std::time::Instant;

const ROUNDS: usize = 30;
const PER_ROUND: usize = 2_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    for (name, d, rounds) in [
        ("normal", Durability::Normal, ROUNDS),
        ("full", Durability::Full, ROUNDS / 3),
    ] {
        let f = fixture(d);
        let s = session(&f);
        let raw = raw_timeline_db(f.dir.path(), d);
        let per_round = if d == Durability::Full {
            PER_ROUND / 10
        } else {
            PER_ROUND
        };
        let (mut ours, mut base) = (Vec::new(), Vec::new());
        let mut i = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..per_round {
                f.m.sessions().append(&s, milestone()).unwrap();
            }
            ours.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
            let t = Instant::now();
            for _ in 0..per_round {
                i += 1;
                raw_insert(&raw, true, i);
            }
            base.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
        }
        let (a, b) = (median(ours), median(base));
        println!(
            "append_interleaved/{name}: maestro {a:.1} µs, raw_rusqlite {b:.1} µs, ratio {:.2}",
            a / b
        );
    }
}
