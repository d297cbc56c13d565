//! Groups (clans): roles, private groups and invite codes, the group leaderboard, member pages,
//! and what becomes of a group when its owner deletes the account.

use crate::spawn_with;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use whoosh_test_support::{Client, Nobody, Player, TestApp, error_code as code, json_body};

async fn new_group(app: &TestApp, owner: &Player, name: &str, visibility: &str) -> String {
    let body = json!({"name": name, "tag": "TST", "visibility": visibility});
    let made = app
        .call(Method::POST, "/api/groups", owner, Some(&body))
        .await;
    let made = json_body(made, StatusCode::CREATED).await;
    assert_eq!(made["my_role"], "owner");
    made["id"].as_str().unwrap().to_owned()
}

async fn join_group(app: &TestApp, p: &Player, group: &str) -> Response {
    let path = format!("/api/groups/{group}/join");
    app.call(Method::POST, &path, p, None).await
}

async fn invite_code(app: &TestApp, p: &Player, group: &str, max_uses: i64) -> Response {
    let path = format!("/api/groups/{group}/invites");
    let body = json!({"max_uses": max_uses});
    app.call(Method::POST, &path, p, Some(&body)).await
}

async fn join_by_code(app: &TestApp, p: &Player, code: &str) -> Response {
    let body = json!({"code": code});
    app.call(Method::POST, "/api/groups/join", p, Some(&body))
        .await
}

async fn kick(app: &TestApp, actor: &Player, group: &str, target: &Player) -> Response {
    let path = format!("/api/groups/{group}/members/{}", target.id);
    app.delete(&path, actor).await
}

