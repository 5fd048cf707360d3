//! Graceful shutdown of the real binary: SIGTERM stops new connections, closes every room
//! (its players get `RoomClosed`) and every connection with 1001 "server restarting", and the
//! process exits on its own within the bounded time.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{close_frame, next_snapshot, room_closed};
use skirmish::bot::BotClient;
use skirmish::protocol::CloseCode;

/// The server binary on a free port; returns it and its address once it listens.
fn start_binary() -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_skirmish"))
        .args([
            "--port",
            "0",
            "--admin-bind",
            "127.0.0.1:0",
            "--map",
            "maps/open.json",
            "--room-threads",
            "1",
            "--http-workers",
            "1",
            "--shutdown-timeout-ms",
            "3000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    let stdout = child.stdout.take().expect("its stdout");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.contains("listening on"))
        .expect("the server says where it listens");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("an address")
        .to_string();
    (child, addr)
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits for the process to exit by itself; kills it and fails after `within`.
fn exit_within(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn sigterm_closes_rooms_and_connections_then_exits() {
    let (mut child, addr) = start_binary();
    let url = format!("ws://{addr}/ws");
    let mut player = BotClient::connect(&url, "player").await.unwrap();
    player.create_room("last game", 4, true).await.unwrap();
    let mut idle = BotClient::connect(&url, "idle").await.unwrap();
    next_snapshot(&mut player).await;

    terminate(&child);

    // The room's players are told.
    let reason = room_closed(&mut player).await;
    assert_eq!(reason, "server restarting");
    for client in [&mut player, &mut idle] {
        let (code, reason) = close_frame(client).await;
        assert_eq!(code, CloseCode::GoingAway);
        assert_eq!(reason, "server restarting");
    }
    let status = exit_within(&mut child, Duration::from_secs(5));
    assert!(status.success(), "{status}");
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "nothing listens any more"
    );
}
