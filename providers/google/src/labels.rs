//! Labels: the user's, the provider's `default_labels`, and Hangar's ownership labels.
//!
//! GCP label keys and values allow only lowercase letters, digits, `-` and `_` (keys start
//! with a letter; at most 63 characters each), so Hangar's `hangar:workspace`,
//! `hangar:address` and `hangar:token` cannot be written as they are. The mapping, reversible:
//!
//! * key `hangar:NAME` becomes keys `hangar-NAME-0`, `hangar-NAME-1`, ...;
//! * the value is encoded as lowercase base32 (RFC 4648 alphabet `a-z2-7`, no padding) and
//!   split into 63-character pieces, one per numbered key (an empty value is one empty piece).
//!
//! So `hangar:address = module.dp.google_storage_bucket.b["x"]` is written as
//! `hangar-address-0 = nvxwi5lmmuxgi4bo...` and read back by joining the pieces in key order
//! and decoding. Label keys starting `hangar-` are reserved: configuration may not set them.
//!
//! As on AWS, the ownership labels never appear in `labels` (what the configuration says) or
//! `terraform_labels` (configuration plus `default_labels`): like Terraform's, only
//! `effective_labels` shows every label on the object, and a plan keeps the recorded ownership
//! labels there so that a re-plan after apply is a no-op.

use std::collections::BTreeMap;

use hangar_core::{Type, Value};
use hangar_provider::OperationContext;

use crate::attrs;

/// Prefix of the label keys Hangar writes itself.
pub const SYSTEM_PREFIX: &str = "hangar-";
/// Longest label value.
pub const MAX_VALUE: usize = 63;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Whether `key` is one of Hangar's own labels.
pub fn is_system(key: &str) -> bool {
    key.starts_with(SYSTEM_PREFIX)
}

/// `s` in lowercase unpadded base32.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in s.as_bytes() {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The text [`encode`] made; `None` for anything else.
pub fn decode(s: &str) -> Option<String> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    String::from_utf8(out).ok()
}

/// The labels that carry `name = value`.
pub fn put(out: &mut BTreeMap<String, String>, name: &str, value: &str) {
    let enc = encode(value);
    let chars: Vec<char> = enc.chars().collect();
    if chars.is_empty() {
        out.insert(format!("{SYSTEM_PREFIX}{name}-0"), String::new());
        return;
    }
    for (i, piece) in chars.chunks(MAX_VALUE).enumerate() {
        out.insert(format!("{SYSTEM_PREFIX}{name}-{i}"), piece.iter().collect());
    }
}

/// The value of ownership label `name` (`workspace`, `address`, `token`) in `labels`.
pub fn get(labels: &BTreeMap<String, String>, name: &str) -> Option<String> {
    let prefix = format!("{SYSTEM_PREFIX}{name}-");
    let mut pieces: Vec<(usize, &str)> = labels
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(&prefix)
                .and_then(|i| i.parse().ok())
                .map(|i| (i, v.as_str()))
        })
        .collect();
    if pieces.is_empty() {
        return None;
    }
    pieces.sort();
    if pieces.iter().enumerate().any(|(n, (i, _))| n != *i) {
        return None;
    }
    decode(&pieces.iter().map(|(_, v)| *v).collect::<String>())
}

/// The ownership labels of one operation.
pub fn system(ctx: &OperationContext) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    put(&mut m, "workspace", &ctx.workspace);
    put(&mut m, "address", &ctx.address);
    put(&mut m, "token", &ctx.token);
    m
}

/// Why `key = value` is not a label GCP takes (or that configuration may set); `None` when
/// it is fine.
pub fn invalid(key: &str, value: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if is_system(key) {
        return Some(format!(
            "\"{key}\": keys starting \"{SYSTEM_PREFIX}\" are Hangar's own"
        ));
    }
    if key.is_empty() || key.len() > 63 || !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some(format!(
            "\"{key}\": a label key is 1 to 63 characters and starts with a lowercase letter"
        ));
    }
    if !key.chars().all(ok) || !value.chars().all(ok) || value.len() > 63 {
        return Some(format!(
            "\"{key}\" = \"{value}\": labels allow only lowercase letters, digits, '-' and '_', \
             at most 63 characters"
        ));
    }
    None
}

/// `default_labels` overridden by the configured labels `config` (null when unknown).
pub fn terraform(config: &Value, default: &BTreeMap<String, String>) -> Value {
    if !config.is_wholly_known() {
        return Value::Unknown(Type::Map(Box::new(Type::String)));
    }
    let mut all = default.clone();
    all.extend(attrs::map_of(config));
    attrs::string_map_value(&all)
}

/// The planned `effective_labels`: [`terraform`] plus the ownership labels recorded in
/// `prior`'s `effective_labels` (none for a new object).
pub fn plan_effective(
    config: &Value,
    default: &BTreeMap<String, String>,
    prior: Option<&Value>,
) -> Value {
    let t = terraform(config, default);
    if t.is_unknown() {
        return t;
    }
    let mut all = attrs::map_of(&t);
    if let Some(p) = prior {
        all.extend(
            attrs::string_map(p, "effective_labels")
                .into_iter()
                .filter(|(k, _)| is_system(k)),
        );
    }
    attrs::string_map_value(&all)
}

