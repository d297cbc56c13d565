//! `whoosh-bench parts`: where an authenticated request's microseconds go, and what the Lambda
//! packaging costs.
//!
//! In one run, on the same machine state:
//!
//! - the raw parts an authenticated `GET /api/profiles/me` uses, each alone, server CPU per
//!   operation at the same concurrency as the request: one RS256 verification of the request's
//!   token; one Redis round trip with the project's client (`whoosh_cache::Redis`, an `EXISTS`);
//!   one PostgreSQL query of the handler's shape with sqlx (the profile row by primary key);
//! - the full request over HTTP (the profiles Router as its binary serves it), server CPU per
//!   request, and "request ÷ sum of its parts";
//! - the Lambda adapter's own work: the same Router, one request at a time, over HTTP and
//!   through `lambda_http`'s adapter in process (event JSON parsed, converted, routed, response
//!   built and serialised: everything the runtime does but its HTTP calls to the Runtime API);
//! - the real `whoosh-profiles` bootstrap under the project's Lambda Runtime API emulator
//!   (`whoosh_test_support::RuntimeEmulator`), CPU per invocation of the process including the
//!   Runtime API calls, beside the same binary over HTTP one request at a time;
//! - each Lambda bootstrap's init time: process start → first invocation (`GET /healthz`)
//!   answered through the emulator, the median of `--cold-starts` starts, beside its zip size
//!   when `--lambda-dir` holds `scripts/lambda-build`'s zips (then the zipped bootstraps are the
//!   ones started).
//!
//! "Server CPU" is, in process, the utime + stime of the threads named like the server runtime's
//! (as in `ceilings`), and for a bootstrap the utime + stime of its process.

use crate::bootstrap::{alb_event, cold_starts, profiles_binary};
use crate::ceilings;
use crate::load;
use crate::server::{ServerRuntime, saturate, serve, server_cpu_secs, with_cpu};
use anyhow::{Context, ensure};
use serde_json::{Value, json};
use std::{path::PathBuf, process::Command, sync::Arc, time::Duration};

/// The Lambda binaries, as `scripts/lambda-build` names their folders.
pub const FUNCTIONS: [&str; 4] = [
    "whoosh-auth",
    "whoosh-matchmaking",
    "whoosh-profiles",
    "whoosh-economy",
];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long each stage is measured (after a 1 s warm-up).
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    /// Requests (and part operations) in flight at once in the saturated stages.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Cold starts per bootstrap (the median is reported).
    #[arg(long, default_value_t = 20)]
    cold_starts: usize,
    /// A Lambda bootstrap to start, as NAME=PATH (NAME one of whoosh-auth, whoosh-matchmaking,
    /// whoosh-profiles, whoosh-economy); repeatable. Ignored for a function whose zip is in
    /// --lambda-dir.
    #[arg(long = "bootstrap", value_parser = parse_bootstrap)]
    bootstraps: Vec<(String, PathBuf)>,
    /// `scripts/lambda-build`'s output (`<dir>/<function>/bootstrap.zip`): zip sizes, and the
    /// bootstraps to start.
    #[arg(long)]
    lambda_dir: Option<PathBuf>,
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, env = "REDIS_URL")]
    redis_url: String,
}

fn parse_bootstrap(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=PATH, got {s}"))?;
    if !FUNCTIONS.contains(&name) {
        return Err(format!("unknown function {name}; one of {FUNCTIONS:?}"));
    }
    Ok((name.to_owned(), PathBuf::from(path)))
}

pub async fn run(a: Args) -> anyhow::Result<Value> {
    let window = Duration::from_secs(a.seconds.max(1));
    let server = ServerRuntime::start()?;
    let server = server.get()?;
    let signed_in = ceilings::signed_in(server, &a.database_url, &a.redis_url).await?;
    let outcome = measure(server, &a, window, &signed_in).await;
    let _ = std::fs::remove_dir_all(&signed_in.dir);
    outcome
}

