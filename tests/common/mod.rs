//! Shared helpers of the end-to-end tests: a real server on 127.0.0.1:0, connected bot clients,
//! a minimal HTTP GET, and bounded waiting on conditions.
#![allow(dead_code)] // each test binary uses its own subset of these helpers

pub mod cluster;
pub mod proxy;
pub mod raw;
pub mod redis;

use std::time::Duration;

use skirmish::bot::{BotClient, BotError, GameClient};
use skirmish::config::Config;
use skirmish::game::arena::{Arena, ArenaEvent};
use skirmish::protocol::{GameWire, ServerMsg, Slot, Snapshot};
use skirmish::startup::{self, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `(killer, victim)` when `msg` is an arena kill.
pub fn kill_of(msg: &ServerMsg) -> Option<(Slot, Slot)> {
    let ServerMsg::GameEvent { event, .. } = msg else {
        return None;
    };
    let ArenaEvent::Kill { killer, victim, .. } = Arena::decode_event(event).ok()?;
    Some((killer, victim))
}

/// How long any single expectation in a test may take before it counts as failed.
pub const WAIT: Duration = Duration::from_secs(10);

/// Test defaults: a free port, short grace periods for empty rooms and dropped players, the map
/// without cover (so that shots in tests are not blocked by walls), no per-IP connection or room limits (every test client
/// comes from 127.0.0.1; the limits have tests of their own).
pub fn test_config() -> Config {
    Config {
        port: 0,
        admin_bind: "127.0.0.1:0".parse().expect("an address"),
        empty_room_grace_ms: 300,
        reconnect_grace_ms: 300,
        map: "maps/open.json".into(),
        room_threads: 1,
        http_workers: 1,
        max_connections_per_ip: 0,
        new_connections_per_ip: 0,
        // Rooms of people only, so that tests count what they expect; tests/room_bots.rs
        // tests the bots with the default fill.
        bot_fill: 0,
        rooms_per_ip: 1_000_000,
        data_dir: scratch_dir("data"),
        ..Config::defaults()
    }
}

/// A new empty directory under the system's temporary directory, for one test's files.
pub fn scratch_dir(what: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("skirmish-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn spawn_app() -> RunningServer {
    spawn_app_with(test_config())
}

pub fn spawn_app_with(config: Config) -> RunningServer {
    init_logging();
    startup::spawn(config).expect("the server starts")
}

/// Server logs in test output (shown for failing tests, or all with `--nocapture`).
pub fn init_logging() {
    let _ = env_logger::builder().is_test(true).try_init();
}

pub async fn connect(app: &RunningServer, name: &str) -> BotClient {
    BotClient::connect(&app.ws_url(), name)
        .await
        .expect("connects and is welcomed")
}

/// The code of the next `Error` the server sends (skipping anything else).
pub async fn next_error<G: GameWire>(client: &mut GameClient<G>) -> (u16, String) {
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Error { code, message } => Some((*code, message.clone())),
            _ => None,
        })
        .await
        .expect("an Error message")
}

/// The next snapshot the server sends (skipping anything else; the tracked room state still
/// follows every message).
pub async fn next_snapshot(client: &mut BotClient) -> Snapshot {
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Snapshot(s) => Some(s.clone()),
            _ => None,
        })
        .await
        .expect("a snapshot")
}

/// Waits until the room announces that the player in `slot` left (skipping anything else).
pub async fn player_left(client: &mut BotClient, slot: Slot) {
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerLeft { slot: left } if *left == slot => Some(()),
            _ => None,
        })
        .await
        .unwrap_or_else(|e| panic!("no PlayerLeft for slot {slot}: {e}"));
}

/// Reads on until the server closes the connection; returns the close code.
pub async fn close_code(client: &mut BotClient) -> u16 {
    close_frame(client).await.0
}

/// Reads on until the server closes the connection; returns the close code and reason.
pub async fn close_frame(client: &mut BotClient) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, client.recv()).await {
            Err(_) => panic!("the server did not close the connection within {WAIT:?}"),
            Ok(Err(BotError::Closed { code, reason })) => return (code, reason),
            Ok(Err(other)) => panic!("expected a close, got {other}"),
            Ok(Ok(_)) => continue,
        }
    }
}

/// The reason of the next `RoomClosed` (skipping anything else).
pub async fn room_closed(client: &mut BotClient) -> String {
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::RoomClosed { reason } => Some(reason.clone()),
            _ => None,
        })
        .await
        .expect("a RoomClosed message")
}

/// GET `path` from the players' port over plain HTTP/1.1; returns the status code and the body.
pub async fn http_get(app: &RunningServer, path: &str) -> (u16, String) {
    http_get_at(app.addr, path, &[]).await
}

/// GET `path` from the operator's port (`--admin-bind`).
pub async fn admin_get(app: &RunningServer, path: &str) -> (u16, String) {
    http_get_at(app.admin_addr, path, &[]).await
}

/// GET `path` from `addr` with extra request headers (`("Authorization", "Bearer x")`).
pub async fn http_get_at(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("HTTP connect");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("HTTP write");
    let mut response = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut response))
        .await
        .expect("HTTP answer in time")
        .expect("HTTP read");
    let response = String::from_utf8_lossy(&response).to_string();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("an HTTP response with headers");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    (status, body.to_string())
}

/// GET `path`, expecting 200, and the body's bytes as sent (`http_get` reads text).
pub async fn http_get_bytes(app: &RunningServer, path: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut response))
        .await
        .expect("an answer in time")
        .expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("application/octet-stream"), "{head}");
    response[split + 4..].to_vec()
}

/// Polls `check` every 20 ms until it is true, failing after `WAIT`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not true within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The resident memory of this process (server and clients alike), in bytes.
pub fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS")
}
