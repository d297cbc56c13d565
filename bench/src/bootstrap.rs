//! A Lambda bootstrap as a process of this run: started under the Runtime API emulator
//! (`whoosh_test_support::RuntimeEmulator`) or over HTTP, invoked, its process CPU per request,
//! and its init time from process start to the first answered invocation.

use crate::ceilings;
use crate::client::cpu_secs;
use crate::load::{self, Tally};
use anyhow::{Context, ensure};
use serde_json::{Value, json};
use std::{
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};
use whoosh_test_support::RuntimeEmulator;

/// An ALB event for `GET path` with a bearer token (as `ceilings` sends, at another path).
pub(crate) fn alb_event(path: &str, token: Option<&str>) -> Value {
    let mut event = ceilings::alb_event(token.unwrap_or_default());
    event["path"] = json!(path);
    if token.is_none() {
        if let Some(headers) = event["headers"].as_object_mut() {
            headers.remove("authorization");
        }
    }
    event
}

/// A service binary of this run's setup, killed when dropped.
struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(
    name: &str,
    path: &Path,
    signed_in: &ceilings::SignedIn,
    extra: &[(&str, String)],
) -> anyhow::Result<Function> {
    let mut cmd = Command::new(path);
    cmd.env_clear()
        .envs(signed_in.vars.iter().cloned())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/12/04/[$LATEST]0123456789abcdef",
        )
        .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(Function(
        cmd.spawn()
            .with_context(|| format!("starting {}", path.display()))?,
    ))
}

/// Answers `event` through `emulator`, within 10 s.
async fn invoke(emulator: &RuntimeEmulator, event: &Value) -> anyhow::Result<u16> {
    let answer = tokio::time::timeout(Duration::from_secs(10), emulator.invoke(event.clone()))
        .await
        .context("no answer within 10 s")?
        .map_err(|e| anyhow::anyhow!("the function reported an error: {e}"))?;
    answer["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .context("no statusCode in the answer")
}

/// The whoosh-profiles binary answering `GET /api/profiles/me`: under the emulator, one
/// invocation after another, and over HTTP, one request at a time; its process's CPU per request.
pub(crate) async fn profiles_binary(
    path: &Path,
    signed_in: &ceilings::SignedIn,
    window: Duration,
) -> anyhow::Result<Value> {
    let event = alb_event("/api/profiles/me", Some(&signed_in.token));
    let emulator = RuntimeEmulator::start().await;
    let function = start(
        "whoosh-profiles",
        path,
        signed_in,
        &[("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())],
    )?;
    let pid = function.0.id();
    let warm_until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < warm_until {
        invoke(&emulator, &event).await?;
    }
    let mut tally = Tally::new()?;
    let cpu_before = cpu_secs(pid)?;
    let started = Instant::now();
    while started.elapsed() < window {
        let sent = Instant::now();
        match invoke(&emulator, &event).await {
            Ok(status) if (200..300).contains(&status) => {
                tally
                    .histogram
                    .record(sent.elapsed().as_micros() as u64)
                    .ok();
            }
            Ok(status) => *tally.errors.entry(status.to_string()).or_default() += 1,
            Err(why) => *tally.errors.entry(why.to_string()).or_default() += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid)? - cpu_before;
    drop(function);
    let under_emulator = per_request(&tally, elapsed, cpu, "cpu_us_per_invocation");

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let function = start(
        "whoosh-profiles",
        path,
        signed_in,
        &[("WHOOSH_BIND", format!("127.0.0.1:{port}"))],
    )?;
    let pid = function.0.id();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let ready_by = Instant::now() + Duration::from_secs(10);
    while !http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        ensure!(
            Instant::now() < ready_by,
            "{} did not listen within 10 s",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (client, url, token) = (
        http.clone(),
        format!("{base}/api/profiles/me"),
        signed_in.token.clone(),
    );
    let request = Arc::new(move || {
        let sent = client.get(&url).bearer_auth(&token).send();
        async move { load::answer(sent.await).await }
    });
    load::closed_loop(1, Duration::from_secs(1), request.clone()).await?;
    let cpu_before = cpu_secs(pid)?;
    let (tally, elapsed) = load::closed_loop(1, window, request).await?;
    let cpu = cpu_secs(pid)? - cpu_before;
    drop(function);
    let over_http = per_request(&tally, elapsed, cpu, "cpu_us_per_request");
    Ok(json!({
        "under_emulator": under_emulator,
        "over_http_one_at_a_time": over_http,
    }))
}

fn per_request(tally: &Tally, elapsed: f64, cpu: f64, name: &str) -> Value {
    let mut v = tally.to_json(elapsed);
    let ok = tally.histogram.len().max(1) as f64;
    if let Value::Object(m) = &mut v {
        m.insert("process_cpu_secs".into(), json!(crate::figures::round(cpu)));
        m.insert(name.into(), json!(crate::figures::round(cpu * 1e6 / ok)));
    }
    v
}

/// Init time of a bootstrap: process start → its first invocation (`GET /healthz`) answered
/// through a fresh emulator, `n` times; median, min and max in ms.
pub(crate) async fn cold_starts(
    name: &str,
    path: &Path,
    signed_in: &ceilings::SignedIn,
    n: usize,
) -> Value {
    let event = alb_event("/healthz", None);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let emulator = RuntimeEmulator::start().await;
        let started = Instant::now();
        let function = match start(
            name,
            path,
            signed_in,
            &[("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())],
        ) {
            Ok(function) => function,
            Err(e) => return json!({"error": e.to_string()}),
        };
        match invoke(&emulator, &event).await {
            Ok(200) => times.push(started.elapsed().as_secs_f64() * 1000.0),
            Ok(status) => return json!({"error": format!("GET /healthz answered {status}")}),
            Err(e) => return json!({"error": e.to_string()}),
        }
        drop(function);
    }
    times.sort_by(f64::total_cmp);
    json!({
        "cold_starts": times.len(),
        "init_ms": {
            "median": crate::figures::round(times[times.len() / 2]),
            "min": crate::figures::round(times[0]),
            "max": crate::figures::round(times[times.len() - 1]),
        },
    })
}
