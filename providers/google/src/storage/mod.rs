//! Cloud Storage: `google_storage_bucket` and its data source.
//!
//! Against fake-gcs-server (the emulator the tests use) note what it does not store: bucket
//! labels, storage class, IAM configuration, lifecycle rules and encryption are accepted and
//! dropped (fake-gcs-server issues 1025 and 1477), and every bucket gets the server's one
//! `-location`. The read rules below are the real API's; where a whole section that the real
//! API always sends (`iamConfiguration`) is missing from an answer, the recorded value is kept.

pub mod bucket;
pub mod data;

use std::collections::BTreeMap;

use hangar_core::{Type, Value};
use hangar_google_client::storage::{Bucket as ApiBucket, LifecycleRule};
use hangar_provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting};

use crate::attrs;
use crate::resource::one_block;

/// A single nested block.
pub fn single(block: BlockSchema) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        force_new: false,
    }
}

/// The `lifecycle_rule` block schema.
pub fn lifecycle_block() -> NestedBlock {
    let mut action = BlockSchema::default();
    action.attributes.insert(
        "type".into(),
        AttributeSchema::required(Type::String)
            .describe("Delete, SetStorageClass or AbortIncompleteMultipartUpload."),
    );
    action.attributes.insert(
        "storage_class".into(),
        AttributeSchema::optional(Type::String),
    );
    let mut cond = BlockSchema::default();
    let list = || Type::List(Box::new(Type::String));
    for (n, t) in [
        ("age", Type::Number),
        ("created_before", Type::String),
        ("with_state", Type::String),
        ("num_newer_versions", Type::Number),
        ("matches_storage_class", list()),
        ("matches_prefix", list()),
        ("matches_suffix", list()),
    ] {
        cond.attributes
            .insert(n.into(), AttributeSchema::optional(t));
    }
    let mut rule = BlockSchema::default();
    rule.blocks.insert("action".into(), single(action));
    rule.blocks.insert("condition".into(), single(cond));
    NestedBlock {
        nesting: Nesting::List,
        block: rule,
        force_new: false,
    }
}

fn opt_list(v: &Option<Vec<String>>) -> Value {
    match v {
        Some(xs) => attrs::string_list(xs.iter().cloned()),
        None => Value::Null(Type::List(Box::new(Type::String))),
    }
}

/// The `lifecycle_rule` blocks of an API answer.
pub fn read_lifecycle(rules: &[LifecycleRule]) -> Value {
    Value::List(
        rules
            .iter()
            .map(|r| {
                let c = &r.condition;
                let with_state = match c.is_live {
                    Some(true) => Some("LIVE"),
                    Some(false) => Some("ARCHIVED"),
                    None => None,
                };
                attrs::object([
                    (
                        "action",
                        one_block(Some(attrs::object([
                            ("type", Value::string(r.action.kind.clone())),
                            (
                                "storage_class",
                                attrs::opt_string(r.action.storage_class.clone()),
                            ),
                        ]))),
                    ),
                    (
                        "condition",
                        one_block(Some(attrs::object([
                            ("age", attrs::opt_int(c.age)),
                            (
                                "created_before",
                                attrs::opt_string(c.created_before.clone()),
                            ),
                            ("with_state", attrs::opt_string(with_state)),
                            ("num_newer_versions", attrs::opt_int(c.num_newer_versions)),
                            ("matches_storage_class", opt_list(&c.matches_storage_class)),
                            ("matches_prefix", opt_list(&c.matches_prefix)),
                            ("matches_suffix", opt_list(&c.matches_suffix)),
                        ]))),
                    ),
                ])
            })
            .collect(),
    )
}

