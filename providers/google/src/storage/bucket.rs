//! `google_storage_bucket`: a Cloud Storage bucket.
//!
//! Created with `storage.buckets.insert` carrying every setting and the ownership labels, so
//! the bucket is traceable from its first call. In place (`storage.buckets.patch`): storage
//! class, labels, versioning, uniform bucket-level access, public access prevention, default
//! KMS key and lifecycle rules. Name, location, project and the custom dual-region replace the
//! bucket. `location` is stored upper case, as Google reports it and Terraform records it.
//! `force_destroy` (as recorded in state, like Terraform) deletes every object version first.
//! Import id: the bucket name, or `project/name`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::{Type, Value};
use hangar_google_client::storage::{
    Bucket as ApiBucket, BucketPatch, CustomPlacementConfig, Enabled, Encryption, IamConfiguration,
    Lifecycle, Versioning,
};
use hangar_provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, OperationContext, ProviderError,
    RemoteObject, ResourceSchema,
};

use super::{common_attrs, lifecycle_block, read_lifecycle, single, write_lifecycle};
use crate::attrs;
use crate::error::{missing, on};
use crate::labels;
use crate::resource::{keep, one_block, Google, PlanRules, Resource};

/// `google_storage_bucket`.
pub struct Bucket;

const CONFIG_ONLY: &[&str] = &["force_destroy"];

impl Bucket {
    /// Reads bucket `name`, shaping config-only and optional attributes like `shape`.
    pub(crate) async fn read_named(
        &self,
        g: &Google,
        name: &str,
        shape: &Value,
    ) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(b) = g
            .clients
            .storage
            .get_bucket(name)
            .await
            .map_err(|e| on(&format!("bucket {name}"), e))?
        else {
            return Ok(None);
        };
        Ok(Some(self.shape(g, name, &b, shape)))
    }

    fn shape(&self, g: &Google, name: &str, b: &ApiBucket, shape: &Value) -> RemoteObject {
        let mut m = common_attrs(
            b,
            name,
            shape,
            &g.default_labels,
            attrs::get(shape, "labels"),
        );
        keep(&mut m, shape, CONFIG_ONLY);
        if attrs::get(shape, "force_destroy").is_null() {
            m.insert("force_destroy".into(), Value::Bool(false));
        }
        m.insert(
            "project".into(),
            attrs::opt_string(
                attrs::string(shape, "project").or_else(|| g.clients.project.clone()),
            ),
        );
        let key = b
            .encryption
            .as_ref()
            .and_then(|e| e.default_kms_key_name.clone());
        m.insert(
            "encryption".into(),
            one_block(key.map(|k| attrs::object([("default_kms_key_name", Value::string(k))]))),
        );
        let rules = b
            .lifecycle
            .as_ref()
            .map(|l| l.rule.as_slice())
            .unwrap_or(&[]);
        m.insert("lifecycle_rule".into(), read_lifecycle(rules));
        let dl = b
            .custom_placement_config
            .as_ref()
            .map(|c| c.data_locations.clone())
            .unwrap_or_default();
        m.insert(
            "custom_placement_config".into(),
            one_block((!dl.is_empty()).then(|| {
                attrs::object([(
                    "data_locations",
                    attrs::string_set(dl.iter().map(|d| d.to_ascii_uppercase())),
                )])
            })),
        );
        let region =
            attrs::string(&Value::Object(m.clone()), "location").map(|l| super::region_of(&l));
        RemoteObject {
            deferred: None,
            private: Vec::new(),
            attrs: Value::Object(m),
            region,
        }
    }

    /// Deletes every object version of `name`.
    async fn empty(&self, g: &Google, name: &str) -> Result<(), ProviderError> {
        let what = format!("bucket {name}");
        let objects = match g.clients.storage.list_objects(name, "", true).await {
            Ok(o) => o,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(on(&what, e)),
        };
        for o in objects {
            match g
                .clients
                .storage
                .delete_object(name, &o.name, Some(o.generation()), None)
                .await
            {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(on(&format!("object gs://{name}/{}", o.name), e)),
            }
        }
        Ok(())
    }
}

fn iam_of(v: &Value) -> IamConfiguration {
    IamConfiguration {
        uniform_bucket_level_access: attrs::boolean(v, "uniform_bucket_level_access")
            .map(|enabled| Enabled { enabled }),
        public_access_prevention: attrs::string(v, "public_access_prevention"),
    }
}

fn versioning_of(v: &Value) -> Option<Versioning> {
    attrs::block(v, "versioning").map(|b| Versioning {
        enabled: attrs::boolean(b, "enabled").unwrap_or(false),
    })
}

