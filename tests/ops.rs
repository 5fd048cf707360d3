//! End-to-end tests of what operators and watchers use: `/metrics` moving with real traffic,
//! `/api/stats`, the admin token, `/readyz`, the monitor page (all on the operator's listener,
//! none on the players'), and spectators. A real server on 127.0.0.1:0 and real WebSocket
//! clients; every wait is bounded.

mod common;

use common::{
    admin_get, connect, eventually, http_get, http_get_at, next_error, next_snapshot, room_closed,
    spawn_app, spawn_app_with, test_config, WAIT,
};
use skirmish::bot::BotClient;
use skirmish::config::Config;
use skirmish::game::arena::ArenaDelta;
use skirmish::protocol::{ClientMsg, ErrorCode, RosterEntry, ServerMsg};

/// The value of the sample `series` (name with labels, exactly as exported) in a scrape.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

async fn scrape(app: &skirmish::startup::RunningServer) -> String {
    let (status, body) = admin_get(app, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Sends `Spectate`/`SpectateByCode` and returns the `Spectating` answer's roster and code.
async fn spectate(client: &mut BotClient, request: ClientMsg) -> (Vec<RosterEntry>, String) {
    client.send(&request).await.expect("send");
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Spectating { roster, code, .. } => Some((roster.clone(), code.clone())),
            ServerMsg::Error { code, message } => panic!("refused: {code} {message}"),
            _ => None,
        })
        .await
        .expect("Spectating")
}

#[tokio::test]
async fn metrics_move_with_real_traffic() {
    let app = spawn_app();
    let before = scrape(&app).await;
    assert_eq!(sample(&before, "skirmish_connections_total"), Some(0.0));
    assert!(before.contains("skirmish_build_info{"), "{before}");

    let mut ada = connect(&app, "ada").await;
    let mut bob = connect(&app, "bob").await;
    let joined = ada.create_room("metered", 4, true).await.unwrap();
    bob.join_room(joined.room.id).await.unwrap();
    for _ in 0..10 {
        ada.send_input(0, 0.0, false).await.unwrap();
    }
    ada.ping().await.unwrap();
    // Six chat lines at once: the sixth is over the burst of five.
    for line in 0..6 {
        ada.chat(&format!("line {line}")).await.unwrap();
    }
    assert_eq!(next_error(&mut ada).await.0, ErrorCode::RateLimited);
    bob.send(&ClientMsg::Spectate {
        room: joined.room.id,
    })
    .await
    .unwrap();
    assert_eq!(next_error(&mut bob).await.0, ErrorCode::AlreadyInRoom);
    for _ in 0..5 {
        next_snapshot(&mut bob).await;
    }

    let after = scrape(&app).await;
    let value = |series: &str| sample(&after, series).unwrap_or_else(|| panic!("{series}"));
    assert_eq!(value("skirmish_connections_total"), 2.0);
    assert_eq!(value("skirmish_sessions{state=\"playing\"}"), 2.0);
    assert_eq!(value("skirmish_sessions{state=\"lobby\"}"), 0.0);
    assert_eq!(
        value("skirmish_rooms{mode=\"arena\",visibility=\"public\"}"),
        1.0
    );
    assert_eq!(value("skirmish_players{mode=\"arena\"}"), 2.0);
    assert_eq!(
        value("skirmish_messages_received_total{type=\"input\"}"),
        10.0
    );
    assert_eq!(
        value("skirmish_received_bytes_total{type=\"input\"}"),
        180.0,
        "an input is 18 bytes"
    );
    assert_eq!(
        value("skirmish_messages_received_total{type=\"hello\"}"),
        2.0
    );
    assert_eq!(
        value("skirmish_messages_received_total{type=\"chat\"}"),
        6.0
    );
    assert_eq!(value("skirmish_messages_sent_total{type=\"pong\"}"), 1.0);
    assert_eq!(value("skirmish_messages_sent_total{type=\"joined\"}"), 2.0);
    assert_eq!(value("skirmish_messages_sent_total{type=\"welcome\"}"), 2.0);
    // Five lines to two members, and the announcement of bob to ada.
    assert_eq!(value("skirmish_messages_sent_total{type=\"chat\"}"), 10.0);
    assert_eq!(
        value("skirmish_messages_sent_total{type=\"player_joined\"}"),
        1.0
    );
    assert!(value("skirmish_messages_sent_total{type=\"snapshot\"}") >= 4.0);
    assert!(value("skirmish_sent_bytes_total{type=\"snapshot\"}") > 0.0);
    assert_eq!(value("skirmish_rate_limited_total{kind=\"chat\"}"), 1.0);
    assert_eq!(value("skirmish_errors_total{code=\"RATE_LIMITED\"}"), 1.0);
    assert_eq!(
        value("skirmish_errors_total{code=\"ALREADY_IN_ROOM\"}"),
        1.0
    );
    assert!(value("skirmish_ticks_total{mode=\"arena\"}") >= 5.0);
    assert!(value("skirmish_tick_duration_seconds_count{mode=\"arena\"}") >= 5.0);
    assert!(after.contains("# TYPE skirmish_tick_duration_seconds histogram"));
    assert!(after.contains("skirmish_tick_overruns_total{mode=\"arena\"}"));
    assert!(after.contains("process_resident_memory_bytes"));

    // Counters stay, gauges follow the sessions out.
    drop(ada);
    drop(bob);
    eventually("the sessions are gone from the gauges", || async {
        let text = scrape(&app).await;
        sample(&text, "skirmish_sessions{state=\"playing\"}") == Some(0.0)
            && sample(&text, "skirmish_connections_total") == Some(2.0)
    })
    .await;
}

