//! A small Terraform provider registry and provider network mirror over HTTPS on 127.0.0.1,
//! following the documented protocols, serving provider packages (zips) for this machine's
//! platform:
//!
//! - registry: service discovery (`/.well-known/terraform.json` → `providers.v1` =
//!   `/v1/providers/`), `GET /v1/providers/NAMESPACE/TYPE/versions` and
//!   `GET /v1/providers/NAMESPACE/TYPE/VERSION/download/OS/ARCH`, whose answer names the zip,
//!   the version's `SHA256SUMS` file and its signature under `/files/` by relative addresses;
//! - network mirror under `/mirror/`: `HOST/NAMESPACE/TYPE/index.json` and
//!   `HOST/NAMESPACE/TYPE/VERSION.json` (the archive's `url` relative to it, `hashes` with its
//!   `h1:` and `zh:`).
//!
//! `SHA256SUMS` lists a second, made-up platform too, as real ones list several. With
//! [`ProviderServer::tamper`] on, every zip served is a different (valid) package than the one
//! hashes and checksums describe. Its certificate is trusted through [`ProviderServer::ca_file`]
//! (`SSL_CERT_FILE`); every request path is recorded. Leaves out the signature itself (the
//! `.sig` address answers 404 and `signing_keys` is empty), authentication and warnings.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hyper::StatusCode;
use serde::Serialize;

use crate::https_server::{bytes, json, status, HttpsServer, Reply};

/// One provider version the server offers: the zip it serves and the one it serves instead when
/// tampering.
#[derive(Debug, Clone)]
pub struct Package {
    /// `NAMESPACE/TYPE`.
    pub provider: String,
    /// Version.
    pub version: String,
    /// The package, a zip.
    pub zip: Vec<u8>,
    /// Another valid zip, served while tampering.
    pub tampered: Vec<u8>,
}

#[derive(Serialize)]
struct Discovery {
    #[serde(rename = "providers.v1")]
    providers_v1: String,
}

#[derive(Serialize)]
struct VersionsDoc {
    versions: Vec<VersionEntry>,
}

#[derive(Serialize)]
struct VersionEntry {
    version: String,
    protocols: Vec<String>,
    platforms: Vec<PlatformEntry>,
}

#[derive(Serialize)]
struct PlatformEntry {
    os: String,
    arch: String,
}

#[derive(Serialize)]
struct DownloadDoc {
    protocols: Vec<String>,
    os: String,
    arch: String,
    filename: String,
    download_url: String,
    shasums_url: String,
    shasums_signature_url: String,
    shasum: String,
    signing_keys: SigningKeys,
}

#[derive(Serialize)]
struct SigningKeys {
    gpg_public_keys: Vec<()>,
}