fn encryption_of(v: &Value) -> Option<Encryption> {
    attrs::block(v, "encryption").map(|b| Encryption {
        default_kms_key_name: attrs::string(b, "default_kms_key_name"),
    })
}

/// The import id's bucket name (`name` or `project/name`).
fn import_name(id: &str) -> (Option<&str>, &str) {
    match id.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, id),
    }
}

#[async_trait]
impl Resource for Bucket {
    fn type_name(&self) -> &'static str {
        "google_storage_bucket"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = BlockSchema::default();
        let a = &mut b.attributes;
        let map = || Type::Map(Box::new(Type::String));
        let s = |d: &'static str| AttributeSchema::computed(Type::String).describe(d);
        a.insert("id".into(), s("The bucket's name."));
        a.insert(
            "name".into(),
            AttributeSchema::required(Type::String).force_new(),
        );
        a.insert(
            "location".into(),
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("Region (EUROPE-WEST3), dual-region (EUR4) or multi-region (EU)."),
        );
        a.insert(
            "project".into(),
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("Project; the provider's when unset."),
        );
        a.insert(
            "storage_class".into(),
            AttributeSchema::optional(Type::String)
                .describe("STANDARD (default), NEARLINE, COLDLINE, ARCHIVE."),
        );
        a.insert(
            "force_destroy".into(),
            AttributeSchema::optional(Type::Bool)
                .describe("Delete every object (and version) when destroying the bucket."),
        );
        a.insert(
            "uniform_bucket_level_access".into(),
            AttributeSchema::optional_computed(Type::Bool),
        );
        a.insert(
            "public_access_prevention".into(),
            AttributeSchema::optional_computed(Type::String).describe("inherited or enforced."),
        );
        a.insert("labels".into(), AttributeSchema::optional(map()));
        a.insert(
            "terraform_labels".into(),
            AttributeSchema::computed(map()).describe("labels and the provider's default_labels."),
        );
        a.insert(
            "effective_labels".into(),
            AttributeSchema::computed(map())
                .describe("Every label on the bucket, Hangar's ownership labels included."),
        );
        a.insert("url".into(), s("gs://NAME"));
        a.insert("self_link".into(), s("The API's link to the bucket."));
        let mut versioning = BlockSchema::default();
        versioning
            .attributes
            .insert("enabled".into(), AttributeSchema::required(Type::Bool));
        b.blocks.insert("versioning".into(), single(versioning));
        let mut enc = BlockSchema::default();
        enc.attributes.insert(
            "default_kms_key_name".into(),
            AttributeSchema::required(Type::String),
        );
        b.blocks.insert("encryption".into(), single(enc));
        b.blocks.insert("lifecycle_rule".into(), lifecycle_block());
        let mut cpc = BlockSchema::default();
        cpc.attributes.insert(
            "data_locations".into(),
            AttributeSchema::required(Type::Set(Box::new(Type::String)))
                .describe("The two regions of a configurable dual-region."),
        );
        b.blocks.insert(
            "custom_placement_config".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: cpc,
                force_new: true,
            },
        );
        ResourceSchema {
            version: 0,
            block: b,
            refreshable: true,
        }
    }

    fn rules(&self) -> PlanRules {
        PlanRules {
            defaults: &[("force_destroy", false)],
            string_defaults: &[("storage_class", "STANDARD")],
            upper: &["location"],
            nested_upper: &[("custom_placement_config", "data_locations")],
            single: &["versioning", "encryption", "custom_placement_config"],
            labels: Some("labels"),
            project: true,
            ..PlanRules::default()
        }
    }

    async fn create(
        &self,
        g: &Google,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let call = "storage.buckets.insert";
        let name = attrs::string(planned, "name").ok_or_else(|| missing(call, "name"))?;
        let project = g.clients.project_of(planned, call)?;
        let dl = attrs::block(planned, "custom_placement_config")
            .map(|c| attrs::strings(c, "data_locations"));
        let iam = iam_of(planned);
        let rules = write_lifecycle(planned);
        let body = ApiBucket {
            name: Some(name.clone()),
            location: attrs::string(planned, "location"),
            storage_class: attrs::string(planned, "storage_class"),
            labels: Some(labels::to_write(planned, "labels", &g.default_labels, ctx)),
            versioning: versioning_of(planned),
            iam_configuration: (iam != IamConfiguration::default()).then_some(iam),
            encryption: encryption_of(planned),
            lifecycle: (!rules.is_empty()).then_some(Lifecycle { rule: rules }),
            custom_placement_config: dl
                .map(|data_locations| CustomPlacementConfig { data_locations }),
            ..ApiBucket::default()
        };
        let created = g
            .clients
            .storage
            .insert_bucket(&project, &body)
            .await
            .map_err(|e| on(&format!("bucket {name}"), e))?;
        Ok(self.shape(g, &name, &created, planned))
    }

    async fn read(&self, g: &Google, prior: &Value) -> Result<Option<RemoteObject>, ProviderError> {
        let Some(name) = attrs::string(prior, "name").or_else(|| attrs::string(prior, "id")) else {
            return Ok(None);
        };
        self.read_named(g, &name, prior).await
    }

    async fn update(
        &self,
        g: &Google,
        prior: &Value,
        planned: &Value,
        ctx: &OperationContext,
    ) -> Result<RemoteObject, ProviderError> {
        let name =
            attrs::string(prior, "name").ok_or_else(|| missing("storage.buckets.patch", "name"))?;
        let mut patch = BucketPatch::default();
        let changed = |k: &str| attrs::get(prior, k) != attrs::get(planned, k);
        if changed("storage_class") {
            patch.storage_class = attrs::string(planned, "storage_class");
        }
        if labels::user_changed(prior, planned) {
            let mut new: BTreeMap<String, Option<String>> =
                labels::to_write(planned, "labels", &g.default_labels, ctx)
                    .into_iter()
                    .map(|(k, v)| (k, Some(v)))
                    .collect();
            for k in attrs::string_map(prior, "effective_labels").into_keys() {
                new.entry(k).or_insert(None);
            }
            patch.labels = Some(new);
        }
        if changed("versioning") {
            patch.versioning = Some(versioning_of(planned).unwrap_or_default());
        }
        if changed("uniform_bucket_level_access") || changed("public_access_prevention") {
            patch.iam_configuration = Some(iam_of(planned));
        }
        if changed("encryption") {
            patch.encryption = Some(encryption_of(planned));
        }
        if changed("lifecycle_rule") {
            let rules = write_lifecycle(planned);
            patch.lifecycle = Some((!rules.is_empty()).then_some(Lifecycle { rule: rules }));
        }
        let b = g
            .clients
            .storage
            .patch_bucket(&name, &patch)
            .await
            .map_err(|e| on(&format!("bucket {name}"), e))?;
        Ok(self.shape(g, &name, &b, planned))
    }

    async fn delete(&self, g: &Google, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = attrs::string(prior, "name").or_else(|| attrs::string(prior, "id")) else {
            return Ok(());
        };
        if attrs::boolean(prior, "force_destroy") == Some(true) {
            self.empty(g, &name).await?;
        }
        match g.clients.storage.delete_bucket(&name).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) if e.is_conflict() => {
                let mut p = on(&format!("bucket {name}"), e);
                p.message.push_str(
                    " (set force_destroy = true and apply before destroying to delete its \
                     objects too)",
                );
                Err(p)
            }
            Err(e) => Err(on(&format!("bucket {name}"), e)),
        }
    }

    async fn import(&self, g: &Google, id: &str) -> Result<RemoteObject, ProviderError> {
        let (project, name) = import_name(id);
        let shape = attrs::object([
            ("name", Value::string(name)),
            ("force_destroy", Value::Bool(false)),
            ("project", attrs::opt_string(project.map(str::to_string))),
            ("versioning", Value::NULL),
        ]);
        self.read_named(g, name, &shape)
            .await?
            .ok_or_else(|| ProviderError {
                call: "Import".into(),
                code: Some("notFound".into()),
                message: format!("bucket {name} does not exist"),
            })
    }

    async fn find_created(
        &self,
        g: &Google,
        token: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let Some(name) = attrs::string(planned, "name") else {
            return Ok(None);
        };
        let b = g
            .clients
            .storage
            .get_bucket(&name)
            .await
            .map_err(|e| on(&format!("bucket {name}"), e))?;
        Ok(b.filter(|b| {
            let l = b.labels.clone().unwrap_or_default();
            // A bucket with this operation's token is ours; one with no ownership labels at
            // all is taken by its (globally unique) name, as for S3, since some endpoints
            // drop labels.
            match labels::get(&l, "token") {
                Some(t) => t == token,
                None => true,
            }
        })
        .map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_may_name_the_project() {
        assert_eq!(import_name("b"), (None, "b"));
        assert_eq!(import_name("p/b"), (Some("p"), "b"));
    }
}
