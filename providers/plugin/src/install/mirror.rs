//! Provider addresses and filesystem mirrors in Terraform's layout, found where Terraform looks.
//!
//! A mirror directory holds providers unpacked as `HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/` (the
//! executable `terraform-provider-TYPE*` inside) or packed as
//! `HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip`. Without a
//! `provider_installation` block in the CLI configuration, Terraform's implied mirrors are, in
//! order: `terraform.d/plugins` in the working directory, `~/.terraform.d/plugins`,
//! `$XDG_DATA_HOME/terraform/plugins` (default `~/.local/share/terraform/plugins`) and
//! `terraform/plugins` under each of `$XDG_DATA_DIRS` (default `/usr/local/share`,
//! `/usr/share`). With one, only its `filesystem_mirror` paths are used (see
//! [`crate::install::cliconfig`]).

use std::path::{Path, PathBuf};

use crate::install::version::{Constraint, Version};

/// The registry host a bare `NAMESPACE/TYPE` source means.
pub const DEFAULT_HOST: &str = "registry.terraform.io";

/// A provider's source address: `registry.terraform.io/hashicorp/aws`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProviderSource {
    /// Registry host (lowercase).
    pub host: String,
    /// Namespace (lowercase).
    pub namespace: String,
    /// Type, the provider's local name by default (lowercase).
    pub type_name: String,
}

/// A source address that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid provider source {0:?}: expected [HOSTNAME/]NAMESPACE/TYPE")]
pub struct SourceError(pub String);

impl ProviderSource {
    /// Parses `TYPE` (meaning `hashicorp/TYPE`), `NAMESPACE/TYPE` or `HOST/NAMESPACE/TYPE`.
    pub fn parse(s: &str) -> Result<ProviderSource, SourceError> {
        let parts: Vec<String> = s.trim().split('/').map(str::to_ascii_lowercase).collect();
        let ok = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        };
        // A host may carry a port (`localhost:8443`), as Terraform's hostnames may.
        let host_ok = |p: &str| match p.split_once(':') {
            Some((h, port)) => {
                ok(h) && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
            }
            None => ok(p),
        };
        let n = parts.len();
        if !parts
            .iter()
            .enumerate()
            .all(|(i, p)| if n == 3 && i == 0 { host_ok(p) } else { ok(p) })
        {
            return Err(SourceError(s.to_string()));
        }
        let (host, namespace, type_name) = match parts.as_slice() {
            [t] => (DEFAULT_HOST.to_string(), "hashicorp".to_string(), t.clone()),
            [n, t] => (DEFAULT_HOST.to_string(), n.clone(), t.clone()),
            [h, n, t] => (h.clone(), n.clone(), t.clone()),
            _ => return Err(SourceError(s.to_string())),
        };
        Ok(ProviderSource {
            host,
            namespace,
            type_name,
        })
    }

    /// The address as Terraform prints it: without the host when it is the default registry
    /// (`hashicorp/aws`).
    pub fn for_display(&self) -> String {
        if self.host == DEFAULT_HOST {
            format!("{}/{}", self.namespace, self.type_name)
        } else {
            self.to_string()
        }
    }
}

impl std::fmt::Display for ProviderSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.host, self.namespace, self.type_name)
    }
}

/// This machine's platform in Terraform's spelling (`linux_amd64`, `darwin_arm64`).
pub fn current_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// How a mirror holds one provider version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Package {
    /// Unpacked into this directory.
    Unpacked(PathBuf),
    /// A zip archive.
    Packed(PathBuf),
}

/// One provider version found in a mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundProvider {
    /// The provider.
    pub source: ProviderSource,
    /// Its version.
    pub version: Version,
    /// Where it is.
    pub package: Package,
    /// The mirror it was found in.
    pub mirror: PathBuf,
}

impl FoundProvider {
    /// The plugin executable, for an unpacked package (`terraform-provider-TYPE` or
    /// `terraform-provider-TYPE_vVERSION[_xN]`).
    pub fn executable(&self) -> Option<PathBuf> {
        let Package::Unpacked(dir) = &self.package else {
            return None;
        };
        find_executable(dir, &self.source.type_name)
    }
}

/// The plugin executable in an unpacked package directory.
pub fn find_executable(dir: &Path, type_name: &str) -> Option<PathBuf> {
    let prefix = format!("terraform-provider-{type_name}");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n == prefix || n.starts_with(&format!("{prefix}_")))
                && p.is_file()
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// A filesystem mirror directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    /// Its root.
    pub root: PathBuf,
}

