//! Finding the store: `--db`, then `MAESTRO_DB`, then `.flow/maestro/state.db` in the
//! current directory or the nearest parent, the way git finds its repository.

use std::path::{Path, PathBuf};

/// Where the store is looked for below a project's root.
pub(crate) const DEFAULT_STORE: &str = ".flow/maestro/state.db";

/// How the store was found.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub(crate) enum Found {
    /// `--db`.
    Flag,
    /// The `MAESTRO_DB` environment variable.
    Env,
    /// `.flow/maestro/state.db` in `dir`, searched from `from` upwards.
    Discovered { from: PathBuf, dir: PathBuf },
}

/// The store to open.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    /// A file path or a `postgres://` URL, as given.
    pub target: String,
    /// How it was found.
    pub found: Found,
}

impl Location {
    /// What `info` says about how the store was found.
    pub(crate) fn how(&self) -> String {
        match &self.found {
            Found::Flag => "given with --db".to_owned(),
            Found::Env => "given by $MAESTRO_DB".to_owned(),
            Found::Discovered { from, dir } if from == dir => {
                format!("found {DEFAULT_STORE} in the current directory {}", dir.display())
            }
            Found::Discovered { from, dir } => format!(
                "found {DEFAULT_STORE} in {}, searching up from {}",
                dir.display(),
                from.display()
            ),
        }
    }
}

/// No store was given and none was found.
#[derive(Debug)]
pub(crate) struct NotFound {
    /// Where the search began.
    pub from: PathBuf,
    /// The last directory searched.
    pub last: PathBuf,
    /// Why the search stopped there.
    pub stopped: &'static str,
}

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no Maestro store found: looked for {DEFAULT_STORE} in {} and its parents up to {} ({}); \
             pass --db PATH|URL or set MAESTRO_DB (nothing was created)",
            self.from.display(),
            self.last.display(),
            self.stopped
        )
    }
}

/// The store named by `flag`, else by `MAESTRO_DB`, else found from the current directory.
pub(crate) fn locate(flag: Option<&str>) -> Result<Location, NotFound> {
    if let Some(target) = flag.filter(|s| !s.is_empty()) {
        return Ok(Location {
            target: target.to_owned(),
            found: Found::Flag,
        });
    }
    if let Some(target) = std::env::var("MAESTRO_DB").ok().filter(|s| !s.is_empty()) {
        return Ok(Location {
            target,
            found: Found::Env,
        });
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let home = std::env::var_os("HOME").map(PathBuf::from);
    discover(&cwd, home.as_deref())
}

/// Searches `from` and its parents for [`DEFAULT_STORE`]; stops after `home`, before a
/// parent on another file system, and at the root.
pub(crate) fn discover(from: &Path, home: Option<&Path>) -> Result<Location, NotFound> {
    let mut dir = from.to_path_buf();
    loop {
        let candidate = dir.join(DEFAULT_STORE);
        if candidate.is_file() {
            return Ok(Location {
                target: candidate.display().to_string(),
                found: Found::Discovered {
                    from: from.to_path_buf(),
                    dir,
                },
            });
        }
        let stop = |stopped| NotFound {
            from: from.to_path_buf(),
            last: dir.clone(),
            stopped,
        };
        if home.is_some_and(|h| h == dir) {
            return Err(stop("stopped at $HOME"));
        }
        let Some(parent) = dir.parent().map(Path::to_path_buf) else {
            return Err(stop("reached the root"));
        };
        if !same_file_system(&dir, &parent) {
            return Err(stop("stopped at the file system's boundary"));
        }
        dir = parent;
    }
}

#[cfg(unix)]
fn same_file_system(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file_system(_: &Path, _: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_store_and_stops_at_home() {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("home/me/project");
        let deep = project.join("src/a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(project.join(".flow/maestro")).unwrap();
        std::fs::write(project.join(DEFAULT_STORE), b"").unwrap();
        let home = root.path().join("home/me");

        let found = discover(&deep, Some(&home)).unwrap();
        assert_eq!(PathBuf::from(&found.target), project.join(DEFAULT_STORE));
        assert!(found.how().contains("searching up from"), "{}", found.how());

        // A store above $HOME is not looked at.
        std::fs::create_dir_all(root.path().join("home/.flow/maestro")).unwrap();
        std::fs::write(root.path().join("home").join(DEFAULT_STORE), b"").unwrap();
        let elsewhere = home.join("other");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let missing = discover(&elsewhere, Some(&home)).unwrap_err();
        assert_eq!(missing.last, home);
        assert!(missing.to_string().contains("stopped at $HOME"), "{missing}");
    }
}
