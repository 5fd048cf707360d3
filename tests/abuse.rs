//! Abuse and overload: rate limits per connection, per IP address and per server, the maxima of
//! players and rooms, and a room whose game panics.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::raw::{RawClient, Watched};
use common::{
    admin_get, connect, eventually, http_get, next_error, next_snapshot, room_closed, spawn_app,
    spawn_app_with, test_config, WAIT,
};
use skirmish::bot::BotError;
use skirmish::config::Config;
use skirmish::game::arena::{Arena, ArenaBrain, ArenaEvent, ArenaInput, ArenaSetup, ArenaState};
use skirmish::game::{Brain, Game, MatchSettings, StepInputs};
use skirmish::limits;
use skirmish::protocol::{
    ClientMsg, CloseCode, ErrorCode, GameWire, PayloadError, ServerMsg, Slot,
};
use skirmish::room::Hosted;
use skirmish::startup::{self, RunningServer};

/// `skirmish_rate_limited_total{kind}` from `/metrics`.
async fn rate_limited(app: &RunningServer, kind: &str) -> u64 {
    let (_, metrics) = admin_get(app, "/metrics").await;
    let series = format!("skirmish_rate_limited_total{{kind=\"{kind}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn input(seq: u32) -> ClientMsg {
    ArenaInput {
        movement: 0,
        aim: 0.0,
        fire: false,
        render_tick: 0,
    }
    .message(seq)
}

#[tokio::test]
async fn an_input_flood_is_dropped_then_disconnected() {
    let app = spawn_app_with(Config {
        inputs_per_second: 30,
        flood_tolerance: 50,
        ..test_config()
    });
    let mut watched = Watched::new(&app).await;
    let mut flooder = RawClient::connect(&app).await;
    flooder.hello("flooder").await;
    flooder.join(&watched.code).await;
    // The burst is taken, the excess is dropped with one warning.
    for seq in 1..=40 {
        flooder.send(&input(seq)).await;
    }
    let warned = flooder.next_error_code().await;
    assert_eq!(warned, ErrorCode::RateLimited);
    let dropped = rate_limited(&app, "input").await;
    assert!(dropped >= 10, "{dropped} inputs counted as dropped");
    // Keeping it up spends the allowance: the connection is closed.
    for seq in 41..=200 {
        flooder.send(&input(seq)).await;
    }
    let ending = flooder.ending().await;
    assert_eq!(ending.code, CloseCode::Flooding);
    assert!(ending
        .error_codes()
        .iter()
        .all(|c| *c == ErrorCode::RateLimited));
    watched.assert_still_ticking().await;
}

#[tokio::test]
async fn other_messages_have_their_own_budget() {
    let app = spawn_app_with(Config {
        messages_per_second: 5,
        ..test_config()
    });
    let mut client = RawClient::connect(&app).await;
    client.hello("chatty").await;
    // Ten a burst (twice the rate), counting the Hello; the rest are dropped.
    for t in 0..20 {
        client.send(&ClientMsg::Ping { t }).await;
    }
    let mut pongs = 0;
    let warned = client
        .expect(|m| match m {
            ServerMsg::Pong { .. } => {
                pongs += 1;
                None
            }
            ServerMsg::Error { code, .. } => Some(*code),
            _ => None,
        })
        .await;
    assert_eq!(warned, ErrorCode::RateLimited);
    assert_eq!(pongs, 9);
    // Dropping is not closing: once the bucket refills, messages are answered again.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !client.pong_within(Duration::from_millis(100)).await {
        assert!(tokio::time::Instant::now() < deadline, "no pong again");
    }
}

#[tokio::test]
async fn open_connections_per_ip_are_limited_before_the_upgrade() {
    let app = spawn_app_with(Config {
        max_connections_per_ip: 2,
        ..test_config()
    });
    let first = RawClient::connect(&app).await;
    let _second = RawClient::connect(&app).await;
    assert_eq!(RawClient::connect_with(&app, &[]).await.err(), Some(429));
    drop(first);
    eventually("a closed connection gives its place back", || async {
        RawClient::connect_with(&app, &[]).await.is_ok()
    })
    .await;
}

