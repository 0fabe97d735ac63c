//! The state document: everything Hangar knows about the infrastructure it manages.
//!
//! A [`StateDoc`] is plain data with stable JSON (maps are `BTreeMap`s, so output is
//! deterministic). It carries a `lineage` (one per state history, fixed at creation) and a
//! `serial` (bumped by whoever changes it), which backends use to refuse overwriting another
//! state or a newer version. Decoding checks the format version and that every resource is
//! filed under its own address. This module does not store anything and does not interpret
//! attribute values: they stay raw JSON exactly as providers returned them.

use std::collections::BTreeMap;

use hangar_core::ResourceInstanceAddr;
use serde::{Deserialize, Serialize};

use crate::error::StateError;

/// Version of the document format this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The whole state of one workspace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StateDoc {
    /// Format of this document; see [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Version of this state history, bumped on every change.
    pub serial: u64,
    /// Identity of this state history (a UUID), fixed when the state is first created.
    pub lineage: String,
    /// Version of the Hangar that last wrote the document.
    pub hangar_version: String,
    /// Resource instances, keyed by instance address text (`module.a.aws_s3_bucket.b["x"]`).
    pub resources: BTreeMap<String, InstanceRecord>,
    /// Root module outputs by name.
    pub outputs: BTreeMap<String, OutputRecord>,
    /// Workspace ↔ geography binding; its shape belongs to the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<serde_json::Value>,
    /// Cloud calls started but not known to have finished, by intent token, so a later run can
    /// resolve them.
    #[serde(default)]
    pub pending: BTreeMap<String, Intent>,
}

/// One resource instance as last applied.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct InstanceRecord {
    /// The instance's address.
    pub addr: ResourceInstanceAddr,
    /// Provider configuration address that manages it (`provider["aws"].eu`).
    pub provider: String,
    /// Attribute values as JSON, in clear (sensitivity is recorded beside them).
    pub attributes: serde_json::Value,
    /// Paths (keys and indexes) of sensitive attribute values.
    #[serde(default)]
    pub sensitive_paths: Vec<Vec<serde_json::Value>>,
    /// Addresses of the instances this one depended on when applied, for destroy ordering.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Region the instance lives in, when the provider has regions.
    #[serde(default)]
    pub region: Option<String>,
    /// Whether replacements create the new object before destroying this one.
    #[serde(default)]
    pub create_before_destroy: bool,
    /// Whether creation failed part way, so the next plan must replace it.
    #[serde(default)]
    pub tainted: bool,
    /// The provider's private data for the object (a plugin's private state), base64.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub private: String,
    /// The version of the resource schema the attributes were written with.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub schema_version: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// One root output value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OutputRecord {
    /// The value as JSON.
    pub value: serde_json::Value,
    /// Whether the CLI must hide it.
    pub sensitive: bool,
    /// Its type in cty's JSON encoding (`output -json` prints it), when recorded.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<serde_json::Value>,
}

/// A side effect that was started (its journal intent) without a recorded outcome.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    /// Address text of the instance acted on.
    pub addr: String,
    /// What was being done (`create`, `update`, `delete`, ...), as the engine names it.
    pub action: String,
    /// The planned object of a create, so a later run can recognise what was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<serde_json::Value>,
}

impl Default for StateDoc {
    fn default() -> Self {
        StateDoc::new()
    }
}

impl StateDoc {
    /// A new, empty state history: serial 0 and a fresh random lineage.
    pub fn new() -> Self {
        StateDoc {
            format_version: FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            hangar_version: env!("CARGO_PKG_VERSION").to_string(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            binding: None,
            pending: BTreeMap::new(),
        }
    }

    /// Whether the state records nothing, so replacing it with another lineage loses nothing.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty() && self.pending.is_empty()
    }

    /// The record of instance `addr`, if state has one.
    pub fn get(&self, addr: &ResourceInstanceAddr) -> Option<&InstanceRecord> {
        self.resources.get(&addr.to_string())
    }

    /// Records `record` under its own address, replacing any previous record.
    pub fn put(&mut self, record: InstanceRecord) {
        self.resources.insert(record.addr.to_string(), record);
    }

    /// Forgets instance `addr`, returning its last record.
    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<InstanceRecord> {
        self.resources.remove(&addr.to_string())
    }

    /// The document as pretty JSON, the form backends store.
    ///
    /// Fails only if an attribute value cannot be represented in JSON.
    pub fn encode(&self) -> Result<Vec<u8>, StateError> {
        let mut out = serde_json::to_vec_pretty(self).map_err(|source| StateError::Encode {
            what: "state document",
            source,
        })?;
        out.push(b'\n');
        Ok(out)
    }

