//! Bad and hostile input against a live server: every case gets its documented error and close
//! code, and a player in the same room keeps getting snapshots throughout.

mod common;

use common::raw::{RawClient, Watched};
use common::{connect, next_error, spawn_app, spawn_app_with, test_config};
use futures_util::SinkExt;
use skirmish::config::Config;
use skirmish::game::arena::ArenaInput;
use skirmish::protocol::{
    encode_client, encode_server, ClientMsg, CloseCode, ErrorCode, PlayerId, RoomId, ServerMsg,
    MAX_CLIENT_MESSAGE_BYTES, PROTOCOL_VERSION,
};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// A player of the watched room (welcomed and joined) that will misbehave.
async fn intruder(app: &skirmish::startup::RunningServer, watched: &Watched) -> RawClient {
    let mut client = RawClient::connect(app).await;
    client.hello("intruder").await;
    client.join(&watched.code).await;
    client
}

fn input(seq: u32, movement: u8, aim: f32) -> ClientMsg {
    ArenaInput {
        movement,
        aim,
        fire: false,
        render_tick: 0,
    }
    .message(seq)
}

/// Asserts the connection was refused with `error` then closed with `close_code`, and that the
/// words say nothing of the server's insides.
async fn assert_refused(
    client: &mut RawClient,
    error: ErrorCode,
    close_code: CloseCode,
    case: &str,
) {
    let ending = client.ending().await;
    assert_eq!(ending.error_codes(), vec![error], "{case}: {ending:?}");
    assert_eq!(ending.code, close_code, "{case}: {ending:?}");
    for words in ending.error_messages().iter().chain([&ending.reason]) {
        assert!(
            !words.contains("::") && !words.contains("src/") && !words.contains('{'),
            "{case}: the error leaks internals: {words}"
        );
    }
}

#[tokio::test]
async fn frames_that_are_not_one_message_close_with_their_codes() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;
    let mut hello_with_gigabyte_name = vec![0, 0, 0, 0, 1, 0];
    hello_with_gigabyte_name.extend_from_slice(&(1u64 << 40).to_le_bytes());
    let mut chat_with_invalid_utf8 = vec![8, 0, 0, 0];
    chat_with_invalid_utf8.extend_from_slice(&3u64.to_le_bytes());
    chat_with_invalid_utf8.extend_from_slice(&[0xff, 0xfe, 0x80]);
    let mut create_with_bool_two = encode_client(&ClientMsg::CreateRoom {
        name: "x".into(),
        capacity: 4,
        public: true,
        bots: false,
        mode: "arena".into(),
    });
    // The `bots` byte, just before the mode string (a u64 length and 5 bytes).
    let bots_at = create_with_bool_two.len() - 8 - "arena".len() - 1;
    create_with_bool_two[bots_at] = 2;
    let welcome = encode_server(&ServerMsg::Welcome {
        protocol: PROTOCOL_VERSION,
        player_id: PlayerId(1),
        tick_rate: 30,
        max_message_bytes: 4096,
    });
    let seeded_random: Vec<u8> = (0u32..64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty frame", vec![]),
        ("random bytes", seeded_random),
        (
            // (one cut inside its payload is the game's to refuse: BAD_INPUT, see server.rs)
            "input cut inside its header",
            encode_client(&input(1, 0, 0.0))[..7].to_vec(),
        ),
        ("unknown tag", vec![200, 0, 0, 0]),
        ("tag with its high byte set", vec![1, 0, 0, 0x80]),
        ("a server message", welcome),
        ("string claiming a terabyte", hello_with_gigabyte_name),
        ("invalid UTF-8 in chat", chat_with_invalid_utf8),
        ("bool of 2", create_with_bool_two),
    ];
    for (case, bytes) in cases {
        let mut client = intruder(&app, &watched).await;
        client.send_bytes(bytes).await;
        assert_refused(
            &mut client,
            ErrorCode::BadMessage,
            CloseCode::InvalidPayload,
            case,
        )
        .await;
        watched.assert_still_ticking().await;
    }
}

