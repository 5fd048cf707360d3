//! The example bots in other languages (`examples/python_bot.py`, `examples/node_bot.js`),
//! written from PROTOCOL.md alone, against the real server: each must join the room it is
//! given, move, have its inputs applied, and leave cleanly when its time is up, also when the
//! room is on another node of a cluster (it must follow the `Redirect`: tests/common/redis.rs
//! skips those tests loudly without `redis-server` unless `REQUIRE_REDIS=1`). A Rust
//! `BotClient` in the same room checks this from the server's side. Each also passes its own
//! offline checks (`examples/*_bot_test.*`: its snapshot decoder against the golden vectors
//! and its room state against hand-built snapshots).
//!
//! They need `python3` with `websockets` and `node` with `ws` (see `examples/`):
//!     pip install websockets==17.4
//!     npm ci --prefix examples
//! Without them the tests are skipped with a loud message, or fail when `REQUIRE_EXAMPLES=1`.

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use common::cluster::{another_listing, create_through, Node};
use common::redis::RedisServer;
use common::WAIT;
use skirmish::bot::{BotClient, JoinedRoom};
use skirmish::game::arena::Arena;
use skirmish::protocol::ServerMsg;
use tokio::process::Command;

/// How long each example plays before it leaves by itself.
const PLAY_SECONDS: u64 = 6;
/// How far the example's player must get from where it was first seen.
const MOVED_UNITS: f32 = 20.0;

struct Example {
    program: &'static str,
    script: &'static str,
    /// The script of its offline checks, which exits non-zero if one fails.
    offline_checks: &'static str,
    /// A command line that fails unless the interpreter and the package are there.
    probe: &'static [&'static str],
    install: &'static str,
}

const PYTHON: Example = Example {
    program: "python3",
    script: "python_bot.py",
    offline_checks: "python_bot_test.py",
    probe: &["-c", "import websockets"],
    install: "pip install websockets==17.4",
};

const NODE: Example = Example {
    program: "node",
    script: "node_bot.js",
    offline_checks: "node_bot_test.js",
    probe: &["-e", "require('ws')"],
    install: "npm ci --prefix examples",
};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Whether the example can run here; if not, fails under `REQUIRE_EXAMPLES=1` and otherwise
/// says loudly that it is skipped.
async fn runnable(example: &Example) -> bool {
    let probe = Command::new(example.program)
        .args(example.probe)
        .current_dir(examples_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    if matches!(probe, Ok(status) if status.success()) {
        return true;
    }
    let problem = format!(
        "{} with its WebSocket package is not available; install it with `{}`",
        example.program, example.install
    );
    if std::env::var("REQUIRE_EXAMPLES").as_deref() == Ok("1") {
        panic!("REQUIRE_EXAMPLES=1 but {problem}");
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED {}: {problem} !!!!!!!!\n",
        example.script
    );
    false
}

async fn joins_moves_and_leaves(example: &Example, name: &str) {
    if !runnable(example).await {
        return;
    }
    let app = common::spawn_app();
    let mut watcher = common::connect(&app, "watcher").await;
    let room = watcher
        .create_room("examples", 4, false)
        .await
        .expect("the watcher creates a private room");
    plays_in_the_room(example, name, &mut watcher, &room, &app.ws_url()).await;
}

/// The example is sent the code of a room that another node of a cluster runs: it follows the
/// `Redirect` there and plays as if it had joined that node.
async fn follows_a_redirect(example: &Example, name: &str) {
    if !runnable(example).await {
        return;
    }
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let cluster = [Node::start(redis.port, &[]), Node::start(redis.port, &[])];
    let (mut watcher, room) = create_through(&cluster[0], "watcher", 4).await;
    // Placement may put the room on either node (the watcher follows): the example is sent to
    // the other one.
    let host = watcher.url().to_string();
    let other = another_listing(&cluster, &host, u64::from(room.room.id.get())).await;
    let stdout = plays_in_the_room(example, name, &mut watcher, &room, &other.ws()).await;
    assert!(
        stdout.contains(&format!("{name}: redirected to {host}")),
        "the example says where it was redirected"
    );
}

/// Runs the example with the code of the watcher's `room` through the server at `url`, and
/// checks that it joins, appears, moves and leaves when its time is up (as the watcher sees
/// it), exits successfully and says so; what it printed.
async fn plays_in_the_room(
    example: &Example,
    name: &str,
    watcher: &mut BotClient,
    room: &JoinedRoom<Arena>,
    url: &str,
) -> String {
    let child = Command::new(example.program)
        .arg(examples_dir().join(example.script))
        .args(["--url", url, "--code", &room.code, "--name", name])
        .args(["--seconds", &PLAY_SECONDS.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");

    let slot = watcher
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerJoined { player } if player.name == name => Some(player.slot),
            _ => None,
        })
        .await
        .expect("the example joins the watcher's room by its code");
    let start = watcher
        .wait_for_state(WAIT, |room| room.position_of(slot))
        .await
        .expect("the example's player appears in snapshots");
    // Only applied inputs move a player.
    watcher
        .wait_for_state(WAIT, |room| {
            let (x, y) = room.position_of(slot)?;
            ((x - start.0).hypot(y - start.1) > MOVED_UNITS).then_some(())
        })
        .await
        .expect("the example's player moves");
    watcher
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerLeft { slot: left } if *left == slot => Some(()),
            _ => None,
        })
        .await
        .expect("the example leaves when its time is up");

    let output = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("the example exits after --seconds")
        .expect("the example's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("--- {} said:\n{stdout}", example.script);
    assert!(
        output.status.success(),
        "{} failed: {}\n{}",
        example.script,
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("joined room {}", room.room.id)),
        "the example says where it joined"
    );
    assert!(
        highest_applied_input(&stdout) > 0,
        "the example reads from its snapshots' ack that the server applied its inputs"
    );
    stdout.into_owned()
}

/// The highest ack in the example's reports ("...; input 41 of 43 applied").
fn highest_applied_input(stdout: &str) -> u32 {
    let applied = |line: &str| {
        let (_, report) = line.split_once("; input ")?;
        let (ack, _) = report.split_once(" of ")?;
        ack.parse().ok()
    };
    stdout.lines().filter_map(applied).max().unwrap_or(0)
}

async fn passes_its_offline_checks(example: &Example) {
    if !runnable(example).await {
        return;
    }
    let run = Command::new(example.program)
        .arg(examples_dir().join(example.offline_checks))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(WAIT, run)
        .await
        .expect("the offline checks finish")
        .expect("the offline checks start");
    assert!(
        output.status.success(),
        "{} failed: {}\n{}{}",
        example.offline_checks,
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_python_example_joins_moves_and_leaves() {
    joins_moves_and_leaves(&PYTHON, "py-example").await;
}

#[tokio::test]
async fn the_node_example_joins_moves_and_leaves() {
    joins_moves_and_leaves(&NODE, "node-example").await;
}

#[tokio::test]
async fn the_python_example_follows_a_redirect_to_the_room_s_node() {
    follows_a_redirect(&PYTHON, "py-redirected").await;
}

#[tokio::test]
async fn the_node_example_follows_a_redirect_to_the_room_s_node() {
    follows_a_redirect(&NODE, "node-redirected").await;
}

#[tokio::test]
async fn the_python_example_passes_its_offline_checks() {
    passes_its_offline_checks(&PYTHON).await;
}

#[tokio::test]
async fn the_node_example_passes_its_offline_checks() {
    passes_its_offline_checks(&NODE).await;
}