async fn measure(
    server: &tokio::runtime::Runtime,
    a: &Args,
    window: Duration,
    signed_in: &ceilings::SignedIn,
) -> anyhow::Result<Value> {
    let state = &signed_in.state;
    let c = a.concurrency;

    // The parts, each alone.
    let verify = {
        let (keyring, spec, token) = (
            state.keyring.clone(),
            state.tokens.clone(),
            signed_in.token.clone(),
        );
        on_server(server, c, window, move || {
            let verified = keyring.verify(&spec, &token, whoosh_auth::TokenKind::Access);
            async move { verified.map(|_| 200).map_err(|e| e.to_string()) }
        })
        .await?
    };
    eprintln!("parts: RS256 verify {verify}");
    let redis = {
        let (redis, key) = (
            state.redis.clone(),
            state
                .keys
                .revoked_session(&signed_in.user.to_string(), &signed_in.session.to_string()),
        );
        on_server(server, c, window, move || {
            let (mut redis, key) = (redis.clone(), key.clone());
            async move {
                redis::cmd("EXISTS")
                    .arg(key)
                    .query_async::<bool>(&mut redis)
                    .await
                    .map(|_| 200)
                    .map_err(|e| e.to_string())
            }
        })
        .await?
    };
    eprintln!("parts: Redis round trip {redis}");
    let postgres = {
        let (db, user) = (state.db.clone(), signed_in.user);
        on_server(server, c, window, move || {
            let db = db.clone();
            async move {
                sqlx::query_as::<_, (uuid::Uuid, String, Option<String>, Option<String>, i32, i64, i32, i32, time::OffsetDateTime)>(
                    "SELECT id, display_name, avatar_id, title_id, elo, xp, games_played, wins, created_at FROM users WHERE id = $1",
                )
                .bind(user)
                .fetch_optional(&db)
                .await
                .map(|row| if row.is_some() { 200 } else { 404 })
                .map_err(|e| e.to_string())
            }
        })
        .await?
    };
    eprintln!("parts: PostgreSQL query {postgres}");

    // The whole request.
    let app = whoosh_http::app(whoosh_lambda_profiles::service_routes(), state.clone());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(c)
        .timeout(Duration::from_secs(30))
        .build()?;
    let (base, stop) = serve(server, app.clone()).await?;
    let me = format!("{base}/api/profiles/me");
    let request = get_me(&http, &me, &signed_in.token, c, window).await?;
    eprintln!("parts: GET /api/profiles/me at concurrency {c} {request}");
    let one_at_a_time = get_me(&http, &me, &signed_in.token, 1, window).await?;
    eprintln!("parts: GET /api/profiles/me one at a time {one_at_a_time}");
    drop(stop);

    // The adapter in process, one invocation at a time.
    let event = alb_event("/api/profiles/me", Some(&signed_in.token)).to_string();
    let adapter = ceilings::through_adapter(app, event, window)?;
    eprintln!("parts: through the Lambda adapter {adapter}");

    let bootstraps = bootstraps(a)?;
    let profiles = match bootstraps
        .iter()
        .find(|(name, _, _)| name == "whoosh-profiles")
    {
        Some((_, path, _)) => profiles_binary(path, signed_in, window).await?,
        None => json!({"skipped": "no whoosh-profiles bootstrap given"}),
    };
    eprintln!("parts: the whoosh-profiles binary {profiles}");
    let mut functions = serde_json::Map::new();
    for (name, path, zip_bytes) in &bootstraps {
        let mut figures = cold_starts(name, path, signed_in, a.cold_starts).await;
        if let Value::Object(m) = &mut figures {
            m.insert("zip_bytes".into(), json!(zip_bytes));
            m.insert(
                "bootstrap_bytes".into(),
                json!(std::fs::metadata(path).map(|m| m.len()).ok()),
            );
            m.insert("from_zip".into(), json!(zip_bytes.is_some()));
        }
        eprintln!("parts: {name} {figures}");
        functions.insert(name.clone(), figures);
    }

    let us = |v: &Value| v["server_cpu_us_per_request"].as_f64();
    let parts_sum = match (us(&verify), us(&redis), us(&postgres)) {
        (Some(v), Some(r), Some(p)) => Some(crate::figures::round(v + r + p)),
        _ => None,
    };
    let runtime_api_us = match (
        profiles["under_emulator"]["cpu_us_per_invocation"].as_f64(),
        profiles["over_http_one_at_a_time"]["cpu_us_per_request"].as_f64(),
    ) {
        (Some(lambda), Some(http)) => Some(crate::figures::round(lambda - http)),
        _ => None,
    };
    Ok(json!({
        "concurrency": c,
        "seconds": a.seconds,
        "parts": {
            "rs256_verify": verify,
            "redis_round_trip": redis,
            "postgres_query": postgres,
            "sum_us": parts_sum,
        },
        "request": request,
        "request_over_parts": parts_sum.and_then(|sum| us(&request).map(|r| crate::figures::round(r / sum))),
        "one_at_a_time": {
            "over_http": one_at_a_time,
            "through_adapter": adapter,
            "adapter_over_http": ceilings::ratio(
                &adapter["server_cpu_us_per_request"],
                &one_at_a_time["server_cpu_us_per_request"],
            ),
        },
        "profiles_binary": profiles,
        "runtime_api_calls_us_per_invocation": runtime_api_us,
        "functions": functions,
    }))
}

