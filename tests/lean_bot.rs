//! The load tool's lean bot connection against the real server: handshake, create and join by
//! code with its own framing, inputs acknowledged in snapshots read by offsets, and errors.

mod common;

use common::WAIT;
use skirmish::bot::lean::{Incoming, LeanBot};
use skirmish::bot::BotError;
use skirmish::game::movement::MOVE_RIGHT;
use skirmish::protocol::ErrorCode;

/// Reads until a snapshot acknowledges `seq`; returns the snapshots seen on the way.
async fn until_acked(bot: &mut LeanBot, seq: u32) -> u32 {
    let mut snapshots = 0;
    let mut acked = false;
    let waiting = async {
        while !acked {
            bot.fill().await.expect("the connection stays open");
            bot.drain(|incoming| {
                if let Incoming::Snapshot { ack, .. } = incoming {
                    snapshots += 1;
                    acked |= ack >= seq;
                }
            })
            .expect("well-formed frames");
            bot.flush().await.expect("pongs are sent");
        }
    };
    tokio::time::timeout(WAIT, waiting)
        .await
        .expect("the input is acknowledged in time");
    snapshots
}

#[tokio::test]
async fn lean_bots_create_join_and_get_their_inputs_acknowledged() {
    let app = common::spawn_app();
    let (mut creator, welcome) = LeanBot::connect(app.addr, None, "/ws", "lean-a", 1)
        .await
        .expect("connects and is welcomed");
    assert_eq!(welcome.tick_rate, common::test_config().tick_rate);
    let room = creator
        .create_room("lean", 2, false)
        .await
        .expect("creates a room");
    let (mut joiner, _) = LeanBot::connect(app.addr, None, "/ws", "lean-b", 2)
        .await
        .expect("connects");
    let joined = joiner
        .join_by_code(&room.code)
        .await
        .expect("joins by code");
    assert_eq!(joined.room.id, room.room.id);
    assert_ne!(joiner.slot(), creator.slot());

    let mut last = 0;
    for _ in 0..3 {
        last = joiner.queue_input(MOVE_RIGHT, 0.0, false, 0);
    }
    joiner.flush().await.expect("inputs are sent");
    assert_eq!(last, 3);
    assert!(until_acked(&mut joiner, last).await > 0);
    assert!(joiner.payload_bytes() > 0);

    let (mut third, _) = LeanBot::connect(app.addr, None, "/ws", "lean-c", 3)
        .await
        .expect("connects");
    match third.join_by_code(&room.code).await {
        Err(BotError::Server { code, .. }) => assert_eq!(code, ErrorCode::RoomFull),
        other => panic!("expected ROOM_FULL, got {:?}", other.map(|j| j.code)),
    }
    match third.join_by_code("NOPE").await {
        Err(BotError::Server { code, .. }) => assert_eq!(code, ErrorCode::RoomNotFound),
        other => panic!("expected ROOM_NOT_FOUND, got {:?}", other.map(|j| j.code)),
    }
}

#[tokio::test]
async fn a_refused_hello_is_a_server_error() {
    let app = common::spawn_app();
    let refused = LeanBot::connect(app.addr, None, "/ws", "   ", 1).await;
    match refused {
        Err(BotError::Server { code, .. }) => assert_eq!(code, ErrorCode::BadName),
        Err(other) => panic!("expected BAD_NAME, got {other}"),
        Ok(_) => panic!("a blank name was welcomed"),
    }
}
