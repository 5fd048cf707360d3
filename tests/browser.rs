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
//! over a laggy link) have their own test, in `browser/netcode.rs`; the replay viewer (a recorded
//! match played, paused and seeked) in `browser/replay.rs`; a round of tag, the second game, in
//! `browser/tag.rs`; a page following a cluster's redirect in `browser/cluster.rs`.

#[path = "browser/cluster.rs"]
mod cluster;
mod common;
#[path = "browser/harness.rs"]
mod harness;
#[path = "browser/netcode.rs"]
mod netcode;
#[path = "browser/replay.rs"]
mod replay;
#[path = "browser/tag.rs"]
mod tag;

use std::path::Path;
use std::time::Duration;

use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, PointerAction, TouchActions, MOUSE_BUTTON_LEFT,
};
use fantoccini::{Client, Locator};
use harness::{
    arena_map, click, enter_lobby, fill, is_clear, number, open_browser, open_screen, page_state,
    position_of, press_at, wait_for_script, wait_for_shown_text, wait_for_state, wait_for_text,
    Driver, Profile, Screen, PAGE_WAIT,
};
use serde_json::{json, Value};
use skirmish::bot::{BotClient, RoomView};
use skirmish::config::Config;
use skirmish::game::arena::{Arena, PLAYER_PROTECTED};
use skirmish::game::map::Map;
use skirmish::game::movement::{MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP};
use skirmish::protocol::{ServerMsg, Slot};

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
        .filter(|&(dir, distance)| is_clear(map, from, dir, distance - 20.0, 5.0))
        // The pointer stays near her: the other may be out of view.
        .map(|(dir, distance)| (dir, distance.min(150.0)));
    let (dir, reach) = towards_other
        .or_else(|| {
            (0..16)
                .map(|i| f64::from(i) * std::f64::consts::TAU / 16.0)
                .map(|angle| ((angle.cos(), angle.sin()), 120.0))
                .find(|&(dir, reach)| is_clear(map, from, dir, reach, 5.0))
        })
        .expect("some direction is free of walls");
    press_at(
        client,
        &state,
        (from.0 + dir.0 * reach, from.1 + dir.1 * reach),
        false,
    )
    .await;
}

/// The HUD's boxes as the page lays them out (only the ones shown), which of them overlap,
/// which reach off the window, whether the canvas covers the window and whether the page
/// scrolls.
const LAYOUT: &str = r#"
const shown = (el) => {
  if (!el || el.closest('[hidden]')) return null;
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') return null;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 ? r : null;
};
const parts = {
  'room and buttons': '.hud.top-left', 'scores and kills': '.hud.top-right',
  'chat': '.hud.chat', 'help': '.help', 'connection banner': '#connection',
  'death banner': '#respawn', 'move stick': '#stick-move', 'aim stick': '#stick-aim',
  'spectator bar': '#spectate-bar',
};
const boxes = [];
for (const [name, selector] of Object.entries(parts)) {
  const r = shown(document.querySelector(selector));
  if (r) boxes.push({ name, left: r.left, top: r.top, right: r.right, bottom: r.bottom });
}
const overlaps = [];
for (let i = 0; i < boxes.length; i++) {
  for (let j = i + 1; j < boxes.length; j++) {
    const [a, b] = [boxes[i], boxes[j]];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
      overlaps.push(a.name + ' / ' + b.name);
    }
  }
}
const off = boxes.filter((b) => b.left < 0 || b.top < 0 || b.right > innerWidth || b.bottom > innerHeight);
const c = document.getElementById('arena').getBoundingClientRect();
const page = document.scrollingElement;
return {
  viewport: [innerWidth, innerHeight], boxes, overlaps, offscreen: off.map((b) => b.name),
  canvasCovers: c.left <= 0 && c.top <= 0 && c.right >= innerWidth && c.bottom >= innerHeight,
  scrolls: page.scrollHeight > innerHeight || page.scrollWidth > innerWidth,
  sticks: boxes.filter((b) => b.name.endsWith('stick')).length,
};
"#;

