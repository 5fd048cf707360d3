//! End to end in a real browser: the server on 127.0.0.1:0, headless Chromium driven through
//! chromedriver (WebDriver, via fantoccini). One player types a name, creates a room, moves
//! with the keyboard and shoots with the mouse and the space bar. A second browser is told in
//! words that its name is refused and that an unknown code has no room, then joins the same
//! room by its code; a third opens the room's shared link; they see each other; chat arrives
//! as text, not HTML; screenshots of the lobby and the game are saved to `target/screenshots/`;
//! and a lost connection is shown with its reason and a reconnect button.
//!
//! Everything is asserted from the page's own state (`window.skirmish.state()`), polled with a
//! deadline. Needs `chromium` and `chromedriver` (Debian: `apt-get install -y chromium
//! chromium-driver`); where they are missing the test says so and passes as skipped, unless
//! `REQUIRE_BROWSER=1`, which makes that a failure. `CHROMIUM` and `CHROMEDRIVER` override
//! the programs used. The netcode's promises (exact prediction, own shots shown at once, also
//! over a laggy link) have their own test, in `browser/netcode.rs`.

mod common;
#[path = "browser/harness.rs"]
mod harness;
#[path = "browser/netcode.rs"]
mod netcode;

use std::path::Path;

use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MouseActions, PointerAction, MOUSE_BUTTON_LEFT,
};
use fantoccini::{Client, Locator};
use harness::{
    arena_map, click, enter_lobby, fill, is_clear, number, open_browser, page_state, position_of,
    wait_for_script, wait_for_shown_text, wait_for_state, wait_for_text, Driver, Profile,
};
use serde_json::{json, Value};
use skirmish::config::Config;
use skirmish::game::map::Map;

fn own_bullets(state: &Value) -> f64 {
    number(&state["stats"]["ownBulletsSeen"])
}

fn peers(state: &Value) -> Vec<String> {
    state["peersSeen"]
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Saves what the page shows to `target/screenshots/NAME`.
async fn save_screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    std::fs::write(dir.join(name), &png).expect("write the screenshot");
}

/// Opens the chat box with Enter, types `text` and sends it with Enter.
async fn say(client: &Client, text: &str) {
    client
        .perform_actions(
            KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: '\u{e007}' })
                .then(KeyAction::Up { value: '\u{e007}' }),
        )
        .await
        .expect("press Enter to open the chat");
    let chat = client
        .find(Locator::Id("chat-input"))
        .await
        .expect("the chat box");
    wait_for_script(
        client,
        "Enter focuses the chat box",
        "return document.activeElement === document.getElementById('chat-input');",
        |focused| focused == &json!(true),
    )
    .await;
    chat.send_keys(text).await.expect("type a chat line");
    chat.send_keys("\u{e007}")
        .await
        .expect("send the chat line");
}

/// Holds the keys of a direction with a clear run (towards the middle of the arena when it
/// has one; the longest run, up to 260 units, wins) until the player went most of it.
async fn walk_into_the_open(client: &Client, map: &Map) {
    let state = page_state(client).await;
    let start = position_of(&state, "serverPosition");
    let horizontal = if start.0 < f64::from(map.width) / 2.0 {
        'd'
    } else {
        'a'
    };
    let vertical = if start.1 < f64::from(map.height) / 2.0 {
        's'
    } else {
        'w'
    };
    let unit = |key: char| match key {
        'd' => (1.0, 0.0),
        'a' => (-1.0, 0.0),
        's' => (0.0, 1.0),
        _ => (0.0, -1.0),
    };
    let mut choices: Vec<Vec<char>> = vec![vec![horizontal, vertical]];
    for h in ['d', 'a'] {
        for v in ['s', 'w'] {
            choices.push(vec![h, v]);
        }
    }
    choices.extend(['d', 'a', 's', 'w'].map(|key| vec![key]));
    // Every spawn point of the arena has some direction with at least this much room.
    const SHORTEST_RUN: f64 = 100.0;
    let clear_run = |keys: &Vec<char>| {
        let (x, y) = keys
            .iter()
            .map(|&key| unit(key))
            .fold((0.0, 0.0), |acc, d| (acc.0 + d.0, acc.1 + d.1));
        let length = f64::hypot(x, y);
        (1..=13)
            .rev()
            .map(|steps| f64::from(steps) * 20.0)
            .find(|&run| is_clear(map, start, (x / length, y / length), run, 17.0))
            .unwrap_or(0.0)
    };
    let (keys, run) = choices
        .into_iter()
        .map(|keys| {
            let run = clear_run(&keys);
            (keys, run)
        })
        .fold((Vec::new(), 0.0), |best, candidate| {
            if candidate.1 > best.1 {
                candidate
            } else {
                best
            }
        });
    assert!(
        run >= SHORTEST_RUN,
        "no direction has a clear run from {start:?}"
    );
    let actions = keys
        .iter()
        .fold(KeyActions::new("keyboard".into()), |actions, &key| {
            actions.then(KeyAction::Down { value: key })
        });
    client
        .perform_actions(actions)
        .await
        .expect("press the keys");
    wait_for_state(client, "the player walks into the open", |s| {
        let (x, y) = position_of(s, "serverPosition");
        (x - start.0).hypot(y - start.1) > run - 10.0
    })
    .await;
    client.release_actions().await.expect("release the keys");
}

