//! The RS256 keyring: several keys, each with a `kid`. Every key not retired verifies, so a
//! rotation never invalidates tokens already out. The newest key whose `signs_from` has come signs:
//! a rotated-in key first only verifies, giving every service time to load it before tokens
//! signed by it appear. The JWKS publishes the public half of every verifying key.
//!
//! Stored form (the secret's value, JSON):
//! `{"keys":[{"kid":"…","created_at":1763900000,"signs_from":1763903600,"private_key_pem":"-----BEGIN PRIVATE KEY-----…","retired":false}]}`

use aws_lc_rs::{
    encoding::AsDer,
    rsa::{KeyPair, KeySize},
    signature::KeyPair as _,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD, prelude::BASE64_STANDARD};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("the keyring is not valid JSON of the documented shape: {0}")]
    Format(#[from] serde_json::Error),
    #[error("key {kid:?} is not a valid RSA private key in PKCS#8 PEM: {reason}")]
    BadKey { kid: String, reason: String },
    #[error("the keyring has no active (non-retired) key to sign with")]
    NoActiveKey,
    #[error("two keys share kid {0:?}")]
    DuplicateKid(String),
    #[error("RSA key generation failed")]
    Generate,
}

/// One key as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredKey {
    pub kid: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds from which this key may sign (it verifies from the start).
    #[serde(default)]
    pub signs_from: i64,
    pub private_key_pem: String,
    #[serde(default)]
    pub retired: bool,
}

/// The stored keyring document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredKeyring {
    pub keys: Vec<StoredKey>,
}

impl StoredKeyring {
    /// Adds a freshly generated 2048-bit key that signs from `now + activate_in`; until then it
    /// only verifies. Older keys keep verifying. Returns the new `kid`.
    pub fn rotate(&mut self, now_unix: i64, activate_in_secs: i64) -> Result<String, KeyringError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyringError::Generate)?;
        let der = pair.as_der().map_err(|_| KeyringError::Generate)?;
        let kid = format!(
            "k{now_unix}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        self.keys.push(StoredKey {
            kid: kid.clone(),
            created_at: now_unix,
            signs_from: now_unix.saturating_add(activate_in_secs),
            private_key_pem: pem(der.as_ref()),
            retired: false,
        });
        Ok(kid)
    }

    /// Stops a key from verifying (after every token it signed has expired).
    pub fn retire(&mut self, kid: &str) -> bool {
        self.keys
            .iter_mut()
            .filter(|k| k.kid == kid)
            .map(|k| k.retired = true)
            .count()
            > 0
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn pem(der: &[u8]) -> String {
    let b64 = BASE64_STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END PRIVATE KEY-----\n");
    out
}

fn der_from_pem(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    BASE64_STANDARD.decode(body).ok()
}

/// A public key as published in the JWKS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    pub kid: String,
    pub n: String,
    pub e: String,
}

/// A key able to sign from `signs_from` on.
struct Signer {
    kid: String,
    signs_from: i64,
    key: EncodingKey,
}