/// Where each spawn point puts the own player on this window (camera.js, as the page uses
/// it), with its name and health bar, and which HUD boxes that touches.
const SPAWNS_UNDER_HUD: &str = r#"
const [spawns, world, radius, boxes, done] = arguments;
import('/camera.js').then(({ follow, playerScale }) => {
  const viewport = { width: innerWidth, height: innerHeight };
  const scale = playerScale(viewport, world);
  const under = [];
  for (const spawn of spawns) {
    const camera = follow(viewport, world, spawn, scale);
    const x = camera.originX + spawn.x * scale;
    const y = camera.originY + spawn.y * scale;
    const r = radius * scale;
    // The ring, and above it the health bar and the name "(you)".
    const me = { left: x - Math.max(r + 8, 45), right: x + Math.max(r + 8, 45), top: y - r - 32, bottom: y + r + 8 };
    // The death banner goes when the player comes back.
    for (const b of boxes.filter((b) => b.name !== 'death banner')) {
      if (me.left < b.right && b.left < me.right && me.top < b.bottom && b.top < me.bottom) {
        under.push(`spawn (${spawn.x}, ${spawn.y}) at (${Math.round(x)}, ${Math.round(y)}) is under ${b.name}`);
      }
    }
  }
  done(under);
});
"#;

/// Asserts the game screen's layout on this window: the canvas covers it, nothing scrolls,
/// no two HUD elements overlap or leave the window, and (with a `map`) no spawn point puts
/// the own player under one. Returns the layout for more checks.
async fn assert_layout(client: &Client, label: &str, map: Option<&Map>) -> Value {
    let layout = client
        .execute(LAYOUT, vec![])
        .await
        .expect("the page answers a script");
    assert_eq!(
        layout["canvasCovers"],
        json!(true),
        "{label}: the canvas covers the window: {layout:#}"
    );
    assert_eq!(
        layout["scrolls"],
        json!(false),
        "{label}: the page does not scroll: {layout:#}"
    );
    assert_eq!(
        layout["overlaps"],
        json!([]),
        "{label}: HUD elements overlap: {layout:#}"
    );
    assert_eq!(
        layout["offscreen"],
        json!([]),
        "{label}: HUD elements leave the window: {layout:#}"
    );
    let Some(map) = map else {
        return layout;
    };
    let spawns: Vec<Value> = map
        .spawns
        .iter()
        .map(|&(x, y)| json!({ "x": x, "y": y }))
        .collect();
    let under = client
        .execute_async(
            SPAWNS_UNDER_HUD,
            vec![
                json!(spawns),
                json!({ "width": map.width, "height": map.height }),
                json!(16),
                layout["boxes"].clone(),
            ],
        )
        .await
        .expect("the page answers a script");
    assert_eq!(under, json!([]), "{label}: spawn points under the HUD");
    layout
}

/// Shows the death banner with a long killer's name for one layout check (the page hides
/// it again on its next frame) and asserts it overlaps nothing and keeps to two lines.
async fn assert_death_banner_fits(client: &Client, label: &str) {
    let script = format!(
        "document.getElementById('respawn').hidden = false;\
         document.getElementById('respawn-by').textContent = 'Shot by {}';\
         document.getElementById('respawn-in').textContent = 'respawn in 2 s';\
         const lines = document.getElementById('respawn').getBoundingClientRect().height;\
         const result = (() => {{ {LAYOUT} }})();\
         document.getElementById('respawn').hidden = true;\
         return {{ ...result, banner: lines }};",
        "W".repeat(24)
    );
    let layout = client
        .execute(&script, vec![])
        .await
        .expect("the page answers a script");
    assert_eq!(
        layout["overlaps"],
        json!([]),
        "{label}: the death banner overlaps: {layout:#}"
    );
    assert_eq!(
        layout["offscreen"],
        json!([]),
        "{label}: the death banner leaves the window: {layout:#}"
    );
    // Two lines of text and the padding: "Shot by NAME" may wrap once, never word by word.
    assert!(
        number(&layout["banner"]) < 140.0,
        "{label}: the death banner is {} px tall",
        layout["banner"]
    );
}

/// A direction (unit vector) with `run` units free of walls from the own player.
async fn open_direction(client: &Client, map: &Map, run: f64) -> (f64, f64) {
    let state = page_state(client).await;
    let start = position_of(&state, "serverPosition");
    [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)]
        .into_iter()
        .find(|&dir| is_clear(map, start, dir, run, 17.0))
        .expect("some direction has room to walk")
}

