//! Decoding rules: unknown fields, bounds, sizes, versions, and round trips.

use super::*;

fn heartbeat_json(extra: &str) -> String {
    format!(
        r#"{{"protocol":1,"agent_version":"0.1.0","cluster":{{"kubernetes_version":"v1.31.2",
        "node_count":3,"pods":{{"running":12,"pending":1}},"cpu_used_millicores":1500,
        "cpu_capacity_millicores":6000,"memory_used_bytes":1024,"memory_capacity_bytes":4096}}{extra}}}"#
    )
}

#[test]
fn a_heartbeat_round_trips() {
    let hb: Heartbeat = decode(heartbeat_json("").as_bytes()).expect("decode");
    let cluster = hb.cluster.as_ref().expect("cluster");
    assert_eq!(cluster.node_count, 3);
    assert_eq!(cluster.pods.running, 12);
    assert_eq!(cluster.pods.failed, 0);
    let again: Heartbeat = decode(&encode(&hb).expect("encode")).expect("decode again");
    assert_eq!(again, hb);
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    let top = decode::<Heartbeat>(heartbeat_json(r#","secret":"x""#).as_bytes());
    assert!(
        matches!(&top, Err(WireError::Malformed(m)) if m.contains("unknown field `secret`")),
        "{top:?}"
    );
    let nested = r#"{"lease":"l","status":"succeeded","summary":{"changes":[
        {"address":"aws_s3_bucket.a","resource_type":"aws_s3_bucket","action":"create",
         "after":{"bucket":"hunter2"}}]}}"#;
    let r = decode::<JobOutcome>(nested.as_bytes());
    assert!(
        matches!(&r, Err(WireError::Malformed(m)) if m.contains("unknown field `after`")),
        "{r:?}"
    );
    let spec = r#"{"spec":{"kind":"plan","destroy":false,"vars":{"password":"x"}}}"#;
    let r = decode::<QueueJob>(spec.as_bytes());
    assert!(
        matches!(&r, Err(WireError::Malformed(m)) if m.contains("unknown field `vars`")),
        "{r:?}"
    );
}

#[test]
fn oversized_bodies_are_refused_before_parsing() {
    let body = vec![b' '; limits::MAX_BODY + 1];
    assert_eq!(
        decode::<Heartbeat>(&body),
        Err(WireError::TooLarge {
            size: limits::MAX_BODY + 1,
            limit: limits::MAX_BODY
        })
    );
}

#[test]
fn strings_and_lists_are_bounded() {
    let long = "v".repeat(65);
    let r = decode::<Heartbeat>(format!(r#"{{"protocol":1,"agent_version":"{long}"}}"#).as_bytes());
    assert!(
        matches!(&r, Err(WireError::Invalid { field, .. }) if field == "agent_version"),
        "{r:?}"
    );

    let change = r#"{"address":"a.b","resource_type":"a","action":"create"}"#;
    let changes = vec![change; limits::MAX_LIST + 1].join(",");
    let body = format!(r#"{{"lease":"l","status":"failed","summary":{{"changes":[{changes}]}}}}"#);
    let r = decode::<JobOutcome>(body.as_bytes());
    assert!(
        matches!(&r, Err(WireError::Invalid { field, reason }) if field == "summary.changes"
            && reason.contains("1001 entries")),
        "{r:?}"
    );

    let r = decode::<CreateWorkspace>(
        br#"{"name":"eu prod","cloud":"aws","geography":"eu","region":"eu-central-1"}"#,
    );
    assert!(
        matches!(&r, Err(WireError::Invalid { field, .. }) if field == "name"),
        "{r:?}"
    );
    let r = decode::<JobOutcome>(
        br#"{"lease":"l","status":"failed","summary":{"errors":[{"message":"a\u0000b"}]}}"#,
    );
    assert!(
        matches!(&r, Err(WireError::Invalid { field, .. }) if field == "summary.errors[0].message"),
        "{r:?}"
    );
}

#[test]
fn versions_other_than_ours_are_refused() {
    let r = decode::<ClaimRequest>(br#"{"protocol":2,"wait_seconds":5}"#);
    assert_eq!(
        r,
        Err(WireError::Version {
            got: 2,
            supported: PROTOCOL_VERSION
        })
    );
    let r = decode::<ClaimRequest>(br#"{"protocol":1,"wait_seconds":31}"#);
    assert!(matches!(r, Err(WireError::Invalid { .. })), "{r:?}");
}

#[test]
fn an_outcome_must_be_final() {
    let r = decode::<JobOutcome>(br#"{"lease":"l","status":"running","summary":{}}"#);
    assert!(
        matches!(&r, Err(WireError::Invalid { field, .. }) if field == "status"),
        "{r:?}"
    );
}

#[test]
fn job_specs_are_tagged_by_kind() {
    let q: QueueJob = decode(
        br#"{"spec":{"kind":"workload","workload":{"kind":"job","name":"train",
        "containers":[{"name":"main","image":"123456789012.dkr.ecr.eu-central-1.amazonaws.com/t:1",
        "env":[{"name":"EPOCHS","value":"3"}]}],"artifact_bucket":"s3://eu-artifacts/run1"}}}"#,
    )
    .expect("decode");
    assert_eq!(q.spec.kind(), JobKind::Workload);
    let q: QueueJob = decode(br#"{"spec":{"kind":"drift"}}"#).expect("drift");
    assert_eq!(q.spec, JobSpec::Drift {});
    let q: QueueJob = decode(br#"{"spec":{"kind":"apply"}}"#).expect("apply");
    assert_eq!(
        q.spec,
        JobSpec::Apply {
            destroy: false,
            plan_job: None
        }
    );
    let r = decode::<QueueJob>(br#"{"spec":{"kind":"shell","cmd":"rm -rf /"}}"#);
    assert!(matches!(r, Err(WireError::Malformed(_))), "{r:?}");
    let r = decode::<QueueJob>(
        br#"{"spec":{"kind":"workload","workload":{"kind":"job","name":"t","containers":[]}}}"#,
    );
    assert!(
        matches!(&r, Err(WireError::Invalid { field, .. }) if field == "spec.workload.containers"),
        "{r:?}"
    );
}

#[test]
fn encode_refuses_what_decode_would() {
    let hb = Heartbeat {
        protocol: PROTOCOL_VERSION,
        agent_version: "x".repeat(100),
        cluster: None,
    };
    assert!(matches!(encode(&hb), Err(WireError::Invalid { .. })));
}
