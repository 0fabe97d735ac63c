//! Crash-safe file replacement for the local backend.
//!
//! A file is replaced by writing a uniquely named temp file in the same directory, syncing it,
//! renaming it over the target and syncing the directory, so readers and crashes see either
//! the old or the new content, never a truncated file. The previous content can be kept as a
//! backup: it is hard-linked (copied where links are unsupported) to a temp name and renamed
//! onto the backup path before the target is replaced. Temp files left by a crash are not
//! cleaned up here.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::error::StateError;

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates the directory holding `path` if it does not exist.
pub(crate) fn ensure_parent(path: &Path) -> Result<(), StateError> {
    let dir = parent_dir(path);
    fs::create_dir_all(&dir).map_err(StateError::io("create directory", dir))
}

/// A temp path beside `path` that no other writer uses.
pub(crate) fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_dir(path).join(format!(".{name}.tmp-{}", uuid::Uuid::new_v4().simple()))
}

/// The bytes of `path`, or `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StateError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::Io {
            op: "read",
            path: path.into(),
            source: e,
        }),
    }
}

/// Makes the directory entry changes in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StateError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(StateError::io("sync directory", dir))
}

/// Writes `bytes` to a new synced temp file beside `path` and returns the temp file's path.
pub(crate) fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, StateError> {
    let tmp = temp_beside(path);
    let result = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(StateError::Io {
                op: "write",
                path: tmp,
                source: e,
            })
        }
    }
}

/// Renames `from` onto `to`, removing `from` if that fails.
pub(crate) fn rename_or_discard(from: &Path, to: &Path) -> Result<(), StateError> {
    fs::rename(from, to).map_err(|e| {
        let _ = fs::remove_file(from);
        StateError::Io {
            op: "replace",
            path: to.into(),
            source: e,
        }
    })
}

/// Replaces `path` with `bytes` atomically; with `backup`, keeps the old content there.
pub(crate) fn replace(path: &Path, bytes: &[u8], backup: Option<&Path>) -> Result<(), StateError> {
    let tmp = write_temp(path, bytes)?;
    if let Some(backup) = backup {
        if let Err(e) = keep_backup(path, backup) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    }
    rename_or_discard(&tmp, path)?;
    sync_dir(&parent_dir(path))
}

/// Points `backup` at the current content of `path`, if there is any.
fn keep_backup(path: &Path, backup: &Path) -> Result<(), StateError> {
    let tmp = temp_beside(backup);
    match fs::hard_link(path, &tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(_) => {
            let copied = fs::copy(path, &tmp).and_then(|_| File::open(&tmp)?.sync_all());
            match copied {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    let _ = fs::remove_file(&tmp);
                    return Ok(());
                }
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    return Err(StateError::Io {
                        op: "back up",
                        path: path.into(),
                        source: e,
                    });
                }
            }
        }
    }
    rename_or_discard(&tmp, backup)
}

/// Removes `path` if it exists and makes the removal durable.
pub(crate) fn remove_durably(path: &Path) -> Result<(), StateError> {
    match fs::remove_file(path) {
        Ok(()) => sync_dir(&parent_dir(path)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StateError::Io {
            op: "remove",
            path: path.into(),
            source: e,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_keeps_previous_content_as_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.json");
        let backup = dir.path().join("s.json.backup");
        replace(&path, b"one", Some(&backup)).expect("first write");
        assert!(!backup.exists(), "nothing to back up the first time");
        replace(&path, b"two", Some(&backup)).expect("second write");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert_eq!(fs::read(&backup).expect("read backup"), b"one");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "temp files left behind: {leftovers:?}"
        );
    }

    #[test]
    fn missing_file_reads_as_none_and_removal_is_idempotent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absent");
        assert_eq!(read_optional(&path).expect("read"), None);
        remove_durably(&path).expect("removing a missing file is fine");
    }
}
