//! The JSON bodies the server answers with: ARM's error envelope, operation status, Entra ID's
//! token answers, list pages, storage keys and AKS credentials.

use super::*;

/// ARM's error envelope.
#[derive(Serialize)]
pub(super) struct ErrorEnvelope {
    pub(super) error: ErrorBody,
}

/// The inside of ARM's error envelope.
#[derive(Serialize, Clone, Debug)]
pub(super) struct ErrorBody {
    pub(super) code: String,
    pub(super) message: String,
}

/// An operation status resource.
#[derive(Serialize)]
pub(super) struct OperationStatus {
    pub(super) status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<ErrorBody>,
}

/// Entra ID's token answer.
#[derive(Serialize)]
pub(super) struct TokenAnswer {
    pub(super) token_type: &'static str,
    pub(super) expires_in: u64,
    pub(super) ext_expires_in: u64,
    pub(super) access_token: String,
}

/// Entra ID's error answer.
#[derive(Serialize)]
pub(super) struct TokenError {
    pub(super) error: &'static str,
    pub(super) error_description: String,
    pub(super) error_codes: Vec<u64>,
}

/// A list answer.
#[derive(Serialize)]
pub(super) struct Page {
    pub(super) value: Vec<Value>,
}

/// `listKeys`' answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Keys {
    pub(super) keys: Vec<Key>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Key {
    pub(super) key_name: String,
    pub(super) value: String,
    pub(super) permissions: &'static str,
}

/// `listClusterUserCredential`'s answer.
#[derive(Serialize)]
pub(super) struct Credentials {
    pub(super) kubeconfigs: Vec<Kubeconfig>,
}

#[derive(Serialize)]
pub(super) struct Kubeconfig {
    pub(super) name: &'static str,
    pub(super) value: String,
}
