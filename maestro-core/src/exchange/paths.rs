//! File names built from ids. Ids are `[a-z0-9_]{1,64}` by construction, but an export
//! never relies on that: every component is checked again here, so no id — whatever a
//! tampered database or a future id scheme holds — can name a file outside the export
//! directory.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// `dir/<folder>/<id><suffix>` (or `dir/<folder>/<id>/<suffix>` when `suffix` starts
/// with `/`), after checking that `id` is one safe path component.
pub(crate) fn entity_path(dir: &Path, folder: &str, id: &str, suffix: &str) -> Result<PathBuf> {
    let safe = !id.is_empty()
        && id.len() <= crate::id::MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !safe {
        return Err(Error::validation(
            "export",
            format!("/{folder}"),
            format!("id {:?} cannot be a file name", id.escape_debug().to_string()),
        ));
    }
    Ok(match suffix.strip_prefix('/') {
        Some(file) => dir.join(folder).join(id).join(file),
        None => dir.join(folder).join(format!("{id}{suffix}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_never_name_a_path_outside_the_directory() {
        let dir = Path::new("/tmp/export");
        let long = "a".repeat(65);
        for id in [
            "../x",
            "..",
            "/etc/passwd",
            "a/b",
            "a\0b",
            "",
            "A",
            "a.b",
            "a\\b",
            long.as_str(),
            "é",
        ] {
            assert!(entity_path(dir, "tasks", id, ".json").is_err(), "{id:?}");
        }
        let p = entity_path(dir, "workflows", "wf_1", "/metadata.json").unwrap();
        assert_eq!(p, Path::new("/tmp/export/workflows/wf_1/metadata.json"));
        assert!(entity_path(dir, "tasks", &"a".repeat(64), ".json")
            .unwrap()
            .starts_with(dir));
    }
}
