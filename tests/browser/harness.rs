//! The browser tests' harness: chromedriver and headless Chromium on this machine, a page's
//! debug state (`window.skirmish.state()`, client/main.js) polled with a deadline, a few page
//! actions, and the arena map the tests play on.

use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use skirmish::game::map::Map;

/// How long one expectation about the page may take (a debug-build server and a browser share
/// a small machine with other work).
pub const PAGE_WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);

fn find_program(env_var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env_var) {
        return Some(PathBuf::from(path));
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a free local port, ended when dropped together with every browser it
/// started (its own process group), so that a failing test leaves no Chromium behind.
pub struct Driver {
    process: Child,
    url: String,
}

impl Driver {
    pub async fn start(program: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port for chromedriver")
            .port();
        let process = Command::new(program)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", program.display()));
        let deadline = tokio::time::Instant::now() + PAGE_WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not listen on port {port} within {PAGE_WAIT:?}"
            );
            tokio::time::sleep(POLL).await;
        }
        Driver {
            process,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A fresh Chromium profile directory, removed when dropped.
pub struct Profile(PathBuf);

impl Profile {
    pub fn new(label: &str) -> Profile {
        let dir = std::env::temp_dir().join(format!(
            "skirmish-browser-test-{}-{label}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a profile directory");
        Profile(dir)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The screens the game is checked on: a desktop window, and a phone held upright (390×844)
/// or sideways (844×390), with touch (Chromium's mobile emulation).
#[derive(Clone, Copy, PartialEq)]
pub enum Screen {
    Desktop,
    Phone,
    PhoneSideways,
}

pub async fn open_browser(driver: &Driver, chromium: &Path, profile: &Profile) -> Client {
    open_screen(driver, chromium, profile, Screen::Desktop).await
}

pub async fn open_screen(
    driver: &Driver,
    chromium: &Path,
    profile: &Profile,
    screen: Screen,
) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--window-size=1280,820",
        "--force-device-scale-factor=1",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.0.display())])
    .collect::<Vec<_>>();
    let mut options = json!({ "binary": chromium, "args": args });
    let phone = match screen {
        Screen::Desktop => None,
        Screen::Phone => Some((390, 844)),
        Screen::PhoneSideways => Some((844, 390)),
    };
    if let Some((width, height)) = phone {
        options["mobileEmulation"] = json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
        });
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": options,
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object literal is an object")
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
}

/// The page's read-only debug view of itself (`client/main.js`), or null before it exists.
pub const PAGE_STATE: &str = "return window.skirmish ? window.skirmish.state() : null;";

pub async fn page_state(client: &Client) -> Value {
    client
        .execute(PAGE_STATE, vec![])
        .await
        .expect("the page answers a script")
}

/// Polls the page's state until `check` holds; fails with the last state after `PAGE_WAIT`.
pub async fn wait_for_state(client: &Client, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    wait_for_script(client, what, PAGE_STATE, check).await
}

/// Polls a script's result until `check` holds; fails with the last value after `PAGE_WAIT`.
pub async fn wait_for_script(
    client: &Client,
    what: &str,
    script: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    wait_for_script_within(client, what, script, PAGE_WAIT, check).await
}

/// As `wait_for_state`, for something that takes longer than `PAGE_WAIT` (a game's round).
pub async fn wait_for_state_within(
    client: &Client,
    what: &str,
    within: Duration,
    check: impl Fn(&Value) -> bool,
) -> Value {
    wait_for_script_within(client, what, PAGE_STATE, within, check).await
}

