//! The golden replay: a scripted match on the bundled arena, recorded through the real writer
//! into `tests/vectors/replay.skr`. It fails when the game's behaviour changes without a bump
//! of `SIMULATION_REVISION` (the file no longer re-simulates), when the revision is bumped
//! without regenerating the file, and when the file's layout changes (decoding and encoding it
//! again must give the same bytes).
//!
//! `UPDATE_VECTORS=1 cargo test --test replay_golden` rewrites the file from the script below.

mod common;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use skirmish::game::arena::{Arena, ArenaEvent, ArenaInput, ArenaState, SIMULATION_REVISION};
use skirmish::game::map::Map;
use skirmish::game::movement::MOVE_ALL;
use skirmish::game::{Game, StepInputs};
use skirmish::metrics::Metrics;
use skirmish::protocol::{dequantize_position, PlayerId, RoomId, Slot};
use skirmish::replay::format::{encode_header, encode_record, Record, ReplayFile};
use skirmish::replay::recorder::arena_header;
use skirmish::replay::{verify, ReplayWriter, Replayer, Retention, Store};

const TICK_RATE: u16 = 30;
const STEPS: u32 = 600;
const SEED: u64 = 0x5EED_0001;

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/replay.skr")
}

fn bundled_map() -> Arc<Map> {
    Arc::new(Map::bundled())
}

/// Each player runs in a direction it changes now and then, aims at the next player and
/// holds fire; slot 2 leaves halfway and slot 4 joins a little later.
fn scripted_inputs(
    step: u32,
    state: &ArenaState,
    seated: &[Slot],
    rng: &mut ChaCha8Rng,
) -> Vec<(Slot, ArenaInput)> {
    let mut commands = Vec::new();
    for &slot in seated {
        let Some(me) = state.players.iter().find(|p| p.slot == slot) else {
            continue;
        };
        let target = state
            .players
            .iter()
            .find(|p| p.slot > slot)
            .or_else(|| state.players.first())
            .filter(|p| p.slot != slot);
        let aim = target.map_or(0.0, |t| {
            libm::atan2f(
                dequantize_position(t.y) - dequantize_position(me.y),
                dequantize_position(t.x) - dequantize_position(me.x),
            )
        });
        commands.push((
            slot,
            ArenaInput {
                movement: rng.random_range(0..=MOVE_ALL),
                aim,
                fire: true,
                render_tick: step.saturating_sub(3),
            },
        ));
    }
    commands
}

/// Records the scripted match through a real writer into a scratch directory and returns the
/// file's bytes.
fn record_scripted_match() -> Vec<u8> {
    let dir = common::scratch_dir("golden");
    let retention = Retention {
        max_matches: 0,
        max_age: Duration::ZERO,
        max_bytes: 0,
    };
    let store = Store::open(&dir, retention, Metrics::new().replays()).expect("scratch store");
    let writer = ReplayWriter::spawn(store).expect("writer thread");
    let mut arena = Arena::new(bundled_map(), TICK_RATE, SEED);
    let mut header = arena_header(&arena, (RoomId(1), "golden"), TICK_RATE, SEED);
    // A fixed start, so that PROTOCOL.md's hex of the header stays true when regenerated.
    header.started_unix_ms = 1_796_169_600_000;
    let mut recording = writer.start(header, true).expect("the queue has room");
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (mut inputs, mut events, mut state) =
        (StepInputs::default(), Vec::new(), ArenaState::default());
    let mut seated: Vec<Slot> = Vec::new();
    for step in 1..=STEPS {
        inputs.clear();
        match step {
            1 => inputs.joins.extend([0, 1, 2, 3].map(Slot)),
            300 => inputs.leaves.push(Slot(2)),
            350 => inputs.joins.push(Slot(4)),
            _ => {}
        }
        seated.retain(|slot| !inputs.leaves.contains(slot));
        seated.extend(&inputs.joins);
        arena.state(&mut state);
        inputs.commands = scripted_inputs(step, &state, &seated, &mut rng);
        let identity = |slot: Slot| {
            (
                PlayerId(100 + u32::from(slot.get())),
                format!("player {slot}"),
                slot == Slot(3),
            )
        };
        recording.before_step(&inputs, &arena, &identity);
        arena.step(&inputs, &mut events);
        recording.after_step(&arena);
    }
    recording.finish(&arena);
    let deadline = Instant::now() + common::WAIT;
    loop {
        let filed = std::fs::read_dir(&dir)
            .expect("scratch dir")
            .flatten()
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|ext| ext == "skr"));
        if let Some(path) = filed {
            return std::fs::read(path).expect("the filed replay");
        }
        assert!(Instant::now() < deadline, "the writer files the match");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The file decoded and encoded again.
