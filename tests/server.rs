//! End-to-end tests of the game server core: a real server on 127.0.0.1:0, real WebSocket
//! clients (the crate's own bot client), every expectation waited for with a bound.

mod common;

use std::time::{Duration, Instant};

use common::{
    admin_get, close_code, connect, eventually, http_get, next_error, next_snapshot, player_left,
    spawn_app, WAIT,
};
use skirmish::bot::{BotClient, BotError};
use skirmish::game::arena::{Arena, ArenaEvent, ArenaInput};
use skirmish::game::movement::{snap_to_grid, step_distance};
use skirmish::game::movement::{MOVE_LEFT, MOVE_RIGHT};
use skirmish::protocol::GameWire;
use skirmish::protocol::{
    encode_client, ClientMsg, CloseCode, ErrorCode, RoomId, ServerMsg, PROTOCOL_VERSION,
};

#[tokio::test]
async fn handshake_welcomes_with_id_tick_rate_and_version() {
    let app = spawn_app();
    let a = connect(&app, "ada").await;
    let b = connect(&app, "bob").await;
    let welcome = a.welcome().expect("welcomed");
    assert_eq!(welcome.protocol, PROTOCOL_VERSION);
    assert_eq!(welcome.tick_rate, 30);
    assert_eq!(welcome.max_message_bytes, 4096);
    assert_ne!(a.player_id(), b.player_id());
}

#[tokio::test]
async fn a_version_mismatch_is_refused_and_closed() {
    let app = spawn_app();
    let mut client = BotClient::connect_raw(&app.ws_url()).await.unwrap();
    let refused = client.hello("ada", PROTOCOL_VERSION + 1).await;
    assert!(
        matches!(refused, Err(BotError::Server { code, .. }) if code == ErrorCode::VersionMismatch),
        "{refused:?}"
    );
    assert_eq!(close_code(&mut client).await, CloseCode::VersionMismatch);
}

#[tokio::test]
async fn bad_names_are_refused_and_closed() {
    let app = spawn_app();
    for name in ["", "   ", &"x".repeat(25), "tab\there", "bell\u{7}"] {
        let mut client = BotClient::connect_raw(&app.ws_url()).await.unwrap();
        let refused = client.hello(name, PROTOCOL_VERSION).await;
        assert!(
            matches!(&refused, Err(BotError::Server { code, .. }) if *code == ErrorCode::BadName),
            "name {name:?}: {refused:?}"
        );
        assert_eq!(
            close_code(&mut client).await,
            CloseCode::BadName,
            "{name:?}"
        );
    }
    // 24 characters of two bytes each is still a good name.
    connect(&app, &"é".repeat(24)).await;
}

#[tokio::test]
async fn the_first_message_must_be_hello() {
    let app = spawn_app();
    let mut client = BotClient::connect_raw(&app.ws_url()).await.unwrap();
    client.send(&ClientMsg::ListRooms).await.unwrap();
    assert_eq!(
        next_error(&mut client).await.0,
        ErrorCode::HandshakeRequired
    );
    assert_eq!(close_code(&mut client).await, CloseCode::HandshakeRequired);
}

#[tokio::test]
async fn text_frames_are_refused_with_the_documented_codes() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    client.send_text("hello".into()).await.unwrap();
    assert_eq!(next_error(&mut client).await.0, ErrorCode::BadMessage);
    assert_eq!(close_code(&mut client).await, CloseCode::UnsupportedData);
}

#[tokio::test]
async fn garbage_frames_are_refused_with_the_documented_codes() {
    let app = spawn_app();
    let garbage: [&[u8]; 4] = [
        &[],
        &[0xff, 0xff, 0xff, 0xff],
        &[7, 0, 0, 0, 1],    // Input cut short
        &[1, 0, 0, 0, 0x2a], // ListRooms with a byte left over
    ];
    for bytes in garbage {
        let mut client = connect(&app, "ada").await;
        client.send_raw_binary(bytes.to_vec()).await.unwrap();
        assert_eq!(next_error(&mut client).await.0, ErrorCode::BadMessage);
        assert_eq!(close_code(&mut client).await, CloseCode::InvalidPayload);
    }
    let mut client = connect(&app, "ada").await;
    client.send_raw_binary(vec![0; 5000]).await.unwrap();
    assert_eq!(next_error(&mut client).await.0, ErrorCode::MessageTooLarge);
    assert_eq!(close_code(&mut client).await, CloseCode::MessageTooBig);
}

