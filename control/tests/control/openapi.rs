//! The OpenAPI document is in step with the server: every documented operation is served,
//! nothing undocumented is, and real requests and replies validate against the schemas.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::both;
use crate::support::*;

/// Validates `v` against `schema` (the subset of JSON Schema the document uses); the first
/// mismatch with its path.
fn validate(doc: &Value, schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or("");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "dangling $ref {r}");
        return validate(doc, target, v, path);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = options
            .iter()
            .filter(|s| validate(doc, s, v, path).is_ok())
            .count();
        return if ok == 1 {
            Ok(())
        } else {
            Err(format!("{path}: matches {ok} of oneOf"))
        };
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(v) {
            return Err(format!("{path}: {v} not in {values:?}"));
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let obj = v.as_object().ok_or(format!("{path}: not an object"))?;
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for req in schema["required"].as_array().into_iter().flatten() {
                    let k = req.as_str().unwrap_or("");
                    if !obj.contains_key(k) {
                        return Err(format!("{path}: required `{k}` missing"));
                    }
                }
                for (k, val) in obj {
                    match props.get(k) {
                        Some(s) => validate(doc, s, val, &format!("{path}.{k}"))?,
                        None if schema["additionalProperties"] == Value::Bool(false) => {
                            return Err(format!("{path}: `{k}` is not in the schema"))
                        }
                        None => {}
                    }
                }
            }
        }
        Some("array") => {
            let items = v.as_array().ok_or(format!("{path}: not an array"))?;
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
                if items.len() as u64 > max {
                    return Err(format!("{path}: more than {max} items"));
                }
            }
            for (i, item) in items.iter().enumerate() {
                validate(doc, &schema["items"], item, &format!("{path}[{i}]"))?;
            }
        }
        Some("string") => {
            let s = v.as_str().ok_or(format!("{path}: not a string"))?;
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                if s.len() as u64 > max {
                    return Err(format!("{path}: longer than {max}"));
                }
            }
        }
        Some("integer") => {
            let n = v.as_i64().ok_or(format!("{path}: not an integer: {v}"))?;
            if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
                if n < min {
                    return Err(format!("{path}: below {min}"));
                }
            }
        }
        Some("boolean") => {
            v.as_bool().ok_or(format!("{path}: not a boolean"))?;
        }
        Some(other) => return Err(format!("{path}: unknown schema type {other}")),
        None => {}
    }
    Ok(())
}

fn body_schema<'a>(doc: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    let s =
        &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"];
    assert!(!s.is_null(), "no {status} schema for {method} {path}");
    s
}

