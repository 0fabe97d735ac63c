//! The verbs: get, list, create, update, server-side apply, delete and the TokenRequest
//! subresource, each authorized through [`super::rbac`] and answered as the API does.

use super::*;

impl Cluster {
    pub(super) fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn authenticate(&self, auth: Option<&str>) -> Option<User> {
        let token = auth?.strip_prefix("Bearer ")?.trim();
        if token == self.admin_token {
            return Some(User::Admin);
        }
        let (ns, name) = self.tokens.get(token)?;
        let sa: Key = (
            "v1".into(),
            "serviceaccounts".into(),
            ns.clone(),
            name.clone(),
        );
        self.store
            .objects
            .contains_key(&sa)
            .then(|| User::ServiceAccount {
                namespace: ns.clone(),
                name: name.clone(),
            })
    }

    pub(super) fn issue_token(&mut self, ns: &str, name: &str) -> String {
        self.token_seq += 1;
        let token = format!(
            "kube-sa-{ns}-{name}-{:06}-{}",
            self.token_seq,
            self.now_ms()
        );
        self.tokens.insert(token.clone(), (ns.into(), name.into()));
        token
    }

    fn namespace_exists(&self, ns: &str) -> bool {
        self.store.objects.contains_key(&(
            "v1".into(),
            "namespaces".into(),
            String::new(),
            ns.into(),
        ))
    }

