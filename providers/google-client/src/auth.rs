//! Credentials and access tokens, as Terraform's `google` provider finds them.
//!
//! In order: an explicit access token; an explicit `credentials` setting (a service-account
//! key's JSON, or a path to it); then Application Default Credentials: the file
//! `GOOGLE_APPLICATION_CREDENTIALS` names, else gcloud's
//! `application_default_credentials.json` (under `CLOUDSDK_CONFIG`, default
//! `~/.config/gcloud`). A service-account key is exchanged for a token with an OAuth2
//! JWT-bearer grant signed RS256 (ring); gcloud's `authorized_user` file with a refresh-token
//! grant. Tokens are cached until five minutes before they expire.
//!
//! Left out: the GCE metadata server, impersonation, external-account (workload identity
//! federation) files. With none of the above, [`Credentials::Missing`] makes every call fail
//! with a message naming every place that was looked at, and no request is made.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::error::{from_answer, GoogleError};
use crate::http::Http;

/// The OAuth2 scope every token is asked for.
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// Google's token endpoint, unless a key file names another.
pub const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// Where access tokens come from.
#[derive(Clone)]
pub enum Credentials {
    /// A fixed OAuth2 access token (`access_token`), used as is.
    AccessToken(String),
    /// A service-account key.
    ServiceAccount(ServiceAccountKey),
    /// gcloud's `authorized_user` application-default credentials.
    AuthorizedUser(AuthorizedUser),
    /// None could be found: every call fails with this message, before any request is made.
    /// (A configuration that declares a provider it never calls still configures.)
    Missing(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::AccessToken(_) => f.write_str("AccessToken(..)"),
            Credentials::ServiceAccount(k) => write!(f, "ServiceAccount({})", k.client_email),
            Credentials::AuthorizedUser(_) => f.write_str("AuthorizedUser(..)"),
            Credentials::Missing(_) => f.write_str("Missing"),
        }
    }
}

/// A service-account key file (the fields Hangar uses).
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    /// The account's e-mail: the JWT's issuer.
    pub client_email: String,
    /// PKCS#8 RSA private key, PEM.
    pub private_key: String,
    /// Its id, sent as the JWT's `kid`.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// Token endpoint; Google's when absent.
    #[serde(default)]
    pub token_uri: Option<String>,
    /// The key's project.
    #[serde(default)]
    pub project_id: Option<String>,
}

/// gcloud's `authorized_user` credentials (a user's refresh token).
#[derive(Clone, Deserialize)]
pub struct AuthorizedUser {
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: String,
    /// The refresh token.
    pub refresh_token: String,
    /// Token endpoint; Google's when absent.
    #[serde(default)]
    pub token_uri: Option<String>,
    /// Project used for quota, when gcloud recorded one.
    #[serde(default)]
    pub quota_project_id: Option<String>,
}

#[derive(Deserialize)]
struct KeyKind {
    #[serde(rename = "type")]
    kind: String,
}

fn auth_err(message: impl Into<String>) -> GoogleError {
    GoogleError::Auth {
        call: "credentials".into(),
        message: message.into(),
    }
}

impl Credentials {
    /// Credentials from a key file's JSON text; fails on a file type Hangar does not take.
    pub fn from_json(text: &str) -> Result<Credentials, GoogleError> {
        let kind: KeyKind = serde_json::from_str(text)
            .map_err(|e| auth_err(format!("not a credentials JSON file: {e}")))?;
        match kind.kind.as_str() {
            "service_account" => serde_json::from_str(text)
                .map(Credentials::ServiceAccount)
                .map_err(|e| auth_err(format!("service-account key: {e}"))),
            "authorized_user" => serde_json::from_str(text)
                .map(Credentials::AuthorizedUser)
                .map_err(|e| auth_err(format!("authorized_user credentials: {e}"))),
            other => Err(auth_err(format!(
                "credentials of type \"{other}\" are not supported (use a service_account key, \
                 gcloud's authorized_user credentials, or access_token)"
            ))),
        }
    }

    /// Credentials from the `credentials` setting: JSON text when it starts with `{`,
    /// otherwise a path to a key file; fails when the file cannot be read or parsed.
    pub fn from_setting(setting: &str) -> Result<Credentials, GoogleError> {
        let t = setting.trim_start();
        if t.starts_with('{') {
            return Credentials::from_json(t);
        }
        let text = std::fs::read_to_string(setting)
            .map_err(|e| auth_err(format!("cannot read credentials file {setting}: {e}")))?;
        Credentials::from_json(&text)
    }

    /// Application Default Credentials from the environment and gcloud's configuration;
    /// `Ok(None)` when there are none; fails when a file exists but is unusable.
    pub fn application_default() -> Result<Option<Credentials>, GoogleError> {
        if let Some(p) =
            std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").filter(|p| !p.is_empty())
        {
            let p = PathBuf::from(p);
            return Credentials::from_setting(&p.to_string_lossy()).map(Some);
        }
        let dir = match std::env::var_os("CLOUDSDK_CONFIG").filter(|p| !p.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
                Some(h) => PathBuf::from(h).join(".config").join("gcloud"),
                None => return Ok(None),
            },
        };
        let file = dir.join("application_default_credentials.json");
        if !file.is_file() {
            return Ok(None);
        }
        Credentials::from_setting(&file.to_string_lossy()).map(Some)
    }

    /// The project the credentials name, if any.
    pub fn project_id(&self) -> Option<String> {
        match self {
            Credentials::ServiceAccount(k) => k.project_id.clone(),
            Credentials::AuthorizedUser(u) => u.quota_project_id.clone(),
            Credentials::AccessToken(_) | Credentials::Missing(_) => None,
        }
    }
}

