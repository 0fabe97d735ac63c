//! A small client for the Google Cloud REST/JSON APIs that Hangar uses: credentials, one HTTP
//! client, Google's error envelope, Cloud Storage's JSON API (`storage/v1`) and GKE's
//! (`container/v1`, with long-running operations).
//!
//! Both the `google` provider and the `gcs` state backend use it, so they share one code path
//! to Google and one way of reporting its errors.
//!
//! Why the documented JSON APIs over raw HTTP rather than an SDK: the official
//! `google-cloud-storage` 1.x administers buckets over gRPC only, which no local emulator
//! speaks, and would add tonic/prost to every cold build; the community `gcloud-storage` crate
//! speaks the JSON API but brings reqwest and its own auth stack. The JSON API over the hyper 1
//! and rustls (ring) client that the AWS SDK already builds serves real Google Cloud and
//! fake-gcs-server alike, with a custom endpoint, and adds no HTTP or TLS crate.
//!
//! Left out: the metadata server (credentials on GCE/GKE come from a key file, a gcloud
//! login or an explicit token, never from 169.254.169.254), resumable uploads (objects are
//! small: state files and locks), and API fields Hangar does not manage.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod container;
pub mod error;
pub mod http;
pub mod session;
pub mod storage;

pub use auth::{Credentials, TokenSource};
pub use error::GoogleError;
pub use http::Http;
pub use session::Session;