#[tokio::test]
async fn the_admin_token_guards_metrics_and_stats() {
    let app = spawn_app_with(Config {
        admin_token: Some("s3cret".into()),
        ..test_config()
    });
    for path in ["/metrics", "/api/stats"] {
        let (status, _) = admin_get(&app, path).await;
        assert_eq!(status, 401, "{path} without the token");
        let (status, _) = admin_get(&app, &format!("{path}?token=wrong")).await;
        assert_eq!(status, 401, "{path} with a wrong token");
        let (status, _) = admin_get(&app, &format!("{path}?token=s3cret")).await;
        assert_eq!(status, 200, "{path} with the token in the query");
        let bearer = [("Authorization", "Bearer s3cret")];
        let (status, _) = http_get_at(app.admin_addr, path, &bearer).await;
        assert_eq!(status, 200, "{path} with the token in the header");
    }
    // Players, health and the page itself need no token.
    assert_eq!(http_get(&app, "/healthz").await.0, 200);
    assert_eq!(http_get(&app, "/readyz").await.0, 200);
    assert_eq!(http_get(&app, "/api/rooms").await.0, 200);
    assert_eq!(admin_get(&app, "/monitor").await.0, 200);
}

#[tokio::test]
async fn the_players_port_serves_no_operator_data() {
    let app = spawn_app();
    let mut ada = connect(&app, "ada").await;
    let secret = ada.create_room("secret room", 4, false).await.unwrap();
    let mut bob = connect(&app, "bob").await;
    bob.create_room("open room", 4, true).await.unwrap();
    for path in ["/metrics", "/api/stats", "/monitor"] {
        assert_eq!(
            http_get(&app, path).await.0,
            404,
            "{path} on the players' port"
        );
    }
    // The lobby's view: public rooms, their counts, no codes and no players' names.
    let (status, body) = http_get(&app, "/api/rooms").await;
    assert_eq!(status, 200);
    let rooms: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rooms.as_array().unwrap().len(), 1, "{body}");
    assert_eq!(rooms[0]["name"], "open room");
    for hidden in ["secret room", &secret.code, "ada", "bob", "code"] {
        assert!(!body.contains(hidden), "{hidden} in {body}");
    }
    // The operator's port has it all, and its root leads to the monitor.
    let (status, body) = admin_get(&app, "/api/stats").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("secret room") && body.contains("ada"),
        "{body}"
    );
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["public_port"], app.addr.port());
    assert_eq!(stats["public_scheme"], "http");
    let (status, _) = admin_get(&app, "/").await;
    assert_eq!(status, 302);
    assert_eq!(
        admin_get(&app, "/ws").await.0,
        404,
        "no players on the operator's port"
    );
}

#[tokio::test]
async fn stats_describe_rooms_players_and_spectators() {
    let app = spawn_app();
    let mut ada = connect(&app, "ada").await;
    let joined = ada.create_room("watched", 2, false).await.unwrap();
    let mut eve = connect(&app, "eve").await;
    spectate(
        &mut eve,
        ClientMsg::SpectateByCode {
            code: joined.code.clone(),
        },
    )
    .await;
    eventually("the stats show the spectator", || async {
        let (_, body) = admin_get(&app, "/api/stats").await;
        let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
        stats["rooms"][0]["spectators"] == 1
    })
    .await;
    let (status, body) = admin_get(&app, "/api/stats").await;
    assert_eq!(status, 200);
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["ready"], true);
    assert_eq!(stats["tick_rate"], 30);
    assert_eq!(stats["players"], 1);
    assert_eq!(stats["spectators"], 1);
    assert_eq!(stats["sessions_by_state"]["playing"], 1);
    assert_eq!(stats["sessions_by_state"]["spectating"], 1);
    assert!(stats["traffic"]["bytes_out"].as_u64().unwrap() > 0);
    let room = &stats["rooms"][0];
    assert_eq!(room["name"], "watched");
    assert_eq!(room["public"], false);
    assert!(
        room["code"].is_null(),
        "a private room's code is for admins only"
    );
    assert_eq!(room["roster"].as_array().unwrap().len(), 1);
    assert_eq!(room["roster"][0]["name"], "ada");
    assert!(room["bytes_out"].as_u64().unwrap() > 0);
    assert!(room["tick_p99_ms"].is_number());
    assert!(room["tick_rate_hz"].is_number());
}

