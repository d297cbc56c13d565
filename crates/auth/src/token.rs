//! Signed tokens (RS256 JWTs) and their kinds. Every token names its kind in the `typ` claim and
//! is only accepted where that kind is expected: an access token never opens a lobby, a join token
//! never calls the API, a service token never acts as a player. Refresh tokens are not JWTs at all
//! (see [`crate::refresh`]), so they cannot be confused with any of these.

use crate::Keyring;
use jsonwebtoken::{
    Algorithm, Header, Validation, decode, decode_header, encode, errors::ErrorKind,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// Leeway for `exp` and `nbf`: clocks of Lambdas and edge nodes may differ this much.
pub const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A player calling the API; carries the session id.
    Access,
    /// A player joining one lobby on an edge node.
    Join,
    /// A trusted game service (e.g. registering completed actions).
    Service,
    /// A staff member using the operator console; the subject is the admin id, never a player.
    Admin,
}

/// The claims of every Whoosh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id (access, join) or the service name (service).
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub typ: TokenKind,
    /// Access tokens: the session (refresh-token family) the token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    /// Join tokens: the lobby the token opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lobby: Option<String>,
}

/// Why a token was refused. Callers answer `Expired` with `token_expired` (so clients refresh)
/// and everything else with `invalid_token`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("invalid token: {0}")]
    Invalid(&'static str),
}

/// What a token grants: its kind, its subject, and the kind's own claim.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    pub kind: TokenKind,
    pub sub: &'a str,
    pub sid: Option<Uuid>,
    pub lobby: Option<&'a str>,
}

impl<'a> Grant<'a> {
    /// A player's API access within session `sid`.
    pub fn access(user: &'a str, sid: Uuid) -> Self {
        Self {
            kind: TokenKind::Access,
            sub: user,
            sid: Some(sid),
            lobby: None,
        }
    }

    /// A player's entry to one lobby.
    pub fn join(user: &'a str, lobby: &'a str) -> Self {
        Self {
            kind: TokenKind::Join,
            sub: user,
            sid: None,
            lobby: Some(lobby),
        }
    }

    /// A trusted game service.
    pub fn service(name: &'a str) -> Self {
        Self {
            kind: TokenKind::Service,
            sub: name,
            sid: None,
            lobby: None,
        }
    }

    /// A staff member of the operator console, within console session `sid`.
    pub fn admin(admin: &'a str, sid: Uuid) -> Self {
        Self {
            kind: TokenKind::Admin,
            sub: admin,
            sid: Some(sid),
            lobby: None,
        }
    }
}

/// Issuer and audience every token is minted with and checked against.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub issuer: String,
    pub audience: String,
}

impl Keyring {
    /// Signs a token for `grant`, valid from `now` for `ttl`.
    pub fn mint(
        &self,
        spec: &TokenSpec,
        grant: Grant<'_>,
        now_unix: i64,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let claims = Claims {
            iss: spec.issuer.clone(),
            aud: spec.audience.clone(),
            sub: grant.sub.to_owned(),
            iat: now_unix,
            nbf: now_unix,
            exp: now_unix.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            jti: Uuid::new_v4().to_string(),
            typ: grant.kind,
            sid: grant.sid,
            lobby: grant.lobby.map(str::to_owned),
        };
        let (kid, key) = self
            .signing_key_at(now_unix)
            .ok_or(TokenError::Invalid("no signing key"))?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        encode(&header, &claims, key).map_err(|_| TokenError::Invalid("signing failed"))
    }

    /// Checks a token's signature (RS256 only, by a known `kid`), issuer, audience, expiry,
    /// not-before and kind. Header fields such as `jku` and `x5u` are never followed.
    pub fn verify(
        &self,
        spec: &TokenSpec,
        token: &str,
        expected: TokenKind,
    ) -> Result<Claims, TokenError> {
        let claims = self.verify_any_kind(spec, token)?;
        if claims.typ != expected {
            return Err(TokenError::Invalid("kind"));
        }
        Ok(claims)
    }

