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
//! S3: `--out s3://<bucket>/<prefix>` writes the same layout as objects under the prefix through
//! the AWS SDK (credentials and region from the default chain; `AWS_ENDPOINT_URL` points it at
//! another S3-compatible store, addressed path-style). A put is atomic, so a reader never sees
//! half an object; the watermark object is written after the hour's object, as in a folder.

use anyhow::Context;
use sqlx::PgPool;
use std::{io::Write, path::PathBuf, time::Duration};
use time::{
    Date, OffsetDateTime, Time, format_description::well_known::Rfc3339, macros::format_description,
};
use whoosh_http::config::LocalDir;
use whoosh_store::analytics;

/// How long after an hour ends before it is exported.
pub const SETTLE: Duration = Duration::from_secs(300);
/// Events read per query.
const PAGE: i64 = 1000;
const WATERMARK: &str = "_watermark";

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    /// Where each file went (a path, or an `s3://` URL).
    pub files: Vec<String>,
    pub events: u64,
    /// The end of the last hour now exported, if any.
    pub watermark: Option<OffsetDateTime>,
}

/// Where an export writes: a folder, or a bucket and key prefix on S3.
#[derive(Debug)]
pub enum Destination {
    Folder(PathBuf),
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
        /// Empty, or ends with `/`.
        prefix: String,
    },
}

impl Destination {
    /// `s3://bucket[/prefix]` (the SDK configured from the environment), or a folder. Any other
    /// URL (`S3://…`, `s3:/…`, `gs://…`) is refused: taken for a path, it would become a local
    /// folder named after it.
    pub async fn open(out: &str) -> anyhow::Result<Self> {
        let Some(rest) = out.strip_prefix("s3://") else {
            let LocalDir(dir) = out.parse().map_err(|e: String| {
                anyhow::anyhow!(
                    "--out {e}; the export writes to a folder or to s3://<bucket>/<prefix>"
                )
            })?;
            return Ok(Self::Folder(dir));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        anyhow::ensure!(
            !bucket.is_empty(),
            "{out:?}: expected s3://<bucket>/<prefix>"
        );
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(Self::s3(&config, bucket, &prefix))
    }

    /// A bucket and prefix (`""` or ending with `/`) with the given SDK configuration.
    pub fn s3(config: &aws_config::SdkConfig, bucket: &str, prefix: &str) -> Self {
        // A custom endpoint (an S3-compatible store, a local emulator) is addressed path-style:
        // `bucket.host` names need DNS that such endpoints rarely have.
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Self::S3 {
            client: aws_sdk_s3::Client::from_conf(s3),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        }
    }

    fn location(&self, name: &str) -> String {
        match self {
            Self::Folder(dir) => dir.join(name).display().to_string(),
            Self::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}{name}"),
        }
    }

    /// The text stored under `name`, if any.
    async fn read(&self, name: &str) -> anyhow::Result<Option<String>> {
        let at = self.location(name);
        match self {
            Self::Folder(dir) => match std::fs::read_to_string(dir.join(name)) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e).with_context(|| format!("reading {at}")),
            },
            Self::S3 {
                client,
                bucket,
                prefix,
            } => {
                let got = client
                    .get_object()
                    .bucket(bucket)
                    .key(format!("{prefix}{name}"))
                    .send()
                    .await;
                match got {
                    Ok(object) => {
                        let bytes = object
                            .body
                            .collect()
                            .await
                            .with_context(|| format!("reading {at}"))?
                            .into_bytes();
                        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
                    }
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
                    Err(e) => {
                        Err(aws_sdk_s3::Error::from(e)).with_context(|| format!("reading {at}"))
                    }
                }
            }
        }
    }

    /// Stores `bytes` under `name` whole or not at all, and answers where.
    async fn write(&self, name: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
        let at = self.location(name);
        match self {
            Self::Folder(dir) => write_atomically(&dir.join(name), &bytes)?,
            Self::S3 {
                client,
                bucket,
                prefix,
            } => {
                let content_type = if name.ends_with(".ndjson") {
                    "application/x-ndjson"
                } else {
                    "text/plain"
                };
                client
                    .put_object()
                    .bucket(bucket)
                    .key(format!("{prefix}{name}"))
                    .content_type(content_type)
                    .body(bytes.into())
                    .send()
                    .await
                    .map_err(aws_sdk_s3::Error::from)
                    .with_context(|| format!("writing {at}"))?;
            }
        }
        Ok(at)
    }

    /// The end of the last hour exported here.
    pub async fn watermark(&self) -> anyhow::Result<Option<OffsetDateTime>> {
        match self.read(WATERMARK).await? {
            Some(text) => Ok(Some(
                OffsetDateTime::parse(text.trim(), &Rfc3339).with_context(|| {
                    format!("{} is not an RFC 3339 time", self.location(WATERMARK))
                })?,
            )),
            None => Ok(None),
        }
    }

    async fn set_watermark(&self, at: OffsetDateTime) -> anyhow::Result<()> {
        self.write(WATERMARK, at.format(&Rfc3339)?.into_bytes())
            .await
            .map(drop)
    }
}

fn hour_floor(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::from_hms(t.hour(), 0, 0).unwrap_or(Time::MIDNIGHT))
}

/// `YYYY-MM-DD/HH.ndjson`: the file of the hour starting at `hour`.
fn hour_name(hour: OffsetDateTime) -> String {
    let day = hour
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default();
    format!("{day}/{:02}.ndjson", hour.hour())
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
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
    out: &Destination,
    since: Option<OffsetDateTime>,
) -> anyhow::Result<Exported> {
    let mut done = Exported {
        watermark: out.watermark().await?,
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
        let quiet = lines.is_empty();
        if !quiet {
            done.files.push(out.write(&hour_name(hour), lines).await?);
        }
        out.set_watermark(next).await?;
        done.watermark = Some(next);
        hour = if quiet {
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
        out.set_watermark(end).await?;
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
