//! Where an `azurerm` provider block and each Azure resource send data, for the residency gate.
//!
//! azurerm has no provider-level region: the provider's places are only its endpoint overrides
//! (`resource_manager_endpoint`, `storage_endpoint`), each judged by the Azure region its host
//! names (`germanywestcentral.management.azure.com`), else unprovable by its name (an
//! emulator, a private endpoint). Resource groups, clusters and storage accounts are at their
//! `location` (a group's location and its resources' locations are judged independently);
//! a geo-redundant storage account (`GRS`, `RAGRS`, `GZRS`, `RAGZRS`) also keeps a copy in its
//! location's paired region, from the catalogue (an unknown pair is [`Target::Unknown`], so a
//! bound workspace refuses it); containers and node pools are wherever the account or cluster
//! they belong to is.

use hangar_core::geo::{paired_region, regions, Cloud};
use hangar_core::Value;
use hangar_provider::{Place, Target};

use crate::attrs;
use crate::resource::normalize_location;
use crate::storage_account::geo_redundant;

/// Places of a provider block: its endpoint overrides.
pub fn provider_places(config: &Value) -> Vec<Place> {
    let mut out = Vec::new();
    for name in ["resource_manager_endpoint", "storage_endpoint"] {
        let v = attrs::get(config, name);
        if v.is_null() {
            continue;
        }
        let target = match v.as_str() {
            Some("") => continue,
            Some(url) => endpoint_target(url),
            None => Target::Unknown,
        };
        out.push(Place::new(
            format!("{} override", name.replace('_', " ")),
            Some(name),
            target,
        ));
    }
    out
}

/// The place an endpoint URL is at, judged by its host name only.
pub fn endpoint_target(url: &str) -> Target {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    for label in host.split('.') {
        if let Some(r) = regions(Cloud::Azure).find(|r| *r == label) {
            return Target::Location(r.to_string());
        }
    }
    Target::Unprovable(url.to_string())
}

fn location(config: &Value) -> Target {
    match config.get_attr("location").map(Value::peel) {
        Some(v) if v.as_str().is_some() => {
            Target::Location(normalize_location(v.as_str().unwrap_or_default()))
        }
        _ => Target::Unknown,
    }
}

/// Places of one resource (or data source, when `data`) instance.
pub fn places(type_name: &str, data: bool, config: &Value) -> Vec<Place> {
    let _ = data;
    match type_name {
        "azurerm_storage_container" => {
            let path = if attrs::get(config, "storage_account_name").is_null() {
                "storage_account_id"
            } else {
                "storage_account_name"
            };
            vec![Place::new(
                "storage account",
                Some(path),
                Target::SameAs {
                    type_name: "azurerm_storage_account".into(),
                },
            )]
        }
        "azurerm_kubernetes_cluster_node_pool" => vec![Place::new(
            "cluster",
            Some("kubernetes_cluster_id"),
            Target::SameAs {
                type_name: "azurerm_kubernetes_cluster".into(),
            },
        )],
        "azurerm_storage_account" => {
            let loc = location(config);
            let mut out = vec![Place::new("location", Some("location"), loc.clone())];
            let repl = config
                .get_attr("account_replication_type")
                .map(Value::peel)
                .cloned()
                .unwrap_or(Value::NULL);
            let geo = match repl.as_str() {
                Some(r) => geo_redundant(r),
                // Unknown until apply: it may be geo-redundant.
                None => !repl.is_null(),
            };
            if geo {
                let copy = match (&loc, repl.as_str()) {
                    (Target::Location(l), Some(_)) => match paired_region(Cloud::Azure, l) {
                        Some(p) => Target::Location(p.to_string()),
                        None => Target::Unknown,
                    },
                    _ => Target::Unknown,
                };
                out.push(Place::new(
                    "geo-redundant copy",
                    Some("account_replication_type"),
                    copy,
                ));
            }
            out
        }
        _ => vec![Place::new("location", Some("location"), location(config))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::object;

    fn loc(r: &str) -> Target {
        Target::Location(r.into())
    }

    #[test]
    fn endpoints_are_judged_by_the_region_their_host_names() {
        assert_eq!(
            endpoint_target("https://germanywestcentral.management.azure.com/"),
            loc("germanywestcentral")
        );
        assert_eq!(
            endpoint_target("https://management.azure.com"),
            Target::Unprovable("https://management.azure.com".into())
        );
        assert_eq!(
            endpoint_target("http://127.0.0.1:10000"),
            Target::Unprovable("http://127.0.0.1:10000".into())
        );
        let places = provider_places(&object([
            (
                "resource_manager_endpoint",
                Value::string("http://127.0.0.1:1"),
            ),
            ("storage_endpoint", Value::NULL),
        ]));
        assert_eq!(places.len(), 1);
        assert!(
            provider_places(&Value::NULL).is_empty(),
            "no provider-level region"
        );
    }

    #[test]
    fn geo_redundant_accounts_add_their_pair() {
        let acc = |l: Value, r: Value| {
            places(
                "azurerm_storage_account",
                false,
                &object([("location", l), ("account_replication_type", r)]),
            )
        };
        let p = acc(Value::string("Germany West Central"), Value::string("GRS"));
        assert_eq!(p[0].target, loc("germanywestcentral"));
        assert_eq!(p[1].role, "geo-redundant copy");
        assert_eq!(p[1].target, loc("germanynorth"));
        assert_eq!(
            acc(Value::string("brazilsouth"), Value::string("RAGZRS"))[1].target,
            loc("southcentralus")
        );
        // No pair known: refused as unknown. LRS: no second place.
        assert_eq!(
            acc(Value::string("polandcentral"), Value::string("GRS"))[1].target,
            Target::Unknown
        );
        assert_eq!(
            acc(Value::string("westeurope"), Value::string("LRS")).len(),
            1
        );
        // Unknown location or replication: unknown copy.
        assert_eq!(
            acc(Value::unknown(), Value::string("GRS"))[1].target,
            Target::Unknown
        );
        assert_eq!(
            acc(Value::string("westeurope"), Value::unknown())[1].target,
            Target::Unknown
        );
    }

    #[test]
    fn children_are_where_their_parents_are() {
        let p = places(
            "azurerm_storage_container",
            false,
            &object([
                ("storage_account_id", Value::unknown()),
                ("storage_account_name", Value::NULL),
            ]),
        );
        assert_eq!(p[0].path.as_deref(), Some("storage_account_id"));
        assert!(
            matches!(&p[0].target, Target::SameAs { type_name } if type_name == "azurerm_storage_account")
        );
        let p = places("azurerm_kubernetes_cluster_node_pool", false, &Value::NULL);
        assert!(
            matches!(&p[0].target, Target::SameAs { type_name } if type_name == "azurerm_kubernetes_cluster")
        );
        let p = places(
            "azurerm_resource_group",
            false,
            &object([("location", Value::unknown())]),
        );
        assert_eq!(p[0].target, Target::Unknown);
    }
}
