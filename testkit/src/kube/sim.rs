//! What the test server's "cluster" does by itself, before every request: nodes exist,
//! Deployments keep `replicas` pods of their current template, Jobs run pods to completion,
//! pods whose owner is gone are collected, and the metrics API reports node usage.
//!
//! Timing is simulated from the server's clock: a Job's pod is Pending for the first third of
//! the job duration, Running until it ends, then Succeeded — or Failed when a container's image
//! reference contains `:fail` (the test hook for failing workloads; a Deployment whose image
//! does gets pods stuck Pending, never ready).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::store::{get_path, Key, Store};

/// The manager name of the simulated controllers.
pub const CONTROLLER: &str = "kube-controller-manager";

/// Kubelet version of the simulated nodes.
pub const KUBELET_VERSION: &str = "v1.31.2";

const NODE_CPU_MILLI: u64 = 3920;
const NODE_MEMORY_MI: u64 = 15 * 1024;

fn key(api: &str, plural: &str, ns: &str, name: &str) -> Key {
    (api.into(), plural.into(), ns.into(), name.into())
}

fn s(v: &Value, path: &[&str]) -> Option<String> {
    let p: Vec<String> = path.iter().map(|x| x.to_string()).collect();
    get_path(v, &p).and_then(Value::as_str).map(str::to_string)
}

fn i(v: &Value, path: &[&str]) -> Option<i64> {
    let p: Vec<String> = path.iter().map(|x| x.to_string()).collect();
    get_path(v, &p).and_then(Value::as_i64)
}

/// A node as the API server shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeObject {
    api_version: &'static str,
    kind: &'static str,
    metadata: NameOnly,
    status: NodeStatus,
}

#[derive(Serialize)]
struct NameOnly {
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeStatus {
    capacity: BTreeMap<&'static str, String>,
    allocatable: BTreeMap<&'static str, String>,
    node_info: NodeInfo,
    conditions: Vec<NodeCondition>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeInfo {
    kubelet_version: &'static str,
    os_image: &'static str,
}

#[derive(Serialize)]
struct NodeCondition {
    #[serde(rename = "type")]
    type_: &'static str,
    status: &'static str,
}

/// Creates `n` ready nodes.
pub fn seed_nodes(store: &mut Store, n: u32, stamp: &str) {
    for idx in 0..n {
        let name = format!("node-{idx}");
        let node = NodeObject {
            api_version: "v1",
            kind: "Node",
            metadata: NameOnly { name: name.clone() },
            status: NodeStatus {
                capacity: BTreeMap::from([
                    ("cpu", "4".to_string()),
                    ("memory", "16Gi".to_string()),
                    ("pods", "110".to_string()),
                ]),
                allocatable: BTreeMap::from([
                    ("cpu", format!("{NODE_CPU_MILLI}m")),
                    ("memory", format!("{NODE_MEMORY_MI}Mi")),
                    ("pods", "110".to_string()),
                ]),
                node_info: NodeInfo {
                    kubelet_version: KUBELET_VERSION,
                    os_image: "Hangar test node",
                },
                conditions: vec![NodeCondition {
                    type_: "Ready",
                    status: "True",
                }],
            },
        };
        let value = serde_json::to_value(&node).unwrap_or(Value::Null);
        let status = value.get("status").cloned().unwrap_or(Value::Null);
        let k = key("v1", "nodes", "", &name);
        store.create(k.clone(), value, CONTROLLER, 0, stamp);
        store.set_status(&k, status);
    }
}

fn node_names(store: &Store) -> Vec<String> {
    store
        .objects
        .keys()
        .filter(|k| k.0 == "v1" && k.1 == "nodes")
        .map(|k| k.3.clone())
        .collect()
}

fn fails(template: &Value) -> bool {
    template
        .get("spec")
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("image")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.contains(":fail"))
            })
        })
}

/// FNV-1a of the template, as a pod-template-hash.
fn template_hash(template: &Value) -> String {
    let text = serde_json::to_string(template).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h & 0xffff_ffff)
}

struct Owner<'a> {
    kind: &'a str,
    api_version: &'a str,
    name: &'a str,
    uid: &'a str,
    ns: &'a str,
}

