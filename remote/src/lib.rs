//! Clients for the two remote APIs a region's data plane deals with — its cluster's Kubernetes
//! API ([`kube`]) and Hangar's control plane ([`control`]) — over one HTTP client ([`http`]).
//! The data-plane agent (`hangar-agent`) and the `hangar_agent` resource (`hangar-provider-hangar`)
//! both use them, so the cluster and the control plane are spoken to one way.
//!
//! Why not the `kube` crate: `kube` brings `k8s-openapi`, whose generated types take minutes to
//! compile on the two-core CI machines (measured: see [`kube`]'s module documentation), plus its
//! own tower stack. Hangar needs a dozen object kinds and five verbs, so it speaks the
//! documented REST API directly — typed serde structs for every object it reads or writes,
//! server-side apply (`PATCH` with `application/apply-patch+yaml` and a `fieldManager`) for every
//! write — over the hyper 1 + rustls (ring) client the AWS SDK already builds.
//!
//! Contract: every call has a deadline and reports failures with the call, the HTTP status and
//! the API's own reason and message; tokens are sent only as `Authorization` headers and never
//! appear in errors or `Debug` output. Nothing here retries: callers decide (the agent backs
//! off, a provider reports the error).
//!
//! Left out: watches (the agent polls), kubeconfig files and exec credential plugins (callers
//! pass the endpoint, CA and token — in a cluster they come from the pod's service account),
//! and every object field Hangar does not manage.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod control;
pub mod http;
pub mod kube;

/// A secret string (a bearer token): usable, but never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself (for the one header that carries it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}
