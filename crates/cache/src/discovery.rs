//! Finding the Redis endpoint on AWS: when no `REDIS_URL` is set but an ElastiCache replication
//! group id is, ask ElastiCache (DescribeReplicationGroups) for the group's endpoint.

use crate::RedisMode;

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("DescribeReplicationGroups for {group:?} failed: {message}")]
    Describe { group: String, message: String },
    #[error("replication group {0:?} not found")]
    NotFound(String),
    #[error("replication group {0:?} has no endpoint yet (is it still creating?)")]
    NoEndpoint(String),
}

/// The URL and mode to connect with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub mode: RedisMode,
}

/// Looks the replication group up. Cluster-mode groups answer with their configuration endpoint;
/// others with the primary endpoint of their single node group. TLS (`rediss://`) follows the
/// group's transit-encryption setting.
pub async fn discover(
    sdk: &aws_config::SdkConfig,
    group_id: &str,
) -> Result<Endpoint, DiscoveryError> {
    let client = aws_sdk_elasticache::Client::new(sdk);
    let out = client
        .describe_replication_groups()
        .replication_group_id(group_id)
        .send()
        .await
        .map_err(|e| DiscoveryError::Describe {
            group: group_id.to_owned(),
            message: aws_sdk_elasticache::error::DisplayErrorContext(e).to_string(),
        })?;
    let group = out
        .replication_groups()
        .first()
        .ok_or_else(|| DiscoveryError::NotFound(group_id.to_owned()))?;
    let tls = group.transit_encryption_enabled().unwrap_or(false);
    let scheme = if tls { "rediss" } else { "redis" };
    let (endpoint, mode) = match group.configuration_endpoint() {
        Some(config) => (config, RedisMode::Cluster),
        None => {
            let primary = group
                .node_groups()
                .first()
                .and_then(|ng| ng.primary_endpoint());
            (
                primary.ok_or_else(|| DiscoveryError::NoEndpoint(group_id.to_owned()))?,
                RedisMode::Single,
            )
        }
    };
    let address = endpoint
        .address()
        .ok_or_else(|| DiscoveryError::NoEndpoint(group_id.to_owned()))?;
    let port = endpoint.port().unwrap_or(6379);
    Ok(Endpoint {
        url: format!("{scheme}://{address}:{port}"),
        mode,
    })
}
