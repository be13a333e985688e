//! Built without the `git` feature: no repository is ever opened, so every checkpoint is
//! state-only. `Repo` has no values; its methods exist only so callers compile alike.

use crate::error::Result;
use std::path::Path;

pub(crate) enum Repo {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reset {
    Mixed,
    Hard,
}

impl Repo {
    pub(crate) fn open(_root: &Path) -> Result<Option<Repo>> {
        Ok(None)
    }
    pub(crate) fn open_to_read(_root: &Path) -> Result<Option<Repo>> {
        Ok(None)
    }
    #[cfg(feature = "cli")]
    pub(crate) fn inspect(_root: &Path) -> Result<Option<Repo>> {
        Ok(None)
    }
    #[cfg(feature = "cli")]
    pub(crate) fn lock_files(&self) -> Vec<super::GitLock> {
        match *self {}
    }
    #[cfg(feature = "cli")]
    pub(crate) fn clear_stale_locks(&mut self) -> Result<Vec<super::GitLock>> {
        match *self {}
    }
    pub(crate) fn commit_all(&self, _message: &str) -> Result<String> {
        match *self {}
    }
    pub(crate) fn tag(&self, _id: &str, _sha: &str) -> Result<()> {
        match *self {}
    }
    pub(crate) fn delete_tag(&self, _id: &str) -> Result<bool> {
        match *self {}
    }
    pub(crate) fn safety_refs_before(&self, _before_ms: i64) -> Result<Vec<String>> {
        match *self {}
    }
    pub(crate) fn delete_ref(&self, _name: &str) -> Result<()> {
        match *self {}
    }
    pub(crate) fn has_commit(&self, _sha: &str) -> Result<bool> {
        match *self {}
    }
    pub(crate) fn check_can_reset(&self) -> Result<()> {
        match *self {}
    }
    pub(crate) fn save_safety(&self, _name: &str, _target: &str) -> Result<String> {
        match *self {}
    }
    pub(crate) fn reset(&self, _sha: &str, _mode: Reset) -> Result<()> {
        match *self {}
    }
    pub(crate) fn changed_files(&self, _a: &str, _b: &str) -> Result<Vec<String>> {
        match *self {}
    }
}
