//! Replays end to end: a match played by the server's bots (and one person) on a real server is
//! recorded, filed when its room closes, listed and served over HTTP, and verified by the
//! built `skirmish` binary in a process of its own; one changed byte of an input makes that
//! process fail at the tick it changed.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{
    connect, eventually, http_get, http_get_bytes, scratch_dir, spawn_app_with, test_config, WAIT,
};
use skirmish::config::Config;
use skirmish::game::arena::{ArenaState, PLAYER_ALIVE};
use skirmish::game::movement::{MOVE_LEFT, MOVE_RIGHT};
use skirmish::protocol::Slot;
use skirmish::replay::format::{Record, ReplayFile};
use skirmish::replay::Replayer;
use skirmish::startup::RunningServer;

/// Ticks the person stays for: long enough for several digests.
const PLAYED_TICKS: u32 = 150;

/// Plays a quick-join match with the bots for `PLAYED_TICKS`, leaves, and waits until the
/// match is listed; returns the server, the match's JSON and its replay's bytes.
async fn record_a_bots_match() -> (RunningServer, serde_json::Value, Vec<u8>) {
    let config = Config {
        bot_fill: 3,
        ..test_config()
    };
    let data_dir = config.data_dir.clone();
    let app = spawn_app_with(config);
    let mut ada = connect(&app, "ada").await;
    ada.quick_join().await.expect("quick join");
    ada.wait_for_state(WAIT, |view| {
        (view.state()?.tick >= PLAYED_TICKS).then_some(())
    })
    .await
    .expect("the match runs");
    let partial = std::fs::read_dir(&data_dir)
        .expect("the data dir")
        .flatten()
        .any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .ends_with(".skr.partial")
        });
    assert!(partial, "the match in play is a .partial file");
    ada.leave_room().await.expect("leave");
    eventually("the match is filed and listed", || async {
        let (status, body) = http_get(&app, "/api/matches").await;
        status == 200 && body.contains("\"id\":")
    })
    .await;
    let (_, body) = http_get(&app, "/api/matches").await;
    let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let listed = listed["matches"][0].clone();
    let id = listed["id"].as_i64().expect("a match id");
    let replay = http_get_bytes(&app, &format!("/api/matches/{id}/replay")).await;
    (app, listed, replay)
}

fn skirmish_replay(command: &str, file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skirmish"))
        .args(["replay", command])
        .arg(file)
        .output()
        .expect("the skirmish binary runs")
}

#[tokio::test]
async fn a_bots_match_is_recorded_listed_and_verified_by_the_binary() {
    let (app, listed, replay) = record_a_bots_match().await;
    let players = listed["players"].as_array().expect("players");
    assert_eq!(players.len(), 3, "ada and two bots: {listed}");
    assert_eq!(
        players.iter().filter(|p| p["bot"] == true).count(),
        2,
        "{listed}"
    );
    assert!(players.iter().any(|p| p["name"] == "ada"), "{listed}");
    assert!(
        listed["ticks"].as_u64().unwrap_or(0) >= u64::from(PLAYED_TICKS),
        "{listed}"
    );
    assert_eq!(listed["replay_bytes"].as_u64(), Some(replay.len() as u64));

    let id = listed["id"].as_i64().expect("id");
    let (status, shown) = http_get(&app, &format!("/api/matches/{id}")).await;
    assert_eq!(status, 200);
    let shown: serde_json::Value = serde_json::from_str(&shown).expect("JSON");
    assert_eq!(shown, listed);
    let (_, of_ada) = http_get(&app, "/api/matches?player=ada").await;
    assert!(of_ada.contains(&format!("\"id\":{id}")), "{of_ada}");
    let (_, of_nobody) = http_get(&app, "/api/matches?player=nobody&per_page=5").await;
    let of_nobody: serde_json::Value = serde_json::from_str(&of_nobody).expect("JSON");
    assert_eq!(of_nobody["matches"], serde_json::json!([]));
    assert_eq!(http_get(&app, "/api/matches/999999").await.0, 404);

    let file = scratch_dir("replay").with_extension("skr");
    std::fs::write(&file, &replay).expect("write the replay");
    let verified = skirmish_replay("verify", &file);
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(stdout.starts_with("ok: "), "{stdout}");
    assert!(
        stdout.contains("3 players") && stdout.contains("ada "),
        "{stdout}"
    );
    let info = skirmish_replay("info", &file);
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("simulation_revision") && info.contains("seed"),
        "{info}"
    );
}

