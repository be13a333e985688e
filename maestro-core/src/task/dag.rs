//! Dependency-graph algorithms: cycle detection, topological order and parallel layers.
//! Pure functions over ids, so every storage backend gets the same answers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Whether adding the edge `task → depends_on` would close a cycle, given the existing
/// `(task, depends_on)` edges. Returns the cycle path (`depends_on … task`) if so.
pub fn cycle_through(edges: &[(String, String)], task: &str, depends_on: &str) -> Option<Vec<String>> {
    if task == depends_on {
        return Some(vec![task.to_owned(), task.to_owned()]);
    }
    let mut deps: HashMap<&str, Vec<&str>> = HashMap::new();
    for (t, d) in edges {
        deps.entry(t.as_str()).or_default().push(d.as_str());
    }
    // A cycle exists iff `task` is reachable from `depends_on` along dependencies.
    let mut parent: HashMap<&str, &str> = HashMap::new();
    let mut stack = vec![depends_on];
    let mut seen = BTreeSet::from([depends_on]);
    while let Some(n) = stack.pop() {
        if n == task {
            let mut path = vec![task.to_owned()];
            let mut cur = task;
            while let Some(p) = parent.get(cur) {
                path.push((*p).to_owned());
                cur = p;
            }
            path.reverse();
            path.insert(0, task.to_owned());
            return Some(path);
        }
        for d in deps.get(n).into_iter().flatten() {
            if seen.insert(d) {
                parent.insert(d, n);
                stack.push(d);
            }
        }
    }
    None
}

/// Groups `nodes` into layers: every node's dependencies (restricted to `nodes`) lie in
/// earlier layers, and each node sits in the earliest layer possible. Within a layer,
/// nodes keep the order of `nodes`. Returns `Err(remaining)` when the edges hold a cycle.
pub fn layers(nodes: &[String], edges: &[(String, String)]) -> Result<Vec<Vec<String>>, Vec<String>> {
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let mut indegree = vec![0usize; nodes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut unique = BTreeSet::new();
    for (t, d) in edges {
        if let (Some(&ti), Some(&di)) = (index.get(t.as_str()), index.get(d.as_str())) {
            if unique.insert((ti, di)) {
                indegree[ti] += 1;
                dependents[di].push(ti);
            }
        }
    }
    let mut current: Vec<usize> = (0..nodes.len()).filter(|&i| indegree[i] == 0).collect();
    let mut out = Vec::new();
    let mut placed = 0;
    while !current.is_empty() {
        placed += current.len();
        let mut next = BTreeMap::new();
        for &n in &current {
            for &m in &dependents[n] {
                indegree[m] -= 1;
                if indegree[m] == 0 {
                    next.insert(m, ());
                }
            }
        }
        out.push(current.iter().map(|&i| nodes[i].clone()).collect());
        current = next.into_keys().collect();
    }
    if placed != nodes.len() {
        return Err((0..nodes.len())
            .filter(|&i| indegree[i] > 0)
            .map(|i| nodes[i].clone())
            .collect());
    }
    Ok(out)
}

/// A topological order of `nodes` (dependencies first): the layers, flattened.
pub fn topological_order(nodes: &[String], edges: &[(String, String)]) -> Result<Vec<String>, Vec<String>> {
    layers(nodes, edges).map(|l| l.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }
    fn e(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn detects_direct_and_transitive_cycles() {
        let edges = e(&[("b", "a"), ("c", "b")]);
        assert_eq!(cycle_through(&edges, "a", "c"), Some(s(&["a", "c", "b", "a"])));
        assert_eq!(cycle_through(&edges, "a", "b"), Some(s(&["a", "b", "a"])));
        assert_eq!(cycle_through(&edges, "a", "a"), Some(s(&["a", "a"])));
        assert_eq!(
            cycle_through(&edges, "c", "a"),
            None,
            "c → a is a shortcut, not a cycle"
        );
        assert_eq!(cycle_through(&edges, "d", "c"), None);
    }

    #[test]
    fn layers_of_a_diamond() {
        let nodes = s(&["a", "b", "c", "d"]);
        let edges = e(&[("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")]);
        assert_eq!(
            layers(&nodes, &edges).unwrap(),
            vec![s(&["a"]), s(&["b", "c"]), s(&["d"])]
        );
        assert_eq!(topological_order(&nodes, &edges).unwrap(), s(&["a", "b", "c", "d"]));
    }

    #[test]
    fn edges_outside_the_set_are_ignored_and_cycles_reported() {
        let nodes = s(&["x", "y"]);
        assert_eq!(layers(&nodes, &e(&[("x", "zzz")])).unwrap(), vec![s(&["x", "y"])]);
        let cyclic = e(&[("x", "y"), ("y", "x")]);
        assert_eq!(layers(&nodes, &cyclic).unwrap_err(), s(&["x", "y"]));
    }

    #[test]
    fn every_edge_points_backwards_in_a_random_dag() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..50 {
            let n = 40;
            let nodes: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
            let mut edges = Vec::new();
            for i in 0..n {
                for j in 0..i {
                    if rnd() % 7 == 0 {
                        edges.push((nodes[i].clone(), nodes[j].clone()));
                    }
                }
            }
            let order = topological_order(&nodes, &edges).unwrap();
            let pos: HashMap<_, _> = order.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
            assert_eq!(order.len(), n);
            for (t, d) in &edges {
                assert!(pos[d] < pos[t], "{d} must come before {t}");
            }
        }
    }
}
