//! What the fuzz targets share: the byte encoding of a directory tree (for `import_tree`),
//! which `make-seeds` writes from real exports and the target decodes from any bytes.

use std::path::Path;

/// What the `call` and `c_abi` targets' stores hold before any input, so that inputs (and
/// the seeds) can name real entities: project `prj_fuzz`, workflow `wf_fuzz` (model
/// `spec`), a registered session `ses_fuzz`, tasks `tsk_fuzz` and `tsk_next` (after it).
pub const SETUP: &[(&str, &str)] = &[
    ("projects.create", r#"{"id": "prj_fuzz", "name": "fuzz"}"#),
    (
        "workflows.create",
        r#"{"id": "wf_fuzz", "project_id": "prj_fuzz", "feature": "f", "model": "spec"}"#,
    ),
    (
        "sessions.spawn",
        r#"{"id": "ses_fuzz", "project_id": "prj_fuzz", "workflow_id": "wf_fuzz", "name": "agent"}"#,
    ),
    ("sessions.register", r#"{"id": "ses_fuzz"}"#),
    (
        "tasks.create",
        r#"{"id": "tsk_fuzz", "project_id": "prj_fuzz", "workflow_id": "wf_fuzz", "title": "first"}"#,
    ),
    (
        "tasks.create",
        r#"{"id": "tsk_next", "project_id": "prj_fuzz", "title": "next", "depends_on": ["tsk_fuzz"]}"#,
    ),
];

/// One entry of a tree: a file with its bytes, a folder, or a symlink to a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file.
    File(String, Vec<u8>),
    /// A folder.
    Dir(String),
    /// A symlink at the path, to the target (another entry's path, or a place outside).
    Link(String, String),
}

/// Decodes any bytes into entries: records of `[kind][path len][path][content len: u16 LE][content]`,
/// stopping at the first incomplete one.
pub fn decode(mut data: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let take = |n: usize, data: &mut &[u8]| -> Option<Vec<u8>> {
        if data.len() < n {
            return None;
        }
        let (head, rest) = data.split_at(n);
        *data = rest;
        Some(head.to_vec())
    };
    while let Some(kind) = take(1, &mut data) {
        let Some(len) = take(1, &mut data) else { break };
        let Some(path) = take(len[0] as usize, &mut data) else {
            break;
        };
        let Some(size) = take(2, &mut data) else { break };
        let size = u16::from_le_bytes([size[0], size[1]]) as usize;
        let Some(content) = take(size, &mut data) else { break };
        let path = String::from_utf8_lossy(&path).into_owned();
        out.push(match kind[0] % 3 {
            0 => Entry::File(path, content),
            1 => Entry::Dir(path),
            _ => Entry::Link(path, String::from_utf8_lossy(&content).into_owned()),
        });
    }
    out
}

/// Encodes entries as [`decode`] reads them (paths of at most 255 bytes, contents of at
/// most 65,535: longer ones are cut).
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let (kind, path, content): (u8, &str, &[u8]) = match e {
            Entry::File(p, c) => (0, p, c),
            Entry::Dir(p) => (1, p, &[]),
            Entry::Link(p, t) => (2, p, t.as_bytes()),
        };
        let path = &path.as_bytes()[..path.len().min(255)];
        let content = &content[..content.len().min(u16::MAX as usize)];
        out.push(kind);
        out.push(path.len() as u8);
        out.extend_from_slice(path);
        out.extend_from_slice(&(content.len() as u16).to_le_bytes());
        out.extend_from_slice(content);
    }
    out
}

/// Writes `entries` under `root`, keeping every path inside it: a component that is
/// empty, `.` or `..`, or holds a NUL, is dropped; failures (a file where a folder is
/// wanted) are skipped, as an attacker's tree would simply lack them. Symlinks point where
/// they say, inside or outside: that is what the import must refuse.
pub fn materialize(root: &Path, entries: &[Entry]) {
    let clean = |p: &str| -> Option<std::path::PathBuf> {
        let parts: Vec<&str> = p
            .split('/')
            .filter(|c| !c.is_empty() && *c != "." && *c != ".." && !c.contains('\0'))
            .collect();
        (!parts.is_empty()).then(|| root.join(parts.join("/")))
    };
    for e in entries {
        match e {
            Entry::File(p, c) => {
                if let Some(path) = clean(p) {
                    if let Some(parent) = path.parent() {
                        let _ = std::fs::create_dir_all(parent);
                    }
                    let _ = std::fs::write(path, c);
                }
            }
            Entry::Dir(p) => {
                if let Some(path) = clean(p) {
                    let _ = std::fs::create_dir_all(path);
                }
            }
            Entry::Link(p, target) => {
                if let (Some(path), false) = (clean(p), target.contains('\0')) {
                    if let Some(parent) = path.parent() {
                        let _ = std::fs::create_dir_all(parent);
                    }
                    let _ = std::os::unix::fs::symlink(target, path);
                }
            }
        }
    }
}

/// The entries of the directory tree at `root` (files with their bytes, folders, symlinks).
pub fn read_tree(root: &Path) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(dir) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        let mut names: Vec<_> = dir.flatten().collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let path = rel.join(e.file_name());
            let text = path.display().to_string();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_symlink() {
                let target = std::fs::read_link(e.path())
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                out.push(Entry::Link(text, target));
            } else if kind.is_dir() {
                out.push(Entry::Dir(text));
                stack.push(path);
            } else {
                out.push(Entry::File(text, std::fs::read(e.path()).unwrap_or_default()));
            }
        }
    }
    out
}
