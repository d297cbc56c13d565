//! `whoosh analytics`: the product report, and the export to a folder or to S3 that writes each
//! event once.

use crate::{guest, stderr_and_stdout, whoosh};
use whoosh_test_support::TestDb;

#[tokio::test]
async fn analytics_report_counts_a_played_match_and_a_purchase_and_export_writes_each_event_once() {
    use whoosh_store::{
        economy::{self, Idempotency},
        matches::{MatchRecord, PlayerRecord},
    };
    let db = TestDb::create().await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let (ann, bea, cid) = (
        guest(&db, "Ann").await,
        guest(&db, "Bea").await,
        guest(&db, "Cid").await,
    );
    let now = time::OffsetDateTime::now_utc();
    let player = |user_id, won, coins| PlayerRecord {
        user_id,
        role: if won { "agent" } else { "mole" }.into(),
        won,
        heat: 1,
        final_suspect: None,
        rating_delta: if won { 12 } else { -12 },
        xp: 50,
        coins,
    };
    // A match of Ann and Bea, through the path game results take.
    let record = MatchRecord {
        id: uuid::Uuid::now_v7(),
        mode: "party".into(),
        winner: "agents".into(),
        reason: "exposed".into(),
        started_at: now - time::Duration::minutes(3),
        finished_at: now,
        players: vec![player(ann, true, 150), player(bea, false, 20)],
    };
    whoosh_store::matches::record(&pool, &record)
        .await
        .unwrap()
        .unwrap();
    // Ann spends her reward.
    let bought = economy::purchase(
        &pool,
        ann,
        Idempotency {
            scope: "purchase",
            key: "k1",
            request_hash: b"h",
        },
        "avatar-fox",
        1,
        |p| (201, serde_json::json!({"item": p.item_id})),
    )
    .await
    .unwrap();
    assert!(matches!(bought, economy::Outcome::Done { status: 201, .. }));
    let names: Vec<(Option<uuid::Uuid>, String)> =
        sqlx::query_as("SELECT user_id, name FROM analytics_events ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let of = |u: uuid::Uuid| -> Vec<&str> {
        names
            .iter()
            .filter(|(id, _)| *id == Some(u))
            .map(|(_, n)| n.as_str())
            .collect()
    };
    assert_eq!(of(ann), ["signup", "match_finished", "purchase"]);
    assert_eq!(of(bea), ["signup", "match_finished"]);
    assert_eq!(of(cid), ["signup"]);

    let today = now.date().to_string();
    let out = whoosh(&db, &[])
        .args(["analytics", "report", "--from", &today, "--to", &today])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_and_stdout(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains(&format!("{today}   3\n")), "{report}");
    for line in [
        "active users          3",
        "matches finished      1",
        "players               2",
        "matches per player    1.00",
        "purchasers            1",
        "purchase conversion   33.3% (1 of 3 active users)",
    ] {
        assert!(report.contains(line), "{line:?} missing from:\n{report}");
    }
    let backwards = whoosh(&db, &[])
        .args([
            "analytics",
            "report",
            "--from",
            &today,
            "--to",
            "2000-01-01",
        ])
        .output()
        .unwrap();
    assert!(!backwards.status.success());
    let bad_day = whoosh(&db, &[])
        .args(["analytics", "report", "--from", "yesterday", "--to", &today])
        .output()
        .unwrap();
    assert!(!bad_day.status.success());
    assert!(stderr_and_stdout(&bad_day).contains("YYYY-MM-DD"));

    // Export: only settled hours. Move the events two hours back so their hour has settled.
    sqlx::query("UPDATE analytics_events SET occurred_at = occurred_at - interval '2 hours'")
        .execute(&pool)
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("whoosh-analytics-{}", uuid::Uuid::new_v4()));
    let dir_arg = dir.display().to_string();
    let export = || {
        whoosh(&db, &[])
            .args(["analytics", "export", "--out", &dir_arg])
            .output()
            .unwrap()
    };
    let first = export();
    assert!(first.status.success(), "{}", stderr_and_stdout(&first));
    // The files in name order (day, then hour) hold the events in time order.
    let sorted = |dir: &std::path::Path| {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        paths
    };
    let mut lines = Vec::new();
    for day in sorted(&dir).into_iter().filter(|p| p.is_dir()) {
        for file in sorted(&day) {
            let text = std::fs::read_to_string(file).unwrap();
            lines.extend(text.lines().map(str::to_owned));
        }
    }
    assert_eq!(lines.len(), names.len(), "one line per event");
    let first_line: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first_line["name"], "signup");
    assert_eq!(first_line["version"], 1);
    assert!(std::fs::read_to_string(dir.join("_watermark")).is_ok());
    // A re-run writes nothing again.
    let again = export();
    assert!(again.status.success(), "{}", stderr_and_stdout(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("exported 0 event(s) in 0 file(s)"),
        "{}",
        stderr_and_stdout(&again)
    );

    // The same export to S3 (moto on loopback): the same lines under the prefix, the watermark
    // beside them, nothing written twice.
    let moto = whoosh_test_support::MotoServer::start().await;
    let config = moto.sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("whoosh-analytics")
        .send()
        .await
        .unwrap();
    let env: Vec<(&str, String)> = moto.env().into_iter().collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let to_s3 = || {
        whoosh(&db, &env)
            .args([
                "analytics",
                "export",
                "--out",
                "s3://whoosh-analytics/events/",
            ])
            .output()
            .unwrap()
    };
    let uploaded = to_s3();
    assert!(
        uploaded.status.success(),
        "{}",
        stderr_and_stdout(&uploaded)
    );
    let listed = s3
        .list_objects_v2()
        .bucket("whoosh-analytics")
        .prefix("events/")
        .send()
        .await
        .unwrap();
    let mut keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    keys.sort();
    assert_eq!(keys.last().map(String::as_str), Some("events/_watermark"));
    let mut s3_lines = Vec::new();
    for key in keys.iter().filter(|k| k.ends_with(".ndjson")) {
        let body = s3
            .get_object()
            .bucket("whoosh-analytics")
            .key(key)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        s3_lines.extend(
            String::from_utf8(body.to_vec())
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
    }
    assert_eq!(s3_lines, lines, "the same events, in the same order");
    let again = to_s3();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("exported 0 event(s) in 0 file(s)"),
        "{}",
        stderr_and_stdout(&again)
    );
    let nowhere = whoosh(&db, &env)
        .args(["analytics", "export", "--out", "s3://no-such-bucket/x"])
        .output()
        .unwrap();
    assert!(!nowhere.status.success());
    assert!(stderr_and_stdout(&nowhere).contains("s3://no-such-bucket/x/_watermark"));
    // A URL that is not exactly `s3://` is refused, never taken for a relative folder (which
    // would appear in the working directory as `S3:/…` or `s3:/…`).
    for url in [
        "S3://whoosh-analytics/events/",
        "s3:/whoosh-analytics/events",
    ] {
        let refused = whoosh(&db, &env)
            .args(["analytics", "export", "--out", url])
            .output()
            .unwrap();
        assert!(!refused.status.success(), "{url}");
        assert!(
            stderr_and_stdout(&refused).contains("not a folder"),
            "{url}: {}",
            stderr_and_stdout(&refused)
        );
    }
    let working_dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    for folder in ["S3:", "s3:"] {
        assert!(!working_dir.join(folder).exists(), "{folder} was written");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
