//! The schema version check of an open that must not migrate (a read-only open): the
//! same words on every backend.

use crate::error::{Error, Result};

/// What the refusal of a database without Maestro's schema says.
pub(crate) const NOT_A_STORE: &str = "is not a Maestro store";

/// `Ok` when a store at schema version `have` can be read by a library whose newest
/// migration is `latest` without migrating it; otherwise an [`Error::Incompatible`]
/// that names `store` and says what to do.
pub(crate) fn readable(have: usize, latest: usize, store: &str) -> Result<()> {
    if have == 0 {
        return Err(Error::Incompatible(format!(
            "{store} {NOT_A_STORE} (it has no Maestro schema); open it writable once to create one"
        )));
    }
    if have < latest {
        return Err(Error::Incompatible(format!(
            "{store} has schema version {have}, this Maestro reads version {latest}: run `maestro migrate` (or open it once without read_only) to migrate it"
        )));
    }
    if have > latest {
        return Err(Error::Incompatible(format!(
            "{store} has schema version {have}, newer than this library's {latest}: upgrade Maestro to read it"
        )));
    }
    Ok(())
}
