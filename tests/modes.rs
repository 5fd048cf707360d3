//! Rooms for any game, end to end on one server: rooms of the arena and of tag side by side,
//! each listed with its mode; quick join and create taking a mode; a mode the server does not
//! run refused with words; a tag room played by a client of tag (inputs move it, the round
//! starts, the server's bots play it, a spectator watches it); a client that cannot play a
//! room's game told so; and a tag input the game refuses answered with BAD_INPUT.

mod common;

use std::time::Duration;

use common::{connect, http_get, next_error, spawn_app, spawn_app_with, test_config, WAIT};
use skirmish::bot::{BotError, GameClient};
use skirmish::config::Config;
use skirmish::game::movement::MOVE_RIGHT;
use skirmish::game::tag::{Phase, Tag, TagEvent, TagInput, TagState};
use skirmish::protocol::{
    apply_snapshot, ClientMsg, ErrorCode, GameWire, Held, InputMsg, InputPayload, ServerMsg, Slot,
};

async fn tag_client(app: &skirmish::startup::RunningServer, name: &str) -> GameClient<Tag> {
    GameClient::<Tag>::connect(&app.ws_url(), name)
        .await
        .expect("connects and is welcomed")
}

#[tokio::test]
async fn rooms_of_both_games_run_side_by_side_and_are_listed_with_their_mode() {
    let app = spawn_app();
    let mut arena = connect(&app, "ada").await;
    let mut tag = tag_client(&app, "tom").await;
    let arena_room = arena.create_room("shootout", 4, true).await.unwrap();
    let tag_room = tag.create_room("chase", 4, true).await.unwrap();
    assert_eq!(arena_room.room.mode, "arena");
    assert_eq!(tag_room.room.mode, "tag");
    assert_eq!(tag_room.setup.width, arena_room.setup.width, "the same map");

    let mut lobby = connect(&app, "looker").await;
    let listed: Vec<(String, String)> = lobby
        .list_rooms()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.mode))
        .collect();
    assert_eq!(
        listed,
        [
            ("shootout".to_string(), "arena".to_string()),
            ("chase".to_string(), "tag".to_string())
        ]
    );
    let (_, body) = http_get(&app, "/api/rooms").await;
    let rooms: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rooms[0]["mode"], "arena");
    assert_eq!(rooms[1]["mode"], "tag");

    // Both rooms tick: each client's own inputs come back acknowledged.
    let seq = arena.send_input(MOVE_RIGHT, 0.0, false).await.unwrap();
    arena
        .wait_for_state(WAIT, |view| (view.own_ack() >= seq).then_some(()))
        .await
        .unwrap();
    let seq = tag
        .send_game_input(&TagInput {
            movement: MOVE_RIGHT,
        })
        .await
        .unwrap();
    tag.wait_for_state(WAIT, |view| (view.own_ack() >= seq).then_some(()))
        .await
        .unwrap();
}

#[tokio::test]
async fn quick_join_keeps_to_its_mode() {
    let app = spawn_app_with(Config {
        bot_fill: 0,
        ..test_config()
    });
    let mut first = tag_client(&app, "first").await;
    let mut second = tag_client(&app, "second").await;
    let mut shooter = connect(&app, "shooter").await;
    let tag_room = first.quick_join().await.unwrap();
    assert_eq!(tag_room.room.mode, "tag");
    assert!(
        tag_room.room.name.starts_with("Tag "),
        "{:?}",
        tag_room.room
    );
    let arena_room = shooter.quick_join().await.unwrap();
    assert_eq!(arena_room.room.mode, "arena");
    assert_ne!(
        arena_room.room.id, tag_room.room.id,
        "not into the tag room"
    );
    let joined = second.quick_join().await.unwrap();
    assert_eq!(
        joined.room.id, tag_room.room.id,
        "into the tag room with space"
    );
}

#[tokio::test]
async fn a_mode_the_server_does_not_run_is_refused_with_the_modes_it_does() {
    let app = spawn_app();
    let mut client = connect(&app, "ada").await;
    for request in [
        ClientMsg::QuickJoin {
            mode: "pong".into(),
        },
        ClientMsg::CreateRoom {
            name: "pong night".into(),
            capacity: 2,
            public: true,
            bots: false,
            mode: "pong".into(),
        },
    ] {
        client.send(&request).await.unwrap();
        let (code, message) = next_error(&mut client).await;
        assert_eq!(code, ErrorCode::UnknownMode);
        assert_eq!(
            message,
            "no game mode \"pong\" here; this server runs: arena, tag"
        );
    }
    // Still in the lobby, and welcome to play a game there is.
    assert_eq!(client.quick_join().await.unwrap().room.mode, "arena");
}

