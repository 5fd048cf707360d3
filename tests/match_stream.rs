//! Finished matches told to other services: with `--redis-url`, each filed match's summary is
//! added to the Redis stream `skirmish:matches`, read here as a backend would (`XRANGE`). A
//! Redis that is down when a match ends loses it for nobody: the match is filed and listed as
//! always, and its summary reaches the stream once Redis is back. Real `redis-server`
//! processes of the test's own (skipped, loudly, where none is installed, unless
//! `REQUIRE_REDIS=1`).

mod common;

use common::redis::RedisServer;
use common::{admin_get, connect, eventually, http_get, spawn_app_with, test_config, WAIT};
use skirmish::config::Config;
use skirmish::replay::stream::STREAM_KEY;
use skirmish::startup::RunningServer;

/// Ticks the player stays in its room.
const PLAYED_TICKS: u32 = 60;

/// Plays a short match alone in a new room and leaves; returns the match's listing.
async fn play_a_match(app: &RunningServer, name: &str) -> serde_json::Value {
    let mut player = connect(app, name).await;
    let room = format!("{name}'s room");
    player.create_room(&room, 4, true).await.expect("a room");
    player
        .wait_for_state(WAIT, |view| {
            (view.state()?.tick >= PLAYED_TICKS).then_some(())
        })
        .await
        .expect("the match runs");
    player.leave_room().await.expect("leave");
    let listed = || async {
        let (_, body) = http_get(app, "/api/matches").await;
        let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        listed["matches"]
            .as_array()
            .and_then(|matches| matches.iter().find(|m| m["room_name"] == room.as_str()))
            .cloned()
    };
    eventually("the match is filed and listed", || async {
        listed().await.is_some()
    })
    .await;
    listed().await.expect("listed")
}

/// The stream's entries: each one's fields as name → value.
fn entries(redis: &RedisServer) -> Vec<std::collections::HashMap<String, String>> {
    let mut connection = redis.connection();
    let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg(STREAM_KEY)
        .arg("-")
        .arg("+")
        .query(&mut connection)
        .expect("XRANGE");
    entries
        .into_iter()
        .map(|(_, fields)| {
            fields
                .chunks(2)
                .map(|pair| (pair[0].clone(), pair[1].clone()))
                .collect()
        })
        .collect()
}

/// `skirmish_match_stream_total{outcome}` from `/metrics`.
async fn streamed(app: &RunningServer, outcome: &str) -> f64 {
    let (_, metrics) = admin_get(app, "/metrics").await;
    let series = format!("skirmish_match_stream_total{{outcome=\"{outcome}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_finished_match_is_added_to_the_redis_stream() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let app = spawn_app_with(Config {
        redis_url: Some(redis.url()),
        cluster_secret: Some("a test cluster secret, long enough".into()),
        ..test_config()
    });
    let listed = play_a_match(&app, "ada").await;
    let id = listed["id"].to_string();
    eventually("the summary is in the stream", || async {
        entries(&redis)
            .iter()
            .any(|entry| entry.get("id") == Some(&id))
    })
    .await;
    let entries = entries(&redis);
    let entry = entries
        .iter()
        .find(|e| e.get("id") == Some(&id))
        .expect("the entry");
    assert_eq!(entry["room_name"], "ada's room");
    assert_eq!(entry["mode"], "arena");
    assert_eq!(entry["public"], "true");
    assert_eq!(entry["ticks"], listed["ticks"].to_string());
    assert_eq!(entry["replay"], format!("/api/matches/{id}/replay"));
    let players: serde_json::Value = serde_json::from_str(&entry["players"]).expect("JSON");
    assert_eq!(players[0]["name"], "ada");
    assert_eq!(players[0]["bot"], false);
    assert_eq!(streamed(&app, "published").await, 1.0);
}

#[tokio::test]
async fn a_match_that_ends_while_redis_is_down_reaches_the_stream_when_it_is_back() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let port = redis.port;
    let url = redis.url();
    redis.stop();
    let app = spawn_app_with(Config {
        redis_url: Some(url),
        cluster_secret: Some("a test cluster secret, long enough".into()),
        ..test_config()
    });
    // Filed and listed as always, whatever Redis does.
    let listed = play_a_match(&app, "bob").await;
    eventually("the feed finds Redis down", || async {
        streamed(&app, "failed").await >= 1.0
    })
    .await;
    let redis = RedisServer::start_on(port);
    let id = listed["id"].to_string();
    eventually(
        "the summary is in the stream once Redis is back",
        || async {
            entries(&redis)
                .iter()
                .any(|entry| entry.get("id") == Some(&id))
        },
    )
    .await;
    assert_eq!(streamed(&app, "published").await, 1.0);
}

#[test]
fn a_bad_redis_url_is_refused_at_start() {
    let config = Config {
        redis_url: Some("http://user:s3cret@example.com".into()),
        cluster_secret: Some("a test cluster secret, long enough".into()),
        ..test_config()
    };
    let err = config.validate().unwrap_err();
    assert!(err.contains("--redis-url"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}
