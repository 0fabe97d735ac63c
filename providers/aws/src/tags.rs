//! Tags: the user's `tags`, the provider's `default_tags`, and Hangar's own system tags.
//!
//! Every object Hangar creates carries `hangar:workspace`, `hangar:address` and `hangar:token`
//! (the operation token the intent journal recorded), so an object whose creation was never
//! recorded can be found again. Like Terraform's default tags, these live in `tags_all` only:
//! `tags` shows exactly what the configuration says, and a plan keeps the recorded system tags,
//! so a re-plan after apply is a no-op.

use std::collections::BTreeMap;

use hangar_core::{Type, Value};
use hangar_provider::OperationContext;

use crate::attrs;

/// Prefix of the tags Hangar writes itself.
pub const SYSTEM_PREFIX: &str = "hangar:";

/// Whether `key` is one of Hangar's own tags.
pub fn is_system(key: &str) -> bool {
    key.starts_with(SYSTEM_PREFIX)
}

/// The system tags of one operation.
pub fn system(ctx: &OperationContext) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("hangar:workspace".to_string(), ctx.workspace.clone());
    m.insert("hangar:address".to_string(), ctx.address.clone());
    m.insert("hangar:token".to_string(), ctx.token.clone());
    m
}

/// The planned `tags_all`: default tags, overridden by `tags`, plus the recorded system tags of
/// `prior` (none for a new object); unknown while `tags` is.
pub fn plan_all(
    config_tags: &Value,
    default_tags: &BTreeMap<String, String>,
    prior: Option<&Value>,
) -> Value {
    if !config_tags.is_wholly_known() {
        return Value::Unknown(Type::Map(Box::new(Type::String)));
    }
    let mut all = default_tags.clone();
    all.extend(attrs::map_of(config_tags));
    if let Some(p) = prior {
        all.extend(
            attrs::string_map(p, "tags_all")
                .into_iter()
                .filter(|(k, _)| is_system(k)),
        );
    }
    attrs::string_map_value(&all)
}

/// The tags to write for `planned` in operation `ctx`: its user-visible `tags_all` (or default
/// tags and `tags` when that is not known) and this operation's system tags.
pub fn to_write(
    planned: &Value,
    default_tags: &BTreeMap<String, String>,
    ctx: &OperationContext,
) -> BTreeMap<String, String> {
    let mut all = if attrs::get(planned, "tags_all").is_wholly_known()
        && !attrs::get(planned, "tags_all").is_null()
    {
        attrs::string_map(planned, "tags_all")
    } else {
        let mut m = default_tags.clone();
        m.extend(attrs::string_map(planned, "tags"));
        m
    };
    all.retain(|k, _| !is_system(k));
    all.extend(system(ctx));
    all
}

/// Whether the user-visible tags differ between two recorded/planned values.
pub fn user_tags_changed(prior: &Value, planned: &Value) -> bool {
    let user = |v: &Value| {
        let mut m = attrs::string_map(v, "tags_all");
        m.retain(|k, _| !is_system(k));
        m
    };
    user(prior) != user(planned)
}

/// `tags` and `tags_all` as read from the cloud's `tags`: `tags_all` is everything; `tags`
/// leaves out system tags and default tags the configuration did not itself set.
pub fn split(
    cloud: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
    prior_tags: &Value,
) -> (Value, Value) {
    let prior_user = attrs::map_of(prior_tags);
    let user: BTreeMap<String, String> = cloud
        .iter()
        .filter(|(k, v)| {
            !is_system(k) && (default_tags.get(*k) != Some(*v) || prior_user.contains_key(*k))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (
        attrs::empty_as_prior(attrs::string_map_value(&user), prior_tags),
        attrs::string_map_value(cloud),
    )
}

/// Keys to remove and tags to set to go from `old` to `new`.
pub fn diff(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (Vec<String>, BTreeMap<String, String>) {
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (removed, set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn read_back_hides_system_and_default_tags_from_tags() {
        let cloud = m(&[("env", "prod"), ("team", "a"), ("hangar:token", "t")]);
        let (tags, all) = split(&cloud, &m(&[("team", "a")]), &Value::NULL);
        assert_eq!(tags, attrs::string_map_value(&m(&[("env", "prod")])));
        assert_eq!(all, attrs::string_map_value(&cloud));
        let (tags, _) = split(&m(&[("hangar:token", "t")]), &BTreeMap::new(), &Value::NULL);
        assert!(
            tags.is_null(),
            "no user tags and none configured stays null"
        );
    }

    #[test]
    fn a_configured_tag_equal_to_a_default_tag_stays_in_tags() {
        let prior = attrs::string_map_value(&m(&[("team", "a")]));
        let (tags, _) = split(&m(&[("team", "a")]), &m(&[("team", "a")]), &prior);
        assert_eq!(tags, prior);
    }

    #[test]
    fn plan_keeps_recorded_system_tags_and_overrides_defaults() {
        let prior = attrs::object([(
            "tags_all",
            attrs::string_map_value(&m(&[("hangar:token", "t"), ("old", "x")])),
        )]);
        let tags = attrs::string_map_value(&m(&[("team", "b")]));
        let all = plan_all(&tags, &m(&[("team", "a"), ("cost", "1")]), Some(&prior));
        assert_eq!(
            all,
            attrs::string_map_value(&m(&[("cost", "1"), ("hangar:token", "t"), ("team", "b")]))
        );
        assert!(plan_all(&Value::unknown(), &BTreeMap::new(), None).is_unknown());
    }

    #[test]
    fn writes_carry_this_operations_system_tags() {
        let planned = attrs::object([(
            "tags_all",
            attrs::string_map_value(&m(&[("hangar:token", "old"), ("a", "1")])),
        )]);
        let ctx = OperationContext {
            address: "aws_s3_bucket.x".into(),
            workspace: "default".into(),
            token: "new".into(),
        };
        let w = to_write(&planned, &BTreeMap::new(), &ctx);
        assert_eq!(w["hangar:token"], "new");
        assert_eq!(w["a"], "1");
        assert_eq!(w["hangar:address"], "aws_s3_bucket.x");
    }

    #[test]
    fn diff_lists_removed_keys_and_changed_values() {
        let (rm, set) = diff(&m(&[("a", "1"), ("b", "2")]), &m(&[("b", "3"), ("c", "4")]));
        assert_eq!(rm, vec!["a".to_string()]);
        assert_eq!(set, m(&[("b", "3"), ("c", "4")]));
    }
}
