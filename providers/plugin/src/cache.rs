//! Provider schemas cached on disk, one file per plugin build, because `GetProviderSchema` of a
//! large provider takes seconds.
//!
//! A file holds the protocol 6 `GetProviderSchema` answer in protobuf form (so reading it back is
//! one prost decode, and a protocol 5 answer is stored converted). It is named for the provider,
//! its version and a hash of what identifies the build: the caller's key (a lock-file hash)
//! or else the executable's canonical path, size and modification time, so a rebuilt or
//! upgraded plugin never reads another build's schema. Files are written atomically (temporary
//! file, then rename). A cache that cannot be read or written is skipped with a warning, never
//! an error.

use std::path::{Path, PathBuf};

use prost::Message;
use sha2::{Digest, Sha256};

use crate::proto::tfplugin6 as v6;

/// The cache file for the plugin at `exe` with this name, version and optional build key.
pub fn cache_path(
    dir: &Path,
    exe: &Path,
    name: &str,
    version: Option<&str>,
    key: Option<&str>,
) -> PathBuf {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0]);
    h.update(version.unwrap_or("").as_bytes());
    h.update([0]);
    match key {
        Some(k) => h.update(k.as_bytes()),
        None => {
            let canon = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
            h.update(canon.to_string_lossy().as_bytes());
            if let Ok(m) = std::fs::metadata(&canon) {
                h.update(m.len().to_le_bytes());
                if let Ok(t) = m.modified() {
                    if let Ok(d) = t.duration_since(std::time::UNIX_EPOCH) {
                        h.update(d.as_nanos().to_le_bytes());
                    }
                }
            }
        }
    }
    let digest = h.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!(
        "{safe}-{}-{hex}.pb",
        version.unwrap_or("unversioned")
    ))
}

/// The cached answer at `path`, if there is a readable one.
pub fn load(path: &Path) -> Option<v6::get_provider_schema::Response> {
    let bytes = std::fs::read(path).ok()?;
    match v6::get_provider_schema::Response::decode(bytes.as_slice()) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(target: "hangar::plugin", path = %path.display(), "ignoring unreadable schema cache: {e}");
            None
        }
    }
}

/// Stores an answer at `path`; failures are logged and otherwise ignored.
pub fn store(path: &Path, resp: &v6::get_provider_schema::Response) {
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, resp.encode_to_vec())?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        tracing::warn!(target: "hangar::plugin", path = %path.display(), "could not cache the provider schema: {e}");
    }
}

/// The default cache directory: `$XDG_CACHE_HOME/hangar/plugin-schemas`, else
/// `~/.cache/hangar/plugin-schemas`; `None` when neither is known.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("hangar/plugin-schemas"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".cache/hangar/plugin-schemas"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_change_with_the_build_and_files_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let exe = dir.path().join("terraform-provider-x");
        std::fs::write(&exe, b"one").expect("write");
        let a = cache_path(dir.path(), &exe, "x", Some("1.0.0"), None);
        std::fs::write(&exe, b"two!").expect("write");
        let b = cache_path(dir.path(), &exe, "x", Some("1.0.0"), None);
        assert_ne!(a, b, "a different build must not share a cache entry");
        let k1 = cache_path(dir.path(), &exe, "x", Some("1.0.0"), Some("h1:abc"));
        let k2 = cache_path(dir.path(), &exe, "x", Some("1.0.0"), Some("h1:abd"));
        assert_ne!(k1, k2);
        let resp = v6::get_provider_schema::Response {
            resource_schemas: [("x_thing".to_string(), v6::Schema::default())].into(),
            ..Default::default()
        };
        store(&a, &resp);
        assert_eq!(load(&a), Some(resp));
        std::fs::write(&b, b"\xff\xff garbage").expect("write");
        assert_eq!(load(&b), None);
    }
}
