//! The shared provider lifecycle suite: a small stand-in for the engine that configures a
//! provider, shapes configuration the way the engine's body evaluation does, plans and applies,
//! and runs one resource type through create, no-op re-plan, update in place, import, replace,
//! out-of-band delete, re-create and destroy.
//!
//! Generic over any [`Provider`]; each provider's tests supply the provider block, the region
//! objects must report (compared case-insensitively: GCS reports `EUROPE-WEST3`), and one
//! [`Case`] per resource type. AWS, Google Cloud and Azure all run it
//! (`providers/*/tests/provider/`).

use std::collections::BTreeMap;

use hangar_core::convert::convert;
use hangar_core::json::to_json;
use hangar_core::{Type, Value};
use hangar_provider::plan::differs;
use hangar_provider::{
    ApplyRequest, BlockSchema, ConfigureRequest, ConfiguredProvider, ImportRequest, Nesting,
    OperationContext, PlanRequest, PlanResponse, Provider, ProviderError, ReadRequest,
    RemoteObject, Schema,
};

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

/// A null of any type.
pub fn null() -> Value {
    Value::Null(Type::Dynamic)
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

/// A string attribute of a state; panics when absent.
pub fn s(v: &Value, k: &str) -> String {
    v.get_attr(k)
        .and_then(|x| x.peel().as_str())
        .unwrap_or_else(|| panic!("no string {k} in {}", to_json(v)))
        .to_string()
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
    /// A new object.
    Create,
    /// Nothing to do.
    NoOp,
    /// A change in place.
    Update,
    /// Delete, then create.
    Replace,
}

/// A configured provider with its schema, driven like the engine drives it.
pub struct Driver {
    /// The provider's schema.
    pub schema: Schema,
    /// The configured provider.
    pub provider: Box<dyn ConfiguredProvider>,
    /// The region every object of the suite must report.
    pub region: String,
    /// The workspace written into operation contexts.
    pub workspace: String,
    /// The ownership token of every change this driver makes (hex, like the engine's).
    pub token: String,
}

impl Driver {
    /// Configures `p` with provider block `block` (shaped by its schema); objects are expected
    /// in `region`. Panics with the diagnostics when configuration fails.
    pub async fn new(p: &dyn Provider, block: &Value, region: &str) -> Driver {
        let schema = p.schema();
        let config = shape(&schema.provider, block);
        let provider = match p.configure(ConfigureRequest { config }).await {
            Ok(c) => c,
            Err(d) => panic!("configure failed: {d:?}"),
        };
        Driver {
            schema,
            provider,
            region: region.to_string(),
            workspace: "default".into(),
            token: {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                format!(
                    "{:08x}-0000-4000-8000-{:012x}",
                    std::process::id(),
                    nanos & 0xffff_ffff_ffff
                )
            },
        }
    }

    /// `given` shaped as the configuration of resource type `ty`.
    pub fn config(&self, ty: &str, given: Value) -> Value {
        let r = self
            .schema
            .resources
            .get(ty)
            .unwrap_or_else(|| panic!("no resource type {ty}"));
        shape(&r.block, &given)
    }

    /// Plans `config` over `prior`; panics when planning fails.
    pub async fn plan(
        &self,
        ty: &str,
        config: &Value,
        prior: Option<&Value>,
    ) -> (Action, PlanResponse) {
        let resp = self
            .try_plan(ty, config, prior)
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

    /// Plans `config` over `prior`.
    pub async fn try_plan(
        &self,
        ty: &str,
        config: &Value,
        prior: Option<&Value>,
    ) -> Result<PlanResponse, ProviderError> {
        let schema = &self.schema.resources[ty];
        self.provider
            .plan(
                schema,
                PlanRequest {
                    private: Vec::new(),
                    type_name: ty.into(),
                    prior: prior.cloned(),
                    config: config.clone(),
                },
            )
            .await
    }

    /// The operation context of a change to `ty`.
    pub fn ctx(&self, ty: &str) -> OperationContext {
        OperationContext {
            address: format!("{ty}.test"),
            workspace: self.workspace.clone(),
            token: self.token.clone(),
        }
    }

    /// Plans and applies like the engine: create, update or delete-then-create.
    pub async fn try_apply(
        &self,
        ty: &str,
        config: &Value,
        prior: Option<&Value>,
    ) -> Result<(Action, RemoteObject), ProviderError> {
        let (action, resp) = self.plan(ty, config, prior).await;
        let req = |prior: Option<Value>| ApplyRequest {
            config: None,
            private: Vec::new(),
            type_name: ty.into(),
            prior,
            planned: Some(resp.planned.clone()),
            context: self.ctx(ty),
        };
        let obj = match action {
            Action::Create => self.provider.create(req(None)).await?,
            Action::Update => self.provider.update(req(prior.cloned())).await?,
            Action::Replace => {
                self.destroy(ty, prior.expect("prior")).await;
                self.provider.create(req(None)).await?
            }
            Action::NoOp => RemoteObject {
                attrs: prior.expect("prior").clone(),
                region: None,
                deferred: None,
                private: Vec::new(),
            },
        };
        Ok((action, obj))
    }

    /// Like [`Driver::try_apply`], panicking on failure and on unknowns left after apply.
    pub async fn apply(
        &self,
        ty: &str,
        config: &Value,
        prior: Option<&Value>,
    ) -> (Action, RemoteObject) {
        let (action, obj) = self
            .try_apply(ty, config, prior)
            .await
            .unwrap_or_else(|e| panic!("apply {ty}: {e}"));
        assert!(
            obj.attrs.is_wholly_known(),
            "{ty}: unknowns after apply: {:?}",
            to_json(&obj.attrs)
        );
        (action, obj)
    }

    /// Reads the object `prior` records; panics on errors.
    pub async fn read(&self, ty: &str, prior: &Value) -> Option<Value> {
        self.read_object(ty, prior).await.map(|o| o.attrs)
    }

    /// Reads the object `prior` records, with its region; panics on errors.
    pub async fn read_object(&self, ty: &str, prior: &Value) -> Option<RemoteObject> {
        self.provider
            .read(ReadRequest {
                private: Vec::new(),
                type_name: ty.into(),
                prior: prior.clone(),
            })
            .await
            .unwrap_or_else(|e| panic!("read {ty}: {e}"))
    }

    /// Deletes the object `prior` records; panics on errors.
    pub async fn destroy(&self, ty: &str, prior: &Value) {
        self.provider
            .delete(ApplyRequest {
                config: None,
                private: Vec::new(),
                type_name: ty.into(),
                prior: Some(prior.clone()),
                planned: None,
                context: self.ctx(ty),
            })
            .await
            .unwrap_or_else(|e| panic!("delete {ty}: {e}"));
    }

    /// Imports by id.
    pub async fn import(&self, ty: &str, id: &str) -> Result<RemoteObject, ProviderError> {
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
    /// The resource type.
    pub ty: &'a str,
    /// Configuration to create.
    pub create: Value,
    /// A change the API makes in place.
    pub update: Value,
    /// A change that needs a new object.
    pub replace: Value,
    /// Attributes an import cannot know (config-only) and so may differ after import.
    pub config_only: &'a [&'a str],
    /// Whether a read after destroy finds nothing.
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

/// The shared lifecycle, ending with the object destroyed. `delete_out_of_band` deletes the
/// object behind the provider's back (through the cloud's API).
pub async fn lifecycle(d: &Driver, case: Case<'_>, delete_out_of_band: impl AsyncFnOnce(&Value)) {
    let ty = case.ty;
    let create = d.config(ty, case.create);
    let update = d.config(ty, case.update);
    let replace = d.config(ty, case.replace);

    // create
    let (action, created) = d.apply(ty, &create, None).await;
    assert_eq!(action, Action::Create);
    assert_eq!(
        created.region.as_deref().map(str::to_ascii_lowercase),
        Some(d.region.to_ascii_lowercase()),
        "{ty}: region read back"
    );
    let state = created.attrs;

    // refresh finds no drift and the re-plan is a no-op
    let refreshed = d
        .read_object(ty, &state)
        .await
        .expect("exists after create");
    assert_eq!(
        refreshed.region.as_deref().map(str::to_ascii_lowercase),
        Some(d.region.to_ascii_lowercase()),
        "{ty}: region on refresh"
    );
    let refreshed = refreshed.attrs;
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
        to_json(&state),
        to_json(&updated.attrs),
        "{ty}: refresh right after update drifted"
    );
    assert_eq!(
        state.get_attr("id"),
        refreshed.get_attr("id"),
        "{ty}: update keeps the id"
    );
    assert_no_op(d, ty, &update, &state, "after update").await;

    // import finds the same object
    let id = s(&state, "id");
    let imported = d
        .import(ty, &id)
        .await
        .unwrap_or_else(|e| panic!("import {ty} {id}: {e}"));
    assert_eq!(
        imported.region.as_deref().map(str::to_ascii_lowercase),
        Some(d.region.to_ascii_lowercase()),
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