#[tokio::test]
async fn new_connections_per_ip_per_second_are_limited() {
    let app = spawn_app_with(Config {
        new_connections_per_ip: 3,
        ..test_config()
    });
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(RawClient::connect_with(&app, &[]).await.err());
    }
    let refused = statuses.iter().filter(|s| **s == Some(429)).count();
    assert!(refused >= 3, "a burst of 6, then 3 a second: {statuses:?}");
    assert_eq!(statuses[0], None);
    // Plain HTTP connections count too: reading the metrics waits for the bucket to refill.
    let mut refused_gets = 0;
    let deadline = tokio::time::Instant::now() + WAIT;
    let metrics = loop {
        match admin_get(&app, "/metrics").await {
            (200, metrics) => break metrics,
            (429, _) => refused_gets += 1,
            (status, _) => panic!("/metrics answered {status}"),
        }
        assert!(tokio::time::Instant::now() < deadline, "never let in again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let counted = metrics
        .lines()
        .find_map(|line| line.strip_prefix("skirmish_rate_limited_total{kind=\"connection\"} "))
        .and_then(|n| n.trim().parse::<usize>().ok());
    assert_eq!(counted, Some(refused + refused_gets));
}

#[tokio::test]
async fn rooms_created_per_address_are_limited() {
    let app = spawn_app_with(Config {
        rooms_per_ip: 3,
        ..test_config()
    });
    let mut first = connect(&app, "first").await;
    for name in ["one", "two"] {
        first.create_room(name, 4, false).await.unwrap();
        first.leave_room().await.unwrap();
    }
    // A new connection from the same address shares the address's allowance.
    let mut second = connect(&app, "second").await;
    second.create_room("three", 4, false).await.unwrap();
    second.leave_room().await.unwrap();
    let fourth = second.create_room("four", 4, false).await;
    assert!(
        matches!(&fourth, Err(BotError::Server { code, message })
            if *code == ErrorCode::RateLimited && message.contains("address")),
        "{fourth:?}"
    );
}

#[tokio::test]
async fn wrong_room_codes_are_budgeted_per_connection_and_per_address() {
    let app = spawn_app();
    let mut host = connect(&app, "host").await;
    let code = host.create_room("secret", 4, false).await.unwrap().code;
    let is_error = |result: &Result<_, BotError>, wanted: ErrorCode| matches!(result, Err(BotError::Server { code, .. }) if *code == wanted);
    let mut guesser = connect(&app, "guesser").await;
    for _ in 0..limits::CODE_GUESSES_PER_CONNECTION {
        let wrong = guesser.join_by_code("AAAAAAAA").await;
        assert!(is_error(&wrong, ErrorCode::RoomNotFound), "{wrong:?}");
    }
    // The budget is spent: not even the right code is looked up.
    let refused = guesser.join_by_code(&code).await;
    assert!(is_error(&refused, ErrorCode::RateLimited), "{refused:?}");
    assert_eq!(rate_limited(&app, "room_code").await, 1);
    // New connections from the same address share the address's budget.
    let per_ip = limits::CODE_GUESSES_PER_IP / limits::CODE_GUESSES_PER_CONNECTION;
    for _ in 1..per_ip {
        let mut more = connect(&app, "more").await;
        for _ in 0..limits::CODE_GUESSES_PER_CONNECTION {
            let _ = more.join_by_code("AAAAAAAA").await;
        }
    }
    let mut fresh = connect(&app, "fresh").await;
    let refused = fresh.join_by_code(&code).await;
    assert!(is_error(&refused, ErrorCode::RateLimited), "{refused:?}");
    fresh
        .send(&ClientMsg::SpectateByCode { code })
        .await
        .unwrap();
    assert_eq!(next_error(&mut fresh).await.0, ErrorCode::RateLimited);
}

#[tokio::test]
async fn rooms_created_per_connection_are_limited() {
    let app = spawn_app_with(Config {
        rooms_per_connection: 2,
        ..test_config()
    });
    let mut client = connect(&app, "builder").await;
    for name in ["one", "two"] {
        client.create_room(name, 4, false).await.unwrap();
        client.leave_room().await.unwrap();
    }
    let third = client.create_room("three", 4, false).await;
    assert!(
        matches!(third, Err(BotError::Server { code, .. }) if code == ErrorCode::RateLimited),
        "{third:?}"
    );
    // Another connection has its own allowance.
    let mut other = connect(&app, "other").await;
    other.create_room("four", 4, false).await.unwrap();
}

#[tokio::test]
async fn the_server_refuses_rooms_and_players_over_its_maxima() {
    let app = spawn_app_with(Config {
        max_rooms: 1,
        max_players: 2,
        ..test_config()
    });
    let mut first = connect(&app, "first").await;
    first.create_room("the only room", 4, true).await.unwrap();
    let mut second = connect(&app, "second").await;
    let refused = second.create_room("another", 4, true).await;
    assert!(
        matches!(&refused, Err(BotError::Server { code, message }) if *code == ErrorCode::ServerFull && message.contains("1 rooms")),
        "{refused:?}"
    );
    // Quick join finds the room with space instead.
    second.quick_join().await.unwrap();

    let mut third = RawClient::connect(&app).await;
    third.send_hello("third").await;
    let ending = third.ending().await;
    assert_eq!(ending.error_codes(), vec![ErrorCode::ServerFull]);
    assert_eq!(ending.code, CloseCode::TryAgainLater);
    // A player leaving makes room.
    first.close().await.unwrap();
    eventually("a place frees up", || async {
        let mut client = RawClient::connect(&app).await;
        client.send_hello("fourth").await;
        client
            .expect(|m| match m {
                ServerMsg::Welcome { .. } => Some(true),
                ServerMsg::Error { .. } => Some(false),
                _ => None,
            })
            .await
    })
    .await;
}

/// The arena, but its step panics once `armed` is set, and reading scores (as a join does)
/// once `fail_join` is, in rooms named "doomed" only.
struct Doomed {
    arena: Arena,
    armed: Arc<AtomicBool>,
    fail_join: Arc<AtomicBool>,
}

/// The arena's brain, for the doomed arena.
struct DoomedBrain(ArenaBrain);

impl Brain<Doomed> for DoomedBrain {
    type Shared = <ArenaBrain as Brain<Arena>>::Shared;
    fn prepare(setup: &ArenaSetup, tick_rate: u16) -> Self::Shared {
        ArenaBrain::prepare(setup, tick_rate)
    }
    fn new(shared: &Self::Shared, seed: u64) -> Self {
        DoomedBrain(<ArenaBrain as Brain<Arena>>::new(shared, seed))
    }
    fn decide(&mut self, shared: &Self::Shared, me: Slot, sight: &ArenaState) -> ArenaInput {
        self.0.decide(shared, me, sight)
    }
}

/// The arena's bytes.
impl GameWire for Doomed {
    const MODE: &'static str = Arena::MODE;
    type Input = ArenaInput;
    type Setup = ArenaSetup;
    type State = ArenaState;
    type Event = ArenaEvent;
    const SCORE_COLUMNS: usize = Arena::SCORE_COLUMNS;
    fn encode_input(input: &ArenaInput, out: &mut Vec<u8>) {
        Arena::encode_input(input, out)
    }
    fn decode_input(bytes: &[u8]) -> Result<ArenaInput, PayloadError> {
        Arena::decode_input(bytes)
    }
    fn encode_setup(setup: &ArenaSetup, out: &mut Vec<u8>) {
        Arena::encode_setup(setup, out)
    }
    fn decode_setup(bytes: &[u8]) -> Result<ArenaSetup, PayloadError> {
        Arena::decode_setup(bytes)
    }
    fn encode_event(event: &ArenaEvent, out: &mut Vec<u8>) {
        Arena::encode_event(event, out)
    }
    fn decode_event(bytes: &[u8]) -> Result<ArenaEvent, PayloadError> {
        Arena::decode_event(bytes)
    }
    fn encode_delta(baseline: Option<&ArenaState>, now: &ArenaState, out: &mut Vec<u8>) {
        Arena::encode_delta(baseline, now, out)
    }
    fn apply_delta(
        baseline: Option<&ArenaState>,
        tick: u32,
        body: &[u8],
    ) -> Result<ArenaState, PayloadError> {
        Arena::apply_delta(baseline, tick, body)
    }
}

impl Game for Doomed {
    type Brain = DoomedBrain;
    fn new(_: &MatchSettings) -> Doomed {
        unreachable!("made by the test's game maker")
    }
    fn setup(&self) -> ArenaSetup {
        self.arena.setup()
    }
    fn tick(&self) -> u32 {
        self.arena.tick()
    }
    fn step(&mut self, inputs: &StepInputs<ArenaInput>, events: &mut Vec<ArenaEvent>) {
        assert!(
            !self.armed.load(Ordering::Relaxed),
            "injected fault in the game step"
        );
        self.arena.step(inputs, events)
    }
    fn score(&self, slot: Slot) -> Option<Vec<i32>> {
        // A join reads the scores for the newcomer's roster, between two steps.
        assert!(
            !self.fail_join.load(Ordering::Relaxed),
            "injected fault in handling a join"
        );
        self.arena.score(slot)
    }
    fn state(&self, out: &mut ArenaState) {
        self.arena.state(out)
    }
}

fn server_with_a_doomed_game(armed: Arc<AtomicBool>, fail_join: Arc<AtomicBool>) -> RunningServer {
    common::init_logging();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    startup::spawn_with(listener, test_config(), move |app| {
        app.with_game_maker(Arc::new(move |name, start| {
            let MatchSettings {
                map,
                tick_rate,
                seed,
            } = &start.settings;
            let arena = Arena::new(map.clone(), *tick_rate, *seed);
            if name == "doomed" {
                let doomed = Doomed {
                    arena,
                    armed: armed.clone(),
                    fail_join: fail_join.clone(),
                };
                Box::new(Hosted::new(doomed, *tick_rate))
            } else {
                Box::new(Hosted::new(arena, *tick_rate))
            }
        }))
    })
    .expect("the server starts")
}

#[tokio::test]
async fn a_panic_in_one_rooms_game_closes_that_room_only() {
    let armed = Arc::new(AtomicBool::new(false));
    let app = server_with_a_doomed_game(armed.clone(), Arc::default());
    // Both rooms run on the server's one room thread.
    let mut watched = Watched::new(&app).await;
    let mut victim = connect(&app, "victim").await;
    let doomed = victim.create_room("doomed", 4, true).await.unwrap();
    armed.store(true, Ordering::Relaxed);
    // The players of the failed room are told.
    let reason = room_closed(&mut victim).await;
    assert_eq!(reason, skirmish::room::FAILED_REASON);
    assert!(!reason.contains("injected"), "no internals in the reason");
    watched.assert_still_ticking().await;
    // The failed room is gone; its player is back in the lobby and can play elsewhere.
    let gone = victim.join_by_code(&doomed.code).await;
    assert!(matches!(gone, Err(BotError::Server { code, .. }) if code == ErrorCode::RoomNotFound));
    victim.join_by_code(&watched.code).await.unwrap();
    watched.assert_still_ticking().await;
    let mut late = connect(&app, "late").await;
    late.create_room("fresh", 4, true).await.unwrap();
    next_snapshot(&mut late).await;
}

#[tokio::test]
async fn a_panic_while_joining_closes_that_room_only() {
    let fail_join = Arc::new(AtomicBool::new(false));
    let app = server_with_a_doomed_game(Arc::default(), fail_join.clone());
    let mut watched = Watched::new(&app).await;
    let mut host = connect(&app, "host").await;
    let doomed = host.create_room("doomed", 4, true).await.unwrap();
    // Once a step has put the host in the game, a join reads its score.
    next_snapshot(&mut host).await;
    fail_join.store(true, Ordering::Relaxed);
    let mut joiner = connect(&app, "joiner").await;
    let refused = joiner.join_by_code(&doomed.code).await;
    assert!(
        matches!(&refused, Err(BotError::Server { code, message })
            if *code == ErrorCode::RoomNotFound && message == skirmish::room::FAILED_REASON),
        "{refused:?}"
    );
    assert_eq!(room_closed(&mut host).await, skirmish::room::FAILED_REASON);
    watched.assert_still_ticking().await;
    joiner.join_by_code(&watched.code).await.unwrap();
}

#[tokio::test]
async fn an_empty_room_closes_once_its_creator_has_left() {
    let app = spawn_app_with(Config {
        empty_room_grace_ms: 60_000,
        ..test_config()
    });
    let mut creator = connect(&app, "creator").await;
    creator.create_room("left behind", 4, true).await.unwrap();
    creator.leave_room().await.unwrap();
    let mut other = connect(&app, "other").await;
    other.create_room("in use", 4, true).await.unwrap();
    other.leave_room().await.unwrap();
    assert_eq!(other.list_rooms().await.unwrap().len(), 2);
    creator.close().await.unwrap();
    // Long before the empty-room grace: the creator's room closes, the other stays.
    eventually("the creator's empty room closes", || async {
        let (_, rooms) = http_get(&app, "/api/rooms").await;
        !rooms.contains("left behind")
    })
    .await;
    assert_eq!(other.list_rooms().await.unwrap().len(), 1);
}