#[tokio::test]
async fn ping_is_answered_at_once() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    let round_trip = client.ping().await.expect("pong");
    assert!(round_trip < WAIT);
}

#[tokio::test]
async fn create_list_join_by_code_and_leave() {
    let app = spawn_app();
    let mut host = connect(&app, "host").await;
    let joined = host.create_room("Friday fight", 8, true).await.unwrap();
    assert_eq!(joined.room.name, "Friday fight");
    assert_eq!(joined.room.capacity, 8);
    assert_eq!(joined.roster.len(), 1);
    assert_eq!(joined.code.len(), skirmish::lobby::CODE_LENGTH);
    assert!(!joined.setup.walls.is_empty());

    let mut guest = connect(&app, "guest").await;
    let listed = guest.list_rooms().await.unwrap();
    let room = listed
        .iter()
        .find(|r| r.id == joined.room.id)
        .expect("the public room is listed");
    assert_eq!(
        (room.players, room.capacity, room.mode.as_str()),
        (1, 8, "arena")
    );

    let by_code = guest
        .join_by_code(&joined.code.to_lowercase())
        .await
        .unwrap();
    assert_eq!(by_code.room.id, joined.room.id);
    assert_eq!(by_code.roster.len(), 2);
    assert_ne!(by_code.you, joined.you);
    let announced = host
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerJoined { player } => Some(player.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(
        (announced.name.as_str(), announced.slot),
        ("guest", by_code.you)
    );

    assert_eq!(guest.leave_room().await.unwrap(), joined.room.id);
    let left = host
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerLeft { slot } => Some(*slot),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(left, by_code.you);
    // Back in the lobby: inputs are refused, joining by id works.
    guest
        .send(
            &ArenaInput {
                movement: 0,
                aim: 0.0,
                fire: false,
                render_tick: 0,
            }
            .message(1),
        )
        .await
        .unwrap();
    assert_eq!(next_error(&mut guest).await.0, ErrorCode::NotInRoom);
    let by_id = guest.join_room(joined.room.id).await.unwrap();
    assert_eq!(by_id.room.id, joined.room.id);
}

#[tokio::test]
async fn lobby_mistakes_get_error_codes() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    let unknown = client.join_by_code("ZZZZZ").await;
    assert!(
        matches!(unknown, Err(BotError::Server { code, .. }) if code == ErrorCode::RoomNotFound)
    );
    let unknown = client.join_room(RoomId(999_999)).await;
    assert!(
        matches!(unknown, Err(BotError::Server { code, .. }) if code == ErrorCode::RoomNotFound)
    );
    for (name, capacity) in [
        ("", 4),
        ("x".repeat(33).as_str(), 4),
        ("ok", 0),
        ("ok", 101),
    ] {
        let refused = client.create_room(name, capacity, true).await;
        assert!(
            matches!(&refused, Err(BotError::Server { code, .. }) if *code == ErrorCode::BadRoomSettings),
            "{name:?} {capacity}: {refused:?}"
        );
    }
    client.create_room("mine", 4, true).await.unwrap();
    let twice = client.quick_join().await;
    assert!(
        matches!(twice, Err(BotError::Server { code, .. }) if code == ErrorCode::AlreadyInRoom)
    );
    client
        .send(&ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            name: "again".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        next_error(&mut client).await.0,
        ErrorCode::HandshakeRequired
    );
}

