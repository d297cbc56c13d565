//! Secret sources against real backends: a file, the environment of a child, and AWS Secrets
//! Manager served by moto on loopback.

#![allow(clippy::unwrap_used)]

use secrecy::ExposeSecret;
use whoosh_auth::{SecretError, SecretSource};
use whoosh_test_support::MotoServer;

#[tokio::test]
async fn secrets_manager_source_reads_the_current_secret_string() {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    client
        .create_secret()
        .name("whoosh/test/jwt")
        .secret_string(r#"{"keys":[]}"#)
        .send()
        .await
        .unwrap();
    let source: SecretSource = "aws-secretsmanager:whoosh/test/jwt".parse().unwrap();
    let secret = source.load(Some(&sdk)).await.unwrap();
    assert_eq!(secret.expose_secret(), r#"{"keys":[]}"#);

    let missing: SecretSource = "aws-secretsmanager:whoosh/test/absent".parse().unwrap();
    let err = missing.load(Some(&sdk)).await.err().unwrap();
    assert!(matches!(err, SecretError::SecretsManager { .. }), "{err}");
    assert!(err.to_string().contains("whoosh/test/absent"), "{err}");
}

#[tokio::test]
async fn file_source_reads_and_names_a_missing_file() {
    let path = std::env::temp_dir().join(format!("whoosh-secret-{}", std::process::id()));
    std::fs::write(&path, "s3cret").unwrap();
    let source = SecretSource::File(path.clone());
    assert_eq!(source.load(None).await.unwrap().expose_secret(), "s3cret");
    std::fs::remove_file(&path).unwrap();
    let err = source.load(None).await.err().unwrap().to_string();
    assert!(err.contains(&path.display().to_string()), "{err}");
}

#[tokio::test]
async fn env_source_names_a_missing_variable() {
    let source = SecretSource::Env("WHOOSH_TEST_SURELY_UNSET_VAR".into());
    let err = source.load(None).await.err().unwrap().to_string();
    assert!(err.contains("WHOOSH_TEST_SURELY_UNSET_VAR"), "{err}");
}