/// `op` in a closed loop of `concurrency` tasks on the server runtime (after a 1 s warm-up):
/// its tally and the server threads' CPU per operation.
async fn on_server<F, Fut>(
    server: &tokio::runtime::Runtime,
    concurrency: usize,
    window: Duration,
    op: F,
) -> anyhow::Result<Value>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = load::Answer> + Send + 'static,
{
    server
        .spawn(async move {
            let op = Arc::new(op);
            load::closed_loop(concurrency, Duration::from_secs(1), op.clone()).await?;
            let cpu_before = server_cpu_secs()?;
            let (tally, elapsed) = load::closed_loop(concurrency, window, op).await?;
            let cpu = server_cpu_secs()? - cpu_before;
            anyhow::Ok(with_cpu(&tally, elapsed, cpu, concurrency))
        })
        .await?
}

async fn get_me(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    concurrency: usize,
    window: Duration,
) -> anyhow::Result<Value> {
    let (http, url, token) = (http.clone(), url.to_owned(), token.to_owned());
    saturate(
        concurrency,
        window,
        Arc::new(move || {
            let sent = http.get(&url).bearer_auth(&token).send();
            async move { load::answer(sent.await).await }
        }),
    )
    .await
}

/// The bootstraps to start: (function, path, zip size), from --lambda-dir's zips (extracted
/// into a folder of this run) or else --bootstrap.
fn bootstraps(a: &Args) -> anyhow::Result<Vec<(String, PathBuf, Option<u64>)>> {
    let mut found = Vec::new();
    for name in FUNCTIONS {
        let zip = a
            .lambda_dir
            .as_ref()
            .map(|dir| dir.join(name).join("bootstrap.zip"))
            .filter(|zip| zip.is_file());
        if let Some(zip) = zip {
            let into = std::env::temp_dir()
                .join(format!("whoosh-bench-parts-{}/{name}", std::process::id()));
            std::fs::create_dir_all(&into)?;
            let unzipped = Command::new("unzip")
                .args(["-o", "-q"])
                .arg(&zip)
                .arg("-d")
                .arg(&into)
                .status()
                .context("running unzip")?;
            ensure!(unzipped.success(), "unzip {} failed", zip.display());
            found.push((
                name.to_owned(),
                into.join("bootstrap"),
                Some(std::fs::metadata(&zip)?.len()),
            ));
        } else if let Some((_, path)) = a.bootstraps.iter().find(|(n, _)| n == name) {
            found.push((name.to_owned(), path.clone(), None));
        }
    }
    Ok(found)
}