/// The offset in the file of the movement byte of an input whose player is alive and free to
/// move right and left, in a step followed by a digest; the changed byte, the step's tick and
/// the player's slot.
fn a_movement_byte_before_a_digest(replay: &[u8]) -> (usize, u8, u32, Slot) {
    let file = ReplayFile::parse(replay).expect("parses");
    let tick_rate = u32::from(file.header.tick_rate);
    let width = f32::from(file.header.map.width);
    let mut replayer = Replayer::new(replay).expect("replays");
    let mut state = ArenaState::default();
    let mut tick = 0;
    for record in file.records() {
        let (offset, record) = record.expect("a good record");
        let Record::Step(commands) = record else {
            continue;
        };
        tick += 1;
        if tick > tick_rate && tick.is_multiple_of(tick_rate) {
            replayer.state(&mut state);
            for (index, command) in commands.to_vec().iter().enumerate() {
                let free = state.players.iter().any(|p| {
                    let x = f32::from(p.x) / 16.0;
                    p.slot == command.slot
                        && p.flags & PLAYER_ALIVE != 0
                        && x > 100.0
                        && x < width - 100.0
                });
                if free {
                    // Tag (4), length (8), then 8 bytes a command: slot, movement, ...
                    let at = offset + 12 + 8 * index + 1;
                    assert_eq!(replay[at], command.movement);
                    let changed = if command.movement & MOVE_RIGHT != 0 {
                        MOVE_LEFT
                    } else {
                        MOVE_RIGHT
                    };
                    return (at, changed, tick, command.slot);
                }
            }
        }
        assert!(replayer.step().expect("the recording replays"));
    }
    panic!("no living player in a step before a digest");
}

#[tokio::test]
async fn a_changed_input_byte_fails_verify_at_its_tick() {
    let (_app, _, replay) = record_a_bots_match().await;
    let (at, changed, tick, slot) = a_movement_byte_before_a_digest(&replay);
    let mut tampered = replay.clone();
    tampered[at] = changed;
    let file = scratch_dir("tampered").with_extension("skr");
    std::fs::write(&file, &tampered).expect("write the replay");
    let verified = skirmish_replay("verify", &file);
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert!(
        !verified.status.success(),
        "a tampered replay fails: {stderr}"
    );
    assert!(
        stderr.contains(&format!("diverged at tick {tick} ")),
        "names tick {tick}: {stderr}"
    );
    assert!(
        stderr.contains(&format!(": player {slot} (")),
        "names the player in slot {slot}: {stderr}"
    );
}

#[test]
fn an_unusable_data_dir_stops_the_server_naming_it() {
    let config = Config {
        data_dir: "/proc/skirmish-cannot-be-here".into(),
        ..test_config()
    };
    let Err(err) = skirmish::startup::spawn(config) else {
        panic!("the server started without a data directory");
    };
    let message = err.to_string();
    assert!(
        message.contains("/proc/skirmish-cannot-be-here"),
        "{message}"
    );
}

