//! Ownership tags: every object Hangar creates carries `hangar:workspace`, `hangar:address`
//! and `hangar:token` (the operation token the intent journal recorded), so an object whose
//! creation was never recorded can be found again ([`crate::owned`]).
//!
//! Azure tags allow `:` in names, so the keys are the same as on AWS. They are kept out of the
//! user's `tags` (azurerm has no `tags_all`): reads drop them, writes add this operation's.
//! Blob containers have no tags; their metadata carries the same three values under
//! identifier-safe keys (`hangar_workspace`, ...), kept out of the user's `metadata` likewise.

use std::collections::BTreeMap;

use hangar_core::Value;
use hangar_provider::OperationContext;

use crate::attrs;

/// Prefix of the tags Hangar writes itself.
pub const PREFIX: &str = "hangar:";
/// `hangar:workspace`.
pub const WORKSPACE: &str = "hangar:workspace";
/// `hangar:address`.
pub const ADDRESS: &str = "hangar:address";
/// `hangar:token`.
pub const TOKEN: &str = "hangar:token";
/// Prefix of the container metadata keys Hangar writes itself.
pub const META_PREFIX: &str = "hangar_";

/// Whether `key` is one of Hangar's own tags.
pub fn is_system(key: &str) -> bool {
    key.starts_with(PREFIX)
}

/// The system tags of one operation.
pub fn system(ctx: &OperationContext) -> BTreeMap<String, String> {
    BTreeMap::from([
        (WORKSPACE.to_string(), ctx.workspace.clone()),
        (ADDRESS.to_string(), ctx.address.clone()),
        (TOKEN.to_string(), ctx.token.clone()),
    ])
}

/// The tags to write for `planned` in operation `ctx`: its `tags` and the system tags.
pub fn to_write(planned: &Value, ctx: &OperationContext) -> BTreeMap<String, String> {
    let mut all = attrs::string_map(planned, "tags");
    all.retain(|k, _| !is_system(k));
    all.extend(system(ctx));
    all
}

/// The user's `tags` from the cloud's, shaped like the recorded `prior_tags` (null stays null
/// when the cloud has only system tags).
pub fn user(cloud: &BTreeMap<String, String>, prior_tags: &Value) -> Value {
    let user: BTreeMap<String, String> = cloud
        .iter()
        .filter(|(k, _)| !is_system(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    attrs::empty_as_prior(attrs::string_map_value(&user), prior_tags)
}

/// The container metadata to write: the user's `metadata` and the system values.
pub fn metadata_to_write(planned: &Value, ctx: &OperationContext) -> BTreeMap<String, String> {
    let mut all = attrs::string_map(planned, "metadata");
    all.retain(|k, _| !k.starts_with(META_PREFIX));
    for (k, v) in system(ctx) {
        all.insert(k.replace(PREFIX, META_PREFIX), v);
    }
    all
}

/// The user's `metadata` from a container's, shaped like `prior`.
pub fn user_metadata(cloud: &BTreeMap<String, String>, prior: &Value) -> Value {
    let user: BTreeMap<String, String> = cloud
        .iter()
        .filter(|(k, _)| !k.starts_with(META_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    attrs::empty_as_prior(attrs::string_map_value(&user), prior)
}

/// The system value `key` (`hangar:token`) of a container's metadata.
pub fn from_metadata<'a>(meta: &'a BTreeMap<String, String>, key: &str) -> Option<&'a String> {
    meta.get(&key.replace(PREFIX, META_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> OperationContext {
        OperationContext {
            address: "azurerm_resource_group.rg".into(),
            workspace: "eu".into(),
            token: "t1".into(),
        }
    }

    #[test]
    fn writes_add_system_tags_and_reads_drop_them() {
        let planned = attrs::object([(
            "tags",
            attrs::string_map_value(&BTreeMap::from([
                ("env".to_string(), "prod".to_string()),
                ("hangar:token".to_string(), "forged".to_string()),
            ])),
        )]);
        let w = to_write(&planned, &ctx());
        assert_eq!(w["hangar:token"], "t1");
        assert_eq!(w["hangar:address"], "azurerm_resource_group.rg");
        assert_eq!(w["env"], "prod");
        let back = user(&w, &Value::NULL);
        assert_eq!(
            back,
            attrs::string_map_value(&BTreeMap::from([("env".to_string(), "prod".to_string())]))
        );
        let only_system = user(&system(&ctx()), &Value::NULL);
        assert!(only_system.is_null(), "no user tags stays null");
    }

    #[test]
    fn container_metadata_uses_identifier_keys() {
        let m = metadata_to_write(&Value::NULL, &ctx());
        assert_eq!(m["hangar_workspace"], "eu");
        assert_eq!(from_metadata(&m, TOKEN).map(String::as_str), Some("t1"));
        assert!(user_metadata(&m, &Value::NULL).is_null());
    }
}
