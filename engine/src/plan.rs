//! A plan: the actions apply must take, and everything needed to take exactly those.
//!
//! A [`Plan`] records the state it was made from (lineage and serial), the configuration's
//! fingerprint, the resolved input variables, and one [`ResourceChange`] per resource instance
//! with its before/after values (unknowns and sensitive marks included). Saved to a file
//! ([`Plan::save`]) it is versioned JSON; [`Plan::load`] refuses other versions. The [`Action`]
//! enum carries its own glyph, so renderers never disagree about symbols.

use std::collections::BTreeMap;
use std::path::Path;

use hangar_core::json::{
    from_json, mark_paths, sensitive_mirror, sensitive_paths, to_json, unknown_mirror,
};
use hangar_core::{ResourceInstanceAddr, Value};
use hangar_state::encryption::Keys;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Version of the saved-plan file format.
pub const PLAN_FORMAT: u32 = 1;

/// What will happen to one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing changes.
    NoOp,
    /// A new object is created.
    Create,
    /// A data source is read during apply.
    Read,
    /// The object is changed in place.
    Update,
    /// The object is destroyed, then a new one created.
    DeleteThenCreate,
    /// A new object is created, then the old one destroyed (`create_before_destroy`).
    CreateThenDelete,
    /// The object is destroyed.
    Delete,
    /// The object leaves state but stays in the cloud (`removed { lifecycle { destroy = false } }`).
    Forget,
}

impl Action {
    /// The glyph Terraform shows before the resource (`+`, `~`, `-/+`, `+/-`, `-`, `<=`).
    pub fn glyph(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
            Action::Forget => ".",
        }
    }

    /// The action list of Terraform's plan JSON.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
            Action::Forget => &["forget"],
        }
    }

    /// Whether this action replaces the object.
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// A value in a plan file: JSON plus Terraform's unknown and sensitive mirrors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EncodedValue {
    /// The known parts.
    pub value: Json,
    /// `true` where unknown.
    #[serde(default, skip_serializing_if = "is_false_json")]
    pub unknown: Json,
    /// Paths of sensitive marks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<Vec<Json>>,
    /// Terraform's `*_sensitive` mirror, kept because it depends on the types of unknowns.
    #[serde(default)]
    pub sensitive_mirror: Json,
}

fn is_false_json(j: &Json) -> bool {
    matches!(j, Json::Null | Json::Bool(false)) || j.as_object().is_some_and(|o| o.is_empty())
}

impl EncodedValue {
    /// Encodes a value with its marks.
    pub fn encode(v: &Value) -> Self {
        EncodedValue {
            value: to_json(v),
            unknown: unknown_mirror(v),
            sensitive: sensitive_paths(v),
            sensitive_mirror: sensitive_mirror(v),
        }
    }

    /// Decodes back into a value with unknowns and sensitive marks restored.
    pub fn decode(&self) -> Value {
        let v = restore_unknown(from_json(&self.value), &self.unknown);
        mark_paths(v, &self.sensitive)
    }
}

/// A value in a plan: a [`Value`] while Hangar works with it, an [`EncodedValue`] in a plan
/// file. Planning, rendering and applying in one run never encode or decode it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanValue {
    /// The value, unknowns and sensitive marks included.
    pub value: Value,
    /// The `*_sensitive` mirror a plan file recorded: it depends on the types of unknowns,
    /// which decoding loses. Computed from `value` when absent.
    recorded_mirror: Option<Box<Json>>,
}

impl PlanValue {
    /// A value planned in this run.
    pub fn new(value: Value) -> Self {
        PlanValue {
            value,
            recorded_mirror: None,
        }
    }

    /// Terraform's `*_sensitive` mirror of the value.
    pub fn sensitive_mirror(&self) -> Json {
        match &self.recorded_mirror {
            Some(m) => (**m).clone(),
            None => sensitive_mirror(&self.value),
        }
    }
}

impl Serialize for PlanValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut e = EncodedValue::encode(&self.value);
        if let Some(m) = &self.recorded_mirror {
            e.sensitive_mirror = (**m).clone();
        }
        e.serialize(s)
    }
}