#[allow(clippy::too_many_arguments)]
fn new_pod(
    store: &mut Store,
    owner: &Owner<'_>,
    pod_name: &str,
    template: &Value,
    extra_labels: &[(&str, &str)],
    node: &str,
    phase: &str,
    now_ms: u64,
    stamp: &str,
) {
    let mut labels: Map<String, Value> = template
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in extra_labels {
        labels.insert((*k).into(), (*v).into());
    }
    let mut spec = template.get("spec").cloned().unwrap_or(Value::Null);
    if let Some(o) = spec.as_object_mut() {
        o.insert("nodeName".into(), node.into());
    }
    let mut meta = Map::new();
    meta.insert("name".into(), pod_name.into());
    meta.insert("namespace".into(), owner.ns.into());
    meta.insert("labels".into(), Value::Object(labels));
    let mut reference = Map::new();
    reference.insert("apiVersion".into(), owner.api_version.into());
    reference.insert("kind".into(), owner.kind.into());
    reference.insert("name".into(), owner.name.into());
    reference.insert("uid".into(), owner.uid.into());
    reference.insert("controller".into(), true.into());
    meta.insert(
        "ownerReferences".into(),
        Value::Array(vec![Value::Object(reference)]),
    );
    let mut pod = Map::new();
    pod.insert("apiVersion".into(), "v1".into());
    pod.insert("kind".into(), "Pod".into());
    pod.insert("metadata".into(), Value::Object(meta));
    pod.insert("spec".into(), spec);
    let k = key("v1", "pods", owner.ns, pod_name);
    store.create(k.clone(), Value::Object(pod), CONTROLLER, now_ms, stamp);
    set_phase(store, &k, phase);
}

fn set_phase(store: &mut Store, k: &Key, phase: &str) {
    let mut st = Map::new();
    st.insert("phase".into(), phase.into());
    store.set_status(k, Value::Object(st));
}

