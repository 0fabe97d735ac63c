//! Cluster metadata for heartbeats, read from the cluster's Kubernetes API: server version,
//! node count, pods by phase, allocatable CPU and memory, and use from the metrics API when the
//! cluster runs a metrics server. Counts and totals only — no names of nodes, pods or anything
//! inside them leave the agent.
//!
//! Left out: per-namespace breakdowns and anything needing more than read rights on nodes and
//! pods (the agent's ClusterRole grants `get`/`list` on exactly those, plus node metrics).

use hangar_remote::kube::objects::{Node, NodeMetrics, Pod};
use hangar_remote::kube::{kinds, quantity, Kube, KubeError};
use hangar_wire::{ClusterMetadata, PodCounts};

/// Reads the cluster's metadata. Fails when the version, nodes or pods cannot be read; a
/// missing metrics API only leaves the use figures at zero.
pub async fn read(kube: &Kube) -> Result<ClusterMetadata, KubeError> {
    let version = kube.version().await?;
    let nodes: Vec<Node> = kube.list(kinds::NODE, None, None).await?;
    let pods: Vec<Pod> = kube.list(kinds::POD, None, None).await?;
    let mut meta = ClusterMetadata {
        kubernetes_version: version.git_version,
        node_count: u32::try_from(nodes.len()).unwrap_or(u32::MAX),
        pods: count_phases(&pods),
        ..ClusterMetadata::default()
    };
    for n in &nodes {
        let Some(st) = &n.status else { continue };
        let alloc = if st.allocatable.is_empty() {
            &st.capacity
        } else {
            &st.allocatable
        };
        meta.cpu_capacity_millicores += alloc
            .get("cpu")
            .and_then(|q| quantity::millicores(q))
            .unwrap_or(0);
        meta.memory_capacity_bytes += alloc
            .get("memory")
            .and_then(|q| quantity::bytes(q))
            .unwrap_or(0);
    }
    // The metrics API is optional: absent (404/503) on clusters without a metrics server.
    if let Ok(metrics) = kube
        .list::<NodeMetrics>(kinds::NODE_METRICS, None, None)
        .await
    {
        for m in &metrics {
            meta.cpu_used_millicores += m
                .usage
                .get("cpu")
                .and_then(|q| quantity::millicores(q))
                .unwrap_or(0);
            meta.memory_used_bytes += m
                .usage
                .get("memory")
                .and_then(|q| quantity::bytes(q))
                .unwrap_or(0);
        }
    }
    Ok(meta)
}

fn count_phases(pods: &[Pod]) -> PodCounts {
    let mut c = PodCounts::default();
    for p in pods {
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
        let slot = match phase {
            Some("Pending") => &mut c.pending,
            Some("Running") => &mut c.running,
            Some("Succeeded") => &mut c.succeeded,
            Some("Failed") => &mut c.failed,
            _ => &mut c.unknown,
        };
        *slot += 1;
    }
    c
}
