//! The operator console's API over real HTTP (and a real WebSocket for bans), with the auth
//! service and an edge node in the same process, against real PostgreSQL and Redis.

#![allow(clippy::unwrap_used)]

use futures_util::StreamExt;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode,
};
use whoosh_auth::Grant;
use whoosh_cache::{LobbyKind, LobbyRecord, TicketQueue};
use whoosh_core::{Password, Username};
use whoosh_store::admin::{self, Actor, Role};
use whoosh_test_support::{Player, TestApp, error_code, records};

const ORIGIN: &str = "http://game.example";
const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "correct horse battery";

async fn spawn(extra: &[(&'static str, &'static str)]) -> TestApp {
    let mut overrides = vec![
        ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
        ("ALLOWED_ORIGINS", ORIGIN),
        ("EDGE_HEARTBEAT_TTL", "3s"),
    ];
    overrides.extend_from_slice(extra);
    TestApp::build_with(
        |state| {
            whoosh_lambda_admin::routes()
                .merge(whoosh_lambda_auth::routes())
                .merge(whoosh_edge::start(state))
        },
        &overrides,
    )
    .await
}

/// A staff account made as `whoosh admin create` makes it, signed in over HTTP; its token.
async fn staff(app: &TestApp, username: &str, role: Role) -> String {
    let hash = app
        .state
        .hasher
        .hash(&Password::parse(PASSWORD).unwrap())
        .await
        .unwrap();
    admin::create_admin(
        &app.state.db,
        &Actor::command_line(),
        &Username::parse(username).unwrap(),
        &hash,
        role,
    )
    .await
    .unwrap();
    let r = console(app.http.post(app.at("/api/admin/login")))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["admin"]["role"], role.as_str());
    body["token"].as_str().unwrap().to_owned()
}

/// A request as the console sends it: with its header.
fn console(request: RequestBuilder) -> RequestBuilder {
    request.header("x-whoosh-console", "1")
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let r = console(app.http.get(app.at(path)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or_default())
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = console(app.http.post(app.at(path)))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or_default())
}

async fn grant(
    app: &TestApp,
    token: &str,
    player: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = console(
        app.http
            .post(app.at(&format!("/api/admin/players/{player}/grants"))),
    )
    .bearer_auth(token)
    .header("idempotency-key", key)
    .json(&body)
    .send()
    .await
    .unwrap();
    (r.status(), r.json().await.unwrap_or_default())
}