#[tokio::test]
async fn private_rooms_are_unlisted_and_need_their_code() {
    let app = spawn_app();
    let mut host = connect(&app, "host").await;
    let joined = host.create_room("secret", 4, false).await.unwrap();
    let mut other = connect(&app, "other").await;
    assert!(other
        .list_rooms()
        .await
        .unwrap()
        .iter()
        .all(|r| r.id != joined.room.id));
    let (status, body) = http_get(&app, "/api/rooms").await;
    assert_eq!(status, 200);
    assert!(!body.contains("secret"), "{body}");
    let by_id = other.join_room(joined.room.id).await;
    assert!(matches!(by_id, Err(BotError::Server { code, .. }) if code == ErrorCode::RoomNotFound));
    other.join_by_code(&joined.code).await.unwrap();
}

#[tokio::test]
async fn a_full_room_is_an_error_and_quick_join_goes_elsewhere() {
    let app = spawn_app();
    let mut first = connect(&app, "first").await;
    let duel = first.create_room("duel", 2, true).await.unwrap();
    let mut second = connect(&app, "second").await;
    // Quick join picks the fullest public room with space: the duel.
    assert_eq!(second.quick_join().await.unwrap().room.id, duel.room.id);
    let mut third = connect(&app, "third").await;
    let full = third.join_by_code(&duel.code).await;
    assert!(matches!(full, Err(BotError::Server { code, .. }) if code == ErrorCode::RoomFull));
    // With the duel full, quick join makes a new public room.
    let elsewhere = third.quick_join().await.unwrap();
    assert_ne!(elsewhere.room.id, duel.room.id);
    assert!(elsewhere.room.public);
    let mut fourth = connect(&app, "fourth").await;
    assert_eq!(
        fourth.quick_join().await.unwrap().room.id,
        elsewhere.room.id
    );
}

#[tokio::test]
async fn snapshots_arrive_at_the_tick_rate() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    client.create_room("rate", 4, true).await.unwrap();
    let first = next_snapshot(&mut client).await.tick;
    let started = Instant::now();
    let mut received = 0u32;
    let mut last = first;
    while started.elapsed() < Duration::from_secs(2) {
        let tick = next_snapshot(&mut client).await.tick;
        assert!(tick > last, "ticks increase: {last} then {tick}");
        last = tick;
        received += 1;
    }
    let per_second = f64::from(received) / started.elapsed().as_secs_f64();
    assert!(
        (27.0..=33.0).contains(&per_second),
        "{per_second:.1} snapshots/s, expected 30 ± 10%"
    );
}

#[tokio::test]
async fn an_input_moves_the_player_and_is_acked() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    let joined = client.create_room("move", 4, true).await.unwrap();
    next_snapshot(&mut client).await;
    let (x0, y0) = client.room().unwrap().own_position().expect("own entry");
    // Walk towards the far side, away from the nearest outer wall.
    let (movement, sign) = if x0 < f32::from(joined.setup.width) / 2.0 {
        (MOVE_RIGHT, 1.0)
    } else {
        (MOVE_LEFT, -1.0)
    };
    let mut seq = 0;
    for _ in 0..10 {
        seq = client.send_input(movement, 0.0, false).await.unwrap();
        next_snapshot(&mut client).await;
    }
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Snapshot(s) => (s.ack >= seq).then_some(()),
            _ => None,
        })
        .await
        .expect("the last input is acked");
    let (x1, y1) = client.room().unwrap().own_position().unwrap();
    assert!((x1 - x0) * sign > 10.0, "moved from {x0} to {x1}");
    assert!((y1 - y0).abs() < 1.0, "y stays: {y0} → {y1}");
    assert_eq!(client.room().unwrap().own_ack(), seq);
}

