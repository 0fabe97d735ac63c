//! The `terraform` provider and its one resource, `terraform_data`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use hangar_core::{Diagnostics, Type, Value};
use hangar_provider::plan::differs;
use hangar_provider::{
    ApplyRequest, AttributeSchema, BlockSchema, ConfigureRequest, ConfiguredProvider,
    ImportRequest, PlanRequest, PlanResponse, Provider, ProviderError, ReadRequest, RemoteObject,
    ResourceSchema, Schema,
};

/// The built-in `terraform` provider.
#[derive(Debug, Default)]
pub struct TerraformProvider;

fn data_schema() -> ResourceSchema {
    let mut block = BlockSchema::default();
    let attrs = &mut block.attributes;
    attrs.insert("id".into(), AttributeSchema::computed(Type::String));
    attrs.insert("input".into(), AttributeSchema::optional(Type::Dynamic));
    attrs.insert("output".into(), AttributeSchema::computed(Type::Dynamic));
    attrs.insert(
        "triggers_replace".into(),
        AttributeSchema::optional(Type::Dynamic),
    );
    ResourceSchema {
        block,
        refreshable: false,
        version: 0,
    }
}

#[async_trait]
impl Provider for TerraformProvider {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::default();
        s.resources.insert("terraform_data".into(), data_schema());
        s
    }

    async fn configure(
        &self,
        _req: ConfigureRequest,
    ) -> Result<Box<dyn ConfiguredProvider>, Diagnostics> {
        Ok(Box::new(Configured))
    }
}

struct Configured;

fn attr(v: &Value, name: &str) -> Value {
    v.get_attr(name).cloned().unwrap_or(Value::NULL)
}

fn object(pairs: [(&str, Value); 4]) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// Terraform's UUID shape, as the built-in provider's `id`.
fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[async_trait]
impl ConfiguredProvider for Configured {
    fn region(&self) -> Option<String> {
        None
    }

    async fn plan(
        &self,
        _schema: &ResourceSchema,
        req: PlanRequest,
    ) -> Result<PlanResponse, ProviderError> {
        let input = attr(&req.config, "input");
        let triggers = attr(&req.config, "triggers_replace");
        let prior = req.prior.as_ref().filter(|p| !p.is_null());
        let (replace, id, output) = match prior {
            None => (
                Vec::new(),
                Value::Unknown(Type::String),
                Value::Unknown(input.ty()),
            ),
            Some(p) => {
                let replace = differs(&attr(p, "triggers_replace"), &triggers);
                let output = if replace || differs(&attr(p, "input"), &input) {
                    Value::Unknown(input.ty())
                } else {
                    attr(p, "output")
                };
                let id = if replace {
                    Value::Unknown(Type::String)
                } else {
                    attr(p, "id")
                };
                let rr = if replace {
                    vec!["triggers_replace".to_string()]
                } else {
                    Vec::new()
                };
                (rr, id, output)
            }
        };
        // As Terraform's: the output's type always matches the input, a null input included,
        // so a null input plans a known null output.
        let output = if output.is_unknown() && input.is_null() && !input.is_unknown() {
            input.clone()
        } else {
            output
        };
        let planned = object([
            ("id", id),
            ("input", input),
            ("output", output),
            ("triggers_replace", triggers),
        ]);
        Ok(PlanResponse {
            planned,
            requires_replace: replace,
            deferred: None,
            private: Vec::new(),
        })
    }

    async fn create(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = req.planned.unwrap_or(Value::NULL);
        let input = attr(&planned, "input");
        let attrs = object([
            ("id", Value::String(new_id())),
            ("input", input.clone()),
            ("output", input),
            ("triggers_replace", attr(&planned, "triggers_replace")),
        ]);
        Ok(RemoteObject {
            attrs,
            region: None,
            deferred: None,
            private: Vec::new(),
        })
    }

    async fn update(&self, req: ApplyRequest) -> Result<RemoteObject, ProviderError> {
        let planned = req.planned.unwrap_or(Value::NULL);
        let prior = req.prior.unwrap_or(Value::NULL);
        let input = attr(&planned, "input");
        let attrs = object([
            ("id", attr(&prior, "id")),
            ("input", input.clone()),
            ("output", input),
            ("triggers_replace", attr(&planned, "triggers_replace")),
        ]);
        Ok(RemoteObject {
            attrs,
            region: None,
            deferred: None,
            private: Vec::new(),
        })
    }

    async fn delete(&self, _req: ApplyRequest) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn read(&self, req: ReadRequest) -> Result<Option<RemoteObject>, ProviderError> {
        Ok(Some(RemoteObject {
            attrs: req.prior,
            region: None,
            deferred: None,
            private: Vec::new(),
        }))
    }

    async fn import(&self, req: ImportRequest) -> Result<RemoteObject, ProviderError> {
        let attrs = object([
            ("id", Value::String(req.id)),
            ("input", Value::NULL),
            ("output", Value::NULL),
            ("triggers_replace", Value::NULL),
        ]);
        Ok(RemoteObject {
            attrs,
            region: None,
            deferred: None,
            private: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(input: Value, triggers: Value) -> Value {
        object([
            ("id", Value::NULL),
            ("input", input),
            ("output", Value::NULL),
            ("triggers_replace", triggers),
        ])
    }

    #[tokio::test]
    async fn input_change_updates_and_trigger_change_replaces() {
        let p = Configured;
        let prior = object([
            ("id", "i".into()),
            ("input", "x".into()),
            ("output", "x".into()),
            ("triggers_replace", Value::NULL),
        ]);
        let same = p
            .plan(
                &data_schema(),
                PlanRequest {
                    type_name: "terraform_data".into(),
                    prior: Some(prior.clone()),
                    config: cfg("x".into(), Value::NULL),
                    private: Vec::new(),
                },
            )
            .await
            .expect("plans");
        assert_eq!(same.planned, prior);
        let changed = p
            .plan(
                &data_schema(),
                PlanRequest {
                    type_name: "terraform_data".into(),
                    prior: Some(prior.clone()),
                    config: cfg("y".into(), Value::NULL),
                    private: Vec::new(),
                },
            )
            .await
            .expect("plans");
        assert!(changed.requires_replace.is_empty());
        assert!(attr(&changed.planned, "output").is_unknown());
        assert_eq!(attr(&changed.planned, "id"), Value::string("i"));
        let replaced = p
            .plan(
                &data_schema(),
                PlanRequest {
                    type_name: "terraform_data".into(),
                    prior: Some(prior),
                    config: cfg("x".into(), Value::int(1)),
                    private: Vec::new(),
                },
            )
            .await
            .expect("plans");
        assert_eq!(
            replaced.requires_replace,
            vec!["triggers_replace".to_string()]
        );
        assert!(attr(&replaced.planned, "id").is_unknown());
    }
}
