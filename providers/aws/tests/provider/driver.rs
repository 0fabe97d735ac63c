//! A small stand-in for the engine: configures the provider, shapes configuration the way the
//! engine's body evaluation does, plans and applies, and the shared lifecycle suite.

use std::collections::BTreeMap;

use hangar_core::convert::convert;
use hangar_core::json::to_json;
use hangar_core::{Type, Value};
use hangar_provider::plan::differs;
use hangar_provider::{
    ApplyRequest, BlockSchema, ConfigureRequest, ConfiguredProvider, ImportRequest, Nesting,
    OperationContext, PlanRequest, PlanResponse, Provider, ReadRequest, RemoteObject, Schema,
};
use hangar_provider_aws::AwsProvider;

use crate::moto;

pub const REGION: &str = "eu-central-1";

/// An object from pairs.
pub fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A tuple of values (converted by the schema like configuration is).
pub fn list<const N: usize>(items: [Value; N]) -> Value {
    Value::Tuple(items.into())
}

/// A string tuple.
pub fn strs(items: &[&str]) -> Value {
    Value::Tuple(items.iter().map(|s| Value::string(*s)).collect())
}

/// `{ k = v }` of strings.
pub fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v)))
            .collect(),
    )
}

/// What the engine's body evaluation makes of `given` for `schema`: every attribute present
/// (null when unset) and converted to its type, nested blocks by nesting mode.
pub fn shape(schema: &BlockSchema, given: &Value) -> Value {
    let mut out = BTreeMap::new();
    for (name, a) in &schema.attributes {
        let v = match given.get_attr(name) {
            Some(v) if !v.is_null() => {
                convert(v.clone(), &a.ty).unwrap_or_else(|e| panic!("{name}: {e:?}"))
            }
            _ => Value::Null(a.ty.clone()),
        };
        out.insert(name.clone(), v);
    }
    for (name, b) in &schema.blocks {
        let items: Vec<Value> = match given.get_attr(name) {
            None | Some(Value::Null(_)) => Vec::new(),
            Some(Value::Tuple(xs)) | Some(Value::List(xs)) => {
                xs.iter().map(|x| shape(&b.block, x)).collect()
            }
            Some(x) => vec![shape(&b.block, x)],
        };
        let v = match b.nesting {
            Nesting::Single => items.into_iter().next().unwrap_or(Value::NULL),
            Nesting::List => Value::List(items),
            Nesting::Set => Value::set(items),
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// What the plan means for the engine.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Action {
    Create,
    NoOp,
    Update,
    Replace,
}

pub struct Driver {
    pub schema: Schema,
    pub provider: Box<dyn ConfiguredProvider>,
}

/// The provider block pointing at moto, plus `extra` arguments.
pub fn provider_block(extra: &[(&str, Value)]) -> Value {
    let m = moto::moto();
    let mut block = BTreeMap::from([
        ("region".to_string(), Value::string(REGION)),
        ("access_key".to_string(), Value::string("test")),
        ("secret_key".to_string(), Value::string("test")),
        ("s3_use_path_style".to_string(), Value::Bool(true)),
        (
            "endpoints".to_string(),
            obj([
                ("s3", Value::string(&m.endpoint)),
                ("eks", Value::string(&m.endpoint)),
                ("sts", Value::string(&m.endpoint)),
            ]),
        ),
    ]);
    for (k, v) in extra {
        block.insert(k.to_string(), v.clone());
    }
    Value::Object(block)
}

/// Environment every test runs with: nothing may fall through to real AWS.
pub fn isolate() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Safe: set once, before any test thread reads the environment through the SDK.
        for k in [
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "HTTPS_PROXY",
            "HTTP_PROXY",
        ] {
            std::env::remove_var(k);
        }
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/dev/null");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    });
}

impl Driver {
    pub async fn new() -> Driver {
        Self::with(&[]).await
    }

    pub async fn with(extra: &[(&str, Value)]) -> Driver {
        isolate();
        let p = AwsProvider;
        let schema = p.schema();
        let config = shape(&schema.provider, &provider_block(extra));
        let provider = match p.configure(ConfigureRequest { config }).await {
            Ok(c) => c,
            Err(d) => panic!("configure failed: {d:?}"),
        };
        Driver { schema, provider }
    }

    pub fn config(&self, ty: &str, given: Value) -> Value {
        shape(&self.schema.resources[ty].block, &given)
    }

    pub async fn plan(
        &self,
        ty: &str,
        config: &Value,
        prior: Option<&Value>,
    ) -> (Action, PlanResponse) {
        let schema = &self.schema.resources[ty];
        let resp = self
            .provider
            .plan(
                schema,
                PlanRequest {
                    type_name: ty.into(),
                    prior: prior.cloned(),
                    config: config.clone(),
                    private: Vec::new(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("plan {ty}: {e}"));
        let action = match prior {
            None => Action::Create,
            Some(_) if !resp.requires_replace.is_empty() => Action::Replace,
            Some(p) if differs(p, &resp.planned) => Action::Update,
            Some(_) => Action::NoOp,
        };
        (action, resp)
    }

    fn ctx(ty: &str) -> OperationContext {
        OperationContext {
            address: format!("{ty}.test"),
            workspace: "default".into(),
            token: format!("tok-{}", std::process::id()),
        }
    }

    /// Plans and applies like the engine: create, update or delete-then-create.
    pub async fn apply(
        &self,
        ty: &str,
        config: &Value,
        prior: Option<&Value>,
    ) -> (Action, RemoteObject) {
        let (action, resp) = self.plan(ty, config, prior).await;
        let req = |prior: Option<Value>| ApplyRequest {
            type_name: ty.into(),
            prior,
            planned: Some(resp.planned.clone()),
            context: Self::ctx(ty),
            config: None,
            private: Vec::new(),
        };
        let obj = match action {
            Action::Create => self.provider.create(req(None)).await,
            Action::Update => self.provider.update(req(prior.cloned())).await,
            Action::Replace => {
                self.destroy(ty, prior.expect("prior")).await;
                self.provider.create(req(None)).await
            }
            Action::NoOp => {
                return (
                    action,
                    RemoteObject {
                        attrs: prior.expect("prior").clone(),
                        region: None,
                        deferred: None,
                        private: Vec::new(),
                    },
                )
            }
        };
        let obj = obj.unwrap_or_else(|e| panic!("{action:?} {ty}: {e}"));
        assert!(
            obj.attrs.is_wholly_known(),
            "{ty}: unknowns after apply: {:?}",
            to_json(&obj.attrs)
        );
        (action, obj)
    }

    pub async fn read(&self, ty: &str, prior: &Value) -> Option<Value> {
        self.provider
            .read(ReadRequest {
                type_name: ty.into(),
                prior: prior.clone(),
                private: Vec::new(),
            })
            .await
            .unwrap_or_else(|e| panic!("read {ty}: {e}"))
            .map(|o| o.attrs)
    }

    pub async fn destroy(&self, ty: &str, prior: &Value) {
        self.provider
            .delete(ApplyRequest {
                type_name: ty.into(),
                prior: Some(prior.clone()),
                planned: None,
                context: Self::ctx(ty),
                config: None,
                private: Vec::new(),
            })
            .await
            .unwrap_or_else(|e| panic!("delete {ty}: {e}"));
    }

    pub async fn import(
        &self,
        ty: &str,
        id: &str,
    ) -> Result<RemoteObject, hangar_provider::ProviderError> {
        self.provider
            .import(ImportRequest {
                type_name: ty.into(),
                id: id.into(),
            })
            .await
    }
}

/// One resource type's lifecycle case.
pub struct Case<'a> {
    pub ty: &'a str,
    /// Configuration to create.
    pub create: Value,
    /// A change the API makes in place.
    pub update: Value,
    /// A change that needs a new object.
    pub replace: Value,
    /// Attributes an import cannot know (config-only) and so may differ after import.
    pub config_only: &'a [&'a str],
    /// Whether a read after destroy finds nothing (false where "delete" only resets a setting,
    /// as for versioning, which S3 can suspend but not remove).
    pub gone_after_destroy: bool,
}

async fn assert_no_op(d: &Driver, ty: &str, config: &Value, state: &Value, when: &str) {
    let (action, resp) = d.plan(ty, config, Some(state)).await;
    assert_eq!(
        action,
        Action::NoOp,
        "{ty}: re-plan {when} is not a no-op\n state:   {}\n planned: {}\n replace: {:?}",
        to_json(state),
        to_json(&resp.planned),
        resp.requires_replace
    );
}

/// The shared lifecycle, ending with the object destroyed.
pub async fn lifecycle(d: &Driver, case: Case<'_>, delete_out_of_band: impl AsyncFnOnce(&Value)) {
    let ty = case.ty;
    let create = d.config(ty, case.create);
    let update = d.config(ty, case.update);
    let replace = d.config(ty, case.replace);

    // create
    let (action, created) = d.apply(ty, &create, None).await;
    assert_eq!(action, Action::Create);
    assert_eq!(
        created.region.as_deref(),
        Some(REGION),
        "{ty}: region read back"
    );
    let state = created.attrs;

    // refresh finds no drift and the re-plan is a no-op
    let refreshed = d.read(ty, &state).await.expect("exists after create");
    assert_eq!(
        to_json(&refreshed),
        to_json(&state),
        "{ty}: refresh right after create drifted"
    );
    assert_no_op(d, ty, &create, &refreshed, "after create").await;

    // update in place
    let (action, updated) = d.apply(ty, &update, Some(&refreshed)).await;
    assert_eq!(action, Action::Update, "{ty}: update plan");
    let state = d
        .read(ty, &updated.attrs)
        .await
        .expect("exists after update");
    assert_eq!(
        state.get_attr("id"),
        refreshed.get_attr("id"),
        "{ty}: update keeps the id"
    );
    assert_no_op(d, ty, &update, &state, "after update").await;

    // import finds the same object
    let id = state
        .get_attr("id")
        .and_then(Value::as_str)
        .expect("id")
        .to_string();
    let imported = d
        .import(ty, &id)
        .await
        .unwrap_or_else(|e| panic!("import {ty} {id}: {e}"));
    assert_eq!(
        imported.region.as_deref(),
        Some(REGION),
        "{ty}: import reports the region"
    );
    if let (Value::Object(a), Value::Object(b)) = (&imported.attrs, &state) {
        for (k, v) in b {
            if case.config_only.contains(&k.as_str()) {
                continue;
            }
            assert_eq!(
                a.get(k).map(to_json),
                Some(to_json(v)),
                "{ty}: imported {k} differs from state"
            );
        }
    }
    let (action, _) = d.plan(ty, &update, Some(&imported.attrs)).await;
    assert!(
        matches!(action, Action::NoOp | Action::Update),
        "{ty}: plan after import: {action:?}"
    );

    // replace
    let (action, replaced) = d.apply(ty, &replace, Some(&state)).await;
    assert_eq!(action, Action::Replace, "{ty}: replace plan");
    let state = replaced.attrs;
    assert_no_op(d, ty, &replace, &state, "after replace").await;

    // out-of-band delete: refresh says it is gone, a plan would create it again
    delete_out_of_band(&state).await;
    assert!(
        d.read(ty, &state).await.is_none(),
        "{ty}: still found after out-of-band delete"
    );

    // create again (from the first configuration, whose prerequisites still exist) and destroy
    let (_, again) = d.apply(ty, &create, None).await;
    d.destroy(ty, &again.attrs).await;
    if case.gone_after_destroy {
        assert!(
            d.read(ty, &again.attrs).await.is_none(),
            "{ty}: still found after destroy"
        );
    }
    d.destroy(ty, &again.attrs).await; // deleting what is gone succeeds
}

/// The raw S3 and EKS clients, for changes behind the provider's back.
pub async fn sdk() -> (aws_sdk_s3::Client, aws_sdk_eks::Client) {
    isolate();
    let m = moto::moto();
    let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "test");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(creds)
        .http_client(http)
        .endpoint_url(&m.endpoint)
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    (s3, aws_sdk_eks::Client::new(&conf))
}

/// A string attribute of a state.
pub fn s(v: &Value, k: &str) -> String {
    v.get_attr(k)
        .and_then(|x| x.peel().as_str())
        .unwrap_or_else(|| panic!("no string {k} in {}", to_json(v)))
        .to_string()
}

#[allow(dead_code)]
pub fn null() -> Value {
    Value::Null(Type::Dynamic)
}