#[tokio::test]
async fn each_input_is_one_step_and_a_burst_drains_at_most_two_a_step() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    let joined = client.create_room("steps", 4, true).await.unwrap();
    let before = next_snapshot(&mut client).await.tick;
    let (x0, y0) = client.room().unwrap().own_position().expect("own entry");
    let movement = if x0 < f32::from(joined.setup.width) / 2.0 {
        MOVE_RIGHT
    } else {
        MOVE_LEFT
    };
    const BURST: u32 = 12;
    for _ in 0..BURST {
        client.send_input(movement, 0.0, false).await.unwrap();
    }
    let mut acks = Vec::new();
    while acks.last().is_none_or(|&(_, ack)| ack < BURST) {
        let snapshot = next_snapshot(&mut client).await;
        acks.push((snapshot.tick, snapshot.ack));
    }
    for pair in acks.windows(2) {
        let ((tick_a, ack_a), (tick_b, ack_b)) = (pair[0], pair[1]);
        assert!(
            ack_b - ack_a <= 2 * (tick_b - tick_a),
            "at most two inputs a step: {acks:?}"
        );
    }
    let acked_in = acks.last().map_or(0, |&(tick, _)| tick);
    assert!(
        acked_in >= before + BURST / 2,
        "a burst is spread over steps: {before}, {acks:?}"
    );
    // Standing still once the inputs run out: each input moved exactly one step.
    for _ in 0..5 {
        next_snapshot(&mut client).await;
    }
    let (x1, y1) = client.room().unwrap().own_position().unwrap();
    let distance = step_distance(joined.setup.player_speed, 30);
    let one_step = snap_to_grid(distance);
    assert_eq!(
        (x1 - x0).abs(),
        BURST as f32 * one_step,
        "from {x0} to {x1}"
    );
    assert_eq!(y1, y0);
}

#[tokio::test]
async fn sending_faster_than_the_tick_rate_gains_no_speed() {
    let app = spawn_app();
    let mut client = connect(&app, "hasty").await;
    let joined = client.create_room("hasty", 4, true).await.unwrap();
    let start = next_snapshot(&mut client).await.tick;
    let (x0, _) = client.room().unwrap().own_position().expect("own entry");
    let movement = if x0 < f32::from(joined.setup.width) / 2.0 {
        MOVE_RIGHT
    } else {
        MOVE_LEFT
    };
    // Two inputs for every snapshot: twice the tick rate.
    let mut end = start;
    for _ in 0..40 {
        client.send_input(movement, 0.0, false).await.unwrap();
        client.send_input(movement, 0.0, false).await.unwrap();
        end = next_snapshot(&mut client).await.tick;
    }
    let (x1, _) = client.room().unwrap().own_position().unwrap();
    let one_step = snap_to_grid(step_distance(joined.setup.player_speed, 30));
    let steps = ((x1 - x0).abs() / one_step).round() as u32;
    // At most one step a tick, and the steps it stood still before its first input (at most
    // 16) made up.
    assert!(
        steps <= end - start + 16,
        "{steps} steps in {} ticks",
        end - start
    );
}

#[tokio::test]
async fn repeated_and_older_inputs_are_ignored() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    client.create_room("seq", 4, true).await.unwrap();
    let input = |seq| {
        ArenaInput {
            movement: 0,
            aim: 0.0,
            fire: false,
            render_tick: 0,
        }
        .message(seq)
    };
    for seq in [5, 3, 5, 4] {
        client.send(&input(seq)).await.unwrap();
    }
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Snapshot(s) => (s.ack == 5).then_some(()),
            _ => None,
        })
        .await
        .expect("ack 5");
    // A later tick with only older seqs keeps the ack at 5.
    client.send(&input(2)).await.unwrap();
    for _ in 0..5 {
        next_snapshot(&mut client).await;
    }
    assert_eq!(client.room().unwrap().own_ack(), 5);
}

