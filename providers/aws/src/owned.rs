//! Finding the objects a workspace owns by their `hangar:workspace` tag, for drift reports of
//! objects that state does not record.
//!
//! Looks only at the types asked for: every bucket the credentials can list (S3 lists buckets
//! of every region at once), and the EKS clusters and node groups of every requested region
//! (the configured one when none is given), at most eight regions at a time. A bucket whose
//! tags cannot be read (another account's policy, say) is skipped; a type or region that
//! cannot be listed at all (no permission, an opt-in region not enabled, no endpoint) is
//! reported in `skipped` rather than failing the whole search.

use hangar_provider::{ListOwnedRequest, ListOwnedResponse, OwnedObject, ProviderError};

use crate::eks::NOT_FOUND;
use crate::error::call;
use crate::resource::Aws;
use crate::s3::{get_tags, locate};

const WORKSPACE: &str = "hangar:workspace";
const ADDRESS: &str = "hangar:address";
const TOKEN: &str = "hangar:token";

/// Every bucket, cluster and node group of the requested types tagged
/// `hangar:workspace = req.workspace`.
pub async fn list_owned(
    aws: &Aws,
    req: &ListOwnedRequest,
) -> Result<ListOwnedResponse, ProviderError> {
    let wants = |t: &str| req.types.iter().any(|x| x == t);
    let mut found = ListOwnedResponse::default();
    if wants("aws_s3_bucket") {
        match buckets(aws, &req.workspace).await {
            Ok(mut b) => found.objects.append(&mut b),
            Err(e) => found.skipped.push(e),
        }
    }
    if wants("aws_eks_cluster") || wants("aws_eks_node_group") {
        let regions = if req.regions.is_empty() {
            vec![aws.clients.region.clone()]
        } else {
            req.regions.clone()
        };
        let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
        let mut tasks = tokio::task::JoinSet::new();
        for region in regions {
            let (eks, sem, ws) = (
                aws.clients.eks_in(&region),
                sem.clone(),
                req.workspace.clone(),
            );
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (region, clusters(&eks, &ws).await)
            });
        }
        while let Some(done) = tasks.join_next().await {
            let Ok((region, result)) = done else { continue };
            match result {
                Ok(c) => found
                    .objects
                    .extend(c.into_iter().filter(|o| wants(&o.type_name))),
                Err(mut e) => {
                    e.message = format!("region {region}: {}", e.message);
                    found.skipped.push(e);
                }
            }
        }
    }
    // The same object found twice (an endpoint override serving every region) counts once.
    let mut seen = std::collections::HashSet::new();
    found
        .objects
        .retain(|o| seen.insert((o.type_name.clone(), o.id.clone(), o.region.clone())));
    Ok(found)
}

async fn buckets(aws: &Aws, workspace: &str) -> Result<Vec<OwnedObject>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = call(
            "ListBuckets",
            aws.clients
                .s3
                .list_buckets()
                .set_continuation_token(token)
                .send()
                .await,
        )?;
        for b in page.buckets() {
            let Some(name) = b.name() else { continue };
            let Some((s3, region)) = locate(aws, name).await? else {
                continue;
            };
            let tags = match get_tags(&s3, name).await {
                Ok(t) => t,
                Err(e) if e.code.as_deref() == Some("AccessDenied") => continue,
                Err(e) => return Err(e),
            };
            if tags.get(WORKSPACE).map(String::as_str) == Some(workspace) {
                out.push(OwnedObject {
                    type_name: "aws_s3_bucket".into(),
                    id: name.to_string(),
                    address: tags.get(ADDRESS).cloned(),
                    token: tags.get(TOKEN).cloned(),
                    region: Some(region),
                });
            }
        }
        token = page.continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

async fn clusters(
    eks: &aws_sdk_eks::Client,
    workspace: &str,
) -> Result<Vec<OwnedObject>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = call(
            "ListClusters",
            eks.list_clusters().set_next_token(token).send().await,
        )?;
        for name in page.clusters() {
            let c = match call(
                "DescribeCluster",
                eks.describe_cluster().name(name).send().await,
            ) {
                Ok(o) => o,
                Err(e) if e.is(NOT_FOUND) => continue,
                Err(e) => return Err(e.into()),
            };
            let Some(c) = c.cluster() else { continue };
            let tag = |k: &str| c.tags().and_then(|t| t.get(k)).cloned();
            if tag(WORKSPACE).as_deref() == Some(workspace) {
                out.push(OwnedObject {
                    type_name: "aws_eks_cluster".into(),
                    id: name.clone(),
                    address: tag(ADDRESS),
                    token: tag(TOKEN),
                    region: c.arn().and_then(crate::eks::region_of_arn),
                });
            }
            let groups = match call(
                "ListNodegroups",
                eks.list_nodegroups().cluster_name(name).send().await,
            ) {
                Ok(o) => o,
                Err(e) if e.is(NOT_FOUND) => continue,
                Err(e) => return Err(e.into()),
            };
            for ng in groups.nodegroups() {
                let d = match call(
                    "DescribeNodegroup",
                    eks.describe_nodegroup()
                        .cluster_name(name)
                        .nodegroup_name(ng)
                        .send()
                        .await,
                ) {
                    Ok(o) => o,
                    Err(e) if e.is(NOT_FOUND) => continue,
                    Err(e) => return Err(e.into()),
                };
                let Some(g) = d.nodegroup() else { continue };
                let tag = |k: &str| g.tags().and_then(|t| t.get(k)).cloned();
                if tag(WORKSPACE).as_deref() == Some(workspace) {
                    out.push(OwnedObject {
                        type_name: "aws_eks_node_group".into(),
                        id: format!("{name}:{ng}"),
                        address: tag(ADDRESS),
                        token: tag(TOKEN),
                        region: g.nodegroup_arn().and_then(crate::eks::region_of_arn),
                    });
                }
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}
