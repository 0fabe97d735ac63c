//! Finding the objects a workspace owns by their `hangar:workspace` tag, for drift reports of
//! objects that state does not record.
//!
//! Looks only at the types asked for: every bucket the credentials can list (in any region),
//! and the EKS clusters and node groups of the configured region. A bucket whose tags cannot be
//! read (another account's policy, say) is skipped; a type that cannot be listed at all (no
//! permission, no endpoint) is reported in `skipped` rather than failing the whole search.

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
        match clusters(aws, &req.workspace).await {
            Ok(c) => found
                .objects
                .extend(c.into_iter().filter(|o| wants(&o.type_name))),
            Err(e) => found.skipped.push(e),
        }
    }
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

async fn clusters(aws: &Aws, workspace: &str) -> Result<Vec<OwnedObject>, ProviderError> {
    let mut out = Vec::new();
    let eks = &aws.clients.eks;
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
