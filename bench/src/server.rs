//! The server side of an in-process measurement: a runtime of its own whose threads are named
//! [`SERVER_THREAD`], those threads' CPU, a Router served on loopback, and a closed-loop run
//! against it with the server's CPU per request.

use crate::client::stat_cpu_secs;
use crate::load::{self, Tally};
use anyhow::Context;
use serde_json::{Value, json};
use std::{sync::Arc, time::Duration};

/// The name of the server runtime's threads (at most 15 bytes: Linux truncates `comm`).
pub(crate) const SERVER_THREAD: &str = "bench-server";

/// The servers' runtime, shut down in the background when dropped (a runtime may not be
/// dropped, blocking, from the asynchronous context the scenario runs in).
pub(crate) struct ServerRuntime(pub(crate) Option<tokio::runtime::Runtime>);

impl ServerRuntime {
    /// One worker thread per core, named [`SERVER_THREAD`].
    pub(crate) fn start() -> anyhow::Result<Self> {
        Ok(Self(Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(crate::figures::cores())
                .thread_name(SERVER_THREAD)
                .enable_all()
                .build()?,
        )))
    }

    pub(crate) fn get(&self) -> anyhow::Result<&tokio::runtime::Runtime> {
        self.0.as_ref().context("the server runtime is gone")
    }
}

impl Drop for ServerRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// utime + stime of this process's threads named [`SERVER_THREAD`], in seconds.
pub(crate) fn server_cpu_secs() -> anyhow::Result<f64> {
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task")? {
        let dir = task?.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim_end() == SERVER_THREAD {
            // A thread may end between the listing and the read: it then counts as nothing.
            total += stat_cpu_secs(&dir.join("stat").to_string_lossy()).unwrap_or(0.0);
        }
    }
    Ok(total)
}

/// Serves `app` on a loopback port of the server runtime until `stop` is dropped.
pub(crate) async fn serve(
    server: &tokio::runtime::Runtime,
    app: axum::Router,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let listener = server
        .spawn(async { tokio::net::TcpListener::bind("127.0.0.1:0").await })
        .await??;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    server.spawn(whoosh_http::serve_http(
        listener,
        app,
        whoosh_http::ConnTimeouts {
            header: Duration::from_secs(10),
            write_stall: Duration::from_secs(30),
        },
        async {
            let _ = stopped.await;
        },
    ));
    Ok((format!("http://{addr}"), stop))
}

/// A closed-loop run of `request` against a server of this process (after a 1 s warm-up that
/// opens the connections and fills the caches): its tally plus the server threads' CPU per
/// successful request.
pub(crate) async fn saturate<F, Fut>(
    concurrency: usize,
    window: Duration,
    request: Arc<F>,
) -> anyhow::Result<Value>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = load::Answer> + Send + 'static,
{
    load::closed_loop(concurrency, Duration::from_secs(1), request.clone()).await?;
    let cpu_before = server_cpu_secs()?;
    let (tally, elapsed) = load::closed_loop(concurrency, window, request).await?;
    let cpu = server_cpu_secs()? - cpu_before;
    Ok(with_cpu(&tally, elapsed, cpu, concurrency))
}

pub(crate) fn with_cpu(tally: &Tally, elapsed: f64, cpu: f64, concurrency: usize) -> Value {
    let mut v = tally.to_json(elapsed);
    let ok = tally.histogram.len().max(1) as f64;
    if let Value::Object(m) = &mut v {
        m.insert("concurrency".into(), json!(concurrency));
        m.insert("seconds".into(), json!(crate::figures::round(elapsed)));
        m.insert("server_cpu_secs".into(), json!(crate::figures::round(cpu)));
        m.insert(
            "server_cpu_us_per_request".into(),
            json!(crate::figures::round(cpu * 1e6 / ok)),
        );
        m.insert(
            "server_cores_busy".into(),
            json!(crate::figures::round(cpu / elapsed.max(1e-9))),
        );
    }
    v
}