fn reencoded(bytes: &[u8]) -> Vec<u8> {
    let file = ReplayFile::parse(bytes).expect("the golden replay parses");
    let mut out = encode_header(&file.header);
    for record in file.records() {
        let (_, record) = record.expect("every record decodes");
        encode_record(&record, &mut out);
    }
    out
}

#[test]
fn the_golden_replay_still_replays() {
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        let bytes = record_scripted_match();
        std::fs::write(golden_path(), &bytes).expect("write tests/vectors/replay.skr");
        eprintln!(
            "rewrote {} ({} bytes)",
            golden_path().display(),
            bytes.len()
        );
    }
    let golden = std::fs::read(golden_path()).expect("tests/vectors/replay.skr exists");
    let header = ReplayFile::parse(&golden)
        .expect("the golden replay parses")
        .header;
    assert_eq!(
        header.simulation_revision, SIMULATION_REVISION,
        "SIMULATION_REVISION changed: regenerate the golden replay with \
         UPDATE_VECTORS=1 cargo test --test replay_golden"
    );
    let summary = verify(&golden).unwrap_or_else(|err| {
        panic!(
            "the game's behaviour changed without a SIMULATION_REVISION bump ({err}). Bump \
             SIMULATION_REVISION in src/game/arena.rs and regenerate with \
             UPDATE_VECTORS=1 cargo test --test replay_golden"
        )
    });
    assert_eq!(summary.ticks, STEPS);
    assert_eq!(summary.players, 5, "{summary}");
    assert_eq!(
        summary.digests_checked,
        (STEPS / u32::from(TICK_RATE)) as usize
    );
    let kills: u16 = summary.end.players.iter().map(|p| p.kills).sum();
    assert!(kills > 0, "the script makes a match with kills: {summary}");
    assert_eq!(reencoded(&golden), golden, "the replay layout changed");
}

#[test]
fn a_fresh_recording_of_the_script_verifies() {
    let bytes = record_scripted_match();
    let summary = verify(&bytes).expect("a fresh recording re-simulates");
    assert_eq!(summary.ticks, STEPS);
    let left = summary
        .end
        .players
        .iter()
        .find(|p| p.slot == Slot(2))
        .expect("slot 2 played");
    assert_eq!(left.left_tick, Some(300));
    let file = ReplayFile::parse(&bytes).expect("parses");
    let joins = file
        .records()
        .filter_map(|r| match r {
            Ok((_, Record::Join(join))) => Some(Cow::into_owned(join)),
            _ => None,
        })
        .count();
    assert_eq!(joins, 5);
}

/// What a viewer sees: the state, the roster and the kills of every tick, as the match had them.
#[test]
fn the_replayer_shows_every_tick_with_its_roster_and_kills() {
    let golden = std::fs::read(golden_path()).expect("tests/vectors/replay.skr exists");
    let mut replayer = Replayer::new(&golden).expect("the golden replay opens");
    let mut state = ArenaState::default();
    let mut kills = 0u32;
    while replayer.step().expect("the golden replay re-simulates") {
        let tick = replayer.tick();
        replayer.state(&mut state);
        assert_eq!(state.tick, tick);
        let roster: Vec<(Slot, String)> = replayer
            .roster()
            .map(|(player, _)| (player.slot, player.name.clone()))
            .collect();
        let slots: Vec<Slot> = state.players.iter().map(|p| p.slot).collect();
        let seated: Vec<Slot> = roster.iter().map(|(slot, _)| *slot).collect();
        assert_eq!(
            slots, seated,
            "tick {tick}: the state's players are the roster's"
        );
        match tick {
            299 => assert!(seated.contains(&Slot(2))),
            300..=349 => assert_eq!(seated, [0, 1, 3].map(Slot), "tick {tick}"),
            350 => assert_eq!(roster.last(), Some(&(Slot(4), "player 4".to_string()))),
            _ => {}
        }
        kills += replayer
            .events()
            .iter()
            .filter(|event| matches!(event, ArenaEvent::Kill { .. }))
            .count() as u32;
    }
    let entries = replayer.roster_entries();
    assert_eq!(entries.len(), 4);
    assert!(entries
        .iter()
        .any(|e| e.slot == Slot(3) && e.bot && e.name == "player 3"));
    let end = replayer.end().expect("the end record");
    assert_eq!(end.recorded_ticks, STEPS);
    let scored: u32 = end.players.iter().map(|p| u32::from(p.kills)).sum();
    assert_eq!(kills, scored, "every kill event is in a final score");
}