#[derive(Serialize)]
struct IndexDoc {
    versions: BTreeMap<String, Empty>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct MirrorVersionDoc {
    archives: BTreeMap<String, Archive>,
}

#[derive(Serialize)]
struct Archive {
    url: String,
    hashes: Vec<String>,
}

struct Shared {
    packages: Vec<Package>,
    platform: String,
    tamper: AtomicBool,
}

/// A running registry and network mirror; stopped when dropped.
pub struct ProviderServer {
    /// `localhost:PORT`: a provider source host that discovers this registry.
    pub host: String,
    server: HttpsServer,
    shared: Arc<Shared>,
}

/// A made-up second platform listed in `SHA256SUMS`.
pub const OTHER_PLATFORM: &str = "plan9_mips";

fn hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The `h1:` hash of a zip package (through a temporary file, with the installer's code).
///
/// Panics when the zip cannot be hashed (test support).
pub fn h1(zip: &[u8]) -> String {
    // One file per call: tests hashing the same zip at once must not share (and remove) it.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("hangar-h1-{}-{n}-{}", std::process::id(), hex(zip)));
    std::fs::write(&dir, zip).expect("write the zip");
    let h = hangar_provider_plugin::install::hash::h1_zip(&dir).expect("h1 of the zip");
    let _ = std::fs::remove_file(&dir);
    h
}

/// The `zh:` hash of a zip package.
pub fn zh(zip: &[u8]) -> String {
    format!("zh:{}", hex(zip))
}

/// The `zh:` hash `SHA256SUMS` lists for [`OTHER_PLATFORM`].
pub fn other_platform_zh(p: &Package) -> String {
    format!(
        "zh:{}",
        hex(format!("{}{}", p.provider, p.version).as_bytes())
    )
}

impl ProviderServer {
    /// Starts serving `packages` on a free port.
    ///
    /// Panics when the port, certificate or thread cannot be had (test support).
    pub fn start(packages: Vec<Package>) -> ProviderServer {
        let shared = Arc::new(Shared {
            packages,
            platform: hangar_provider_plugin::install::mirror::current_platform(),
            tamper: AtomicBool::new(false),
        });
        let kept = Arc::clone(&shared);
        let server = HttpsServer::start(
            "provider-registry",
            Arc::new(move |path: &str| handle(&kept, path)),
        );
        ProviderServer {
            host: server.host.clone(),
            server,
            shared,
        }
    }

    /// The registry's `providers.v1` base address.
    pub fn registry_url(&self) -> String {
        format!("https://{}/v1/providers/", self.host)
    }

    /// The network mirror's base address.
    pub fn mirror_url(&self) -> String {
        format!("https://{}/mirror/", self.host)
    }

    /// Serves other zips than the hashes describe while `on`.
    pub fn tamper(&self, on: bool) {
        self.shared.tamper.store(on, Ordering::SeqCst);
    }

    /// The PEM file of the server's certificate, for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> PathBuf {
        self.server.ca_file()
    }

    /// Every request path served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }
}

fn file_name(p: &Package, platform: &str) -> String {
    let type_name = p.provider.split('/').nth(1).unwrap_or_default();
    format!(
        "terraform-provider-{type_name}_{}_{platform}.zip",
        p.version
    )
}

fn shasums_name(p: &Package) -> String {
    let type_name = p.provider.split('/').nth(1).unwrap_or_default();
    format!("terraform-provider-{type_name}_{}_SHA256SUMS", p.version)
}

fn zip_reply(shared: &Shared, p: &Package) -> Reply {
    let body = if shared.tamper.load(Ordering::SeqCst) {
        p.tampered.clone()
    } else {
        p.zip.clone()
    };
    bytes("application/zip", body)
}

fn handle(shared: &Shared, path: &str) -> Reply {
    let platform = shared.platform.as_str();
    let find = |provider: &str, version: Option<&str>| {
        shared
            .packages
            .iter()
            .filter(|p| p.provider == provider && version.is_none_or(|v| p.version == v))
            .collect::<Vec<_>>()
    };
    if path == "/.well-known/terraform.json" {
        return json(&Discovery {
            providers_v1: "/v1/providers/".into(),
        });
    }
    if let Some(rest) = path.strip_prefix("/v1/providers/") {
        let parts: Vec<&str> = rest.split('/').collect();
        return match parts.as_slice() {
            [n, t, "versions"] => {
                let found = find(&format!("{n}/{t}"), None);
                if found.is_empty() {
                    return status(StatusCode::NOT_FOUND);
                }
                let (os, arch) = platform.split_once('_').unwrap_or((platform, ""));
                json(&VersionsDoc {
                    versions: found
                        .iter()
                        .map(|p| VersionEntry {
                            version: p.version.clone(),
                            protocols: vec!["5.0".into(), "6.0".into()],
                            platforms: vec![PlatformEntry {
                                os: os.into(),
                                arch: arch.into(),
                            }],
                        })
                        .collect(),
                })
            }
            [n, t, v, "download", os, arch] if format!("{os}_{arch}") == platform => {
                let Some(p) = find(&format!("{n}/{t}"), Some(v)).into_iter().next() else {
                    return status(StatusCode::NOT_FOUND);
                };
                let filename = file_name(p, platform);
                json(&DownloadDoc {
                    protocols: vec!["6.0".into()],
                    os: (*os).into(),
                    arch: (*arch).into(),
                    download_url: format!("/files/{filename}"),
                    shasums_url: format!("/files/{}", shasums_name(p)),
                    shasums_signature_url: format!("/files/{}.sig", shasums_name(p)),
                    shasum: hex(&p.zip),
                    filename,
                    signing_keys: SigningKeys {
                        gpg_public_keys: Vec::new(),
                    },
                })
            }
            _ => status(StatusCode::NOT_FOUND),
        };
    }
    if let Some(name) = path.strip_prefix("/files/") {
        for p in &shared.packages {
            if name == file_name(p, platform) {
                return zip_reply(shared, p);
            }
            if name == shasums_name(p) {
                let other = other_platform_zh(p);
                let text = format!(
                    "{}  {}\n{}  {}\n",
                    hex(&p.zip),
                    file_name(p, platform),
                    other.trim_start_matches("zh:"),
                    file_name(p, OTHER_PLATFORM),
                );
                return bytes("text/plain", text.into_bytes());
            }
        }
        return status(StatusCode::NOT_FOUND);
    }
    if let Some(rest) = path.strip_prefix("/mirror/") {
        let parts: Vec<&str> = rest.split('/').collect();
        let [_host, n, t, last] = parts.as_slice() else {
            return status(StatusCode::NOT_FOUND);
        };
        let provider = format!("{n}/{t}");
        if *last == "index.json" {
            let found = find(&provider, None);
            if found.is_empty() {
                return status(StatusCode::NOT_FOUND);
            }
            return json(&IndexDoc {
                versions: found
                    .iter()
                    .map(|p| (p.version.clone(), Empty {}))
                    .collect(),
            });
        }
        if let Some(v) = last.strip_suffix(".json") {
            let Some(p) = find(&provider, Some(v)).into_iter().next() else {
                return status(StatusCode::NOT_FOUND);
            };
            let archive = Archive {
                url: file_name(p, platform),
                hashes: vec![h1(&p.zip), zh(&p.zip)],
            };
            return json(&MirrorVersionDoc {
                archives: [(platform.to_string(), archive)].into(),
            });
        }
        for p in find(&provider, None) {
            if *last == file_name(p, platform) {
                return zip_reply(shared, p);
            }
        }
    }
    status(StatusCode::NOT_FOUND)
}