    /// Parses a stored document; `origin` names where it came from for error messages.
    ///
    /// Fails with [`StateError::UnsupportedVersion`] for a newer format and
    /// [`StateError::Corrupt`] for anything that is not a consistent document.
    pub fn decode(bytes: &[u8], origin: &str) -> Result<StateDoc, StateError> {
        let corrupt = |detail: String| StateError::Corrupt {
            path: origin.to_string(),
            detail,
        };
        // A first pass reads only the version (everything else is skipped without being
        // built), so the document is decoded straight into its types instead of through a
        // `serde_json::Value` tree.
        #[derive(Deserialize)]
        struct Probe {
            format_version: Option<serde_json::Value>,
        }
        let version = match serde_json::from_slice::<Probe>(bytes) {
            Ok(p) => p
                .format_version
                .as_ref()
                .and_then(serde_json::Value::as_u64),
            Err(e) if e.is_syntax() || e.is_eof() => return Err(corrupt(format!("not JSON: {e}"))),
            Err(_) => None,
        };
        match version {
            None => return Err(corrupt("no numeric format_version field".into())),
            Some(v) if v > u64::from(FORMAT_VERSION) => {
                return Err(StateError::UnsupportedVersion {
                    path: origin.to_string(),
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                    supported: FORMAT_VERSION,
                });
            }
            Some(_) => {}
        }
        let doc: StateDoc = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
        for (key, record) in &doc.resources {
            let addr = record.addr.to_string();
            if *key != addr {
                return Err(corrupt(format!(
                    "resource {key:?} records address {addr:?}"
                )));
            }
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(addr: &str) -> InstanceRecord {
        InstanceRecord {
            addr: addr.parse().expect("valid address"),
            provider: "provider[\"terraform\"]".into(),
            attributes: json!({"id": "1", "big": 9007199254740993u64, "dec": 0.1}),
            sensitive_paths: vec![vec![json!("id")]],
            dependencies: vec![],
            region: Some("eu-west-1".into()),
            create_before_destroy: false,
            tainted: false,
            private: String::new(),
            schema_version: 0,
        }
    }

    #[test]
    fn new_documents_have_distinct_lineages_and_serial_zero() {
        let (a, b) = (StateDoc::new(), StateDoc::new());
        assert_ne!(a.lineage, b.lineage);
        assert_eq!(a.serial, 0);
        assert!(a.is_empty());
    }

    #[test]
    fn encode_decode_round_trips_exact_numbers() {
        let mut doc = StateDoc::new();
        doc.put(record("module.a.aws_s3_bucket.b[\"x\"]"));
        doc.binding = Some(json!({"geography": "eu"}));
        let text = doc.encode().expect("encodes");
        let back = StateDoc::decode(&text, "mem").expect("decodes");
        assert_eq!(back, doc);
        let attrs = &back.resources["module.a.aws_s3_bucket.b[\"x\"]"].attributes;
        assert_eq!(attrs["big"].to_string(), "9007199254740993");
        assert_eq!(attrs["dec"].to_string(), "0.1");
    }

    #[test]
    fn binding_is_omitted_when_absent_and_pending_defaults() {
        let doc = StateDoc::new();
        let text = String::from_utf8(doc.encode().expect("encodes")).expect("utf8");
        assert!(!text.contains("binding"));
        let mut raw: serde_json::Value = serde_json::from_str(&text).expect("json");
        raw.as_object_mut().expect("object").remove("pending");
        let back = StateDoc::decode(raw.to_string().as_bytes(), "mem").expect("decodes");
        assert!(back.pending.is_empty());
    }

    #[test]
    fn newer_format_is_refused_not_misread() {
        let mut raw = serde_json::to_value(StateDoc::new()).expect("json");
        raw["format_version"] = json!(FORMAT_VERSION + 1);
        let err = StateDoc::decode(raw.to_string().as_bytes(), "x.tfstate").expect_err("must fail");
        assert!(
            matches!(err, StateError::UnsupportedVersion { found: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn misfiled_resource_is_corrupt() {
        let mut doc = StateDoc::new();
        doc.resources
            .insert("aws_s3_bucket.other".into(), record("aws_s3_bucket.b"));
        let err =
            StateDoc::decode(&doc.encode().expect("encodes"), "x.tfstate").expect_err("must fail");
        assert!(err.to_string().contains("aws_s3_bucket.other"), "{err}");
    }

    #[test]
    fn garbage_is_corrupt_and_names_the_file() {
        let err = StateDoc::decode(b"{not json", "dir/hangar.tfstate").expect_err("must fail");
        assert!(matches!(err, StateError::Corrupt { .. }));
        assert!(err.to_string().contains("dir/hangar.tfstate"));
    }
}
