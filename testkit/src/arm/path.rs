//! Which resource an ARM request path names ([`Target`]), the resource kinds the server knows,
//! and small helpers over resource JSON.

use super::*;

/// What a path names.
#[derive(Debug)]
pub(super) struct Target {
    /// The resource id as given (no trailing action).
    pub(super) id: String,
    /// `resourceGroups`, `Microsoft.ContainerService/managedClusters`, ... (with parents:
    /// `Microsoft.ContainerService/managedClusters/agentPools`).
    pub(super) kind: String,
    /// The resource group, when inside one.
    pub(super) group: Option<String>,
    /// A trailing POST action (`listKeys`).
    pub(super) action: Option<String>,
    /// Whether the path names a collection rather than one resource.
    pub(super) collection: bool,
}

pub(super) fn parse(path: &str, sub: &str) -> Option<Target> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segs.len() < 2 || !segs[0].eq_ignore_ascii_case("subscriptions") || segs[1] != sub {
        return None;
    }
    let rest = &segs[2..];
    if rest.is_empty() {
        return None;
    }
    if rest[0].eq_ignore_ascii_case("resourcegroups") {
        if rest.len() == 1 {
            return Some(Target {
                id: path.to_string(),
                kind: "resourceGroups".into(),
                group: None,
                action: None,
                collection: true,
            });
        }
        let group = rest[1].to_string();
        if rest.len() == 2 {
            return Some(Target {
                id: path.to_string(),
                kind: "resourceGroups".into(),
                group: Some(group),
                action: None,
                collection: false,
            });
        }
        if !rest[2].eq_ignore_ascii_case("providers") || rest.len() < 5 {
            return None;
        }
        let ns = rest[3];
        let tail = &rest[4..];
        // tail: type name (type name)* [action]
        let mut kind = ns.to_string();
        let mut i = 0;
        let mut id_len = 2 + 2 + 2; // subscriptions/s/resourceGroups/g/providers/ns
        let mut collection = false;
        while i < tail.len() {
            kind.push('/');
            kind.push_str(tail[i]);
            if i + 1 < tail.len() {
                id_len += 2;
                i += 2;
            } else {
                collection = true;
                id_len += 1;
                i += 1;
            }
        }
        let mut action = None;
        let known = |k: &str| KINDS.iter().any(|(n, _)| n.eq_ignore_ascii_case(k));
        if collection && !known(&kind) {
            // `.../storageAccounts/x/listKeys`: the last segment is an action.
            let (k, a) = kind.rsplit_once('/')?;
            action = Some(a.to_string());
            kind = k.to_string();
            collection = false;
            id_len -= 1;
        }
        let id = format!("/{}", segs[..id_len].join("/"));
        return Some(Target {
            id,
            kind,
            group: Some(group),
            action,
            collection,
        });
    }
    if rest[0].eq_ignore_ascii_case("providers") && rest.len() == 3 {
        return Some(Target {
            id: path.to_string(),
            kind: format!("{}/{}", rest[1], rest[2]),
            group: None,
            action: None,
            collection: true,
        });
    }
    if rest[0].eq_ignore_ascii_case("resources") && rest.len() == 1 {
        return Some(Target {
            id: path.to_string(),
            kind: "resources".into(),
            group: None,
            action: None,
            collection: true,
        });
    }
    None
}

/// Resource kinds and their api-versions.
pub(super) const KINDS: &[(&str, &str)] = &[
    ("resourceGroups", API_RESOURCES),
    ("resources", API_RESOURCES),
    ("Microsoft.ContainerService/managedClusters", API_AKS),
    (
        "Microsoft.ContainerService/managedClusters/agentPools",
        API_AKS,
    ),
    ("Microsoft.Storage/storageAccounts", API_STORAGE),
    (
        "Microsoft.Storage/storageAccounts/blobServices",
        API_STORAGE,
    ),
    (
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        API_STORAGE,
    ),
];

pub(super) fn kind_is(t: &Target, k: &str) -> bool {
    t.kind.eq_ignore_ascii_case(k)
}

pub(super) fn last_name(id: &str) -> String {
    id.rsplit('/').next().unwrap_or_default().to_string()
}

pub(super) fn parent_id(id: &str) -> String {
    let segs: Vec<&str> = id.split('/').collect();
    segs[..segs.len().saturating_sub(2)].join("/")
}

pub(super) fn obj(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("made an object above"),
    }
}

pub(super) fn props(v: &mut Value) -> &mut Map<String, Value> {
    obj(obj(v)
        .entry("properties")
        .or_insert(Value::Object(Map::new())))
}

pub(super) fn set_state(v: &mut Value, state: &str) {
    props(v).insert("provisioningState".into(), Value::String(state.into()));
}

pub(super) fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(x) if x.is_object() && v.is_object() => merge(x, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}
