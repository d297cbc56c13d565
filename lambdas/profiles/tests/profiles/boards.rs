//! Leaderboards: ties go to whoever reached the score first; pages clamp their limits and refuse
//! bad cursors.

use crate::{score, spawn_with, top};
use reqwest::StatusCode;
use serde_json::Value;
use whoosh_test_support::{Client, Nobody, error_code as code};

#[tokio::test]
async fn ties_go_to_whoever_reached_the_score_first() {
    let app = spawn_with(&[]).await;
    let (a, b) = (app.player("Alpha").await, app.player("Bravo").await);
    score(&app, &a, 100).await;
    score(&app, &b, 100).await;
    assert_eq!(
        top(&app, "score").await,
        [(a.id.clone(), 100), (b.id.clone(), 100)]
    );
    // B reaches 150 first now.
    score(&app, &b, 50).await;
    score(&app, &a, 50).await;
    assert_eq!(
        top(&app, "score").await,
        [(b.id.clone(), 150), (a.id.clone(), 150)]
    );
    // Ranks agree between the top list, /me and around-me, with Redis and with PostgreSQL.
    let me: Value = app
        .get("/api/leaderboards/score/me", &a.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["entry"]["rank"].as_i64(), me["entry"]["value"].as_i64()),
        (Some(2), Some(150))
    );
    let around: Value = app
        .get("/api/leaderboards/score/around-me?radius=1", &a.token)
        .await
        .json()
        .await
        .unwrap();
    let ranks: Vec<i64> = around["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rank"].as_i64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2]);
    app.state.leaderboards.drop_board("score").await.unwrap();
    assert_eq!(
        top(&app, "score").await,
        [(b.id.clone(), 150), (a.id.clone(), 150)],
        "PostgreSQL fallback agrees"
    );
}

#[tokio::test]
async fn leaderboard_pages_clamp_limits_and_refuse_bad_cursors() {
    use base64::Engine;
    let app = spawn_with(&[]).await;
    let players = [
        app.player("Page One").await,
        app.player("Page Two").await,
        app.player("Page Three").await,
    ];
    for (i, p) in players.iter().enumerate() {
        score(&app, p, 10 * (i as i64 + 1)).await;
    }
    let page = |query: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/leaderboards/score?{query}"), Nobody)
                .await
        }
    };
    let cursor = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    // Limits out of range are clamped: at least one entry, at most the maximum.
    for (limit, expected) in [("-5", 1), ("0", 1), ("1000000", 3)] {
        let response = page(format!("limit={limit}")).await;
        assert_eq!(response.status(), StatusCode::OK, "limit={limit}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["entries"].as_array().unwrap().len(),
            expected,
            "limit={limit}"
        );
    }
    // The cursor of a clamped page continues it.
    let first: Value = page("limit=-5".to_owned()).await.json().await.unwrap();
    let next = first["next_cursor"].as_str().unwrap();
    let second: Value = page(format!("limit=1&cursor={next}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["entries"][0]["user_id"], players[1].id.as_str());
    // Garbage, foreign and negative cursors are 400 `invalid_cursor`; a bad limit 400.
    for (query, status, error) in [
        (
            "cursor=garbage".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
        ),
        (
            format!("cursor={}", cursor("p1:-5")),
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
        ),
        (
            format!("cursor={}", cursor("p2:1")),
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
        ),
        (
            "limit=-1x".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ] {
        let response = page(query.clone()).await;
        assert_eq!(response.status(), status, "{query}");
        assert_eq!(code(response).await, error, "{query}");
    }
    // A cursor past the end is an empty last page.
    let past: Value = page(format!("cursor={}", cursor("p1:1000")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past["entries"].as_array().unwrap().len(), 0);
    assert_eq!(past["next_cursor"], Value::Null);
}