/// The figures of this scenario (and of the login run's server CPU) for the report's
/// table of ratios.
pub(crate) fn ratios(
    parts: &Value,
    login: &Value,
    login_cpu: &Value,
    ceilings: &Value,
) -> Vec<crate::report::Ratio> {
    use crate::report::{Ratio, at, div, show};
    let request_us = at(parts, "request.server_cpu_us_per_request");
    let adapter_us = at(
        parts,
        "one_at_a_time.through_adapter.server_cpu_us_per_request",
    );
    let http_us = at(parts, "one_at_a_time.over_http.server_cpu_us_per_request");
    // Every login attempt of the run hashes once: the registration, the logins (and failures),
    // and the refused logins timed afterwards (two per pair).
    let hashes = match (at(login, "logins"), at(login, "errors")) {
        (Some(ok), Some(errors)) => Some(
            1.0 + ok + errors + 2.0 * at(login, "failed_login_ms.attempts_each").unwrap_or(0.0),
        ),
        _ => None,
    };
    let cpu_per_login_ms = div(at(login_cpu, "server_cpu_secs"), hashes).map(|s| s * 1000.0);
    let cpu_per_hash_ms = match (
        at(ceilings, "cores"),
        at(ceilings, "argon2id.hashes_per_sec"),
    ) {
        (Some(cores), Some(per_sec)) if per_sec > 0.0 => {
            Some(crate::figures::round(cores * 1000.0 / per_sec))
        }
        _ => None,
    };
    let functions: Vec<(&String, &Value)> = parts["functions"]
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    let largest_zip = functions
        .iter()
        .filter_map(|(_, f)| at(f, "zip_bytes"))
        .reduce(f64::max)
        .map(|b| crate::figures::round(b / 1_048_576.0));
    let slowest_init = functions
        .iter()
        .filter_map(|(_, f)| at(f, "init_ms.median"))
        .reduce(f64::max);
    vec![
        Ratio {
            name: "authenticated GET server CPU per request (µs)",
            value: request_us,
            target: "≤ 100",
            at_least: false,
            bound: 100.0,
            how: format!(
                "`GET /api/profiles/me` at concurrency {}",
                show(at(parts, "concurrency"))
            ),
        },
        Ratio {
            name: "authenticated GET ÷ the sum of its parts, server CPU",
            value: at(parts, "request_over_parts"),
            target: "≤ 1.5",
            at_least: false,
            bound: 1.5,
            how: format!(
                "{} µs ÷ ({} RS256 + {} Redis + {} PostgreSQL) µs",
                show(request_us),
                show(at(parts, "parts.rs256_verify.server_cpu_us_per_request")),
                show(at(
                    parts,
                    "parts.redis_round_trip.server_cpu_us_per_request"
                )),
                show(at(parts, "parts.postgres_query.server_cpu_us_per_request")),
            ),
        },
        Ratio {
            name: "Lambda adapter's own work ÷ HTTP, CPU per request one at a time",
            value: at(parts, "one_at_a_time.adapter_over_http"),
            target: "≤ 1.2",
            at_least: false,
            bound: 1.2,
            how: format!(
                "{} µs ÷ {} µs (Runtime API calls apart: {} µs per invocation)",
                show(adapter_us),
                show(http_us),
                show(at(parts, "runtime_api_calls_us_per_invocation"))
            ),
        },
        Ratio {
            name: "login server CPU ÷ one argon2id hash",
            value: div(cpu_per_login_ms, cpu_per_hash_ms),
            target: "≤ 1.1",
            at_least: false,
            bound: 1.1,
            how: format!(
                "{} ms per login attempt ÷ {} ms per hash",
                show(cpu_per_login_ms.map(crate::figures::round)),
                show(cpu_per_hash_ms)
            ),
        },
        Ratio {
            name: "largest Lambda zip (MiB)",
            value: largest_zip,
            target: "≤ 4",
            at_least: false,
            bound: 4.0,
            how: format!(
                "of {} functions",
                functions
                    .iter()
                    .filter(|(_, f)| at(f, "zip_bytes").is_some())
                    .count()
            ),
        },
        Ratio {
            name: "slowest Lambda median init (ms)",
            value: slowest_init,
            target: "≤ 30",
            at_least: false,
            bound: 30.0,
            how: format!(
                "process start → first invocation answered, median of {} cold starts",
                show(functions.first().and_then(|(_, f)| at(f, "cold_starts")))
            ),
        },
    ]
}

