//! The test server's object store: objects as JSON, with `resourceVersion`, `uid`,
//! `generation`, and server-side apply's field ownership.
//!
//! Server-side apply follows the documented semantics with one simplification: ownership is
//! tracked per leaf field path, where maps are descended into and **lists are atomic** (the real
//! server merges some lists by key, e.g. containers by name). Applying as manager M:
//! - a field M applies whose current value differs and that another manager owns is a
//!   conflict (409) unless `force=true`, which takes ownership over;
//! - fields M applied before and no longer applies are removed, unless another manager also
//!   owns them;
//! - M then owns exactly the fields it applied, and the object is the merge.
//!
//! An update (`PUT`, or [`Store::edit`] standing in for `kubectl edit`) moves ownership of every
//! field it changes to its manager, as the real server does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// A leaf field path (`["spec", "replicas"]`).
pub type FieldPath = Vec<String>;

/// Where an object is: api version, plural, namespace (`""` for cluster-scoped), name.
pub type Key = (String, String, String, String);

/// One stored object.
#[derive(Clone, Debug)]
pub struct Stored {
    /// The object as the server answers it.
    pub obj: Value,
    /// Field owners.
    pub managers: BTreeMap<String, BTreeSet<FieldPath>>,
    /// When it was created (server clock, milliseconds since start).
    pub created_ms: u64,
}

/// Why an apply was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ApplyError {
    /// Other managers own fields this apply changes.
    Conflict(Vec<(String, FieldPath)>),
    /// `metadata.resourceVersion` was given and is not the current one.
    Stale {
        /// The current version.
        current: String,
    },
}

/// Every object, and the version counter.
#[derive(Default, Debug)]
pub struct Store {
    /// The objects.
    pub objects: BTreeMap<Key, Stored>,
    rv: u64,
    uid: u64,
}

/// Fields the server owns: never part of what a manager applies.
const SERVER_META: &[&str] = &[
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "managedFields",
];

/// The object without server-owned fields (`status`, server metadata).
pub fn strip_server_fields(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
        if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in SERVER_META {
                m.remove(*k);
            }
        }
    }
    v
}

/// The leaf paths of `v`, identity fields (`apiVersion`, `kind`, `metadata.name`,
/// `metadata.namespace`) left out.
pub fn leaves(v: &Value) -> BTreeSet<FieldPath> {
    fn walk(v: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, sub) in m {
                    path.push(k.clone());
                    walk(sub, path, out);
                    path.pop();
                }
            }
            _ => {
                out.insert(path.clone());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(v, &mut Vec::new(), &mut out);
    out.retain(|p| {
        let s: Vec<&str> = p.iter().map(String::as_str).collect();
        !matches!(
            s.as_slice(),
            ["apiVersion"] | ["kind"] | ["metadata", "name"] | ["metadata", "namespace"]
        )
    });
    out
}

/// The value at `path`.
pub fn get_path<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(v, |cur, k| cur.as_object()?.get(k))
}

