//! The default plan of one resource instance, derived from its schema alone.
//!
//! Configured arguments are taken as written; computed attributes keep their recorded value on
//! update and become unknown on create or replace; a changed `force_new` attribute (or nested
//! block) asks for replacement. Providers with more particular rules override
//! [`crate::ConfiguredProvider::plan`].

use std::collections::BTreeMap;

use hangar_core::json::to_json;
use hangar_core::Value;

use crate::{PlanRequest, PlanResponse, ResourceSchema};

/// Plans by the schema's rules; see the module documentation.
pub fn plan_by_schema(schema: &ResourceSchema, req: &PlanRequest) -> PlanResponse {
    let prior = req.prior.as_ref().filter(|p| !p.is_null());
    let mut requires_replace = Vec::new();
    if let Some(prior) = prior {
        for (name, attr) in &schema.block.attributes {
            if !attr.force_new {
                continue;
            }
            let new = req.config.get_attr(name).cloned().unwrap_or(Value::NULL);
            if attr.computed && new.is_null() {
                continue;
            }
            let old = prior.get_attr(name).cloned().unwrap_or(Value::NULL);
            if differs(&old, &new) {
                requires_replace.push(name.clone());
            }
        }
        for (name, block) in &schema.block.blocks {
            if !block.force_new {
                continue;
            }
            let new = req.config.get_attr(name).cloned().unwrap_or(Value::NULL);
            let old = prior.get_attr(name).cloned().unwrap_or(Value::NULL);
            if differs(&old, &new) {
                requires_replace.push(name.clone());
            }
        }
    }
    let keep_prior = if requires_replace.is_empty() {
        prior
    } else {
        None
    };
    let mut out = BTreeMap::new();
    for (name, attr) in &schema.block.attributes {
        let configured = req
            .config
            .get_attr(name)
            .cloned()
            .unwrap_or(Value::Null(attr.ty.clone()));
        let v = if !configured.is_null() || !attr.computed {
            configured
        } else {
            match keep_prior.and_then(|p| p.get_attr(name)) {
                Some(old) if !old.is_null() => old.clone(),
                _ => Value::Unknown(attr.ty.clone()),
            }
        };
        out.insert(name.clone(), if attr.sensitive { v.sensitive() } else { v });
    }
    for name in schema.block.blocks.keys() {
        out.insert(
            name.clone(),
            req.config.get_attr(name).cloned().unwrap_or(Value::NULL),
        );
    }
    PlanResponse {
        planned: Value::Object(out),
        requires_replace,
        private: req.private.clone(),
        deferred: None,
    }
}

/// Whether two values differ once marks and collection kinds (list/tuple, map/object) are set
/// aside; an unknown anywhere counts as a change.
pub fn differs(old: &Value, new: &Value) -> bool {
    !old.is_wholly_known() || !new.is_wholly_known() || to_json(old) != to_json(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AttributeSchema, BlockSchema};
    use hangar_core::Type;

    fn schema() -> ResourceSchema {
        let mut block = BlockSchema::default();
        block
            .attributes
            .insert("id".into(), AttributeSchema::computed(Type::String));
        block.attributes.insert(
            "name".into(),
            AttributeSchema::required(Type::String).force_new(),
        );
        block
            .attributes
            .insert("tags".into(), AttributeSchema::optional(Type::String));
        ResourceSchema {
            block,
            refreshable: true,
            version: 0,
        }
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn create_leaves_computed_unknown() {
        let req = PlanRequest {
            type_name: "t".into(),
            prior: None,
            config: obj(&[("name", "a".into())]),
            private: Vec::new(),
        };
        let r = plan_by_schema(&schema(), &req);
        assert!(r.planned.get_attr("id").is_some_and(Value::is_unknown));
        assert!(r.requires_replace.is_empty());
    }

    #[test]
    fn update_keeps_computed_and_force_new_replaces() {
        let prior = obj(&[
            ("id", "i-1".into()),
            ("name", "a".into()),
            ("tags", Value::NULL),
        ]);
        let req = PlanRequest {
            type_name: "t".into(),
            prior: Some(prior.clone()),
            config: obj(&[("name", "a".into()), ("tags", "x".into())]),
            private: Vec::new(),
        };
        let r = plan_by_schema(&schema(), &req);
        assert_eq!(r.planned.get_attr("id"), Some(&Value::string("i-1")));
        assert!(r.requires_replace.is_empty());
        let req = PlanRequest {
            config: obj(&[("name", "b".into())]),
            ..req
        };
        let r = plan_by_schema(&schema(), &req);
        assert_eq!(r.requires_replace, vec!["name".to_string()]);
        assert!(r.planned.get_attr("id").is_some_and(Value::is_unknown));
    }
}
