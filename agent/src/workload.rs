//! Runs a workload job on the agent's own cluster: a Kubernetes `batch/v1` Job (runs to
//! completion) or `apps/v1` Deployment (ready when all its replicas are), server-side applied
//! as field manager `hangar-agent`, with the workspace's artifact bucket injected into every
//! container as `HANGAR_ARTIFACT_BUCKET` — so the compute and what it writes stay in the region.
//!
//! The control plane has already refused registries and buckets outside the geography before
//! queueing; the agent refuses a workload naming a bucket other than its own as well, and only
//! writes where its service account may (the `hangar_agent` resource's write namespaces).
//!
//! The summary carries pod counts only (ready, succeeded, failed) — never logs or output.
//!
//! Left out: Services and Ingresses, volumes, cancelling a running workload.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hangar_remote::kube::objects::{
    Container as KubeContainer, Deployment, DeploymentSpec, EnvVar, Job as KubeJob,
    JobSpec as KubeJobSpec, LabelSelector, ObjectMeta, PodSpec, PodTemplateSpec,
    ResourceRequirements,
};
use hangar_remote::kube::{kinds, Kube, KubeError};
use hangar_wire::{ErrorSummary, JobStatus, JobSummary, Workload, WorkloadKind, WorkloadStatus};

use crate::job::Finished;

/// Field manager of the agent's writes.
pub const MANAGER: &str = "hangar-agent";
/// The variable every container gets, naming the workspace's artifact bucket.
pub const BUCKET_ENV: &str = "HANGAR_ARTIFACT_BUCKET";

/// How workloads run.
#[derive(Clone, Debug)]
pub struct WorkloadSettings {
    /// Namespace of a workload that names none.
    pub namespace: String,
    /// The workspace's artifact bucket (`s3://NAME`), injected into every container.
    pub artifact_bucket: Option<String>,
    /// How long a workload may take to complete (Job) or become ready (Deployment).
    pub timeout: Duration,
    /// How often its status is read.
    pub poll: Duration,
}

impl Default for WorkloadSettings {
    fn default() -> Self {
        WorkloadSettings {
            namespace: "default".into(),
            artifact_bucket: None,
            timeout: Duration::from_secs(30 * 60),
            poll: Duration::from_secs(2),
        }
    }
}

fn failed(summary: JobSummary, message: String) -> Finished {
    let mut summary = summary;
    summary.errors.push(ErrorSummary {
        address: None,
        code: None,
        message,
    });
    Finished {
        status: JobStatus::Failed,
        summary,
    }
}

fn kube_message(e: &KubeError) -> (Option<String>, String) {
    (e.reason().map(str::to_string), e.to_string())
}

/// Runs `w` (job `id`) to its end on `kube`; a missing cluster, a refused write or a timeout is
/// a failed outcome with the reason.
pub async fn run(kube: Option<&Kube>, w: &Workload, s: &WorkloadSettings, id: i64) -> Finished {
    let started = Instant::now();
    let mut summary = JobSummary::default();
    let mut done = match kube {
        None => failed(
            summary,
            "this agent has no cluster to run workloads on (no --kube-server, not in a cluster)"
                .into(),
        ),
        Some(k) => match bucket(w, s) {
            Err(m) => failed(summary, m),
            Ok(bucket) => {
                let ns = w.namespace.clone().unwrap_or_else(|| s.namespace.clone());
                match execute(k, w, &ns, bucket.as_deref(), s, id).await {
                    Ok((ok, status)) => {
                        summary.workload = Some(status);
                        if ok {
                            Finished {
                                status: JobStatus::Succeeded,
                                summary,
                            }
                        } else {
                            failed(summary, format!("workload {ns}/{} did not succeed", w.name))
                        }
                    }
                    Err(e) => {
                        let (code, message) = kube_message(&e);
                        let mut f = failed(summary, message);
                        if let Some(last) = f.summary.errors.last_mut() {
                            last.code = code;
                        }
                        f
                    }
                }
            }
        },
    };
    done.summary.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    done
}

/// The bucket to inject: the workload's, which must be the agent's own, or the agent's.
fn bucket(w: &Workload, s: &WorkloadSettings) -> Result<Option<String>, String> {
    match (&w.artifact_bucket, &s.artifact_bucket) {
        (Some(asked), Some(own)) if asked != own && !asked.starts_with(&format!("{own}/")) => {
            Err(format!(
                "workload {} names bucket {asked}; this agent's artifact store is {own}",
                w.name
            ))
        }
        (Some(asked), _) => Ok(Some(asked.clone())),
        (None, own) => Ok(own.clone()),
    }
}

