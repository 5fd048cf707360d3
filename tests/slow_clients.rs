//! A client that stops reading must cost the others nothing: the room keeps its tick rate, the
//! server's memory stays flat, and the slow client is removed and disconnected.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{admin_get, connect, init_logging, resident_bytes, test_config, WAIT};
use futures_util::{SinkExt, StreamExt};
use skirmish::protocol::{
    decode_server, encode_client, ClientMsg, CloseCode, ErrorCode, ServerMsg, PROTOCOL_VERSION,
};
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
/// holds the connection; it yields the unread stream once the server has closed it.
async fn join_and_stop_reading(
    app: &RunningServer,
    code: &str,
) -> (tokio::task::JoinHandle<()>, Unread) {
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
    let pings = tokio::spawn(async move {
        for t in 0.. {
            let ping = encode_client(&ClientMsg::Ping { t });
            if sender.send(Message::binary(ping)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    (pings, unread)
}

type Unread =
    futures_util::stream::SplitStream<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>>;

/// Reads what a stalled client left unread, up to the server's close: the last `Error` code
/// and the close code.
async fn read_to_the_close(mut unread: Unread) -> (Option<u16>, Option<u16>) {
    let mut error = None;
    loop {
        let frame = tokio::time::timeout(WAIT, unread.next())
            .await
            .expect("the rest arrives in time");
        match frame {
            Some(Ok(Message::Binary(bytes))) => {
                if let Ok(ServerMsg::Error { code, .. }) = decode_server(&bytes) {
                    error = Some(code);
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return (error, frame.map(|f| u16::from(f.code)));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (error, None),
        }
    }
}

async fn sessions(app: &RunningServer) -> u64 {
    let (_, body) = admin_get(app, "/api/stats").await;
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    stats["sessions"].as_u64().unwrap()
}

/// 20 members that read everything and turn on every message they get, so that every
/// snapshot carries their whole state and is big enough to fill a stalled socket in seconds.
async fn reading_crowd(app: &RunningServer, code: &str) -> Vec<tokio::task::JoinHandle<()>> {
    let mut crowd = Vec::new();
    for n in 0..20 {
        let mut extra = connect(app, &format!("extra {n}")).await;
        extra.join_by_code(code).await.unwrap();
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
    crowd
}

#[tokio::test]
async fn a_client_that_never_reads_is_dropped_without_slowing_the_room() {
    let app = small_buffer_server();
    let mut player = connect(&app, "player").await;
    let room = player.create_room("patience", 32, true).await.unwrap();
    let crowd = reading_crowd(&app, &room.code).await;
    let (sloth, _unread) = join_and_stop_reading(&app, &room.code).await;
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
    let (_, body) = admin_get(&app, "/api/stats").await;
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    let tick_rate = stats["rooms"][0]["tick_rate_hz"].as_f64().unwrap();
    assert!((29.0..=31.0).contains(&tick_rate), "tick rate {tick_rate}");
    let grown = resident_bytes().saturating_sub(memory_before);
    assert!(grown < 16 << 20, "memory grew by {grown} bytes");
    sloth.abort();
    crowd.iter().for_each(|reader| reader.abort());
}

/// The lag limit as documented, with the kernel's default socket buffers on the server (which
/// absorb a stalled client's snapshots for a long while): the client is removed and closed
/// with 4005 at the lag limit, and its player keeps no seat.
#[tokio::test]
async fn a_client_that_never_reads_is_closed_with_4005_with_default_buffers() {
    init_logging();
    let config = skirmish::config::Config {
        reconnect_grace_ms: skirmish::config::Config::defaults().reconnect_grace_ms,
        ..test_config()
    };
    let app = startup::spawn(config).expect("the server starts");
    let mut player = connect(&app, "player").await;
    let room = player.create_room("patience", 32, true).await.unwrap();
    let crowd = reading_crowd(&app, &room.code).await;
    let (sloth, unread) = join_and_stop_reading(&app, &room.code).await;
    // The lag limit (5 s) passes well within WAIT; the kernel's user timeout (15 s) would not,
    // and a kept seat would hold the slot for 15 s more.
    let started = Instant::now();
    let left = player
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerLeft { slot } => Some(*slot),
            _ => None,
        })
        .await
        .expect("the stalled player leaves within the wait");
    assert_ne!(left, room.you);
    assert!(started.elapsed() >= skirmish::config::Config::defaults().lag_limit());
    // Reading now, the client finds why it was closed after what it left unread.
    sloth.abort();
    assert_eq!(
        read_to_the_close(unread).await,
        (
            Some(ErrorCode::TooSlow.number()),
            Some(CloseCode::TooSlow.number())
        )
    );
    crowd.iter().for_each(|reader| reader.abort());
}

/// A lobby client that keeps asking for the room list and reads nothing: what waits for it is
/// bounded, and it is closed with 4005 once more than that is untaken.
#[tokio::test]
async fn a_lobby_client_that_never_reads_is_closed_with_4005() {
    init_logging();
    let app = startup::spawn(skirmish::config::Config {
        rooms_per_connection: 100,
        rooms_per_second: 1000,
        messages_per_second: 1000,
        empty_room_grace_ms: 60_000,
        ..test_config()
    })
    .expect("the server starts");
    // A hundred rooms make every RoomList about 6 KB.
    let mut host = connect(&app, "host").await;
    for n in 0..100 {
        host.create_room(&format!("a room with a long name {n:>5}"), 8, true)
            .await
            .unwrap();
        host.leave_room().await.unwrap();
    }
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(SOCKET_BUFFER).unwrap();
    socket.connect(&app.addr.into()).unwrap();
    socket.set_nonblocking(true).unwrap();
    let tcp = tokio::net::TcpStream::from_std(std::net::TcpStream::from(socket)).unwrap();
    let (ws, _) = tokio_tungstenite::client_async(app.ws_url(), tcp)
        .await
        .expect("upgrade");
    let (mut sender, unread) = ws.split();
    let hello = ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        name: "hoarder".into(),
    };
    sender
        .send(Message::binary(encode_client(&hello)))
        .await
        .unwrap();
    // 16 a second, within the default message rate: only the reading is at fault.
    let asking = tokio::spawn(async move {
        let list = encode_client(&ClientMsg::ListRooms);
        while sender.send(Message::binary(list.clone())).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
    });
    tokio::time::timeout(WAIT, wait_closed(&app))
        .await
        .expect("the server closes the hoarder's session");
    asking.abort();
    assert_eq!(
        read_to_the_close(unread).await,
        (
            Some(ErrorCode::TooSlow.number()),
            Some(CloseCode::TooSlow.number())
        )
    );
}

/// Waits until the server has no session in the lobby but the host's.
async fn wait_closed(app: &RunningServer) {
    loop {
        let (_, body) = admin_get(app, "/api/stats").await;
        let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
        if stats["sessions"].as_u64() == Some(1) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
