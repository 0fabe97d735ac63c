//! Provider package hashes as Terraform records them in `.terraform.lock.hcl`.
//!
//! `h1:` is Go's `dirhash.Hash1` over the package's files: for every file (relative path with
//! `/`, sorted) the line `hex(sha256(contents)) + "  " + path + "\n"`, and the hash is
//! `base64(sha256(all lines))`. It is the same for a zip archive and for its unpacked
//! directory, so it can check either. `zh:` is the hex SHA-256 of the zip archive itself (what
//! registries publish in their `SHA256SUMS`).

use std::io::Read;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// A file could not be read.
    #[error("hashing {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The archive is not a readable zip file.
    #[error("hashing {path}: not a zip archive: {message}")]
    Zip {
        /// The archive.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A file name contains a newline, which `h1:` cannot represent.
    #[error("hashing: file name {0:?} contains a newline")]
    Name(String),
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hash1(mut entries: Vec<(String, [u8; 32])>) -> Result<String, HashError> {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = Sha256::new();
    for (name, digest) in &entries {
        if name.contains('\n') {
            return Err(HashError::Name(name.clone()));
        }
        summary.update(format!("{}  {name}\n", hex(digest)).as_bytes());
    }
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    ))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> HashError + '_ {
    move |source| HashError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The `h1:` hash of an unpacked package directory; fails when a file cannot be read.
pub fn h1_dir(dir: &Path) -> Result<String, HashError> {
    let mut entries = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io(&d))? {
            let e = e.map_err(io(&d))?;
            let p = e.path();
            let ft = e.file_type().map_err(io(&p))?;
            if ft.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let mut f = std::fs::File::open(&p).map_err(io(&p))?;
            let mut h = Sha256::new();
            std::io::copy(&mut f, &mut h).map_err(io(&p))?;
            entries.push((rel, h.finalize().into()));
        }
    }
    hash1(entries)
}

/// The `h1:` hash of a zip package (over its files, as for the unpacked directory).
pub fn h1_zip(zip: &Path) -> Result<String, HashError> {
    let zerr = |m: String| HashError::Zip {
        path: zip.display().to_string(),
        message: m,
    };
    let f = std::fs::File::open(zip).map_err(io(zip))?;
    let mut a = zip::ZipArchive::new(f).map_err(|e| zerr(e.to_string()))?;
    let mut entries = Vec::new();
    for i in 0..a.len() {
        let mut file = a.by_index(i).map_err(|e| zerr(e.to_string()))?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().map_err(|e| zerr(e.to_string()))?.to_string();
        let mut h = Sha256::new();
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).map_err(io(zip))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        entries.push((name, h.finalize().into()));
    }
    hash1(entries)
}

/// The `zh:` hash of a zip archive.
pub fn zh(zip: &Path) -> Result<String, HashError> {
    let mut f = std::fs::File::open(zip).map_err(io(zip))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(io(zip))?;
    Ok(format!("zh:{}", hex(&h.finalize())))
}

/// Unpacks a provider zip into `dest` (created), keeping the executable bit; fails on an
/// unreadable archive or an entry that would land outside `dest`.
pub fn unpack_zip(zip: &Path, dest: &Path) -> Result<(), HashError> {
    let zerr = |m: String| HashError::Zip {
        path: zip.display().to_string(),
        message: m,
    };
    let f = std::fs::File::open(zip).map_err(io(zip))?;
    let mut a = zip::ZipArchive::new(f).map_err(|e| zerr(e.to_string()))?;
    std::fs::create_dir_all(dest).map_err(io(dest))?;
    for i in 0..a.len() {
        let mut file = a.by_index(i).map_err(|e| zerr(e.to_string()))?;
        let Some(rel) = file.enclosed_name() else {
            return Err(zerr(format!("unsafe entry name {:?}", file.name())));
        };
        let out = dest.join(rel);
        if file.is_dir() {
            std::fs::create_dir_all(&out).map_err(io(&out))?;
            continue;
        }
        if let Some(p) = out.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        let mut w = std::fs::File::create(&out).map_err(io(&out))?;
        std::io::copy(&mut file, &mut w).map_err(io(&out))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.unix_mode().unwrap_or(0o644) | 0o600;
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode & 0o777))
                .map_err(io(&out))?;
        }
    }
    Ok(())
}
