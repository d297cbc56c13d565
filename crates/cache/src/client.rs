//! A Redis connection that is either a single node (with automatic reconnects) or a cluster.
//! Both are cheap to clone and multiplex every command over shared connections.

use redis::{
    Cmd, Pipeline, RedisFuture, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterClient,
    cluster_async::ClusterConnection,
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// Whether the server is one node (or a primary with replicas behind one endpoint) or a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisMode {
    Single,
    Cluster,
}

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// The shared Redis handle of a process. Built once at start; cheap to clone.
///
/// Every command has a deadline, and a failed connection trips a short circuit breaker: while
/// it is open, commands fail at once instead of each waiting on a dead server, so callers'
/// fallbacks (PostgreSQL reads, fail-open limits) stay fast during an outage.
#[derive(Clone)]
pub struct Redis {
    conn: Connection,
    /// How long one command may take (`REDIS_COMMAND_TIMEOUT`).
    command_timeout: Duration,
    /// Milliseconds since the Unix epoch until which commands fail fast.
    open_until_ms: Arc<AtomicU64>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.conn {
            Connection::Single(_) => "Redis::Single",
            Connection::Cluster(_) => "Redis::Cluster",
        })
    }
}

/// How long the breaker stays open after a connection failure.
pub const BREAKER_OPEN: Duration = Duration::from_secs(1);

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn unavailable(detail: &'static str) -> redis::RedisError {
    redis::RedisError::from((
        redis::ErrorKind::IoError,
        "Redis unavailable",
        detail.to_owned(),
    ))
}

/// How long one command may take before it fails, unless configured otherwise
/// (`REDIS_COMMAND_TIMEOUT`), so that a dead or silent Redis turns into a fast error that callers
/// can fall back from, not a hung request. Healthy commands take about a millisecond.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const INITIAL_CONNECT_DEADLINE: Duration = Duration::from_secs(5);

impl Redis {
    /// Connects to `url` (`redis://` or `rediss://` for TLS). In cluster mode the URL is any node
    /// or the ElastiCache configuration endpoint; the rest of the cluster is discovered.
    pub async fn connect(url: &str, mode: RedisMode) -> redis::RedisResult<Self> {
        Self::connect_with(url, mode, COMMAND_TIMEOUT).await
    }

    /// [`Self::connect`] with `command_timeout` as the deadline of every command.
    pub async fn connect_with(
        url: &str,
        mode: RedisMode,
        command_timeout: Duration,
    ) -> redis::RedisResult<Self> {
        // The client libraries retry a refused first connection with backoff for a long time;
        // at start we want a prompt, clear failure instead.
        tokio::time::timeout(
            INITIAL_CONNECT_DEADLINE,
            Self::open(url, mode, command_timeout),
        )
        .await
        .map_err(|_| {
            redis::RedisError::from((
                redis::ErrorKind::IoError,
                "no connection to Redis",
                format!("gave up after {INITIAL_CONNECT_DEADLINE:?}"),
            ))
        })?
    }

    async fn open(
        url: &str,
        mode: RedisMode,
        command_timeout: Duration,
    ) -> redis::RedisResult<Self> {
        match mode {
            RedisMode::Single => {
                let client = redis::Client::open(url)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(CONNECT_TIMEOUT)
                    .set_response_timeout(command_timeout)
                    .set_number_of_retries(2);
                Ok(Self::wrap(
                    Connection::Single(ConnectionManager::new_with_config(client, config).await?),
                    command_timeout,
                ))
            }
            RedisMode::Cluster => {
                let client = ClusterClient::builder(vec![url])
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(command_timeout)
                    .build()?;
                Ok(Self::wrap(
                    Connection::Cluster(client.get_async_connection().await?),
                    command_timeout,
                ))
            }
        }
    }

    fn wrap(conn: Connection, command_timeout: Duration) -> Self {
        Self {
            conn,
            command_timeout,
            open_until_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Runs one command or pipeline under the deadline and the breaker.
    fn guarded<'a, T: Send + 'a>(
        &'a mut self,
        call: impl FnOnce(&'a mut Connection) -> RedisFuture<'a, T> + Send + 'a,
    ) -> RedisFuture<'a, T> {
        let breaker = self.open_until_ms.clone();
        let deadline = self.command_timeout;
        Box::pin(async move {
            if breaker.load(Ordering::Relaxed) > now_ms() {
                return Err(unavailable("circuit breaker open after a recent failure"));
            }
            let outcome = match tokio::time::timeout(deadline, call(&mut self.conn)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(unavailable("command timed out")),
            };
            if let Err(e) = &outcome {
                if e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                {
                    breaker.store(
                        now_ms() + BREAKER_OPEN.as_millis() as u64,
                        Ordering::Relaxed,
                    );
                }
            }
            outcome
        })
    }

    /// Readiness probe.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut conn = self.clone();
        redis::cmd("PING").query_async::<()>(&mut conn).await
    }
}

impl ConnectionLike for Redis {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.guarded(move |conn| match conn {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        self.guarded(move |conn| match conn {
            Connection::Single(c) => c.req_packed_commands(cmd, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        })
    }

    fn get_db(&self) -> i64 {
        match &self.conn {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}
