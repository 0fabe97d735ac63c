//! Tokens and who may do what.
//!
//! Tokens are 32 random bytes from the operating system, shown once when issued and stored only
//! as their SHA-256 (they are high-entropy, so a fast hash is enough). Every request looks its
//! token up afresh, so a revocation takes effect on the next request, on every replica.
//!
//! Principals: an admin sees and does everything; a user (person or CI) holds a role per
//! workspace — viewer (see) or operator (see, queue jobs, register agents) — and nothing else
//! exists for it; an agent sees and updates only its own workspace's jobs. Left out: the checks
//! themselves are called by the API handlers, which decide 403 versus 404.

use hangar_wire::{Grant, Role, TokenKind};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::records::{self, TokenRow};
use crate::store::Conn;

/// A new token for a principal of `kind`: `hgr_<kind>_` and 64 hex digits.
/// Fails only when the operating system cannot provide random bytes.
pub(crate) fn generate(kind: TokenKind) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal(format!("no randomness for a token: {e}")))?;
    let word = match kind {
        TokenKind::Admin => "admin",
        TokenKind::User => "user",
        TokenKind::Agent => "agent",
    };
    Ok(format!("hgr_{word}_{}", hex(&bytes)))
}

/// A random lease id.
pub(crate) fn lease_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal(format!("no randomness for a lease: {e}")))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of a token.
pub(crate) fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Who is calling.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    /// Token id.
    pub token_id: i64,
    /// Kind.
    pub kind: TokenKind,
    /// Holder's name.
    pub name: String,
    /// Roles (users).
    pub grants: Vec<Grant>,
    /// Agent id and workspace (agents).
    pub agent: Option<(i64, String)>,
}

impl Principal {
    /// How the audit log names the caller.
    pub(crate) fn actor(&self) -> String {
        let kind = match self.kind {
            TokenKind::Admin => "admin",
            TokenKind::User => "user",
            TokenKind::Agent => "agent",
        };
        format!("{kind}:{}", self.name)
    }

    /// Whether this is an admin.
    pub(crate) fn is_admin(&self) -> bool {
        self.kind == TokenKind::Admin
    }

    fn role(&self, workspace: &str) -> Option<Role> {
        self.grants
            .iter()
            .find(|g| g.workspace == workspace)
            .map(|g| g.role)
    }

    /// Whether the caller may see the workspace, its agents and jobs.
    pub(crate) fn can_view(&self, workspace: &str) -> bool {
        match self.kind {
            TokenKind::Admin => true,
            TokenKind::User => self.role(workspace).is_some(),
            TokenKind::Agent => self.agent_workspace() == Some(workspace),
        }
    }

    /// Whether the caller may queue jobs and register agents for the workspace.
    pub(crate) fn can_operate(&self, workspace: &str) -> bool {
        match self.kind {
            TokenKind::Admin => true,
            TokenKind::User => self.role(workspace) == Some(Role::Operator),
            TokenKind::Agent => false,
        }
    }

    /// The workspace of an agent.
    pub(crate) fn agent_workspace(&self) -> Option<&str> {
        self.agent.as_ref().map(|(_, w)| w.as_str())
    }

    /// The workspaces the caller may see (`None`: all of them).
    pub(crate) fn visible(&self) -> Option<Vec<String>> {
        match self.kind {
            TokenKind::Admin => None,
            TokenKind::User => Some(self.grants.iter().map(|g| g.workspace.clone()).collect()),
            TokenKind::Agent => Some(
                self.agent_workspace()
                    .into_iter()
                    .map(String::from)
                    .collect(),
            ),
        }
    }

    /// 403 unless the caller may see the workspace.
    pub(crate) fn require_view(&self, workspace: &str) -> Result<(), ApiError> {
        if self.can_view(workspace) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} may not see workspace {workspace:?}",
                self.actor()
            )))
        }
    }

    /// 403 unless the caller may operate the workspace.
    pub(crate) fn require_operate(&self, workspace: &str) -> Result<(), ApiError> {
        if self.can_operate(workspace) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} may not queue jobs or register agents for workspace {workspace:?}",
                self.actor()
            )))
        }
    }

    /// 403 unless the caller is an admin.
    pub(crate) fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} is not an admin",
                self.actor()
            )))
        }
    }

    /// The agent's id and workspace; 403 for anyone else.
    pub(crate) fn require_agent(&self) -> Result<(i64, String), ApiError> {
        self.agent
            .clone()
            .ok_or_else(|| ApiError::forbidden(format!("{} is not an agent", self.actor())))
    }
}

/// Authenticates the `Authorization` header's bearer token: 401 when it is missing, malformed,
/// unknown or revoked (a superseded agent token is revoked when its successor is issued).
pub(crate) fn authenticate(c: &mut dyn Conn, header: Option<&str>) -> Result<Principal, ApiError> {
    let header = header.ok_or_else(|| {
        ApiError::unauthorized("missing token: send `Authorization: Bearer <token>`")
    })?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(|| {
            ApiError::unauthorized("malformed Authorization header: expected `Bearer <token>`")
        })?;
    let row: TokenRow = records::token_by_hash(c, &hash(token))?
        .ok_or_else(|| ApiError::unauthorized("unknown token"))?;
    if let Some(at) = row.revoked_at {
        return Err(ApiError::unauthorized(format!(
            "token {} was revoked (at {at} ms since the epoch)",
            row.id
        )));
    }
    let grants = match row.kind {
        TokenKind::User => records::grants_of(c, row.id)?,
        _ => Vec::new(),
    };
    let agent = match row.kind {
        TokenKind::Agent => {
            let (id, _) = records::agent_of_token(c, row.id)?.ok_or_else(|| {
                ApiError::unauthorized(format!("token {} no longer belongs to an agent", row.id))
            })?;
            let workspace = row.workspace.clone().ok_or_else(|| {
                ApiError::internal(format!("agent token {} has no workspace", row.id))
            })?;
            Some((id, workspace))
        }
        _ => None,
    };
    Ok(Principal {
        token_id: row.id,
        kind: row.kind,
        name: row.name,
        grants,
        agent,
    })
}
