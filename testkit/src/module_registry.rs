//! A small Terraform module registry over HTTPS on 127.0.0.1, following the documented module
//! registry protocol: service discovery (`/.well-known/terraform.json` → `modules.v1`),
//! `GET /v1/modules/NAMESPACE/NAME/PROVIDER/versions` and
//! `GET /v1/modules/NAMESPACE/NAME/PROVIDER/VERSION/download` (204 with `X-Terraform-Get`).
//!
//! Its certificate is a fresh self-signed one for `localhost` and `127.0.0.1`; clients trust it
//! through [`ModuleRegistry::ca_file`] (`SSL_CERT_FILE`). Every request path is recorded. Leaves
//! out search, listing and authentication.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::https_server::{json, status, HttpsServer, Reply};

/// One module the registry serves: its versions, each with the address of its code.
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// `X-Terraform-Get` value by version.
    pub versions: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Discovery {
    #[serde(rename = "modules.v1")]
    modules_v1: String,
}

#[derive(Serialize)]
struct VersionsDoc {
    modules: Vec<ModuleVersions>,
}

#[derive(Serialize)]
struct ModuleVersions {
    versions: Vec<VersionEntry>,
}

#[derive(Serialize)]
struct VersionEntry {
    version: String,
}

/// A running registry; stopped when dropped.
pub struct ModuleRegistry {
    /// `localhost:PORT`: the host part of module sources.
    pub host: String,
    server: HttpsServer,
}

impl ModuleRegistry {
    /// Starts a registry serving `modules` (keyed `NAMESPACE/NAME/PROVIDER`) on a free port.
    ///
    /// Panics when the port, certificate or thread cannot be had (test support).
    pub fn start(modules: BTreeMap<String, Module>) -> ModuleRegistry {
        let server = HttpsServer::start(
            "module-registry",
            Arc::new(move |path: &str| handle(&modules, path)),
        );
        ModuleRegistry {
            host: server.host.clone(),
            server,
        }
    }

    /// The PEM file of the registry's certificate, for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> PathBuf {
        self.server.ca_file()
    }

    /// Every request path served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }
}

fn handle(modules: &BTreeMap<String, Module>, path: &str) -> Reply {
    if path == "/.well-known/terraform.json" {
        return json(&Discovery {
            modules_v1: "/v1/modules/".into(),
        });
    }
    let Some(rest) = path.strip_prefix("/v1/modules/") else {
        return status(StatusCode::NOT_FOUND);
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [n, m, p, "versions"] => match modules.get(&format!("{n}/{m}/{p}")) {
            Some(module) => json(&VersionsDoc {
                modules: vec![ModuleVersions {
                    versions: module
                        .versions
                        .keys()
                        .map(|v| VersionEntry { version: v.clone() })
                        .collect(),
                }],
            }),
            None => status(StatusCode::NOT_FOUND),
        },
        [n, m, p, v, "download"] => {
            match modules
                .get(&format!("{n}/{m}/{p}"))
                .and_then(|module| module.versions.get(*v))
            {
                Some(get) => Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .header("x-terraform-get", get.as_str())
                    .body(Full::new(Bytes::new()))
                    .unwrap_or_default(),
                None => status(StatusCode::NOT_FOUND),
            }
        }
        _ => status(StatusCode::NOT_FOUND),
    }
}
