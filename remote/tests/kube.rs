//! The Kubernetes client against the API test server (HTTPS with the test CA): the documented
//! semantics it relies on — 404 as `None`, server-side apply creating then merging (an
//! unchanged apply keeps the `resourceVersion`), 409 `Conflict` for a field another manager
//! owns unless forced, deletes that report whether anything was there, label selectors — and
//! errors that carry the call, the status and the API's reason.

use std::collections::BTreeMap;

use hangar_remote::kube::objects::{Namespace, ObjectMeta, Secret as KubeSecret};
use hangar_remote::kube::{kinds, Kube, KubeConfig};
use hangar_remote::Secret;
use hangar_testkit::kube::{KubeOptions, KubeServer};

fn client(server: &KubeServer, token: &str) -> Kube {
    Kube::new(&KubeConfig {
        server: server.endpoint.clone(),
        ca_pem: server.ca_pem.clone().map(String::into_bytes),
        token: Some(Secret::new(token)),
        token_file: None,
    })
    .expect("client")
}

fn secret(value: &str) -> KubeSecret {
    KubeSecret {
        api_version: "v1".into(),
        kind: "Secret".into(),
        metadata: ObjectMeta::named(
            "s",
            Some("team"),
            &BTreeMap::from([("tier".to_string(), "data".to_string())]),
        ),
        type_: Some("Opaque".into()),
        data: BTreeMap::from([("k".to_string(), value.to_string())]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_apply_conflict_delete_and_errors_follow_the_documented_api() {
    let server = KubeServer::start(KubeOptions {
        tls: true,
        ..KubeOptions::default()
    });
    assert!(server.endpoint.starts_with("https://127.0.0.1:"));
    let k = client(&server, &server.admin_token);
    assert!(k
        .version()
        .await
        .expect("version")
        .git_version
        .starts_with("v1."));

    let missing: Option<KubeSecret> = k.get(kinds::SECRET, Some("team"), "s").await.expect("get");
    assert!(missing.is_none());

    // A namespaced object needs its namespace: 404 NotFound, with the call named.
    let err = k
        .apply::<_, KubeSecret>(
            kinds::SECRET,
            Some("team"),
            "s",
            &secret("YQ=="),
            "hangar",
            true,
        )
        .await
        .expect_err("no namespace yet");
    assert_eq!((err.status(), err.reason()), (Some(404), Some("NotFound")));
    assert!(err.to_string().contains("apply v1 Secret team/s"), "{err}");

    let ns = Namespace {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        metadata: ObjectMeta::named("team", None, &BTreeMap::new()),
    };
    let _: Namespace = k
        .apply(kinds::NAMESPACE, None, "team", &ns, "hangar", true)
        .await
        .expect("namespace");
    let first: KubeSecret = k
        .apply(
            kinds::SECRET,
            Some("team"),
            "s",
            &secret("YQ=="),
            "hangar",
            false,
        )
        .await
        .expect("create by apply");
    let again: KubeSecret = k
        .apply(
            kinds::SECRET,
            Some("team"),
            "s",
            &secret("YQ=="),
            "hangar",
            false,
        )
        .await
        .expect("unchanged apply");
    assert!(first.metadata.resource_version.is_some());
    assert_eq!(
        first.metadata.resource_version,
        again.metadata.resource_version
    );

    // Another manager changes the field: applying a different value without force conflicts.
    assert!(server.edit("v1", "secrets", "team", "s", |o| {
        o["data"]["k"] = serde_json::json!("Yg==");
    }));
    let err = k
        .apply::<_, KubeSecret>(
            kinds::SECRET,
            Some("team"),
            "s",
            &secret("Yw=="),
            "hangar",
            false,
        )
        .await
        .expect_err("conflict");
    assert_eq!((err.status(), err.reason()), (Some(409), Some("Conflict")));
    let forced: KubeSecret = k
        .apply(
            kinds::SECRET,
            Some("team"),
            "s",
            &secret("Yw=="),
            "hangar",
            true,
        )
        .await
        .expect("forced apply");
    assert_eq!(forced.data["k"], "Yw==");

    let listed: Vec<KubeSecret> = k
        .list(kinds::SECRET, Some("team"), Some("tier=data"))
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    let none: Vec<KubeSecret> = k
        .list(kinds::SECRET, Some("team"), Some("tier=web"))
        .await
        .expect("list");
    assert!(none.is_empty());

    assert!(k
        .delete(kinds::SECRET, Some("team"), "s")
        .await
        .expect("delete"));
    assert!(!k
        .delete(kinds::SECRET, Some("team"), "s")
        .await
        .expect("gone"));

    // A bad token is refused (401), and the token never shows in the error.
    let bad = client(&server, "not-a-valid-token-value");
    let err = bad.version().await.expect_err("unauthorized");
    assert_eq!(err.status(), Some(401));
    assert!(!err.to_string().contains("not-a-valid-token-value"));
    assert!(!format!("{bad:?}").contains("not-a-valid-token-value"));
}
