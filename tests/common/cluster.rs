//! Real server processes forming a cluster on a test's own Redis: start, signal (kill -9,
//! SIGSTOP/SIGCONT, SIGTERM), and read what each node lists.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use skirmish::bot::{BotClient, JoinedRoom};
use skirmish::game::arena::Arena;

use super::{http_get_at, scratch_dir};

/// The secret every test node shares.
pub const SECRET: &str = "a test cluster secret, long enough";
/// Short refreshes keep the tests short: an entry lives three of them.
pub const REFRESH_MS: u32 = 200;

pub struct Node {
    child: Child,
    pub addr: SocketAddr,
    pub admin: SocketAddr,
}

fn address_after(line: &str, marker: &str) -> Option<SocketAddr> {
    line.split(marker)
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Node {
    /// A node of the cluster on the Redis at `redis_port`, with `extra` flags (refreshing
    /// every `REFRESH_MS` unless they say `--cluster-refresh-ms`).
    pub fn start(redis_port: u16, extra: &[&str]) -> Node {
        let refresh = REFRESH_MS.to_string();
        let refresh: &[&str] = if extra.contains(&"--cluster-refresh-ms") {
            &[]
        } else {
            &["--cluster-refresh-ms", &refresh]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_skirmish"))
            .args([
                "--port",
                "0",
                "--admin-bind",
                "127.0.0.1:0",
                "--bind",
                "127.0.0.1",
            ])
            .args([
                "--map",
                "maps/open.json",
                "--room-threads",
                "1",
                "--http-workers",
                "1",
            ])
            .args(["--bot-fill", "0", "--max-connections-per-ip", "0"])
            .args(["--new-connections-per-ip", "0", "--rooms-per-ip", "1000000"])
            .args(["--record-matches", "false", "--empty-room-grace-ms", "2000"])
            .args(["--shutdown-timeout-ms", "3000"])
            .arg("--data-dir")
            .arg(scratch_dir("node-data"))
            .args(["--redis-url", &format!("redis://127.0.0.1:{redis_port}")])
            .args(["--cluster-secret", SECRET])
            .args(refresh)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().expect("its stdout");
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let mut admin = None;
        let addr = loop {
            let line = lines.next().expect("the server says where it listens");
            if let Some(found) = address_after(&line, "on http://") {
                if line.starts_with("Operator") {
                    admin = Some(found);
                } else {
                    break found;
                }
            }
        };
        // The rest of stdout is not read: keep the pipe drained so the node never blocks on it.
        std::thread::spawn(move || lines.for_each(drop));
        Node {
            child,
            addr,
            admin: admin.expect("the operator's line comes first"),
        }
    }

    pub fn ws(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Sends `signal` (`-KILL`, `-STOP`, `-CONT`, `-TERM`) to the node.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.pid()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal}");
    }

    /// Waits (bounded) for the process to end; its exit status.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// `/api/rooms` of this node: the cluster's public rooms.
    pub async fn rooms(&self) -> Vec<Value> {
        let (status, body) = http_get_at(self.addr, "/api/rooms", &[]).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("a JSON list")
    }

    /// The ids of the public rooms this node lists, with the node running each.
    pub async fn listed(&self) -> Vec<(u64, String)> {
        self.rooms()
            .await
            .iter()
            .map(|room| {
                (
                    room["id"].as_u64().expect("an id"),
                    room["node"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// `/api/stats` of this node.
    pub async fn stats(&self) -> Value {
        let (status, body) = http_get_at(self.admin, "/api/stats", &[]).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("JSON")
    }

    pub async fn id(&self) -> String {
        self.stats().await["cluster"]["node"]
            .as_str()
            .expect("a node id")
            .to_string()
    }

    pub async fn readyz(&self) -> (u16, String) {
        http_get_at(self.admin, "/readyz", &[]).await
    }

    pub async fn metrics(&self) -> String {
        http_get_at(self.admin, "/metrics", &[]).await.1
    }
}

/// A public room of `capacity` seats made by `name` through `via` (placement may put it on any
/// node: the creator follows the redirect, so its `url()` is the room's node), named after it.
pub async fn create_through(
    via: &Node,
    name: &str,
    capacity: u8,
) -> (BotClient, JoinedRoom<Arena>) {
    let mut creator = BotClient::connect(&via.ws(), name)
        .await
        .expect("the creator connects");
    let room = creator
        .create_room(name, capacity, true)
        .await
        .expect("the creator makes a room");
    (creator, room)
}

/// A node of `nodes` other than the one at `host` (a `ws://…/ws` URL), once it lists the room
/// `room`: where a join by code must be redirected.
pub async fn another_listing<'a>(nodes: &'a [Node], host: &str, room: u64) -> &'a Node {
    let other = nodes
        .iter()
        .find(|node| node.ws() != host)
        .expect("a node that does not run the room");
    super::eventually("the other node lists the room", || async {
        other
            .listed()
            .await
            .iter()
            .any(|(listed, _)| *listed == room)
    })
    .await;
    other
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
