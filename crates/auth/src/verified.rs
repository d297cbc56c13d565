//! A short-lived memory of tokens whose signature and claims were already checked, so that a
//! player's second request within a minute skips the RS256 verification (about 30 µs, the
//! largest part of an authenticated request's CPU).
//!
//! What it remembers is only what [`Keyring::verify_any_kind`] proves about the token itself
//! (signature, issuer, audience, not-before, kind claim). It never answers for a token past its
//! `exp` (plus the leeway): that is checked on every hit exactly as the verifier checks it. It
//! holds nothing about sessions: whether a session was revoked is asked of Redis on every
//! request, so a revocation takes effect on the next request whether its token is remembered or
//! not. Entries are keyed by the SHA-256 of the token (the map never holds a bearer token) and
//! the map is bounded by [`VERIFIED_TOKENS_CAPACITY`].

use crate::{Claims, Keyring, TokenError, TokenSpec, token::LEEWAY_SECS};
use sha2::{Digest, Sha256};
use std::{collections::HashMap, sync::Mutex};

/// Most tokens remembered at once per process. At about 400 bytes an entry, 4 MB at most; a
/// Lambda environment serves far fewer players than this within [`VERIFIED_TOKEN_TTL_SECS`].
pub const VERIFIED_TOKENS_CAPACITY: usize = 10_000;

/// How long a verification is remembered (seconds), however long the token lives.
pub const VERIFIED_TOKEN_TTL_SECS: i64 = 60;

#[derive(Debug)]
struct Remembered {
    claims: Claims,
    /// Unix seconds after which the token is verified again.
    until: i64,
}

/// Verified tokens, shared by every request of a process.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Remembered>>,
}

impl VerifiedTokens {
    pub fn new() -> Self {
        Self::default()
    }

    /// [`Keyring::verify_any_kind`], answered from memory when the same token was verified
    /// within [`VERIFIED_TOKEN_TTL_SECS`] and has not expired since. Refused tokens are not
    /// remembered (each costs a full verification, as before).
    pub fn verify_any_kind(
        &self,
        keyring: &Keyring,
        spec: &TokenSpec,
        token: &str,
        now_unix: i64,
    ) -> Result<Claims, TokenError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(claims) = self.recall(&key, now_unix)? {
            return Ok(claims);
        }
        let claims = keyring.verify_any_kind(spec, token)?;
        self.remember(key, &claims, now_unix);
        Ok(claims)
    }

    /// The remembered claims of a token: `Ok(None)` when not remembered (or no longer),
    /// `Err(Expired)` once its `exp` has passed, as the verifier would answer.
    fn recall(&self, key: &[u8; 32], now_unix: i64) -> Result<Option<Claims>, TokenError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = entries.get(key) else {
            return Ok(None);
        };
        if expired(&entry.claims, now_unix) {
            entries.remove(key);
            return Err(TokenError::Expired);
        }
        if now_unix >= entry.until {
            entries.remove(key);
            return Ok(None);
        }
        Ok(Some(entry.claims.clone()))
    }

    fn remember(&self, key: [u8; 32], claims: &Claims, now_unix: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= VERIFIED_TOKENS_CAPACITY {
            entries.retain(|_, e| now_unix < e.until && !expired(&e.claims, now_unix));
            if entries.len() >= VERIFIED_TOKENS_CAPACITY {
                // Every entry is live: more distinct players in a minute than the bound. Starting
                // over costs one verification per player, never correctness.
                entries.clear();
            }
        }
        entries.insert(
            key,
            Remembered {
                claims: claims.clone(),
                until: now_unix.saturating_add(VERIFIED_TOKEN_TTL_SECS),
            },
        );
    }

    /// Tokens remembered now.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Past `exp` by more than the leeway: what the verifier refuses as expired.
fn expired(claims: &Claims, now_unix: i64) -> bool {
    now_unix > claims.exp.saturating_add(LEEWAY_SECS as i64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Grant, TokenKind};
    use std::time::Duration;

    fn spec() -> TokenSpec {
        TokenSpec {
            issuer: "whoosh".into(),
            audience: "whoosh-players".into(),
        }
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn key(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }

    /// A keyring and an access token of it issued at `minted`, valid `ttl_secs`.
    fn access_token(minted: i64, ttl_secs: u64) -> (Keyring, String) {
        let (ring, _) = Keyring::generate(minted).unwrap();
        let token = ring
            .mint(
                &spec(),
                Grant::access("u1", uuid::Uuid::nil()),
                minted,
                Duration::from_secs(ttl_secs),
            )
            .unwrap();
        (ring, token)
    }

    #[test]
    fn a_remembered_token_is_refused_as_expired_once_past_exp_and_leeway() {
        let minted = now();
        let (ring, token) = access_token(minted, 20);
        let cache = VerifiedTokens::new();
        let claims = cache
            .verify_any_kind(&ring, &spec(), &token, minted)
            .unwrap();
        assert_eq!(claims.typ, TokenKind::Access);
        assert_eq!(cache.len(), 1);
        let exp = minted + 20;
        let leeway = LEEWAY_SECS as i64;
        assert!(cache.recall(&key(&token), exp + leeway).unwrap().is_some());
        assert_eq!(
            cache.recall(&key(&token), exp + leeway + 1),
            Err(TokenError::Expired)
        );
        assert!(cache.is_empty(), "an expired token is forgotten");
    }

    #[test]
    fn a_verification_is_remembered_for_the_ttl_only() {
        let minted = now();
        let (ring, token) = access_token(minted, 3600);
        let cache = VerifiedTokens::new();
        cache
            .verify_any_kind(&ring, &spec(), &token, minted)
            .unwrap();
        let at = minted + VERIFIED_TOKEN_TTL_SECS - 1;
        assert!(cache.recall(&key(&token), at).unwrap().is_some());
        assert_eq!(
            cache.recall(&key(&token), minted + VERIFIED_TOKEN_TTL_SECS),
            Ok(None)
        );
    }

    #[test]
    fn refused_tokens_are_not_remembered_and_other_tokens_miss() {
        let (ring, token) = access_token(now(), 600);
        let cache = VerifiedTokens::new();
        let mut tampered = token.clone();
        tampered.pop();
        assert!(
            cache
                .verify_any_kind(&ring, &spec(), &tampered, now())
                .is_err()
        );
        assert!(cache.is_empty());
        let other_spec = TokenSpec {
            audience: "someone-else".into(),
            ..spec()
        };
        assert!(
            cache
                .verify_any_kind(&ring, &other_spec, &token, now())
                .is_err()
        );
        assert!(cache.is_empty());
    }

    #[test]
    fn the_map_never_grows_past_its_capacity() {
        let cache = VerifiedTokens::new();
        let claims = Claims {
            iss: "whoosh".into(),
            aud: "whoosh-players".into(),
            sub: "u".into(),
            exp: i64::MAX / 2,
            iat: 0,
            nbf: 0,
            jti: String::new(),
            typ: TokenKind::Access,
            sid: None,
            lobby: None,
        };
        for i in 0..(VERIFIED_TOKENS_CAPACITY + 10) {
            cache.remember(key(&i.to_string()), &claims, 0);
            assert!(cache.len() <= VERIFIED_TOKENS_CAPACITY);
        }
        assert!(
            cache
                .recall(&key(&(VERIFIED_TOKENS_CAPACITY + 9).to_string()), 1)
                .unwrap()
                .is_some()
        );
    }
}
