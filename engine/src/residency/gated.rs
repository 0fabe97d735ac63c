//! The engine's only handle on a configured provider: every call passes the residency gate.
//!
//! [`configure`] judges a provider block's places ([`Gate::provider`]) before the provider's
//! `configure` is ever called, and returns a [`GatedProvider`]. Its calls judge what they send
//! — a plan's, create's or update's configuration, a data source's read — before the provider
//! sees it, and return what the cloud reports with the gate's verdict on it ([`Observed`]):
//! callers record an object first (it exists, state must know) and then act on a violation,
//! so nothing is lost and nothing outside the geography is accepted. Engine code never holds
//! a bare [`ConfiguredProvider`].

use std::sync::Arc;

use hangar_core::{Cloud, Diagnostic, Diagnostics, Value};
use hangar_provider::{
    ApplyRequest, ConfigureRequest, ConfiguredProvider, ImportRequest, ListOwnedRequest,
    ListOwnedResponse, PlanRequest, PlanResponse, Provider, ProviderError, ReadDataRequest,
    ReadRequest, RemoteObject, ResourceSchema, Target,
};

use super::gate::{Gate, Resolved};

/// What the cloud reported, with the gate's verdict on where it is.
#[must_use = "a residency violation must be acted on"]
pub struct Observed {
    /// The object.
    pub object: RemoteObject,
    /// Set when the object lies outside the workspace's geography.
    pub violation: Option<Diagnostic>,
}

/// A configured provider behind the residency gate.
pub struct GatedProvider {
    inner: Box<dyn ConfiguredProvider>,
    provider: Arc<dyn Provider>,
    cloud: Option<Cloud>,
    gate: Gate,
    name: String,
}

/// Judges the places of provider configuration `who` (`config` evaluated), then configures
/// it. Fails with the gate's refusals — before the provider is configured — or with the
/// provider's own diagnostics.
pub async fn configure(
    provider: Arc<dyn Provider>,
    gate: &Gate,
    who: &str,
    config: Value,
    at: Option<hangar_core::SourceRange>,
) -> Result<GatedProvider, Diagnostics> {
    let cloud = provider.cloud();
    if let Some(cloud) = cloud {
        let places = provider.provider_places(&config);
        let judged = gate.provider(&format!("provider {who}"), cloud, &places, at);
        if judged.diags.has_errors() {
            return Err(Diagnostics(
                judged
                    .diags
                    .0
                    .into_iter()
                    .filter(Diagnostic::is_error)
                    .collect(),
            ));
        }
    }
    let inner = provider.configure(ConfigureRequest { config }).await?;
    Ok(GatedProvider {
        inner,
        provider,
        cloud,
        gate: gate.clone(),
        name: who.to_string(),
    })
}

/// Runs one provider call, logging it with its timing at debug level (`HANGAR_LOG=debug`).
async fn logged<T>(
    provider: &str,
    call: &str,
    address: &str,
    fut: impl std::future::Future<Output = Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    let started = std::time::Instant::now();
    let out = fut.await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match &out {
        Ok(_) => tracing::debug!(provider, call, address, ms, "provider call"),
        Err(e) => tracing::debug!(provider, call, address, ms, error = %e, "provider call failed"),
    }
    out
}

fn refused(call: &str, d: Diagnostics) -> ProviderError {
    let message =
        d.0.iter()
            .filter(|x| x.is_error())
            .map(|x| x.detail.clone())
            .collect::<Vec<_>>()
            .join(" ");
    ProviderError {
        call: call.into(),
        code: Some("ResidencyViolation".into()),
        message,
    }
}

impl GatedProvider {
    /// The region this configuration targets by default.
    pub fn region(&self) -> Option<String> {
        self.inner.region()
    }

    /// The provider configuration's name, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether its owned-object search really searches the cloud.
    pub fn can_list_owned(&self) -> bool {
        self.inner.can_list_owned()
    }

    /// Judges what `config` of `type_name` (`address`) would send where. Places the
    /// pre-flight already settled are not judged again: those proven by reference (`SameAs`),
    /// and unknown ones (a configured location unknown at plan time was refused there; what
    /// is unknown here is a computed attribute the provider will fill in).
    fn judge(
        &self,
        call: &str,
        address: &str,
        type_name: &str,
        data: bool,
        config: &Value,
    ) -> Result<(), ProviderError> {
        let places = self.provider.places(type_name, data, config);
        // Without a cloud only `Global` places (objects that cannot be placed) are judged.
        let cloud = match self.cloud {
            Some(c) => c,
            None if places
                .iter()
                .any(|p| matches!(p.target, Target::Global { .. })) =>
            {
                Cloud::Aws
            }
            None => return Ok(()),
        };
        let default = self.inner.region();
        let resolved: Vec<_> = places
            .iter()
            .filter_map(|p| {
                let r = match &p.target {
                    Target::Location(l) => Resolved::At(l.clone()),
                    Target::ProviderDefault => Resolved::At(default.clone()?),
                    Target::Unprovable(u) => Resolved::Unprovable(u.clone()),
                    Target::Global { type_name } => Resolved::Global(type_name.clone()),
                    Target::Unknown | Target::SameAs { .. } => return None,
                };
                Some((p, r))
            })
            .collect();
        let j = self.gate.places(address, cloud, &resolved, data, None);
        if j.diags.has_errors() {
            Err(refused(call, j.diags))
        } else {
            Ok(())
        }
    }