    pub(super) fn handle(
        &mut self,
        method: &Method,
        path: &str,
        query: &str,
        auth: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> (Answer, String) {
        let stamp = rfc3339(SystemTime::now());
        let now = self.now_ms();
        sim::reconcile(&mut self.store, now, self.job_ms, &stamp);
        let Some(user) = self.authenticate(auth) else {
            return (
                failure(401, "Unauthorized", "Unauthorized"),
                "anonymous".into(),
            );
        };
        let who = user.name();
        if path == "/version" {
            let v = VersionInfo {
                major: "1",
                minor: "31",
                git_version: "v1.31.2",
                platform: "linux/amd64",
            };
            return ((200, to_value(&v)), who);
        }
        let Some(t) = parse_path(path) else {
            return (
                failure(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
                who,
            );
        };
        let answer = self.dispatch(&user, method, &t, query, content_type, body, now, &stamp);
        (answer, who)
    }

    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &mut self,
        user: &User,
        method: &Method,
        t: &Target,
        query: &str,
        content_type: &str,
        body: &[u8],
        now: u64,
        stamp: &str,
    ) -> Answer {
        let res = t.res;
        let ns_key = if res.namespaced {
            t.ns.clone().unwrap_or_default()
        } else {
            String::new()
        };
        let resource = match &t.sub {
            Some(sub) => format!("{}/{sub}", res.plural),
            None => res.plural.to_string(),
        };
        let verb = match (method, &t.name, &t.sub) {
            (&Method::GET, Some(_), _) => "get",
            (&Method::GET, None, _) => "list",
            (&Method::POST, _, _) => "create",
            (&Method::PUT, _, _) => "update",
            (&Method::PATCH, _, _) => "patch",
            (&Method::DELETE, _, _) => "delete",
            _ => {
                return failure(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource",
                )
            }
        };
        let attrs = Attributes {
            verb,
            group: res.group(),
            resource: &resource,
            namespace: t.ns.as_deref().filter(|_| res.namespaced),
            name: t.name.as_deref(),
        };
        if !rbac::allowed(&self.store, user, &attrs) {
            return failure(403, "Forbidden", rbac::forbidden_message(user, &attrs));
        }
        if res.kind == "NodeMetrics" {
            let items = sim::node_metrics(&self.store, stamp);
            return match (&t.name, verb) {
                (None, "list") => (
                    200,
                    to_value(&List {
                        kind: "NodeMetricsList".into(),
                        api_version: res.api_version,
                        metadata: ListMeta {
                            resource_version: self.store.rv(),
                        },
                        items,
                    }),
                ),
                (Some(n), "get") => items
                    .into_iter()
                    .find(|m| str_at(m, &["metadata", "name"]) == Some(n.as_str()))
                    .map(|m| (200, m))
                    .unwrap_or_else(|| {
                        failure(
                            404,
                            "NotFound",
                            format!("nodemetrics.metrics.k8s.io \"{n}\" not found"),
                        )
                    }),
                _ => failure(405, "MethodNotAllowed", "the metrics API is read-only"),
            };
        }
        let Some(name) = t.name.clone() else {
            return match verb {
                "list" => self.list(res, t.ns.as_deref(), query),
                "create" => self.create(user, res, &ns_key, query, body, now, stamp),
                _ => failure(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on a collection",
                ),
            };
        };
        let key: Key = (
            res.api_version.into(),
            res.plural.into(),
            ns_key.clone(),
            name.clone(),
        );
        let not_found = || {
            failure(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", qualified(&res)),
            )
        };
        if let Some(sub) = &t.sub {
            if res.plural == "serviceaccounts" && sub == "token" && verb == "create" {
                if !self.store.objects.contains_key(&key) {
                    return not_found();
                }
                let token = self.issue_token(&ns_key, &name);
                return (
                    201,
                    to_value(&TokenRequest {
                        api_version: "authentication.k8s.io/v1",
                        kind: "TokenRequest",
                        status: TokenRequestStatus {
                            token,
                            expiration_timestamp: rfc3339(
                                SystemTime::now() + Duration::from_secs(3600),
                            ),
                        },
                    }),
                );
            }
            return failure(
                404,
                "NotFound",
                "the server could not find the requested resource",
            );
        }
        match verb {
            "get" => self
                .store
                .shown(&key)
                .map(|v| (200, v))
                .unwrap_or_else(not_found),
            "delete" => {
                if !self.store.objects.contains_key(&key) {
                    return not_found();
                }
                let orphan = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|v| {
                        v.get("propagationPolicy")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .is_some_and(|p| p == "Orphan");
                self.delete(&key, orphan);
                success()
            }
            "update" => {
                let Ok(obj) = serde_json::from_slice::<Value>(body) else {
                    return failure(400, "BadRequest", "the body is not a JSON object");
                };
                if !self.store.objects.contains_key(&key) {
                    return not_found();
                }
                let manager =
                    query_param(query, "fieldManager").unwrap_or_else(|| "unknown".into());
                let before = self.store.objects.get(&key).cloned();
                match self.store.update(&key, obj, &manager) {
                    Ok(v) => match validate(&res, &v) {
                        Ok(()) => (200, self.store.shown(&key).unwrap_or(v)),
                        Err(msg) => {
                            if let Some(b) = before {
                                self.store.objects.insert(key, b);
                            }
                            failure(422, "Invalid", format!("{} \"{name}\" is invalid: {msg}", res.kind))
                        }
                    },
                    Err(_) => failure(409, "Conflict", format!(
                        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                        qualified(&res)
                    )),
                }
            }
            "patch" => self.apply(user, res, &key, query, content_type, body, now, stamp),
            _ => failure(405, "MethodNotAllowed", "not allowed"),
        }
    }

    fn list(&self, res: Res, ns: Option<&str>, query: &str) -> Answer {
        let selector: Vec<(String, String)> = query_param(query, "labelSelector")
            .map(|s| {
                s.split(',')
                    .filter_map(|kv| {
                        let (k, v) = kv.split_once("==").or_else(|| kv.split_once('='))?;
                        Some((k.trim().to_string(), v.trim().to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let items: Vec<Value> = self
            .store
            .objects
            .iter()
            .filter(|(k, _)| {
                k.0 == res.api_version
                    && k.1 == res.plural
                    && ns.is_none_or(|n| !res.namespaced || k.2 == n)
            })
            .filter(|(_, v)| {
                selector.iter().all(|(k, want)| {
                    str_at(&v.obj, &["metadata", "labels", k]) == Some(want.as_str())
                })
            })
            .filter_map(|(k, _)| self.store.shown(k))
            .collect();
        (
            200,
            to_value(&List {
                kind: format!("{}List", res.kind),
                api_version: res.api_version,
                metadata: ListMeta {
                    resource_version: self.store.rv(),
                },
                items,
            }),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        _user: &User,
        res: Res,
        ns: &str,
        query: &str,
        body: &[u8],
        now: u64,
        stamp: &str,
    ) -> Answer {
        let Ok(mut obj) = serde_json::from_slice::<Value>(body) else {
            return failure(400, "BadRequest", "the body is not a JSON object");
        };
        if !obj.is_object() {
            return failure(400, "BadRequest", "the body is not a JSON object");
        }
        let name = str_at(&obj, &["metadata", "name"])
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            return failure(422, "Invalid", format!("{} \"\" is invalid: metadata.name: Required value: name or generateName is required", res.kind));
        }
        if let Some(e) = self.check_identity(&res, &obj, ns, &name) {
            return e;
        }
        if res.namespaced && !self.namespace_exists(ns) {
            return failure(404, "NotFound", format!("namespaces \"{ns}\" not found"));
        }
        let key: Key = (
            res.api_version.into(),
            res.plural.into(),
            ns.into(),
            name.clone(),
        );
        if self.store.objects.contains_key(&key) {
            return failure(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", qualified(&res)),
            );
        }
        if let Err(msg) = validate(&res, &obj) {
            return failure(
                422,
                "Invalid",
                format!("{} \"{name}\" is invalid: {msg}", res.kind),
            );
        }
        if res.namespaced {
            if let Some(m) = meta_mut(&mut obj) {
                m.insert("namespace".into(), ns.into());
            }
        }
        let manager = query_param(query, "fieldManager").unwrap_or_else(|| "unknown".into());
        self.store.create(key.clone(), obj, &manager, now, stamp);
        sim::reconcile(&mut self.store, now, self.job_ms, stamp);
        (201, self.store.shown(&key).unwrap_or(Value::Null))
    }

    /// 400 when the body's apiVersion, kind, name or namespace disagree with the URL.
    fn check_identity(&self, res: &Res, obj: &Value, ns: &str, name: &str) -> Option<Answer> {
        let api = str_at(obj, &["apiVersion"]).unwrap_or("");
        let kind = str_at(obj, &["kind"]).unwrap_or("");
        if api != res.api_version || kind != res.kind {
            return Some(failure(
                400,
                "BadRequest",
                format!(
                    "the body's apiVersion/kind {api:?}/{kind:?} does not match the resource {}/{}",
                    res.api_version, res.kind
                ),
            ));
        }
        if str_at(obj, &["metadata", "name"]).is_some_and(|n| n != name) {
            return Some(failure(
                400,
                "BadRequest",
                "the name of the object does not match the name on the URL",
            ));
        }
        if res.namespaced && str_at(obj, &["metadata", "namespace"]).is_some_and(|n| n != ns) {
            return Some(failure(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        user: &User,
        res: Res,
        key: &Key,
        query: &str,
        content_type: &str,
        body: &[u8],
        now: u64,
        stamp: &str,
    ) -> Answer {
        let name = key.3.clone();
        let ns = key.2.clone();
        if !content_type.starts_with("application/apply-patch+yaml") {
            return failure(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml (got {content_type:?})"));
        }
        let Some(manager) = query_param(query, "fieldManager").filter(|m| !m.is_empty()) else {
            return failure(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        };
        let force = query_param(query, "force").as_deref() == Some("true");
        let Ok(mut obj) = serde_json::from_slice::<Value>(body) else {
            return failure(
                400,
                "BadRequest",
                "error decoding YAML: this test server accepts JSON apply bodies only",
            );
        };
        if !obj.is_object() {
            return failure(400, "BadRequest", "the apply body is not an object");
        }
        if let Some(e) = self.check_identity(&res, &obj, &ns, &name) {
            return e;
        }
        if res.namespaced && !self.namespace_exists(&ns) {
            return failure(404, "NotFound", format!("namespaces \"{ns}\" not found"));
        }
        if let Some(m) = meta_mut(&mut obj) {
            m.insert("name".into(), name.clone().into());
            if res.namespaced {
                m.insert("namespace".into(), ns.clone().into());
            }
        }
        if !self.store.objects.contains_key(key) {
            // Applying to an object that does not exist creates it: that needs `create` too.
            let attrs = Attributes {
                verb: "create",
                group: res.group(),
                resource: res.plural,
                namespace: res.namespaced.then_some(ns.as_str()),
                name: Some(&name),
            };
            if !rbac::allowed(&self.store, user, &attrs) {
                return failure(403, "Forbidden", rbac::forbidden_message(user, &attrs));
            }
            if let Err(msg) = validate(&res, &obj) {
                return failure(
                    422,
                    "Invalid",
                    format!("{} \"{name}\" is invalid: {msg}", res.kind),
                );
            }
            self.store.create(key.clone(), obj, &manager, now, stamp);
            sim::reconcile(&mut self.store, now, self.job_ms, stamp);
            return (201, self.store.shown(key).unwrap_or(Value::Null));
        }
        let before = self.store.objects.get(key).cloned();
        let old_ref = before.as_ref().and_then(|b| b.obj.get("roleRef").cloned());
        match self.store.apply(key, obj, &manager, force) {
            Ok(v) => {
                let ref_changed = old_ref.is_some() && v.get("roleRef") != old_ref.as_ref();
                let invalid = if ref_changed {
                    Err("roleRef: Invalid value: cannot change roleRef".to_string())
                } else {
                    validate(&res, &v)
                };
                match invalid {
                    Ok(()) => {
                        sim::reconcile(&mut self.store, now, self.job_ms, stamp);
                        (200, self.store.shown(key).unwrap_or(v))
                    }
                    Err(msg) => {
                        if let Some(b) = before {
                            self.store.objects.insert(key.clone(), b);
                        }
                        failure(422, "Invalid", format!("{} \"{name}\" is invalid: {msg}", res.kind))
                    }
                }
            }
            Err(ApplyError::Conflict(list)) => {
                let fields: Vec<String> = list
                    .iter()
                    .map(|(m, p)| format!("conflict with \"{m}\": .{}", p.join(".")))
                    .collect();
                failure(409, "Conflict", format!(
                    "Apply failed with {} conflict{}: {}",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    fields.join(", ")
                ))
            }
            Err(ApplyError::Stale { .. }) => failure(409, "Conflict", format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                qualified(&res)
            )),
        }
    }

    pub(super) fn delete(&mut self, key: &Key, orphan: bool) {
        let uid = self
            .store
            .objects
            .get(key)
            .and_then(|s| str_at(&s.obj, &["metadata", "uid"]).map(str::to_string));
        self.store.objects.remove(key);
        if key.0 == "v1" && key.1 == "namespaces" {
            let ns = key.3.clone();
            self.store.objects.retain(|k, _| k.2 != ns);
        } else if let (Some(uid), false) = (uid, orphan) {
            self.store.objects.retain(|k, v| {
                !(k.1 == "pods"
                    && v.obj
                        .get("metadata")
                        .and_then(|m| m.get("ownerReferences"))
                        .and_then(Value::as_array)
                        .is_some_and(|r| {
                            r.iter()
                                .any(|o| o.get("uid").and_then(Value::as_str) == Some(uid.as_str()))
                        }))
            });
        }
        self.store.next_rv();
    }
}

fn qualified(res: &Res) -> String {
    if res.group().is_empty() {
        res.plural.to_string()
    } else {
        format!("{}.{}", res.plural, res.group())
    }
}