#[tokio::test]
async fn a_client_is_told_when_a_room_runs_a_game_it_cannot_play() {
    let app = spawn_app();
    let mut host = tag_client(&app, "host").await;
    let room = host.create_room("chase", 4, false).await.unwrap();
    let mut shooter = connect(&app, "shooter").await;
    match shooter.join_by_code(&room.code).await {
        Err(BotError::UnknownMode { mode, plays }) => {
            assert_eq!((mode.as_str(), plays), ("tag", "arena"));
        }
        other => panic!("expected UnknownMode, got {other:?}"),
    }
}

#[tokio::test]
async fn tag_inputs_the_game_refuses_are_bad_inputs() {
    let app = spawn_app();
    let mut player = tag_client(&app, "player").await;
    player.create_room("chase", 4, true).await.unwrap();
    for payload in [&[16][..], &[1, 0][..]] {
        let input = ClientMsg::Input(InputMsg {
            seq: 1,
            payload: InputPayload::new(payload).unwrap(),
        });
        player.send(&input).await.unwrap();
        let (code, message) = next_error(&mut player).await;
        assert_eq!(code, ErrorCode::BadInput, "{payload:?}: {message}");
    }
    // The connection goes on: a good input is taken.
    let seq = player
        .send_game_input(&TagInput { movement: 0 })
        .await
        .unwrap();
    player
        .wait_for_state(WAIT, |view| (view.own_ack() >= seq).then_some(()))
        .await
        .unwrap();
}

/// Two players and the server's bots play tag: a round starts with someone it, the bots move,
/// and a spectator rebuilds the same state from its own snapshots.
#[tokio::test]
async fn a_tag_room_with_bots_plays_and_can_be_watched() {
    let app = spawn_app_with(Config {
        bot_fill: 4,
        ..test_config()
    });
    let mut player = tag_client(&app, "player").await;
    let joined = player
        .create_room_with_bots("chase", 6, true)
        .await
        .unwrap();
    let started = player
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::GameEvent { event, .. } => match Tag::decode_event(event) {
                Ok(TagEvent::RoundStarted { it, ends_tick }) => Some((it, ends_tick)),
                _ => None,
            },
            _ => None,
        })
        .await
        .unwrap();
    let roster = player.room().unwrap().roster().to_vec();
    assert_eq!(roster.len(), 4, "three bots joined: {roster:?}");
    assert!(roster.iter().any(|p| p.slot == started.0), "it is a player");
    assert!(roster.iter().all(|p| p.score.len() == Tag::SCORE_COLUMNS));

    // The bots move: some bot's position changes within a second or two.
    let bots: Vec<Slot> = roster.iter().filter(|p| p.bot).map(|p| p.slot).collect();
    let positions = |state: &TagState| -> Vec<(Slot, u16, u16)> {
        state
            .players
            .iter()
            .filter(|p| bots.contains(&p.slot))
            .map(|p| (p.slot, p.x, p.y))
            .collect()
    };
    let before = player
        .wait_for_state(WAIT, |view| view.state().map(&positions))
        .await
        .unwrap();
    player
        .wait_for_state(WAIT, |view| {
            let state = view.state()?;
            (state.phase == Phase::Playing && positions(state) != before).then_some(())
        })
        .await
        .unwrap();

    // A spectator gets tag's setup and snapshots it can rebuild the room from.
    let mut watcher = tag_client(&app, "watcher").await;
    watcher
        .send(&ClientMsg::SpectateByCode {
            code: joined.code.clone(),
        })
        .await
        .unwrap();
    let setup = watcher
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Spectating { room, setup, .. } => {
                assert_eq!(room.mode, "tag");
                Some(Tag::decode_setup(setup).expect("tag's setup"))
            }
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(setup, joined.setup);
    let mut held: Option<Held<TagState>> = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while held.as_ref().is_none_or(|h| h.state.players.len() < 4) {
        assert!(tokio::time::Instant::now() < deadline, "{held:?}");
        let msg = watcher
            .wait_for(WAIT, |msg| {
                matches!(msg, ServerMsg::Snapshot(_)).then(|| msg.clone())
            })
            .await
            .unwrap();
        let ServerMsg::Snapshot(snapshot) = msg else {
            unreachable!()
        };
        apply_snapshot::<Tag>(&mut held, &snapshot).expect("the spectator's snapshots apply");
    }
    let state = held.unwrap().state;
    assert_eq!(state.phase, Phase::Playing);
    assert!(state.it.is_some());
}
