//! What refresh found out about the real world: drift observations.
//!
//! An [`Observation`] records one recorded object whose real attributes differ from state
//! (`changed`), that no longer exists (`deleted`), that lives outside the workspace's geography
//! (`residency`), or a cloud object tagged as this workspace's that state does not know
//! (`orphan`). Plans carry them (so `plan --refresh-only` can show and `apply --refresh-only`
//! can accept them); `hangar drift` reports them. Sensitive values never appear in clear.
//!
//! An [`Unsearched`] records resource types whose untracked objects could not be looked for at
//! all: every type of a provider plugin, since Terraform's plugin protocol has no call that
//! lists a cloud's objects. It is neither drift nor an error.

pub mod allow;
pub mod report;

use std::collections::BTreeSet;

use hangar_core::json::to_json;
use hangar_core::Value;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::plan::EncodedValue;

/// What kind of difference was observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Attributes changed outside Hangar.
    Changed,
    /// The object was deleted outside Hangar.
    Deleted,
    /// The object's real region is outside the workspace's binding.
    Residency,
    /// A cloud object tagged for this workspace that state does not record.
    Orphan,
}

impl Kind {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Changed => "changed",
            Kind::Deleted => "deleted",
            Kind::Residency => "residency",
            Kind::Orphan => "orphan",
        }
    }
}

/// One changed attribute: recorded value, actual value (sensitive ones redacted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttrDiff {
    /// Top-level attribute name.
    pub name: String,
    /// What state recorded.
    pub recorded: Json,
    /// What the cloud has now.
    pub actual: Json,
}

/// One thing refresh found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Resource instance address (for orphans: the address the tag names, if any).
    pub address: String,
    /// What was found.
    pub kind: Kind,
    /// Changed attributes (for `changed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttrDiff>,
    /// Region the object was read back in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// A sentence for people.
    pub detail: String,
    /// The refreshed object, for `apply --refresh-only` (`None` when deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshed: Option<EncodedValue>,
}

/// Resource types of one provider configuration whose untracked objects were not searched for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsearched {
    /// Provider configuration (`provider awsplugin`, `provider awsplugin.us`).
    pub provider: String,
    /// Managed resource types the configuration or state uses through it, sorted.
    pub types: Vec<String>,
    /// Why they were not searched, for people.
    pub reason: String,
}

/// Why plugin types are not searched for untracked objects.
pub const PLUGIN_CANNOT_LIST: &str = "Terraform's plugin protocol has no call that lists a cloud's objects, so objects of these types that carry no record in state are not reported";

fn shown(v: &Value) -> Json {
    if v.contains_sensitive() {
        Json::String("(sensitive value)".into())
    } else {
        to_json(v)
    }
}

/// The top-level attributes whose values differ between `recorded` and `actual`.
pub fn diff_attrs(recorded: &Value, actual: &Value) -> Vec<AttrDiff> {
    let empty = Default::default();
    let a = recorded.as_map().unwrap_or(&empty);
    let b = actual.as_map().unwrap_or(&empty);
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .filter_map(|n| {
            let x = a.get(n).cloned().unwrap_or(Value::NULL);
            let y = b.get(n).cloned().unwrap_or(Value::NULL);
            (to_json(&x) != to_json(&y)).then(|| AttrDiff {
                name: n.clone(),
                recorded: shown(&x),
                actual: shown(&y),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn only_changed_attributes_are_listed_and_secrets_are_redacted() {
        let a = obj(&[
            ("id", "1".into()),
            ("tags", "a".into()),
            ("pw", Value::string("x").sensitive()),
        ]);
        let b = obj(&[
            ("id", "1".into()),
            ("tags", "b".into()),
            ("pw", Value::string("y").sensitive()),
        ]);
        let d = diff_attrs(&a, &b);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].name, "pw");
        assert_eq!(d[0].actual, Json::String("(sensitive value)".into()));
        assert_eq!(d[1].recorded, Json::String("a".into()));
    }
}
