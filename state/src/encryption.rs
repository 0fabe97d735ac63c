//! Client-side encryption of state: every attribute value, output and planned object is sealed
//! with AES-256-GCM before it reaches a backend; addresses, providers, regions, dependencies
//! and the binding stay readable (they are the metadata the control plane is allowed to hold).
//!
//! [`Keys`] holds the key that seals and the fallback keys that may still open (rotation).
//! [`EncryptedBackend`] wraps any backend: it always writes sealed values — once encryption is
//! configured, plaintext is never written — and reads both sealed and not-yet-sealed values;
//! [`Backend::seal_plaintext`] seals state written before encryption was turned on (the engine
//! calls it when a run takes the lock), so enabling encryption does not wait for a change. Keys come from a 32-byte
//! base64 key or from a passphrase through Argon2id (memory-hard).

use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::backend::{Backend, Journal, LockGuard};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::journal::JournalEntry;
use crate::lock_info::LockInfo;

/// Marks a sealed value: `{"$sealed": "hangar-aes256gcm:v1:<base64 nonce+ciphertext>"}`.
pub const SEALED_KEY: &str = "$sealed";
const PREFIX: &str = "hangar-aes256gcm:v1:";
/// Fixed Argon2 salt: passphrases must decrypt from any machine without extra stored state.
const SALT: &[u8] = b"hangar-state-encryption-v1";

/// The sealing key and the keys that may still open older values.
pub struct Keys {
    primary: Aes256Gcm,
    fallbacks: Vec<Aes256Gcm>,
}

fn bad(detail: impl Into<String>) -> StateError {
    StateError::Corrupt {
        path: "state encryption".into(),
        detail: detail.into(),
    }
}

/// A 32-byte key from a passphrase, through Argon2id.
pub fn key_from_passphrase(passphrase: &str) -> Result<[u8; 32], StateError> {
    let mut out = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), SALT, &mut out)
        .map_err(|e| bad(format!("cannot derive a key from the passphrase: {e}")))?;
    Ok(out)
}

