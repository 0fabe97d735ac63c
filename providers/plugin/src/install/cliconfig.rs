//! Terraform's CLI configuration file, as far as provider installation goes.
//!
//! The file is `TF_CLI_CONFIG_FILE` when set, else `~/.terraformrc`. Read: `plugin_cache_dir`,
//! `provider_installation { filesystem_mirror { path, include, exclude } network_mirror { url,
//! include, exclude } direct { include, exclude } }` and `host "NAME" { services = { ... } }`
//! (service discovery overrides). `dev_overrides` is reported as unsupported, never silently
//! ignored. Without a `provider_installation` block Terraform uses its implied mirrors and then
//! the registry; [`CliConfig::mirrors_for`], [`CliConfig::network_mirrors_for`] and
//! [`CliConfig::direct_allowed`] say which methods apply to a provider either way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use crate::install::discovery::HostServices;
use crate::install::mirror::{Mirror, ProviderSource};

/// One installation method with its include/exclude patterns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MethodRule {
    /// Provider address patterns this method is for (`hashicorp/*`); empty means all.
    pub include: Vec<String>,
    /// Patterns it is not for.
    pub exclude: Vec<String>,
}

impl MethodRule {
    /// Whether the rule covers `source` (patterns may use `*` for a whole segment).
    pub fn covers(&self, source: &ProviderSource) -> bool {
        let hit = |pat: &String| {
            let pat = ProviderSource::parse(&pat.replace('*', "x-wildcard-x"))
                .map(|p| (p.host, p.namespace, p.type_name));
            match pat {
                Ok((h, n, t)) => {
                    let m = |p: &str, v: &str| p == "x-wildcard-x" || p == v;
                    m(&h, &source.host) && m(&n, &source.namespace) && m(&t, &source.type_name)
                }
                Err(_) => false,
            }
        };
        (self.include.is_empty() || self.include.iter().any(hit)) && !self.exclude.iter().any(hit)
    }
}

/// The parts of the CLI configuration that decide where providers come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CliConfig {
    /// Where the file was read from, if one was.
    pub file: Option<PathBuf>,
    /// `plugin_cache_dir`.
    pub plugin_cache_dir: Option<PathBuf>,
    /// Whether a `provider_installation` block is present (then only its methods apply).
    pub explicit: bool,
    /// `filesystem_mirror` blocks, in order.
    pub filesystem_mirrors: Vec<(PathBuf, MethodRule)>,
    /// `network_mirror` blocks (base address, ending in `/`), in order.
    pub network_mirrors: Vec<(String, MethodRule)>,
    /// The `direct` block (registry downloads), if present.
    pub direct: Option<MethodRule>,
    /// `host` blocks: service discovery overrides by host (lowercase).
    pub hosts: HostServices,
}