/// This scenario's tables for docs/BENCHMARKS.md.
pub(crate) fn render(parts: &Value) -> String {
    use crate::report::{at, show};
    use std::fmt::Write as _;
    let mut s = String::new();
    if parts.is_null() {
        return s;
    }
    let cell = |path: &str| show(at(parts, path));
    let _ = writeln!(
        s,
        "\n### An authenticated request and its parts (`whoosh-bench parts`)\n"
    );
    let _ = writeln!(
        s,
        "Server CPU per operation, each part alone at concurrency {} and then the whole \
         `GET /api/profiles/me`; the Lambda rows one request at a time.\n",
        cell("concurrency")
    );
    let _ = writeln!(s, "| figure | µs per operation | ops/s | p99 ms |");
    let _ = writeln!(s, "|---|---:|---:|---:|");
    let rows = [
        ("RS256 verification", "parts.rs256_verify"),
        (
            "one Redis round trip (`EXISTS`, the project's client)",
            "parts.redis_round_trip",
        ),
        (
            "one PostgreSQL query (the profile row, sqlx)",
            "parts.postgres_query",
        ),
        ("`GET /api/profiles/me` over HTTP", "request"),
        ("… over HTTP, one at a time", "one_at_a_time.over_http"),
        (
            "… through the Lambda adapter in process, one at a time",
            "one_at_a_time.through_adapter",
        ),
    ];
    for (name, path) in rows {
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} |",
            cell(&format!("{path}.server_cpu_us_per_request")),
            cell(&format!("{path}.ok_per_sec")),
            cell(&format!("{path}.latency_ms.p99")),
        );
    }
    let _ = writeln!(
        s,
        "| the `whoosh-profiles` bootstrap under the Runtime API emulator (process CPU) | {} | {} | {} |",
        cell("profiles_binary.under_emulator.cpu_us_per_invocation"),
        cell("profiles_binary.under_emulator.ok_per_sec"),
        cell("profiles_binary.under_emulator.latency_ms.p99"),
    );
    let _ = writeln!(
        s,
        "| … the same binary over HTTP, one at a time (process CPU) | {} | {} | {} |",
        cell("profiles_binary.over_http_one_at_a_time.cpu_us_per_request"),
        cell("profiles_binary.over_http_one_at_a_time.ok_per_sec"),
        cell("profiles_binary.over_http_one_at_a_time.latency_ms.p99"),
    );
    let _ = writeln!(
        s,
        "| sum of the three parts | {} | | |",
        cell("parts.sum_us")
    );
    let _ = writeln!(
        s,
        "| the Runtime API's calls, per invocation (emulator − HTTP) | {} | | |",
        cell("runtime_api_calls_us_per_invocation")
    );

    let _ = writeln!(s, "\n### Lambda functions\n");
    let _ = writeln!(
        s,
        "| function | `bootstrap.zip` | `bootstrap` | init ms, median (min–max) | cold starts | started from |"
    );
    let _ = writeln!(s, "|---|---:|---:|---|---:|---|");
    if let Some(functions) = parts["functions"].as_object() {
        for (name, f) in functions {
            let mib = |path: &str| {
                at(f, path)
                    .map_or_else(|| "—".to_owned(), |b| format!("{:.2} MiB", b / 1_048_576.0))
            };
            let _ = writeln!(
                s,
                "| `{name}` | {} | {} | {} ({}–{}){} | {} | {} |",
                mib("zip_bytes"),
                mib("bootstrap_bytes"),
                show(at(f, "init_ms.median")),
                show(at(f, "init_ms.min")),
                show(at(f, "init_ms.max")),
                f["error"]
                    .as_str()
                    .map(|e| format!(" error: {e}"))
                    .unwrap_or_default(),
                show(at(f, "cold_starts")),
                if f["from_zip"].as_bool() == Some(true) {
                    "the zip of `scripts/lambda-build`"
                } else {
                    "the bench profile's binary"
                },
            );
        }
    }
    s
}