async fn in_step(backend: Backend) {
    let db = Db::new(backend);
    let s = start(&db).await;
    let c = &s.client;
    let r = c
        .send("GET", "/api/v1/openapi.json", None, Vec::new())
        .await;
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("application/json"));
    let doc: Value = serde_json::from_slice(&r.body).expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));

    eu_and_us(c, &s.admin).await;
    let agent = Agent::register(c, &s.admin, "eu-prod", "eu-agent").await;
    let job: hangar_wire::Job = queue(c, &s.admin, "eu-prod", hangar_wire::JobSpec::Drift {})
        .await
        .json();
    agent.heartbeat().await;

    // Every documented operation reaches a handler (whatever it then answers).
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            documented.insert(format!("{} {path}", method.to_uppercase()));
            assert!(op["operationId"].is_string() && op["summary"].is_string());
            // (Never token 1: that is the admin's own, and revoking it would end the test.)
            let id = if path.starts_with("/api/v1/tokens") {
                "999999".to_string()
            } else {
                job.id.to_string()
            };
            // (An agent nobody registered: deregistering the test's own would end its calls.)
            let concrete = path
                .replace("{workspace}", "eu-prod")
                .replace("{id}", &id)
                .replace("{agent}", "nobody");
            let token = if op["x-hangar-auth"] == "agent" {
                &agent.token
            } else {
                &s.admin
            };
            let r = c
                .send(
                    &method.to_uppercase(),
                    &concrete,
                    Some(token),
                    b"{}".to_vec(),
                )
                .await;
            assert_ne!(
                r.status, 405,
                "{method} {path} is documented but not served"
            );
            if r.status == 404 {
                assert_ne!(
                    r.json::<hangar_wire::ErrorBody>().error,
                    "no_route",
                    "{method} {path} is documented but not served"
                );
            }
        }
    }
    assert_eq!(documented.len(), 20, "operations: {documented:#?}");
    // Something undocumented is not served.
    for (method, path) in [
        ("GET", "/api/v1/secrets"),
        ("POST", "/api/v1/jobs"),
        ("PUT", "/api/v1/workspaces/eu-prod"),
    ] {
        assert!(!documented.contains(&format!("{method} {path}")));
        let r = c.send(method, path, Some(&s.admin), Vec::new()).await;
        assert!(
            r.status == 404 || r.status == 405,
            "{method} {path}: {}",
            r.status
        );
    }

    // Real replies validate against their documented schemas.
    let replies = [
        ("/api/v1/overview", "/api/v1/overview"),
        ("/api/v1/workspaces", "/api/v1/workspaces"),
        (
            "/api/v1/workspaces/eu-prod",
            "/api/v1/workspaces/{workspace}",
        ),
        (
            "/api/v1/workspaces/eu-prod/jobs",
            "/api/v1/workspaces/{workspace}/jobs",
        ),
        (
            "/api/v1/workspaces/eu-prod/agents",
            "/api/v1/workspaces/{workspace}/agents",
        ),
        ("/api/v1/tokens", "/api/v1/tokens"),
        ("/api/v1/audit", "/api/v1/audit"),
        ("/api/v1/whoami", "/api/v1/whoami"),
    ];
    for (concrete, template) in replies {
        let r = c.get(concrete, &s.admin).await;
        assert_eq!(r.status, 200, "{concrete}");
        let v: Value = serde_json::from_slice(&r.body).expect("JSON");
        validate(
            &doc,
            body_schema(&doc, template, "get", "200"),
            &v,
            concrete,
        )
        .unwrap_or_else(|e| panic!("reply does not match the document: {e}"));
    }
    let claim = c
        .post(
            "/api/v1/agent/claim",
            &agent.token,
            &hangar_wire::ClaimRequest {
                protocol: 1,
                wait_seconds: 0,
            },
        )
        .await;
    let v: Value = serde_json::from_slice(&claim.body).expect("JSON");
    validate(
        &doc,
        body_schema(&doc, "/api/v1/agent/claim", "post", "200"),
        &v,
        "claim",
    )
    .expect("claim reply");
    let err = c.get("/api/v1/workspaces/us-prod", &agent.token).await;
    let v: Value = serde_json::from_slice(&err.body).expect("JSON");
    validate(
        &doc,
        body_schema(&doc, "/api/v1/workspaces/{workspace}", "get", "403"),
        &v,
        "403",
    )
    .expect("error body");

    // Requests as the wire types write them validate against the request schemas.
    let outcome = hangar_wire::JobOutcome {
        lease: "l".into(),
        status: hangar_wire::JobStatus::Succeeded,
        summary: hangar_wire::JobSummary {
            drift: vec![hangar_wire::DriftItem {
                address: "aws_s3_bucket.a".into(),
                resource_type: "aws_s3_bucket".into(),
                kind: hangar_wire::DriftKind::Changed,
                attributes: vec!["tags".into()],
            }],
            workload: Some(hangar_wire::WorkloadStatus {
                ready: 1,
                succeeded: 0,
                failed: 0,
            }),
            errors: vec![hangar_wire::ErrorSummary {
                address: None,
                code: Some("X".into()),
                message: "m".into(),
            }],
            ..applied_summary()
        },
    };
    let spec = hangar_wire::QueueJob {
        spec: hangar_wire::JobSpec::Workload {
            workload: hangar_wire::Workload {
                kind: hangar_wire::WorkloadKind::Deployment,
                name: "serve".into(),
                namespace: Some("ml".into()),
                replicas: Some(2),
                containers: vec![hangar_wire::Container {
                    name: "m".into(),
                    image: "i".into(),
                    args: vec!["a".into()],
                    env: vec![hangar_wire::EnvVar {
                        name: "A".into(),
                        value: "b".into(),
                    }],
                    cpu_millicores: Some(1),
                    memory_mib: Some(1),
                }],
                artifact_bucket: Some("s3://b".into()),
            },
        },
    };
    let requests: [(&str, Value); 2] = [
        (
            "/api/v1/agent/jobs/{id}/outcome",
            serde_json::to_value(&outcome).expect("json"),
        ),
        (
            "/api/v1/workspaces/{workspace}/jobs",
            serde_json::to_value(&spec).expect("json"),
        ),
    ];
    for (path, body) in requests {
        let schema =
            &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"];
        validate(&doc, schema, &body, path)
            .unwrap_or_else(|e| panic!("request does not match: {e}"));
    }
    s.running.shutdown().await.expect("shutdown");
}
both!(the_openapi_document_is_in_step_with_the_server, in_step);