/// The labels to write for `planned` in operation `ctx`: its user-visible labels
/// (`terraform_labels`, or default labels and the labels attribute `user`) and this
/// operation's ownership labels.
pub fn to_write(
    planned: &Value,
    user: &str,
    default: &BTreeMap<String, String>,
    ctx: &OperationContext,
) -> BTreeMap<String, String> {
    let t = attrs::get(planned, "terraform_labels");
    let mut all = if t.is_wholly_known() && !t.is_null() {
        attrs::map_of(t)
    } else {
        let mut m = default.clone();
        m.extend(attrs::string_map(planned, user));
        m
    };
    all.retain(|k, _| !is_system(k));
    all.extend(system(ctx));
    all
}

/// Whether the user-visible labels differ between `prior` and `planned`.
pub fn user_changed(prior: &Value, planned: &Value) -> bool {
    let user = |v: &Value| {
        let mut m = attrs::string_map(v, "effective_labels");
        m.retain(|k, _| !is_system(k));
        m
    };
    user(prior) != user(planned)
}

/// `(labels, terraform_labels, effective_labels)` as read from the cloud's labels `cloud`:
/// `effective_labels` is everything; the user's labels leave out ownership labels and
/// default labels the configuration did not set itself (`prior_user`: the recorded value).
pub fn split(
    cloud: &BTreeMap<String, String>,
    default: &BTreeMap<String, String>,
    prior_user: &Value,
) -> (Value, Value, Value) {
    let configured = attrs::map_of(prior_user);
    let user: BTreeMap<String, String> = cloud
        .iter()
        .filter(|(k, v)| {
            !is_system(k) && (default.get(*k) != Some(*v) || configured.contains_key(*k))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let terraform: BTreeMap<String, String> = cloud
        .iter()
        .filter(|(k, _)| !is_system(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (
        attrs::empty_as_prior(attrs::string_map_value(&user), prior_user),
        attrs::string_map_value(&terraform),
        attrs::string_map_value(cloud),
    )
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
    fn base32_round_trips_and_fits_label_rules() {
        for s in [
            "",
            "f",
            "fo",
            "foo",
            "module.dp[\"blue\"].google_storage_bucket.b[0]",
            "ünïcode",
        ] {
            let e = encode(s);
            assert!(e
                .chars()
                .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c)));
            assert_eq!(decode(&e).as_deref(), Some(s));
        }
        assert_eq!(encode("foobar"), "mzxw6ytboi");
        assert_eq!(decode("not base32!"), None);
    }

    #[test]
    fn ownership_labels_are_valid_gcp_labels_and_read_back() {
        let ctx = OperationContext {
            address: "module.data_plane[\"eu\"].module.inner.google_container_node_pool.pool[3]"
                .into(),
            workspace: "EU-Prod.main".into(),
            token: "0192f0c4-7a1e-7c3d-9b1a-2f4e5d6c7b8a".into(),
        };
        let labels = system(&ctx);
        assert!(
            labels.len() >= 4,
            "the long address spans pieces: {labels:?}"
        );
        for (k, v) in &labels {
            assert_eq!(invalid(&k.replace(SYSTEM_PREFIX, "x-"), v), None, "{k}={v}");
        }
        assert_eq!(
            get(&labels, "address").as_deref(),
            Some(ctx.address.as_str())
        );
        assert_eq!(get(&labels, "workspace").as_deref(), Some("EU-Prod.main"));
        assert_eq!(get(&labels, "token").as_deref(), Some(ctx.token.as_str()));
        assert_eq!(get(&labels, "missing"), None);
        let mut gap = labels.clone();
        gap.remove("hangar-address-0");
        assert_eq!(get(&gap, "address"), None, "a missing piece is no value");
    }

    #[test]
    fn configuration_may_not_set_invalid_or_reserved_labels() {
        assert!(invalid("env", "prod").is_none());
        assert!(invalid("Env", "prod").is_some());
        assert!(invalid("env", "Prod").is_some());
        assert!(invalid("hangar-token-0", "x").is_some());
        assert!(invalid("1env", "x").is_some());
    }

    #[test]
    fn read_back_hides_ownership_and_default_labels_from_labels() {
        let cloud = m(&[("env", "prod"), ("team", "a"), ("hangar-token-0", "t")]);
        let (user, terraform, all) = split(&cloud, &m(&[("team", "a")]), &Value::NULL);
        assert_eq!(user, attrs::string_map_value(&m(&[("env", "prod")])));
        assert_eq!(
            terraform,
            attrs::string_map_value(&m(&[("env", "prod"), ("team", "a")]))
        );
        assert_eq!(all, attrs::string_map_value(&cloud));
    }

    #[test]
    fn plans_keep_recorded_ownership_labels() {
        let prior = attrs::object([(
            "effective_labels",
            attrs::string_map_value(&m(&[("hangar-token-0", "t"), ("old", "x")])),
        )]);
        let cfg = attrs::string_map_value(&m(&[("team", "b")]));
        let all = plan_effective(&cfg, &m(&[("cost", "1")]), Some(&prior));
        assert_eq!(
            all,
            attrs::string_map_value(&m(&[("cost", "1"), ("hangar-token-0", "t"), ("team", "b")]))
        );
        let ctx = OperationContext {
            address: "a".into(),
            workspace: "w".into(),
            token: "new".into(),
        };
        let planned = attrs::object([(
            "terraform_labels",
            attrs::string_map_value(&m(&[("team", "b")])),
        )]);
        let w = to_write(&planned, "labels", &BTreeMap::new(), &ctx);
        assert_eq!(get(&w, "token").as_deref(), Some("new"));
        assert_eq!(w["team"], "b");
    }
}