/// The middle of the element `id`, in CSS pixels.
async fn centre_of(client: &Client, id: &str) -> (f64, f64) {
    let script = format!(
        "const r = document.getElementById('{id}').getBoundingClientRect(); \
         return [r.left + r.width / 2, r.top + r.height / 2];"
    );
    let at = client
        .execute(&script, vec![])
        .await
        .expect("the page answers a script");
    (number(&at[0]).round(), number(&at[1]).round())
}

/// A finger's tap at (x, y).
async fn tap(client: &Client, (x, y): (f64, f64)) {
    client
        .perform_actions(
            TouchActions::new("tap".into())
                .then(PointerAction::MoveTo {
                    duration: None,
                    x,
                    y,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                }),
        )
        .await
        .expect("a tap");
    client.release_actions().await.expect("release the tap");
}

/// Puts a finger down at (x, y) and drags it by (dx, dy), holding it there.
async fn touch_drag(client: &Client, finger: &str, (x, y): (f64, f64), (dx, dy): (f64, f64)) {
    client
        .perform_actions(
            TouchActions::new(finger.into())
                .then(PointerAction::MoveTo {
                    duration: None,
                    x,
                    y,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::MoveTo {
                    duration: Some(Duration::from_millis(150)),
                    x: x + dx,
                    y: y + dy,
                }),
        )
        .await
        .expect("a touch drag");
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
    let erin_profile = Profile::new("erin");
    let fay_profile = Profile::new("fay");
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

    // The desktop layout: the view follows her up close, the HUD stays clear of itself and
    // of every spawn point.
    let map = arena_map();
    let layout = assert_layout(&alice, "desktop", Some(&map)).await;
    assert_eq!(layout["sticks"], json!(0), "no touch sticks on a desktop");
    let close_up = number(&page_state(&alice).await["canvas"]["scale"]);
    let (width, height) = (
        number(&layout["viewport"][0]),
        number(&layout["viewport"][1]),
    );
    let whole = f64::min(width / f64::from(map.width), height / f64::from(map.height));
    assert!(
        close_up > whole * 1.5,
        "the camera is closer than the whole arena ({whole}): {close_up}"
    );

    // The invite button says whether the link was copied (headless Chromium may refuse the
    // clipboard), then goes back to its name.
    click(&alice, "copy-link").await;
    wait_for_text(&alice, "the invite button answers", "copy-link", |t| {
        t == "Link copied" || t.starts_with("Copy failed")
    })
    .await;
    wait_for_text(&alice, "the invite button resets", "copy-link", |t| {
        t == "Invite"
    })
    .await;

    // Keyboard: holding a direction key (one with room to walk) moves her at once by
    // prediction and then on the server.
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
    // Spaces alone get a message (they never reach the server), and the limit shows.
    fill(&bob, "name-input", "   ").await;
    wait_for_text(&bob, "the name's length shows", "name-count", |t| {
        t == "3 / 24 characters"
    })
    .await;
    click(&bob, "name-submit").await;
    wait_for_shown_text(&bob, "a name of spaces is explained", "name-error", |t| {
        t.contains("spaces alone are not a name")
    })
    .await;
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

    // Erin plays on a phone held upright: the same link, then the layout, a drag on the
    // left half to walk and one on the right half to aim and shoot.
    let erin = open_screen(&driver, &chromium, &erin_profile, Screen::Phone).await;
    erin.goto(&format!("{url}/#/room/{code}"))
        .await
        .expect("the room link loads");
    fill(&erin, "name-input", "erin").await;
    click(&erin, "name-submit").await;
    let erin_in = wait_for_state(&erin, "the link takes erin into the room", |s| {
        s["screen"] == "game" && s["position"].is_object() && s["alive"] == true
    })
    .await;
    // The canvas is sized on the next animation frame.
    wait_for_state(&erin, "erin's camera follows her", |s| {
        number(&s["canvas"]["scale"]) > 0.8
    })
    .await;
    let layout = assert_layout(&erin, "phone 390x844", Some(&map)).await;
    assert_death_banner_fits(&erin, "phone 390x844").await;
    assert_eq!(
        layout["viewport"],
        json!([390, 844]),
        "the phone's size: {layout:#}"
    );
    assert_eq!(
        layout["sticks"],
        json!(2),
        "both sticks are shown: {layout:#}"
    );
    let start = position_of(&erin_in, "serverPosition");
    let dir = open_direction(&erin, &map, 100.0).await;
    touch_drag(&erin, "move", (90.0, 560.0), (dir.0 * 60.0, dir.1 * 60.0)).await;
    wait_for_state(&erin, "a drag on the left half walks erin", |s| {
        let (x, y) = position_of(s, "serverPosition");
        (x - start.0) * dir.0 + (y - start.1) * dir.1 > 60.0
    })
    .await;
    erin.release_actions().await.expect("lift the finger");
    let before_touch_shots = own_bullets(&page_state(&erin).await);
    let aim = open_direction(&erin, &map, 120.0).await;
    touch_drag(&erin, "aim", (300.0, 560.0), (aim.0 * 50.0, aim.1 * 50.0)).await;
    wait_for_state(&erin, "a drag on the right half shoots", |s| {
        own_bullets(s) >= before_touch_shots + 2.0
    })
    .await;
    save_screenshot(&erin, "phone.png").await;
    erin.release_actions().await.expect("lift the finger");
    assert_layout(&erin, "phone 390x844 after playing", Some(&map)).await;
    click(&erin, "chat-toggle").await;
    wait_for_script(
        &erin,
        "the chat button opens the chat",
        "return document.activeElement === document.getElementById('chat-input');",
        |focused| focused == &json!(true),
    )
    .await;
    click(&erin, "chat-toggle").await;
    wait_for_script(
        &erin,
        "the chat button closes the chat again",
        "return document.querySelector('.hud.chat').classList.contains('open');",
        |open| open == &json!(false),
    )
    .await;

    // A tap on the scores shows them big (in the middle), another puts them back.
    let expanded =
        "return document.querySelector('.hud.top-right').classList.contains('expanded');";
    for want in [true, false] {
        let at = centre_of(&erin, "scoreboard").await;
        tap(&erin, at).await;
        wait_for_script(&erin, "a tap toggles the big scores", expanded, |e| {
            e == &json!(want)
        })
        .await;
    }

    // The same phone held sideways.
    let fay = open_screen(&driver, &chromium, &fay_profile, Screen::PhoneSideways).await;
    fay.goto(&format!("{url}/#/room/{code}"))
        .await
        .expect("the room link loads");
    fill(&fay, "name-input", "fay").await;
    click(&fay, "name-submit").await;
    wait_for_state(&fay, "fay plays sideways", |s| {
        s["screen"] == "game" && s["alive"] == true && number(&s["canvas"]["scale"]) > 0.6
    })
    .await;
    let layout = assert_layout(&fay, "phone 844x390", Some(&map)).await;
    assert_death_banner_fits(&fay, "phone 844x390").await;
    assert_eq!(
        layout["viewport"],
        json!([844, 390]),
        "sideways: {layout:#}"
    );
    save_screenshot(&fay, "phone-sideways.png").await;
    fay.close().await.expect("close fay's browser");

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
    wait_for_text(&alice, "the HUD shows the ping", "hud-ping", |t| {
        t.starts_with("ping ") && t.ends_with(" ms")
    })
    .await;
    wait_for_text(
        &alice,
        "the HUD shows tick rate, snapshot rate and fps",
        "hud-stats",
        |t| {
            ["tick 30 Hz", "snapshots", "fps"]
                .iter()
                .all(|part| t.contains(part))
        },
    )
    .await;
    save_screenshot(&alice, "game.png").await;
    assert_layout(&alice, "desktop while shooting", Some(&map)).await;
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
    // Alice, Bob and Erin (on her phone); not Dave.
    assert_eq!(
        roster.len(),
        3,
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
    dave.goto(&format!("{}/monitor", server.admin_url()))
        .await
        .expect("the monitor loads");
    let rows = wait_for_text(
        &dave,
        "the monitor shows the room, its players and its tick timing",
        "room-rows",
        |t| {
            ["Browser test", "alice", "bob", "3 / 8", "Hz", "ms", "Watch"]
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
                .is_some_and(|t| t.starts_with("3 ") && t.contains("/s"))
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
    // The monitor is on the operator's port; its links lead to the players'.
    assert_eq!(watch_link, json!(format!("{url}/?watch={code}")));
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

    // Chat lines fade after a while and come back while the chat is open.
    let first_line_opacity = "const line = document.querySelector('#chat-log li'); \
                              return line ? getComputedStyle(line).opacity : null;";
    wait_for_script(&bob, "old chat lines fade", first_line_opacity, |o| {
        o == "0"
    })
    .await;
    bob.perform_actions(
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '\u{e007}' })
            .then(KeyAction::Up { value: '\u{e007}' }),
    )
    .await
    .expect("press Enter to open the chat");
    wait_for_script(
        &bob,
        "the open chat shows them again",
        first_line_opacity,
        |o| o == "1",
    )
    .await;
    bob.perform_actions(
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '\u{e00c}' })
            .then(KeyAction::Up { value: '\u{e00c}' }),
    )
    .await
    .expect("press Escape to close the chat");

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
    // The banner with its reason and button stays clear of the HUD, on a phone too.
    assert_layout(&alice, "desktop, disconnected", None).await;
    wait_for_state(&erin, "erin's page shows the lost connection", |s| {
        s["connection"] == "closed"
    })
    .await;
    assert_layout(&erin, "phone, disconnected", None).await;
    assert_eq!(
        page_state(&erin).await["errors"],
        json!([]),
        "erin's page had uncaught errors"
    );
    save_screenshot(&erin, "phone-disconnected.png").await;
    erin.close().await.expect("close erin's browser");

    for (client, who) in [(&alice, "alice"), (&bob, "bob")] {
        let errors = &page_state(client).await["errors"];
        assert_eq!(errors, &json!([]), "{who}'s page had uncaught errors");
    }
    alice.close().await.expect("close alice's browser");
    bob.close().await.expect("close bob's browser");
}