#[tokio::test]
async fn readyz_and_the_monitor_page_are_served_to_the_operator() {
    let app = spawn_app();
    let (status, body) = admin_get(&app, "/readyz").await;
    assert_eq!((status, body.trim()), (200, "ready"));
    let (status, page) = admin_get(&app, "/monitor").await;
    assert_eq!(status, 200);
    assert!(page.contains("<script type=\"module\" src=\"/monitor.js\">"));
    assert!(page.contains("id=\"room-rows\""));
    let (status, script) = admin_get(&app, "/monitor.js").await;
    assert_eq!(status, 200);
    assert!(script.contains("/api/stats"));
}

#[tokio::test]
async fn a_spectator_gets_snapshots_and_events_without_a_seat() {
    let app = spawn_app();
    let mut ada = connect(&app, "ada").await;
    // A room of one is full with ada in it; watching it still works.
    let joined = ada.create_room("duel", 1, true).await.unwrap();
    let mut eve = connect(&app, "eve").await;
    let (roster, code) = spectate(
        &mut eve,
        ClientMsg::Spectate {
            room: joined.room.id,
        },
    )
    .await;
    assert_eq!(code, joined.code);
    let names: Vec<_> = roster.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["ada"], "the spectator is not in the roster");

    let snapshot = next_snapshot(&mut eve).await;
    let body = ArenaDelta::decode(&snapshot.body).expect("an arena body");
    assert_eq!(body.players.len(), 1, "no player entity for the spectator");
    assert_eq!(body.players[0].slot(), joined.you);
    assert_eq!(
        (snapshot.baseline_age, snapshot.ack),
        (0, 0),
        "a full first snapshot, and no ack for a spectator"
    );

    // Not a player: not counted, not in the list of rooms' players, cannot play or chat.
    let (_, body) = http_get(&app, "/api/rooms").await;
    let rooms: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rooms[0]["players"], 1);
    eve.send_input(0, 0.0, true).await.unwrap();
    assert_eq!(next_error(&mut eve).await.0, ErrorCode::NotInRoom);
    eve.chat("hello").await.unwrap();
    assert_eq!(next_error(&mut eve).await.0, ErrorCode::NotInRoom);
    eve.send(&ClientMsg::QuickJoin {
        mode: "arena".into(),
    })
    .await
    .unwrap();
    assert_eq!(next_error(&mut eve).await.0, ErrorCode::AlreadyInRoom);

    // Events reach spectators too.
    ada.chat("gg").await.unwrap();
    let text = eve
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Chat { text, .. } => Some(text.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(text, "gg");

    // Leaving works like a player's leave; the room's players never saw the spectator.
    assert_eq!(eve.leave_room().await.unwrap(), joined.room.id);
    eventually("the spectator is gone from the stats", || async {
        let (_, body) = admin_get(&app, "/api/stats").await;
        let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
        stats["spectators"] == 0
    })
    .await;
    ada.send(&ClientMsg::Ping { t: 7 }).await.unwrap();
    let seen_by_ada = ada
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerJoined { .. } | ServerMsg::PlayerLeft { .. } => Some(true),
            ServerMsg::Pong { t: 7 } => Some(false),
            _ => None,
        })
        .await
        .unwrap();
    assert!(!seen_by_ada, "players are not told about spectators");
}

#[tokio::test]
async fn private_rooms_are_watched_by_code_only_and_spectators_are_limited() {
    let app = spawn_app_with(Config {
        max_spectators: 1,
        ..test_config()
    });
    let mut ada = connect(&app, "ada").await;
    let joined = ada.create_room("secret", 4, false).await.unwrap();
    let mut eve = connect(&app, "eve").await;
    eve.send(&ClientMsg::Spectate {
        room: joined.room.id,
    })
    .await
    .unwrap();
    assert_eq!(next_error(&mut eve).await.0, ErrorCode::RoomNotFound);
    spectate(
        &mut eve,
        ClientMsg::SpectateByCode {
            code: joined.code.to_lowercase(),
        },
    )
    .await;
    let mut zed = connect(&app, "zed").await;
    zed.send(&ClientMsg::SpectateByCode {
        code: joined.code.clone(),
    })
    .await
    .unwrap();
    assert_eq!(next_error(&mut zed).await.0, ErrorCode::RoomFull);
    zed.send(&ClientMsg::SpectateByCode {
        code: "NOPE9".into(),
    })
    .await
    .unwrap();
    assert_eq!(next_error(&mut zed).await.0, ErrorCode::RoomNotFound);
}

#[tokio::test]
async fn spectators_learn_when_the_room_closes() {
    let app = spawn_app();
    let mut ada = connect(&app, "ada").await;
    let joined = ada.create_room("short", 2, true).await.unwrap();
    let mut eve = connect(&app, "eve").await;
    spectate(
        &mut eve,
        ClientMsg::Spectate {
            room: joined.room.id,
        },
    )
    .await;
    ada.leave_room().await.unwrap();
    // The empty room closes after its grace (300 ms in tests) with the spectator inside.
    room_closed(&mut eve).await;
    // Back in the lobby: it may join a room now.
    eve.create_room("next", 2, true).await.unwrap();
}
