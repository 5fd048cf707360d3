//! A client that stops reading must cost the others nothing: the room keeps its tick rate, the
//! server's memory stays flat, and the slow client is removed and disconnected.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{connect, http_get, init_logging, resident_bytes, test_config, WAIT};
use futures_util::{SinkExt, StreamExt};
use skirmish::protocol::{decode_server, encode_client, ClientMsg, ServerMsg, PROTOCOL_VERSION};
use skirmish::startup::{self, RunningServer};
use socket2::{Domain, Socket, Type};
use tokio_tungstenite::tungstenite::Message;

/// Small kernel buffers on both ends, so that a client that does not read stalls the server's
/// writes within a second instead of after megabytes.
const SOCKET_BUFFER: usize = 4096;

fn small_buffer_server() -> RunningServer {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_send_buffer_size(SOCKET_BUFFER).unwrap();
    socket
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    socket.listen(128).unwrap();
    let config = skirmish::config::Config {
        lag_limit_ms: 1_000,
        client_timeout_ms: 3_000,
        ..test_config()
    };
    init_logging();
    startup::spawn_on(TcpListener::from(socket), config).expect("the server starts")
}

/// Connects with a small receive buffer, joins the room, then never reads again, but keeps
/// sending (pings, ten a second) so that only its reading is at fault. Returns the task that
/// holds the connection.
async fn join_and_stop_reading(app: &RunningServer, code: &str) -> tokio::task::JoinHandle<()> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(SOCKET_BUFFER).unwrap();
    socket.connect(&app.addr.into()).unwrap();
    socket.set_nonblocking(true).unwrap();
    let tcp = tokio::net::TcpStream::from_std(std::net::TcpStream::from(socket)).unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(app.ws_url(), tcp)
        .await
        .expect("upgrade");
    for msg in [
        ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            name: "sloth".into(),
        },
        ClientMsg::JoinByCode { code: code.into() },
    ] {
        ws.send(Message::binary(encode_client(&msg))).await.unwrap();
    }
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("Joined in time");
        if let Some(Ok(Message::Binary(bytes))) = frame {
            if let Ok(ServerMsg::Joined { .. }) = decode_server(&bytes) {
                break;
            }
        }
    }
    let (mut sender, unread) = ws.split();
    tokio::spawn(async move {
        let _unread = unread;
        for t in 0.. {
            let ping = encode_client(&ClientMsg::Ping { t });
            if sender.send(Message::binary(ping)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

async fn sessions(app: &RunningServer) -> u64 {
    let (_, body) = http_get(app, "/api/stats").await;
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    stats["sessions"].as_u64().unwrap()
}

#[tokio::test]
async fn a_client_that_never_reads_is_dropped_without_slowing_the_room() {
    let app = small_buffer_server();
    let mut player = connect(&app, "player").await;
    let room = player.create_room("patience", 32, true).await.unwrap();
    // A crowd (that reads) makes snapshots big enough to fill the stalled socket in seconds:
    // each member turns on every message it gets, so every snapshot carries its whole state.
    let mut crowd = Vec::new();
    for n in 0..20 {
        let mut extra = connect(&app, &format!("extra {n}")).await;
        extra.join_by_code(&room.code).await.unwrap();
        crowd.push(tokio::spawn(async move {
            let mut aim = 0.0f32;
            while extra.recv().await.is_ok() {
                aim += 0.5;
                if extra.send_input(0, aim, false).await.is_err() {
                    return;
                }
            }
        }));
    }
    let sloth = join_and_stop_reading(&app, &room.code).await;
    let memory_before = resident_bytes();
    let started = Instant::now();

    let mut snapshots = 0u32;
    let sloth_slot = loop {
        let msg = player
            .recv_timeout(WAIT)
            .await
            .expect("the room keeps sending");
        match msg {
            ServerMsg::Snapshot(_) => snapshots += 1,
            ServerMsg::PlayerLeft { slot } => break slot,
            _ => {}
        }
        assert!(started.elapsed() < WAIT, "the slow client was not removed");
    };
    assert_ne!(sloth_slot, room.you);
    let elapsed = started.elapsed().as_secs_f64();
    let rate = f64::from(snapshots) / elapsed;
    assert!(
        rate > 27.0,
        "{rate:.1} snapshots/s while a member stalled ({elapsed:.1} s)"
    );

    // The stalled connection itself is dropped too (by the kernel's user timeout: the stalled
    // session cannot run its own heartbeat).
    let deadline = Instant::now() + WAIT;
    while sessions(&app).await > 21 {
        assert!(
            Instant::now() < deadline,
            "the stalled connection is still open"
        );
        // Keep reading so that the healthy player does not become the slow one.
        let _ = player.recv_timeout(Duration::from_millis(100)).await;
    }
    let (_, body) = http_get(&app, "/api/stats").await;
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    let tick_rate = stats["rooms"][0]["tick_rate_hz"].as_f64().unwrap();
    assert!((29.0..=31.0).contains(&tick_rate), "tick rate {tick_rate}");
    let grown = resident_bytes().saturating_sub(memory_before);
    assert!(grown < 16 << 20, "memory grew by {grown} bytes");
    sloth.abort();
    crowd.iter().for_each(|reader| reader.abort());
}
