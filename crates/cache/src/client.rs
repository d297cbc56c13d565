//! A Redis connection that is either a single node (with automatic reconnects) or a cluster.
//! Both are cheap to clone and multiplex every command over shared connections.

use redis::{
    Cmd, Pipeline, RedisFuture, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterClient,
    cluster_async::ClusterConnection,
};
use std::time::Duration;

/// Whether the server is one node (or a primary with replicas behind one endpoint) or a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisMode {
    Single,
    Cluster,
}

/// The shared Redis handle of a process. Built once at start.
#[derive(Clone)]
pub enum Redis {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Redis::Single(_) => "Redis::Single",
            Redis::Cluster(_) => "Redis::Cluster",
        })
    }
}

/// How long one command may take before it fails (so a dead Redis turns into a fast error that
/// callers can fall back from, not a hung request).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const INITIAL_CONNECT_DEADLINE: Duration = Duration::from_secs(5);

impl Redis {
    /// Connects to `url` (`redis://` or `rediss://` for TLS). In cluster mode the URL is any node
    /// or the ElastiCache configuration endpoint; the rest of the cluster is discovered.
    pub async fn connect(url: &str, mode: RedisMode) -> redis::RedisResult<Self> {
        // The client libraries retry a refused first connection with backoff for a long time;
        // at start we want a prompt, clear failure instead.
        tokio::time::timeout(INITIAL_CONNECT_DEADLINE, Self::open(url, mode))
            .await
            .map_err(|_| {
                redis::RedisError::from((
                    redis::ErrorKind::IoError,
                    "no connection to Redis",
                    format!("gave up after {INITIAL_CONNECT_DEADLINE:?}"),
                ))
            })?
    }

    async fn open(url: &str, mode: RedisMode) -> redis::RedisResult<Self> {
        match mode {
            RedisMode::Single => {
                let client = redis::Client::open(url)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(CONNECT_TIMEOUT)
                    .set_response_timeout(COMMAND_TIMEOUT)
                    .set_number_of_retries(2);
                Ok(Self::Single(
                    ConnectionManager::new_with_config(client, config).await?,
                ))
            }
            RedisMode::Cluster => {
                let client = ClusterClient::builder(vec![url])
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(COMMAND_TIMEOUT)
                    .build()?;
                Ok(Self::Cluster(client.get_async_connection().await?))
            }
        }
    }

    /// Readiness probe.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut conn = self.clone();
        redis::cmd("PING").query_async::<()>(&mut conn).await
    }
}

impl ConnectionLike for Redis {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Redis::Single(c) => c.req_packed_command(cmd),
            Redis::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Redis::Single(c) => c.req_packed_commands(cmd, offset, count),
            Redis::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Redis::Single(c) => c.get_db(),
            Redis::Cluster(c) => c.get_db(),
        }
    }
}
