//! `whoosh analytics export` and `whoosh analytics report`.
//!
//! The export writes one newline-delimited JSON file per UTC hour, `<out>/YYYY-MM-DD/HH.ndjson`,
//! each line one event (docs/ANALYTICS.md), in `(occurred_at, id)` order. Only hours that ended at
//! least [`SETTLE`] ago are written: an event's time is its transaction's start, and no
//! transaction outlives the statement timeout by that much, so a written hour never gains an
//! event later. `<out>/_watermark` holds the end of the last hour written; a re-run starts there,
//! so nothing is written twice. Each file (and the watermark) is written to a temporary name and
//! renamed, so a reader or a sync never sees half a file, and a run killed midway redoes at most
//! the hour it was in (identically: the same events in the same order).
//!
//! S3: the folder is the unit of delivery. On AWS the deployment syncs it to the analytics bucket
//! (`aws s3 sync <out> s3://…`), so this binary carries no S3 client.

use anyhow::Context;
use sqlx::PgPool;
use std::{
    io::Write,
    path::{Path, PathBuf},
    time::Duration,
};
use time::{
    Date, OffsetDateTime, Time, format_description::well_known::Rfc3339, macros::format_description,
};
use whoosh_store::analytics;

/// How long after an hour ends before it is exported.
pub const SETTLE: Duration = Duration::from_secs(300);
/// Events read per query.
const PAGE: i64 = 1000;
const WATERMARK: &str = "_watermark";

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    pub files: Vec<PathBuf>,
    pub events: u64,
    /// The end of the last hour now exported, if any.
    pub watermark: Option<OffsetDateTime>,
}

fn hour_floor(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::from_hms(t.hour(), 0, 0).unwrap_or(Time::MIDNIGHT))
}

fn hour_path(out: &Path, hour: OffsetDateTime) -> PathBuf {
    let day = hour
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default();
    out.join(day).join(format!("{:02}.ndjson", hour.hour()))
}

/// Reads `<out>/_watermark`.
pub fn read_watermark(out: &Path) -> anyhow::Result<Option<OffsetDateTime>> {
    let path = out.join(WATERMARK);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(
            OffsetDateTime::parse(text.trim(), &Rfc3339)
                .with_context(|| format!("{} is not an RFC 3339 time", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// Exports every settled hour after the watermark (or from `since`, or from the first event).
/// With both a watermark and `since`, the later one wins: delete the watermark to re-export.
pub async fn export(
    db: &PgPool,
    out: &Path,
    since: Option<OffsetDateTime>,
) -> anyhow::Result<Exported> {
    let mut done = Exported {
        watermark: read_watermark(out)?,
        ..Exported::default()
    };
    let now = whoosh_store::leaderboards::now(db).await?;
    let end = hour_floor(now - SETTLE);
    let start = match (done.watermark, since) {
        (Some(w), Some(s)) => w.max(hour_floor(s)),
        (Some(w), None) => w,
        (None, Some(s)) => hour_floor(s),
        (None, None) => match analytics::earliest(db).await? {
            Some(first) => hour_floor(first),
            None => return Ok(done),
        },
    };
    let mut hour = start;
    while hour < end {
        let next = hour + time::Duration::HOUR;
        let mut lines = Vec::new();
        let mut after = None;
        loop {
            let page = analytics::between(db, hour, next, after, PAGE).await?;
            for event in &page {
                serde_json::to_writer(&mut lines, event)?;
                lines.push(b'\n');
            }
            done.events += page.len() as u64;
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => {
                    after = Some((last.occurred_at, last.id))
                }
                _ => break,
            }
        }
        if !lines.is_empty() {
            let path = hour_path(out, hour);
            write_atomically(&path, &lines)?;
            done.files.push(path);
        }
        write_atomically(&out.join(WATERMARK), next.format(&Rfc3339)?.as_bytes())?;
        done.watermark = Some(next);
        hour = if lines.is_empty() {
            // Skip a quiet stretch in one step: the next hour that has an event.
            match analytics::between(db, next, end, None, 1).await?.first() {
                Some(e) => hour_floor(e.occurred_at).max(next),
                None => end,
            }
        } else {
            next
        };
    }
    if start < end && done.watermark != Some(end) {
        write_atomically(&out.join(WATERMARK), end.format(&Rfc3339)?.as_bytes())?;
        done.watermark = Some(end);
    }
    Ok(done)
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
pub fn parse_since(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(day) = parse_day(s) {
        return Ok(day.midnight().assume_utc());
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| format!("{s:?}: expected YYYY-MM-DD or an RFC 3339 time"))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Result<Date, String> {
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{s:?}: expected a date as YYYY-MM-DD"))
}

/// The report as printed.
pub fn render_report(from: Date, to: Date, r: &analytics::Report) -> String {
    let mut out = format!("Whoosh product report, {from} to {to} (UTC days)\n\nday          DAU\n");
    for day in &r.days {
        out.push_str(&format!("{}   {}\n", day.day, day.active_users));
    }
    out.push_str(&format!(
        "\nactive users          {}\nmatches finished      {}\nplayers               {}\nmatches per player    {:.2}\npurchasers            {}\npurchase conversion   {:.1}% ({} of {} active users)\n",
        r.active_users,
        r.matches,
        r.players,
        r.matches_per_player,
        r.purchasers,
        r.conversion * 100.0,
        r.purchasers,
        r.active_users,
    ));
    out
}
