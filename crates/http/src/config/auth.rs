//! Accounts and tokens: signing keys, token lifetimes, sign-in rate limits, password hashing.

use super::env::{Env, rate, secs};
use std::time::Duration;
use whoosh_auth::SecretSource;
use whoosh_cache::Rate;

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub keys_source: SecretSource,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub join_token_ttl: Duration,
    /// Lifetime of an operator-console token (there is no refresh: staff sign in again).
    pub admin_token_ttl: Duration,
    pub login_rate_per_account: Rate,
    pub login_rate_per_ip: Rate,
    pub register_rate_per_ip: Rate,
    /// Password hashes allowed to run at once (each holds ~19 MiB).
    pub hash_concurrency: usize,
    /// Where the HMAC key of action tokens comes from (loaded on first use).
    pub action_key_source: SecretSource,
    /// How long an action token may wait before its score is submitted.
    pub action_token_ttl: Duration,
}

impl AuthConfig {
    pub(super) fn load(env: &mut Env) -> Self {
        Self {
            keys_source: env.get(
                "AUTH_KEYS_SOURCE",
                SecretSource::File(".whoosh/keys.json".into()),
            ),
            issuer: env.get("JWT_ISSUER", "whoosh".to_owned()),
            audience: env.get("JWT_AUDIENCE", "whoosh-players".to_owned()),
            access_token_ttl: env.get("ACCESS_TOKEN_TTL", secs(15 * 60)).0,
            refresh_token_ttl: env.get("REFRESH_TOKEN_TTL", secs(30 * 86_400)).0,
            join_token_ttl: env.get("JOIN_TOKEN_TTL", secs(120)).0,
            admin_token_ttl: env.get("ADMIN_TOKEN_TTL", secs(15 * 60)).0,
            login_rate_per_account: env.get("LOGIN_RATE_PER_ACCOUNT", rate(5, 600)).0,
            login_rate_per_ip: env.get("LOGIN_RATE_PER_IP", rate(20, 600)).0,
            register_rate_per_ip: env.get("REGISTER_RATE_PER_IP", rate(20, 3600)).0,
            hash_concurrency: env.get("PASSWORD_HASH_CONCURRENCY", 0),
            action_key_source: env.get(
                "ACTION_KEY_SOURCE",
                SecretSource::File(".whoosh/action.key".into()),
            ),
            action_token_ttl: env.get("ACTION_TOKEN_TTL", secs(600)).0,
        }
    }
}
