//! Typed addresses of modules, resources and resource instances.
//!
//! Addresses render exactly as Terraform prints them (`module.eu["x"].aws_s3_bucket.b[0]`,
//! `data.aws_region.current`) and parse back from that text, so they can key state, plans and
//! CLI arguments. Every address carries a module path from the start, even before modules exist.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which `count`/`for_each` instance of a resource or module.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum InstanceKey {
    /// The single instance of a resource with neither `count` nor `for_each`.
    None,
    /// `count` index.
    Int(i64),
    /// `for_each` key.
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::String(s.clone())),
        }
    }
}

/// The path from the root module to a module instance; empty for the root.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ModulePath(pub Vec<(String, InstanceKey)>);

/// Shallower paths first, then step by step, as Terraform orders module instances (so a plan
/// lists a module's own resources before those of the modules it calls).
impl Ord for ModulePath {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for ModulePath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl ModulePath {
    /// The root module.
    pub fn root() -> Self {
        ModulePath(Vec::new())
    }

    /// Whether this is the root module.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether no step carries an instance key (the form configuration is keyed by).
    pub fn is_static(&self) -> bool {
        self.0.iter().all(|(_, k)| *k == InstanceKey::None)
    }

    /// The same path with every instance key dropped: which module block it is an instance of.
    pub fn static_form(&self) -> ModulePath {
        ModulePath(
            self.0
                .iter()
                .map(|(n, _)| (n.clone(), InstanceKey::None))
                .collect(),
        )
    }

    /// The path of a module called from this one.
    pub fn child(&self, name: &str, key: InstanceKey) -> ModulePath {
        let mut p = self.0.clone();
        p.push((name.to_string(), key));
        ModulePath(p)
    }

    /// The calling module's path and this module's call name and key; `None` for the root.
    pub fn split_last(&self) -> Option<(ModulePath, &str, &InstanceKey)> {
        let ((name, key), rest) = self.0.split_last()?;
        Some((ModulePath(rest.to_vec()), name, key))
    }

    /// Whether `self` is `prefix` or lies inside it.
    pub fn starts_with(&self, prefix: &ModulePath) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl FromStr for ModulePath {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| AddressError {
            text: s.into(),
            reason: reason.into(),
        };
        let segs = split_segments(s).map_err(|r| fail(&r))?;
        if segs.len() % 2 != 0 {
            return Err(fail("expected module.NAME[KEY] steps"));
        }
        segs.chunks(2)
            .map(|c| match c {
                [(m, InstanceKey::None), (name, key)] if m == "module" => {
                    Ok((name.clone(), key.clone()))
                }
                _ => Err(fail("expected module.NAME[KEY] steps")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(ModulePath)
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, key)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}{key}")?;
        }
        Ok(())
    }
}

/// Managed resources (`resource`) versus data sources (`data`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceMode {
    /// A `resource` block: Hangar creates and owns it.
    Managed,
    /// A `data` block: read only.
    Data,
}

/// A resource block's address, all instances together.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ResourceAddr {
    /// Module instance the resource lives in.
    pub module: ModulePath,
    /// Managed or data.
    pub mode: ResourceMode,
    /// Resource type (`aws_s3_bucket`).
    pub type_: String,
    /// Local name.
    pub name: String,
}

impl ResourceAddr {
    /// A managed resource in the root module.
    pub fn managed(type_: &str, name: &str) -> Self {
        ResourceAddr {
            module: ModulePath::root(),
            mode: ResourceMode::Managed,
            type_: type_.into(),
            name: name.into(),
        }
    }

    /// The instance with `key`.
    pub fn instance(&self, key: InstanceKey) -> ResourceInstanceAddr {
        ResourceInstanceAddr {
            resource: self.clone(),
            key,
        }
    }

    /// The address of the block itself: its module path without instance keys.
    pub fn static_form(&self) -> ResourceAddr {
        ResourceAddr {
            module: self.module.static_form(),
            ..self.clone()
        }
    }

    /// The same block in module instance `module`.
    pub fn in_module(&self, module: &ModulePath) -> ResourceAddr {
        ResourceAddr {
            module: module.clone(),
            mode: self.mode,
            type_: self.type_.clone(),
            name: self.name.clone(),
        }
    }

    /// The address without its module path (`aws_s3_bucket.x`, `data.aws_region.r`).
    pub fn local(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_, self.name),
        }
    }
}

