//! The API surface the server follows: the resources it serves (group, version, plural,
//! scope), request paths, query parameters, timestamps, and the validation of what is written.

use std::time::SystemTime;

use serde_json::Value;

use super::store::get_path;

/// One resource the server serves.
#[derive(Clone, Copy, Debug)]
pub(super) struct Res {
    pub(super) api_version: &'static str,
    pub(super) plural: &'static str,
    pub(super) kind: &'static str,
    pub(super) namespaced: bool,
}

impl Res {
    pub(super) fn group(&self) -> &'static str {
        self.api_version
            .split_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }
}

pub(super) const RESOURCES: &[Res] = &[
    Res {
        api_version: "v1",
        plural: "namespaces",
        kind: "Namespace",
        namespaced: false,
    },
    Res {
        api_version: "v1",
        plural: "nodes",
        kind: "Node",
        namespaced: false,
    },
    Res {
        api_version: "v1",
        plural: "serviceaccounts",
        kind: "ServiceAccount",
        namespaced: true,
    },
    Res {
        api_version: "v1",
        plural: "secrets",
        kind: "Secret",
        namespaced: true,
    },
    Res {
        api_version: "v1",
        plural: "pods",
        kind: "Pod",
        namespaced: true,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "clusterroles",
        kind: "ClusterRole",
        namespaced: false,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "clusterrolebindings",
        kind: "ClusterRoleBinding",
        namespaced: false,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "roles",
        kind: "Role",
        namespaced: true,
    },
    Res {
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "rolebindings",
        kind: "RoleBinding",
        namespaced: true,
    },
    Res {
        api_version: "apps/v1",
        plural: "deployments",
        kind: "Deployment",
        namespaced: true,
    },
    Res {
        api_version: "batch/v1",
        plural: "jobs",
        kind: "Job",
        namespaced: true,
    },
    Res {
        api_version: "metrics.k8s.io/v1beta1",
        plural: "nodes",
        kind: "NodeMetrics",
        namespaced: false,
    },
];

/// A parsed request path.
pub(super) struct Target {
    pub(super) res: Res,
    pub(super) ns: Option<String>,
    pub(super) name: Option<String>,
    pub(super) sub: Option<String>,
}

pub(super) fn parse_path(path: &str) -> Option<Target> {
    let segs: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let (api_version, rest) = match segs.first().map(String::as_str) {
        Some("api") => (segs.get(1)?.clone(), &segs[2..]),
        Some("apis") => (format!("{}/{}", segs.get(1)?, segs.get(2)?), segs.get(3..)?),
        _ => return None,
    };
    let find = |plural: &str| {
        RESOURCES
            .iter()
            .find(|r| r.api_version == api_version && r.plural == plural)
            .copied()
    };
    match rest {
        [ns_word, ns, plural, tail @ ..] if ns_word == "namespaces" => {
            let res = find(plural).filter(|r| r.namespaced)?;
            match tail {
                [] => Some(Target {
                    res,
                    ns: Some(ns.clone()),
                    name: None,
                    sub: None,
                }),
                [name] => Some(Target {
                    res,
                    ns: Some(ns.clone()),
                    name: Some(name.clone()),
                    sub: None,
                }),
                [name, sub] => Some(Target {
                    res,
                    ns: Some(ns.clone()),
                    name: Some(name.clone()),
                    sub: Some(sub.clone()),
                }),
                _ => None,
            }
        }
        [plural] => Some(Target {
            res: find(plural)?,
            ns: None,
            name: None,
            sub: None,
        }),
        [plural, name] => {
            let res = find(plural).filter(|r| !r.namespaced)?;
            Some(Target {
                res,
                ns: None,
                name: Some(name.clone()),
                sub: None,
            })
        }
        _ => None,
    }
}

pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| percent_decode(&v.replace('+', " ")))
    })
}

/// RFC 3339 UTC time of the wall clock.
pub(super) fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub(super) fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

pub(super) fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

pub(super) fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let p: Vec<String> = path.iter().map(|x| x.to_string()).collect();
    get_path(v, &p).and_then(Value::as_str)
}

/// Checks what the real API server's validation would refuse of the kinds Hangar writes.
pub(super) fn validate(res: &Res, obj: &Value) -> Result<(), String> {
    let name = str_at(obj, &["metadata", "name"]).unwrap_or("");
    let ok_name = if res.plural == "namespaces" {
        dns_label(name)
    } else {
        dns_subdomain(name)
    };
    if !ok_name {
        return Err(format!(
            "metadata.name: Invalid value: {name:?}: a lowercase RFC 1123 name must consist of lower case alphanumeric characters, '-' or '.'"
        ));
    }
    let template_containers = |path: &[&str]| -> Result<(), String> {
        let p: Vec<String> = path.iter().map(|x| x.to_string()).collect();
        let cs = get_path(obj, &p).and_then(Value::as_array);
        let Some(cs) = cs.filter(|c| !c.is_empty()) else {
            return Err(format!("{}: Required value", path.join(".")));
        };
        for (i, c) in cs.iter().enumerate() {
            if c.get("name")
                .and_then(Value::as_str)
                .is_none_or(|n| !dns_label(n))
            {
                return Err(format!("{}[{i}].name: Invalid value", path.join(".")));
            }
            if c.get("image")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(format!("{}[{i}].image: Required value", path.join(".")));
            }
        }
        Ok(())
    };
    match res.kind {
        "Deployment" => {
            let selector = get_path(
                obj,
                &["spec".into(), "selector".into(), "matchLabels".into()],
            )
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
            .ok_or("spec.selector: Required value")?;
            let labels = get_path(
                obj,
                &[
                    "spec".into(),
                    "template".into(),
                    "metadata".into(),
                    "labels".into(),
                ],
            )
            .and_then(Value::as_object);
            let matches = selector
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
            if !matches {
                return Err("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`".into());
            }
            template_containers(&["spec", "template", "spec", "containers"])
        }
        "Job" => {
            let policy =
                str_at(obj, &["spec", "template", "spec", "restartPolicy"]).unwrap_or("Always");
            if !matches!(policy, "Never" | "OnFailure") {
                return Err(format!(
                    "spec.template.spec.restartPolicy: Unsupported value: {policy:?}: supported values: \"OnFailure\", \"Never\""
                ));
            }
            template_containers(&["spec", "template", "spec", "containers"])
        }
        "Secret" => {
            use base64::Engine as _;
            if let Some(data) = obj.get("data").and_then(Value::as_object) {
                for (k, v) in data {
                    let ok = v.as_str().is_some_and(|s| {
                        base64::engine::general_purpose::STANDARD.decode(s).is_ok()
                    });
                    if !ok {
                        return Err(format!("data[{k}]: Invalid value: not base64"));
                    }
                }
            }
            Ok(())
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let kind = str_at(obj, &["roleRef", "kind"]).unwrap_or("");
            let rname = str_at(obj, &["roleRef", "name"]).unwrap_or("");
            if rname.is_empty() || !matches!(kind, "Role" | "ClusterRole") {
                return Err("roleRef: Required value".into());
            }
            if res.kind == "ClusterRoleBinding" && kind != "ClusterRole" {
                return Err("roleRef.kind: Unsupported value: \"Role\"".into());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