fn owned_pods(store: &Store, ns: &str, uid: &str) -> Vec<Key> {
    store
        .objects
        .iter()
        .filter(|(k, v)| {
            k.0 == "v1"
                && k.1 == "pods"
                && k.2 == ns
                && v.obj
                    .get("metadata")
                    .and_then(|m| m.get("ownerReferences"))
                    .and_then(Value::as_array)
                    .is_some_and(|refs| {
                        refs.iter()
                            .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid))
                    })
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// Brings every controller's pods and status up to date at `now_ms`.
pub fn reconcile(store: &mut Store, now_ms: u64, job_ms: u64, stamp: &str) {
    collect_orphans(store);
    let nodes = node_names(store);
    let node_for = |n: usize| {
        nodes
            .get(n % nodes.len().max(1))
            .cloned()
            .unwrap_or_else(|| "node-0".into())
    };
    let deployments: Vec<(Key, Value)> = store
        .objects
        .iter()
        .filter(|(k, _)| k.0 == "apps/v1" && k.1 == "deployments")
        .map(|(k, v)| (k.clone(), v.obj.clone()))
        .collect();
    for (k, d) in deployments {
        let (ns, name) = (k.2.as_str(), k.3.as_str());
        let uid = s(&d, &["metadata", "uid"]).unwrap_or_default();
        let template = d
            .get("spec")
            .and_then(|s| s.get("template"))
            .cloned()
            .unwrap_or(Value::Null);
        let want = i(&d, &["spec", "replicas"]).unwrap_or(1).max(0) as usize;
        let hash = template_hash(&template);
        let phase = if fails(&template) {
            "Pending"
        } else {
            "Running"
        };
        let mut current = Vec::new();
        for pk in owned_pods(store, ns, &uid) {
            let pod_hash = store
                .objects
                .get(&pk)
                .and_then(|p| s(&p.obj, &["metadata", "labels", "pod-template-hash"]));
            if pod_hash.as_deref() == Some(hash.as_str()) && current.len() < want {
                current.push(pk);
            } else {
                store.objects.remove(&pk);
            }
        }
        for n in current.len()..want {
            let pod_name = format!("{name}-{hash}-{n}");
            let owner = Owner {
                kind: "Deployment",
                api_version: "apps/v1",
                name,
                uid: &uid,
                ns,
            };
            new_pod(
                store,
                &owner,
                &pod_name,
                &template,
                &[("pod-template-hash", hash.as_str())],
                &node_for(n),
                phase,
                now_ms,
                stamp,
            );
        }
        let ready = if phase == "Running" { want } else { 0 } as i64;
        let generation = i(&d, &["metadata", "generation"]).unwrap_or(1);
        let status = DeploymentStatus {
            observed_generation: generation,
            replicas: want as i64,
            updated_replicas: want as i64,
            ready_replicas: ready,
            available_replicas: ready,
        };
        store.set_status(&k, serde_json::to_value(status).unwrap_or(Value::Null));
    }
    let jobs: Vec<(Key, Value)> = store
        .objects
        .iter()
        .filter(|(k, _)| k.0 == "batch/v1" && k.1 == "jobs")
        .map(|(k, v)| (k.clone(), v.obj.clone()))
        .collect();
    for (k, j) in jobs {
        reconcile_job(store, &k, &j, now_ms, job_ms, stamp, &node_for(0));
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentStatus {
    observed_generation: i64,
    replicas: i64,
    updated_replicas: i64,
    ready_replicas: i64,
    available_replicas: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JobStatus {
    active: i64,
    succeeded: i64,
    failed: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<JobCondition>,
}

#[derive(Serialize)]
struct JobCondition {
    #[serde(rename = "type")]
    type_: &'static str,
    status: &'static str,
    reason: &'static str,
}

fn reconcile_job(
    store: &mut Store,
    k: &Key,
    j: &Value,
    now_ms: u64,
    job_ms: u64,
    stamp: &str,
    node: &str,
) {
    let (ns, name) = (k.2.as_str(), k.3.as_str());
    let uid = s(j, &["metadata", "uid"]).unwrap_or_default();
    let template = j
        .get("spec")
        .and_then(|s| s.get("template"))
        .cloned()
        .unwrap_or(Value::Null);
    let backoff = i(j, &["spec", "backoffLimit"]).unwrap_or(6);
    let failing = fails(&template);
    let (mut active, mut succeeded, mut failed) = (0i64, 0i64, 0i64);
    let pods = owned_pods(store, ns, &uid);
    for pk in &pods {
        let Some(p) = store.objects.get(pk) else {
            continue;
        };
        let age = now_ms.saturating_sub(p.created_ms);
        let phase = if age < job_ms / 3 {
            "Pending"
        } else if age < job_ms {
            "Running"
        } else if failing {
            "Failed"
        } else {
            "Succeeded"
        };
        match phase {
            "Succeeded" => succeeded += 1,
            "Failed" => failed += 1,
            _ => active += 1,
        }
        if s(&p.obj, &["status", "phase"]).as_deref() != Some(phase) {
            set_phase(store, pk, phase);
        }
    }
    let done = succeeded > 0 || failed > backoff;
    if active == 0 && !done {
        let owner = Owner {
            kind: "Job",
            api_version: "batch/v1",
            name,
            uid: &uid,
            ns,
        };
        let pod_name = format!("{name}-{}", pods.len());
        new_pod(
            store,
            &owner,
            &pod_name,
            &template,
            &[("job-name", name), ("controller-uid", uid.as_str())],
            node,
            "Pending",
            now_ms,
            stamp,
        );
        active += 1;
    }
    let mut conditions = Vec::new();
    if succeeded > 0 {
        conditions.push(JobCondition {
            type_: "Complete",
            status: "True",
            reason: "Completed",
        });
    } else if failed > backoff {
        conditions.push(JobCondition {
            type_: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
        });
    }
    let status = JobStatus {
        active,
        succeeded,
        failed,
        conditions,
    };
    store.set_status(k, serde_json::to_value(status).unwrap_or(Value::Null));
}

/// Deletes pods whose owner no longer exists (background garbage collection).
fn collect_orphans(store: &mut Store) {
    let owners: std::collections::BTreeSet<String> = store
        .objects
        .values()
        .filter_map(|v| s(&v.obj, &["metadata", "uid"]))
        .collect();
    let orphans: Vec<Key> = store
        .objects
        .iter()
        .filter(|(k, v)| {
            k.0 == "v1"
                && k.1 == "pods"
                && v.obj
                    .get("metadata")
                    .and_then(|m| m.get("ownerReferences"))
                    .and_then(Value::as_array)
                    .is_some_and(|refs| {
                        refs.iter().any(|r| {
                            r.get("uid")
                                .and_then(Value::as_str)
                                .is_some_and(|u| !owners.contains(u))
                        })
                    })
        })
        .map(|(k, _)| k.clone())
        .collect();
    for k in orphans {
        store.objects.remove(&k);
    }
}

/// A node's usage as the metrics API reports it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeMetrics {
    api_version: &'static str,
    kind: &'static str,
    metadata: NameOnly,
    timestamp: String,
    window: &'static str,
    usage: BTreeMap<&'static str, String>,
}

/// `metrics.k8s.io/v1beta1` NodeMetrics of every node: 200m and 1Gi for the system, plus
/// 100m and 128Mi for each running pod on the node.
pub fn node_metrics(store: &Store, stamp: &str) -> Vec<Value> {
    node_names(store)
        .into_iter()
        .map(|node| {
            let running = store
                .objects
                .iter()
                .filter(|(k, v)| {
                    k.0 == "v1"
                        && k.1 == "pods"
                        && s(&v.obj, &["spec", "nodeName"]).as_deref() == Some(node.as_str())
                        && s(&v.obj, &["status", "phase"]).as_deref() == Some("Running")
                })
                .count() as u64;
            let m = NodeMetrics {
                api_version: "metrics.k8s.io/v1beta1",
                kind: "NodeMetrics",
                metadata: NameOnly { name: node },
                timestamp: stamp.to_string(),
                window: "30s",
                usage: BTreeMap::from([
                    ("cpu", format!("{}m", 200 + 100 * running)),
                    ("memory", format!("{}Mi", 1024 + 128 * running)),
                ]),
            };
            serde_json::to_value(m).unwrap_or(Value::Null)
        })
        .collect()
}