    fn observe(&self, address: &str, object: RemoteObject) -> Observed {
        let violation = match (self.cloud, &object.region) {
            (Some(cloud), Some(region)) => self.gate.observed(address, cloud, region).err(),
            _ => None,
        };
        Observed { object, violation }
    }

    /// Plans one instance (`address`) after judging its configuration's places.
    pub async fn plan(
        &self,
        address: &str,
        schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        if !req.config.is_unknown() {
            self.judge(
                "PlanResourceChange",
                address,
                &req.type_name,
                false,
                &req.config,
            )?;
        }
        logged(&self.name, "Plan", address, self.inner.plan(schema, req)).await
    }

    /// Creates an object after judging its planned places.
    pub async fn create(&self, req: ApplyRequest) -> Result<Observed, ProviderError> {
        if let Some(p) = &req.planned {
            self.judge("Create", &req.context.address, &req.type_name, false, p)?;
        }
        let address = req.context.address.clone();
        let obj = logged(&self.name, "Create", &address, self.inner.create(req)).await?;
        Ok(self.observe(&address, obj))
    }

    /// Updates an object after judging its planned places.
    pub async fn update(&self, req: ApplyRequest) -> Result<Observed, ProviderError> {
        if let Some(p) = &req.planned {
            self.judge("Update", &req.context.address, &req.type_name, false, p)?;
        }
        let address = req.context.address.clone();
        let obj = logged(&self.name, "Update", &address, self.inner.update(req)).await?;
        Ok(self.observe(&address, obj))
    }

    /// Deletes an object (removing data never sends it anywhere).
    pub async fn delete(&self, req: ApplyRequest) -> Result<(), ProviderError> {
        let address = req.context.address.clone();
        logged(&self.name, "Delete", &address, self.inner.delete(req)).await
    }

    /// Reads a recorded object back, with the verdict on where the cloud says it is.
    pub async fn read(
        &self,
        address: &str,
        req: ReadRequest,
    ) -> Result<Option<Observed>, ProviderError> {
        let obj = logged(&self.name, "Read", address, self.inner.read(req)).await?;
        Ok(obj.map(|o| self.observe(address, o)))
    }

    /// Reads a data source after judging where its configuration reads from.
    pub async fn read_data(
        &self,
        address: &str,
        req: ReadDataRequest,
    ) -> Result<Observed, ProviderError> {
        self.judge("ReadDataSource", address, &req.type_name, true, &req.config)?;
        let obj = logged(
            &self.name,
            "ReadDataSource",
            address,
            self.inner.read_data(req),
        )
        .await?;
        let violation = match (self.cloud, &obj.region) {
            (Some(cloud), Some(region)) => self
                .gate
                .admit(address, "data source", cloud, region, true)
                .err(),
            _ => None,
        };
        Ok(Observed {
            object: obj,
            violation,
        })
    }

    /// Imports an existing object, with the verdict on where it is.
    pub async fn import(
        &self,
        address: &str,
        req: ImportRequest,
    ) -> Result<Observed, ProviderError> {
        let obj = logged(&self.name, "Import", address, self.inner.import(req)).await?;
        Ok(self.observe(address, obj))
    }

    /// The object an interrupted create made, found by its token.
    pub async fn find_created(
        &self,
        type_name: &str,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        logged(
            &self.name,
            "FindCreated",
            type_name,
            self.inner.find_created(type_name, token, planned),
        )
        .await
    }

    /// Objects carrying the workspace's tags; each found object's region is judged by the
    /// caller through [`GatedProvider::verdict`].
    pub async fn list_owned(
        &self,
        req: ListOwnedRequest,
    ) -> Result<ListOwnedResponse, ProviderError> {
        let types = req.types.join(",");
        logged(&self.name, "ListOwned", &types, self.inner.list_owned(req)).await
    }

    /// The gate's verdict on an object `address` of this provider found in `region`.
    pub fn verdict(&self, address: &str, region: &str) -> Option<Diagnostic> {
        let cloud = self.cloud?;
        self.gate.observed(address, cloud, region).err()
    }
}