#[tokio::test]
async fn bad_inputs_get_error_codes_and_do_not_disturb_others() {
    let app = spawn_app();
    let mut host = connect(&app, "host").await;
    let joined = host.create_room("bad inputs", 4, true).await.unwrap();
    let mut rogue = connect(&app, "rogue").await;
    rogue.join_by_code(&joined.code).await.unwrap();
    for (input, seq) in [
        ArenaInput {
            movement: 0,
            aim: f32::NAN,
            fire: false,
            render_tick: 0,
        },
        ArenaInput {
            movement: 0,
            aim: f32::INFINITY,
            fire: true,
            render_tick: 0,
        },
        ArenaInput {
            movement: 0x30,
            aim: 0.0,
            fire: false,
            render_tick: 0,
        },
    ]
    .into_iter()
    .zip(1..)
    {
        rogue.send(&input.message(seq)).await.unwrap();
        assert_eq!(next_error(&mut rogue).await.0, ErrorCode::BadInput);
    }
    // Raw bytes of an arena input whose fire flag is 2: not a bool, so the arena refuses the
    // payload (the envelope around it is fine).
    let mut bytes = encode_client(
        &ArenaInput {
            movement: 0,
            aim: 0.0,
            fire: false,
            render_tick: 0,
        }
        .message(4),
    );
    // The fire byte: after the tag, seq, movement and aim.
    bytes[13] = 2;
    rogue.send_raw_binary(bytes).await.unwrap();
    assert_eq!(next_error(&mut rogue).await.0, ErrorCode::BadInput);
    // A frame cut inside the Input's header is no message at all.
    rogue.send_raw_binary(vec![7, 0, 0, 0, 5]).await.unwrap();
    assert_eq!(next_error(&mut rogue).await.0, ErrorCode::BadMessage);
    assert_eq!(close_code(&mut rogue).await, CloseCode::InvalidPayload);
    // The host kept playing throughout.
    let before = next_snapshot(&mut host).await.tick;
    let after = next_snapshot(&mut host).await.tick;
    assert!(after > before);
}

#[tokio::test]
async fn two_players_see_each_other_move() {
    let app = spawn_app();
    let mut a = connect(&app, "ada").await;
    let room = a.create_room("pair", 4, true).await.unwrap();
    let mut b = connect(&app, "bob").await;
    let b_joined = b.join_by_code(&room.code).await.unwrap();
    let b_slot = b_joined.you;
    a.wait_for_state(WAIT, |room| {
        (room.state()?.players.len() == 2).then_some(())
    })
    .await
    .expect("a sees two players");
    let (bx0, _) = a.room().unwrap().position_of(b_slot).unwrap();
    let movement = if bx0 < f32::from(room.setup.width) / 2.0 {
        MOVE_RIGHT
    } else {
        MOVE_LEFT
    };
    for _ in 0..10 {
        b.send_input(movement, 0.0, false).await.unwrap();
        next_snapshot(&mut b).await;
    }
    let target = b.last_seq();
    let moved_to = b
        .wait_for_state(WAIT, |room| {
            (room.own_ack() >= target).then(|| room.own_position())?
        })
        .await
        .expect("b's last input is applied");
    let seen = a
        .wait_for_state(WAIT, |room| {
            room.position_of(b_slot).filter(|seen| *seen == moved_to)
        })
        .await
        .expect("a sees b where its last input took it");
    assert!(
        (seen.0 - bx0).abs() > 10.0,
        "a saw b move from {bx0} to {}",
        seen.0
    );
    assert_eq!(
        a.room()
            .unwrap()
            .roster_entry(b_slot)
            .map(|e| e.name.as_str()),
        Some("bob")
    );
}

#[tokio::test]
async fn a_bullet_hits_and_scores() {
    let app = spawn_app();
    let mut shooter = connect(&app, "shooter").await;
    let room = shooter.create_room("range", 2, true).await.unwrap();
    let mut target = connect(&app, "target").await;
    let target_slot = target.join_by_code(&room.code).await.unwrap().you;
    let deadline = Instant::now() + Duration::from_secs(20);
    let kill = loop {
        assert!(Instant::now() < deadline, "no kill within 20 s");
        // Keep the target's connection read so it stays healthy; it stands still.
        let _ = target.recv_timeout(Duration::from_millis(1)).await;
        let view = shooter.room().cloned();
        let aim = view
            .as_ref()
            .and_then(|v| Some((v.own_position()?, v.position_of(target_slot)?)))
            .map_or(0.0, |((sx, sy), (tx, ty))| (ty - sy).atan2(tx - sx));
        shooter.send_input(0, aim, true).await.unwrap();
        let found = shooter
            .wait_for(WAIT, |msg| match msg {
                ServerMsg::GameEvent { event, .. } => match Arena::decode_event(event) {
                    Ok(ArenaEvent::Kill { killer, victim, .. }) => Some(Some((killer, victim))),
                    Err(e) => panic!("not an arena event: {e}"),
                },
                ServerMsg::Snapshot(_) => Some(None),
                _ => None,
            })
            .await
            .unwrap();
        if let Some(kill) = found {
            break kill;
        }
    };
    assert_eq!(kill, (room.you, target_slot));
    let view = shooter.room().unwrap();
    assert_eq!(view.roster_entry(room.you).unwrap().score, [1, 0]);
    assert_eq!(view.roster_entry(target_slot).unwrap().score, [0, 1]);
}