async fn wait_for_script_within(
    client: &Client,
    what: &str,
    script: &str,
    within: Duration,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let value = client
            .execute(script, vec![])
            .await
            .expect("the page answers a script");
        if check(&value) {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not true within {within:?}; last value: {value:#}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Polls the text of the element `id` until `check` holds; fails with the last text after
/// `PAGE_WAIT`.
pub async fn wait_for_text(
    client: &Client,
    what: &str,
    id: &str,
    check: impl Fn(&str) -> bool,
) -> Value {
    let script = format!("return document.getElementById('{id}').textContent;");
    wait_for_script(client, what, &script, |text| {
        text.as_str().is_some_and(&check)
    })
    .await
}

/// As `wait_for_text`, for an element that may be hidden: hidden, its text reads as empty.
pub async fn wait_for_shown_text(
    client: &Client,
    what: &str,
    id: &str,
    check: impl Fn(&str) -> bool,
) -> Value {
    let script =
        format!("const e = document.getElementById('{id}'); return e.hidden ? '' : e.textContent;");
    wait_for_script(client, what, &script, |text| {
        text.as_str().is_some_and(&check)
    })
    .await
}

pub async fn fill(client: &Client, id: &str, text: &str) {
    let input = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} on the page: {e}"));
    input.clear().await.expect("clear an input");
    input.send_keys(text).await.expect("type into an input");
}

pub async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} on the page: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

/// Opens the page, enters `name` and waits for the lobby.
pub async fn enter_lobby(client: &Client, url: &str, name: &str) {
    client.goto(url).await.expect("the page loads");
    fill(client, "name-input", name).await;
    click(client, "name-submit").await;
    wait_for_state(client, "the lobby is shown after the name", |s| {
        s["screen"] == "lobby" && s["connection"] == "open"
    })
    .await;
}

pub fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"))
}

/// The bundled arena map the test's server runs, to pick directions free of walls.
pub fn arena_map() -> Map {
    Map::bundled()
}

/// Whether a circle of `margin` can travel `distance` units from `from` along the unit vector
/// `dir` without touching a wall or leaving the map (sampled every unit).
pub fn is_clear(map: &Map, from: (f64, f64), dir: (f64, f64), distance: f64, margin: f64) -> bool {
    (0..=distance as u32).all(|step| {
        let (x, y) = (
            from.0 + dir.0 * f64::from(step),
            from.1 + dir.1 * f64::from(step),
        );
        let inside = x >= margin
            && y >= margin
            && x <= f64::from(map.width) - margin
            && y <= f64::from(map.height) - margin;
        inside
            && map.walls.iter().all(|wall| {
                x < f64::from(wall.x) - margin
                    || x > f64::from(wall.x + wall.w) + margin
                    || y < f64::from(wall.y) - margin
                    || y > f64::from(wall.y + wall.h) + margin
            })
    })
}

/// Moves the mouse to the world point `at` of the page's canvas (as the page state `state`
/// lays it out) and presses the left button; `release` lets it go again (a click), else it is
/// held until `release_actions`.
pub async fn press_at(client: &Client, state: &Value, at: (f64, f64), release: bool) {
    let canvas = &state["canvas"];
    let scale = number(&canvas["scale"]);
    let x = number(&canvas["left"]) + at.0 * scale;
    let y = number(&canvas["top"]) + at.1 * scale;
    let press = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo {
            duration: None,
            x: x.round(),
            y: y.round(),
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
    let actions = match release {
        true => press.then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        }),
        false => press,
    };
    client
        .perform_actions(actions)
        .await
        .expect("aim and press fire");
}

pub fn position_of(state: &Value, key: &str) -> (f64, f64) {
    (number(&state[key]["x"]), number(&state[key]["y"]))
}

/// Chromium and chromedriver, or None when they are missing: then the test says so loudly and
/// passes as skipped, unless `REQUIRE_BROWSER=1` makes that a failure.
pub fn programs() -> Option<(PathBuf, PathBuf)> {
    let chromium = find_program(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"]);
    if let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) {
        return Some((chromium, chromedriver));
    }
    let message = "BROWSER TEST SKIPPED: chromium or chromedriver is not installed \
                   (Debian: apt-get install -y chromium chromium-driver)";
    assert!(
        std::env::var("REQUIRE_BROWSER").as_deref() != Ok("1"),
        "{message}, and REQUIRE_BROWSER=1 requires them"
    );
    // Straight to stderr, past the test harness's capture, so a skip is never silent.
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
    None
}

/// The browser tests take turns: each drives browsers against a debug-build server on a small
/// machine, and the netcode test measures timing.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
