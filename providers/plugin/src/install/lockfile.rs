//! `.terraform.lock.hcl`: the provider versions, constraints and package hashes `init` chose,
//! read and written in Terraform's own format so either tool can use the other's file.
//!
//! Each `provider "HOST/NAMESPACE/TYPE"` block has `version`, optional `constraints` and
//! `hashes` (`h1:` and `zh:` strings, kept sorted and unique). Writing reproduces Terraform's
//! layout byte for byte (header comment, aligned `=`, one hash per line, providers sorted).
//! Module entries are not part of this file (Terraform keeps none either).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};

use crate::install::mirror::ProviderSource;

/// One locked provider.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockedProvider {
    /// The chosen version.
    pub version: String,
    /// The constraints it was chosen under (as written), if any.
    pub constraints: Option<String>,
    /// Package hashes (`h1:...`, `zh:...`), sorted.
    pub hashes: BTreeSet<String>,
}

/// The whole lock file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockFile {
    /// Providers by source address.
    pub providers: BTreeMap<ProviderSource, LockedProvider>,
}

/// Why a lock file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid HCL or not a lock file.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn string(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

impl LockFile {
    /// Reads `path`; a missing file is an empty lock file. Fails on unreadable or invalid files.
    pub fn read(path: &Path) -> Result<LockFile, LockError> {
        match std::fs::read_to_string(path) {
            Ok(text) => LockFile::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LockFile::default()),
            Err(source) => Err(LockError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Parses lock file text (`name` is used in errors).
    pub fn parse(text: &str, name: &str) -> Result<LockFile, LockError> {
        let err = |message: String| LockError::Syntax {
            path: name.to_string(),
            message,
        };
        let body: Body = hcl_edit::parser::parse_body(text).map_err(|e| err(e.to_string()))?;
        let mut out = LockFile::default();
        for s in body.iter() {
            let Structure::Block(b) = s else {
                return Err(err("unexpected top-level attribute".into()));
            };
            if b.ident.as_str() != "provider" {
                // Terraform ignores block types it does not know; so do we.
                continue;
            }
            let label = b
                .labels
                .first()
                .map(|l| l.as_str().to_string())
                .ok_or_else(|| err("provider block without an address".into()))?;
            let source = ProviderSource::parse(&label).map_err(|e| err(e.to_string()))?;
            let mut p = LockedProvider::default();
            for a in b.body.attributes() {
                match a.key.as_str() {
                    "version" => {
                        p.version = string(&a.value)
                            .ok_or_else(|| err(format!("{label}: version must be a string")))?
                    }
                    "constraints" => p.constraints = string(&a.value),
                    "hashes" => {
                        let Expression::Array(arr) = &a.value else {
                            return Err(err(format!("{label}: hashes must be a list")));
                        };
                        for h in arr.iter() {
                            p.hashes.insert(
                                string(h).ok_or_else(|| {
                                    err(format!("{label}: hashes must be strings"))
                                })?,
                            );
                        }
                    }
                    _ => {}
                }
            }
            if p.version.is_empty() {
                return Err(err(format!("{label}: missing version")));
            }
            out.providers.insert(source, p);
        }
        Ok(out)
    }

    /// The file's text, exactly as Terraform writes it.
    pub fn render(&self) -> String {
        let mut s = String::from(
            "# This file is maintained automatically by \"terraform init\".\n\
             # Manual edits may be lost in future updates.\n",
        );
        for (src, p) in &self.providers {
            s.push_str(&format!("\nprovider {:?} {{\n", src.to_string()));
            if let Some(c) = &p.constraints {
                s.push_str(&format!("  version     = {:?}\n", p.version));
                s.push_str(&format!("  constraints = {c:?}\n"));
            } else {
                s.push_str(&format!("  version = {:?}\n", p.version));
            }
            s.push_str("  hashes = [\n");
            for h in &p.hashes {
                s.push_str(&format!("    {h:?},\n"));
            }
            s.push_str("  ]\n}\n");
        }
        s
    }

    /// Writes the file atomically; fails when it cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let tmp = path.with_extension("hcl.tmp");
        std::fs::write(&tmp, self.render()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Whether `hash` (of a package being installed) is one the lock file accepts for
    /// `source`; true when the provider is not locked yet or has no hashes recorded.
    pub fn accepts(&self, source: &ProviderSource, hashes: &[String]) -> bool {
        match self.providers.get(source) {
            Some(p) if !p.hashes.is_empty() => hashes.iter().any(|h| p.hashes.contains(h)),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERRAFORM: &str = include_str!("../../tests/fixtures/terraform.lock.hcl");

    #[test]
    fn reads_and_rewrites_terraforms_file_byte_for_byte() {
        let l = LockFile::parse(TERRAFORM, "fixture").expect("parse");
        let src = ProviderSource::parse("hangar/fake").expect("src");
        let p = &l.providers[&src];
        assert_eq!(p.version, "1.0.0");
        assert_eq!(p.constraints.as_deref(), Some("~> 1.0"));
        assert_eq!(l.render(), TERRAFORM);
    }

    #[test]
    fn round_trips_several_providers_and_refuses_nonsense() {
        let mut l = LockFile::default();
        l.providers.insert(
            ProviderSource::parse("hashicorp/aws").expect("src"),
            LockedProvider {
                version: "5.100.0".into(),
                constraints: None,
                hashes: ["zh:ab".to_string(), "h1:x=".to_string()].into(),
            },
        );
        l.providers.insert(
            ProviderSource::parse("example.com/acme/thing").expect("src"),
            LockedProvider {
                version: "0.1.0".into(),
                constraints: Some(">= 0.1, < 1.0".into()),
                hashes: BTreeSet::new(),
            },
        );
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(".terraform.lock.hcl");
        l.write(&path).expect("write");
        assert_eq!(LockFile::read(&path).expect("read"), l);
        let text = std::fs::read_to_string(&path).expect("text");
        assert!(
            text.contains(
                "  version = \"5.100.0\"\n  hashes = [\n    \"h1:x=\",\n    \"zh:ab\",\n  ]"
            ),
            "{text}"
        );
        assert!(LockFile::read(&dir.path().join("none"))
            .expect("missing")
            .providers
            .is_empty());
        assert!(LockFile::parse("provider \"hashicorp/aws\" {}", "x").is_err());
        assert!(LockFile::parse("provider {", "x").is_err());
    }
}
