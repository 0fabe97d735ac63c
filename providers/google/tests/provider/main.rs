//! The google provider through the `Provider` trait: the shared lifecycle for every resource
//! type (buckets against fake-gcs-server, clusters and node pools against the GKE test
//! server), data sources, ownership labels and `list_owned`, crash adoption, credentials and
//! error reporting. Every call goes to 127.0.0.1 with an explicit token or key.

mod auth;
mod errors;
mod gke;
mod owned;
mod storage;
mod support;