impl<'de> Deserialize<'de> for PlanValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let e = EncodedValue::deserialize(d)?;
        Ok(PlanValue {
            value: e.decode(),
            recorded_mirror: Some(Box::new(e.sensitive_mirror)),
        })
    }
}

fn restore_unknown(v: Value, mirror: &Json) -> Value {
    match mirror {
        Json::Bool(true) => Value::unknown(),
        Json::Object(m) => {
            let mut obj = match v {
                Value::Object(o) | Value::Map(o) => o,
                _ => Default::default(),
            };
            for (k, sub) in m {
                match obj.get_mut(k) {
                    Some(slot) => {
                        let inner = std::mem::replace(slot, Value::NULL);
                        *slot = restore_unknown(inner, sub);
                    }
                    None => {
                        obj.insert(k.clone(), restore_unknown(Value::NULL, sub));
                    }
                }
            }
            Value::Object(obj)
        }
        Json::Array(xs) => {
            let items = match v {
                Value::List(items) | Value::Tuple(items) | Value::Set(items) => items,
                _ => Vec::new(),
            };
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, x)| restore_unknown(x, xs.get(i).unwrap_or(&Json::Null)))
                .collect();
            Value::Tuple(items)
        }
        _ => v,
    }
}

/// The object an `import` block adopts, as the provider read it at plan time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    /// The cloud's id for it.
    pub id: String,
    /// Where it lives, recorded into state with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl ResourceChange {
    /// Whether applying does anything for it: an action, or moving or importing the object.
    pub fn acts(&self) -> bool {
        self.action != Action::NoOp || self.previous_address.is_some() || self.importing.is_some()
    }
}

/// The planned change of one resource instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    /// Instance address.
    pub addr: ResourceInstanceAddr,
    /// Provider configuration address (`provider["aws"].eu`).
    pub provider: String,
    /// What happens.
    pub action: Action,
    /// Value before (refreshed state), `None` when creating.
    pub before: Option<PlanValue>,
    /// Value after, `None` when deleting.
    pub after: Option<PlanValue>,
    /// Attributes that force the replacement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_paths: Vec<String>,
    /// Those of them the human plan marks `# forces replacement`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_shown: Vec<String>,
    /// Why the action was chosen, when it is not obvious (e.g. `delete_because_no_resource_config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Resource instances this one depends on (recorded into state).
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// `create_before_destroy` for this instance.
    #[serde(default)]
    pub create_before_destroy: bool,
    /// Where state recorded the object before a `moved` block renamed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<Box<ResourceInstanceAddr>>,
    /// The cloud id an `import` block adopts the object from; apply records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<Box<Import>>,
    /// Attributes that are nested blocks in the schema (rendered as blocks, not values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<String>,
    /// Found by its token after an interrupted create: apply records it even when unchanged.
    #[serde(default)]
    pub adopted: bool,
    /// Where a data source read at plan time said its object lives; apply records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The provider's private data planned for the object (a plugin's private state).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private: Vec<u8>,
}

/// The planned change of one output.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutputChange {
    /// Output name.
    pub name: String,
    /// What happens.
    pub action: Action,
    /// Old value.
    pub before: Option<PlanValue>,
    /// New value.
    pub after: Option<PlanValue>,
    /// Declared sensitive.
    pub sensitive: bool,
}

