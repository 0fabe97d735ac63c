//! Bearer tokens from Entra ID for one scope at a time, cached until shortly before expiry.
//!
//! Two documented flows: the OAuth 2.0 client-credentials grant (a form POST of `client_id`,
//! `client_secret`, `grant_type=client_credentials` and `scope` to
//! `{authority}/{tenant}/oauth2/v2.0/token`, answered with `access_token` and `expires_in`),
//! and the Azure CLI's `az account get-access-token --scope ... --output json` (answered with
//! `accessToken` and `expires_on`). The authority is whatever the caller gives (the
//! environment's login endpoint, or a test server); nothing else is ever contacted. Left out:
//! managed identity (IMDS), certificates and federated credentials.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::Method;
use serde::Deserialize;

use crate::error::Error;
use crate::http::{request, Http};

/// How long before its expiry a cached token is replaced.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Where tokens come from.
#[derive(Clone)]
pub enum Credential {
    /// A service principal's client secret.
    ClientSecret {
        /// The login endpoint, e.g. `https://login.microsoftonline.com`.
        authority: String,
        /// Directory (tenant) id.
        tenant_id: String,
        /// Application (client) id.
        client_id: String,
        /// The secret.
        client_secret: String,
    },
    /// The signed-in Azure CLI (`az`).
    Cli {
        /// Ask the CLI for a token of this tenant, when set.
        tenant_id: Option<String>,
    },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::ClientSecret {
                authority,
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("ClientSecret")
                .field("authority", authority)
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            Credential::Cli { tenant_id } => {
                f.debug_struct("Cli").field("tenant_id", tenant_id).finish()
            }
        }
    }
}

/// Entra ID's answer to a token request.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// Seconds; a number in v2.0, a string in some older endpoints.
    expires_in: Option<NumberOrText>,
}

/// Entra ID's error answer.
#[derive(Deserialize)]
struct TokenError {
    error: String,
    error_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(u64),
    Text(String),
}

impl NumberOrText {
    fn seconds(&self) -> Option<u64> {
        match self {
            NumberOrText::Number(n) => Some(*n),
            NumberOrText::Text(t) => t.parse().ok(),
        }
    }
}

/// What `az account get-access-token --output json` prints.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CliToken {
    access_token: String,
    /// POSIX seconds (Azure CLI 2.54 and later).
    #[serde(rename = "expires_on")]
    expires_on: Option<u64>,
}

/// A token and when it stops working.
#[derive(Clone)]
struct Cached {
    token: String,
    expires: SystemTime,
}

/// Tokens for a [`Credential`], cached per scope.
pub struct TokenSource {
    credential: Credential,
    http: Http,
    cache: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// Tokens for `credential`, fetched over `http`.
    pub fn new(credential: Credential, http: Http) -> TokenSource {
        TokenSource {
            credential,
            http,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A bearer token for `scope` (`https://management.azure.com/.default`).
    ///
    /// Fails with [`Error::Auth`] carrying Entra ID's or the CLI's message.
    pub async fn token(&self, scope: &str) -> Result<String, Error> {
        if let Some(c) = self.cached(scope) {
            return Ok(c);
        }
        let fresh = match &self.credential {
            Credential::ClientSecret {
                authority,
                tenant_id,
                client_id,
                client_secret,
            } => {
                client_secret_token(
                    &self.http,
                    authority,
                    tenant_id,
                    client_id,
                    client_secret,
                    scope,
                )
                .await?
            }
            Credential::Cli { tenant_id } => cli_token(tenant_id.clone(), scope).await?,
        };
        let token = fresh.token.clone();
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scope.to_string(), fresh);
        Ok(token)
    }

    fn cached(&self, scope: &str) -> Option<String> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let c = cache.get(scope)?;
        (SystemTime::now() + REFRESH_MARGIN < c.expires).then(|| c.token.clone())
    }
}

async fn client_secret_token(
    http: &Http,
    authority: &str,
    tenant_id: &str,
    client_id: &str,
    secret: &str,
    scope: &str,
) -> Result<Cached, Error> {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        authority.trim_end_matches('/'),
        percent_encoding::utf8_percent_encode(tenant_id, UNRESERVED)
    );
    let body = form(&[
        ("client_id", client_id),
        ("client_secret", secret),
        ("grant_type", "client_credentials"),
        ("scope", scope),
    ]);
    let req = request(
        Method::POST,
        &url,
        &[(
            "content-type",
            "application/x-www-form-urlencoded".to_string(),
        )],
        Bytes::from(body),
    )?;
    let reply = http.send(req).await?;
    if !reply.ok() {
        let message = match serde_json::from_slice::<TokenError>(&reply.body) {
            Ok(e) => match e.error_description {
                Some(d) => format!("{}: {d}", e.error),
                None => e.error,
            },
            Err(_) => format!(
                "HTTP {} from {url}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ),
        };
        return Err(Error::Auth { message });
    }
    let answer: TokenAnswer = serde_json::from_slice(&reply.body).map_err(|e| Error::Decode {
        url: url.clone(),
        message: format!("not a token answer: {e}"),
    })?;
    let secs = answer.expires_in.and_then(|e| e.seconds()).unwrap_or(3600);
    Ok(Cached {
        token: answer.access_token,
        expires: SystemTime::now() + Duration::from_secs(secs),
    })
}

async fn cli_token(tenant: Option<String>, scope: &str) -> Result<Cached, Error> {
    let scope = scope.to_string();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new("az");
        cmd.args(["account", "get-access-token", "--output", "json", "--scope"])
            .arg(&scope);
        if let Some(t) = tenant {
            cmd.arg("--tenant").arg(t);
        }
        cmd.output()
    })
    .await
    .map_err(|e| Error::Auth {
        message: format!("running the Azure CLI: {e}"),
    })?
    .map_err(|e| Error::Auth {
        message: format!(
            "cannot run the Azure CLI (`az`): {e}; install it and `az login`, or set \
             client_id, client_secret and tenant_id"
        ),
    })?;
    if !out.status.success() {
        return Err(Error::Auth {
            message: format!(
                "`az account get-access-token` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    let t: CliToken = serde_json::from_slice(&out.stdout).map_err(|e| Error::Auth {
        message: format!("`az account get-access-token` printed no token: {e}"),
    })?;
    let expires = match t.expires_on {
        Some(s) => UNIX_EPOCH + Duration::from_secs(s),
        None => SystemTime::now() + REFRESH_MARGIN + Duration::from_secs(60),
    };
    Ok(Cached {
        token: t.access_token,
        expires,
    })
}

/// Everything but RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `application/x-www-form-urlencoded` of `pairs`.
fn form(pairs: &[(&str, &str)]) -> String {
    const SET: &percent_encoding::AsciiSet = UNRESERVED;
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(k, SET),
                percent_encoding::utf8_percent_encode(v, SET)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_encode_reserved_characters() {
        assert_eq!(
            form(&[
                ("scope", "https://management.azure.com/.default"),
                ("a", "b c&d")
            ]),
            "scope=https%3A%2F%2Fmanagement.azure.com%2F.default&a=b%20c%26d"
        );
    }

    #[test]
    fn cli_output_is_read() {
        let t: CliToken = serde_json::from_str(
            r#"{"accessToken":"tok","expiresOn":"2030-01-01 00:00:00.000000","expires_on":1893456000,"subscription":"s","tenant":"t","tokenType":"Bearer"}"#,
        )
        .expect("parses");
        assert_eq!(t.access_token, "tok");
        assert_eq!(t.expires_on, Some(1_893_456_000));
    }
}
