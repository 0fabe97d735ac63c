//! Terraform's (and OpenTofu's) state format, version 4: reading it to adopt what a Terraform
//! estate manages, and writing Hangar's state back in it so users are never locked in.
//!
//! Reading keeps, for every managed instance of a type Hangar's providers support, its
//! attributes (limited to what Hangar's schema has; dynamically typed attributes, which
//! Terraform stores as `{"value": ..., "type": ...}`, are unwrapped), sensitive paths,
//! dependencies and a region read from its `region` attribute or ARN. Data sources (read again
//! on every plan) and unsupported types are listed as skipped, with the reason; an argument
//! recorded as `""` (how plugin-SDK providers record an unset string) becomes null. Writing
//! does the reverse, with each instance's schema version and provider private data (base64, as
//! both formats keep it). Leaves out deposed objects and `check_results`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use hangar_core::json::from_json;
use hangar_core::{InstanceKey, ModulePath, ResourceAddr, ResourceMode, Type};
use hangar_state::{InstanceRecord, OutputRecord, StateDoc};

use crate::plan_json::values::type_json;
use crate::registry::Registry;

/// The only state format version read and written.
pub const STATE_VERSION: u64 = 4;

/// The `terraform_version` written: Terraform refuses state from a newer release than itself,
/// and the version 4 format is the same from Terraform 1.0 on, so any 1.x can read it.
pub const WRITTEN_AS: &str = "1.0.0";

/// A Terraform state document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TfState {
    /// Format version (4).
    pub version: u64,
    /// The Terraform release that wrote it.
    pub terraform_version: String,
    /// Version of this state history.
    pub serial: u64,
    /// Identity of this state history.
    pub lineage: String,
    /// Root outputs.
    #[serde(default)]
    pub outputs: BTreeMap<String, TfOutput>,
    /// Resources, each with its instances.
    #[serde(default)]
    pub resources: Vec<TfResource>,
    /// Results of checks (written as `null`).
    #[serde(default)]
    pub check_results: Option<Json>,
}

/// One root output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TfOutput {
    /// The value.
    pub value: Json,
    /// Its type, in Terraform's JSON type encoding.
    #[serde(rename = "type")]
    pub ty: Json,
    /// Declared sensitive.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// One resource block's instances.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TfResource {
    /// Module instance address (absent for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// `managed` or `data`.
    pub mode: String,
    /// Resource type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Resource name.
    pub name: String,
    /// Provider configuration (`provider["registry.terraform.io/hashicorp/aws"].eu`).
    pub provider: String,
    /// The instances.
    #[serde(default)]
    pub instances: Vec<TfInstance>,
}

/// One resource instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TfInstance {
    /// `count` index or `for_each` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<Json>,
    /// `tainted` when creation failed part way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Schema version of the attributes.
    #[serde(default)]
    pub schema_version: u64,
    /// The provider's private data, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<String>,
    /// Attribute values.
    pub attributes: Json,
    /// Paths of sensitive values.
    #[serde(default)]
    pub sensitive_attributes: Vec<Vec<TfPathStep>>,
    /// Instances it depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// `create_before_destroy` was set when it was applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
}

/// One step of a sensitive path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TfPathStep {
    /// `get_attr` or `index`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The attribute name or the key.
    pub value: Json,
}

/// Why a Terraform state cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TfStateError {
    /// Not JSON, or not shaped like a Terraform state.
    #[error("{source_name} is not a Terraform state: {detail}")]
    Format {
        /// Where it came from.
        source_name: String,
        /// What is wrong.
        detail: String,
    },
    /// A state format version other than 4.
    #[error("{source_name} has state format version {version}; only version 4 (Terraform 0.12 and later, OpenTofu) can be read")]
    Version {
        /// Where it came from.
        source_name: String,
        /// The version found.
        version: u64,
    },
}

/// Parses a Terraform state; fails unless it is JSON of format version 4.
pub fn parse(bytes: &[u8], source_name: &str) -> Result<TfState, TfStateError> {
    let version: Json = serde_json::from_slice(bytes).map_err(|e| TfStateError::Format {
        source_name: source_name.into(),
        detail: e.to_string(),
    })?;
    match version.get("version").and_then(Json::as_u64) {
        Some(STATE_VERSION) => {}
        Some(v) => {
            return Err(TfStateError::Version {
                source_name: source_name.into(),
                version: v,
            })
        }
        None => {
            return Err(TfStateError::Format {
                source_name: source_name.into(),
                detail: "no \"version\" field".into(),
            })
        }
    }
    serde_json::from_value(version).map_err(|e| TfStateError::Format {
        source_name: source_name.into(),
        detail: e.to_string(),
    })
}

