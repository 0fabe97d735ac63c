//! The proposed new state Terraform sends with `PlanResourceChange`: configuration, with
//! computed attributes the configuration leaves null taken from the prior state.
//!
//! Follows Terraform's `objchange.ProposedNew`: when there is no prior object the prior is an
//! object of nulls; nested blocks are merged element by element (lists by index, maps by key,
//! single blocks directly, sets by finding the prior element whose non-computed attributes equal
//! the configured ones); nested attributes the same way, except sets, which are taken from
//! configuration. Unknown configuration stays unknown.

use std::collections::BTreeMap;

use hangar_core::{Type, Value};

use crate::schema::{BlockNesting, ObjectNesting, WireAttribute, WireBlock};

/// The proposed new value of a block with this prior and configuration.
pub fn proposed_new(block: &WireBlock, prior: &Value, config: &Value) -> Value {
    if config.is_null() && prior.is_null() {
        return prior.clone();
    }
    if config.is_null() || config.is_unknown() {
        return config.clone();
    }
    let empty = Value::Object(BTreeMap::new());
    let prior = if prior.is_null() || prior.is_unknown() {
        &empty
    } else {
        prior
    };
    let mut out = BTreeMap::new();
    for (name, a) in &block.attributes {
        let p = prior
            .get_attr(name)
            .cloned()
            .unwrap_or(Value::Null(a.ty.clone()));
        let c = config
            .get_attr(name)
            .cloned()
            .unwrap_or(Value::Null(a.ty.clone()));
        out.insert(name.clone(), attribute(a, &p, &c));
    }
    for (name, b) in &block.blocks {
        let p = prior.get_attr(name).cloned().unwrap_or(Value::NULL);
        let c = config.get_attr(name).cloned().unwrap_or(Value::NULL);
        let v = match b.nesting {
            BlockNesting::Single | BlockNesting::Group => proposed_new(&b.block, &p, &c),
            BlockNesting::List => by_index(&p, &c, &|p, c| proposed_new(&b.block, p, c)),
            BlockNesting::Map => by_key(&p, &c, &|p, c| proposed_new(&b.block, p, c)),
            BlockNesting::Set => set_elements(&b.block, &p, &c),
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

fn attribute(a: &WireAttribute, prior: &Value, config: &Value) -> Value {
    if a.computed && config.is_null() {
        return prior.clone();
    }
    let Some(o) = &a.nested else {
        return config.clone();
    };
    if config.is_null() || config.is_unknown() {
        return config.clone();
    }
    let block = WireBlock {
        attributes: o.attributes.clone(),
        blocks: BTreeMap::new(),
    };
    match o.nesting {
        ObjectNesting::Single => proposed_new(&block, prior, config),
        ObjectNesting::List => by_index(prior, config, &|p, c| proposed_new(&block, p, c)),
        ObjectNesting::Map => by_key(prior, config, &|p, c| proposed_new(&block, p, c)),
        ObjectNesting::Set => config.clone(),
    }
}

fn by_index(prior: &Value, config: &Value, f: &dyn Fn(&Value, &Value) -> Value) -> Value {
    let Some(cs) = config.as_seq() else {
        return config.clone();
    };
    let ps = prior.as_seq().unwrap_or(&[]);
    let null = Value::NULL;
    let xs = cs
        .iter()
        .enumerate()
        .map(|(i, c)| f(ps.get(i).unwrap_or(&null), c))
        .collect();
    match config.peel() {
        Value::Tuple(_) => Value::Tuple(xs),
        _ => Value::List(xs),
    }
}

fn by_key(prior: &Value, config: &Value, f: &dyn Fn(&Value, &Value) -> Value) -> Value {
    let Some(cm) = config.as_map() else {
        return config.clone();
    };
    let pm = prior.as_map();
    let null = Value::NULL;
    let m = cm
        .iter()
        .map(|(k, c)| (k.clone(), f(pm.and_then(|m| m.get(k)).unwrap_or(&null), c)))
        .collect();
    match config.peel() {
        Value::Object(_) => Value::Object(m),
        _ => Value::Map(m),
    }
}

fn set_elements(block: &WireBlock, prior: &Value, config: &Value) -> Value {
    let Some(cs) = config.as_seq() else {
        return config.clone();
    };
    let ps = prior.as_seq().unwrap_or(&[]);
    let mut used = vec![false; ps.len()];
    let mut out = Vec::with_capacity(cs.len());
    for c in cs {
        let found = ps.iter().enumerate().find(|(i, p)| {
            !used[*i]
                && block
                    .attributes
                    .iter()
                    .filter(|(_, a)| !a.computed)
                    .all(|(k, _)| {
                        let pv = p.get_attr(k).cloned().unwrap_or(Value::NULL);
                        let cv = c.get_attr(k).cloned().unwrap_or(Value::NULL);
                        !hangar_provider::plan::differs(&pv, &cv)
                    })
        });
        let v = match found {
            Some((i, p)) => {
                used[i] = true;
                proposed_new(block, p, c)
            }
            None => proposed_new(block, &Value::Null(Type::Dynamic), c),
        };
        out.push(v);
    }
    Value::set(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::WireNestedBlock;

    fn attr(ty: Type, optional: bool, computed: bool) -> WireAttribute {
        WireAttribute {
            ty,
            nested: None,
            required: !optional && !computed,
            optional,
            computed,
            sensitive: false,
            write_only: false,
            deprecated: false,
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
    fn computed_attributes_keep_prior_values_in_blocks_too() {
        let mut rule = WireBlock::default();
        rule.attributes
            .insert("port".into(), attr(Type::Number, false, false));
        rule.attributes
            .insert("rule_id".into(), attr(Type::String, false, true));
        let mut b = WireBlock::default();
        b.attributes
            .insert("name".into(), attr(Type::String, false, false));
        b.attributes
            .insert("id".into(), attr(Type::String, false, true));
        b.attributes
            .insert("size".into(), attr(Type::Number, true, true));
        b.blocks.insert(
            "rule".into(),
            WireNestedBlock {
                nesting: BlockNesting::List,
                block: rule,
                min_items: 0,
                max_items: 0,
            },
        );
        let prior = obj(&[
            ("name", "a".into()),
            ("id", "x-1".into()),
            ("size", Value::int(3)),
            (
                "rule",
                Value::List(vec![obj(&[
                    ("port", Value::int(80)),
                    ("rule_id", "r1".into()),
                ])]),
            ),
        ]);
        let config = obj(&[
            ("name", "b".into()),
            ("id", Value::Null(Type::String)),
            ("size", Value::Null(Type::Number)),
            (
                "rule",
                Value::List(vec![
                    obj(&[
                        ("port", Value::int(81)),
                        ("rule_id", Value::Null(Type::String)),
                    ]),
                    obj(&[
                        ("port", Value::int(82)),
                        ("rule_id", Value::Null(Type::String)),
                    ]),
                ]),
            ),
        ]);
        let p = proposed_new(&b, &prior, &config);
        assert_eq!(p.get_attr("name"), Some(&Value::string("b")));
        assert_eq!(p.get_attr("id"), Some(&Value::string("x-1")));
        assert_eq!(p.get_attr("size"), Some(&Value::int(3)));
        let rules = p.get_attr("rule").and_then(Value::as_seq).expect("rules");
        assert_eq!(rules[0].get_attr("rule_id"), Some(&Value::string("r1")));
        assert!(rules[1].get_attr("rule_id").is_some_and(Value::is_null));
        // On create the computed attributes stay null (the plugin makes them unknown).
        let p = proposed_new(&b, &Value::NULL, &config);
        assert!(p.get_attr("id").is_some_and(Value::is_null));
    }
}