impl Mirror {
    /// A mirror at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Mirror {
        Mirror { root: root.into() }
    }

    /// Terraform's implied mirrors for this working directory, those that exist, in order.
    pub fn implied(working_dir: &Path) -> Vec<Mirror> {
        let mut dirs = vec![working_dir.join("terraform.d/plugins")];
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        if let Some(h) = &home {
            dirs.push(h.join(".terraform.d/plugins"));
        }
        match std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
            Some(x) => dirs.push(PathBuf::from(x).join("terraform/plugins")),
            None => {
                if let Some(h) = &home {
                    dirs.push(h.join(".local/share/terraform/plugins"));
                }
            }
        }
        let data_dirs = std::env::var("XDG_DATA_DIRS")
            .ok()
            .filter(|x| !x.is_empty())
            .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
        for d in data_dirs.split(':').filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(d).join("terraform/plugins"));
        }
        dirs.into_iter()
            .filter(|d| d.is_dir())
            .map(Mirror::new)
            .collect()
    }

    /// Every version of `source` for `platform` this mirror holds, newest first.
    pub fn versions(&self, source: &ProviderSource, platform: &str) -> Vec<FoundProvider> {
        let base = self
            .root
            .join(&source.host)
            .join(&source.namespace)
            .join(&source.type_name);
        let mut out = Vec::new();
        for e in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if path.is_dir() {
                if let Some(v) = Version::parse(&name) {
                    let dir = path.join(platform);
                    if dir.is_dir() {
                        out.push(FoundProvider {
                            source: source.clone(),
                            version: v,
                            package: Package::Unpacked(dir),
                            mirror: self.root.clone(),
                        });
                    }
                }
            } else if let Some(rest) = name
                .strip_prefix(&format!("terraform-provider-{}_", source.type_name))
                .and_then(|r| r.strip_suffix(&format!("_{platform}.zip")))
            {
                if let Some(v) = Version::parse(rest) {
                    out.push(FoundProvider {
                        source: source.clone(),
                        version: v,
                        package: Package::Packed(path),
                        mirror: self.root.clone(),
                    });
                }
            }
        }
        out.sort_by(|a, b| b.version.cmp(&a.version));
        out
    }

    /// The newest version of `source` allowed by `constraint` for this machine's platform.
    pub fn find(&self, source: &ProviderSource, constraint: &Constraint) -> Option<FoundProvider> {
        self.versions(source, &current_platform())
            .into_iter()
            .find(|f| constraint.allows(&f.version))
    }
}

/// The newest allowed version across `mirrors` (a newer version in a later mirror wins, as
/// Terraform merges the mirrors' version lists).
pub fn find_in(
    mirrors: &[Mirror],
    source: &ProviderSource,
    constraint: &Constraint,
) -> Option<FoundProvider> {
    mirrors
        .iter()
        .filter_map(|m| m.find(source, constraint))
        .max_by(|a, b| a.version.cmp(&b.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_like_terraform() {
        let s = ProviderSource::parse("hashicorp/AWS").expect("ok");
        assert_eq!(s.to_string(), "registry.terraform.io/hashicorp/aws");
        assert_eq!(
            ProviderSource::parse("random").expect("ok").namespace,
            "hashicorp"
        );
        let s = ProviderSource::parse("example.com/acme/thing").expect("ok");
        assert_eq!(s.host, "example.com");
        assert!(ProviderSource::parse("a/b/c/d").is_err());
        let s = ProviderSource::parse("localhost:8443/acme/thing").expect("port");
        assert_eq!(s.host, "localhost:8443");
        assert!(ProviderSource::parse("localhost:x/acme/thing").is_err());
        assert!(ProviderSource::parse("acme:1/thing").is_err());
        assert!(ProviderSource::parse("bad name/x").is_err());
    }

    #[test]
    fn finds_unpacked_and_packed_versions_by_constraint() {
        let dir = tempfile::tempdir().expect("tmp");
        let plat = current_platform();
        let base = dir.path().join("registry.terraform.io/hashicorp/aws");
        for v in ["5.1.0", "5.100.0", "6.0.0"] {
            let d = base.join(v).join(&plat);
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::write(d.join(format!("terraform-provider-aws_v{v}_x5")), b"#!")
                .expect("write");
        }
        std::fs::write(
            base.join(format!("terraform-provider-aws_5.200.0_{plat}.zip")),
            b"PK",
        )
        .expect("zip");
        std::fs::create_dir_all(base.join("4.0.0/other_os")).expect("other platform");
        let m = Mirror::new(dir.path());
        let src = ProviderSource::parse("hashicorp/aws").expect("src");
        let all: Vec<String> = m
            .versions(&src, &plat)
            .iter()
            .map(|f| f.version.to_string())
            .collect();
        assert_eq!(all, ["6.0.0", "5.200.0", "5.100.0", "5.1.0"]);
        let c = Constraint::parse("~> 5.0, < 5.150").expect("c");
        let f = m.find(&src, &c).expect("found");
        assert_eq!(f.version.to_string(), "5.100.0");
        let exe = f.executable().expect("exe");
        assert!(exe.ends_with("terraform-provider-aws_v5.100.0_x5"));
        let packed = m
            .find(&src, &Constraint::parse("~> 5.0").expect("c"))
            .expect("packed");
        assert!(matches!(packed.package, Package::Packed(_)));
        assert!(m
            .find(&src, &Constraint::parse("~> 7.0").expect("c"))
            .is_none());
    }
}