/// An instance that was not adopted, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Its address in the Terraform state.
    pub address: String,
    /// Why Hangar does not adopt it.
    pub reason: String,
}

/// What a Terraform state gives Hangar.
#[derive(Debug, Clone, Default)]
pub struct Adoption {
    /// Instances to record, by address text.
    pub records: Vec<InstanceRecord>,
    /// Root outputs.
    pub outputs: BTreeMap<String, OutputRecord>,
    /// Instances left out.
    pub skipped: Vec<Skipped>,
}

/// The local provider name of a provider source (`registry.terraform.io/hashicorp/aws` → `aws`).
fn local_name(provider: &str) -> (String, Option<String>) {
    let rest = provider.split("provider[\"").nth(1).unwrap_or(provider);
    let (source, tail) = rest.split_once("\"]").unwrap_or((rest, ""));
    let name = source.rsplit('/').next().unwrap_or(source).to_string();
    let alias = tail.strip_prefix('.').map(str::to_string);
    (name, alias)
}

fn key_of(k: &Option<Json>) -> InstanceKey {
    match k {
        Some(Json::Number(n)) => InstanceKey::Int(n.as_i64().unwrap_or(0)),
        Some(Json::String(s)) => InstanceKey::Str(s.clone()),
        _ => InstanceKey::None,
    }
}

/// The region an AWS object's attributes name: `region`, else the ARN's region field.
fn region_of(attrs: &Json) -> Option<String> {
    if let Some(r) = attrs.get("region").and_then(Json::as_str) {
        return Some(r.to_string());
    }
    let arn = attrs.get("arn").and_then(Json::as_str)?;
    let region = arn.split(':').nth(3)?;
    (!region.is_empty()).then(|| region.to_string())
}