/// Why the CLI configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CliConfigError {
    /// The file exists but could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid, or uses something Hangar does not support.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn strings(e: &Expression) -> Option<Vec<String>> {
    match e {
        Expression::Array(a) => a
            .iter()
            .map(|x| match x {
                Expression::String(s) => Some(s.value().to_string()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn string(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

impl CliConfig {
    /// The file Terraform would read: `TF_CLI_CONFIG_FILE`, else `~/.terraformrc`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("TF_CLI_CONFIG_FILE").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".terraformrc"))
    }

    /// Reads the default file; a missing file is an empty configuration.
    pub fn load() -> Result<CliConfig, CliConfigError> {
        match Self::default_path() {
            Some(p) => Self::read(&p),
            None => Ok(CliConfig::default()),
        }
    }

    /// Reads `path`; a missing file is an empty configuration. Fails on invalid HCL and on
    /// installation methods Hangar does not support.
    pub fn read(path: &Path) -> Result<CliConfig, CliConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CliConfig::default()),
            Err(source) => {
                return Err(CliConfigError::Io {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        let bad = |message: String| CliConfigError::Invalid {
            path: path.display().to_string(),
            message,
        };
        let body: Body = hcl_edit::parser::parse_body(&text).map_err(|e| bad(e.to_string()))?;
        let mut out = CliConfig {
            file: Some(path.to_path_buf()),
            ..Default::default()
        };
        for s in body.iter() {
            match s {
                Structure::Attribute(a) if a.key.as_str() == "plugin_cache_dir" => {
                    out.plugin_cache_dir = string(&a.value).map(PathBuf::from);
                }
                Structure::Block(b) if b.ident.as_str() == "provider_installation" => {
                    out.explicit = true;
                    for m in b.body.blocks() {
                        let rule = rule(m).map_err(&bad)?;
                        match m.ident.as_str() {
                            "filesystem_mirror" => {
                                let p = m
                                    .body
                                    .get_attribute("path")
                                    .and_then(|a| string(&a.value))
                                    .ok_or_else(|| bad("filesystem_mirror needs a path".into()))?;
                                out.filesystem_mirrors.push((PathBuf::from(p), rule));
                            }
                            "network_mirror" => {
                                let mut url = m
                                    .body
                                    .get_attribute("url")
                                    .and_then(|a| string(&a.value))
                                    .ok_or_else(|| bad("network_mirror needs a url".into()))?;
                                if !url.starts_with("https://") {
                                    return Err(bad(format!(
                                        "network_mirror url {url:?} must be an https:// address"
                                    )));
                                }
                                if !url.ends_with('/') {
                                    url.push('/');
                                }
                                out.network_mirrors.push((url, rule));
                            }
                            "direct" => out.direct = Some(rule),
                            other => {
                                return Err(bad(format!(
                                    "provider_installation method {other:?} is not supported by Hangar \
                                     (supported: filesystem_mirror, network_mirror, direct)"
                                )))
                            }
                        }
                    }
                }
                Structure::Block(b) if b.ident.as_str() == "host" => {
                    let host = b
                        .labels
                        .first()
                        .map(|l| l.as_str().to_ascii_lowercase())
                        .ok_or_else(|| {
                            bad("a host block needs the host name as its label".into())
                        })?;
                    let services = b
                        .body
                        .get_attribute("services")
                        .and_then(|a| services(&a.value))
                        .ok_or_else(|| {
                            bad(format!(
                                "host {host:?}: services must be an object of service names and addresses"
                            ))
                        })?;
                    out.hosts.insert(host, services);
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The mirrors to search for `source`: the configured ones that cover it, or (without a
    /// `provider_installation` block) Terraform's implied mirrors for `working_dir`.
    pub fn mirrors_for(&self, source: &ProviderSource, working_dir: &Path) -> Vec<Mirror> {
        if !self.explicit {
            return Mirror::implied(working_dir);
        }
        self.filesystem_mirrors
            .iter()
            .filter(|(_, r)| r.covers(source))
            .map(|(p, _)| Mirror::new(p))
            .collect()
    }

    /// The network mirrors (base addresses) to ask for `source`, in order; none without a
    /// `provider_installation` block.
    pub fn network_mirrors_for(&self, source: &ProviderSource) -> Vec<String> {
        self.network_mirrors
            .iter()
            .filter(|(_, r)| r.covers(source))
            .map(|(u, _)| u.clone())
            .collect()
    }

    /// Whether `source` may be downloaded from its registry. Without a
    /// `provider_installation` block Terraform allows it for every provider the implied
    /// mirrors do not hold (the caller knows whether they do).
    pub fn direct_allowed(&self, source: &ProviderSource) -> bool {
        !self.explicit || self.direct.as_ref().is_some_and(|r| r.covers(source))
    }
}

fn services(e: &Expression) -> Option<BTreeMap<String, String>> {
    let Expression::Object(o) = e else {
        return None;
    };
    o.iter()
        .map(|(k, v)| {
            let key = match k {
                hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                hcl_edit::expr::ObjectKey::Expression(x) => string(x)?,
            };
            Some((key, string(v.expr())?))
        })
        .collect()
}

fn rule(b: &Block) -> Result<MethodRule, String> {
    let mut r = MethodRule::default();
    for (k, dst) in [("include", &mut r.include), ("exclude", &mut r.exclude)] {
        if let Some(a) = b.body.get_attribute(k) {
            *dst = strings(&a.value).ok_or_else(|| format!("{k} must be a list of strings"))?;
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_provider_installation() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("terraformrc");
        std::fs::write(
            &f,
            r#"
plugin_cache_dir = "/var/cache/tf"
provider_installation {
  filesystem_mirror {
    path    = "/opt/tf-plugins"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  network_mirror {
    url     = "https://mirror.example/tf"
    include = ["hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
host "Registry.Terraform.io" {
  services = {
    "providers.v1" = "https://127.0.0.1:8443/v1/providers/"
  }
}
"#,
        )
        .expect("write");
        let c = CliConfig::read(&f).expect("read");
        assert_eq!(c.plugin_cache_dir, Some(PathBuf::from("/var/cache/tf")));
        let aws = ProviderSource::parse("hashicorp/aws").expect("src");
        let other = ProviderSource::parse("acme/thing").expect("src");
        assert_eq!(
            c.mirrors_for(&aws, dir.path()),
            vec![Mirror::new("/opt/tf-plugins")]
        );
        assert!(c.mirrors_for(&other, dir.path()).is_empty());
        assert!(!c.direct_allowed(&aws) && c.direct_allowed(&other));
        assert_eq!(c.network_mirrors_for(&aws), ["https://mirror.example/tf/"]);
        assert!(c.network_mirrors_for(&other).is_empty());
        assert_eq!(
            c.hosts["registry.terraform.io"]["providers.v1"],
            "https://127.0.0.1:8443/v1/providers/"
        );
        assert_eq!(
            CliConfig::read(&dir.path().join("missing")).expect("empty"),
            CliConfig::default()
        );
        std::fs::write(&f, "provider_installation {\n dev_overrides {\n }\n}\n").expect("write");
        let e = CliConfig::read(&f).expect_err("unsupported").to_string();
        assert!(e.contains("\"dev_overrides\" is not supported"), "{e}");
        std::fs::write(
            &f,
            "provider_installation {\n network_mirror {\n url = \"http://x/\"\n }\n}\n",
        )
        .expect("write");
        let e = CliConfig::read(&f).expect_err("plain http").to_string();
        assert!(e.contains("must be an https:// address"), "{e}");
    }
}