fn containers(w: &Workload, bucket: Option<&str>) -> Vec<KubeContainer> {
    w.containers
        .iter()
        .map(|c| {
            let mut env: Vec<EnvVar> = c
                .env
                .iter()
                .map(|e| EnvVar::literal(&e.name, &e.value))
                .collect();
            if let Some(b) = bucket {
                env.push(EnvVar::literal(BUCKET_ENV, b));
            }
            let mut requests = BTreeMap::new();
            if let Some(m) = c.cpu_millicores {
                requests.insert("cpu".to_string(), format!("{m}m"));
            }
            if let Some(m) = c.memory_mib {
                requests.insert("memory".to_string(), format!("{m}Mi"));
            }
            KubeContainer {
                name: c.name.clone(),
                image: c.image.clone(),
                args: c.args.clone(),
                env,
                resources: (!requests.is_empty()).then(|| ResourceRequirements {
                    requests,
                    limits: BTreeMap::new(),
                }),
                security_context: None,
            }
        })
        .collect()
}

async fn execute(
    k: &Kube,
    w: &Workload,
    ns: &str,
    bucket: Option<&str>,
    s: &WorkloadSettings,
    id: i64,
) -> Result<(bool, WorkloadStatus), KubeError> {
    let labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), w.name.clone()),
        ("app.kubernetes.io/managed-by".to_string(), MANAGER.into()),
        ("hangar.io/job".to_string(), id.to_string()),
    ]);
    let selector = BTreeMap::from([("app.kubernetes.io/name".to_string(), w.name.clone())]);
    let template = |restart: Option<&str>| PodTemplateSpec {
        metadata: ObjectMeta {
            labels: selector.clone(),
            ..ObjectMeta::default()
        },
        spec: PodSpec {
            restart_policy: restart.map(str::to_string),
            containers: containers(w, bucket),
            ..PodSpec::default()
        },
    };
    let meta = ObjectMeta::named(&w.name, Some(ns), &labels);
    let deadline = Instant::now() + s.timeout;
    match w.kind {
        WorkloadKind::Job => {
            let obj = KubeJob {
                api_version: "batch/v1".into(),
                kind: "Job".into(),
                metadata: meta,
                spec: Some(KubeJobSpec {
                    backoff_limit: Some(0),
                    template: template(Some("Never")),
                }),
                status: None,
            };
            let _: KubeJob = k
                .apply(kinds::JOB, Some(ns), &w.name, &obj, MANAGER, true)
                .await?;
            loop {
                let job: Option<KubeJob> = k.get(kinds::JOB, Some(ns), &w.name).await?;
                let st = job.and_then(|j| j.status).unwrap_or_default();
                let status = WorkloadStatus {
                    ready: u32::try_from(st.active).unwrap_or(0),
                    succeeded: u32::try_from(st.succeeded).unwrap_or(0),
                    failed: u32::try_from(st.failed).unwrap_or(0),
                };
                if st.has("Complete") {
                    return Ok((true, status));
                }
                if st.has("Failed") || Instant::now() >= deadline {
                    return Ok((false, status));
                }
                tokio::time::sleep(s.poll).await;
            }
        }
        WorkloadKind::Deployment => {
            let replicas = w.replicas.unwrap_or(1);
            let obj = Deployment {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                metadata: meta,
                spec: Some(DeploymentSpec {
                    replicas: Some(i32::try_from(replicas).unwrap_or(i32::MAX)),
                    selector: LabelSelector {
                        match_labels: selector.clone(),
                    },
                    template: template(None),
                }),
                status: None,
            };
            let _: Deployment = k
                .apply(kinds::DEPLOYMENT, Some(ns), &w.name, &obj, MANAGER, true)
                .await?;
            loop {
                let d: Option<Deployment> = k.get(kinds::DEPLOYMENT, Some(ns), &w.name).await?;
                let st = d.and_then(|d| d.status).unwrap_or_default();
                let ready = u32::try_from(st.ready_replicas).unwrap_or(0);
                let status = WorkloadStatus {
                    ready,
                    ..WorkloadStatus::default()
                };
                if ready >= replicas {
                    return Ok((true, status));
                }
                if Instant::now() >= deadline {
                    return Ok((false, status));
                }
                tokio::time::sleep(s.poll).await;
            }
        }
    }
}