/// Points the mouse where a shot flies free for a while (at the other player when nothing is
/// in between) and holds the button down. Bullets that start against a wall vanish before
/// any snapshot shows them, so the direction matters.
async fn aim_and_fire(client: &Client, map: &Map, at_the_other: bool) {
    let state = page_state(client).await;
    let from = position_of(&state, "serverPosition");
    let towards_other = at_the_other
        .then(|| {
            let other = &state["others"][0];
            let (dx, dy) = (number(&other["x"]) - from.0, number(&other["y"]) - from.1);
            let distance = dx.hypot(dy);
            ((dx / distance, dy / distance), distance)
        })
        .filter(|&(dir, distance)| is_clear(map, from, dir, distance - 20.0, 5.0));
    let (dir, reach) = towards_other
        .or_else(|| {
            (0..16)
                .map(|i| f64::from(i) * std::f64::consts::TAU / 16.0)
                .map(|angle| ((angle.cos(), angle.sin()), 120.0))
                .find(|&(dir, reach)| is_clear(map, from, dir, reach, 5.0))
        })
        .expect("some direction is free of walls");
    let canvas = &state["canvas"];
    let scale = number(&canvas["scale"]);
    let x = number(&canvas["left"]) + (from.0 + dir.0 * reach) * scale;
    let y = number(&canvas["top"]) + (from.1 + dir.1 * reach) * scale;
    client
        .perform_actions(
            MouseActions::new("mouse".into())
                .then(PointerAction::MoveTo {
                    duration: None,
                    x: x.round(),
                    y: y.round(),
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                }),
        )
        .await
        .expect("aim and hold fire");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn players_move_shoot_and_see_each_other_in_chromium() {
    let Some((chromium, chromedriver)) = harness::programs() else {
        return;
    };
    let _turn = harness::ONE_AT_A_TIME.lock().await;

    let server = common::spawn_app_with(Config {
        map: "maps/arena.json".into(),
        ..common::test_config()
    });
    let url = server.http_url();
    // Declared before the driver so that they are removed after it has ended the browsers.
    let alice_profile = Profile::new("alice");
    let bob_profile = Profile::new("bob");
    let carol_profile = Profile::new("carol");
    let dave_profile = Profile::new("dave");
    let driver = Driver::start(&chromedriver).await;
    let alice = open_browser(&driver, &chromium, &alice_profile).await;
    let bob = open_browser(&driver, &chromium, &bob_profile).await;

    // Alice names herself and creates a room.
    enter_lobby(&alice, &url, "alice").await;
    fill(&alice, "room-name-input", "Browser test").await;
    click(&alice, "create-submit").await;
    let joined = wait_for_state(&alice, "alice is in her room and has a snapshot", |s| {
        s["screen"] == "game" && s["position"].is_object() && s["alive"] == true
    })
    .await;
    let code = joined["room"]["code"]
        .as_str()
        .expect("the room has a code")
        .to_string();
    let hash = alice
        .execute("return location.hash;", vec![])
        .await
        .expect("the page answers a script");
    assert_eq!(
        hash,
        json!(format!("#/room/{code}")),
        "the address is the room's link"
    );

    // Keyboard: holding a direction key (one with room to walk) moves her at once by
    // prediction and then on the server.
    let map = arena_map();
    let start = position_of(&joined, "serverPosition");
    let (key, _) = [
        ('d', (1.0, 0.0)),
        ('s', (0.0, 1.0)),
        ('a', (-1.0, 0.0)),
        ('w', (0.0, -1.0)),
    ]
    .into_iter()
    .find(|&(_, dir)| is_clear(&map, start, dir, 80.0, 17.0))
    .expect("some direction has room to walk");
    alice
        .perform_actions(KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }))
        .await
        .expect("press a direction key");
    let moved_away = |s: &Value, key: &str| {
        let (x, y) = position_of(s, key);
        (x - start.0).hypot(y - start.1) > 40.0
    };
    let moved = wait_for_state(&alice, "alice moves while the key is held", |s| {
        moved_away(s, "serverPosition")
    })
    .await;
    alice.release_actions().await.expect("release the key");
    assert!(moved_away(&moved, "position"), "the prediction moved too");
    assert!(
        number(&moved["stats"]["lastAck"]) > 0.0,
        "the server acks her inputs"
    );

    // Mouse: aim where a shot flies free and hold the button; her bullets appear in the
    // snapshots.
    aim_and_fire(&alice, &map, false).await;
    let fired = wait_for_state(&alice, "alice's mouse shots fly", |s| own_bullets(s) >= 2.0).await;
    alice.release_actions().await.expect("release the mouse");
    assert!(number(&fired["stats"]["shotsSent"]) > 0.0);

    // Space shoots too.
    let before_space = own_bullets(&fired);
    alice
        .perform_actions(KeyActions::new("keyboard".into()).then(KeyAction::Down { value: ' ' }))
        .await
        .expect("press space");
    wait_for_state(&alice, "alice's space-bar shots fly", |s| {
        own_bullets(s) > before_space
    })
    .await;
    alice.release_actions().await.expect("release space");

    // Bob names himself, tries a code that does not exist, sees why, then joins by Alice's.
    // A name the server refuses (only invisible characters) is explained on the name step.
    bob.goto(&url).await.expect("the page loads");
    fill(&bob, "name-input", "\u{200B}\u{200B}").await;
    click(&bob, "name-submit").await;
    wait_for_shown_text(
        &bob,
        "a refused name is explained in words",
        "name-error",
        |t| t.contains("name is not allowed"),
    )
    .await;
    enter_lobby(&bob, &url, "bob").await;
    wait_for_text(
        &bob,
        "the lobby lists alice's public room",
        "room-list",
        |t| t.contains("Browser test"),
    )
    .await;
    save_screenshot(&bob, "lobby.png").await;
    fill(&bob, "code-input", "NOSUCH").await;
    bob.find(Locator::Css("#code-form button"))
        .await
        .expect("the join button")
        .click()
        .await
        .expect("click join");
    wait_for_shown_text(
        &bob,
        "an unknown code is explained in words",
        "lobby-error",
        |t| t.contains("no room"),
    )
    .await;
    fill(&bob, "code-input", &code).await;
    bob.find(Locator::Css("#code-form button"))
        .await
        .expect("the join button")
        .click()
        .await
        .expect("click join");
    wait_for_state(&bob, "bob is in alice's room and sees her", |s| {
        s["screen"] == "game"
            && s["room"]["code"] == code.as_str()
            && peers(s).contains(&"alice".to_string())
    })
    .await;
    wait_for_state(&alice, "alice sees bob", |s| {
        peers(s).contains(&"bob".to_string())
    })
    .await;

    // A shared link opens straight into the room after the name step.
    let carol = open_browser(&driver, &chromium, &carol_profile).await;
    carol
        .goto(&format!("{url}/#/room/{code}"))
        .await
        .expect("the room link loads");
    fill(&carol, "name-input", "carol").await;
    click(&carol, "name-submit").await;
    wait_for_state(&carol, "the link takes carol into alice's room", |s| {
        s["screen"] == "game" && s["room"]["code"] == code.as_str()
    })
    .await;
    wait_for_state(&alice, "alice sees carol", |s| {
        peers(s).contains(&"carol".to_string())
    })
    .await;
    click(&carol, "leave").await;
    wait_for_state(&carol, "leaving returns carol to the lobby", |s| {
        s["screen"] == "lobby" && s["room"].is_null()
    })
    .await;
    carol.close().await.expect("close carol's browser");

    say(&bob, "gl hf!").await;
    wait_for_text(&alice, "bob's greeting reaches alice", "chat-log", |t| {
        t.contains("gl hf!")
    })
    .await;

    // A lively frame for the screenshot: both walk into the open, then shoot (at each other
    // when no wall is in between).
    for client in [&alice, &bob] {
        walk_into_the_open(client, &map).await;
    }
    for client in [&alice, &bob] {
        aim_and_fire(client, &map, true).await;
    }
    let shooting = own_bullets(&page_state(&alice).await);
    wait_for_state(&alice, "bullets in flight for the screenshot", |s| {
        own_bullets(s) >= shooting + 2.0 && s["pingMs"].is_number()
    })
    .await;
    wait_for_text(
        &alice,
        "the HUD shows ping, tick rate, snapshot rate and fps",
        "hud-stats",
        |t| {
            ["ping", "ms", "tick 30 Hz", "snapshots", "fps"]
                .iter()
                .all(|part| t.contains(part))
        },
    )
    .await;
    save_screenshot(&alice, "game.png").await;
    alice.release_actions().await.expect("release");
    bob.release_actions().await.expect("release");

    // Chat is shown as text: markup arrives as the characters typed.
    let markup = "<b id=\"injected\">hi</b>";
    say(&bob, markup).await;
    wait_for_text(
        &alice,
        "bob's chat line reaches alice as text",
        "chat-log",
        |t| t.contains(markup),
    )
    .await;
    let injected = alice
        .execute(
            "return document.getElementById('injected') === null;",
            vec![],
        )
        .await
        .expect("the page answers a script");
    assert_eq!(injected, json!(true), "chat text never becomes HTML");

    // Dave watches from the room list: no seat, the whole arena, then one player followed.
    let dave = open_browser(&driver, &chromium, &dave_profile).await;
    enter_lobby(&dave, &url, "dave").await;
    let room_id = joined["room"]["id"].as_u64().expect("a room id");
    let watch_button = format!("button[data-watch-room-id='{room_id}']");
    wait_for_script(
        &dave,
        "the room list offers to watch alice's room",
        &format!("return document.querySelector(\"{watch_button}\") !== null;"),
        |found| found == &json!(true),
    )
    .await;
    dave.find(Locator::Css(&watch_button))
        .await
        .expect("the watch button")
        .click()
        .await
        .expect("click watch");
    let watching = wait_for_state(&dave, "dave watches alice and bob", |s| {
        s["screen"] == "game"
            && s["spectating"] == true
            && peers(s).contains(&"alice".to_string())
            && peers(s).contains(&"bob".to_string())
    })
    .await;
    assert!(watching["room"]["you"].is_null(), "a spectator has no slot");
    assert!(watching["following"].is_null(), "the whole arena first");
    // The canvas is sized on the next animation frame, not when the room is entered.
    wait_for_script(
        &dave,
        "the spectator's canvas shows the whole arena",
        &format!(
            "return window.skirmish.state().canvas.scale === \
             Math.min(innerWidth / {}, innerHeight / {});",
            map.width, map.height
        ),
        |fits| fits == &json!(true),
    )
    .await;
    let whole_arena_scale = number(&page_state(&dave).await["canvas"]["scale"]);
    click(&dave, "follow-next").await;
    let following = wait_for_state(&dave, "dave follows a player up close", |s| {
        s["following"].is_number() && number(&s["canvas"]["scale"]) > whole_arena_scale * 1.5
    })
    .await;
    let roster = following["roster"].as_array().expect("a roster");
    assert_eq!(
        roster.len(),
        2,
        "the spectator is not in the roster: {roster:?}"
    );
    wait_for_text(
        &dave,
        "the bar names the followed player",
        "follow-name",
        |t| t.starts_with("Following "),
    )
    .await;
    save_screenshot(&dave, "spectator.png").await;

    // The monitor page lists the room with its players and opens it to watch.
    dave.goto(&format!("{url}/monitor"))
        .await
        .expect("the monitor loads");
    let rows = wait_for_text(
        &dave,
        "the monitor shows the room, its players and its tick timing",
        "room-rows",
        |t| {
            ["Browser test", "alice", "bob", "2 / 8", "Hz", "ms", "Watch"]
                .iter()
                .all(|part| t.contains(part))
        },
    )
    .await;
    assert!(!rows.as_str().unwrap_or_default().contains("dave"));
    wait_for_script(
        &dave,
        "the monitor's summary counts players and rates",
        "return document.getElementById('players').textContent + ' ' + \
         document.getElementById('rate-out').textContent;",
        |text| {
            text.as_str()
                .is_some_and(|t| t.starts_with("2 ") && t.contains("/s"))
        },
    )
    .await;
    save_screenshot(&dave, "monitor.png").await;
    let watch_link = dave
        .execute(
            "return document.querySelector('#room-rows a.watch').getAttribute('href');",
            vec![],
        )
        .await
        .expect("the page answers a script");
    assert_eq!(watch_link, json!(format!("/?watch={code}")));
    dave.goto(&format!("{url}/?watch={code}"))
        .await
        .expect("the watch link loads");
    fill(&dave, "name-input", "dave").await;
    click(&dave, "name-submit").await;
    wait_for_state(
        &dave,
        "the watch link makes dave a spectator of the room",
        |s| s["spectating"] == true && s["room"]["code"] == code.as_str(),
    )
    .await;
    dave.close().await.expect("close dave's browser");

    // The server goes away: the page says so and offers to reconnect.
    drop(server);
    let lost = wait_for_state(&alice, "the page shows the lost connection", |s| {
        s["connection"] == "closed"
    })
    .await;
    assert!(
        lost["connectionText"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "a reason in words: {lost}"
    );
    let reconnect_shown = alice
        .execute(
            "return !document.getElementById('reconnect').hidden \
             && document.getElementById('connection').dataset.state === 'disconnected';",
            vec![],
        )
        .await
        .expect("the page answers a script");
    assert_eq!(
        reconnect_shown,
        json!(true),
        "a reconnect button is offered"
    );

    alice.close().await.expect("close alice's browser");
    bob.close().await.expect("close bob's browser");
}
