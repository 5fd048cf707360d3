//! A TCP proxy on 127.0.0.1 that makes a loopback link look like a real one: every chunk of
//! bytes, in both directions, is held back by a delay that wanders between 50 and 150 ms
//! (a slow sine over ten seconds) plus a jitter of ±20 ms, without ever overtaking the chunk
//! before it (TCP keeps order, so a late chunk holds up the ones behind it).
//!
//! A browser that loads the page from the proxy's address opens its WebSocket through it too.

use std::f64::consts::TAU;
use std::net::SocketAddr;
use std::time::Duration;

use rand::Rng as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const BASE_DELAY_MS: f64 = 100.0;
const DELAY_SWING_MS: f64 = 50.0;
const DELAY_PERIOD_S: f64 = 10.0;
const JITTER_MS: f64 = 20.0;

/// The proxy; stops accepting and drops every link when dropped.
pub struct LaggyProxy {
    pub addr: SocketAddr,
    acceptor: JoinHandle<()>,
}

impl LaggyProxy {
    /// Listens on 127.0.0.1:0 and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> LaggyProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the proxy binds a local port");
        let addr = listener.local_addr().expect("the proxy's address");
        let started = Instant::now();
        let acceptor = tokio::spawn(async move {
            let mut links = Vec::new();
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                links.push(AbortOnDrop(tokio::spawn(forward(
                    client_read,
                    server_write,
                    started,
                ))));
                links.push(AbortOnDrop(tokio::spawn(forward(
                    server_read,
                    client_write,
                    started,
                ))));
            }
        });
        LaggyProxy { addr, acceptor }
    }

    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for LaggyProxy {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The one-way delay of a chunk read `elapsed` after the proxy started.
fn delay_at(elapsed: Duration) -> Duration {
    let phase = elapsed.as_secs_f64() / DELAY_PERIOD_S * TAU;
    let jitter = rand::rng().random_range(-JITTER_MS..=JITTER_MS);
    let ms = BASE_DELAY_MS + DELAY_SWING_MS * phase.sin() + jitter;
    Duration::from_secs_f64(ms.max(0.0) / 1000.0)
}

/// Copies `from` to `to`, each chunk delivered at its own time but never before the one
/// ahead of it; ends both ways when either side closes.
async fn forward(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, started: Instant) {
    let (chunks, mut queued) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = queued.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let _writer = AbortOnDrop(writer);
    let mut last_due = Instant::now();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let now = Instant::now();
                let due = (now + delay_at(now - started)).max(last_due);
                last_due = due;
                if chunks.send((due, buffer[..n].to_vec())).is_err() {
                    break;
                }
            }
        }
    }
    drop(chunks);
    // Let what is queued go out before the other side hears of the end.
    tokio::time::sleep_until(last_due + Duration::from_millis(1)).await;
}
