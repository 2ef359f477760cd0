//! Secrets at rest: AES-256-GCM with a key id in every envelope, so keys can be rotated while
//! old envelopes stay readable until re-encrypted.
//!
//! Envelope: `v1:<key id>:<base64(nonce ‖ ciphertext)>`; the key id is bound as associated
//! data, so an envelope cannot be relabelled to another key.

use std::collections::HashMap;

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};

const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("encryption key {0:?}: expected <key id>:<base64 of 32 bytes>")]
    BadKey(String),
    #[error("secret was encrypted with key {0:?}, which is not configured")]
    UnknownKey(String),
    #[error("stored secret is not a valid envelope")]
    Malformed,
    #[error("stored secret failed authentication (wrong key or tampered)")]
    Tampered,
}

/// The current key plus older ones kept for decryption.
#[derive(Clone)]
pub struct Keyring {
    current: String,
    keys: HashMap<String, Key<Aes256Gcm>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<_> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("key_ids", &ids)
            .finish()
    }
}

fn parse_key(spec: &str) -> Result<(String, Key<Aes256Gcm>), CryptoError> {
    let (id, encoded) = spec
        .trim()
        .split_once(':')
        .ok_or_else(|| CryptoError::BadKey(redact(spec)))?;
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|_| CryptoError::BadKey(id.to_owned()))?;
    let valid_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| CryptoError::BadKey(id.to_owned()))?;
    if !valid_id {
        return Err(CryptoError::BadKey(id.to_owned()));
    }
    Ok((id.to_owned(), Key::<Aes256Gcm>::from(bytes)))
}

fn redact(spec: &str) -> String {
    spec.chars().take(4).chain("…".chars()).collect()
}

impl Keyring {
    /// `current` is `<id>:<base64 key>`; `previous` is a comma-separated list of the same,
    /// for envelopes not yet re-encrypted.
    pub fn from_specs(current: &str, previous: &str) -> Result<Self, CryptoError> {
        let (current_id, current_key) = parse_key(current)?;
        let mut keys = HashMap::from([(current_id.clone(), current_key)]);
        for spec in previous.split(',').filter(|spec| !spec.trim().is_empty()) {
            let (id, key) = parse_key(spec)?;
            keys.entry(id).or_insert(key);
        }
        Ok(Self {
            current: current_id,
            keys,
        })
    }

    /// A fresh random key spec, for `ENCRYPTION_KEY` or the development key file.
    pub fn generate_spec(id: &str) -> String {
        format!("{id}:{}", STANDARD.encode(Aes256Gcm::generate_key(OsRng)))
    }

    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    #[expect(
        clippy::expect_used,
        reason = "AES-GCM fails only for inputs far beyond any stored secret"
    )]
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        let cipher = Aes256Gcm::new(&self.keys[&self.current]);
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: self.current.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of in-memory data cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        format!("{VERSION}:{}:{}", self.current, STANDARD.encode(blob))
    }

    pub fn decrypt(&self, envelope: &str) -> Result<Vec<u8>, CryptoError> {
        let mut parts = envelope.splitn(3, ':');
        let (Some(VERSION), Some(key_id), Some(encoded)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        let blob = STANDARD
            .decode(encoded)
            .map_err(|_| CryptoError::Malformed)?;
        if blob.len() <= NONCE_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
        Aes256Gcm::new(key)
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: key_id.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Tampered)
    }

    /// The key id an envelope was sealed with, without decrypting it.
    pub fn key_id_of(envelope: &str) -> Option<&str> {
        envelope.strip_prefix("v1:")?.split(':').next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(current: &str, previous: &[&str]) -> Keyring {
        Keyring::from_specs(current, &previous.join(",")).unwrap()
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let ring = keyring(&Keyring::generate_spec("k1"), &[]);
        let a = ring.encrypt(b"s3cret");
        let b = ring.encrypt(b"s3cret");
        assert_ne!(a, b, "each envelope gets its own nonce");
        assert!(a.starts_with("v1:k1:") && !a.contains("s3cret"));
        assert_eq!(ring.decrypt(&a).unwrap(), b"s3cret");
        assert_eq!(Keyring::key_id_of(&a), Some("k1"));
    }

    #[test]
    fn old_envelopes_open_after_rotation_and_reencrypt_under_the_new_key() {
        let old_spec = Keyring::generate_spec("k1");
        let sealed = keyring(&old_spec, &[]).encrypt(b"token");
        let rotated = keyring(&Keyring::generate_spec("k2"), &[&old_spec]);
        let plain = rotated.decrypt(&sealed).unwrap();
        let resealed = rotated.encrypt(&plain);
        assert_eq!(Keyring::key_id_of(&resealed), Some("k2"));
        // Without the old key, the old envelope is unreadable — with a clear reason.
        let new_only = keyring(&Keyring::generate_spec("k2"), &[]);
        assert_eq!(
            new_only.decrypt(&sealed),
            Err(CryptoError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn tampering_and_relabelling_are_detected() {
        let k1 = Keyring::generate_spec("k1");
        let k2 = format!("k2:{}", k1.split_once(':').unwrap().1);
        let ring = keyring(&k1, &[&k2]);
        let sealed = ring.encrypt(b"token");
        // Same key bytes under another id: the id is authenticated, so this fails.
        let relabelled = sealed.replacen("v1:k1:", "v1:k2:", 1);
        assert_eq!(ring.decrypt(&relabelled), Err(CryptoError::Tampered));
        let mut bytes = STANDARD.decode(sealed.rsplit(':').next().unwrap()).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        let flipped = format!("v1:k1:{}", STANDARD.encode(bytes));
        assert_eq!(ring.decrypt(&flipped), Err(CryptoError::Tampered));
        assert_eq!(ring.decrypt("plaintext"), Err(CryptoError::Malformed));
    }

    #[test]
    fn bad_key_specs_are_rejected_without_echoing_the_key() {
        assert!(
            matches!(Keyring::from_specs("k1:c2hvcnQ=", ""), Err(CryptoError::BadKey(id)) if id == "k1")
        );
        let err = Keyring::from_specs("no-separator-here-secretmaterial", "").unwrap_err();
        assert!(!err.to_string().contains("secretmaterial"));
    }
}
