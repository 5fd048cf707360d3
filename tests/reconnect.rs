//! Reconnection: a player whose connection drops keeps its seat for the grace period, and a new
//! connection presenting its session token continues as the same player.

mod common;

use common::raw::{RawClient, Watched};
use common::{player_left, spawn_app_with, test_config, WAIT};
use skirmish::bot::{BotClient, JoinedRoom, Welcome};
use skirmish::config::Config;
use skirmish::game::arena::PlayerState;
use skirmish::game::arena::{Arena, ArenaInput};
use skirmish::game::movement::MOVE_RIGHT;
use skirmish::protocol::{
    ClientMsg, CloseCode, ErrorCode, PlayerId, RosterEntry, ServerMsg, Slot, PROTOCOL_VERSION,
};
use skirmish::startup::RunningServer;

struct Player {
    client: RawClient,
    player_id: PlayerId,
    token: String,
    slot: Slot,
}

/// Connects, takes the session token, joins the watched room and moves right for a moment.
async fn player_in_room(app: &RunningServer, watched: &Watched, grace_ms: u32) -> Player {
    let mut client = RawClient::connect(app).await;
    let player_id = client.hello("wanderer").await.player_id;
    let (token, announced_grace) = client
        .expect(|m| match m {
            ServerMsg::SessionToken { token, grace_ms } => Some((token.clone(), *grace_ms)),
            _ => None,
        })
        .await;
    assert_eq!(announced_grace, grace_ms);
    let slot = client.join(&watched.code).await.you;
    for seq in 1..=5 {
        client
            .send(
                &ArenaInput {
                    movement: MOVE_RIGHT,
                    aim: 0.5,
                    fire: false,
                    render_tick: 0,
                }
                .message(seq),
            )
            .await;
    }
    client.expect_ack(5).await;
    Player {
        client,
        player_id,
        token,
        slot,
    }
}

const GRACE_MS: u32 = 15_000;

fn config_with_grace(ms: u32) -> Config {
    Config {
        reconnect_grace_ms: ms,
        ..test_config()
    }
}

/// Two snapshots in a row in which `slot` stands at the same place: it stopped moving.
async fn resting_state(client: &mut BotClient, slot: Slot) -> PlayerState {
    let mut last: Option<PlayerState> = None;
    client
        .wait_for_state(WAIT, |room| {
            let now = *room.player_state(slot)?;
            let rested = last.is_some_and(|l| (l.x, l.y) == (now.x, now.y));
            last = Some(now);
            rested.then_some(now)
        })
        .await
        .expect("the player comes to rest")
}

async fn resume(app: &RunningServer, token: &str) -> RawClient {
    let mut client = RawClient::connect(app).await;
    client
        .send(&ClientMsg::Resume {
            protocol: PROTOCOL_VERSION,
            token: token.into(),
        })
        .await;
    client
}

#[tokio::test]
async fn a_dropped_player_resumes_with_the_same_id_slot_score_and_position() {
    let app = spawn_app_with(config_with_grace(GRACE_MS));
    let mut watched = Watched::new(&app).await;
    let player = player_in_room(&app, &watched, GRACE_MS).await;
    let roster_before: RosterEntry = watched
        .observer
        .wait_for(WAIT, |m| match m {
            ServerMsg::PlayerJoined { player: entry } if entry.slot == player.slot => {
                Some(entry.clone())
            }
            _ => None,
        })
        .await
        .expect("the observer sees the player join");
    // The connection dies without a close frame (like a lost network).
    drop(player.client);
    // The seat is kept: the player stands still where it was and is not announced as gone.
    let resting = resting_state(&mut watched.observer, player.slot).await;

    let mut back = resume(&app, &player.token).await;
    let player_id = back.expect(Welcome::from_msg).await.player_id;
    assert_eq!(player_id, player.player_id);
    let new_token = back
        .expect(|m| match m {
            ServerMsg::SessionToken { token, .. } => Some(token.clone()),
            _ => None,
        })
        .await;
    assert_ne!(new_token, player.token, "every resume gets a fresh token");
    let JoinedRoom { you, roster, .. } = back
        .expect(JoinedRoom::<Arena>::from_msg)
        .await
        .expect("an arena room");
    assert_eq!(you, player.slot);
    let me = roster
        .iter()
        .find(|e| e.slot == you)
        .expect("in the roster");
    assert_eq!(me, &roster_before, "same id, name and score");
    let state = back
        .expect_state(|room, _| room.players.iter().find(|p| p.slot == you).copied())
        .await;
    assert_eq!((state.x, state.y), (resting.x, resting.y), "same position");
    // Inputs count from 1 again on the new connection.
    back.send(
        &ArenaInput {
            movement: 0,
            aim: 0.0,
            fire: false,
            render_tick: 0,
        }
        .message(1),
    )
    .await;
    back.expect_ack(1).await;
    // The old token is spent.
    let mut again = resume(&app, &player.token).await;
    let ending = again.ending().await;
    assert_eq!(ending.error_codes(), vec![ErrorCode::BadSessionToken]);
    assert_eq!(ending.code, CloseCode::BadSessionToken);
    watched.assert_still_ticking().await;
    let roster_after = watched
        .observer
        .room()
        .and_then(|room| room.roster_entry(player.slot).cloned());
    assert_eq!(
        roster_after,
        Some(roster_before),
        "the others never saw the player leave"
    );
}

