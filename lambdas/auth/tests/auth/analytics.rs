//! Analytics: sign-ups and sessions are recorded as events.

use crate::spawn;
use reqwest::StatusCode;
use serde_json::{Value, json};
use whoosh_test_support::Client;

#[tokio::test]
async fn sign_ups_and_sessions_are_recorded_as_analytics_events() {
    let app = spawn().await;
    let session = app.register("Analyst", "correct horse battery").await;
    let user: uuid::Uuid = session["user"]["id"].as_str().unwrap().parse().unwrap();
    let login = app.login("analyst", "correct horse battery").await;
    assert_eq!(login.status(), StatusCode::OK);
    let events: Vec<(String, Value)> = sqlx::query_as(
        "SELECT name, properties FROM analytics_events WHERE user_id = $1 ORDER BY id",
    )
    .bind(user)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            ("signup".to_owned(), json!({"guest": false})),
            (
                "session_start".to_owned(),
                json!({"via": "register", "days_since_signup": 0})
            ),
            (
                "session_start".to_owned(),
                json!({"via": "login", "days_since_signup": 0})
            ),
        ]
    );
}