/// Everything apply needs to do exactly what was planned.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    /// File format version.
    pub format_version: u32,
    /// Hangar version that made it.
    pub hangar_version: String,
    /// Workspace it is for.
    pub workspace: String,
    /// `true` for a destroy plan.
    #[serde(default)]
    pub destroy: bool,
    /// Lineage of the state it was made from.
    pub lineage: String,
    /// Serial of the state it was made from.
    pub serial: u64,
    /// Fingerprint of the configuration it was made from.
    pub config_fingerprint: String,
    /// Input variable values, resolved.
    pub variables: BTreeMap<String, PlanValue>,
    /// One entry per resource instance, sorted by address.
    pub resource_changes: Vec<ResourceChange>,
    /// One entry per output.
    pub output_changes: Vec<OutputChange>,
    /// What refresh found changed outside Hangar.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<crate::drift::Observation>,
    /// Resource types whose untracked objects could not be searched for (plugin types).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsearched: Vec<crate::drift::Unsearched>,
    /// Provider API calls made while refreshing.
    #[serde(default)]
    pub api_calls: u64,
    /// A `--refresh-only` plan: applying it only records what refresh found.
    #[serde(default)]
    pub refresh_only: bool,
    /// Tokens of interrupted creates proven to have left nothing: apply settles them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settled_intents: Vec<String>,
    /// Problems found while planning that did not stop it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<hangar_core::Diagnostic>,
    /// The configuration as written, for the JSON plan's `configuration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<crate::plan_json::Configuration>,
    /// Resource attributes the configuration reads (the JSON plan's `relevant_attributes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevant_attributes: Vec<crate::plan_json::RelevantAttribute>,
    /// Checkable objects and their status (the JSON plan's `checks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<crate::plan_json::CheckResult>,
    /// When the plan was made (RFC 3339, UTC).
    #[serde(default)]
    pub timestamp: String,
}

/// Why a plan file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// Reading or writing the file failed.
    #[error("cannot access plan file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a Hangar plan of a supported version.
    #[error("{path} is not a Hangar plan file of format {PLAN_FORMAT}: {detail}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl Plan {
    /// Whether applying this plan would change anything (resources or outputs).
    pub fn has_changes(&self) -> bool {
        if self.refresh_only {
            return !self.observations.is_empty();
        }
        self.resource_changes.iter().any(ResourceChange::acts)
            || self.output_changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// Writes the plan atomically (temporary file, then rename), sealed when `keys` are given.
    pub fn save(&self, path: &Path, keys: Option<&Keys>) -> Result<(), PlanFileError> {
        let io = |source| PlanFileError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| io(std::io::Error::other(e)))?;
        if let Some(k) = keys {
            text = k
                .seal(&text)
                .map_err(|e| io(std::io::Error::other(e.to_string())))?
                .into_bytes();
        }
        let tmp = path.with_extension("tmp-hangar");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads a plan file; fails when it is unreadable or of another format.
    pub fn load(path: &Path, keys: Option<&Keys>) -> Result<Plan, PlanFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| PlanFileError::Io {
            path: shown.clone(),
            source,
        })?;
        let text = if text.starts_with(b"hangar-aes256gcm:") {
            let sealed = String::from_utf8_lossy(&text).trim().to_string();
            match keys {
                Some(k) => k.open(&sealed).map_err(|e| PlanFileError::Format {
                    path: shown.clone(),
                    detail: e.to_string(),
                })?,
                None => {
                    return Err(PlanFileError::Format {
                        path: shown,
                        detail: "the plan is encrypted and no encryption block is configured"
                            .into(),
                    })
                }
            }
        } else {
            text
        };
        let plan: Plan = serde_json::from_slice(&text).map_err(|e| PlanFileError::Format {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        if plan.format_version != PLAN_FORMAT {
            return Err(PlanFileError::Format {
                path: shown,
                detail: format!("found format {}", plan.format_version),
            });
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_values_keep_unknown_and_sensitive_marks() {
        let v = Value::Object(
            [
                ("a".to_string(), Value::unknown()),
                ("b".to_string(), Value::string("s").sensitive()),
                (
                    "c".to_string(),
                    Value::Tuple(vec![Value::int(1), Value::unknown()]),
                ),
            ]
            .into(),
        );
        let back = EncodedValue::encode(&v).decode();
        assert!(back.get_attr("a").is_some_and(Value::is_unknown));
        assert_eq!(back.get_attr("b"), Some(&Value::string("s").sensitive()));
        let c = back.get_attr("c").and_then(Value::as_seq).expect("tuple");
        assert_eq!(c[0], Value::int(1));
        assert!(c[1].is_unknown());
    }

    #[test]
    fn glyphs_match_terraform() {
        assert_eq!(Action::DeleteThenCreate.glyph(), "-/+");
        assert_eq!(
            Action::CreateThenDelete.json_actions(),
            &["create", "delete"]
        );
    }
}