/// A guest signed in through the auth service: a real session, with its device id and refresh token.
async fn guest(app: &TestApp) -> (Player, String, String) {
    let device = uuid::Uuid::new_v4().to_string();
    let session: Value = app
        .http
        .post(app.at("/api/auth/guest"))
        .json(&json!({"device_id": device}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let player = Player {
        id: session["user"]["id"].as_str().unwrap().to_owned(),
        token: session["access_token"].as_str().unwrap().to_owned(),
    };
    (
        player,
        device,
        session["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn audit_rows(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT admin_username, action FROM admin_audit ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .unwrap()
}

async fn balance(app: &TestApp, player: &str) -> i64 {
    let id = player.parse().unwrap();
    whoosh_store::economy::balances(&app.state.db, id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.currency == "coins")
        .map_or(0, |b| b.balance)
}

#[tokio::test]
async fn every_staff_change_writes_exactly_one_audit_row_and_grants_are_idempotent() {
    let app = spawn(&[]).await;
    let token = staff(&app, "ops-alice", Role::Support).await;
    let (player, device, _) = guest(&app).await;
    // (actor, action) of every row this test expects, in order: creation and sign-in first.
    let mut expected = vec![
        ("cli:".to_owned(), "admin_create".to_owned()),
        ("ops-alice".to_owned(), "login".to_owned()),
    ];

    // Find the player by id, by device and by display name: reads write no audit rows.
    for q in [player.id.clone(), device.clone(), "guest".to_owned()] {
        let (status, found) = get(&app, &token, &format!("/api/admin/players?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert!(
            found["players"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == player.id.as_str()),
            "{q}: {found}"
        );
    }
    let (status, page) = get(&app, &token, &format!("/api/admin/players/{}", player.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["player"]["devices"][0], device.as_str());
    assert_eq!(page["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(page["sessions"][0]["live"], true);

    // A refund: a ledger entry, once per key, whatever the retries.
    let refund = json!({"kind": "refund", "currency": "coins", "amount": 150, "note": "purchase charged twice", "reference": "ticket-4411"});
    let (status, first) = grant(&app, &token, &player.id, "refund-1", refund.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    expected.push(("ops-alice".into(), "admin_refund".into()));
    let (status, again) = grant(&app, &token, &player.id, "refund-1", refund.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again, first, "the replay answers the first grant");
    assert_eq!(balance(&app, &player.id).await, 150, "credited once");
    let mut other = refund.clone();
    other["amount"] = json!(9999);
    let (status, reused) = grant(&app, &token, &player.id, "refund-1", other).await;
    assert_eq!(
        (status, reused["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
    for bad in [
        json!(0),
        json!(-5),
        json!(1.5),
        json!("10"),
        json!(10_000_000),
    ] {
        let mut body = refund.clone();
        body["amount"] = bad.clone();
        let (status, e) = grant(&app, &token, &player.id, "refund-bad", body).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_amount")),
            "{bad}"
        );
    }
    let (_, ledger) = get(
        &app,
        &token,
        &format!("/api/admin/players/{}/ledger", player.id),
    )
    .await;
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 1);
    assert_eq!(ledger["entries"][0]["reason"], "admin_refund");
    assert_eq!(ledger["entries"][0]["reference"], "ticket-4411");
    whoosh_test_support::assert_bank_invariants(&app.state.db).await;

    // Ending every session, then a ban (nothing live to end now) and an unban.
    let (status, ended) = post(
        &app,
        &token,
        &format!("/api/admin/players/{}/sessions/end-all", player.id),
        json!({"reason": "account takeover report"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ended["ended"].as_array().unwrap().len(), 1);
    expected.push(("ops-alice".into(), "sessions_end_all".into()));
    let (status, _) = post(
        &app,
        &token,
        &format!("/api/admin/players/{}/sessions/end-all", player.id),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "nothing live: no change, no row");
    let (status, banned) = post(
        &app,
        &token,
        &format!("/api/admin/players/{}/ban", player.id),
        json!({"reason": "cheating"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{banned}");
    assert_eq!(banned["changed"], true);
    expected.push(("ops-alice".into(), "ban".into()));
    let (_, twice) = post(
        &app,
        &token,
        &format!("/api/admin/players/{}/ban", player.id),
        json!({"reason": "cheating"}),
    )
    .await;
    assert_eq!(
        twice["changed"], false,
        "banning a banned player changes nothing"
    );
    let (status, _) = post(
        &app,
        &token,
        &format!("/api/admin/players/{}/unban", player.id),
        json!({"reason": "appeal upheld"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    expected.push(("ops-alice".into(), "unban".into()));
    let (status, _) = console(app.http.post(app.at("/api/admin/logout")))
        .bearer_auth(&token)
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT);
    expected.push(("ops-alice".into(), "logout".into()));

    let rows = audit_rows(&app).await;
    assert_eq!(rows.len(), expected.len(), "one row per change: {rows:?}");
    for ((actor, action), (want_actor, want_action)) in rows.iter().zip(&expected) {
        assert!(
            actor.starts_with(want_actor.as_str()),
            "{actor} vs {want_actor}"
        );
        assert_eq!(action, want_action);
    }
    // The refund's row holds the balance before and after, and the staff member's words.
    let (before, after, reason): (Value, Value, String) = sqlx::query_as(
        "SELECT before, after, reason FROM admin_audit WHERE action = 'admin_refund'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        (before["balance"].as_i64(), after["balance"].as_i64()),
        (Some(0), Some(150))
    );
    assert_eq!(reason, "purchase charged twice");
    // The signed-out token no longer works.
    assert_eq!(
        get(&app, &token, "/api/admin/me").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_banned_player_is_locked_out_and_their_live_socket_closes() {
    let app = spawn(&[]).await;
    let token = staff(&app, "ops-bob", Role::Support).await;
    let (player, device, refresh) = guest(&app).await;
    let mut request = format!("ws://{}/ws/me", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&format!("whoosh.v1, bearer.{}", player.token)).unwrap(),
    );
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static(ORIGIN));
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    let (status, banned) = post(
        &app,
        &token,
        &format!("/api/admin/players/{}/ban", player.id),
        json!({"reason": "abusive chat"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(banned["sessions_ended"], 1);
    let code = loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("socket not closed in time")
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| f.code),
            None | Some(Err(_)) => break None,
            Some(Ok(_)) => {}
        }
    };
    assert_eq!(code, Some(CloseCode::Policy));

    // The access token, the refresh token and the device's guest login all stop.
    let me = app
        .http
        .get(app.at("/api/auth/me"))
        .bearer_auth(&player.token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let again = app
        .http
        .post(app.at("/api/auth/guest"))
        .json(&json!({"device_id": device}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(again).await, "account_banned");
    let refreshed = app
        .http
        .post(app.at("/api/auth/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);

    // Unbanned, the device signs in again.
    post(
        &app,
        &token,
        &format!("/api/admin/players/{}/unban", player.id),
        json!({"reason": "appeal"}),
    )
    .await;
    let back = app
        .http
        .post(app.at("/api/auth/guest"))
        .json(&json!({"device_id": device}))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::OK);
}

#[tokio::test]
async fn roles_are_enforced_and_a_refused_change_writes_nothing() {
    let app = spawn(&[]).await;
    let viewer = staff(&app, "ops-viewer", Role::Viewer).await;
    let support = staff(&app, "ops-support", Role::Support).await;
    let boss = staff(&app, "ops-admin", Role::Admin).await;
    let (player, _, _) = guest(&app).await;
    let rows = audit_rows(&app).await.len();

    // A viewer reads everything but changes nothing.
    for path in [
        format!("/api/admin/players/{}", player.id),
        "/api/admin/live".into(),
        "/api/admin/audit".into(),
        "/api/admin/leaderboards/rating".into(),
    ] {
        assert_eq!(get(&app, &viewer, &path).await.0, StatusCode::OK, "{path}");
    }
    let (status, e) = grant(
        &app,
        &viewer,
        &player.id,
        "k1",
        json!({"currency": "coins", "amount": 10, "note": "gift"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("role_required"))
    );
    for (path, body) in [
        (
            format!("/api/admin/players/{}/ban", player.id),
            json!({"reason": "x"}),
        ),
        (
            format!("/api/admin/players/{}/sessions/end-all", player.id),
            json!({}),
        ),
        ("/api/admin/leaderboards/rating/rebuild".into(), json!({})),
    ] {
        let (status, e) = post(&app, &viewer, &path, body).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("role_required")),
            "{path}"
        );
    }
    assert_eq!(balance(&app, &player.id).await, 0);
    // Support changes players, not leaderboards.
    for what in ["rebuild", "drift-check"] {
        let (status, e) = post(
            &app,
            &support,
            &format!("/api/admin/leaderboards/rating/{what}"),
            json!({}),
        )
        .await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("role_required"))
        );
    }
    assert_eq!(
        audit_rows(&app).await.len(),
        rows,
        "refused attempts change nothing"
    );

    // An admin rebuilds, and the board reports the rebuild's progress; both are audited.
    let (status, rebuilt) = post(
        &app,
        &boss,
        "/api/admin/leaderboards/rating/rebuild",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rebuilt}");
    let (_, board) = get(&app, &boss, "/api/admin/leaderboards/rating").await;
    assert_eq!(board["rebuild"]["state"], "done");
    assert_eq!(board["rebuild"]["written"], rebuilt["entries"]);
    assert_eq!(board["index_ready"], true);
    let (status, drift) = post(
        &app,
        &boss,
        "/api/admin/leaderboards/rating/drift-check",
        json!({}),
    )
    .await;
    assert_eq!((status, drift["drift"].as_u64()), (StatusCode::OK, Some(0)));
    let actions: Vec<String> = audit_rows(&app)
        .await
        .into_iter()
        .skip(rows)
        .map(|(_, a)| a)
        .collect();
    assert_eq!(actions, ["leaderboard_rebuild", "leaderboard_drift_check"]);
}

#[tokio::test]
async fn admin_and_player_tokens_never_stand_in_for_each_other() {
    let app = spawn(&[]).await;
    let token = staff(&app, "ops-carol", Role::Admin).await;
    let (player, _, _) = guest(&app).await;
    // A player's access token (and a service token) at the console.
    for other in [player.token.clone(), app.service_token("edge")] {
        let (status, e) = get(&app, &other, "/api/admin/me").await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token"))
        );
        let (status, _) = post(
            &app,
            &other,
            &format!("/api/admin/players/{}/ban", player.id),
            json!({"reason": "x"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // An admin token minted for a player id, as a player.
    let forged = app.mint(Grant::admin(&player.id, uuid::Uuid::new_v4()));
    assert_eq!(
        get(&app, &forged, "/api/admin/me").await.0,
        StatusCode::UNAUTHORIZED,
        "no staff account with that id"
    );
    // The admin token at player endpoints.
    for path in ["/api/auth/me", "/api/auth/logout-all"] {
        let r = app
            .http
            .request(
                if path.ends_with("me") {
                    reqwest::Method::GET
                } else {
                    reqwest::Method::POST
                },
                app.at(path),
            )
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_code(r).await, "invalid_token");
    }
    let me = app
        .http
        .get(app.at("/api/auth/me"))
        .bearer_auth(&player.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "the player's own session is untouched"
    );
}

#[tokio::test]
async fn console_routes_refuse_requests_without_the_console_header() {
    let app = spawn(&[]).await;
    let token = staff(&app, "ops-dave", Role::Support).await;
    let (player, _, _) = guest(&app).await;
    let rows = audit_rows(&app).await.len();
    // What a cross-site form can send: a simple POST, form-encoded, with no custom header (a
    // browser would add the cookies; the token is not a cookie, so here it is even given).
    let ban = app
        .http
        .post(app.at(&format!("/api/admin/players/{}/ban", player.id)))
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("reason=csrf")
        .send()
        .await
        .unwrap();
    assert_eq!(ban.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(ban).await, "console_header_required");
    let login = app
        .http
        .post(app.at("/api/admin/login"))
        .json(&json!({"username": "ops-dave", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    let read = app
        .http
        .get(app.at("/api/admin/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::FORBIDDEN);
    assert_eq!(audit_rows(&app).await.len(), rows);
    let (_, page) = get(&app, &token, &format!("/api/admin/players/{}", player.id)).await;
    assert!(
        page["player"]["banned_at"].is_null(),
        "the forged ban did nothing"
    );
    // The console page itself is served without it, and cannot be framed.
    let page = app.http.get(app.at("/console/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.text().await.unwrap().contains("/console/console.js"));
}

#[tokio::test]
async fn the_audit_log_cannot_be_written_edited_or_deleted_from_outside() {
    let app = spawn(&[]).await;
    let token = staff(&app, "ops-erin", Role::Admin).await;
    let (player, _, _) = guest(&app).await;
    // No route writes the log: every method but GET is refused.
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let r = console(app.http.request(method.clone(), app.at("/api/admin/audit")))
            .bearer_auth(&token)
            .json(&json!({"admin_username": "someone-else", "action": "ban"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    // Fields naming another actor are not read: the row names who really called.
    let body = json!({"currency": "coins", "amount": 5, "note": "gift", "admin_username": "someone-else", "admin_id": uuid::Uuid::new_v4()});
    assert_eq!(
        grant(&app, &token, &player.id, "gift-1", body).await.0,
        StatusCode::CREATED
    );
    let last = audit_rows(&app).await.pop().unwrap();
    assert_eq!(last, ("ops-erin".to_owned(), "admin_grant".to_owned()));
    // Not even the database's owner edits or removes a row.
    for statement in [
        "UPDATE admin_audit SET admin_username = 'someone-else'",
        "DELETE FROM admin_audit",
        "TRUNCATE admin_audit",
    ] {
        let e = sqlx::query(statement)
            .execute(&app.state.db)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{statement}: {e}");
    }
    let rows = audit_rows(&app).await;
    assert!(rows.iter().all(|(actor, _)| actor != "someone-else"));
}

#[tokio::test]
async fn console_sign_in_is_throttled_and_does_not_tell_unknown_from_wrong() {
    let app = spawn(&[("LOGIN_RATE_PER_ACCOUNT", "3/10m")]).await;
    staff(&app, "ops-frank", Role::Viewer).await;
    let attempt = |username: &'static str, password: &'static str| {
        console(app.http.post(app.at("/api/admin/login")))
            .json(&json!({"username": username, "password": password}))
            .send()
    };
    let unknown = attempt("nobody-here", "wrong password!").await.unwrap();
    let unknown = (unknown.status(), unknown.text().await.unwrap());
    let wrong = attempt("ops-frank", "wrong password!").await.unwrap();
    let wrong = (wrong.status(), wrong.text().await.unwrap());
    assert_eq!(unknown, wrong);
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    attempt("ops-frank", "wrong password!").await.unwrap();
    attempt("ops-frank", "wrong password!").await.unwrap();
    let limited = attempt("ops-frank", PASSWORD).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn the_live_view_shows_the_node_its_lobbies_and_the_queues() {
    let app = spawn(&[]).await;
    let token = staff(&app, "ops-gina", Role::Viewer).await;
    let host = app.player("Host").await;
    let id = uuid::Uuid::now_v7().to_string();
    let record = LobbyRecord {
        id: id.clone(),
        kind: LobbyKind::Private,
        mode: "party".to_owned(),
        region: "local".to_owned(),
        node: app.state.config.edge.node_id.clone(),
        url: app.state.config.edge.public_url.clone(),
        epoch: 1,
        host: Some(host.id.clone()),
        code: Some("ABCDEF".to_owned()),
        round_secs: 180,
        max_players: 10,
        created_at_ms: 0,
        state: "waiting".to_owned(),
        members: vec![host.id.clone()],
    };
    app.state
        .lobbies
        .create(&record, Duration::from_secs(600))
        .await
        .unwrap();
    // The host's socket starts the lobby on this node.
    let mut request = format!("ws://{}/ws/lobbies/{id}", app.addr)
        .into_client_request()
        .unwrap();
    let join = app.mint(Grant::join(&host.id, &id));
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {join}")).unwrap(),
    );
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static(ORIGIN));
    let (_ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    // One ticket waits in the party queue (one player alone is never matched).
    let now = records::now_ms();
    let ticket = records::searching_ticket(
        uuid::Uuid::now_v7().to_string(),
        vec![uuid::Uuid::now_v7().to_string()],
        1200,
        now,
        now + 600_000,
    );
    TicketQueue::new(app.state.redis.clone(), app.state.keys.clone())
        .enqueue(&ticket, Duration::from_secs(60))
        .await
        .unwrap();
    // The node lists its lobbies with its next heartbeat (every second here).
    let deadline = tokio::time::Instant::now() + WAIT;
    let live = loop {
        let (status, live) = get(&app, &token, "/api/admin/live").await;
        assert_eq!(status, StatusCode::OK);
        if live["lobbies_total"] == 1 {
            break live;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lobby never showed: {live}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let node = &live["nodes"][0];
    assert_eq!(node["id"], app.state.config.edge.node_id.as_str());
    assert_eq!(
        (node["lobbies"].as_u64(), node["draining"].as_bool()),
        (Some(1), Some(false))
    );
    let lobby = &live["lobbies"][0];
    assert_eq!(
        (
            lobby["id"].as_str(),
            lobby["phase"].as_str(),
            lobby["kind"].as_str()
        ),
        (Some(id.as_str()), Some("waiting"), Some("private"))
    );
    assert_eq!(lobby["players"][0], host.id.as_str());
    assert_eq!(
        live["queues"][0],
        json!({"mode": "party", "region": "local", "waiting": 1})
    );
}
