//! `init` over the network: which network origins a plugin may come from (the CLI
//! configuration's `network_mirror` blocks that cover it, then its registry when `direct`
//! allows it: always without a `provider_installation` block, unless an implied mirror holds
//! the provider, as in Terraform), their versions, and installing one verified package into
//! `.terraform/providers/HOST/NAMESPACE/TYPE/VERSION/OS_ARCH`.
//!
//! Nothing here runs unless a plugin is not in a filesystem mirror and not already installed
//! at its locked version: a second `init` and every other command stay off the network.

use std::collections::BTreeSet;
use std::path::Path;

use hangar_core::Diagnostic;
use hangar_provider_plugin::install::mirror::current_platform;
use hangar_provider_plugin::install::{CliConfig, Fetched, Origin, Remote, RemoteError, Version};

use super::{installed_dir, Spec};

/// Network installation for one `init`: the client and its runtime are made on first use.
pub(super) struct Network {
    cli: CliConfig,
    client: Option<(Remote, tokio::runtime::Runtime)>,
}

fn failed(spec: &Spec, e: impl ToString) -> Diagnostic {
    Diagnostic::error("Failed to install provider", e.to_string()).at(Some(spec.decl.clone()))
}

impl Network {
    /// Network installation under the CLI configuration `cli`.
    pub(super) fn new(cli: CliConfig) -> Network {
        Network { cli, client: None }
    }

    /// The network origins `spec` may come from, in order of preference; `held_locally` says
    /// whether an implied filesystem mirror holds any version of it.
    pub(super) fn origins(&self, spec: &Spec, held_locally: bool) -> Vec<Origin> {
        let mut out: Vec<Origin> = self
            .cli
            .network_mirrors_for(&spec.source)
            .into_iter()
            .map(Origin::NetworkMirror)
            .collect();
        let implied_direct = !self.cli.explicit && !held_locally;
        if implied_direct || (self.cli.explicit && self.cli.direct_allowed(&spec.source)) {
            out.push(Origin::Registry);
        }
        out
    }

    fn client(&mut self, spec: &Spec) -> Result<&(Remote, tokio::runtime::Runtime), Diagnostic> {
        if self.client.is_none() {
            let remote = Remote::new(self.cli.hosts.clone()).map_err(|e| failed(spec, e))?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| failed(spec, e))?;
            self.client = Some((remote, rt));
        }
        self.client
            .as_ref()
            .ok_or_else(|| failed(spec, "no client"))
    }

    /// Every version each origin offers for this platform that `spec`'s constraint allows.
    ///
    /// Fails when an origin cannot be asked.
    pub(super) fn versions(
        &mut self,
        spec: &Spec,
        origins: &[Origin],
    ) -> Result<Vec<(Version, Origin)>, Diagnostic> {
        let platform = current_platform();
        let (remote, rt) = self.client(spec)?;
        let mut out = Vec::new();
        for o in origins {
            let versions = rt
                .block_on(remote.versions(o, &spec.source, &platform))
                .map_err(|e| failed(spec, e))?;
            out.extend(
                versions
                    .into_iter()
                    .filter(|v| spec.constraint.allows(v))
                    .map(|v| (v, o.clone())),
            );
        }
        Ok(out)
    }

    /// Installs `spec` at `version` from the first of `origins` that has it for this
    /// platform, checked against `locked` (the lock file's hashes for it, when any).
    ///
    /// Fails when none has it or the package does not verify.
    pub(super) fn fetch(
        &mut self,
        dir: &Path,
        spec: &Spec,
        version: &Version,
        origins: &[Origin],
        locked: &BTreeSet<String>,
    ) -> Result<Fetched, Diagnostic> {
        let platform = current_platform();
        let dest = installed_dir(dir, &spec.source, version);
        let (remote, rt) = self.client(spec)?;
        let mut missing = Vec::new();
        for o in origins {
            match rt.block_on(remote.fetch(o, &spec.source, version, &platform, &dest, locked)) {
                Ok(f) => return Ok(f),
                Err(e @ RemoteError::NoPlatform { .. }) => missing.push(e.to_string()),
                Err(e) => return Err(failed(spec, e)),
            }
        }
        Err(failed(
            spec,
            if missing.is_empty() {
                format!(
                    "provider {} {version}: no network mirror or registry may be used for it",
                    spec.source
                )
            } else {
                missing.join("; ")
            },
        ))
    }
}
