//! Plain HTTP as an attacker uses it: connections that pipeline requests and read nothing cost
//! the server a bounded amount of memory and leave it serving others, and the per-IP
//! connection limits count every HTTP connection, not only WebSocket upgrades.

mod common;

use std::time::Duration;

use common::{http_get, resident_bytes, spawn_app_with, test_config, WAIT};
use skirmish::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Pipelining connections of the attack, and the requests each sends.
const ATTACKERS: usize = 10;
const REQUESTS_EACH: usize = 2_000;
/// How long each attacker tries to write its requests (the server stops reading them).
const WRITE_FOR: Duration = Duration::from_secs(3);
/// Rooms on the server (each lengthens the answer to `/api/rooms`).
const ROOMS: u32 = 30;
/// Memory samples, 100 ms apart, after the attack.
const WATCH_SAMPLES: usize = 20;

/// Opens a connection and writes `requests` (pipelined), reading nothing; returns the
/// connection (still open) once it wrote them all or `WRITE_FOR` passed.
async fn pipeline_without_reading(
    app: &skirmish::startup::RunningServer,
    requests: &[u8],
) -> TcpStream {
    // A small receive buffer, so that the kernels do not absorb the answers.
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut stream = socket.connect(app.addr).await.expect("connect");
    let _ = tokio::time::timeout(WRITE_FOR, stream.write_all(requests)).await;
    stream
}

#[tokio::test]
async fn pipelined_requests_that_are_never_read_cost_bounded_memory() {
    let app = spawn_app_with(Config {
        rooms_per_connection: ROOMS,
        messages_per_second: 1_000,
        empty_room_grace_ms: 60_000,
        ..test_config()
    });
    // Rooms make the answers a few kilobytes each, as on a server in use.
    let mut host = common::connect(&app, "host").await;
    for n in 0..ROOMS {
        host.create_room(&format!("room {n}"), 8, true)
            .await
            .unwrap();
        host.leave_room().await.unwrap();
    }
    // Warm up: the server's first requests allocate what any server keeps.
    for _ in 0..3 {
        assert_eq!(http_get(&app, "/api/rooms").await.0, 200);
    }
    // Made before measuring: the attackers' own memory is not the server's.
    let request = format!("GET /api/rooms HTTP/1.1\r\nHost: {}\r\n\r\n", app.addr);
    let requests = request.repeat(REQUESTS_EACH).into_bytes();
    let before = resident_bytes();
    let attacks = (0..ATTACKERS).map(|_| pipeline_without_reading(&app, &requests));
    let attackers = futures_util::future::join_all(attacks).await;
    // The server works through what it has read for a while: watch the memory meanwhile.
    let mut grown = 0;
    for _ in 0..WATCH_SAMPLES {
        grown = grown.max(resident_bytes().saturating_sub(before));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Unbounded, the parsed requests and their answers (2.6 KB each here) pile up in memory:
    // 120 MB with 3.4 KB answers. Bounded, about 12 MB (this process holds clients, rooms and
    // allocator slack too).
    assert!(
        grown < 16 << 20,
        "memory grew by {} KB for {ATTACKERS} pipelining connections",
        grown >> 10
    );
    // Others are served all along.
    assert_eq!(http_get(&app, "/healthz").await, (200, "ok\n".to_string()));
    assert_eq!(http_get(&app, "/api/rooms").await.0, 200);
    drop(attackers);
}

#[tokio::test]
async fn a_connection_gets_a_bounded_number_of_requests() {
    let app = spawn_app_with(test_config());
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", app.addr);
    let limit = skirmish::transport::MAX_REQUESTS_PER_CONNECTION as usize;
    let writing = request.repeat(limit + 10);
    let (mut reader, mut writer) = stream.split();
    let write = async {
        // The server may close before it has read the excess requests.
        let _ = writer.write_all(writing.as_bytes()).await;
    };
    let mut answers = Vec::new();
    let read = tokio::time::timeout(WAIT, reader.read_to_end(&mut answers));
    let (_, read) = tokio::join!(write, read);
    let _ = read.expect("the server closes the connection");
    let answers = String::from_utf8_lossy(&answers);
    assert_eq!(answers.matches("HTTP/1.1 200 OK").count(), limit);
    // Requests already read past the limit are refused; then the connection is closed.
    let refused = answers.matches("HTTP/1.1 429").count();
    assert!(refused <= 10, "{refused} refused");
    assert_eq!(
        answers.matches("connection: close").count(),
        refused + 1,
        "the last answer and every refusal say close"
    );
}

#[tokio::test]
async fn per_ip_connection_limits_count_plain_http_connections() {
    let app = spawn_app_with(Config {
        max_connections_per_ip: 2,
        ..test_config()
    });
    let idle: Vec<TcpStream> = vec![
        TcpStream::connect(app.addr).await.unwrap(),
        TcpStream::connect(app.addr).await.unwrap(),
    ];
    // The server counts a connection when it accepts it: wait until both are.
    common::eventually("both idle connections are counted", || async {
        http_get(&app, "/healthz").await.0 == 429
    })
    .await;
    let (status, body) = http_get(&app, "/api/rooms").await;
    assert_eq!(status, 429);
    assert!(body.contains("too many open connections"), "{body}");
    drop(idle);
    common::eventually("a closed connection gives its place back", || async {
        http_get(&app, "/healthz").await.0 == 200
    })
    .await;
}
