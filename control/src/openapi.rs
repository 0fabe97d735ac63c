//! The OpenAPI 3 document served at `/api/v1/openapi.json`, built from typed structs.
//!
//! Paths come from the same route table the router is built from ([`crate::api::routes`]),
//! so an operation cannot be served without being documented or documented without being
//! served. Component schemas describe the hangar-wire messages; a test validates real replies
//! and requests against them, so a field added to a message without its schema fails there.
//!
//! Left out: examples, and response schemas per error status (every non-2xx reply is an
//! `ErrorBody`).

use std::collections::BTreeMap;

use serde::Serialize;

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Auth {
    /// No token needed.
    None,
    /// Any valid token (replies are filtered to what it may see).
    Any,
    /// An admin token.
    Admin,
    /// A token that may see the workspace (viewer, operator, its agent, admin).
    Viewer,
    /// A token that may operate the workspace (operator, admin).
    Operator,
    /// An agent token.
    Agent,
}

/// One documented operation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template (`/api/v1/jobs/{id}`).
    pub path: &'static str,
    /// `operationId`.
    pub id: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: Auth,
    /// Request body schema name.
    pub request: Option<&'static str>,
    /// Success reply schema name.
    pub response: &'static str,
    /// Success status.
    pub status: u16,
}

impl Op {
    /// An operation.
    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn new(
        method: &'static str,
        path: &'static str,
        id: &'static str,
        summary: &'static str,
        auth: Auth,
        request: Option<&'static str>,
        response: &'static str,
        status: u16,
    ) -> Op {
        Op {
            method,
            path,
            id,
            summary,
            auth,
            request,
            response,
            status,
        }
    }
}

/// The document's own operation.
pub(crate) const OPENAPI_OP: Op = Op::new(
    "GET",
    "/api/v1/openapi.json",
    "openapi",
    "This OpenAPI document",
    Auth::None,
    None,
    "OpenApiDocument",
    200,
);

/// An OpenAPI 3.0 document (the parts Hangar uses).
#[derive(Serialize)]
pub(crate) struct Document {
    openapi: &'static str,
    info: Info,
    paths: BTreeMap<String, BTreeMap<String, Operation>>,
    components: Components,
}

#[derive(Serialize)]
struct Info {
    title: &'static str,
    version: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct Operation {
    #[serde(rename = "operationId")]
    operation_id: &'static str,
    summary: &'static str,
    #[serde(rename = "x-hangar-auth")]
    auth: Auth,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parameters: Vec<Parameter>,
    #[serde(rename = "requestBody", skip_serializing_if = "Option::is_none")]
    request_body: Option<Body>,
    responses: BTreeMap<String, Response>,
    security: Vec<BTreeMap<&'static str, Vec<String>>>,
}

#[derive(Serialize)]
struct Parameter {
    name: String,
    #[serde(rename = "in")]
    location: &'static str,
    required: bool,
    schema: Schema,
}

#[derive(Serialize)]
struct Body {
    required: bool,
    content: BTreeMap<&'static str, Media>,
}

#[derive(Serialize)]
struct Media {
    schema: Schema,
}

#[derive(Serialize)]
struct Response {
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<BTreeMap<&'static str, Media>>,
}

#[derive(Serialize)]
struct Components {
    schemas: BTreeMap<&'static str, Schema>,
    #[serde(rename = "securitySchemes")]
    security_schemes: BTreeMap<&'static str, SecurityScheme>,
}

#[derive(Serialize)]
struct SecurityScheme {
    #[serde(rename = "type")]
    kind: &'static str,
    scheme: &'static str,
    description: &'static str,
}

/// A JSON schema (the subset the messages need).
#[derive(Serialize, Default, Clone)]
pub(crate) struct Schema {
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<BTreeMap<&'static str, Schema>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    required: Vec<&'static str>,
    #[serde(
        rename = "additionalProperties",
        skip_serializing_if = "Option::is_none"
    )]
    additional_properties: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Box<Schema>>,
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    values: Option<Vec<&'static str>>,
    #[serde(rename = "oneOf", skip_serializing_if = "Option::is_none")]
    one_of: Option<Vec<Schema>>,
    #[serde(rename = "maxLength", skip_serializing_if = "Option::is_none")]
    max_length: Option<usize>,
    #[serde(rename = "maxItems", skip_serializing_if = "Option::is_none")]
    max_items: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minimum: Option<i64>,
}