/// The API's lifecycle rules for configured `lifecycle_rule` blocks.
pub fn write_lifecycle(v: &Value) -> Vec<LifecycleRule> {
    use hangar_google_client::storage::{RuleAction, RuleCondition};
    attrs::blocks(v, "lifecycle_rule")
        .into_iter()
        .map(|r| {
            let a = attrs::block(r, "action").cloned().unwrap_or(Value::NULL);
            let c = attrs::block(r, "condition").cloned().unwrap_or(Value::NULL);
            let list = |n: &str| {
                let xs = attrs::strings(&c, n);
                (!attrs::get(&c, n).is_null()).then_some(xs)
            };
            LifecycleRule {
                action: RuleAction {
                    kind: attrs::string(&a, "type").unwrap_or_default(),
                    storage_class: attrs::string(&a, "storage_class"),
                },
                condition: RuleCondition {
                    age: attrs::int(&c, "age"),
                    created_before: attrs::string(&c, "created_before"),
                    is_live: match attrs::string(&c, "with_state").as_deref() {
                        Some("LIVE") => Some(true),
                        Some("ARCHIVED") => Some(false),
                        _ => None,
                    },
                    matches_storage_class: list("matches_storage_class"),
                    num_newer_versions: attrs::int(&c, "num_newer_versions"),
                    matches_prefix: list("matches_prefix"),
                    matches_suffix: list("matches_suffix"),
                },
            }
        })
        .collect()
}

/// The region a bucket location stands for in residency reports: a single region in the
/// catalogue's lower case (`EUROPE-WEST3` is `europe-west3`), a dual- or multi-region as
/// Cloud Storage names it (`EUR4`, `EU`).
pub fn region_of(location: &str) -> String {
    use hangar_core::geo::{is_single_region, Cloud};
    if is_single_region(Cloud::Gcp, location) {
        location.to_ascii_lowercase()
    } else {
        location.to_string()
    }
}

/// The attributes every reader of a bucket reports, shaped like `shape` (the recorded or
/// configured value) where the answer leaves room.
pub fn common_attrs(
    b: &ApiBucket,
    name: &str,
    shape: &Value,
    default_labels: &BTreeMap<String, String>,
    user_labels_attr: &Value,
) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    let location = b.location.clone().unwrap_or_default().to_ascii_uppercase();
    m.insert("id".into(), Value::string(name));
    m.insert("name".into(), Value::string(name));
    m.insert("location".into(), Value::string(location));
    m.insert("url".into(), Value::string(format!("gs://{name}")));
    m.insert(
        "self_link".into(),
        Value::string(
            b.self_link
                .clone()
                .unwrap_or_else(|| format!("https://www.googleapis.com/storage/v1/b/{name}")),
        ),
    );
    m.insert(
        "storage_class".into(),
        Value::string(
            b.storage_class
                .clone()
                .or_else(|| attrs::string(shape, "storage_class"))
                .unwrap_or_else(|| "STANDARD".into()),
        ),
    );
    let iam = b.iam_configuration.as_ref();
    m.insert(
        "uniform_bucket_level_access".into(),
        Value::Bool(
            iam.and_then(|i| i.uniform_bucket_level_access.as_ref())
                .map(|u| u.enabled)
                .or_else(|| attrs::boolean(shape, "uniform_bucket_level_access"))
                .unwrap_or(false),
        ),
    );
    m.insert(
        "public_access_prevention".into(),
        Value::string(
            iam.and_then(|i| i.public_access_prevention.clone())
                .or_else(|| attrs::string(shape, "public_access_prevention"))
                .unwrap_or_else(|| "inherited".into()),
        ),
    );
    let versioned = b.versioning.as_ref().is_some_and(|v| v.enabled);
    let had_block = !attrs::blocks(shape, "versioning").is_empty() || shape.is_null();
    m.insert(
        "versioning".into(),
        one_block(
            (versioned || had_block).then(|| attrs::object([("enabled", Value::Bool(versioned))])),
        ),
    );
    let cloud_labels = b.labels.clone().unwrap_or_default();
    let (user, terraform, all) =
        crate::labels::split(&cloud_labels, default_labels, user_labels_attr);
    m.insert("labels".into(), user);
    m.insert("terraform_labels".into(), terraform);
    m.insert("effective_labels".into(), all);
    m
}
