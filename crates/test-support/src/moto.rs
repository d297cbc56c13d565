//! `moto_server` on a loopback port, for the AWS code paths (Secrets Manager, ElastiCache…).

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

/// A running moto server, killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    pub endpoint: String,
    child: Child,
}

impl MotoServer {
    pub async fn start() -> Self {
        let port = crate::free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server not found: run tests through scripts/test, which installs moto");
        let endpoint = format!("http://127.0.0.1:{port}");
        let server = Self { endpoint, child };
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client
                .get(format!("{}/moto-api/", server.endpoint))
                .send()
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not start on port {port}");
    }

    /// An AWS SDK configuration pointing at this server with dummy credentials.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "moto",
            ))
            .load()
            .await
    }

    /// Environment variables that point an AWS SDK in a child process at this server.
    pub fn env(&self) -> [(&'static str, String); 4] {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ]
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