impl fmt::Display for ResourceAddr {
    // Piece by piece, without `local`'s intermediate string: a plan formats every address
    // several times.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            fmt::Display::fmt(&self.module, f)?;
            f.write_str(".")?;
        }
        if self.mode == ResourceMode::Data {
            f.write_str("data.")?;
        }
        f.write_str(&self.type_)?;
        f.write_str(".")?;
        f.write_str(&self.name)
    }
}

/// One instance of a resource: what state records and what a plan acts on.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ResourceInstanceAddr {
    /// The resource block.
    pub resource: ResourceAddr,
    /// Which instance.
    pub key: InstanceKey,
}

impl fmt::Display for ResourceInstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.resource, f)?;
        fmt::Display::fmt(&self.key, f)
    }
}

/// Why an address string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address {text:?}: {reason}")]
pub struct AddressError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Splits `a.b["x.y"][0].c` into segments, keeping bracketed keys attached.
fn split_segments(s: &str) -> Result<Vec<(String, InstanceKey)>, String> {
    let mut out = Vec::new();
    let bytes: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i] != '.' && bytes[i] != '[' {
            i += 1;
        }
        let name: String = bytes[start..i].iter().collect();
        if name.is_empty() {
            return Err("empty name".into());
        }
        let mut key = InstanceKey::None;
        if i < bytes.len() && bytes[i] == '[' {
            let kstart = i + 1;
            let mut j = kstart;
            let mut in_str = false;
            while j < bytes.len() {
                match bytes[j] {
                    '\\' if in_str => j += 1,
                    '"' => in_str = !in_str,
                    ']' if !in_str => break,
                    _ => {}
                }
                j += 1;
            }
            if j >= bytes.len() {
                return Err("unclosed [".into());
            }
            let k: String = bytes[kstart..j].iter().collect();
            key = if k.starts_with('"') {
                InstanceKey::Str(serde_json::from_str(&k).map_err(|e| e.to_string())?)
            } else {
                InstanceKey::Int(k.parse().map_err(|_| format!("bad index {k}"))?)
            };
            i = j + 1;
        }
        out.push((name, key));
        if i < bytes.len() {
            if bytes[i] != '.' {
                return Err("expected '.'".into());
            }
            i += 1;
            if i == bytes.len() {
                return Err("trailing '.'".into());
            }
        }
    }
    Ok(out)
}

impl FromStr for ResourceInstanceAddr {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| AddressError {
            text: s.into(),
            reason: reason.into(),
        };
        let segs = split_segments(s).map_err(|r| fail(&r))?;
        let mut module = Vec::new();
        let mut i = 0;
        while i + 1 < segs.len() && segs[i].0 == "module" && segs[i].1 == InstanceKey::None {
            let (name, key) = segs[i + 1].clone();
            module.push((name, key));
            i += 2;
        }
        let rest = &segs[i..];
        let (mode, rest) = match rest.first() {
            Some((d, InstanceKey::None)) if d == "data" => (ResourceMode::Data, &rest[1..]),
            _ => (ResourceMode::Managed, rest),
        };
        match rest {
            [(type_, InstanceKey::None), (name, key)] => Ok(ResourceInstanceAddr {
                resource: ResourceAddr {
                    module: ModulePath(module),
                    mode,
                    type_: type_.clone(),
                    name: name.clone(),
                },
                key: key.clone(),
            }),
            _ => Err(fail("expected [module.NAME.]TYPE.NAME[KEY]")),
        }
    }
}

impl Serialize for ResourceInstanceAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ResourceInstanceAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_text() {
        for text in [
            "aws_s3_bucket.b",
            "aws_s3_bucket.b[0]",
            "data.aws_region.current",
            "module.eu[\"a.b\"].module.net.aws_s3_bucket.x[3]",
            "terraform_data.x[\"k\"]",
        ] {
            let a: ResourceInstanceAddr = text.parse().expect(text);
            assert_eq!(a.to_string(), text);
        }
    }

    #[test]
    fn module_paths_parse_and_lose_their_keys() {
        let p: ModulePath = "module.eu[\"a\"].module.net".parse().expect("parses");
        assert_eq!(p.to_string(), "module.eu[\"a\"].module.net");
        assert!(!p.is_static());
        assert_eq!(p.static_form().to_string(), "module.eu.module.net");
        assert!(p.starts_with(&"module.eu[\"a\"]".parse().expect("parses")));
        assert!("module".parse::<ModulePath>().is_err());
        assert!("aws_s3_bucket.x".parse::<ModulePath>().is_err());
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for text in ["", "aws_s3_bucket", "a.b.c.d", "x.y[", "x.y[abc]"] {
            assert!(text.parse::<ResourceInstanceAddr>().is_err(), "{text}");
        }
    }
}