fn r(name: &str) -> Schema {
    Schema {
        reference: Some(format!("#/components/schemas/{name}")),
        ..Schema::default()
    }
}

fn ty(kind: &'static str) -> Schema {
    Schema {
        kind: Some(kind),
        ..Schema::default()
    }
}

fn string(max: usize) -> Schema {
    Schema {
        max_length: Some(max),
        ..ty("string")
    }
}

fn int() -> Schema {
    ty("integer")
}

fn uint() -> Schema {
    Schema {
        minimum: Some(0),
        ..ty("integer")
    }
}

fn boolean() -> Schema {
    ty("boolean")
}

fn list(item: Schema, max: usize) -> Schema {
    Schema {
        items: Some(Box::new(item)),
        max_items: (max != usize::MAX).then_some(max),
        ..ty("array")
    }
}

fn words(values: &[&'static str]) -> Schema {
    Schema {
        values: Some(values.to_vec()),
        ..ty("string")
    }
}

/// A closed object: `props` are (name, schema, required).
fn obj(props: Vec<(&'static str, Schema, bool)>) -> Schema {
    Schema {
        required: props.iter().filter(|p| p.2).map(|p| p.0).collect(),
        properties: Some(props.into_iter().map(|(n, s, _)| (n, s)).collect()),
        additional_properties: Some(false),
        ..ty("object")
    }
}

fn schemas() -> BTreeMap<&'static str, Schema> {
    use hangar_wire::limits::{MAX_LIST, MAX_MESSAGE, MAX_NAME, MAX_TEXT, MAX_WORKLOAD_LIST};
    let name = || string(MAX_NAME);
    let text = || string(MAX_TEXT);
    let message = || string(MAX_MESSAGE);
    let mut s = BTreeMap::new();
    s.insert(
        "ErrorBody",
        obj(vec![
            ("status", uint(), true),
            ("error", name(), true),
            ("message", message(), true),
        ]),
    );
    s.insert("Role", words(&["viewer", "operator"]));
    s.insert("TokenKind", words(&["admin", "user", "agent"]));
    s.insert(
        "Grant",
        obj(vec![("workspace", name(), true), ("role", r("Role"), true)]),
    );
    s.insert(
        "WhoAmI",
        obj(vec![
            ("token_id", int(), true),
            ("kind", r("TokenKind"), true),
            ("name", name(), true),
            ("grants", list(r("Grant"), MAX_LIST), false),
            ("workspace", name(), false),
        ]),
    );
    s.insert(
        "BucketRef",
        obj(vec![("name", text(), true), ("region", name(), true)]),
    );
    s.insert(
        "CreateWorkspace",
        obj(vec![
            ("name", name(), true),
            ("cloud", name(), true),
            ("geography", name(), true),
            ("region", name(), true),
            ("buckets", list(r("BucketRef"), 16), false),
        ]),
    );
    s.insert(
        "Workspace",
        obj(vec![
            ("name", name(), true),
            ("cloud", name(), true),
            ("geography", name(), true),
            ("region", name(), true),
            ("buckets", list(r("BucketRef"), 16), false),
            ("created_at", int(), true),
        ]),
    );
    s.insert(
        "WorkspaceList",
        obj(vec![("workspaces", list(r("Workspace"), usize::MAX), true)]),
    );
    s.insert(
        "EnvVar",
        obj(vec![("name", name(), true), ("value", text(), true)]),
    );
    s.insert(
        "Container",
        obj(vec![
            ("name", name(), true),
            ("image", text(), true),
            ("args", list(text(), MAX_WORKLOAD_LIST), false),
            ("env", list(r("EnvVar"), MAX_WORKLOAD_LIST), false),
            ("cpu_millicores", uint(), false),
            ("memory_mib", uint(), false),
        ]),
    );
    s.insert(
        "Workload",
        obj(vec![
            ("kind", words(&["job", "deployment"]), true),
            ("name", name(), true),
            ("namespace", name(), false),
            ("replicas", uint(), false),
            ("containers", list(r("Container"), MAX_WORKLOAD_LIST), true),
            ("artifact_bucket", text(), false),
        ]),
    );
    s.insert(
        "JobSpec",
        Schema {
            one_of: Some(vec![
                obj(vec![
                    ("kind", words(&["plan"]), true),
                    ("destroy", boolean(), false),
                    ("refresh_only", boolean(), false),
                ]),
                obj(vec![
                    ("kind", words(&["apply"]), true),
                    ("destroy", boolean(), false),
                    ("plan_job", int(), false),
                ]),
                obj(vec![("kind", words(&["drift"]), true)]),
                obj(vec![
                    ("kind", words(&["workload"]), true),
                    ("workload", r("Workload"), true),
                ]),
            ]),
            ..Schema::default()
        },
    );
    s.insert("QueueJob", obj(vec![("spec", r("JobSpec"), true)]));
    s.insert(
        "JobStatus",
        words(&["queued", "running", "succeeded", "failed"]),
    );
    s.insert(
        "Action",
        words(&[
            "create", "update", "replace", "delete", "read", "import", "forget", "move",
        ]),
    );
    s.insert(
        "ResourceChange",
        obj(vec![
            ("address", text(), true),
            ("resource_type", name(), true),
            ("action", r("Action"), true),
        ]),
    );
    s.insert(
        "ChangeCounts",
        obj(vec![
            ("add", uint(), false),
            ("change", uint(), false),
            ("destroy", uint(), false),
            ("import", uint(), false),
        ]),
    );
    s.insert(
        "DriftItem",
        obj(vec![
            ("address", text(), true),
            ("resource_type", name(), true),
            (
                "kind",
                words(&["changed", "deleted", "residency", "orphan"]),
                true,
            ),
            ("attributes", list(text(), MAX_WORKLOAD_LIST), false),
        ]),
    );
    s.insert(
        "WorkloadStatus",
        obj(vec![
            ("ready", uint(), false),
            ("succeeded", uint(), false),
            ("failed", uint(), false),
        ]),
    );
    s.insert(
        "ErrorSummary",
        obj(vec![
            ("address", text(), false),
            ("code", text(), false),
            ("message", message(), true),
        ]),
    );
    s.insert(
        "JobSummary",
        obj(vec![
            ("changes", list(r("ResourceChange"), MAX_LIST), false),
            ("counts", r("ChangeCounts"), false),
            ("drift", list(r("DriftItem"), MAX_LIST), false),
            ("workload", r("WorkloadStatus"), false),
            ("duration_ms", uint(), false),
            ("errors", list(r("ErrorSummary"), MAX_WORKLOAD_LIST), false),
        ]),
    );
    s.insert(
        "Job",
        obj(vec![
            ("id", int(), true),
            ("workspace", name(), true),
            ("spec", r("JobSpec"), true),
            ("status", r("JobStatus"), true),
            ("queued_by", text(), true),
            ("queued_at", int(), true),
            ("started_at", int(), false),
            ("finished_at", int(), false),
            ("agent", name(), false),
            ("summary", r("JobSummary"), false),
            ("reason", message(), false),
        ]),
    );
    s.insert(
        "JobList",
        obj(vec![("jobs", list(r("Job"), MAX_LIST), true)]),
    );
    s.insert(
        "PodCounts",
        obj(vec![
            ("pending", uint(), false),
            ("running", uint(), false),
            ("succeeded", uint(), false),
            ("failed", uint(), false),
            ("unknown", uint(), false),
        ]),
    );
    s.insert(
        "ClusterMetadata",
        obj(vec![
            ("kubernetes_version", text(), true),
            ("node_count", uint(), true),
            ("pods", r("PodCounts"), false),
            ("cpu_used_millicores", uint(), false),
            ("cpu_capacity_millicores", uint(), false),
            ("memory_used_bytes", uint(), false),
            ("memory_capacity_bytes", uint(), false),
        ]),
    );
    s.insert(
        "AgentHealth",
        words(&["healthy", "stale", "never_seen", "revoked"]),
    );
    s.insert(
        "AgentInfo",
        obj(vec![
            ("id", int(), true),
            ("name", name(), true),
            ("workspace", name(), true),
            ("version", text(), false),
            ("registered_at", int(), true),
            ("last_heartbeat", int(), false),
            ("cluster", r("ClusterMetadata"), false),
            ("health", r("AgentHealth"), true),
        ]),
    );
    s.insert(
        "AgentList",
        obj(vec![("agents", list(r("AgentInfo"), usize::MAX), true)]),
    );
    s.insert(
        "RegisterAgent",
        obj(vec![
            ("name", name(), true),
            ("artifact_bucket", r("BucketRef"), false),
        ]),
    );
    s.insert(
        "AgentRegistered",
        obj(vec![
            ("id", int(), true),
            ("workspace", name(), true),
            ("token", text(), true),
        ]),
    );
    s.insert(
        "AgentDeregistered",
        obj(vec![
            ("id", int(), true),
            ("workspace", name(), true),
            ("name", name(), true),
            ("revoked", boolean(), true),
        ]),
    );
    s.insert(
        "IssueToken",
        obj(vec![
            ("name", name(), true),
            ("grants", list(r("Grant"), 256), true),
        ]),
    );
    s.insert(
        "TokenIssued",
        obj(vec![("id", int(), true), ("token", text(), true)]),
    );
    s.insert(
        "TokenRevoked",
        obj(vec![("id", int(), true), ("revoked", boolean(), true)]),
    );
    s.insert(
        "TokenInfo",
        obj(vec![
            ("id", int(), true),
            ("kind", r("TokenKind"), true),
            ("name", name(), true),
            ("grants", list(r("Grant"), 256), false),
            ("workspace", name(), false),
            ("created_at", int(), true),
            ("revoked_at", int(), false),
        ]),
    );
    s.insert(
        "TokenList",
        obj(vec![("tokens", list(r("TokenInfo"), usize::MAX), true)]),
    );
    s.insert(
        "AuditEntry",
        obj(vec![
            ("id", int(), true),
            ("at", int(), true),
            ("actor", text(), true),
            ("token_id", int(), false),
            ("action", name(), true),
            ("request", text(), true),
            ("workspace", name(), false),
            ("target", text(), false),
            ("status", uint(), true),
            ("detail", message(), false),
        ]),
    );
    s.insert(
        "AuditPage",
        obj(vec![("entries", list(r("AuditEntry"), usize::MAX), true)]),
    );
    s.insert(
        "JobBrief",
        obj(vec![
            ("id", int(), true),
            ("status", r("JobStatus"), true),
            ("at", int(), true),
            ("count", uint(), true),
        ]),
    );
    s.insert(
        "WorkspaceOverview",
        obj(vec![
            ("workspace", r("Workspace"), true),
            ("agents", list(r("AgentInfo"), usize::MAX), true),
            ("last_apply", r("JobBrief"), false),
            ("last_drift", r("JobBrief"), false),
        ]),
    );
    s.insert(
        "Overview",
        obj(vec![
            ("now", int(), true),
            ("workspaces", list(r("WorkspaceOverview"), usize::MAX), true),
            ("jobs", list(r("Job"), MAX_LIST), true),
        ]),
    );
    s.insert(
        "Heartbeat",
        obj(vec![
            ("protocol", uint(), true),
            ("agent_version", string(64), true),
            ("cluster", r("ClusterMetadata"), false),
        ]),
    );
    s.insert(
        "HeartbeatReply",
        obj(vec![
            ("now", int(), true),
            ("interval_seconds", uint(), true),
        ]),
    );
    s.insert(
        "ClaimRequest",
        obj(vec![
            ("protocol", uint(), true),
            ("wait_seconds", uint(), false),
        ]),
    );
    s.insert(
        "AssignedJob",
        obj(vec![
            ("id", int(), true),
            ("workspace", name(), true),
            ("spec", r("JobSpec"), true),
            ("lease", text(), true),
            ("lease_seconds", uint(), true),
        ]),
    );
    s.insert("ClaimReply", obj(vec![("job", r("AssignedJob"), false)]));
    s.insert(
        "JobProgress",
        obj(vec![
            ("lease", text(), true),
            ("summary", r("JobSummary"), false),
        ]),
    );
    s.insert(
        "JobOutcome",
        obj(vec![
            ("lease", text(), true),
            ("status", r("JobStatus"), true),
            ("summary", r("JobSummary"), true),
        ]),
    );
    s.insert(
        "ReportReply",
        obj(vec![
            ("status", r("JobStatus"), true),
            ("lease_seconds", uint(), true),
        ]),
    );
    s.insert("OpenApiDocument", ty("object"));
    s
}

fn json_media(schema: Schema) -> BTreeMap<&'static str, Media> {
    BTreeMap::from([("application/json", Media { schema })])
}