/// A token endpoint's answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Serialize)]
struct JwtHeader<'a> {
    alg: &'a str,
    typ: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

/// The claims of a JWT-bearer grant (RFC 7523).
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct JwtClaims {
    /// Issuer: the service account.
    pub iss: String,
    /// Requested scope.
    pub scope: String,
    /// Audience: the token endpoint.
    pub aud: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expires at (Unix seconds).
    pub exp: u64,
}

/// A signed JWT asserting `key`'s identity for `aud`, issued at `now` (Unix seconds); fails
/// when the private key is not an RSA PKCS#8 PEM key.
pub fn sign_jwt(key: &ServiceAccountKey, aud: &str, now: u64) -> Result<String, GoogleError> {
    let header = JwtHeader {
        alg: "RS256",
        typ: "JWT",
        kid: key.private_key_id.as_deref(),
    };
    let claims = JwtClaims {
        iss: key.client_email.clone(),
        scope: SCOPE.into(),
        aud: aud.into(),
        iat: now,
        exp: now + 3600,
    };
    let enc = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
    let head = serde_json::to_vec(&header).map_err(|e| auth_err(e.to_string()))?;
    let body = serde_json::to_vec(&claims).map_err(|e| auth_err(e.to_string()))?;
    let input = format!("{}.{}", enc(&head), enc(&body));
    let der = pem_body(&key.private_key)?;
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).map_err(|e| {
        auth_err(format!(
            "private_key of {} is not an RSA PKCS#8 key: {e}",
            key.client_email
        ))
    })?;
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(|_| auth_err("signing the JWT failed"))?;
    Ok(format!("{input}.{}", enc(&sig)))
}

/// The DER bytes of a `-----BEGIN PRIVATE KEY-----` PEM block.
fn pem_body(pem: &str) -> Result<Vec<u8>, GoogleError> {
    let b64: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .collect();
    STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| auth_err(format!("private_key is not PEM: {e}")))
}

/// Hands out access tokens for one set of credentials, refreshing them before they expire.
pub struct TokenSource {
    credentials: Credentials,
    http: Http,
    cached: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenSource({:?})", self.credentials)
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

impl TokenSource {
    /// A token source for `credentials`, fetching over `http`.
    pub fn new(credentials: Credentials, http: Http) -> TokenSource {
        TokenSource {
            credentials,
            http,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// A valid access token; fails with the token endpoint's error.
    pub async fn token(&self) -> Result<String, GoogleError> {
        if let Credentials::AccessToken(t) = &self.credentials {
            return Ok(t.clone());
        }
        let mut cached = self.cached.lock().await;
        if let Some((t, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        let (uri, body) = match &self.credentials {
            Credentials::AccessToken(t) => return Ok(t.clone()),
            Credentials::Missing(why) => {
                return Err(GoogleError::Auth {
                    call: "credentials".into(),
                    message: why.clone(),
                })
            }
            Credentials::ServiceAccount(k) => {
                let uri = k.token_uri.clone().unwrap_or_else(|| TOKEN_URI.into());
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default();
                let jwt = sign_jwt(k, &uri, now)?;
                let body = form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", &jwt),
                ]);
                (uri, body)
            }
            Credentials::AuthorizedUser(u) => {
                let uri = u.token_uri.clone().unwrap_or_else(|| TOKEN_URI.into());
                let body = form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", &u.client_id),
                    ("client_secret", &u.client_secret),
                    ("refresh_token", &u.refresh_token),
                ]);
                (uri, body)
            }
        };
        let call = "oauth2.token";
        let a = self
            .http
            .send(
                call,
                Method::POST,
                &uri,
                &[],
                Some((body, "application/x-www-form-urlencoded")),
            )
            .await?;
        if !(200..300).contains(&a.status) {
            return Err(match from_answer(call, a.status, &a.body) {
                GoogleError::Api { message, code, .. } => GoogleError::Auth {
                    call: call.into(),
                    message: format!("{uri} refused the credentials: {code}: {message}"),
                },
                other => other,
            });
        }
        let t: TokenAnswer = serde_json::from_slice(&a.body).map_err(|e| GoogleError::Decode {
            call: call.into(),
            message: e.to_string(),
        })?;
        let life = Duration::from_secs(t.expires_in.unwrap_or(3600).saturating_sub(300).max(30));
        *cached = Some((t.access_token.clone(), Instant::now() + life));
        Ok(t.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_told_apart_by_type() {
        let sa = r#"{"type":"service_account","client_email":"a@p.iam.gserviceaccount.com",
                     "private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                     "project_id":"p"}"#;
        let c = Credentials::from_json(sa).expect("service account");
        assert!(matches!(c, Credentials::ServiceAccount(_)));
        assert_eq!(c.project_id().as_deref(), Some("p"));
        let user =
            r#"{"type":"authorized_user","client_id":"i","client_secret":"s","refresh_token":"r"}"#;
        assert!(matches!(
            Credentials::from_json(user),
            Ok(Credentials::AuthorizedUser(_))
        ));
        let ext = r#"{"type":"external_account"}"#;
        let e = Credentials::from_json(ext).expect_err("unsupported");
        assert!(e.to_string().contains("external_account"), "{e}");
        assert!(Credentials::from_setting("/nonexistent/key.json").is_err());
    }

    #[test]
    fn a_bad_private_key_is_reported() {
        let key = ServiceAccountKey {
            client_email: "a@p".into(),
            private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".into(),
            private_key_id: None,
            token_uri: None,
            project_id: None,
        };
        let e = sign_jwt(&key, TOKEN_URI, 0).expect_err("not RSA");
        assert!(e.to_string().contains("RSA PKCS#8"), "{e}");
    }
}
