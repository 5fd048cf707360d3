//! Tag in a real browser: a player picks tag for quick play and lands in a tag room with the
//! server's bots (the lobby's mode picker, the room's mode), moves (its own player predicted,
//! and the server's position following), plays one whole round to its end (the status line
//! counts it down, the feed names the winner, the scoreboard holds the round's points), and
//! sees the next round start with the scores reset. A second browser watches the room from the
//! lobby's list, seeing every player.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};
use serde_json::Value;
use skirmish::config::Config;

use crate::common;
use crate::harness::{
    click, enter_lobby, number, open_browser, page_state, position_of, programs, wait_for_script,
    wait_for_state, wait_for_state_within, wait_for_text, Driver, Profile, ONE_AT_A_TIME,
};

/// A round and its intermission (30 s and 3 s at the default tick rate), with room to spare
/// on a busy machine.
const ROUND_WAIT: Duration = Duration::from_secs(60);

/// `phase` as the page's debug state has it: 1 while a round runs, 2 between rounds.
const PLAYING: u64 = 1;
const INTERMISSION: u64 = 2;

fn phase(state: &Value) -> Option<u64> {
    state["phase"].as_u64()
}

/// Holds each key for `ms`, one after the other, in the browser's own action queue.
async fn walk(client: &Client, keys: &[char], ms: u64) {
    let mut actions = KeyActions::new("keyboard".into());
    for key in keys {
        actions = actions
            .then(KeyAction::Down { value: *key })
            .then(KeyAction::Pause {
                duration: Duration::from_millis(ms),
            })
            .then(KeyAction::Up { value: *key });
    }
    client
        .perform_actions(actions)
        .await
        .expect("the keys are pressed");
}

fn points(state: &Value) -> Vec<f64> {
    state["roster"]
        .as_array()
        .map(|roster| roster.iter().map(|p| number(&p["points"])).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_of_tag_is_played_to_its_end_in_chromium() {
    let Some((chromium, chromedriver)) = programs() else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = common::spawn_app_with(Config {
        bot_fill: 3,
        ..common::test_config()
    });
    let driver = Driver::start(&chromedriver).await;
    let profile = Profile::new("tag");
    let client = open_browser(&driver, &chromium, &profile).await;
    enter_lobby(&client, &server.http_url(), "tagger").await;

    client
        .find(Locator::Id("quick-mode"))
        .await
        .expect("the quick play mode picker")
        .select_by_value("tag")
        .await
        .expect("tag is offered");
    click(&client, "quick-play").await;
    let joined = wait_for_state(
        &client,
        "in a tag room with two bots, a round running",
        |s| {
            s["room"]["mode"] == "tag"
                && s["roster"].as_array().is_some_and(|r| r.len() == 3)
                && phase(s) == Some(PLAYING)
        },
    )
    .await;
    assert!(
        joined["room"]["name"]
            .as_str()
            .is_some_and(|name| name.starts_with("Tag ")),
        "{joined:#}"
    );
    wait_for_text(
        &client,
        "the status line shows the round",
        "game-status",
        |t| !t.trim().is_empty(),
    )
    .await;

    // Walking moves the own player, and the server's position follows the prediction. One
    // direction at a time until the player got somewhere (a wall may block one; walking back
    // and forth would end where it started).
    let start = position_of(&page_state(&client).await, "serverPosition");
    let away = |s: &Value, key: &str| {
        let (x, y) = position_of(s, key);
        (x - start.0).hypot(y - start.1) > 20.0
    };
    for key in ['d', 's', 'a', 'w'] {
        walk(&client, &[key], 700).await;
        // The page predicts its own player at once.
        if away(&page_state(&client).await, "position") {
            break;
        }
    }
    let moved = wait_for_state(&client, "the server has the own player moved", |s| {
        away(s, "serverPosition")
    })
    .await;
    let (px, py) = position_of(&moved, "position");
    let (sx, sy) = position_of(&moved, "serverPosition");
    assert!(
        (px - sx).hypot(py - sy) < 100.0,
        "prediction {px},{py} and server {sx},{sy} agree"
    );

    // A spectator picks the room from the lobby's list and sees all three players.
    let watcher_profile = Profile::new("tag-watcher");
    let watcher = open_browser(&driver, &chromium, &watcher_profile).await;
    enter_lobby(&watcher, &server.http_url(), "watcher").await;
    let watch = format!("button[data-watch-room-id='{}']", joined["room"]["id"]);
    let script = format!("return document.querySelector(\"{watch}\") !== null;");
    wait_for_script(
        &watcher,
        "the lobby offers to watch the tag room",
        &script,
        |v| v == &Value::Bool(true),
    )
    .await;
    watcher
        .find(Locator::Css(&watch))
        .await
        .expect("the watch button")
        .click()
        .await
        .expect("click watch");
    wait_for_state(&watcher, "the spectator sees the tag room's players", |s| {
        s["spectating"] == true
            && s["room"]["mode"] == "tag"
            && s["others"].as_array().is_some_and(|o| o.len() == 3)
    })
    .await;

    // The round runs to its end: someone scored, and the feed names the winner.
    let over = wait_for_state_within(&client, "the round ends", ROUND_WAIT, |s| {
        phase(s) == Some(INTERMISSION)
    })
    .await;
    let scored = points(&over);
    assert!(
        scored.iter().any(|p| *p >= 10.0),
        "a 30 s round scores points: {scored:?} in {over:#}"
    );
    wait_for_text(
        &client,
        "the feed names the round's winner",
        "kill-feed",
        |t| t.contains("won the round"),
    )
    .await;

    // The next round starts with the board cleared.
    let next = wait_for_state_within(&client, "the next round starts", ROUND_WAIT, |s| {
        phase(s) == Some(PLAYING)
    })
    .await;
    let reset = points(&next);
    assert!(
        reset.iter().all(|p| *p <= 2.0),
        "a new round starts from nothing: {reset:?}"
    );
    assert!(
        next["errors"].as_array().is_some_and(Vec::is_empty),
        "{next:#}"
    );
}
