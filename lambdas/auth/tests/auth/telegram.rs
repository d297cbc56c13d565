//! Linking a Telegram chat: a link code sent to the bot as `/start`, and a webhook that refuses
//! every update without the configured secret.

use crate::{spawn, spawn_with};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use whoosh_test_support::{Client, Nobody, TestApp, error_code as code};

/// A webhook secret in a file, for `TELEGRAM_WEBHOOK_SECRET_SOURCE`.
fn webhook_secret_file(secret: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "whoosh-test-webhook-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, secret).unwrap();
    path
}

async fn webhook(app: &TestApp, secret: Option<&str>, body: &str) -> Response {
    let mut request = app
        .http
        .post(app.at("/api/auth/telegram/webhook"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.unwrap()
}

fn start_update(chat: i64, text: &str) -> String {
    json!({
        "update_id": 7,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": false, "first_name": "Ann"},
            "text": text,
        }
    })
    .to_string()
}

#[tokio::test]
async fn a_link_code_sent_as_start_links_the_chat_once() {
    const SECRET: &str = "s3cret-webhook-token_0123456789";
    let file = webhook_secret_file(SECRET);
    let source = format!("file:{}", file.display());
    let app = spawn_with(&[
        ("TELEGRAM_WEBHOOK_SECRET_SOURCE", &source),
        ("TELEGRAM_BOT_USERNAME", "WhooshTestBot"),
    ])
    .await;
    let player = app.player("Ann").await;
    let user: uuid::Uuid = player.id.parse().unwrap();

    // Only a signed-in player gets a code.
    let anonymous = app.post("/api/auth/telegram/link", Nobody, json!({})).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let issued = app
        .post("/api/auth/telegram/link", &player.token, json!({}))
        .await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued: Value = issued.json().await.unwrap();
    let link_code = issued["code"].as_str().unwrap();
    assert_eq!(link_code.len(), 22);
    assert_eq!(
        issued["url"],
        format!("https://t.me/WhooshTestBot?start={link_code}").as_str()
    );
    assert_eq!(issued["expires_in"], 600);

    let start = start_update(4242, &format!("/start {link_code}"));
    // The secret is checked before anything else: missing or wrong is 401, and nothing links.
    let missing = webhook(&app, None, &start).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(missing).await, "invalid_webhook_secret");
    let wrong = webhook(&app, Some("s3cret-webhook-token_0123456788"), &start).await;
    assert_eq!(code(wrong).await, "invalid_webhook_secret");
    let malformed_unauthenticated = webhook(&app, Some("nope"), "{not json").await;
    assert_eq!(malformed_unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert!(
        whoosh_store::telegram::link_of(&app.state.db, user)
            .await
            .unwrap()
            .is_none()
    );

    // With the secret: a malformed update is 400; a well-formed one that is not /start is 200.
    let malformed = webhook(&app, Some(SECRET), "{not json").await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(malformed).await, "invalid_json");
    let no_update_id = webhook(&app, Some(SECRET), r#"{"message": {}}"#).await;
    assert_eq!(no_update_id.status(), StatusCode::BAD_REQUEST);
    let edited = webhook(
        &app,
        Some(SECRET),
        r#"{"update_id": 8, "edited_message": {}}"#,
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let chatter = webhook(&app, Some(SECRET), &start_update(4242, "hello bot")).await;
    assert_eq!(chatter.status(), StatusCode::OK);
    assert_eq!(chatter.json::<Value>().await.unwrap(), json!({}));

    // /start <code> links the chat and answers with a message for Telegram to send.
    let linked = webhook(&app, Some(SECRET), &start).await;
    assert_eq!(linked.status(), StatusCode::OK);
    let reply: Value = linked.json().await.unwrap();
    assert_eq!(reply["method"], "sendMessage");
    assert_eq!(reply["chat_id"], 4242);
    assert!(
        reply["text"].as_str().unwrap().starts_with("Linked!"),
        "{reply}"
    );
    let link = whoosh_store::telegram::link_of(&app.state.db, user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((link.chat_id, link.dead_at), (4242, None));

    // The code is single use: another chat presenting it links nothing and is told so.
    let reused = webhook(
        &app,
        Some(SECRET),
        &start_update(5353, &format!("/start {link_code}")),
    )
    .await;
    assert_eq!(reused.status(), StatusCode::OK);
    let reply: Value = reused.json().await.unwrap();
    assert_eq!(reply["chat_id"], 5353);
    assert!(
        reply["text"].as_str().unwrap().contains("expired"),
        "{reply}"
    );
    let unknown = webhook(&app, Some(SECRET), &start_update(5353, "/start not-a-code")).await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let link = whoosh_store::telegram::link_of(&app.state.db, user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.chat_id, 4242);
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn without_a_configured_secret_the_webhook_refuses_every_update() {
    let app = spawn().await;
    let refused = webhook(&app, Some(""), &start_update(1, "/start abc")).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(refused).await, "invalid_webhook_secret");
}