#[tokio::test]
async fn text_and_oversized_frames_close_with_their_codes() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;

    let mut client = intruder(&app, &watched).await;
    client
        .ws
        .send(tokio_tungstenite::tungstenite::Message::text(
            "{\"type\":\"Hello\"}",
        ))
        .await
        .unwrap();
    assert_refused(
        &mut client,
        ErrorCode::BadMessage,
        CloseCode::UnsupportedData,
        "text",
    )
    .await;
    watched.assert_still_ticking().await;

    let mut client = intruder(&app, &watched).await;
    client
        .send(&ClientMsg::Chat {
            text: "x".repeat(MAX_CLIENT_MESSAGE_BYTES),
        })
        .await;
    assert_refused(
        &mut client,
        ErrorCode::MessageTooLarge,
        CloseCode::MessageTooBig,
        "frame over the limit",
    )
    .await;
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn a_frame_header_claiming_gigabytes_costs_nothing_and_times_out() {
    let app = spawn_app_with(Config {
        client_timeout_ms: 1_500,
        ..test_config()
    });
    let mut watched = Watched::new(&app).await;
    let mut client = intruder(&app, &watched).await;
    // FIN + binary, masked, a 64-bit length of 4 GiB, a mask, and then nothing: the server
    // reserves at most the frame limit for it, and everything after it is taken as its payload,
    // so the connection falls silent and is closed by the heartbeat.
    let mut header = vec![0x82, 0x80 | 127];
    header.extend_from_slice(&(4u64 << 30).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    client.write_raw(&header).await;
    let ending = watched.reading_while(client.ending()).await;
    assert_eq!(
        ending.code,
        CloseCode::Timeout,
        "{:?}",
        ending.error_codes()
    );
    watched.assert_still_ticking().await;

    // A header claiming a little over the limit, followed by its payload: refused as too big.
    let mut client = intruder(&app, &watched).await;
    let length = MAX_CLIENT_MESSAGE_BYTES + 1;
    let mut frame = vec![0x82, 0x80 | 126];
    frame.extend_from_slice(&(length as u16).to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0, 0]);
    frame.extend(std::iter::repeat_n(0u8, length));
    client.write_raw(&frame).await;
    assert_refused(
        &mut client,
        ErrorCode::MessageTooLarge,
        CloseCode::MessageTooBig,
        "a frame one byte over",
    )
    .await;
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn fragmented_messages_and_continuation_floods_are_refused() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;

    // A valid Ping split over many one-byte fragments.
    let mut client = intruder(&app, &watched).await;
    let ping = encode_client(&ClientMsg::Ping { t: 1 });
    let last = ping.len() - 1;
    for (i, byte) in ping.iter().enumerate() {
        client.send_fragment(i == 0, vec![*byte], i == last).await;
    }
    assert_refused(
        &mut client,
        ErrorCode::BadMessage,
        CloseCode::UnsupportedData,
        "a message in fragments",
    )
    .await;
    watched.assert_still_ticking().await;

    // Continuation frames with no message begun, as fast as the socket takes them.
    let mut client = intruder(&app, &watched).await;
    for _ in 0..200 {
        let frame = tokio_tungstenite::tungstenite::protocol::frame::Frame::message(
            vec![0u8; 64],
            OpCode::Data(Data::Continue),
            false,
        );
        if client
            .ws
            .send(tokio_tungstenite::tungstenite::Message::Frame(frame))
            .await
            .is_err()
        {
            break;
        }
    }
    let ending = client.ending().await;
    assert!(
        [CloseCode::UnsupportedData, CloseCode::InvalidPayload]
            .iter()
            .any(|code| ending.code == *code),
        "a continuation flood: {ending:?}"
    );
    assert_eq!(ending.error_codes(), vec![ErrorCode::BadMessage]);
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn bad_values_are_refused_and_the_connection_stays() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;
    let mut client = intruder(&app, &watched).await;
    let cases: Vec<(&str, ClientMsg, ErrorCode)> = vec![
        ("NaN aim", input(1, 0, f32::NAN), ErrorCode::BadInput),
        (
            "infinite aim",
            input(2, 0, f32::INFINITY),
            ErrorCode::BadInput,
        ),
        (
            "-infinite aim",
            input(3, 0, f32::NEG_INFINITY),
            ErrorCode::BadInput,
        ),
        (
            "unknown movement bits",
            input(4, 0xf0, 0.0),
            ErrorCode::BadInput,
        ),
        (
            "chat with control characters",
            ClientMsg::Chat {
                text: "line\nbreak\u{1b}[2J".into(),
            },
            ErrorCode::BadChat,
        ),
        (
            "chat over 200 characters",
            ClientMsg::Chat {
                text: "é".repeat(201),
            },
            ErrorCode::BadChat,
        ),
        (
            "chat with a direction override",
            ClientMsg::Chat {
                text: "gg\u{202e}".into(),
            },
            ErrorCode::BadChat,
        ),
        (
            "joining twice",
            ClientMsg::JoinByCode {
                code: watched.code.clone(),
            },
            ErrorCode::AlreadyInRoom,
        ),
        (
            "creating while in a room",
            ClientMsg::CreateRoom {
                name: "second".into(),
                capacity: 4,
                public: true,
                bots: false,
                mode: "arena".into(),
            },
            ErrorCode::AlreadyInRoom,
        ),
        (
            "a second Hello",
            ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                name: "again".into(),
            },
            ErrorCode::HandshakeRequired,
        ),
        (
            "Resume after the handshake",
            ClientMsg::Resume {
                protocol: PROTOCOL_VERSION,
                token: "00".into(),
            },
            ErrorCode::HandshakeRequired,
        ),
    ];
    for (case, msg, code) in cases {
        client.send(&msg).await;
        let got = client.next_error_code().await;
        assert_eq!(got, code, "{case}");
    }
    // A huge but finite aim is a valid angle.
    client.send(&input(10, 0, 1e30)).await;
    client.expect_ack(10).await;
    client.send(&ClientMsg::Ping { t: u64::MAX }).await;
    client
        .expect(|m| matches!(m, ServerMsg::Pong { t: u64::MAX }).then_some(()))
        .await;
    assert!(client.is_open().await);
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn lobby_values_out_of_range_are_refused() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;
    let mut client = connect(&app, "lobbyist").await;
    for (case, msg, code) in [
        (
            "capacity 0",
            ClientMsg::CreateRoom {
                name: "r".into(),
                capacity: 0,
                public: true,
                bots: false,
                mode: "arena".into(),
            },
            ErrorCode::BadRoomSettings,
        ),
        (
            "capacity 255",
            ClientMsg::CreateRoom {
                name: "r".into(),
                capacity: 255,
                public: true,
                bots: false,
                mode: "arena".into(),
            },
            ErrorCode::BadRoomSettings,
        ),
        (
            "room name over 32 characters",
            ClientMsg::CreateRoom {
                name: "r".repeat(33),
                capacity: 4,
                public: true,
                bots: false,
                mode: "arena".into(),
            },
            ErrorCode::BadRoomSettings,
        ),
        (
            "room name with a control character",
            ClientMsg::CreateRoom {
                name: "a\u{0}b".into(),
                capacity: 4,
                public: true,
                bots: false,
                mode: "arena".into(),
            },
            ErrorCode::BadRoomSettings,
        ),
        (
            "room id u32::MAX",
            ClientMsg::JoinRoom {
                room: RoomId(u32::MAX),
            },
            ErrorCode::RoomNotFound,
        ),
        (
            "a join code of control characters",
            ClientMsg::JoinByCode {
                code: "\u{7}\u{8}".into(),
            },
            ErrorCode::RoomNotFound,
        ),
        (
            "input outside a room",
            input(1, 0, 0.0),
            ErrorCode::NotInRoom,
        ),
        (
            "chat outside a room",
            ClientMsg::Chat { text: "hi".into() },
            ErrorCode::NotInRoom,
        ),
        (
            "leave outside a room",
            ClientMsg::LeaveRoom,
            ErrorCode::NotInRoom,
        ),
    ] {
        client.send(&msg).await.unwrap();
        assert_eq!(next_error(&mut client).await.0, code, "{case}");
    }
    // After leaving a room, its inputs are refused too.
    client.join_by_code(&watched.code).await.unwrap();
    client.leave_room().await.unwrap();
    client.send(&input(1, 0, 0.0)).await.unwrap();
    assert_eq!(next_error(&mut client).await.0, ErrorCode::NotInRoom);
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn names_with_control_characters_or_too_long_are_refused_at_hello() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;
    for name in ["nul\u{0}", "esc\u{1b}[31m", &"n".repeat(25), "\u{200b}"] {
        let mut client = RawClient::connect(&app).await;
        client.send_hello(name).await;
        assert_refused(&mut client, ErrorCode::BadName, CloseCode::BadName, name).await;
    }
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn seqs_that_jump_backwards_or_wrap_are_ignored() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;
    let mut client = intruder(&app, &watched).await;
    client.send(&input(100, 0, 0.0)).await;
    client.expect_ack(100).await;
    // Backwards: ignored, the ack stays.
    client.send(&input(50, 0, 0.0)).await;
    client.send(&input(u32::MAX, 0, 0.0)).await;
    client.expect_ack(u32::MAX).await;
    // Past the top: 0 and 1 are below the ack and ignored; nothing breaks.
    client.send(&input(0, 0, 0.0)).await;
    client.send(&input(1, 0, 0.0)).await;
    for _ in 0..10 {
        client.expect_ack(u32::MAX).await;
    }
    assert!(client.is_open().await);
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn garbage_before_hello_closes_and_other_rooms_play_on() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;
    let mut client = RawClient::connect(&app).await;
    client.send(&input(1, 0, 0.0)).await;
    assert_refused(
        &mut client,
        ErrorCode::HandshakeRequired,
        CloseCode::HandshakeRequired,
        "input first",
    )
    .await;
    let mut client = RawClient::connect(&app).await;
    client.send_bytes(vec![0xde, 0xad, 0xbe, 0xef, 0]).await;
    assert_refused(
        &mut client,
        ErrorCode::BadMessage,
        CloseCode::InvalidPayload,
        "garbage first",
    )
    .await;
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn a_connection_that_never_says_hello_is_closed() {
    let app = spawn_app();
    // Upgraded, answering the server's pings (the client library does), and silent otherwise.
    let mut client = RawClient::connect(&app).await;
    let ending = client.ending().await;
    assert_eq!(ending.code, CloseCode::HandshakeTimeout);
    assert_eq!(ending.error_codes(), vec![ErrorCode::HandshakeRequired]);
}