/// A 32-byte key given as base64.
pub fn key_from_base64(text: &str) -> Result<[u8; 32], StateError> {
    let bytes = B64
        .decode(text.trim())
        .map_err(|e| bad(format!("the key is not base64: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| bad("the key must be exactly 32 bytes (base64 of 32 random bytes)"))
}

impl Keys {
    /// Keys sealing with `primary` and also opening with `fallbacks`.
    pub fn new(primary: [u8; 32], fallbacks: &[[u8; 32]]) -> Result<Keys, StateError> {
        let cipher =
            |k: &[u8; 32]| Aes256Gcm::new_from_slice(k).map_err(|_| bad("invalid key length"));
        Ok(Keys {
            primary: cipher(&primary)?,
            fallbacks: fallbacks.iter().map(cipher).collect::<Result<_, _>>()?,
        })
    }

    /// Encrypts bytes into the sealed text form.
    pub fn seal(&self, plain: &[u8]) -> Result<String, StateError> {
        let raw = uuid::Uuid::new_v4();
        let nonce_bytes: [u8; 12] = raw.as_bytes()[..12].try_into().map_err(|_| bad("nonce"))?;
        let nonce = Nonce::try_from(&nonce_bytes[..]).map_err(|_| bad("nonce"))?;
        let ct = self
            .primary
            .encrypt(&nonce, plain)
            .map_err(|_| bad("encryption failed"))?;
        let mut all = nonce_bytes.to_vec();
        all.extend(ct);
        Ok(format!("{PREFIX}{}", B64.encode(all)))
    }

    /// Decrypts the sealed text form with the primary key, then each fallback key.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, StateError> {
        let body = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(|| bad("not a sealed value"))?;
        let all = B64
            .decode(body)
            .map_err(|e| bad(format!("sealed value is not base64: {e}")))?;
        if all.len() < 12 {
            return Err(bad("sealed value too short"));
        }
        let nonce = Nonce::try_from(&all[..12]).map_err(|_| bad("nonce"))?;
        std::iter::once(&self.primary)
            .chain(&self.fallbacks)
            .find_map(|c| c.decrypt(&nonce, &all[12..]).ok())
            .ok_or(StateError::WrongKey)
    }

    fn seal_json(&self, v: &Value) -> Result<Value, StateError> {
        Ok(json!({ SEALED_KEY: self.seal(v.to_string().as_bytes())? }))
    }

    fn open_json(&self, v: &Value) -> Result<Value, StateError> {
        match sealed_text(v) {
            Some(s) => serde_json::from_slice(&self.open(s)?)
                .map_err(|e| bad(format!("sealed value is not JSON: {e}"))),
            None => Ok(v.clone()),
        }
    }

    /// The document with every value sealed.
    pub fn seal_doc(&self, doc: &StateDoc) -> Result<StateDoc, StateError> {
        let mut out = doc.clone();
        for rec in out.resources.values_mut() {
            let payload =
                json!({"attributes": rec.attributes, "sensitive_paths": rec.sensitive_paths});
            rec.attributes = self.seal_json(&payload)?;
            rec.sensitive_paths = Vec::new();
        }
        for o in out.outputs.values_mut() {
            o.value = self.seal_json(&o.value)?;
        }
        for i in out.pending.values_mut() {
            if let Some(p) = &i.planned {
                i.planned = Some(self.seal_json(p)?);
            }
        }
        Ok(out)
    }

    /// The document with every sealed value opened (plaintext values pass through).
    pub fn open_doc(&self, doc: &StateDoc) -> Result<StateDoc, StateError> {
        let mut out = doc.clone();
        for rec in out.resources.values_mut() {
            if sealed_text(&rec.attributes).is_some() {
                let payload = self.open_json(&rec.attributes)?;
                rec.attributes = payload["attributes"].clone();
                rec.sensitive_paths =
                    serde_json::from_value(payload["sensitive_paths"].clone()).unwrap_or_default();
            }
        }
        for o in out.outputs.values_mut() {
            o.value = self.open_json(&o.value)?;
        }
        for i in out.pending.values_mut() {
            if let Some(p) = &i.planned {
                i.planned = Some(self.open_json(p)?);
            }
        }
        Ok(out)
    }

    fn seal_entry(&self, e: &JournalEntry) -> Result<JournalEntry, StateError> {
        let mut doc = StateDoc::new();
        Ok(match e {
            JournalEntry::Put(rec) => {
                doc.put(rec.clone());
                let sealed = self.seal_doc(&doc)?;
                JournalEntry::Put(
                    sealed
                        .resources
                        .into_values()
                        .next()
                        .ok_or_else(|| bad("record"))?,
                )
            }
            JournalEntry::Outputs(o) => {
                doc.outputs = o.clone();
                JournalEntry::Outputs(self.seal_doc(&doc)?.outputs)
            }
            JournalEntry::Intent {
                token,
                addr,
                action,
                planned,
            } => JournalEntry::Intent {
                token: token.clone(),
                addr: addr.clone(),
                action: action.clone(),
                planned: planned.as_ref().map(|p| self.seal_json(p)).transpose()?,
            },
            other => other.clone(),
        })
    }
}

fn sealed_text(v: &Value) -> Option<&str> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.get(SEALED_KEY)?.as_str()
}

/// Whether a stored document holds any sealed value (so reading it needs the key).
pub fn is_sealed(doc: &StateDoc) -> bool {
    doc.resources
        .values()
        .any(|r| sealed_text(&r.attributes).is_some())
        || doc
            .outputs
            .values()
            .any(|o| sealed_text(&o.value).is_some())
}

/// Whether a stored document holds any value not sealed (written before encryption was on).
fn has_plaintext(doc: &StateDoc) -> bool {
    doc.resources
        .values()
        .any(|r| sealed_text(&r.attributes).is_none())
        || doc
            .outputs
            .values()
            .any(|o| sealed_text(&o.value).is_none())
        || doc
            .pending
            .values()
            .any(|i| i.planned.as_ref().is_some_and(|p| sealed_text(p).is_none()))
}

/// Any backend, with every value sealed on the way in and opened on the way out.
pub struct EncryptedBackend {
    inner: Box<dyn Backend>,
    keys: Arc<Keys>,
}

impl EncryptedBackend {
    /// Wraps `inner` with `keys`.
    pub fn new(inner: Box<dyn Backend>, keys: Keys) -> Self {
        EncryptedBackend {
            inner,
            keys: Arc::new(keys),
        }
    }
}

struct EncryptedJournal {
    inner: Box<dyn Journal>,
    keys: Arc<Keys>,
}

impl Journal for EncryptedJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        let sealed = entries
            .iter()
            .map(|e| self.keys.seal_entry(e))
            .collect::<Result<Vec<_>, _>>()?;
        self.inner.append(&sealed)
    }

    fn commit(self: Box<Self>, final_doc: &StateDoc) -> Result<(), StateError> {
        let sealed = self.keys.seal_doc(final_doc)?;
        self.inner.commit(&sealed)
    }
}

