//! Logging in to PostgreSQL. With `DATABASE_AUTH=password` (the default) a connection uses the
//! password in `DATABASE_URL`. With `DATABASE_AUTH=iam` it uses an RDS IAM authentication token:
//! a SigV4-presigned `connect` request for the URL's user, host and port, made from the process's
//! own AWS credentials (the Lambda's role, the pod's IRSA role). A token is good for 15 minutes and
//! only for opening a connection, so the pool gets a fresh one every few minutes; open connections
//! are not affected. No service then knows a database password, and RDS rotating the master
//! password changes nothing for them.
//!
//! The one gap: a Lambda environment frozen for longer than a token's life renews it on the first
//! tick after it thaws; a connection opened in that instant is refused once (answered 503, as any
//! unavailable database) and the next one logs in.

use crate::config::DatabaseConfig;
use anyhow::Context;
use aws_credential_types::{Credentials, provider::ProvideCredentials};
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use sqlx::{PgPool, postgres::PgConnectOptions};
use std::{
    str::FromStr,
    time::{Duration, Instant, SystemTime},
};

/// How long RDS accepts a token after it was made (the longest it allows).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);
/// A token older than this is replaced: new connections always log in with one that has at
/// least ten minutes left.
pub const TOKEN_RENEWAL_AGE: Duration = Duration::from_secs(300);
/// How often the renewal task looks at the token's age (wall-clock, so a thawed Lambda notices).
const RENEWAL_TICK: Duration = Duration::from_secs(30);

/// How a connection proves who it is (`DATABASE_AUTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DatabaseAuth {
    /// The password in `DATABASE_URL` (local development, self-managed servers).
    #[default]
    Password,
    /// An RDS IAM authentication token per connection.
    Iam,
}

impl FromStr for DatabaseAuth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "password" => Ok(Self::Password),
            "iam" => Ok(Self::Iam),
            _ => Err("expected `password` or `iam`".into()),
        }
    }
}

/// Where a token lets one user in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub host: String,
    pub port: u16,
    pub user: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot sign the database login: {0}")]
    Signing(String),
}

/// The RDS IAM authentication token for `login`, made at `now` in `region`: what `aws rds
/// generate-db-auth-token` prints. Deterministic for the same inputs.
pub fn auth_token(
    login: &Login,
    region: &str,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<String, TokenError> {
    let failed = |e: &dyn std::fmt::Display| TokenError::Signing(e.to_string());
    let mut settings = SigningSettings::default();
    settings.expires_in = Some(TOKEN_LIFETIME);
    settings.signature_location = SignatureLocation::QueryParams;
    let identity = credentials.clone().into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("rds-db")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let user: String = url_encode(&login.user);
    let url = format!(
        "https://{}:{}/?Action=connect&DBUser={user}",
        login.host, login.port
    );
    let signable = SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::Bytes(&[]))
        .map_err(|e| failed(&e))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| failed(&e))?
        .into_parts();
    let mut request = http::Request::builder()
        .uri(&url)
        .body(())
        .map_err(|e| failed(&e))?;
    instructions.apply_to_request_http1x(&mut request);
    let signed = request.uri().to_string();
    Ok(signed
        .strip_prefix("https://")
        .unwrap_or(&signed)
        .to_owned())
}

/// Percent-encodes everything but RFC 3986's unreserved characters (user names, passwords in URLs).
pub(crate) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The pool of `config`, logging in as `DATABASE_AUTH` says. Does not connect yet.
pub async fn pool(config: &DatabaseConfig) -> anyhow::Result<PgPool> {
    let options = whoosh_store::connect_options(&config.url, &config.pool)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    match config.auth {
        DatabaseAuth::Password => Ok(whoosh_store::pool_with(options, &config.pool)),
        DatabaseAuth::Iam => iam_pool(options, config).await,
    }
}

async fn iam_pool(options: PgConnectOptions, config: &DatabaseConfig) -> anyhow::Result<PgPool> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let region = aws
        .region()
        .context("DATABASE_AUTH=iam needs the AWS region (AWS_REGION)")?
        .to_string();
    let provider = aws
        .credentials_provider()
        .context("DATABASE_AUTH=iam needs AWS credentials (a role), and none are configured")?;
    let login = Login {
        host: options.get_host().to_owned(),
        port: options.get_port(),
        user: options.get_username().to_owned(),
    };
    let token = fresh_token(&provider, &login, &region).await?;
    let pool = whoosh_store::pool_with(options.clone().password(&token), &config.pool);
    let renewal = Renewal {
        pool: pool.clone(),
        base: options,
        provider,
        login,
        region,
    };
    tokio::spawn(renewal.run());
    Ok(pool)
}

async fn fresh_token(
    provider: &impl ProvideCredentials,
    login: &Login,
    region: &str,
) -> anyhow::Result<String> {
    let credentials = provider
        .provide_credentials()
        .await
        .context("cannot get AWS credentials for the database login (DATABASE_AUTH=iam)")?;
    Ok(auth_token(login, region, &credentials, SystemTime::now())?)
}

/// Keeps the pool's login token fresh until the pool closes or the process shuts down.
struct Renewal {
    pool: PgPool,
    base: PgConnectOptions,
    provider: aws_credential_types::provider::SharedCredentialsProvider,
    login: Login,
    region: String,
}

