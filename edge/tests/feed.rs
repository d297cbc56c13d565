//! The live leaderboard feed over real HTTP (SSE) against real PostgreSQL and Redis, with scores
//! committed through the profiles service on the same stack.

#![allow(clippy::unwrap_used)]

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::{pin::Pin, time::Duration};
use whoosh_test_support::{Player, TestApp};

async fn spawn() -> TestApp {
    TestApp::build_with(
        |state| whoosh_lambda_profiles::routes().merge(whoosh_edge::start(state)),
        &[("RATE_LIMIT_PER_CLIENT", "100000/1m")],
    )
    .await
}

type Chunks = Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// Reads Server-Sent Events off a response body.
struct Events {
    chunks: Chunks,
    buffer: String,
}

#[derive(Debug)]
struct SseEvent {
    id: u64,
    data: Value,
}

impl Events {
    async fn open(app: &TestApp, board: &str, last_event_id: Option<u64>) -> Self {
        let mut request = app.http.get(app.at(&format!("/sse/leaderboards/{board}")));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self {
            chunks: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event within `wait`, skipping keep-alive comments.
    async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if let Some(id) = id {
                    return Some(SseEvent {
                        id,
                        data: serde_json::from_str(&data).unwrap(),
                    });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.chunks.next())
                .await
                .ok()??
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Events until one satisfies `want`, within `wait`.
    async fn until(&mut self, wait: Duration, want: impl Fn(&SseEvent) -> bool) -> SseEvent {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await.expect("no matching event in time");
            if want(&event) {
                return event;
            }
        }
    }
}

async fn score(app: &TestApp, p: &Player, delta: i64) {
    let action: Value = app
        .http
        .post(app.at("/api/actions"))
        .bearer_auth(app.service_token("arcade"))
        .json(&json!({"user_id": p.id, "max_score": delta}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = app
        .http
        .post(app.at("/api/scores"))
        .bearer_auth(&p.token)
        .json(&json!({"action_token": action["action_token"], "delta": delta}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

fn value_of(event: &SseEvent, player: &Player) -> Option<i64> {
    event.data["entries"]
        .as_array()?
        .iter()
        .find(|e| e["user_id"] == player.id.as_str())?["value"]
        .as_i64()
}

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_client_sees_each_committed_score_and_resumes_with_last_event_id() {
    let app = spawn().await;
    let p = app.player("Streamer").await;
    let mut feed = Events::open(&app, "score", None).await;
    let first = feed.next(WAIT).await.expect("a snapshot on connect");
    assert_eq!(first.data["board"], "score");

    score(&app, &p, 40).await;
    let seen = feed.until(WAIT, |e| value_of(e, &p) == Some(40)).await;
    drop(feed);

    // Reconnecting with the latest id: nothing to catch up on, then the next change.
    let mut resumed = Events::open(&app, "score", Some(seen.id)).await;
    assert!(
        resumed.next(Duration::from_millis(700)).await.is_none(),
        "no replay of what the client has"
    );
    score(&app, &p, 2).await;
    let next = resumed.until(WAIT, |e| value_of(e, &p) == Some(42)).await;
    assert!(next.id > seen.id);
    drop(resumed);

    // Reconnecting with an older id: the latest snapshot at once.
    let mut behind = Events::open(&app, "score", Some(seen.id)).await;
    let caught_up = behind.next(WAIT).await.unwrap();
    assert_eq!(value_of(&caught_up, &p), Some(42));
    assert_eq!(caught_up.id, next.id);
}

#[tokio::test]
async fn deleting_an_account_pushes_an_update_without_it() {
    let app = spawn().await;
    let (gone, stays) = (app.player("Leaver").await, app.player("Stayer").await);
    score(&app, &gone, 90).await;
    score(&app, &stays, 10).await;
    let mut feed = Events::open(&app, "score", None).await;
    feed.until(WAIT, |e| value_of(e, &gone) == Some(90)).await;
    let deleted = app
        .http
        .delete(app.at("/api/profiles/me"))
        .bearer_auth(&gone.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let after = feed.until(WAIT, |e| value_of(e, &gone).is_none()).await;
    assert_eq!(value_of(&after, &stays), Some(10));
}

#[tokio::test]
async fn unknown_boards_are_404() {
    let app = spawn().await;
    let r = app
        .http
        .get(app.at("/sse/leaderboards/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Sixty players on the `score` board (each snapshot is then several kilobytes, so a stuck
/// client's socket buffers fill after a few), a player to climb it, and a subscriber on a raw
/// socket with a 2 KB receive buffer that sends its request and then reads nothing.
async fn crowded_board_and_a_stuck_subscriber(app: &TestApp) -> (Player, tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    for i in 0..60 {
        let p = app.player(&format!("Filler {i}")).await;
        score(app, &p, 1000 + i).await;
    }
    let climber = app.player("Climber").await;
    let addr = app
        .at("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let mut stuck = socket.connect(addr.parse().unwrap()).await.unwrap();
    stuck
        .write_all(
            format!("GET /sse/leaderboards/score HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    (climber, stuck)
}

/// A subscriber that stops reading (a raw socket with a tiny receive buffer) while the board keeps
/// changing: the others get every change at pace, the stuck one holds at most the feed's bounded
/// buffer of snapshots, and once it reads again it skips straight to the newest — it never holds
/// up the writer or the other clients, and it never sees stale state after fresher state.
#[tokio::test]
async fn a_slow_sse_client_skips_to_the_newest_snapshot_and_holds_up_no_one() {
    use tokio::io::AsyncReadExt;
    let app = spawn().await;
    let (climber, mut stuck) = crowded_board_and_a_stuck_subscriber(&app).await;

    let mut healthy = Events::open(&app, "score", None).await;
    healthy.next(WAIT).await.expect("a snapshot on connect");
    let mut seen_by_healthy = Vec::new();
    const CHANGES: i64 = 60;
    for step in 1..=CHANGES {
        score(&app, &climber, 1).await;
        // Every change reaches the reading client while the other one is stuck.
        let event = healthy
            .until(WAIT, |e| value_of(e, &climber) == Some(step))
            .await;
        seen_by_healthy.push(event.id);
    }

    // The stuck client reads again: it gets the newest state, having skipped what it missed.
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    let ids: Vec<u64> = loop {
        let n = tokio::time::timeout_at(deadline, stuck.read(&mut buf))
            .await
            .expect("the stuck client catches up in time")
            .unwrap();
        assert!(n > 0, "the server closed the stuck client's stream");
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        let ids: Vec<u64> = text
            .lines()
            .filter_map(|l| l.strip_prefix("id:"))
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        if ids.last() == seen_by_healthy.last() {
            break ids;
        }
    };
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "never an older snapshot after a newer one: {ids:?}"
    );
    assert!(
        ids.len() < seen_by_healthy.len(),
        "the stuck client skipped snapshots it could not take ({} of {})",
        ids.len(),
        seen_by_healthy.len()
    );
}

#[tokio::test]
async fn a_stuck_sse_client_is_dropped_after_the_write_stall_timeout() {
    use tokio::io::AsyncReadExt;
    let app = TestApp::build_with(
        |state| whoosh_lambda_profiles::routes().merge(whoosh_edge::start(state)),
        &[
            ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
            ("HTTP_WRITE_STALL_TIMEOUT", "1s"),
        ],
    )
    .await;
    let (climber, mut stuck) = crowded_board_and_a_stuck_subscriber(&app).await;
    let mut healthy = Events::open(&app, "score", None).await;
    healthy.next(WAIT).await.expect("a snapshot on connect");
    // Changes of several kilobytes each fill the stuck client's buffers; then nothing it does
    // not read can leave, and after the stall timeout its connection is dropped.
    for step in 1..=20 {
        score(&app, &climber, 1).await;
        healthy
            .until(WAIT, |e| value_of(e, &climber) == Some(step))
            .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    // The reading client still gets every change.
    score(&app, &climber, 1).await;
    healthy
        .until(WAIT, |e| value_of(e, &climber) == Some(21))
        .await;
    // What the kernel had buffered drains, then the stream ends (a close or a reset), where a
    // kept connection would block here until the deadline with the next change.
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, stuck.read(&mut buf))
            .await
            .expect("the stuck client's connection was kept")
        {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}