/// The loaded keyring: every signing-capable key and every verifying key. The signer is chosen
/// at each mint from the time passed in, so a staged key takes over at its `signs_from` in every
/// running process without a restart.
pub struct Keyring {
    /// Ordered by `signs_from`, oldest first.
    signers: Vec<Signer>,
    verifying: HashMap<String, DecodingKey>,
    jwks: Vec<Jwk>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field(
                "signers",
                &self
                    .signers
                    .iter()
                    .map(|s| (&s.kid, s.signs_from))
                    .collect::<Vec<_>>(),
            )
            .field("verifying", &self.verifying.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    pub fn from_json(json: &str, now_unix: i64) -> Result<Self, KeyringError> {
        Self::from_stored(&serde_json::from_str(json)?, now_unix)
    }

    pub fn from_stored(stored: &StoredKeyring, now_unix: i64) -> Result<Self, KeyringError> {
        let mut verifying = HashMap::new();
        let mut jwks = Vec::new();
        let mut signers = Vec::new();
        for key in &stored.keys {
            let bad = |reason: &str| KeyringError::BadKey {
                kid: key.kid.clone(),
                reason: reason.to_owned(),
            };
            let der = der_from_pem(&key.private_key_pem).ok_or_else(|| bad("not PEM"))?;
            let pair = KeyPair::from_pkcs8(&der).map_err(|e| bad(&e.to_string()))?;
            if key.retired {
                continue;
            }
            let public = pair.public_key();
            let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
            let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
            let decoding =
                DecodingKey::from_rsa_components(&n, &e).map_err(|e| bad(&e.to_string()))?;
            if verifying.insert(key.kid.clone(), decoding).is_some() {
                return Err(KeyringError::DuplicateKid(key.kid.clone()));
            }
            jwks.push(Jwk {
                kty: "RSA".into(),
                use_: "sig".into(),
                alg: "RS256".into(),
                kid: key.kid.clone(),
                n,
                e,
            });
            let encoding = EncodingKey::from_rsa_pem(key.private_key_pem.as_bytes())
                .map_err(|e| bad(&e.to_string()))?;
            signers.push(Signer {
                kid: key.kid.clone(),
                signs_from: key.signs_from,
                key: encoding,
            });
        }
        // Stable: among keys with equal `signs_from`, the later-listed one wins.
        signers.sort_by_key(|s| s.signs_from);
        if !signers.iter().any(|s| s.signs_from <= now_unix) {
            return Err(KeyringError::NoActiveKey);
        }
        Ok(Self {
            signers,
            verifying,
            jwks,
        })
    }

    /// A keyring of one fresh key (development and tests).
    pub fn generate(now_unix: i64) -> Result<(Self, StoredKeyring), KeyringError> {
        let mut stored = StoredKeyring::default();
        stored.rotate(now_unix, 0)?;
        Ok((Self::from_stored(&stored, now_unix)?, stored))
    }

    /// The key that signs at `now_unix`: the newest whose `signs_from` has come (or the oldest,
    /// should the clock stand before every key).
    fn signer_at(&self, now_unix: i64) -> Option<&Signer> {
        self.signers
            .iter()
            .rev()
            .find(|s| s.signs_from <= now_unix)
            .or_else(|| self.signers.first())
    }

    /// The `kid` that signs at `now_unix`.
    pub fn signing_kid_at(&self, now_unix: i64) -> &str {
        self.signer_at(now_unix).map_or("", |s| s.kid.as_str())
    }

    /// The `kid` that signs now.
    pub fn signing_kid(&self) -> &str {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        self.signing_kid_at(now)
    }

    pub(crate) fn signing_key_at(&self, now_unix: i64) -> Option<(&str, &EncodingKey)> {
        self.signer_at(now_unix).map(|s| (s.kid.as_str(), &s.key))
    }

    pub(crate) fn verifying_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying.get(kid)
    }

    /// The JWKS document (`/.well-known/jwks.json`).
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": self.jwks })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Grant, TokenKind, TokenSpec};
    use std::time::Duration;

    const T0: i64 = 1_800_000_000;

    #[test]
    fn rotation_keeps_old_tokens_valid_and_signs_with_the_new_key_once_active() {
        let spec = TokenSpec {
            issuer: "i".into(),
            audience: "a".into(),
        };
        let (old_ring, mut stored) = Keyring::generate(T0).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let old_token = old_ring
            .mint(
                &spec,
                Grant {
                    kind: TokenKind::Access,
                    sub: "u",
                    sid: None,
                    lobby: None,
                },
                now,
                Duration::from_secs(60),
            )
            .unwrap();
        let new_kid = stored.rotate(T0 + 10, 3600).unwrap();

        let pending = Keyring::from_stored(&stored, T0 + 20).unwrap();
        assert_eq!(
            pending.signing_kid_at(T0 + 10 + 3600),
            new_kid,
            "the loaded keyring switches by itself"
        );
        assert_eq!(
            pending.signing_kid_at(T0 + 20),
            old_ring.signing_kid(),
            "a new key only verifies at first"
        );
        assert_eq!(pending.jwks()["keys"].as_array().unwrap().len(), 2);

        let active = Keyring::from_stored(&stored, T0 + 10 + 3600).unwrap();
        assert_eq!(active.signing_kid_at(T0 + 10 + 3600), new_kid);
        assert!(
            active.verify(&spec, &old_token, TokenKind::Access).is_ok(),
            "old tokens keep working"
        );

        let old_kid = old_ring.signing_kid().to_owned();
        assert!(stored.retire(&old_kid));
        let retired = Keyring::from_stored(&stored, T0 + 10 + 3600).unwrap();
        assert_eq!(
            retired.verify(&spec, &old_token, TokenKind::Access),
            Err(crate::TokenError::Invalid("unknown kid"))
        );
    }

    #[test]
    fn round_trips_through_json_and_refuses_broken_keys() {
        let (_, stored) = Keyring::generate(T0).unwrap();
        assert!(Keyring::from_json(&stored.to_json(), T0).is_ok());
        let mut broken = stored.clone();
        broken.keys[0].private_key_pem =
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into();
        assert!(matches!(
            Keyring::from_stored(&broken, T0),
            Err(KeyringError::BadKey { .. })
        ));
        assert!(matches!(
            Keyring::from_stored(&StoredKeyring::default(), T0),
            Err(KeyringError::NoActiveKey)
        ));
    }
}
