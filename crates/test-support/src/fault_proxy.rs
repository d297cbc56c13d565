//! A TCP proxy on loopback, placed between a service and its PostgreSQL or Redis, that a test
//! switches at run time to misbehave like a bad network:
//!
//! - [`Fault::Pass`]: bytes flow both ways untouched;
//! - [`Fault::Latency`]: every chunk waits the given time before it is forwarded;
//! - [`Fault::Drop`]: every open connection is closed (FIN), and new ones are closed on accept;
//! - [`Fault::Reset`]: the same with a TCP reset (`SO_LINGER` 0), as when a middlebox or a
//!   failed-over server forgets the connection;
//! - [`Fault::Blackhole`]: connections are accepted and kept, but nothing is forwarded or
//!   answered, as when packets vanish. Held bytes flow again once the fault is lifted, as TCP
//!   would retransmit them.
//!
//! The proxy only ever listens on and connects to loopback addresses.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::{JoinHandle, JoinSet},
};

/// How the proxy treats traffic, switchable at any time with [`FaultProxy::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    Latency(Duration),
    Drop,
    Reset,
    Blackhole,
}

impl Fault {
    fn kills(self) -> bool {
        matches!(self, Self::Drop | Self::Reset)
    }
}

/// A running proxy; stops (closing every connection) when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    upstream: SocketAddr,
    fault: watch::Sender<Fault>,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream` (a loopback address).
    pub async fn start(upstream: SocketAddr) -> Self {
        assert!(
            upstream.ip().is_loopback(),
            "the fault proxy only forwards to loopback"
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (fault, watcher) = watch::channel(Fault::Pass);
        let accepted = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(accept_loop(listener, upstream, watcher, accepted.clone()));
        Self {
            addr,
            upstream,
            fault,
            accepted,
            task,
        }
    }

    /// Starts a proxy in front of the server a `postgres://` or `redis://` URL names.
    pub async fn in_front_of(url: &str) -> Self {
        let authority = authority(url);
        let upstream = tokio::net::lookup_host(authority)
            .await
            .unwrap()
            .find(|a| a.ip().is_loopback())
            .unwrap_or_else(|| panic!("{authority} is not a loopback address"));
        Self::start(upstream).await
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn reroute(&self, url: &str) -> String {
        url.replacen(authority(url), &self.addr.to_string(), 1)
    }

    /// Switches the fault; connections already open follow at once.
    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    /// The fault in force.
    pub fn fault(&self) -> Fault {
        *self.fault.borrow()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The server behind the proxy.
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The `host:port` part of a URL (after any `user@`, before the path or query).
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let hostport = &rest[..end];
    hostport.rsplit_once('@').map_or(hostport, |(_, h)| h)
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    watcher: watch::Receiver<Fault>,
    accepted: Arc<AtomicUsize>,
) {
    // Aborting this task drops the set, which aborts every connection task.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            incoming = listener.accept() => {
                let Ok((client, _)) = incoming else { continue };
                accepted.fetch_add(1, Ordering::SeqCst);
                connections.spawn(connection(client, upstream, watcher.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

fn close(stream: TcpStream, fault: Fault) {
    if fault == Fault::Reset {
        // Closing with a zero linger sends RST instead of FIN.
        let _ = stream.set_zero_linger();
    }
    drop(stream);
}

async fn connection(client: TcpStream, upstream: SocketAddr, mut watcher: watch::Receiver<Fault>) {
    // A blackhole swallows the handshake too: wait until it is lifted before going on.
    let fault = watcher
        .wait_for(|f| *f != Fault::Blackhole)
        .await
        .map_or(Fault::Drop, |f| *f);
    if fault.kills() {
        close(client, fault);
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        close(client, Fault::Reset);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client, mut server) = (client, server);
    let ending = {
        let (mut client_read, mut client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        tokio::select! {
            end = pump(&mut client_read, &mut server_write, watcher.clone()) => end,
            end = pump(&mut server_read, &mut client_write, watcher.clone()) => end,
            killed = watcher.wait_for(|f| f.kills()) => killed.map_or(Fault::Drop, |f| *f),
        }
    };
    close(client, ending);
    close(server, ending);
}

/// Copies one direction under the fault in force; returns how the connection should end.
async fn pump(
    from: &mut tokio::net::tcp::ReadHalf<'_>,
    to: &mut tokio::net::tcp::WriteHalf<'_>,
    mut watcher: watch::Receiver<Fault>,
) -> Fault {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return Fault::Drop,
            Ok(n) => n,
        };
        loop {
            let fault = *watcher.borrow_and_update();
            match fault {
                Fault::Pass => break,
                Fault::Latency(delay) => {
                    tokio::time::sleep(delay).await;
                    break;
                }
                Fault::Blackhole => {
                    if watcher.changed().await.is_err() {
                        return Fault::Drop;
                    }
                }
                Fault::Drop | Fault::Reset => return fault,
            }
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return Fault::Drop;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_is_found_in_urls() {
        assert_eq!(
            authority("postgres://postgres@127.0.0.1:5432/db?x=1"),
            "127.0.0.1:5432"
        );
        assert_eq!(authority("redis://127.0.0.1:6379"), "127.0.0.1:6379");
        assert_eq!(authority("redis://:pw@127.0.0.1:6379/0"), "127.0.0.1:6379");
    }

    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = socket.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    async fn round_trip(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        stream.write_all(bytes).await?;
        let mut got = vec![0u8; bytes.len()];
        stream.read_exact(&mut got).await?;
        Ok(got)
    }

    #[tokio::test]
    async fn passes_then_drops_resets_and_blackholes_on_command() {
        let proxy = FaultProxy::start(echo_server().await).await;
        let mut a = TcpStream::connect(proxy.addr).await.unwrap();
        assert_eq!(round_trip(&mut a, b"hello").await.unwrap(), b"hello");

        proxy.set(Fault::Latency(Duration::from_millis(50)));
        assert_eq!(round_trip(&mut a, b"slow").await.unwrap(), b"slow");

        // A blackhole holds the bytes; lifting it lets them through on the same connection.
        proxy.set(Fault::Blackhole);
        a.write_all(b"held").await.unwrap();
        let mut got = [0u8; 4];
        let waited = tokio::time::timeout(Duration::from_millis(300), a.read_exact(&mut got)).await;
        assert!(waited.is_err(), "nothing comes back through a blackhole");
        proxy.set(Fault::Pass);
        a.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"held");

        // Drop closes the open connection with a FIN: the reader sees end of stream.
        proxy.set(Fault::Drop);
        let mut rest = Vec::new();
        let read = a.read_to_end(&mut rest).await;
        assert!(matches!(read, Ok(0)), "{read:?}");

        // Reset closes with RST: the reader sees a connection reset.
        proxy.set(Fault::Pass);
        let mut b = TcpStream::connect(proxy.addr).await.unwrap();
        assert_eq!(round_trip(&mut b, b"again").await.unwrap(), b"again");
        proxy.set(Fault::Reset);
        let mut one = [0u8; 1];
        let read = b.read(&mut one).await;
        assert!(
            matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
            "{read:?}"
        );
        assert_eq!(proxy.accepted(), 2);
    }
}