/// Sends `bot` towards `target` (within `range` units) and shoots at it on every snapshot,
/// until `done` says so for the bot's view of the room.
async fn hunt(
    bot: &mut BotClient,
    target: Slot,
    range: f32,
    mut done: impl FnMut(&ServerMsg, &RoomView<Arena>) -> bool,
) {
    let deadline = tokio::time::Instant::now() + PAGE_WAIT;
    loop {
        let msg = bot
            .recv_timeout(PAGE_WAIT)
            .await
            .expect("the room keeps talking");
        let Some(room) = bot.room() else { continue };
        if done(&msg, room) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hunt took too long"
        );
        let (Some(me), Some(them)) = (room.own_position(), room.position_of(target)) else {
            continue;
        };
        let (dx, dy) = (them.0 - me.0, them.1 - me.1);
        let mut movement = 0;
        if dx.hypot(dy) > range {
            movement |= if dx > 20.0 {
                MOVE_RIGHT
            } else if dx < -20.0 {
                MOVE_LEFT
            } else {
                0
            };
            movement |= if dy > 20.0 {
                MOVE_DOWN
            } else if dy < -20.0 {
                MOVE_UP
            } else {
                0
            };
        }
        if matches!(msg, ServerMsg::Snapshot(_)) {
            bot.send_input(movement, dy.atan2(dx), true)
                .await
                .expect("send an input");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shot_player_sees_who_shot_it_and_respawns_protected() {
    let Some((chromium, chromedriver)) = harness::programs() else {
        return;
    };
    let _turn = harness::ONE_AT_A_TIME.lock().await;
    let server = common::spawn_app_with(Config {
        map: "maps/open.json".into(),
        ..common::test_config()
    });
    let map = {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/maps/open.json");
        Map::from_json(&std::fs::read_to_string(path).expect("the open map is readable"))
            .expect("the open map is valid")
    };
    let profile = Profile::new("victim");
    let driver = Driver::start(&chromedriver).await;
    let alice = open_browser(&driver, &chromium, &profile).await;
    enter_lobby(&alice, &server.http_url(), "alice").await;
    click(&alice, "quick-play").await;
    let joined = wait_for_state(&alice, "alice plays", |s| s["alive"] == true).await;
    let code = joined["room"]["code"].as_str().expect("a code").to_string();
    let alice_slot = Slot(
        u8::try_from(joined["room"]["you"].as_u64().expect("a slot")).expect("a slot fits a u8"),
    );

    // Mallory, a bot, walks up to her and shoots; she shoots back for a screenshot of the
    // fight, then holds her fire until she dies.
    let mut mallory = common::connect(&server, "mallory").await;
    let mallory_slot = mallory
        .join_by_code(&code)
        .await
        .expect("mallory joins")
        .you;
    hunt(&mut mallory, alice_slot, 300.0, |_, room| {
        room.player_state(alice_slot).is_some_and(|p| p.hp <= 60)
    })
    .await;
    wait_for_state(&alice, "alice sees mallory", |s| {
        s["others"][0]["alive"] == true
    })
    .await;
    aim_and_fire(&alice, &map, true).await;
    hunt(&mut mallory, alice_slot, 300.0, |_, room| {
        room.player_state(alice_slot).is_some_and(|p| p.hp <= 40)
    })
    .await;
    save_screenshot(&alice, "fight.png").await;
    alice.release_actions().await.expect("release the mouse");
    hunt(&mut mallory, alice_slot, 300.0, |msg, _| {
        common::kill_of(msg).is_some_and(|(_, victim)| victim == alice_slot)
    })
    .await;
    wait_for_shown_text(
        &alice,
        "the death banner names the killer",
        "respawn",
        |t| t.contains("Shot by mallory") && t.contains("respawn in"),
    )
    .await;
    wait_for_text(&alice, "the kill feed names the killer", "kill-feed", |t| {
        t.contains("You were shot by mallory")
    })
    .await;
    save_screenshot(&alice, "death.png").await;
    assert_layout(&alice, "desktop, dead", Some(&map)).await;

    // Back alive, she is protected for a while: mallory's shots do no harm, then it ends.
    let respawned = wait_for_state(&alice, "alice respawns protected", |s| {
        s["alive"] == true && s["protected"] == true
    })
    .await;
    assert_eq!(respawned["hp"], json!(100));
    save_screenshot(&alice, "protected.png").await;
    let (mut hurt_while_protected, mut seen_protected) = (false, false);
    hunt(&mut mallory, alice_slot, 250.0, |_, room| {
        let Some(state) = room.player_state(alice_slot) else {
            return false;
        };
        let protected = state.flags & PLAYER_PROTECTED != 0;
        hurt_while_protected |= protected && state.hp < 100;
        seen_protected |= protected;
        seen_protected && !protected
    })
    .await;
    assert!(!hurt_while_protected, "no harm while protected");
    wait_for_state(&alice, "the protection ends", |s| s["protected"] == false).await;

    // Mallory stands still; alice shoots her down: hit markers, the kill toast and the kill
    // feed for the shooter.
    mallory.send_input(0, 0.0, false).await.expect("stop");
    wait_for_state(&alice, "mallory in view", |s| {
        s["others"][0]["alive"] == true
    })
    .await;
    aim_and_fire(&alice, &map, true).await;
    mallory
        .wait_for(PAGE_WAIT, |m| {
            common::kill_of(m)
                .is_some_and(|(_, victim)| victim == mallory_slot)
                .then_some(())
        })
        .await
        .expect("alice shoots mallory down");
    wait_for_text(
        &alice,
        "the kill feed says alice did it",
        "kill-feed",
        |t| t.contains("You shot mallory"),
    )
    .await;
    save_screenshot(&alice, "kill.png").await;
    alice.release_actions().await.expect("release the mouse");
    wait_for_state(&alice, "the hit and kill sounds", |s| {
        ["hit", "kill"]
            .iter()
            .all(|sound| s["soundsPlayed"][sound].as_u64().is_some_and(|n| n > 0))
    })
    .await;

    // Each of those made its sound (Web Audio, after her first click).
    let played = &page_state(&alice).await["soundsPlayed"];
    for sound in ["fire", "hurt", "death", "respawn"] {
        assert!(
            played[sound].as_u64().is_some_and(|n| n > 0),
            "no {sound} sound: {played}"
        );
    }

    // The mute switch is remembered across a reload.
    assert_eq!(page_state(&alice).await["muted"], json!(false));
    click(&alice, "mute").await;
    wait_for_state(&alice, "the sound is off", |s| s["muted"] == true).await;
    assert_eq!(
        page_state(&alice).await["errors"],
        json!([]),
        "uncaught errors"
    );
    alice.refresh().await.expect("reload the page");
    wait_for_state(&alice, "still off after a reload", |s| s["muted"] == true).await;
    alice.close().await.expect("close alice's browser");
}
