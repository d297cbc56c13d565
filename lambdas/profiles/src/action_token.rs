//! Action tokens: `base64url(action_id:user_id:max_score:expires_at).base64url(hmac)`, where the
//! HMAC-SHA256 covers the first part. A trusted game service gets one per completed action; the
//! player submits it with the score, and it can be used once.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

/// The longest token accepted before any work.
pub const MAX_LEN: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionClaim {
    pub action_id: Uuid,
    pub user_id: Uuid,
    pub max_score: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionTokenError {
    /// Malformed, or the signature does not match.
    Invalid,
}

fn mac(key: &[u8], payload: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(payload);
    mac
}

pub fn sign(key: &[u8], claim: &ActionClaim) -> String {
    let payload = URL_SAFE_NO_PAD.encode(format!(
        "{}:{}:{}:{}",
        claim.action_id, claim.user_id, claim.max_score, claim.expires_at
    ));
    let tag = URL_SAFE_NO_PAD.encode(mac(key, payload.as_bytes()).finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// Checks the signature in constant time, then parses the claim. Expiry and user are the
/// caller's to check (they answer with distinct codes).
pub fn verify(key: &[u8], token: &str) -> Result<ActionClaim, ActionTokenError> {
    if token.len() > MAX_LEN {
        return Err(ActionTokenError::Invalid);
    }
    let (payload, tag) = token.split_once('.').ok_or(ActionTokenError::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| ActionTokenError::Invalid)?;
    mac(key, payload.as_bytes())
        .verify_slice(&tag)
        .map_err(|_| ActionTokenError::Invalid)?;
    let decoded = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| ActionTokenError::Invalid)?;
    let text = std::str::from_utf8(&decoded).map_err(|_| ActionTokenError::Invalid)?;
    let mut parts = text.split(':');
    let mut next = || parts.next().ok_or(ActionTokenError::Invalid);
    let claim = ActionClaim {
        action_id: next()?.parse().map_err(|_| ActionTokenError::Invalid)?,
        user_id: next()?.parse().map_err(|_| ActionTokenError::Invalid)?,
        max_score: next()?.parse().map_err(|_| ActionTokenError::Invalid)?,
        expires_at: next()?.parse().map_err(|_| ActionTokenError::Invalid)?,
    };
    if parts.next().is_some() {
        return Err(ActionTokenError::Invalid);
    }
    Ok(claim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_and_any_flipped_bit_does_not() {
        let key = b"0123456789abcdef0123456789abcdef";
        let claim = ActionClaim {
            action_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            max_score: 500,
            expires_at: 1_900_000_000,
        };
        let token = sign(key, &claim);
        assert_eq!(verify(key, &token), Ok(claim));
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] ^= 0x01;
            if let Ok(flipped) = String::from_utf8(bytes) {
                assert!(
                    verify(key, &flipped).is_err() || flipped == token,
                    "bit flip at {i} accepted"
                );
            }
        }
        assert!(verify(b"another key of thirty-two bytes!", &token).is_err());
    }
}
