//! GKE: `google_container_cluster` and `google_container_node_pool`.
//!
//! Every change is a long-running operation: [`wait_operation`] polls it until `DONE`
//! within the resource's `timeouts` and turns an operation that ended in error into a
//! [`ProviderError`] with Google's canonical code and message. Objects are addressed as
//! `projects/P/locations/L/clusters/C[/nodePools/N]`, which is also their id.

pub mod cluster;
pub mod node_pool;

use std::collections::BTreeMap;
use std::time::Duration;

use hangar_core::{Type, Value};
use hangar_google_client::container::{NodeConfig, Operation};
use hangar_provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting, ProviderError};

use crate::attrs;
use crate::error::on;
use crate::labels;
use crate::resource::Google;
use crate::wait::{self, Check};

/// The canonical name of a `google.rpc.Code`.
pub fn rpc_code(code: i64) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    }
}

/// Waits until operation `op` in `location` is done; fails with its error, or with
/// `WaitTimeout` after `budget`. `what` names the object (`cluster projects/p/...`).
pub async fn wait_operation(
    g: &Google,
    project: &str,
    location: &str,
    op: Operation,
    what: &str,
    knob: &str,
    budget: Duration,
) -> Result<(), ProviderError> {
    let call = "container.projects.locations.operations.get";
    let kind = op
        .operation_type
        .clone()
        .unwrap_or_else(|| "operation".into());
    let name = op.name.clone();
    let goal = format!("{kind} {name} of {what} to finish");
    let finished = if op.status == "DONE" {
        op
    } else {
        wait::until(call, &goal, knob, budget, wait::GKE, || async {
            let op = g
                .clients
                .container
                .get_operation(project, location, &name)
                .await
                .map_err(|e| on(what, e))?;
            if op.status == "DONE" {
                Ok(Check::Done(op))
            } else {
                Ok(Check::Pending(op.status))
            }
        })
        .await?
    };
    if let Some(err) = finished
        .error
        .filter(|e| e.code != 0 || !e.message.is_empty())
    {
        return Err(ProviderError {
            call: call.into(),
            code: Some(rpc_code(err.code).into()),
            message: format!("{what}: {kind} operation {name} failed: {}", err.message),
        });
    }
    Ok(())
}

/// `projects/P/locations/L/clusters/C`.
pub fn cluster_id(project: &str, location: &str, name: &str) -> String {
    format!("projects/{project}/locations/{location}/clusters/{name}")
}

/// `(project, location, name)` of a cluster id (`projects/P/locations/L/clusters/C`, `P/L/C`
/// or `L/C`, the forms Terraform imports); `None` for anything else.
pub fn parse_cluster_id(id: &str) -> Option<(Option<String>, String, String)> {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "locations", l, "clusters", c] => {
            Some((Some(p.to_string()), l.to_string(), c.to_string()))
        }
        [p, l, c] => Some((Some(p.to_string()), l.to_string(), c.to_string())),
        [l, c] => Some((None, l.to_string(), c.to_string())),
        _ => None,
    }
}

/// The `node_config` block schema (shared by clusters and node pools).
pub fn node_config_block(force_new: bool) -> NestedBlock {
    let mut b = BlockSchema::default();
    let a = &mut b.attributes;
    let oc = AttributeSchema::optional_computed;
    a.insert(
        "machine_type".into(),
        oc(Type::String).describe("e2-medium when unset."),
    );
    a.insert("disk_size_gb".into(), oc(Type::Number));
    a.insert("disk_type".into(), oc(Type::String));
    a.insert("image_type".into(), oc(Type::String));
    a.insert("oauth_scopes".into(), oc(Type::Set(Box::new(Type::String))));
    a.insert("service_account".into(), oc(Type::String));
    a.insert(
        "labels".into(),
        AttributeSchema::optional(Type::Map(Box::new(Type::String)))
            .describe("Kubernetes labels of the nodes."),
    );
    a.insert(
        "resource_labels".into(),
        AttributeSchema::optional(Type::Map(Box::new(Type::String)))
            .describe("GCE labels of the nodes' VMs."),
    );
    a.insert(
        "tags".into(),
        AttributeSchema::optional(Type::List(Box::new(Type::String))),
    );
    a.insert("spot".into(), AttributeSchema::optional(Type::Bool));
    NestedBlock {
        nesting: Nesting::List,
        block: b,
        force_new,
    }
}

