//! The test plugin's schemas, as protocol messages.

use hangar_provider_plugin::proto::tfplugin6 as v6;

fn attr(name: &str, ty: &str, flags: &str) -> v6::schema::Attribute {
    v6::schema::Attribute {
        name: name.into(),
        r#type: ty.as_bytes().to_vec(),
        required: flags.contains("req"),
        optional: flags.contains("opt"),
        computed: flags.contains("comp"),
        sensitive: flags.contains("sens"),
        ..Default::default()
    }
}

fn block(
    attributes: Vec<v6::schema::Attribute>,
    blocks: Vec<v6::schema::NestedBlock>,
) -> v6::schema::Block {
    v6::schema::Block {
        attributes,
        block_types: blocks,
        ..Default::default()
    }
}

fn nested(
    name: &str,
    nesting: v6::schema::nested_block::NestingMode,
    b: v6::schema::Block,
) -> v6::schema::NestedBlock {
    v6::schema::NestedBlock {
        type_name: name.into(),
        block: Some(b),
        nesting: nesting as i32,
        ..Default::default()
    }
}

/// The whole schema answer; protocol 5 has no nested attributes, so `endpoints` is left out.
pub fn provider_schema(protocol: u32) -> v6::get_provider_schema::Response {
    use v6::schema::nested_block::NestingMode as M;
    let provider = block(
        vec![
            attr("region", "\"string\"", "opt"),
            attr("api_token", "\"string\"", "opt sens"),
        ],
        vec![],
    );
    let rule = block(
        vec![
            attr("port", "\"number\"", "req"),
            attr("protocol", "\"string\"", "opt comp"),
            attr("rule_id", "\"string\"", "comp"),
        ],
        vec![],
    );
    let settings = block(vec![attr("mode", "\"string\"", "opt")], vec![]);
    let mut thing_attrs = vec![
        attr("id", "\"string\"", "comp"),
        attr("arn", "\"string\"", "comp"),
        attr("name", "\"string\"", "req"),
        attr("region", "\"string\"", "opt comp"),
        attr("size", "\"number\"", "opt comp"),
        attr("tags", "[\"map\",\"string\"]", "opt"),
        attr("secret", "\"string\"", "opt sens"),
    ];
    if protocol >= 6 {
        let mut endpoints = attr("endpoints", "", "opt");
        endpoints.nested_type = Some(v6::schema::Object {
            attributes: vec![
                attr("url", "\"string\"", "req"),
                attr("weight", "\"number\"", "opt"),
            ],
            nesting: v6::schema::object::NestingMode::List as i32,
            ..Default::default()
        });
        thing_attrs.push(endpoints);
    }
    let thing = block(
        thing_attrs,
        vec![
            nested("rule", M::List, rule),
            nested("settings", M::Single, settings),
        ],
    );
    let slow = block(
        vec![
            attr("id", "\"string\"", "comp"),
            attr("name", "\"string\"", "req"),
            attr("delay_ms", "\"number\"", "opt"),
        ],
        vec![],
    );
    let lookup = block(
        vec![
            attr("name", "\"string\"", "req"),
            attr("id", "\"string\"", "comp"),
            attr("size", "\"number\"", "comp"),
        ],
        vec![],
    );
    let schema = |b: v6::schema::Block, version: i64| v6::Schema {
        version,
        block: Some(b),
    };
    v6::get_provider_schema::Response {
        provider: Some(schema(provider, 0)),
        resource_schemas: [
            ("hangartest_thing".to_string(), schema(thing, 1)),
            ("hangartest_slow".to_string(), schema(slow, 0)),
        ]
        .into(),
        data_source_schemas: [("hangartest_lookup".to_string(), schema(lookup, 0))].into(),
        diagnostics: vec![],
        provider_meta: None,
        server_capabilities: Some(v6::ServerCapabilities {
            plan_destroy: false,
            get_provider_schema_optional: true,
            move_resource_state: false,
        }),
    }
}