    /// Every check of [`Keyring::verify`] but the kind, for callers that branch on the kind
    /// (identifying a caller once per request); they must check `typ` themselves.
    pub fn verify_any_kind(&self, spec: &TokenSpec, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid("malformed"))?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Invalid("algorithm"));
        }
        let kid = header.kid.as_deref().ok_or(TokenError::Invalid("no kid"))?;
        let key = self
            .verifying_key(kid)
            .ok_or(TokenError::Invalid("unknown kid"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&spec.issuer]);
        validation.set_audience(&[&spec.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        let data = decode::<Claims>(token, key, &validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            ErrorKind::ImmatureSignature => TokenError::Invalid("not yet valid"),
            ErrorKind::InvalidIssuer => TokenError::Invalid("issuer"),
            ErrorKind::InvalidAudience => TokenError::Invalid("audience"),
            ErrorKind::InvalidSignature => TokenError::Invalid("signature"),
            _ => TokenError::Invalid("claims"),
        })?;
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::OnceLock;

    fn ring() -> &'static Keyring {
        static RING: OnceLock<Keyring> = OnceLock::new();
        RING.get_or_init(|| Keyring::generate(now()).unwrap().0)
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn spec() -> TokenSpec {
        TokenSpec {
            issuer: "whoosh".into(),
            audience: "whoosh-players".into(),
        }
    }

    #[test]
    fn a_token_verifies_as_its_own_kind_only() {
        let token = ring()
            .mint(
                &spec(),
                Grant::join("u1", "L1"),
                now(),
                Duration::from_secs(60),
            )
            .unwrap();
        let claims = ring().verify(&spec(), &token, TokenKind::Join).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.lobby.as_deref()),
            ("u1", Some("L1"))
        );
        assert_eq!(
            ring().verify(&spec(), &token, TokenKind::Access),
            Err(TokenError::Invalid("kind"))
        );
        assert_eq!(
            ring().verify(&spec(), &token, TokenKind::Service),
            Err(TokenError::Invalid("kind"))
        );
    }

    #[test]
    fn admin_and_access_tokens_never_stand_in_for_each_other() {
        let sid = Uuid::new_v4();
        let admin = ring()
            .mint(
                &spec(),
                Grant::admin("a1", sid),
                now(),
                Duration::from_secs(60),
            )
            .unwrap();
        let access = ring()
            .mint(
                &spec(),
                Grant::access("u1", sid),
                now(),
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(ring().verify(&spec(), &admin, TokenKind::Admin).is_ok());
        for kind in [TokenKind::Access, TokenKind::Join, TokenKind::Service] {
            assert_eq!(
                ring().verify(&spec(), &admin, kind),
                Err(TokenError::Invalid("kind"))
            );
        }
        assert_eq!(
            ring().verify(&spec(), &access, TokenKind::Admin),
            Err(TokenError::Invalid("kind"))
        );
    }

    #[test]
    fn expiry_and_not_before_respect_the_leeway() {
        let ttl = Duration::from_secs(10);
        let just_expired = ring()
            .mint(
                &spec(),
                Grant {
                    kind: TokenKind::Access,
                    sub: "u",
                    sid: None,
                    lobby: None,
                },
                now() - 20,
                ttl,
            )
            .unwrap();
        assert!(
            ring()
                .verify(&spec(), &just_expired, TokenKind::Access)
                .is_ok(),
            "10 s past exp is within leeway"
        );
        let expired = ring()
            .mint(
                &spec(),
                Grant {
                    kind: TokenKind::Access,
                    sub: "u",
                    sid: None,
                    lobby: None,
                },
                now() - 100,
                ttl,
            )
            .unwrap();
        assert_eq!(
            ring().verify(&spec(), &expired, TokenKind::Access),
            Err(TokenError::Expired)
        );
        let future = ring()
            .mint(
                &spec(),
                Grant {
                    kind: TokenKind::Access,
                    sub: "u",
                    sid: None,
                    lobby: None,
                },
                now() + 120,
                ttl * 100,
            )
            .unwrap();
        assert!(ring().verify(&spec(), &future, TokenKind::Access).is_err());
    }

    #[test]
    fn the_leeway_is_thirty_seconds_and_no_more() {
        let access = Grant {
            kind: TokenKind::Access,
            sub: "u",
            sid: None,
            lobby: None,
        };
        let ttl = Duration::from_secs(60);
        // Seconds past `exp`: within 30 accepted, beyond refused as expired.
        for (past, accepted) in [(25, true), (35, false), (45, false), (59, false)] {
            let token = ring()
                .mint(&spec(), access, now() - 60 - past, ttl)
                .unwrap();
            let verdict = ring().verify(&spec(), &token, TokenKind::Access);
            if accepted {
                assert!(verdict.is_ok(), "{past} s past exp: {verdict:?}");
            } else {
                assert_eq!(verdict, Err(TokenError::Expired), "{past} s past exp");
            }
        }
        // Seconds before `nbf`: within 30 accepted, beyond refused.
        for (ahead, accepted) in [(25, true), (35, false), (45, false), (59, false)] {
            let token = ring()
                .mint(&spec(), access, now() + ahead, ttl * 10)
                .unwrap();
            let verdict = ring().verify(&spec(), &token, TokenKind::Access);
            if accepted {
                assert!(verdict.is_ok(), "nbf {ahead} s ahead: {verdict:?}");
            } else {
                assert_eq!(
                    verdict,
                    Err(TokenError::Invalid("not yet valid")),
                    "nbf {ahead} s ahead"
                );
            }
        }
    }

    #[test]
    fn wrong_issuer_or_audience_is_refused() {
        let token = ring()
            .mint(
                &spec(),
                Grant {
                    kind: TokenKind::Access,
                    sub: "u",
                    sid: None,
                    lobby: None,
                },
                now(),
                Duration::from_secs(60),
            )
            .unwrap();
        let other_aud = TokenSpec {
            audience: "someone-else".into(),
            ..spec()
        };
        assert!(
            ring()
                .verify(&other_aud, &token, TokenKind::Access)
                .is_err()
        );
        let other_iss = TokenSpec {
            issuer: "evil".into(),
            ..spec()
        };
        assert!(
            ring()
                .verify(&other_iss, &token, TokenKind::Access)
                .is_err()
        );
    }
}