#[tokio::test]
async fn chat_reaches_the_room_and_is_checked() {
    let app = spawn_app();
    let mut a = connect(&app, "ada").await;
    let room = a.create_room("talk", 4, true).await.unwrap();
    let mut b = connect(&app, "bob").await;
    b.join_by_code(&room.code).await.unwrap();
    a.chat("gl hf <b>").await.unwrap();
    let (from, text) = b
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Chat { from, text, .. } => Some((*from, text.clone())),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!((from, text.as_str()), (room.you, "gl hf <b>"));
    for bad in ["", &"x".repeat(201), "line\nbreak"] {
        a.chat(bad).await.unwrap();
        assert_eq!(next_error(&mut a).await.0, ErrorCode::BadChat, "{bad:?}");
    }
    let mut limited = false;
    for n in 0..10 {
        a.chat(&format!("spam {n}")).await.unwrap();
    }
    let deadline = Instant::now() + WAIT;
    while !limited && Instant::now() < deadline {
        if let Ok(ServerMsg::Error { code, .. }) = a.recv_timeout(WAIT).await {
            limited = code == ErrorCode::RateLimited;
        }
    }
    assert!(limited, "ten lines at once are rate limited");
}

#[tokio::test]
async fn a_disconnect_removes_the_player_and_an_empty_room_closes() {
    let app = spawn_app();
    let mut stay = connect(&app, "stay").await;
    let room = stay.create_room("short", 4, true).await.unwrap();
    let mut go = connect(&app, "go").await;
    let go_slot = go.join_by_code(&room.code).await.unwrap().you;
    go.close().await.unwrap();
    player_left(&mut stay, go_slot).await;
    let go_is_gone = stay
        .wait_for_state(WAIT, |room| Some(room.player_state(go_slot).is_none()))
        .await
        .unwrap();
    assert!(go_is_gone, "the next snapshot has no player in the slot");

    drop(stay);
    let id = room.room.id.to_string();
    eventually("the empty room leaves the list", || async {
        let (_, body) = http_get(&app, "/api/rooms").await;
        !body.contains(&format!("\"id\":{id},"))
    })
    .await;
    let mut late = connect(&app, "late").await;
    let gone = late.join_by_code(&room.code).await;
    assert!(matches!(gone, Err(BotError::Server { code, .. }) if code == ErrorCode::RoomNotFound));
}

#[tokio::test]
async fn http_routes_answer() {
    let app = spawn_app();
    let (status, body) = http_get(&app, "/healthz").await;
    assert_eq!((status, body.trim()), (200, "ok"));
    let mut client = connect(&app, "ada").await;
    client.create_room("listed", 6, true).await.unwrap();
    let (status, body) = http_get(&app, "/api/rooms").await;
    assert_eq!(status, 200);
    let rooms: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rooms[0]["name"], "listed");
    assert_eq!(rooms[0]["players"], 1);
    assert_eq!(rooms[0]["capacity"], 6);
    let (status, body) = admin_get(&app, "/api/stats").await;
    assert_eq!(status, 200);
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["sessions"], 1);
    assert_eq!(stats["rooms"][0]["name"], "listed");
    assert!(stats["rooms"][0]["tick_p99_ms"].is_number());
    let (status, body) = http_get(&app, "/assets/maps/arena.json").await;
    assert_eq!(status, 200);
    assert!(body.contains("walls"));
    let (status, _) = http_get(&app, "/").await;
    assert_eq!(status, 200);
}
