//! The docs cache (SPEC §3.9, seed 002): library documentation an agent fetched, kept
//! per library and version until it expires. It is a cache of third-party text, not
//! orchestrator state: it belongs to the store rather than a project, and writes no
//! change-feed event.

use super::model::DocsEntry;
use super::Learning;
use crate::error::{Error, Result};
use crate::project::check_text;
use crate::time::{now_ms, Timestamp};
use std::time::Duration;

/// How long an entry lives unless the call says otherwise (the config's
/// `retention.docs_cache_days` default).
pub const DEFAULT_TTL: Duration = Duration::from_secs(7 * 86_400);
/// Largest cached document, in bytes.
pub const MAX_CONTENT: usize = 4 * 1024 * 1024;

impl Learning<'_> {
    /// Caches `content` for `library` at `version`, replacing any earlier entry, for
    /// `ttl` (default 7 days). Expired entries of every library are removed on the way.
    pub fn cache_docs(&self, library: &str, version: &str, content: &str, ttl: Option<Duration>) -> Result<DocsEntry> {
        check_text("docs_cache", "/library", library, 256)?;
        check_text("docs_cache", "/version", version, 256)?;
        if content.len() > MAX_CONTENT {
            return Err(Error::validation(
                "docs_cache",
                "/content",
                format!("longer than {MAX_CONTENT} bytes ({})", content.len()),
            ));
        }
        let ttl = ttl.unwrap_or(DEFAULT_TTL);
        if ttl.is_zero() || ttl > Duration::from_secs(36_500 * 86_400) {
            return Err(Error::validation(
                "docs_cache",
                "/ttl_seconds",
                "must be above 0 and at most 100 years",
            ));
        }
        let now = now_ms();
        let e = DocsEntry {
            library: library.to_owned(),
            version: version.to_owned(),
            content: content.to_owned(),
            stored_at: Timestamp(now),
            expires_at: Timestamp(now + ttl.as_millis().max(1) as i64),
        };
        self.0.write(|tx| tx.put_docs(&e, now))?;
        Ok(e)
    }

    /// The cached documentation of `library` at `version`; `None` when there is none or
    /// it expired.
    pub fn cached_docs(&self, library: &str, version: &str) -> Result<Option<DocsEntry>> {
        self.0.read(|tx| tx.docs(library, version, now_ms()))
    }
}
