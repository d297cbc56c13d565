//! Opaque refresh tokens: 256 random bits, shown to the client once, stored only as a SHA-256
//! hash. Not JWTs, so they can never be mistaken for an access, join or service token.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The longest string accepted as a refresh token before hashing (a real one is 43 characters).
pub const MAX_LEN: usize = 128;

/// A new token and the hash to store.
pub fn generate() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a presented token.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
