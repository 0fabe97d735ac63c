//! RBAC authorization as the documented `rbac.authorization.k8s.io/v1` rules decide it: a
//! service account may do what a ClusterRoleBinding grants it anywhere, and what a RoleBinding
//! in a namespace grants it (through a Role there or a ClusterRole) in that namespace. A rule
//! matches when its apiGroups, resources and verbs each contain the request's (or `*`), and its
//! resourceNames, if any, contain the object's name. `/version` is open to every authenticated
//! caller (the default `system:discovery` binding).
//!
//! Left out: users and groups other than service accounts, aggregation, escalation checks.

use serde_json::Value;

use super::store::Store;

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum User {
    /// The admin token: everything is allowed (`system:masters`).
    Admin,
    /// A service account's token.
    ServiceAccount {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
}

impl User {
    /// The user name the API server reports.
    pub fn name(&self) -> String {
        match self {
            User::Admin => "kubernetes-admin".into(),
            User::ServiceAccount { namespace, name } => {
                format!("system:serviceaccount:{namespace}:{name}")
            }
        }
    }
}

/// One request to authorize.
pub struct Attributes<'a> {
    /// `get`, `list`, `create`, `patch`, `update`, `delete`.
    pub verb: &'a str,
    /// API group (`""` for core).
    pub group: &'a str,
    /// Resource (`pods`, `serviceaccounts/token`).
    pub resource: &'a str,
    /// Namespace, for namespaced requests.
    pub namespace: Option<&'a str>,
    /// Object name, when the request names one.
    pub name: Option<&'a str>,
}

fn strings(v: &Value, field: &str) -> Vec<String> {
    v.get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|x| x == "*" || x == want)
}

fn rule_allows(rule: &Value, a: &Attributes<'_>) -> bool {
    let names = strings(rule, "resourceNames");
    has(&strings(rule, "apiGroups"), a.group)
        && has(&strings(rule, "resources"), a.resource)
        && has(&strings(rule, "verbs"), a.verb)
        && (names.is_empty() || a.name.is_some_and(|n| names.iter().any(|x| x == n)))
}

fn role_allows(role: Option<&Value>, a: &Attributes<'_>) -> bool {
    role.and_then(|r| r.get("rules"))
        .and_then(Value::as_array)
        .is_some_and(|rules| rules.iter().any(|r| rule_allows(r, a)))
}

fn binds(binding: &Value, namespace: &str, name: &str) -> bool {
    binding
        .get("subjects")
        .and_then(Value::as_array)
        .is_some_and(|subs| {
            subs.iter().any(|s| {
                s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                    && s.get("name").and_then(Value::as_str) == Some(name)
                    && s.get("namespace").and_then(Value::as_str) == Some(namespace)
            })
        })
}

fn object<'s>(store: &'s Store, plural: &str, ns: &str, name: &str) -> Option<&'s Value> {
    store
        .objects
        .get(&(
            "rbac.authorization.k8s.io/v1".to_string(),
            plural.to_string(),
            ns.to_string(),
            name.to_string(),
        ))
        .map(|s| &s.obj)
}

fn role_ref(binding: &Value) -> (String, String) {
    let r = binding.get("roleRef");
    let field = |f: &str| {
        r.and_then(|r| r.get(f))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (field("kind"), field("name"))
}

/// Whether `user` may make request `a`.
pub fn allowed(store: &Store, user: &User, a: &Attributes<'_>) -> bool {
    let (sa_ns, sa) = match user {
        User::Admin => return true,
        User::ServiceAccount { namespace, name } => (namespace.as_str(), name.as_str()),
    };
    let bindings = |plural: &'static str, ns: &'static str| {
        store.objects.iter().filter(move |(k, _)| {
            k.0 == "rbac.authorization.k8s.io/v1" && k.1 == plural && (ns == "*" || k.2 == ns)
        })
    };
    for (_, b) in bindings("clusterrolebindings", "") {
        if !binds(&b.obj, sa_ns, sa) {
            continue;
        }
        let (kind, name) = role_ref(&b.obj);
        if kind == "ClusterRole" && role_allows(object(store, "clusterroles", "", &name), a) {
            return true;
        }
    }
    let Some(ns) = a.namespace else {
        return false;
    };
    for (k, b) in bindings("rolebindings", "*") {
        if k.2 != ns || !binds(&b.obj, sa_ns, sa) {
            continue;
        }
        let (kind, name) = role_ref(&b.obj);
        let role = match kind.as_str() {
            "Role" => object(store, "roles", ns, &name),
            "ClusterRole" => object(store, "clusterroles", "", &name),
            _ => None,
        };
        if role_allows(role, a) {
            return true;
        }
    }
    false
}

/// The API server's message for a refused request.
pub fn forbidden_message(user: &User, a: &Attributes<'_>) -> String {
    let what = match a.name {
        Some(n) => format!("{} \"{n}\"", a.resource),
        None => a.resource.to_string(),
    };
    let scope = match a.namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".into(),
    };
    format!(
        "{what} is forbidden: User \"{}\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
        user.name(),
        a.verb,
        a.resource,
        a.group
    )
}
