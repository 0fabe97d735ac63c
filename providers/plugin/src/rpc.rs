//! The plugin calls Hangar makes, one method per RPC, the same for protocols 5 and 6.
//!
//! Protocol 5 names some calls differently (`GetSchema`, `PrepareProviderConfig`,
//! `ValidateResourceTypeConfig`, `ValidateDataSourceConfig`, `Configure`) but shares their
//! messages with protocol 6 (see `proto/`), so each method only picks the stub. Only the schema
//! answer differs and is converted to protocol 6's form.

use crate::host::{PluginError, Process, Rpc};
use crate::proto::tfplugin6 as v6;
use crate::schema::v5_to_v6;

macro_rules! both {
    ($self:ident, $name:literal, $req:expr, $v5:ident, $v6:ident) => {{
        let req = $req;
        match $self.rpc.clone() {
            Rpc::V5(mut c) => $self.call($name, c.$v5(req)).await,
            Rpc::V6(mut c) => $self.call($name, c.$v6(req)).await,
        }
    }};
}

impl Process {
    /// `GetProviderSchema` (protocol 5: `GetSchema`), as protocol 6's message.
    pub(crate) async fn get_schema(
        &self,
    ) -> Result<v6::get_provider_schema::Response, PluginError> {
        match self.rpc.clone() {
            Rpc::V5(mut c) => {
                let r = self
                    .call(
                        "GetProviderSchema",
                        c.get_schema(crate::proto::tfplugin5::get_provider_schema::Request {}),
                    )
                    .await?;
                Ok(v5_to_v6(r))
            }
            Rpc::V6(mut c) => {
                self.call(
                    "GetProviderSchema",
                    c.get_provider_schema(v6::get_provider_schema::Request {}),
                )
                .await
            }
        }
    }

    /// `ValidateProviderConfig` (protocol 5: `PrepareProviderConfig`).
    pub(crate) async fn validate_provider_config(
        &self,
        req: v6::validate_provider_config::Request,
    ) -> Result<v6::validate_provider_config::Response, PluginError> {
        both!(
            self,
            "ValidateProviderConfig",
            req,
            prepare_provider_config,
            validate_provider_config
        )
    }

    /// `ConfigureProvider` (protocol 5: `Configure`).
    pub(crate) async fn configure_provider(
        &self,
        req: v6::configure_provider::Request,
    ) -> Result<v6::configure_provider::Response, PluginError> {
        both!(
            self,
            "ConfigureProvider",
            req,
            configure,
            configure_provider
        )
    }

    /// `ValidateResourceConfig` (protocol 5: `ValidateResourceTypeConfig`).
    pub(crate) async fn validate_resource_config(
        &self,
        req: v6::validate_resource_config::Request,
    ) -> Result<v6::validate_resource_config::Response, PluginError> {
        both!(
            self,
            "ValidateResourceConfig",
            req,
            validate_resource_type_config,
            validate_resource_config
        )
    }

    /// `ValidateDataResourceConfig` (protocol 5: `ValidateDataSourceConfig`).
    pub(crate) async fn validate_data_resource_config(
        &self,
        req: v6::validate_data_resource_config::Request,
    ) -> Result<v6::validate_data_resource_config::Response, PluginError> {
        both!(
            self,
            "ValidateDataResourceConfig",
            req,
            validate_data_source_config,
            validate_data_resource_config
        )
    }

    /// `UpgradeResourceState`.
    pub(crate) async fn upgrade_resource_state(
        &self,
        req: v6::upgrade_resource_state::Request,
    ) -> Result<v6::upgrade_resource_state::Response, PluginError> {
        both!(
            self,
            "UpgradeResourceState",
            req,
            upgrade_resource_state,
            upgrade_resource_state
        )
    }

    /// `PlanResourceChange`.
    pub(crate) async fn plan_resource_change(
        &self,
        req: v6::plan_resource_change::Request,
    ) -> Result<v6::plan_resource_change::Response, PluginError> {
        both!(
            self,
            "PlanResourceChange",
            req,
            plan_resource_change,
            plan_resource_change
        )
    }

    /// `ApplyResourceChange`.
    pub(crate) async fn apply_resource_change(
        &self,
        req: v6::apply_resource_change::Request,
    ) -> Result<v6::apply_resource_change::Response, PluginError> {
        both!(
            self,
            "ApplyResourceChange",
            req,
            apply_resource_change,
            apply_resource_change
        )
    }

    /// `ReadResource`.
    pub(crate) async fn read_resource(
        &self,
        req: v6::read_resource::Request,
    ) -> Result<v6::read_resource::Response, PluginError> {
        both!(self, "ReadResource", req, read_resource, read_resource)
    }

    /// `ImportResourceState`.
    pub(crate) async fn import_resource_state(
        &self,
        req: v6::import_resource_state::Request,
    ) -> Result<v6::import_resource_state::Response, PluginError> {
        both!(
            self,
            "ImportResourceState",
            req,
            import_resource_state,
            import_resource_state
        )
    }

    /// `ReadDataSource`.
    pub(crate) async fn read_data_source(
        &self,
        req: v6::read_data_source::Request,
    ) -> Result<v6::read_data_source::Response, PluginError> {
        both!(
            self,
            "ReadDataSource",
            req,
            read_data_source,
            read_data_source
        )
    }
}
