//! Where a secret comes from: an environment variable, a file, or AWS Secrets Manager. Chosen by
//! configuration (`env:NAME`, `file:/path`, `aws-secretsmanager:<secret id or ARN>`), loaded once
//! at start.

use secrecy::SecretString;
use std::{fmt, path::PathBuf, str::FromStr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The value of an environment variable.
    Env(String),
    /// The contents of a file (e.g. a mounted Kubernetes secret).
    File(PathBuf),
    /// The `SecretString` of a Secrets Manager secret (its AWSCURRENT version).
    AwsSecretsManager(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    #[error("cannot read secret file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Secrets Manager GetSecretValue for {id:?} failed: {message}")]
    SecretsManager { id: String, message: String },
    #[error("Secrets Manager secret {0:?} has no SecretString (binary secrets are not supported)")]
    NotAString(String),
    #[error("secret source {0:?} must be env:NAME, file:PATH or aws-secretsmanager:ID")]
    BadSpec(String),
}

impl FromStr for SecretSource {
    type Err = SecretError;
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let bad = || SecretError::BadSpec(spec.to_owned());
        let (kind, rest) = spec.split_once(':').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        match kind {
            "env" => Ok(Self::Env(rest.to_owned())),
            "file" => Ok(Self::File(PathBuf::from(rest))),
            "aws-secretsmanager" => Ok(Self::AwsSecretsManager(rest.to_owned())),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "env:{name}"),
            Self::File(path) => write!(f, "file:{}", path.display()),
            Self::AwsSecretsManager(id) => write!(f, "aws-secretsmanager:{id}"),
        }
    }
}

impl SecretSource {
    /// Whether loading needs AWS credentials and a region.
    pub fn needs_aws(&self) -> bool {
        matches!(self, Self::AwsSecretsManager(_))
    }

    /// Loads the secret. `aws` must be given for the Secrets Manager source.
    pub async fn load(
        &self,
        aws: Option<&aws_config::SdkConfig>,
    ) -> Result<SecretString, SecretError> {
        match self {
            Self::Env(name) => std::env::var(name)
                .map(SecretString::from)
                .map_err(|_| SecretError::MissingEnv(name.clone())),
            Self::File(path) => tokio::fs::read_to_string(path)
                .await
                .map(SecretString::from)
                .map_err(|source| SecretError::File {
                    path: path.clone(),
                    source,
                }),
            Self::AwsSecretsManager(id) => {
                let client = secrets_manager(aws, id)?;
                let out = client
                    .get_secret_value()
                    .secret_id(id)
                    .send()
                    .await
                    .map_err(|e| SecretError::SecretsManager {
                        id: id.clone(),
                        message: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                    })?;
                out.secret_string()
                    .map(|s| SecretString::from(s.to_owned()))
                    .ok_or_else(|| SecretError::NotAString(id.clone()))
            }
        }
    }
}

impl SecretSource {
    /// Writes a new value (key rotation). Files are replaced atomically with owner-only
    /// permissions; Secrets Manager gets a new AWSCURRENT version (the secret is created when
    /// missing). Environment variables cannot be written.
    pub async fn store(
        &self,
        aws: Option<&aws_config::SdkConfig>,
        value: &str,
    ) -> Result<(), SecretError> {
        match self {
            Self::Env(name) => Err(SecretError::BadSpec(format!(
                "env:{name} cannot be written; use file: or aws-secretsmanager:"
            ))),
            Self::File(path) => {
                let io = |source| SecretError::File {
                    path: path.clone(),
                    source,
                };
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    tokio::fs::create_dir_all(dir).await.map_err(io)?;
                }
                let tmp = path.with_extension("tmp");
                tokio::fs::write(&tmp, value).await.map_err(io)?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    tokio::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
                        .await
                        .map_err(io)?;
                }
                tokio::fs::rename(&tmp, path).await.map_err(io)
            }
            Self::AwsSecretsManager(id) => {
                let client = secrets_manager(aws, id)?;
                let fail = |message: String| SecretError::SecretsManager {
                    id: id.clone(),
                    message,
                };
                let put = client
                    .put_secret_value()
                    .secret_id(id)
                    .secret_string(value)
                    .send()
                    .await;
                match put {
                    Ok(_) => Ok(()),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_resource_not_found_exception()) =>
                    {
                        client
                            .create_secret()
                            .name(id)
                            .secret_string(value)
                            .send()
                            .await
                            .map(|_| ())
                            .map_err(|e| {
                                fail(
                                    aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                                        .to_string(),
                                )
                            })
                    }
                    Err(e) => Err(fail(
                        aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                    )),
                }
            }
        }
    }
}

/// A Secrets Manager client, or the error naming the secret when no AWS configuration was loaded.
fn secrets_manager(
    aws: Option<&aws_config::SdkConfig>,
    id: &str,
) -> Result<aws_sdk_secretsmanager::Client, SecretError> {
    aws.map(aws_sdk_secretsmanager::Client::new)
        .ok_or_else(|| SecretError::SecretsManager {
            id: id.to_owned(),
            message: "no AWS configuration was loaded".to_owned(),
        })
}

/// Whether `presented` equals `expected`, in time that does not depend on where they differ:
/// both are hashed first, so only the lengths of two digests are compared.
pub fn matches_in_constant_time(expected: &[u8], presented: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(expected), Sha256::digest(presented));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_kind() {
        for spec in [
            "env:WHOOSH_KEYS",
            "file:/run/secrets/keys.json",
            "aws-secretsmanager:whoosh/prod/jwt",
        ] {
            let parsed: SecretSource = spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(parsed.to_string(), spec);
        }
        assert!("vault:x".parse::<SecretSource>().is_err());
        assert!("env:".parse::<SecretSource>().is_err());
        assert!("plain".parse::<SecretSource>().is_err());
    }
}