#[tokio::test]
async fn a_wrong_or_expired_token_is_refused() {
    let app = spawn_app_with(config_with_grace(300));
    let mut watched = Watched::new(&app).await;
    let mut stranger = resume(&app, "0123456789abcdef0123456789abcdef").await;
    let ending = stranger.ending().await;
    assert_eq!(ending.error_codes(), vec![ErrorCode::BadSessionToken]);
    assert_eq!(ending.code, CloseCode::BadSessionToken);

    let player = player_in_room(&app, &watched, 300).await;
    drop(player.client);
    // After the grace period the seat is given up...
    player_left(&mut watched.observer, player.slot).await;
    // ...and the token no longer works.
    let mut late = resume(&app, &player.token).await;
    let ending = late.ending().await;
    assert_eq!(ending.error_codes(), vec![ErrorCode::BadSessionToken]);
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn resuming_takes_over_a_connection_the_server_still_thinks_alive() {
    let app = spawn_app_with(config_with_grace(GRACE_MS));
    let watched = Watched::new(&app).await;
    let mut player = player_in_room(&app, &watched, GRACE_MS).await;
    let mut back = resume(&app, &player.token).await;
    let you = back
        .expect(JoinedRoom::<Arena>::from_msg)
        .await
        .expect("an arena room")
        .you;
    assert_eq!(you, player.slot);
    let ending = player.client.ending().await;
    assert_eq!(ending.code, CloseCode::Replaced);
    // The replaced connection's end does not take the player out of the room.
    back.expect_state(|room, _| room.players.iter().any(|p| p.slot == you).then_some(()))
        .await;
    assert!(back.is_open().await);
}

#[tokio::test]
async fn a_close_frame_keeps_the_seat_and_the_resume_works() {
    let app = spawn_app_with(config_with_grace(GRACE_MS));
    let mut watched = Watched::new(&app).await;
    let mut player = player_in_room(&app, &watched, GRACE_MS).await;
    // What a browser does when the page's socket is closed: a close frame, here 1000.
    player.client.ws.close(None).await.unwrap();
    let resting = resting_state(&mut watched.observer, player.slot).await;
    let mut back = resume(&app, &player.token).await;
    assert_eq!(
        back.expect(Welcome::from_msg).await.player_id,
        player.player_id
    );
    let you = back
        .expect(JoinedRoom::<Arena>::from_msg)
        .await
        .expect("an arena room")
        .you;
    assert_eq!(you, player.slot, "the same seat");
    let state = back
        .expect_state(|room, _| room.players.iter().find(|p| p.slot == you).copied())
        .await;
    assert_eq!((state.x, state.y), (resting.x, resting.y), "same position");
    watched.assert_still_ticking().await;
    assert!(
        watched
            .observer
            .room()
            .is_some_and(|room| room.roster_entry(player.slot).is_some()),
        "the others never saw the player leave"
    );
}

#[tokio::test]
async fn only_leave_room_gives_the_seat_up_at_once() {
    let app = spawn_app_with(config_with_grace(GRACE_MS));
    let mut watched = Watched::new(&app).await;
    let mut player = player_in_room(&app, &watched, GRACE_MS).await;
    player.client.send(&ClientMsg::LeaveRoom).await;
    player_left(&mut watched.observer, player.slot).await;
    player.client.ws.close(None).await.unwrap();
    // The token still names the player, now in the lobby: no room to go back to.
    let mut back = resume(&app, &player.token).await;
    assert_eq!(
        back.expect(Welcome::from_msg).await.player_id,
        player.player_id
    );
    back.send(&ClientMsg::ListRooms).await;
    let rejoined = back
        .expect(|m| match m {
            ServerMsg::Joined { .. } => Some(true),
            ServerMsg::RoomList { .. } => Some(false),
            _ => None,
        })
        .await;
    assert!(!rejoined, "in the lobby, not back in the room");
}