/// The API's node configuration for a `node_config` block, plus `extra_labels` among the
/// VMs' resource labels.
pub fn write_node_config(block: &Value, extra_labels: &BTreeMap<String, String>) -> NodeConfig {
    let mut resource_labels = attrs::string_map(block, "resource_labels");
    resource_labels.extend(extra_labels.clone());
    let list = |n: &str| (!attrs::get(block, n).is_null()).then(|| attrs::strings(block, n));
    NodeConfig {
        machine_type: attrs::string(block, "machine_type"),
        disk_size_gb: attrs::int(block, "disk_size_gb"),
        disk_type: attrs::string(block, "disk_type"),
        image_type: attrs::string(block, "image_type"),
        oauth_scopes: list("oauth_scopes"),
        service_account: attrs::string(block, "service_account"),
        labels: (!attrs::get(block, "labels").is_null())
            .then(|| attrs::string_map(block, "labels")),
        resource_labels: (!resource_labels.is_empty()).then_some(resource_labels),
        tags: list("tags"),
        spot: attrs::boolean(block, "spot"),
    }
}

/// A `node_config` object from the API's, shaped like `shape` (the recorded block, or null);
/// Hangar's ownership labels are left out of `resource_labels`.
pub fn read_node_config(c: &NodeConfig, shape: &Value) -> Value {
    let user_rl: BTreeMap<String, String> = c
        .resource_labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !labels::is_system(k))
        .collect();
    let spot = match (c.spot, attrs::boolean(shape, "spot")) {
        (Some(true), _) => Value::Bool(true),
        (_, Some(_)) => Value::Bool(false),
        _ => Value::Null(Type::Bool),
    };
    attrs::object([
        ("machine_type", attrs::opt_string(c.machine_type.clone())),
        ("disk_size_gb", attrs::opt_int(c.disk_size_gb)),
        ("disk_type", attrs::opt_string(c.disk_type.clone())),
        ("image_type", attrs::opt_string(c.image_type.clone())),
        (
            "oauth_scopes",
            match &c.oauth_scopes {
                Some(s) => attrs::string_set(s.iter().cloned()),
                None => Value::Null(Type::Set(Box::new(Type::String))),
            },
        ),
        (
            "service_account",
            attrs::opt_string(c.service_account.clone()),
        ),
        (
            "labels",
            attrs::empty_as_prior(
                attrs::string_map_value(&c.labels.clone().unwrap_or_default()),
                attrs::get(shape, "labels"),
            ),
        ),
        (
            "resource_labels",
            attrs::empty_as_prior(
                attrs::string_map_value(&user_rl),
                attrs::get(shape, "resource_labels"),
            ),
        ),
        (
            "tags",
            attrs::empty_as_prior(
                attrs::string_list(c.tags.clone().unwrap_or_default()),
                attrs::get(shape, "tags"),
            ),
        ),
        ("spot", spot),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_come_in_terraforms_forms() {
        let full = parse_cluster_id("projects/p/locations/europe-west3/clusters/c");
        assert_eq!(
            full,
            Some((Some("p".into()), "europe-west3".into(), "c".into()))
        );
        assert_eq!(
            parse_cluster_id("p/europe-west3/c"),
            Some((Some("p".into()), "europe-west3".into(), "c".into()))
        );
        assert_eq!(
            parse_cluster_id("europe-west3/c"),
            Some((None, "europe-west3".into(), "c".into()))
        );
        assert_eq!(parse_cluster_id("c"), None);
        assert_eq!(rpc_code(9), "FAILED_PRECONDITION");
    }
}