/// The document.
pub(crate) fn document() -> Document {
    let mut paths: BTreeMap<String, BTreeMap<String, Operation>> = BTreeMap::new();
    for (op, _) in crate::api::routes() {
        let parameters = op
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| Parameter {
                name: name.to_string(),
                location: "path",
                required: true,
                schema: if name == "id" {
                    int()
                } else {
                    string(hangar_wire::limits::MAX_NAME)
                },
            })
            .collect();
        let mut responses = BTreeMap::from([(
            op.status.to_string(),
            Response {
                description: "Success".into(),
                content: Some(json_media(r(op.response))),
            },
        )]);
        let errors: &[(u16, &str)] = match op.auth {
            Auth::None => &[],
            _ => &[
                (
                    400,
                    "Malformed, oversized or refused request (nothing stored)",
                ),
                (401, "Missing, unknown or revoked token"),
                (403, "The token may not do this"),
            ],
        };
        for (code, why) in errors {
            responses.insert(
                code.to_string(),
                Response {
                    description: (*why).into(),
                    content: Some(json_media(r("ErrorBody"))),
                },
            );
        }
        let security = match op.auth {
            Auth::None => Vec::new(),
            _ => vec![BTreeMap::from([("bearer", Vec::new())])],
        };
        paths.entry(op.path.to_string()).or_default().insert(
            op.method.to_ascii_lowercase(),
            Operation {
                operation_id: op.id,
                summary: op.summary,
                auth: op.auth,
                parameters,
                request_body: op.request.map(|name| Body {
                    required: true,
                    content: json_media(r(name)),
                }),
                responses,
                security,
            },
        );
    }
    Document {
        openapi: "3.0.3",
        info: Info {
            title: "Hangar control plane",
            version: "1",
            description: "Workspaces, agents, jobs and the audit log. Agents call out only; \
                          only metadata crosses.",
        },
        paths,
        components: Components {
            schemas: schemas(),
            security_schemes: BTreeMap::from([(
                "bearer",
                SecurityScheme {
                    kind: "http",
                    scheme: "bearer",
                    description: "An admin, user (per-workspace roles) or agent token",
                },
            )]),
        },
    }
}
