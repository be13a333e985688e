//! Compressed archives: an export layout as one `.tar.gz` file, written deterministically
//! (the same files give the same bytes) and read back refusing anything but plain files
//! and folders inside the archive.

use crate::error::{Error, Result};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The file name suffix of a compressed archive.
pub const SUFFIX: &str = ".tar.gz";

/// Largest total size an archive may unpack to.
const MAX_UNPACKED: u64 = 4 << 30;

/// Creates the directory `dir`, readable by its owner only (it holds store data).
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    private_dirs(false).create(dir)?;
    Ok(())
}

/// Creates `dir` and its missing parents, each new one owner-only (0700); existing ones
/// keep their mode.
pub(crate) fn create_private_dir_all(dir: &Path) -> Result<()> {
    private_dirs(true).create(dir)?;
    Ok(())
}

fn private_dirs(recursive: bool) -> std::fs::DirBuilder {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(recursive);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b
}

/// Writes `bytes` as the file `path`, owner-only (0600) whatever the umask: exports and
/// archives hold sessions' `env`, which may carry secrets.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    private_file(path)?.write_all(bytes)?;
    Ok(())
}

/// Creates (or truncates) the file `path` to write, owner-only (0600) whatever the umask.
fn private_file(path: &Path) -> Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    Ok(opts.open(path)?)
}

/// `files` (relative path → content) as a gzip-compressed tar. Entries are sorted, with
/// mode 0600, owner 0 and time 0, so the bytes depend on the contents alone.
pub(crate) fn pack(files: &BTreeMap<PathBuf, String>) -> Result<Vec<u8>> {
    let gz = GzEncoder::new(Vec::new(), Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (path, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, path, content.as_bytes())?;
    }
    let gz = tar.into_inner()?;
    Ok(gz.finish()?)
}

/// Writes `bytes` as the new file `path` (mode 0600) through a temporary sibling, never
/// replacing an existing file: `path` ends complete, or is left as it was. Not synced.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(format!(".partial-{}", std::process::id()));
    let tmp = parent.join(tmp_name);
    let result = (|| -> Result<()> {
        write_private(&tmp, bytes)?;
        // A hard link fails if `path` exists, where a rename would replace it.
        std::fs::hard_link(&tmp, path)?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Unpacks the archive at `file` into the new directory `into`: regular files and
/// folders only, every path relative and inside, the total size bounded.
pub(crate) fn unpack(file: &Path, into: &Path) -> Result<()> {
    let bad = |m: String| Error::validation("import", "dir", format!("{}: {m}", file.display()));
    let f = std::fs::File::open(file)?;
    let mut tar = tar::Archive::new(GzDecoder::new(f));
    create_private_dir(into)?;
    let mut total = 0u64;
    for entry in tar.entries().map_err(|e| bad(format!("not a .tar.gz archive: {e}")))? {
        let mut entry = entry.map_err(|e| bad(format!("not a .tar.gz archive: {e}")))?;
        let rel = entry.path().map_err(|e| bad(format!("a bad path: {e}")))?.into_owned();
        if rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(bad(format!("{} leaves the archive", rel.display())));
        }
        let target = into.join(&rel);
        match entry.header().entry_type() {
            tar::EntryType::Directory => create_private_dir_all(&target)?,
            tar::EntryType::Regular => {
                total += entry.header().size().unwrap_or(0);
                if total > MAX_UNPACKED {
                    return Err(bad(format!("unpacks to more than {MAX_UNPACKED} bytes")));
                }
                if let Some(p) = target.parent() {
                    create_private_dir_all(p)?;
                }
                let mut out = private_file(&target)?;
                let copied = std::io::copy(&mut (&mut entry).take(MAX_UNPACKED), &mut out)?;
                if copied != entry.header().size().unwrap_or(0) {
                    return Err(bad(format!("{} is truncated", rel.display())));
                }
            }
            other => {
                return Err(bad(format!(
                    "{} is a {other:?} entry; only files and folders are read",
                    rel.display()
                )))
            }
        }
    }
    Ok(())
}
