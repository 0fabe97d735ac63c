//! A service-account key is exchanged for a token with a JWT-bearer grant signed RS256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hangar_core::Value;
use hangar_google_client::auth::JwtClaims;
use hangar_testkit::lifecycle::Driver;

use crate::support::{block, cluster_config, gke, unique, REGION};

#[tokio::test]
async fn a_service_account_key_signs_a_jwt_for_its_token() {
    let key =
        include_str!("../fixtures/service-account.json").replace("TOKEN_URI", &gke().token_uri);
    let before = gke().assertions().len();
    let d = Driver::new(
        &hangar_provider_google::GoogleProvider,
        &block(
            "EUROPE-WEST3",
            &[
                ("access_token", Value::NULL),
                ("credentials", Value::string(&key)),
            ],
        ),
        REGION,
    )
    .await;
    let name = unique("c");
    let (_, created) = d
        .apply(
            "google_container_cluster",
            &d.config("google_container_cluster", cluster_config(&name, &[])),
            None,
        )
        .await;
    d.destroy("google_container_cluster", &created.attrs).await;
    let assertions = gke().assertions();
    assert_eq!(
        assertions.len(),
        before + 1,
        "one token, cached across calls"
    );
    let jwt = assertions.last().expect("assertion");
    let parts: Vec<&str> = jwt.split('.').collect();
    let claims: JwtClaims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("claims");
    assert_eq!(
        claims.iss,
        "hangar-test@hangar-test.iam.gserviceaccount.com"
    );
    assert_eq!(claims.aud, gke().token_uri);
    assert_eq!(claims.exp, claims.iat + 3600);
    // The signature verifies with the key's public half.
    let pem: serde_json::Value = serde_json::from_str(&key).expect("json");
    let b64: String = pem["private_key"]
        .as_str()
        .expect("key")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("der");
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).expect("rsa");
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        ring::signature::KeyPair::public_key(&pair)
            .as_ref()
            .to_vec(),
    );
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("sig");
    public
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .expect("signature verifies");
}