/// Sets the value at `path`, creating maps on the way.
pub fn set_path(v: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        *v = value;
        return;
    };
    let mut cur = v;
    for k in parents {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Some(m) = cur.as_object_mut() else { return };
        cur = m
            .entry(k.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    if let Some(m) = cur.as_object_mut() {
        m.insert(last.clone(), value);
    }
}

/// Removes the value at `path`, and maps left empty above it (below the top level).
pub fn remove_path(v: &mut Value, path: &[String]) {
    fn go(v: &mut Value, path: &[String], depth: usize) -> bool {
        let Some(m) = v.as_object_mut() else {
            return false;
        };
        match path {
            [] => false,
            [last] => {
                m.remove(last);
                m.is_empty() && depth > 1
            }
            [head, rest @ ..] => {
                let empty = m.get_mut(head).is_some_and(|sub| go(sub, rest, depth + 1));
                if empty {
                    m.remove(head);
                }
                m.is_empty() && depth > 1
            }
        }
    }
    go(v, path, 0);
}

impl Store {
    /// The next `resourceVersion`.
    pub fn next_rv(&mut self) -> String {
        self.rv += 1;
        self.rv.to_string()
    }

    /// The current `resourceVersion` of the whole store.
    pub fn rv(&self) -> String {
        self.rv.to_string()
    }

    fn next_uid(&mut self) -> String {
        self.uid += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.uid)
    }

    /// Creates `obj` at `key` owned by `manager` (the caller checked it is absent).
    pub fn create(
        &mut self,
        key: Key,
        obj: Value,
        manager: &str,
        now_ms: u64,
        stamp: &str,
    ) -> Value {
        let obj = strip_server_fields(obj);
        let mut managers = BTreeMap::new();
        managers.insert(manager.to_string(), leaves(&obj));
        let mut stored = Stored {
            obj,
            managers,
            created_ms: now_ms,
        };
        let rv = self.next_rv();
        let uid = self.next_uid();
        if let Some(m) = meta_mut(&mut stored.obj) {
            m.insert("resourceVersion".into(), rv.into());
            m.insert("uid".into(), uid.into());
            m.insert("creationTimestamp".into(), stamp.into());
            m.insert("generation".into(), 1.into());
        }
        let out = stored.obj.clone();
        self.objects.insert(key, stored);
        out
    }

    /// Server-side applies `applied` as `manager` onto the existing object at `key`; the
    /// object as stored. See the module documentation for the rules.
    pub fn apply(
        &mut self,
        key: &Key,
        applied: Value,
        manager: &str,
        force: bool,
    ) -> Result<Value, ApplyError> {
        let given_rv = get_path(&applied, &["metadata".into(), "resourceVersion".into()])
            .and_then(Value::as_str)
            .map(str::to_string);
        let applied = strip_server_fields(applied);
        let new_set = leaves(&applied);
        let Some(stored) = self.objects.get(key) else {
            return Err(ApplyError::Stale {
                current: String::new(),
            });
        };
        let current_rv = rv_of(&stored.obj);
        if let Some(rv) = given_rv {
            if rv != current_rv {
                return Err(ApplyError::Stale {
                    current: current_rv,
                });
            }
        }
        let mut conflicts = Vec::new();
        for p in &new_set {
            for (m, owned) in &stored.managers {
                if m != manager
                    && owned.contains(p)
                    && get_path(&stored.obj, p) != get_path(&applied, p)
                {
                    conflicts.push((m.clone(), p.clone()));
                }
            }
        }
        if !conflicts.is_empty() && !force {
            return Err(ApplyError::Conflict(conflicts));
        }
        let before = stored.obj.clone();
        let Some(stored) = self.objects.get_mut(key) else {
            return Err(ApplyError::Stale {
                current: current_rv,
            });
        };
        for (m, p) in &conflicts {
            if let Some(set) = stored.managers.get_mut(m) {
                set.remove(p);
            }
        }
        let old_set = stored.managers.get(manager).cloned().unwrap_or_default();
        for p in old_set.difference(&new_set) {
            let shared = stored
                .managers
                .iter()
                .any(|(m, set)| m != manager && set.contains(p));
            if !shared {
                remove_path(&mut stored.obj, p);
            }
        }
        for p in &new_set {
            if let Some(v) = get_path(&applied, p) {
                set_path(&mut stored.obj, p, v.clone());
            }
        }
        stored.managers.insert(manager.to_string(), new_set);
        stored.managers.retain(|_, s| !s.is_empty());
        Ok(self.bump_if_changed(key, &before))
    }

    /// Replaces the object at `key` with `obj` (an update by `manager`): fields that change
    /// move to `manager`. Fails when `obj` names a `resourceVersion` that is not current.
    pub fn update(&mut self, key: &Key, obj: Value, manager: &str) -> Result<Value, ApplyError> {
        let given_rv = get_path(&obj, &["metadata".into(), "resourceVersion".into()])
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some(stored) = self.objects.get_mut(key) else {
            return Err(ApplyError::Stale {
                current: String::new(),
            });
        };
        let current_rv = rv_of(&stored.obj);
        if given_rv.as_deref().is_some_and(|rv| rv != current_rv) {
            return Err(ApplyError::Stale {
                current: current_rv,
            });
        }
        let before = stored.obj.clone();
        let mut next = strip_server_fields(obj);
        for k in SERVER_META {
            if let Some(v) = before.get("metadata").and_then(|m| m.get(*k)) {
                if let Some(m) = meta_mut(&mut next) {
                    m.insert((*k).to_string(), v.clone());
                }
            }
        }
        if let Some(st) = before.get("status") {
            if let Some(o) = next.as_object_mut() {
                o.insert("status".into(), st.clone());
            }
        }
        let changed: BTreeSet<FieldPath> = leaves(&strip_server_fields(next.clone()))
            .into_iter()
            .filter(|p| get_path(&before, p) != get_path(&next, p))
            .collect();
        for set in stored.managers.values_mut() {
            set.retain(|p| !changed.contains(p) && get_path(&next, p).is_some());
        }
        stored
            .managers
            .entry(manager.to_string())
            .or_default()
            .extend(changed);
        stored.managers.retain(|_, s| !s.is_empty());
        stored.obj = next;
        Ok(self.bump_if_changed(key, &before))
    }

    /// Sets the server-owned `status` of the object at `key` (controllers), bumping the version
    /// when it changed.
    pub fn set_status(&mut self, key: &Key, status: Value) {
        let Some(stored) = self.objects.get_mut(key) else {
            return;
        };
        let before = stored.obj.clone();
        if let Some(o) = stored.obj.as_object_mut() {
            o.insert("status".into(), status);
        }
        self.bump_if_changed(key, &before);
    }

    fn bump_if_changed(&mut self, key: &Key, before: &Value) -> Value {
        let changed = self.objects.get(key).is_some_and(|s| {
            strip_server_fields(s.obj.clone()) != strip_server_fields(before.clone())
                || s.obj.get("status") != before.get("status")
        });
        if changed {
            let spec_changed = self
                .objects
                .get(key)
                .is_some_and(|s| s.obj.get("spec") != before.get("spec"));
            let rv = self.next_rv();
            if let Some(s) = self.objects.get_mut(key) {
                if let Some(m) = meta_mut(&mut s.obj) {
                    m.insert("resourceVersion".into(), rv.into());
                    if spec_changed {
                        let g = m.get("generation").and_then(Value::as_u64).unwrap_or(1);
                        m.insert("generation".into(), (g + 1).into());
                    }
                }
            }
        }
        self.objects
            .get(key)
            .map(|s| s.obj.clone())
            .unwrap_or(Value::Null)
    }

    /// The object with its `managedFields` summary, as the server answers it.
    pub fn shown(&self, key: &Key) -> Option<Value> {
        let s = self.objects.get(key)?;
        let mut obj = s.obj.clone();
        let managed: Vec<ManagedFields> = s
            .managers
            .keys()
            .map(|m| ManagedFields {
                manager: m.clone(),
                operation: "Apply",
                fields_type: "FieldsV1",
            })
            .collect();
        if let Some(m) = meta_mut(&mut obj) {
            m.insert(
                "managedFields".into(),
                serde_json::to_value(managed).unwrap_or(Value::Null),
            );
        }
        Some(obj)
    }
}

