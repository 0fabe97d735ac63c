//! Creating and replacing resources (`PUT`): what ARM validates synchronously, the read-only
//! properties it computes, and the long-running operations it starts.

use super::*;

impl Server {
    pub(super) fn put(&self, t: &Target, body: Value) -> Reply {
        let mut st = self.lock();
        if let Some(r) = self.missing_parent(&st, t) {
            return r;
        }
        let key = t.id.to_ascii_lowercase();
        let name = last_name(&t.id);
        let existing = st.resources.get(&key).cloned();
        let location = body
            .get("location")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut r = body.clone();
        {
            let m = obj(&mut r);
            m.insert("id".into(), Value::String(t.id.clone()));
            m.insert("name".into(), Value::String(name.clone()));
            m.insert("type".into(), Value::String(arm_type(&t.kind)));
        }
        if let (Some(old), Some(new)) = (
            existing
                .as_ref()
                .and_then(|e| e.get("location"))
                .and_then(Value::as_str),
            location.as_deref(),
        ) {
            if !old.eq_ignore_ascii_case(new) {
                let code = if kind_is(t, "resourceGroups") {
                    "InvalidResourceGroupLocation"
                } else {
                    "LocationNotAvailableForResourceType"
                };
                return error(
                    StatusCode::CONFLICT,
                    code,
                    format!(
                        "'{name}' already exists in location '{old}'; it cannot move to '{new}'."
                    ),
                );
            }
        }
        let kind = t.kind.as_str();
        if kind.eq_ignore_ascii_case("resourceGroups") {
            if location.is_none() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "LocationRequired",
                    "The location property is required for this definition.",
                );
            }
            set_state(&mut r, "Succeeded");
            let status = if existing.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            st.resources.insert(key, r.clone());
            return json(status, &r);
        }
        if kind.eq_ignore_ascii_case("Microsoft.ContainerService/managedClusters") {
            let dns = r
                .pointer("/properties/dnsPrefix")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if dns.is_empty() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidParameter",
                    "Required parameter dnsPrefix is missing (null).",
                );
            }
            let loc = location.clone().unwrap_or_default();
            let group = t.group.clone().unwrap_or_default();
            let pools: Vec<Value> = r
                .pointer("/properties/agentPoolProfiles")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if pools.is_empty() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidParameter",
                    "At least one agent pool (agentPoolProfiles) is required.",
                );
            }
            let p = props(&mut r);
            p.remove("agentPoolProfiles");
            p.insert(
                "fqdn".into(),
                Value::String(format!("{dns}-{:08x}.hcp.{loc}.azmk8s.io", hash(&key))),
            );
            p.insert(
                "nodeResourceGroup".into(),
                Value::String(format!("MC_{group}_{name}_{loc}")),
            );
            p.entry("kubernetesVersion")
                .or_insert(Value::String("1.30.5".into()));
            let version = p.get("kubernetesVersion").cloned().unwrap_or(Value::Null);
            p.insert("currentKubernetesVersion".into(), version);
            if let Some(idt) = obj(&mut r).get_mut("identity") {
                let m = obj(idt);
                m.insert(
                    "principalId".into(),
                    Value::String(format!("{:08x}-0000-0000-0000-000000000001", hash(&key))),
                );
                m.insert("tenantId".into(), Value::String(self.cfg.tenant_id.clone()));
            }
            let failure = pools.iter().find_map(quota_failure);
            let op_kind = if existing.is_some() {
                OpKind::Update
            } else {
                OpKind::Create
            };
            set_state(
                &mut r,
                if existing.is_some() {
                    "Updating"
                } else {
                    "Creating"
                },
            );
            for pool in &pools {
                let pname = pool
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_string();
                let pid = format!("{}/agentPools/{pname}", t.id);
                let mut pr = serde_json::json!({"id": pid, "name": pname, "type": "Microsoft.ContainerService/managedClusters/agentPools"});
                let mut pp = pool.clone();
                if let Some(m) = pp.as_object_mut() {
                    m.remove("name");
                }
                obj(&mut pr).insert("properties".into(), pp);
                set_state(&mut pr, "Creating");
                props(&mut pr).insert("mode".into(), Value::String("System".into()));
                let pkey = pid.to_ascii_lowercase();
                if op_kind == OpKind::Update && st.resources.contains_key(&pkey) {
                    if let Some(old) = st.resources.get_mut(&pkey) {
                        merge(old, &pr);
                        set_state(old, "Updating");
                    }
                } else {
                    st.resources.insert(pkey, pr);
                }
            }
            st.resources.insert(key.clone(), r.clone());
            let op = self.start(&mut st, op_kind, &key, failure);
            let shown = with_pools(&st, &key, r);
            let status = if op_kind == OpKind::Create {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            return self.async_reply(status, Some(&shown), &op, "azure-asyncoperation");
        }
        if kind.eq_ignore_ascii_case("Microsoft.ContainerService/managedClusters/agentPools") {
            let failure = quota_failure(&r.get("properties").cloned().unwrap_or(Value::Null));
            let op_kind = if existing.is_some() {
                OpKind::Update
            } else {
                OpKind::Create
            };
            props(&mut r)
                .entry("mode")
                .or_insert(Value::String("User".into()));
            set_state(
                &mut r,
                if existing.is_some() {
                    "Updating"
                } else {
                    "Creating"
                },
            );
            st.resources.insert(key.clone(), r.clone());
            let op = self.start(&mut st, op_kind, &key, failure);
            let status = if op_kind == OpKind::Create {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            return self.async_reply(status, Some(&r), &op, "azure-asyncoperation");
        }
        if kind.eq_ignore_ascii_case("Microsoft.Storage/storageAccounts") {
            if name.len() < 3
                || name.len() > 24
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            {
                return error(StatusCode::BAD_REQUEST, "AccountNameInvalid", format!("{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only."));
            }
            let taken = st.resources.iter().any(|(k, v)| {
                k != &key
                    && v.get("type").and_then(Value::as_str)
                        == Some("Microsoft.Storage/storageAccounts")
                    && v.get("name").and_then(Value::as_str) == Some(name.as_str())
            });
            if taken {
                return error(
                    StatusCode::CONFLICT,
                    "StorageAccountAlreadyTaken",
                    format!("The storage account named {name} is already taken."),
                );
            }
            let Some(loc) = location.clone() else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "LocationRequired",
                    "The location property is required for this definition.",
                );
            };
            self.account_computed(&mut r, &name, &loc);
            if let Some(old) = existing {
                let mut merged = old;
                merge(&mut merged, &r);
                set_state(&mut merged, "Succeeded");
                st.resources.insert(key, merged.clone());
                return json(StatusCode::OK, &merged);
            }
            set_state(&mut r, "Creating");
            st.resources.insert(key.clone(), r);
            let op = self.start(&mut st, OpKind::Create, &key, None);
            return self.async_reply(StatusCode::ACCEPTED, None, &op, "location");
        }
        if kind.eq_ignore_ascii_case("Microsoft.Storage/storageAccounts/blobServices") {
            if name != "default" {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidResourceName",
                    "The blob service's name must be 'default'.",
                );
            }
            let mut svc = st
                .resources
                .get(&key)
                .cloned()
                .unwrap_or_else(|| blob_service(&t.id, None));
            merge(&mut svc, &r);
            st.resources.insert(key, svc.clone());
            return json(StatusCode::OK, &svc);
        }
        if kind.eq_ignore_ascii_case("Microsoft.Storage/storageAccounts/blobServices/containers") {
            let valid = name.len() >= 3
                && name.len() <= 63
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !name.starts_with('-')
                && !name.contains("--");
            if !valid {
                return error(
                    StatusCode::BAD_REQUEST,
                    "ContainerOperationFailure",
                    format!("The specified resource name '{name}' contains invalid characters."),
                );
            }
            let p = props(&mut r);
            p.entry("publicAccess")
                .or_insert(Value::String("None".into()));
            p.insert("hasImmutabilityPolicy".into(), Value::Bool(false));
            p.insert("hasLegalHold".into(), Value::Bool(false));
            let status = if existing.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            st.resources.insert(key, r.clone());
            return json(status, &r);
        }
        error(
            StatusCode::BAD_REQUEST,
            "InvalidResourceType",
            format!("PUT is not served for {kind}."),
        )
    }

    pub(super) fn account_computed(&self, r: &mut Value, name: &str, loc: &str) {
        let blob = match &self.cfg.blob_endpoint {
            Some(e) => format!("{}/{name}/", e.trim_end_matches('/')),
            None => format!("https://{name}.blob.core.windows.net/"),
        };
        let sku = r
            .pointer("/sku/name")
            .and_then(Value::as_str)
            .unwrap_or("Standard_LRS")
            .to_string();
        let geo = ["GRS", "RAGRS", "GZRS", "RAGZRS"]
            .iter()
            .any(|s| sku.ends_with(&format!("_{s}")));
        let secondary = geo
            .then(|| hangar_core::geo::paired_region(hangar_core::Cloud::Azure, loc))
            .flatten();
        let p = props(r);
        p.insert(
            "primaryEndpoints".into(),
            serde_json::json!({ "blob": blob }),
        );
        p.insert("primaryLocation".into(), Value::String(loc.to_string()));
        p.insert("statusOfPrimary".into(), Value::String("available".into()));
        match secondary {
            Some(s) => {
                p.insert("secondaryLocation".into(), Value::String(s.to_string()));
                p.insert(
                    "statusOfSecondary".into(),
                    Value::String("available".into()),
                );
            }
            None => {
                p.remove("secondaryLocation");
                p.remove("statusOfSecondary");
            }
        }
        p.entry("minimumTlsVersion")
            .or_insert(Value::String("TLS1_0".into()));
        p.entry("allowBlobPublicAccess")
            .or_insert(Value::Bool(false));
        p.entry("publicNetworkAccess")
            .or_insert(Value::String("Enabled".into()));
        obj(r)
            .entry("kind")
            .or_insert(Value::String("StorageV2".into()));
    }
}