/// The records, outputs and skipped instances of a Terraform state, for `registry`'s types.
pub fn adopt(tf: &TfState, registry: &Registry) -> Adoption {
    let mut out = Adoption::default();
    for r in &tf.resources {
        let module: ModulePath = match &r.module {
            Some(m) => match m.parse() {
                Ok(p) => p,
                Err(_) => {
                    out.skipped.push(Skipped {
                        address: format!("{m}.{}.{}", r.type_, r.name),
                        reason: format!("the module address {m} cannot be read"),
                    });
                    continue;
                }
            },
            None => ModulePath::root(),
        };
        let data = r.mode == "data";
        let addr = ResourceAddr {
            module,
            mode: if data {
                ResourceMode::Data
            } else {
                ResourceMode::Managed
            },
            type_: r.type_.clone(),
            name: r.name.clone(),
        };
        let (provider, alias) = local_name(&r.provider);
        let schema = registry.resource_schema(&provider, &r.type_, data);
        for inst in &r.instances {
            let at = addr.instance(key_of(&inst.index_key));
            let reason = if data {
                Some("data sources are read again on every plan".to_string())
            } else if schema.is_none() {
                Some(format!(
                    "Hangar's {provider} provider does not support the resource type {}",
                    r.type_
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                out.skipped.push(Skipped {
                    address: at.to_string(),
                    reason,
                });
                continue;
            }
            let Some(schema) = schema else { continue };
            let Some(attrs) = inst.attributes.as_object() else {
                continue;
            };
            let mut kept = serde_json::Map::new();
            let names = schema
                .block
                .attributes
                .keys()
                .chain(schema.block.blocks.keys());
            for name in names {
                let v = attrs.get(name).cloned().unwrap_or(Json::Null);
                let dynamic = schema
                    .block
                    .attributes
                    .get(name)
                    .is_some_and(|a| a.ty == Type::Dynamic);
                let v = match (&v, dynamic) {
                    (Json::Object(o), true)
                        if o.contains_key("value") && o.contains_key("type") =>
                    {
                        o["value"].clone()
                    }
                    _ => v,
                };
                // Providers built on Terraform's plugin SDK record an unset optional string
                // as "", where Hangar (like configuration) has null.
                let settable = schema
                    .block
                    .attributes
                    .get(name)
                    .is_some_and(|a| a.optional || a.required);
                let v = if settable && v == Json::String(String::new()) {
                    Json::Null
                } else {
                    v
                };
                kept.insert(name.clone(), v);
            }
            let attributes = Json::Object(kept);
            out.records.push(InstanceRecord {
                region: region_of(&attributes),
                addr: at,
                provider: match &alias {
                    Some(a) => format!("provider[\"{provider}\"].{a}"),
                    None => format!("provider[\"{provider}\"]"),
                },
                sensitive_paths: inst
                    .sensitive_attributes
                    .iter()
                    .map(|p| p.iter().map(|s| s.value.clone()).collect())
                    .collect(),
                dependencies: inst.dependencies.clone(),
                create_before_destroy: inst.create_before_destroy,
                tainted: inst.status.as_deref() == Some("tainted"),
                private: inst.private.clone().unwrap_or_default(),
                schema_version: i64::try_from(inst.schema_version).unwrap_or(i64::MAX),
                attributes,
            });
        }
    }
    out.outputs = tf
        .outputs
        .iter()
        .map(|(k, o)| {
            let rec = OutputRecord {
                value: o.value.clone(),
                sensitive: o.sensitive,
                ty: Some(o.ty.clone()),
            };
            (k.clone(), rec)
        })
        .collect();
    out
}

/// Hangar's state in Terraform's format, as `hangar state pull --format terraform` writes it.
pub fn export(doc: &StateDoc, registry: &Registry) -> TfState {
    let mut resources: Vec<TfResource> = Vec::new();
    for rec in doc.resources.values() {
        let a = &rec.addr.resource;
        let (name, alias) = crate::planner::parse_provider_addr(&rec.provider);
        let source = crate::plan_json::provider_source(&rec.provider);
        let provider = match alias {
            Some(al) => format!("provider[\"{source}\"].{al}"),
            None => format!("provider[\"{source}\"]"),
        };
        let data = a.mode == ResourceMode::Data;
        let schema = registry.resource_schema(&name, &a.type_, data);
        let mut attributes = rec.attributes.clone();
        if let (Some(schema), Some(obj)) = (schema, attributes.as_object_mut()) {
            for (k, attr) in &schema.block.attributes {
                if attr.ty != Type::Dynamic {
                    continue;
                }
                if let Some(v) = obj.get_mut(k) {
                    if !v.is_null() {
                        let ty = type_json(&from_json(v).ty());
                        let value = std::mem::take(v);
                        *v = serde_json::json!({ "value": value, "type": ty });
                    }
                }
            }
        }
        let instance = TfInstance {
            index_key: crate::plan_json::values::index_json(&rec.addr.key),
            status: rec.tainted.then(|| "tainted".to_string()),
            schema_version: u64::try_from(rec.schema_version).unwrap_or(0),
            private: (!rec.private.is_empty()).then(|| rec.private.clone()),
            attributes,
            sensitive_attributes: rec
                .sensitive_paths
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|s| TfPathStep {
                            kind: if s.is_string() { "get_attr" } else { "index" }.into(),
                            value: s.clone(),
                        })
                        .collect()
                })
                .collect(),
            dependencies: rec.dependencies.clone(),
            create_before_destroy: rec.create_before_destroy,
        };
        let module = (!a.module.is_root()).then(|| a.module.to_string());
        match resources.iter_mut().find(|r| {
            r.module == module
                && r.type_ == a.type_
                && r.name == a.name
                && r.mode == crate::plan_json::values::mode_name(a.mode)
        }) {
            Some(r) => r.instances.push(instance),
            None => resources.push(TfResource {
                module,
                mode: crate::plan_json::values::mode_name(a.mode).into(),
                type_: a.type_.clone(),
                name: a.name.clone(),
                provider,
                instances: vec![instance],
            }),
        }
    }
    TfState {
        version: STATE_VERSION,
        terraform_version: WRITTEN_AS.into(),
        serial: doc.serial,
        lineage: doc.lineage.clone(),
        outputs: doc
            .outputs
            .iter()
            .map(|(k, o)| {
                let out = TfOutput {
                    value: o.value.clone(),
                    ty: o
                        .ty
                        .clone()
                        .unwrap_or_else(|| type_json(&from_json(&o.value).ty())),
                    sensitive: o.sensitive,
                };
                (k.clone(), out)
            })
            .collect(),
        resources,
        check_results: None,
    }
}