async fn roles(app: &TestApp, viewer: &Player, group: &str) -> Vec<(String, String)> {
    let path = format!("/api/groups/{group}/members?limit=100");
    let page = app.get(&path, viewer).await;
    json_body(page, StatusCode::OK).await["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn group_roles_decide_who_may_kick_promote_and_leave() {
    let app = spawn_with(&[]).await;
    let (owner, a, b) = (
        app.player("Owner").await,
        app.player("Ann").await,
        app.player("Ben").await,
    );
    let group = new_group(&app, &owner, "  The Moles ", "open").await;
    // Names are unique case-insensitively and validated.
    let taken = app
        .post("/api/groups", &a, json!({"name": "the moles", "tag": "x1"}))
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(code(taken).await, "group_name_taken");
    for (body, expected) in [
        (json!({"name": "ab", "tag": "OK"}), "invalid_group_name"),
        (
            json!({"name": "bad\u{7}name", "tag": "OK"}),
            "invalid_group_name",
        ),
        (
            json!({"name": "Fine name", "tag": "TOOLONG"}),
            "invalid_group_tag",
        ),
        (
            json!({"name": "Fine name", "tag": "OK", "visibility": "secret"}),
            "invalid_group_settings",
        ),
    ] {
        let r = app.call(Method::POST, "/api/groups", &a, Some(&body)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(code(r).await, expected);
    }

    assert_eq!(join_group(&app, &a, &group).await.status(), StatusCode::OK);
    assert_eq!(join_group(&app, &b, &group).await.status(), StatusCode::OK);
    assert_eq!(
        code(join_group(&app, &b, &group).await).await,
        "already_group_member"
    );

    // A plain member kicks nobody and makes no invite codes.
    let refused = kick(&app, &a, &group, &b).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(code(refused).await, "not_group_admin");
    assert_eq!(
        code(invite_code(&app, &a, &group, 1).await).await,
        "not_group_admin"
    );

    // Only the owner appoints admins.
    let promote = |actor: &Player, target: &Player, role: &str| {
        let path = format!("/api/groups/{group}/members/{}/role", target.id);
        let (app, actor, body) = (&app, actor.clone(), json!({"role": role}));
        async move { app.call(Method::PUT, &path, &actor, Some(&body)).await }
    };
    assert_eq!(
        code(promote(&a, &b, "admin").await).await,
        "not_group_owner"
    );
    assert_eq!(
        promote(&owner, &a, "admin").await.status(),
        StatusCode::NO_CONTENT
    );

    // An admin removes plain members but neither the owner nor another admin.
    assert_eq!(
        code(kick(&app, &a, &group, &owner).await).await,
        "not_group_owner"
    );
    assert_eq!(
        kick(&app, &a, &group, &b).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        code(kick(&app, &a, &group, &b).await).await,
        "group_member_not_found"
    );
    assert_eq!(
        roles(&app, &owner, &group).await,
        [
            (owner.id.clone(), "owner".to_owned()),
            (a.id.clone(), "admin".to_owned())
        ]
    );

    // The owner leaves only after handing over; the old owner stays as an admin.
    let leave = |p: &Player| {
        let path = format!("/api/groups/{group}/leave");
        let (app, p) = (&app, p.clone());
        async move { app.call(Method::POST, &path, &p, None).await }
    };
    let stuck = leave(&owner).await;
    assert_eq!(stuck.status(), StatusCode::CONFLICT);
    assert_eq!(code(stuck).await, "owner_must_transfer");
    let transfer = app
        .post(
            &format!("/api/groups/{group}/transfer"),
            &owner,
            json!({"user_id": a.id}),
        )
        .await;
    assert_eq!(transfer.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        roles(&app, &a, &group).await,
        [
            (owner.id.clone(), "admin".to_owned()),
            (a.id.clone(), "owner".to_owned())
        ]
    );
    let mine = app.get("/api/groups/me", &owner).await;
    let mine = json_body(mine, StatusCode::OK).await;
    assert_eq!(mine["groups"][0]["my_role"], "admin");
    assert_eq!(mine["groups"][0]["name"], "The Moles");
    assert_eq!(mine["groups"][0]["members"], 2);

    // The last member out disbands the group.
    assert_eq!(
        json_body(leave(&owner).await, StatusCode::OK).await["disbanded"],
        false
    );
    assert_eq!(
        json_body(leave(&a).await, StatusCode::OK).await["disbanded"],
        true
    );
    let gone = app.get(&format!("/api/groups/{group}"), &a).await;
    assert_eq!(code(gone).await, "group_not_found");
}

#[tokio::test]
async fn private_groups_are_invisible_to_strangers_and_joined_by_invite_code() {
    let app = spawn_with(&[]).await;
    let (owner, stranger, late) = (
        app.player("Owner").await,
        app.player("Stranger").await,
        app.player("Late").await,
    );
    let group = new_group(&app, &owner, "Hidden Hand", "private").await;
    for path in [
        format!("/api/groups/{group}"),
        format!("/api/groups/{group}/members"),
    ] {
        let hidden = app.get(&path, &stranger).await;
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(code(hidden).await, "group_not_found");
    }
    assert_eq!(
        code(join_group(&app, &stranger, &group).await).await,
        "group_not_found"
    );

    let invite = json_body(
        invite_code(&app, &owner, &group, 1).await,
        StatusCode::CREATED,
    )
    .await;
    let code_text = invite["code"].as_str().unwrap().to_owned();
    // Codes are read case-insensitively; a single-use code is spent by its first join.
    let joined = join_by_code(&app, &stranger, &code_text.to_lowercase()).await;
    assert_eq!(
        json_body(joined, StatusCode::OK).await["id"],
        group.as_str()
    );
    assert_eq!(roles(&app, &stranger, &group).await.len(), 2);
    assert_eq!(
        code(join_by_code(&app, &late, &code_text).await).await,
        "invite_not_found"
    );
    assert_eq!(
        code(join_by_code(&app, &late, "NOPE").await).await,
        "invalid_join_code"
    );
    assert_eq!(
        code(invite_code(&app, &owner, &group, 51).await).await,
        "invalid_group_settings"
    );

    // Invite-only groups are visible but not joined without a code.
    let club = new_group(&app, &owner, "Velvet Rope", "invite_only").await;
    let shown = app.get(&format!("/api/groups/{club}"), &late).await;
    let shown = json_body(shown, StatusCode::OK).await;
    assert_eq!(
        (shown["visibility"].as_str(), &shown["my_role"]),
        (Some("invite_only"), &Value::Null)
    );
    let refused = join_group(&app, &late, &club).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(code(refused).await, "invite_required");
}

#[tokio::test]
async fn guessing_group_invite_codes_is_throttled() {
    let app = spawn_with(&[("LOBBY_JOIN_RATE", "3/1m")]).await;
    let guesser = app.player("Guesser").await;
    for _ in 0..3 {
        assert_eq!(
            code(join_by_code(&app, &guesser, "ABCDEF").await).await,
            "invite_not_found"
        );
    }
    let limited = join_by_code(&app, &guesser, "ABCDEF").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
}

async fn set_elo(app: &TestApp, p: &Player, elo: i32) {
    sqlx::query("UPDATE users SET elo = $2 WHERE id = $1::uuid")
        .bind(&p.id)
        .bind(elo)
        .execute(&app.state.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_group_leaderboard_ranks_by_average_rating_with_total_order_across_pages() {
    let app = spawn_with(&[]).await;
    let mut players = Vec::new();
    for (i, elo) in [1400, 1600, 1500, 1300, 2000, 1500].into_iter().enumerate() {
        let p = app.player(&format!("P{i}")).await;
        set_elo(&app, &p, elo).await;
        players.push(p);
    }
    // Average 1500 with two members; average 1500 with one member (the tie goes to more members
    // first); 1300; a private group of 2000 stays off the board.
    let pair = new_group(&app, &players[0], "Pair", "open").await;
    assert_eq!(
        join_group(&app, &players[1], &pair).await.status(),
        StatusCode::OK
    );
    let solo = new_group(&app, &players[2], "Solo", "invite_only").await;
    let low = new_group(&app, &players[3], "Low", "open").await;
    new_group(&app, &players[4], "Secret", "private").await;
    // Another 1500 solo, made later than Solo: same rating and size, so the older group first.
    let late = new_group(&app, &players[5], "Late solo", "open").await;

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = app
            .get(&format!("/api/groups/leaderboard?limit=1{cursor}"), Nobody)
            .await
            .json()
            .await
            .unwrap();
        for e in page["entries"].as_array().unwrap() {
            seen.push((
                e["rank"].as_i64().unwrap(),
                e["group_id"].as_str().unwrap().to_owned(),
                e["rating"].as_i64().unwrap(),
                e["members"].as_i64().unwrap(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            (1, pair, 1500, 2),
            (2, solo, 1500, 1),
            (3, late, 1500, 1),
            (4, low, 1300, 1),
        ]
    );
}

#[tokio::test]
async fn member_pages_follow_join_order_without_gaps() {
    let app = spawn_with(&[]).await;
    let owner = app.player("Owner").await;
    let group = new_group(&app, &owner, "Crowd", "open").await;
    let mut expected = vec![owner.id.clone()];
    for i in 0..6 {
        let p = app.player(&format!("M{i}")).await;
        assert_eq!(join_group(&app, &p, &group).await.status(), StatusCode::OK);
        expected.push(p.id);
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/groups/{group}/members?limit=3{cursor}");
        let page = json_body(app.get(&path, &owner).await, StatusCode::OK).await;
        let members = page["members"].as_array().unwrap();
        assert!(members.len() <= 3);
        seen.extend(
            members
                .iter()
                .map(|m| m["user_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn deleting_an_account_hands_its_groups_over_or_disbands_them() {
    let app = spawn_with(&[]).await;
    let (owner, early, admin, other) = (
        app.player("Owner").await,
        app.player("Early").await,
        app.player("Admin").await,
        app.player("Other").await,
    );
    let shared = new_group(&app, &owner, "Shared", "open").await;
    assert_eq!(
        join_group(&app, &early, &shared).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        join_group(&app, &admin, &shared).await.status(),
        StatusCode::OK
    );
    let promoted = app
        .put(
            &format!("/api/groups/{shared}/members/{}/role", admin.id),
            &owner,
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::NO_CONTENT);
    let alone = new_group(&app, &owner, "Alone", "open").await;
    // A group the player is a plain member of just loses the member.
    let theirs = new_group(&app, &other, "Theirs", "open").await;
    assert_eq!(
        join_group(&app, &owner, &theirs).await.status(),
        StatusCode::OK
    );

    let deleted = app.delete("/api/profiles/me", &owner.token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // The admin inherits, although a plain member joined before them.
    assert_eq!(
        roles(&app, &admin, &shared).await,
        [
            (early.id.clone(), "member".to_owned()),
            (admin.id.clone(), "owner".to_owned())
        ]
    );
    let gone = app.get(&format!("/api/groups/{alone}"), &other).await;
    assert_eq!(code(gone).await, "group_not_found");
    assert_eq!(
        roles(&app, &other, &theirs).await,
        [(other.id.clone(), "owner".to_owned())]
    );
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM group_members WHERE user_id = $1::uuid")
            .bind(&owner.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(left, 0);
}