/// A cluster's body with its agent pools as `agentPoolProfiles`, as ARM shows a cluster.
pub(super) fn with_pools(st: &State, key: &str, mut r: Value) -> Value {
    let prefix = format!("{key}/agentpools/");
    let pools: Vec<Value> = st
        .resources
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
        .map(|(_, p)| {
            let mut v = p.get("properties").cloned().unwrap_or(Value::Null);
            obj(&mut v).insert("name".into(), p.get("name").cloned().unwrap_or(Value::Null));
            v
        })
        .collect();
    props(&mut r).insert("agentPoolProfiles".into(), Value::Array(pools));
    r
}

pub(super) fn blob_service(id: &str, versioning: Option<bool>) -> Value {
    serde_json::json!({
        "id": id,
        "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "properties": { "isVersioningEnabled": versioning.unwrap_or(false) }
    })
}

pub(super) fn quota_failure(pool: &Value) -> Option<ErrorBody> {
    let count = pool.get("count").and_then(Value::as_u64)?;
    (count > QUOTA_NODES).then(|| ErrorBody {
        code: "QuotaExceeded".into(),
        message: format!(
            "Operation could not be completed as it results in exceeding approved Total Regional \
             Cores quota: {count} nodes requested, at most {QUOTA_NODES} allowed."
        ),
    })
}

pub(super) fn arm_type(kind: &str) -> String {
    if kind.eq_ignore_ascii_case("resourceGroups") {
        "Microsoft.Resources/resourceGroups".into()
    } else {
        kind.to_string()
    }
}

/// `tagName eq 'k' and tagValue eq 'v'` as (k, v).
pub(super) fn tag_filter(f: &str) -> Option<(String, String)> {
    let quoted: Vec<&str> = f.split('\'').collect();
    if quoted.len() < 4 || !f.contains("tagName") {
        return None;
    }
    Some((quoted[1].to_string(), quoted[3].to_string()))
}

pub(super) fn hash(s: &str) -> u32 {
    s.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}
