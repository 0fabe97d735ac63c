//! Hangar's Azure client: Azure Resource Manager and Blob Storage over their documented REST
//! APIs, with Entra ID tokens, on one hyper 1 + rustls (ring) HTTP client.
//!
//! Used by the `azurerm` provider and by the `azurerm` state backend. [`http::Http`] is the one
//! HTTP client; [`auth::TokenSource`] gets bearer tokens (the client-credentials grant against
//! Entra ID's `/{tenant}/oauth2/v2.0/token`, or `az account get-access-token`); [`arm::Arm`]
//! reads and writes ARM resources by id with pinned api-versions and follows long-running
//! operations; [`blob::BlobAccount`] reads and writes containers and blobs with Shared Key or
//! SAS authorization, including leases.
//!
//! Why not the Azure SDK crates: `azure_core` 1.x brings its HTTP transport as reqwest 0.13
//! (a second reqwest major beside this workspace's stack, with rustls on aws-lc-rs by
//! default), so sharing the stack means writing its `HttpClient` adapter anyway;
//! `azure_identity` 1.x refuses any authority host that is not `https`, so tests could not
//! point it at a token endpoint on 127.0.0.1 without a private CA wired into the client; and
//! `azure_storage_blob` 1.x has no Shared Key authorization and a large generated surface. The
//! flows used here are each one documented request (a form POST for a token, a CLI call, a
//! signed REST call), so the crate implements them directly over the shared client. The
//! management crates (`azure_mgmt_*`) are frozen on `azure_core` 0.10 and not used.
//!
//! Nothing here reads instance metadata (IMDS) or any endpoint it was not given: every URL
//! comes from the caller. Left out: managed identity, certificates, OIDC federation, Azure AD
//! authorization of blob requests, retries beyond ARM's `Retry-After` pacing.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arm;
pub mod auth;
pub mod blob;
pub mod error;
pub mod http;
mod xml;

pub use error::Error;