impl Backend for EncryptedBackend {
    fn describe(&self) -> String {
        format!("{} (encrypted)", self.inner.describe())
    }

    fn lock(&self, info: LockInfo) -> Result<Box<dyn LockGuard>, StateError> {
        self.inner.lock(info)
    }

    fn lock_with_timeout(
        &self,
        info: LockInfo,
        wait: std::time::Duration,
    ) -> Result<Box<dyn LockGuard>, StateError> {
        self.inner.lock_with_timeout(info, wait)
    }

    fn read(&self) -> Result<Option<StateDoc>, StateError> {
        self.inner
            .read()?
            .map(|d| self.keys.open_doc(&d))
            .transpose()
    }

    fn write(&self, doc: &StateDoc) -> Result<(), StateError> {
        self.inner.write(&self.keys.seal_doc(doc)?)
    }

    fn read_backup(&self) -> Result<Option<StateDoc>, StateError> {
        self.inner
            .read_backup()?
            .map(|d| self.keys.open_doc(&d))
            .transpose()
    }

    fn open_journal(&self, base: &StateDoc) -> Result<Box<dyn Journal>, StateError> {
        let inner = self.inner.open_journal(&self.keys.seal_doc(base)?)?;
        Ok(Box::new(EncryptedJournal {
            inner,
            keys: self.keys.clone(),
        }))
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        self.inner.force_unlock(id)
    }

    fn seal_plaintext(&self) -> Result<bool, StateError> {
        let Some(stored) = self.inner.read()? else {
            return Ok(false);
        };
        if !has_plaintext(&stored) {
            return Ok(false);
        }
        // Same content, same serial: a plan made before still applies. Written twice so the
        // backup of the previous snapshot is sealed as well.
        let opened = self.keys.open_doc(&stored)?;
        self.inner.write(&self.keys.seal_doc(&opened)?)?;
        self.inner.write(&self.keys.seal_doc(&opened)?)?;
        Ok(true)
    }

    fn is_local(&self) -> bool {
        self.inner.is_local()
    }

    fn location(&self) -> Result<Option<hangar_core::Location>, StateError> {
        self.inner.location()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_a_right_key() {
        let old = Keys::new([1; 32], &[]).expect("keys");
        let sealed = old.seal(b"secret").expect("seal");
        assert!(!sealed.contains("secret"));
        assert_eq!(old.open(&sealed).expect("open"), b"secret");
        let rotated = Keys::new([2; 32], &[[1; 32]]).expect("keys");
        assert_eq!(rotated.open(&sealed).expect("fallback opens"), b"secret");
        let stranger = Keys::new([3; 32], &[]).expect("keys");
        assert!(stranger.open(&sealed).is_err());
    }

    #[test]
    fn passphrases_derive_stable_keys() {
        assert_eq!(
            key_from_passphrase("pw").expect("kdf"),
            key_from_passphrase("pw").expect("kdf")
        );
        assert_ne!(
            key_from_passphrase("pw").expect("kdf"),
            key_from_passphrase("pw2").expect("kdf")
        );
    }
}
