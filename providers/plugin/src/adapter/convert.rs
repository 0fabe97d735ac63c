//! Between Hangar's requests and the plugin's: the configuration a plugin expects from a
//! planned value, values encoded for the wire, deferrals, the plugin's diagnostics turned into
//! refusals or errors, and attribute paths.

use super::*;

/// What the configuration must have been, given only the planned state: computed-only
/// attributes are null in configuration.
pub(super) fn config_from_planned(schema: &WireSchema, planned: &Value) -> Value {
    let Some(m) = planned.as_map() else {
        return planned.clone();
    };
    Value::Object(
        m.iter()
            .map(|(k, v)| {
                let computed_only = schema
                    .block
                    .attributes
                    .get(k)
                    .is_some_and(|a| a.computed && !a.optional && !a.required);
                let v = if computed_only {
                    Value::Null(v.ty())
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

pub(super) fn encode(
    provider: &str,
    call: &str,
    type_name: Option<&str>,
    what: &str,
    v: &Value,
    schema: &WireSchema,
) -> Result<v6::DynamicValue, PluginError> {
    let msgpack =
        to_msgpack(v, &schema.ty).map_err(|source: ValueError| PluginError::BadValue {
            provider: provider.to_string(),
            call: call.to_string(),
            type_name: type_name.map(str::to_string),
            what: format!("the {what}"),
            source,
        })?;
    Ok(v6::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

pub(super) fn deferred(d: v6::Deferred) -> Deferred {
    match v6::deferred::Reason::try_from(d.reason) {
        Ok(v6::deferred::Reason::ResourceConfigUnknown) => Deferred::ResourceConfigUnknown,
        Ok(v6::deferred::Reason::ProviderConfigUnknown) => Deferred::ProviderConfigUnknown,
        Ok(v6::deferred::Reason::AbsentPrereq) => Deferred::AbsentPrerequisite,
        _ => Deferred::Other,
    }
}

/// Turns error diagnostics into an error (warnings are logged).
pub(super) fn refuse_on_errors(
    provider: &str,
    call: &str,
    type_name: Option<&str>,
    diags: &[v6::Diagnostic],
) -> Result<(), PluginError> {
    let mut errors = Vec::new();
    for d in diags {
        let mut text = d.summary.clone();
        if !d.detail.is_empty() {
            text.push_str(": ");
            text.push_str(&d.detail);
        }
        if let Some(p) = d.attribute.as_ref().filter(|p| !p.steps.is_empty()) {
            text.push_str(&format!(" (at {})", path_text(p)));
        }
        if d.severity == v6::diagnostic::Severity::Warning as i32 {
            tracing::warn!(target: "hangar::plugin", provider, call, "{text}");
        } else {
            errors.push(text);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PluginError::Refused {
            provider: provider.to_string(),
            call: call.to_string(),
            type_name: type_name.map(str::to_string),
            message: errors.join("\n"),
        })
    }
}

/// An attribute path as Hangar writes one: `name`, `rule[0].port`, `tags["env"]`.
pub(super) fn path_text(p: &v6::AttributePath) -> String {
    use v6::attribute_path::step::Selector;
    let mut s = String::new();
    for step in &p.steps {
        match &step.selector {
            Some(Selector::AttributeName(n)) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(n);
            }
            Some(Selector::ElementKeyString(k)) => s.push_str(&format!("[{k:?}]")),
            Some(Selector::ElementKeyInt(i)) => s.push_str(&format!("[{i}]")),
            None => {}
        }
    }
    s
}

pub(super) fn at_path(v: &Value, p: &v6::AttributePath) -> Value {
    use v6::attribute_path::step::Selector;
    let mut cur = v.clone();
    for step in &p.steps {
        let next = match &step.selector {
            Some(Selector::AttributeName(n)) | Some(Selector::ElementKeyString(n)) => {
                cur.get_attr(n).cloned()
            }
            Some(Selector::ElementKeyInt(i)) => usize::try_from(*i)
                .ok()
                .and_then(|i| cur.as_seq().and_then(|xs| xs.get(i)).cloned()),
            None => Some(cur.clone()),
        };
        match next {
            Some(n) => cur = n,
            None => return Value::Null(Type::Dynamic),
        }
    }
    cur.unmark_deep().0
}

pub(super) fn to_provider_error(e: PluginError, call: &str) -> ProviderError {
    let (call, code) = match &e {
        PluginError::Refused { call, .. }
        | PluginError::BadValue { call, .. }
        | PluginError::Crashed { call, .. }
        | PluginError::Timeout { call, .. } => (call.clone(), None),
        PluginError::Rpc { call, code, .. } => (call.clone(), Some(code.clone())),
        _ => (call.to_string(), None),
    };
    ProviderError {
        call,
        code,
        message: e.to_string(),
    }
}
