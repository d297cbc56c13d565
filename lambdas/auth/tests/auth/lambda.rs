//! The real `whoosh-auth` binary under the Lambda runtime: started with `AWS_LAMBDA_RUNTIME_API`
//! pointing at an in-test Runtime API emulator and fed saved ALB events.

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use whoosh_test_support::{MotoServer, RuntimeEmulator, TestDb, test_env, unique_prefix};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_function(
    emulator: &RuntimeEmulator,
    db: &TestDb,
    overrides: &[(&str, String)],
) -> Function {
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_whoosh-auth"));
    cmd.env_clear()
        .envs(test_env(db, &unique_prefix(), &overrides))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", "whoosh-auth")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/whoosh-auth")
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/11/23/[$LATEST]0123456789abcdef",
        )
        .env("AWS_REGION", "us-east-1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    Function(cmd.spawn().unwrap())
}

fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    response["headers"][name]
        .as_str()
        .or_else(|| response["multiValueHeaders"][name][0].as_str())
}

fn json_body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap_or_default()).unwrap_or(Value::Null)
}

#[tokio::test]
async fn lambda_binary_answers_alb_events_through_the_runtime_api() {
    let db = TestDb::create().await;
    let emulator = RuntimeEmulator::start().await;
    let _function = start_function(
        &emulator,
        &db,
        &[("HTTP_BODY_LIMIT_BYTES", "1024".to_owned())],
    );

    let ready = emulator
        .invoke(fixture("alb-get-readyz.json"))
        .await
        .unwrap();
    assert_eq!(ready["statusCode"], 200, "{ready}");
    assert_eq!(json_body(&ready)["checks"]["postgres"], "ok");

    let missing = emulator
        .invoke(fixture("alb-get-unknown-route.json"))
        .await
        .unwrap();
    assert_eq!(missing["statusCode"], 404, "{missing}");
    assert_eq!(json_body(&missing)["error"]["code"], "not_found");
    assert_eq!(header(&missing, "x-request-id"), Some("alb-fixture-1"));
    assert_eq!(header(&missing, "content-type"), Some("application/json"));

    let big = emulator
        .invoke(fixture("alb-post-oversized.json"))
        .await
        .unwrap();
    assert_eq!(big["statusCode"], 413, "{big}");
    assert_eq!(json_body(&big)["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn lambda_loads_its_signing_keys_from_secrets_manager_and_serves_register() {
    let db = TestDb::create().await;
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    let keyring = std::fs::read_to_string(whoosh_test_support::test_keys_file()).unwrap();
    let secret_id = "whoosh/test/signing-keys";
    aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(secret_id)
        .secret_string(&keyring)
        .send()
        .await
        .unwrap();
    let stored: Value = serde_json::from_str(&keyring).unwrap();
    let kid = stored["keys"][0]["kid"].as_str().unwrap().to_owned();

    let emulator = RuntimeEmulator::start().await;
    let mut env: Vec<(&str, String)> = moto.env().into_iter().collect();
    env.push((
        "AUTH_KEYS_SOURCE",
        format!("aws-secretsmanager:{secret_id}"),
    ));
    let _function = start_function(&emulator, &db, &env);

    let jwks = emulator.invoke(fixture("alb-get-jwks.json")).await.unwrap();
    assert_eq!(jwks["statusCode"], 200, "{jwks}");
    assert_eq!(json_body(&jwks)["keys"][0]["kid"], kid.as_str());

    let registered = emulator
        .invoke(fixture("alb-post-register.json"))
        .await
        .unwrap();
    assert_eq!(registered["statusCode"], 201, "{registered}");
    let session = json_body(&registered);
    assert_eq!(session["user"]["username"], "LambdaPlayer");
    let header: Value = {
        use base64::Engine;
        let token = session["access_token"].as_str().unwrap();
        let head = token.split('.').next().unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(head)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(header["kid"], kid.as_str());
    assert_eq!(header["alg"], "RS256");
}