/// The upgrade request exactly as sent, and the status line of the answer.
async fn upgrade_status(
    app: &skirmish::startup::RunningServer,
    version: &str,
    key: &str,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: {version}\r\nSec-WebSocket-Key: {key}\r\n\r\n",
        app.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0; 256];
    let read = tokio::time::timeout(common::WAIT, stream.read(&mut answer))
        .await
        .expect("an answer in time")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).to_string();
    answer.lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn upgrades_must_follow_rfc_6455() {
    let app = spawn_app();
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    assert!(upgrade_status(&app, "13", key).await.contains("101"));
    assert!(upgrade_status(&app, "8", key).await.contains("426"));
    assert!(upgrade_status(&app, "13", "abc").await.contains("400"));
}

#[tokio::test]
async fn frames_with_reserved_bits_are_refused() {
    let app = spawn_app();
    let mut watched = Watched::new(&app).await;
    let mut client = intruder(&app, &watched).await;
    // FIN + RSV1 + binary, masked with a zero mask: a well-formed Ping message otherwise.
    let ping = encode_client(&ClientMsg::Ping { t: 1 });
    let mut frame = vec![0xc2, 0x80 | ping.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(&ping);
    client.write_raw(&frame).await;
    let ending = client.ending().await;
    assert_eq!(ending.code, CloseCode::InvalidPayload);
    assert_eq!(ending.error_codes(), vec![ErrorCode::BadMessage]);
    watched.assert_still_ticking().await;
}
