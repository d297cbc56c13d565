//! Product analytics: events appended to `analytics_events` (docs/ANALYTICS.md is the schema).
//!
//! [`record`] takes any executor: written inside a business transaction (signup, match results,
//! purchases) an event exists exactly when the change it describes commits. Events recorded on
//! their own (session starts, leaderboard views, match starts) may carry a dedup key so that a
//! retry does not count twice.

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{PgExecutor, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The version every event is written at today; bump it for an event whose fields change meaning
/// (adding a field does not need a bump).
pub const SCHEMA_VERSION: i16 = 1;

/// One product event. The variant is the event's `name`; its fields (but `user_id`) are the
/// `properties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Event {
    /// An account was created (`guest`: a device account, else a full one).
    Signup { user_id: Uuid, guest: bool },
    /// A session began or continued: `via` is `register`, `login`, `guest` or `refresh`;
    /// `days_since_signup` is the retention key (0 on the day of signup).
    SessionStart {
        user_id: Uuid,
        via: String,
        days_since_signup: i64,
    },
    /// A game began on an edge node (one event per player).
    MatchStarted {
        user_id: Uuid,
        match_id: Uuid,
        mode: String,
        players: u32,
    },
    /// A game's result was recorded (one event per player), in the results transaction.
    MatchFinished {
        user_id: Uuid,
        match_id: Uuid,
        mode: String,
        role: String,
        won: bool,
        reason: String,
        rating_delta: i32,
        duration_secs: i64,
    },
    /// Coins (or another currency) spent in the store, in the purchase transaction.
    Purchase {
        user_id: Uuid,
        item_id: String,
        quantity: i64,
        cost: i64,
        currency: String,
    },
    /// A leaderboard page was read (`user_id` absent for anonymous readers).
    LeaderboardView {
        user_id: Option<Uuid>,
        board: String,
        view: String,
    },
    /// A battle began (one event per participant).
    BattleStarted {
        user_id: Uuid,
        battle_id: Uuid,
        group_id: Option<Uuid>,
    },
    /// A battle ended (one event per participant).
    BattleFinished {
        user_id: Uuid,
        battle_id: Uuid,
        won: bool,
        rank: Option<i64>,
    },
}

impl Event {
    /// The event's name, `user_id` and properties, as stored.
    pub fn parts(&self) -> (String, Option<Uuid>, Value) {
        let mut fields = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let name = match fields.remove("name") {
            Some(Value::String(name)) => name,
            _ => String::new(),
        };
        let user = fields
            .remove("user_id")
            .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()));
        (name, user, Value::Object(fields))
    }
}

/// Appends `event` (with `dedup_key`, recorded at most once per key); returns whether it was
/// added.
pub async fn record_once<'e>(
    executor: impl PgExecutor<'e>,
    event: &Event,
    dedup_key: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let (name, user, properties) = event.parts();
    let added = sqlx::query(
        "INSERT INTO analytics_events (name, version, user_id, properties, dedup_key)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(name)
    .bind(SCHEMA_VERSION)
    .bind(user)
    .bind(properties)
    .bind(dedup_key)
    .execute(executor)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// Appends `event`.
pub async fn record<'e>(executor: impl PgExecutor<'e>, event: &Event) -> Result<(), sqlx::Error> {
    record_once(executor, event, None).await.map(drop)
}

/// Whole days from `signup` to `now` (the retention key of `session_start`).
pub fn days_since(signup: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (now.date() - signup.date()).whole_days().max(0)
}

/// One stored event, as exported.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: i64,
    pub name: String,
    pub version: i16,
    pub user_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub properties: Value,
}

/// Events with `from <= occurred_at < to`, in `(occurred_at, id)` order, at most `limit` after
/// the position `after` (an `(occurred_at, id)` pair from the previous page).
pub async fn between(
    db: &PgPool,
    from: OffsetDateTime,
    to: OffsetDateTime,
    after: Option<(OffsetDateTime, i64)>,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let (after_at, after_id) = after.unwrap_or((from, 0));
    sqlx::query_as(
        "SELECT id, name, version, user_id, occurred_at, properties FROM analytics_events
         WHERE occurred_at >= $1 AND occurred_at < $2 AND (occurred_at, id) > ($3, $4)
         ORDER BY occurred_at, id LIMIT $5",
    )
    .bind(from)
    .bind(to)
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The time of the earliest event, if any.
pub async fn earliest(db: &PgPool) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar("SELECT min(occurred_at) FROM analytics_events")
        .fetch_one(db)
        .await
}

/// One day of the product report.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Day {
    pub day: Date,
    /// Distinct users with any event that day.
    pub active_users: i64,
}

/// What `whoosh analytics report` prints for a range of days (UTC, both ends included).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub days: Vec<Day>,
    /// Distinct users with any event in the range.
    pub active_users: i64,
    /// Distinct matches finished in the range.
    pub matches: i64,
    /// Distinct users who finished a match in the range.
    pub players: i64,
    /// `match_finished` events ÷ `players` (0 when nobody played).
    pub matches_per_player: f64,
    /// Distinct users with a purchase in the range.
    pub purchasers: i64,
    /// `purchasers` ÷ `active_users` (0 when nobody was active).
    pub conversion: f64,
}

pub async fn report(db: &PgPool, from: Date, to: Date) -> Result<Report, sqlx::Error> {
    let days: Vec<Day> = sqlx::query_as(
        "SELECT (d AT TIME ZONE 'UTC')::date AS day,
                (SELECT count(DISTINCT user_id) FROM analytics_events
                 WHERE occurred_at >= d AND occurred_at < d + interval '1 day') AS active_users
         FROM generate_series($1::date::timestamp AT TIME ZONE 'UTC', $2::date::timestamp AT TIME ZONE 'UTC', interval '1 day') AS d
         ORDER BY d",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let (active_users, matches, players, finished, purchasers): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "WITH e AS (SELECT * FROM analytics_events
                        WHERE occurred_at >= $1::date::timestamp AT TIME ZONE 'UTC'
                          AND occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC')
             SELECT (SELECT count(DISTINCT user_id) FROM e),
                    (SELECT count(DISTINCT properties->>'match_id') FROM e WHERE name = 'match_finished'),
                    (SELECT count(DISTINCT user_id) FROM e WHERE name = 'match_finished'),
                    (SELECT count(*) FROM e WHERE name = 'match_finished' AND user_id IS NOT NULL),
                    (SELECT count(DISTINCT user_id) FROM e WHERE name = 'purchase')",
        )
        .bind(from)
        .bind(to)
        .fetch_one(db)
        .await?;
    let ratio = |a: i64, b: i64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(Report {
        days,
        active_users,
        matches,
        players,
        matches_per_player: ratio(finished, players),
        purchasers,
        conversion: ratio(purchasers, active_users),
    })
}