#[test]
fn verify_refuses_what_is_not_a_whole_replay() {
    let file = scratch_dir("not-a-replay").with_extension("skr");
    std::fs::write(&file, b"hello").expect("write");
    let refused = skirmish_replay("verify", &file);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not a replay file"), "{stderr}");

    let golden = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/replay.skr"
    ))
    .expect("the golden replay");
    std::fs::write(&file, &golden[..golden.len() / 2]).expect("write");
    let cut = skirmish_replay("verify", &file);
    assert_eq!(cut.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(
        stderr.contains("bad record") || stderr.contains("without an end record"),
        "{stderr}"
    );

    let missing = skirmish_replay("info", &file.with_extension("missing"));
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn the_data_dir_comes_from_a_flag_the_environment_or_the_config_file() {
    let toml = scratch_dir("config").with_extension("toml");
    std::fs::write(&toml, "data-dir = \"/srv/from-file\"\nreplay-max-mb = 5\n").expect("write");
    let from_file = Config::load([
        "skirmish".into(),
        "--config".into(),
        toml.clone().into_os_string(),
    ])
    .expect("good settings");
    assert_eq!(from_file.data_dir, Path::new("/srv/from-file"));
    assert_eq!(from_file.replay_retention().max_bytes, 5 << 20);
    let from_flag = Config::load([
        "skirmish".into(),
        "--config".into(),
        toml.into_os_string(),
        "--data-dir".into(),
        "/srv/from-flag".into(),
    ])
    .expect("good settings");
    assert_eq!(from_flag.data_dir, Path::new("/srv/from-flag"));
    if std::env::var_os("SKIRMISH_DATA_DIR").is_none() {
        assert_eq!(Config::defaults().data_dir, Path::new("data"));
    }
}

#[tokio::test]
async fn with_recording_off_a_match_leaves_no_file() {
    let config = Config {
        record_matches: false,
        ..test_config()
    };
    let data_dir = config.data_dir.clone();
    let app = spawn_app_with(config);
    let mut ada = connect(&app, "ada").await;
    ada.quick_join().await.expect("quick join");
    ada.wait_for_state(WAIT, |view| (view.state()?.tick >= 40).then_some(()))
        .await
        .expect("the match runs");
    let files: Vec<_> = std::fs::read_dir(&data_dir)
        .expect("the data dir is made anyway")
        .flatten()
        .map(|entry| entry.file_name())
        .filter(|name| name.to_string_lossy().contains(".skr"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
    let (status, body) = http_get(&app, "/api/matches").await;
    assert_eq!(
        (status, body.contains("\"matches\":[]")),
        (200, true),
        "{body}"
    );
}

#[tokio::test]
async fn a_private_rooms_match_is_filed_but_never_listed_or_served() {
    let config = test_config();
    let data_dir = config.data_dir.clone();
    let app = spawn_app_with(config);
    let mut ada = connect(&app, "ada").await;
    ada.create_room("secret plans", 4, false)
        .await
        .expect("create a private room");
    ada.wait_for_state(WAIT, |view| (view.state()?.tick >= 40).then_some(()))
        .await
        .expect("the match runs");
    ada.leave_room().await.expect("leave");
    // Indexed, not only renamed: the index's own count, read the way the routes read it.
    eventually("the private match is filed and indexed", || async {
        skirmish::replay::index::open_read(&data_dir)
            .and_then(|db| db.query_row("SELECT COUNT(*) FROM matches", [], |row| row.get(0)))
            .is_ok_and(|count: i64| count == 1)
    })
    .await;
    let (_, listed) = http_get(&app, "/api/matches").await;
    assert!(listed.contains("\"matches\":[]"), "{listed}");
    assert!(!listed.contains("secret"), "{listed}");
    assert_eq!(http_get(&app, "/api/matches/1").await.0, 404);
    assert_eq!(http_get(&app, "/api/matches/1/replay").await.0, 404);
}

#[tokio::test]
async fn a_recorded_match_is_served_as_a_track_a_browser_plays() {
    let (app, listed, replay) = record_a_bots_match().await;
    let id = listed["id"].as_i64().expect("id");
    let track = http_get_bytes(&app, &format!("/api/matches/{id}/track")).await;
    let expected = skirmish::replay::track::track(&replay, u32::try_from(id).expect("an id"))
        .expect("the replay plays");
    assert_eq!(track, expected, "the served track is the replay's");
    let length = u32::from_le_bytes(track[..4].try_into().expect("a length")) as usize;
    let welcome = skirmish::protocol::decode_server(&track[4..4 + length]).expect("decodes");
    assert!(
        matches!(
            welcome,
            skirmish::protocol::ServerMsg::Welcome { tick_rate: 30, .. }
        ),
        "{welcome:?}"
    );
    assert_eq!(http_get(&app, "/api/matches/999999/track").await.0, 404);
    assert_eq!(http_get(&app, "/api/matches/nope/track").await.0, 404);
}