/// One entry of `metadata.managedFields` (the field sets themselves are not shown).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ManagedFields {
    manager: String,
    operation: &'static str,
    fields_type: &'static str,
}

/// The object's `metadata` map, created if missing.
pub fn meta_mut(v: &mut Value) -> Option<&mut Map<String, Value>> {
    let o = v.as_object_mut()?;
    o.entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

/// The object's `resourceVersion`.
pub fn rv_of(v: &Value) -> String {
    v.get("metadata")
        .and_then(|m| m.get("resourceVersion"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> Key {
        (
            "apps/v1".into(),
            "deployments".into(),
            "ns".into(),
            "d".into(),
        )
    }

    fn p(s: &str) -> FieldPath {
        s.split('.').map(str::to_string).collect()
    }

    #[test]
    fn apply_merges_takes_over_with_force_and_drops_what_a_manager_stopped_applying() {
        let mut s = Store::default();
        let created = s.create(
            key(),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "d", "namespace": "ns", "labels": {"a": "1"}},
                   "spec": {"replicas": 1, "paused": false}}),
            "hangar",
            0,
            "t",
        );
        assert_eq!(rv_of(&created), "1");
        // Another manager sets a field of its own: merged, no conflict.
        let other = s
            .apply(
                &key(),
                json!({"metadata": {"name": "d", "annotations": {"x": "y"}}}),
                "ops",
                false,
            )
            .expect("applies");
        assert_eq!(other["metadata"]["annotations"]["x"], "y");
        assert_eq!(other["spec"]["replicas"], 1);
        // ... and a field hangar owns, with another value: a conflict without force.
        let conflict = s.apply(&key(), json!({"spec": {"replicas": 3}}), "ops", false);
        assert_eq!(
            conflict,
            Err(ApplyError::Conflict(vec![(
                "hangar".into(),
                p("spec.replicas")
            )]))
        );
        let forced = s
            .apply(
                &key(),
                json!({"spec": {"replicas": 3}, "metadata": {"annotations": {"x": "y"}}}),
                "ops",
                true,
            )
            .expect("forced");
        assert_eq!(forced["spec"]["replicas"], 3);
        // hangar stops applying `paused` and the label; `replicas` now belongs to ops.
        let again = s
            .apply(
                &key(),
                json!({"metadata": {"labels": {"a": "1"}}}),
                "hangar",
                false,
            )
            .expect("applies");
        assert!(again["spec"].get("paused").is_none(), "{again}");
        assert_eq!(again["spec"]["replicas"], 3);
        // Unchanged apply: same version.
        let rv = rv_of(&again);
        let same = s
            .apply(
                &key(),
                json!({"metadata": {"labels": {"a": "1"}}}),
                "hangar",
                false,
            )
            .expect("applies");
        assert_eq!(rv_of(&same), rv);
        // A stale resourceVersion precondition is refused.
        let stale = s.apply(
            &key(),
            json!({"metadata": {"resourceVersion": "1"}}),
            "hangar",
            false,
        );
        assert!(matches!(stale, Err(ApplyError::Stale { .. })));
    }

    #[test]
    fn an_update_moves_ownership_of_what_it_changes() {
        let mut s = Store::default();
        s.create(
            key(),
            json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}}),
            "hangar",
            0,
            "t",
        );
        let mut obj = s.objects[&key()].obj.clone();
        obj["spec"]["replicas"] = json!(5);
        s.update(&key(), obj, "kubectl-edit").expect("updates");
        assert!(s.objects[&key()].managers["kubectl-edit"].contains(&p("spec.replicas")));
        assert!(!s.objects[&key()].managers.contains_key("hangar"));
        let conflict = s.apply(&key(), json!({"spec": {"replicas": 1}}), "hangar", false);
        assert!(matches!(conflict, Err(ApplyError::Conflict(_))));
    }
}
