//! The server's bots, end to end with the default bot fill: a person alone in a quick-join room
//! gets opponents at once, bots give their seats to people one by one, are marked as bots
//! everywhere, are never counted as people, and never keep a room alive on their own.

mod common;

use std::time::{Duration, Instant};

use common::{
    admin_get, connect, eventually, http_get, next_snapshot, spawn_app_with, test_config, WAIT,
};
use skirmish::bot::{BotClient, RoomView};
use skirmish::config::Config;
use skirmish::game::arena::{is_alive, Arena};
use skirmish::protocol::{PlayerId, ServerMsg};

fn server_with_default_bots() -> skirmish::startup::RunningServer {
    spawn_app_with(Config {
        bot_fill: Config::defaults().bot_fill,
        ..test_config()
    })
}

fn bots_in(view: &RoomView<Arena>) -> usize {
    view.roster().iter().filter(|entry| entry.bot).count()
}

/// Waits until the client's roster holds `bots` bots, and the snapshots as many players as
/// its roster.
async fn until_bots(client: &mut BotClient, bots: usize) {
    client
        .wait_for_state(WAIT, |view| {
            let players = view.state()?.players.len();
            (bots_in(view) == bots && players == view.roster().len()).then_some(())
        })
        .await
        .unwrap_or_else(|e| panic!("{bots} bots in the room: {e}"));
}

#[tokio::test]
async fn a_person_alone_gets_opponents_at_once_and_they_play() {
    let default_fill = usize::from(Config::defaults().bot_fill);
    assert!(default_fill >= 2, "bots are on by default for quick join");
    let app = server_with_default_bots();
    let mut ada = connect(&app, "ada").await;
    let started = Instant::now();
    ada.quick_join().await.unwrap();
    until_bots(&mut ada, default_fill - 1).await;
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(2),
        "opponents after {waited:?}"
    );
    let view = ada.room().unwrap();
    for entry in view.roster().iter().filter(|e| e.bot) {
        assert_eq!(entry.player_id, PlayerId(0), "{entry:?}");
        assert!(entry.name.starts_with("Bot "), "{entry:?}");
    }
    // They move and they fight: positions change and, before long, someone is hit.
    let first = ada.room().unwrap().state().unwrap().clone();
    ada.wait_for_state(Duration::from_secs(20), |view| {
        let state = view.state()?;
        let bots_moved = state
            .players
            .iter()
            .filter(|p| p.slot != view.you)
            .any(|p| {
                first
                    .players
                    .iter()
                    .find(|q| q.slot == p.slot)
                    .is_some_and(|q| (q.x, q.y) != (p.x, p.y))
            });
        let someone_hit = state.players.iter().any(|p| p.hp < 100 || !is_alive(p));
        (bots_moved && someone_hit).then_some(())
    })
    .await
    .expect("the bots move and shoot");

    let (_, rooms) = http_get(&app, "/api/rooms").await;
    let rooms: serde_json::Value = serde_json::from_str(&rooms).unwrap();
    assert_eq!(rooms[0]["players"], 1, "people only: {rooms}");
    assert_eq!(rooms[0]["bots"], default_fill - 1, "{rooms}");
}

#[tokio::test]
async fn bots_give_their_seats_to_people_one_by_one() {
    let app = server_with_default_bots();
    let fill = usize::from(Config::defaults().bot_fill);
    let mut ada = connect(&app, "ada").await;
    // A room exactly as big as the fill: every seat is taken, by a person or a bot.
    let joined = ada
        .create_room_with_bots("bots", fill as u8, true)
        .await
        .unwrap();
    until_bots(&mut ada, fill - 1).await;
    let mut people = vec![ada];
    for joining in 1..fill {
        let mut person = connect(&app, &format!("p{joining}")).await;
        person
            .join_by_code(&joined.code)
            .await
            .expect("a bot makes room for a person");
        people.push(person);
        for person in &mut people {
            until_bots(person, fill - 1 - joining).await;
        }
    }
    // Full of people now: the next one is refused like in any full room.
    let mut late = connect(&app, "late").await;
    assert!(late.join_by_code(&joined.code).await.is_err());
    // People leave: bots come back, one per seat.
    let leaving = people.pop().unwrap();
    leaving.close().await.unwrap();
    until_bots(&mut people[0], 1).await;
}

#[tokio::test]
async fn bots_are_not_people_and_leave_with_the_last_one() {
    let app = server_with_default_bots();
    let mut ada = connect(&app, "ada").await;
    let joined = ada.quick_join().await.unwrap();
    until_bots(&mut ada, usize::from(Config::defaults().bot_fill) - 1).await;
    let (_, metrics) = admin_get(&app, "/metrics").await;
    assert!(
        metrics.contains("skirmish_players{mode=\"arena\"} 1"),
        "bots are not counted as players: {metrics}"
    );
    // Quick join sees the room as holding one person: the next person lands there too.
    let mut bob = connect(&app, "bob").await;
    assert_eq!(bob.quick_join().await.unwrap().room.id, joined.room.id);
    bob.close().await.unwrap();
    ada.close().await.unwrap();
    eventually("the room of bots closes", || async {
        let (_, rooms) = http_get(&app, "/api/rooms").await;
        rooms.trim() == "[]"
    })
    .await;
}

#[tokio::test]
async fn a_created_room_has_no_bots_unless_asked() {
    let app = server_with_default_bots();
    let mut ada = connect(&app, "ada").await;
    ada.create_room("people only", 8, true).await.unwrap();
    for _ in 0..10 {
        next_snapshot(&mut ada).await;
    }
    let view = ada.room().unwrap();
    assert_eq!(bots_in(view), 0);
    assert_eq!(view.state().unwrap().players.len(), 1);
    // Nothing but snapshots arrived: no bot joined and left.
    let joined_later = ada
        .wait_for(Duration::from_millis(300), |msg| {
            matches!(msg, ServerMsg::PlayerJoined { .. }).then_some(())
        })
        .await;
    assert!(joined_later.is_err());
}
