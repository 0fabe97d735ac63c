//! `azurerm_kubernetes_cluster_node_pool`: an agent pool of an AKS cluster (api-version
//! 2024-05-01), created and changed like the cluster with a long-running PUT (`timeouts.create`,
//! default 60m); its region is its cluster's. Import id: the ARM id.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_provider::{
    AttributeSchema, BlockSchema, OperationContext, PlanRequest, PlanResponse, ProviderError,
    RemoteObject, ResourceSchema,
};

use crate::attrs;
use crate::resource::{ArmId, Azure, Default, PlanRules, Resource};
use crate::tags;
use crate::wait::{self, fail};

use crate::kubernetes::{Cluster, Pool, PoolProperties, API};

const POOL_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// `azurerm_kubernetes_cluster_node_pool`.
pub struct NodePool;

impl NodePool {
    fn id_of(v: &Value) -> Option<String> {
        attrs::string(v, "id").or_else(|| {
            Some(format!(
                "{}/agentPools/{}",
                attrs::string(v, "kubernetes_cluster_id")?,
                attrs::string(v, "name")?
            ))
        })
    }

    async fn read_id(
        &self,
        az: &Azure,
        id: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(cluster) = id.rsplit_once("/agentPools/").map(|(c, _)| c.to_string()) else {
            return Ok(None);
        };
        let Some(p): Option<Pool> = az
            .arm
            .get(id, API)
            .await
            .map_err(|e| fail("AgentPools.Get", id, "read", e))?
        else {
            return Ok(None);
        };
        let Some(c): Option<Cluster> = az
            .arm
            .get(&cluster, API)
            .await
            .map_err(|e| fail("ManagedClusters.Get", &cluster, "read", e))?
        else {
            return Ok(None);
        };
        let pp = &p.properties;
        let mut m = BTreeMap::new();
        m.insert(
            "id".into(),
            Value::string(p.id.clone().unwrap_or_else(|| id.to_string())),
        );
        m.insert(
            "name".into(),
            Value::string(
                p.name
                    .clone()
                    .unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_string()),
            ),
        );
        m.insert("kubernetes_cluster_id".into(), Value::string(&cluster));
        m.insert("vm_size".into(), attrs::opt_string(pp.vm_size.clone()));
        m.insert("node_count".into(), attrs::opt_int(pp.count));
        m.insert(
            "vnet_subnet_id".into(),
            attrs::opt_string(pp.vnet_subnet_id.clone()),
        );
        m.insert(
            "mode".into(),
            Value::string(pp.mode.clone().unwrap_or_else(|| "User".into())),
        );
        m.insert(
            "tags".into(),
            tags::user(&pp.tags, attrs::get(shape, "tags")),
        );
        m.insert("timeouts".into(), attrs::get(shape, "timeouts").clone());
        Ok(Some(RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region: Some(c.location),
        }))
    }

    async fn put(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
        knob: &str,
    ) -> Result<RemoteObject, ProviderError> {
        let id = Self::id_of(planned).ok_or_else(|| {
            wait::refuse(
                "AgentPools.CreateOrUpdate",
                "name and kubernetes_cluster_id must be set",
            )
        })?;
        let body = Pool {
            id: None,
            name: None,
            properties: PoolProperties {
                count: attrs::int(planned, "node_count"),
                vm_size: attrs::string(planned, "vm_size"),
                vnet_subnet_id: attrs::string(planned, "vnet_subnet_id"),
                mode: attrs::string(planned, "mode"),
                pool_type: Some("VirtualMachineScaleSets".into()),
                tags: tags::to_write(planned, ctx),
                ..PoolProperties::default()
            },
        };
        let verb = if knob == "create" {
            "creation"
        } else {
            "update"
        };
        let w = wait::wait(
            planned,
            knob,
            POOL_TIMEOUT,
            format!("{verb} of AKS node pool {id}"),
        )?;
        let _: Pool = az
            .arm
            .put(&id, API, &body, &w)
            .await
            .map_err(|e| fail("AgentPools.CreateOrUpdate", &id, knob, e))?;
        self.read_id(az, &id, planned)
            .await?
            .ok_or_else(|| wait::refuse("AgentPools.Get", format!("{id} vanished after {verb}")))
    }
}

#[async_trait]
impl Resource for NodePool {
    fn type_name(&self) -> &'static str {
        "azurerm_kubernetes_cluster_node_pool"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let s = Type::String;
        a.insert("id".into(), AttributeSchema::computed(s.clone()));
        for n in ["name", "kubernetes_cluster_id", "vm_size"] {
            a.insert(n.into(), AttributeSchema::required(s.clone()).force_new());
        }
        a.insert(
            "vnet_subnet_id".into(),
            AttributeSchema::optional(s.clone()).force_new(),
        );
        a.insert(
            "node_count".into(),
            AttributeSchema::optional(Type::Number).describe("Default 1."),
        );
        a.insert(
            "mode".into(),
            AttributeSchema::optional(s).describe("User (default) or System."),
        );
        a.insert(
            "tags".into(),
            AttributeSchema::optional(Type::Map(Box::new(Type::String))),
        );
        b.blocks.insert("timeouts".into(), wait::timeouts_block());
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            defaults: &[("mode", Default::Str("User"))],
            ..PlanRules::default()
        }
    }

    fn plan(
        &self,
        schema: &ResourceSchema,
        mut req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        if attrs::get(&req.config, "node_count").is_null()
            && req
                .config
                .get_attr("node_count")
                .is_some_and(|v| !v.is_unknown())
        {
            req.config = attrs::with(req.config, "node_count", Value::int(1));
        }
        self.rules().plan(schema, req)
    }

    async fn create(
        &self,
        az: &Azure,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        if let Some(id) = Self::id_of(planned) {
            if self.read_id(az, &id, planned).await?.is_some() {
                return Err(ProviderError {
                    call: "AgentPools.CreateOrUpdate".into(),
                    code: Some("ResourceAlreadyExists".into()),
                    message: format!("{id}: the node pool already exists; import it to manage it"),
                });
            }
        }
        self.put(az, planned, ctx, "create").await
    }

    async fn read(&self, az: &Azure, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(id) = Self::id_of(prior) else {
            return Ok(None);
        };
        self.read_id(az, &id, prior).await
    }

    async fn update(
        &self,
        az: &Azure,
        _prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        self.put(az, planned, ctx, "update").await
    }

    async fn delete(&self, az: &Azure, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = Self::id_of(prior) else {
            return Ok(());
        };
        let w = wait::wait(
            prior,
            "delete",
            POOL_TIMEOUT,
            format!("deletion of AKS node pool {id}"),
        )?;
        match az.arm.delete(&id, API, &w).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(fail("AgentPools.Delete", &id, "delete", e)),
        }
    }

    async fn import(&self, az: &Azure, id: &str) -> Result<RemoteObject, ProviderError> {
        let ok =
            ArmId::parse(id).is_some_and(|p| p.names.len() == 2 && p.name("agentPools").is_some());
        if !ok {
            return Err(wait::refuse(
                "Import",
                format!(
                    "\"{id}\" is not a node pool id (.../managedClusters/CLUSTER/agentPools/NAME)"
                ),
            ));
        }
        self.read_id(az, id, &Value::NULL)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("ResourceNotFound".into()),
                message: format!("AKS node pool {id} does not exist"),
            })
    }
}