impl Renewal {
    async fn run(self) {
        let mut made = (Instant::now(), SystemTime::now());
        loop {
            tokio::select! {
                () = tokio::time::sleep(RENEWAL_TICK) => {}
                () = crate::shutting_down() => return,
            }
            if self.pool.is_closed() {
                return;
            }
            // Wall-clock age too: monotonic time may not advance while a Lambda is frozen.
            let age = made
                .0
                .elapsed()
                .max(made.1.elapsed().unwrap_or(Duration::ZERO));
            if age < TOKEN_RENEWAL_AGE {
                continue;
            }
            match fresh_token(&self.provider, &self.login, &self.region).await {
                Ok(token) => {
                    self.pool
                        .set_connect_options(self.base.clone().password(&token));
                    made = (Instant::now(), SystemTime::now());
                }
                Err(error) => tracing::warn!(
                    error = %format!("{error:#}"),
                    "could not renew the database login token; new connections use the previous one while it lasts"
                ),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn login() -> Login {
        Login {
            host: "whoosh-test.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com".into(),
            port: 5432,
            user: "whoosh_app".into(),
        }
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    /// The query parameters of a token, by name.
    fn query(token: &str) -> std::collections::BTreeMap<String, String> {
        let (_, query) = token.split_once('?').expect("a query string");
        query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("name=value");
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    // Made by botocore's `generate_db_auth_token` (what `aws rds generate-db-auth-token` runs)
    // for the same endpoint, user and credentials, its clock fixed at 2026-01-01T12:00:00Z.
    const BOTOCORE_SIGNATURE: &str =
        "6bbf30faeabdef1ee1e636a7c742a96bfe3858d49dbbecbcea06aedc8087345f";
    const BOTOCORE_SIGNATURE_WITH_SESSION: &str =
        "5369faf260c8d080c54e44043cb317689d7617338ecfdf37db55abb93653986d";
    const NOON: u64 = 1_767_268_800;

    #[test]
    fn a_token_is_a_presigned_connect_request_for_the_user_at_the_endpoint() {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        );
        let token = auth_token(&login(), "eu-west-1", &creds, at(NOON)).unwrap();
        assert!(
            token
                .starts_with("whoosh-test.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com:5432/?"),
            "{token}"
        );
        let q = query(&token);
        assert_eq!(q["Action"], "connect");
        assert_eq!(q["DBUser"], "whoosh_app");
        assert_eq!(q["X-Amz-Algorithm"], "AWS4-HMAC-SHA256");
        assert_eq!(
            q["X-Amz-Credential"],
            "AKIDEXAMPLE%2F20260101%2Feu-west-1%2Frds-db%2Faws4_request"
        );
        assert_eq!(q["X-Amz-Date"], "20260101T120000Z");
        assert_eq!(q["X-Amz-Expires"], "900");
        assert_eq!(q["X-Amz-SignedHeaders"], "host");
        assert!(!q.contains_key("X-Amz-Security-Token"));
        // The same signature as the AWS CLI's and botocore's for the same inputs.
        assert_eq!(q["X-Amz-Signature"], BOTOCORE_SIGNATURE);
    }

    #[test]
    fn a_token_made_from_role_credentials_carries_the_session_token() {
        let creds = Credentials::new(
            "ASIAEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            Some("IQoJb3JpZ2luX2VjE+session/token==".into()),
            None,
            "test",
        );
        let token = auth_token(&login(), "eu-west-1", &creds, at(NOON)).unwrap();
        let q = query(&token);
        assert_eq!(
            q["X-Amz-Security-Token"],
            "IQoJb3JpZ2luX2VjE%2Bsession%2Ftoken%3D%3D"
        );
        assert_eq!(q["X-Amz-Signature"], BOTOCORE_SIGNATURE_WITH_SESSION);
    }

    #[test]
    fn tokens_are_deterministic_and_differ_by_time_user_and_endpoint() {
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let one = auth_token(&login(), "eu-west-1", &creds, at(NOON)).unwrap();
        assert_eq!(
            one,
            auth_token(&login(), "eu-west-1", &creds, at(NOON)).unwrap()
        );
        assert_ne!(
            one,
            auth_token(&login(), "eu-west-1", &creds, at(NOON + 1)).unwrap()
        );
        let other_user = Login {
            user: "whoosh_migrate".into(),
            ..login()
        };
        assert_ne!(
            one,
            auth_token(&other_user, "eu-west-1", &creds, at(NOON)).unwrap()
        );
        let other_port = Login {
            port: 5433,
            ..login()
        };
        assert_ne!(
            one,
            auth_token(&other_port, "eu-west-1", &creds, at(NOON)).unwrap()
        );
    }

    #[test]
    fn database_auth_parses_its_two_values_only() {
        assert_eq!("iam".parse::<DatabaseAuth>(), Ok(DatabaseAuth::Iam));
        assert_eq!(
            "password".parse::<DatabaseAuth>(),
            Ok(DatabaseAuth::Password)
        );
        assert!("IAM".parse::<DatabaseAuth>().is_err());
    }
}
