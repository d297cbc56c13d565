//! No credential of a full session reaches the logs, and every request has its metrics line.

use crate::{Running, stderr_and_stdout, whoosh};
use std::{process::Stdio, time::Duration};
use whoosh_test_support::{Client, Nobody, Remote, TestDb, free_port, unique_prefix};

/// Every credential a full session handles — password, device id, access, refresh, join,
/// service and action tokens — never appears in the logs, even at debug level.
#[tokio::test]
async fn no_secret_reaches_the_logs_of_a_full_session() {
    use futures_util::StreamExt;
    use serde_json::{Value, json};
    let db = TestDb::create().await;
    let port = free_port().to_string();
    let bind = format!("127.0.0.1:{port}");
    let url = format!("http://127.0.0.1:{port}");
    let logs = std::env::temp_dir().join(format!("whoosh-logs-{}", uuid::Uuid::new_v4()));
    let out = std::fs::File::create(&logs).unwrap();
    let err = out.try_clone().unwrap();
    let prefix = unique_prefix();
    let overrides = [
        ("WHOOSH_BIND", bind.as_str()),
        ("WHOOSH_PUBLIC_URL", url.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("LOG_LEVEL", "debug"),
        ("LOG_FORMAT", "json"),
        ("ALLOWED_ORIGINS", url.as_str()),
        // The request metrics as a Lambda writes them, so they are checked too.
        ("METRICS_EMF", "stdout"),
        ("METRICS_NAMESPACE", "Whoosh/test"),
    ];
    let dev = Running(
        whoosh(&db, &overrides)
            .arg("dev")
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap(),
    );
    let api = Remote::new(&url);
    api.until_ready().await;
    let mut secrets: Vec<String> = Vec::new();
    let password = "correct horse battery staple 42";
    secrets.push(password.to_owned());
    let registered: Value = api
        .post(
            "/api/auth/register",
            Nobody,
            json!({"username": "logwatcher", "password": password}),
        )
        .await
        .json()
        .await
        .unwrap();
    let access = registered["access_token"].as_str().unwrap().to_owned();
    secrets.push(access.clone());
    secrets.push(registered["refresh_token"].as_str().unwrap().to_owned());
    let wrong = api.login("logwatcher", "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    secrets.push("not the password at all".to_owned());
    let refreshed: Value = api
        .post(
            "/api/auth/refresh",
            Nobody,
            json!({"refresh_token": registered["refresh_token"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    secrets.push(refreshed["access_token"].as_str().unwrap().to_owned());
    secrets.push(refreshed["refresh_token"].as_str().unwrap().to_owned());
    let device = format!("device-{}", uuid::Uuid::new_v4().simple());
    secrets.push(device.clone());
    let guest: Value = api
        .post("/api/auth/guest", Nobody, json!({"device_id": device}))
        .await
        .json()
        .await
        .unwrap();
    secrets.push(guest["access_token"].as_str().unwrap().to_owned());
    let guest_id = guest["user"]["id"].as_str().unwrap().to_owned();
    // A private lobby, its join token, and a socket opened with it.
    let lobby: Value = api
        .post("/api/lobbies", &access, json!({}))
        .await
        .json()
        .await
        .unwrap();
    let join = lobby["join_token"].as_str().unwrap().to_owned();
    secrets.push(join.clone());
    let ws_url = format!(
        "ws://127.0.0.1:{port}/ws/lobbies/{}?token={join}",
        lobby["lobby_id"].as_str().unwrap()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let welcome = ws.next().await.unwrap().unwrap();
    assert!(welcome.to_text().unwrap().contains("WELCOME"));
    // A service token (minted by the operator command), an action token, a score.
    let minted = whoosh(&db, &[("REDIS_KEY_PREFIX", prefix.as_str())])
        .args(["keys", "service-token", "arcade", "--ttl", "600"])
        .output()
        .unwrap();
    assert!(minted.status.success(), "{}", stderr_and_stdout(&minted));
    let service = String::from_utf8_lossy(&minted.stdout).trim().to_owned();
    assert!(service.matches('.').count() == 2, "a JWT: {service}");
    secrets.push(service.clone());
    let action: Value = api
        .post(
            "/api/actions",
            &service,
            json!({"user_id": guest_id, "max_score": 100}),
        )
        .await
        .json()
        .await
        .unwrap();
    let action_token = action["action_token"].as_str().unwrap().to_owned();
    secrets.push(action_token.clone());
    let scored = api
        .post(
            "/api/scores",
            guest["access_token"].as_str().unwrap(),
            json!({"action_token": action_token, "delta": 10}),
        )
        .await;
    assert!(
        scored.status().is_success(),
        "{}",
        scored.text().await.unwrap()
    );
    let logout = api
        .post(
            "/api/auth/logout-all",
            refreshed["access_token"].as_str().unwrap(),
            json!({}),
        )
        .await;
    assert_eq!(logout.status(), 204);
    drop(ws);
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(dev);
    let captured = std::fs::read_to_string(&logs).unwrap();
    let _ = std::fs::remove_file(&logs);
    assert!(
        captured
            .lines()
            .filter(|l| l.contains("\"request_id\""))
            .count()
            >= 8,
        "the requests were logged: {captured}"
    );
    for secret in &secrets {
        // Tokens could also leak in part (a signature, a payload); check a distinctive slice.
        let tail = &secret[secret.len().saturating_sub(24)..];
        assert!(
            !captured.contains(secret.as_str()) && !captured.contains(tail),
            "a secret ({}…) is in the logs",
            &secret[..secret.len().min(6)]
        );
    }
    // Every metrics line is valid Embedded Metric Format; each request has one, by route, and
    // each error answer one more by its code.
    let metrics: Vec<serde_json::Map<String, Value>> = captured
        .lines()
        .filter(|l| l.contains("\"_aws\""))
        .map(|l| whoosh_http::emf::validate(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let requests: Vec<&serde_json::Map<String, Value>> = metrics
        .iter()
        .filter(|m| m.contains_key("Requests"))
        .collect();
    assert!(requests.len() >= 8, "{metrics:?}");
    for m in &metrics {
        assert_eq!(m["Service"], "whoosh");
        assert_eq!(
            m["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "Whoosh/test"
        );
    }
    let register = requests
        .iter()
        .find(|m| m["Route"] == "POST /api/auth/register")
        .expect("the registration has its metrics line");
    assert_eq!(register["Requests"], 1.0);
    assert_eq!(register["ServerErrors"], 0.0);
    assert!(register["Latency"].as_f64().unwrap() > 0.0);
    assert!(
        metrics
            .iter()
            .any(|m| m.get("Code") == Some(&json!("invalid_credentials")) && m["Errors"] == 1.0),
        "the refused login is counted by its code: {metrics:?}"
    );
}
