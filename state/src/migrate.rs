//! Moving state from one backend to another (`hangar init --migrate-state`).
//!
//! [`migrate`] copies the source's current state (its snapshot with any journal replayed) to
//! the target as one whole-document write. It does not take locks (the caller holds both), copy
//! backups, or delete the source: the old state stays where it was until the user removes it.

use crate::backend::Backend;
use crate::error::StateError;

/// Copies the state in `from` to `to`.
///
/// Nothing is written when `from` holds no state, or when `to` already holds exactly it.
/// Fails with [`StateError::LineageMismatch`] when `to` holds a non-empty state of another
/// lineage, with [`StateError::StaleSerial`] when `to` holds a newer version of the same
/// state, and with either backend's storage errors.
pub fn migrate(from: &dyn Backend, to: &dyn Backend) -> Result<(), StateError> {
    let Some(doc) = from.read()? else {
        return Ok(());
    };
    if let Some(existing) = to.read()? {
        if existing == doc {
            return Ok(());
        }
        if existing.lineage != doc.lineage && !existing.is_empty() {
            return Err(StateError::LineageMismatch {
                stored: existing.lineage,
                given: doc.lineage,
            });
        }
    }
    to.write(&doc)
}
