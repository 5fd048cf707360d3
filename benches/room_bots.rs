//! What the server's bots cost a room's tick: the game work of a room of 8 people against a
//! room of 1 person and 7 bots (the bots' share is one state copy and seven brain decisions a
//! step), on the bundled arena, seeded so that every run plays the same match.
//!
//! `cargo bench --bench room_bots` prints the machine, then µs per tick for each room.

use std::sync::Arc;
use std::time::Instant;

use skirmish::game::arena::{Arena, ArenaBrain, ArenaInput, ArenaState};
use skirmish::game::map::Map;
use skirmish::game::movement::MOVE_ALL;
use skirmish::game::{Brain, Game, StepInputs};
use skirmish::protocol::Slot;

const PLAYERS: u8 = 8;
const TICK_RATE: u16 = 30;
const TICKS: u32 = 30 * 120;
const ROUNDS: usize = 5;

fn arena() -> Arena {
    Arena::new(Arc::new(Map::bundled()), TICK_RATE, 7)
}

/// Plays `TICKS` steps with `bots` of the 8 players driven by brains and the others by a
/// scripted person (who turns and fires now and then, as the load tool's bots do); returns
/// the mean µs per tick.
fn play(bots: u8) -> f64 {
    let mut game = arena();
    let setup = game.setup();
    let shared = ArenaBrain::prepare(&setup, TICK_RATE);
    let mut brains: Vec<ArenaBrain> = (0..bots)
        .map(|slot| <ArenaBrain as Brain<Arena>>::new(&shared, u64::from(slot) + 1))
        .collect();
    let mut inputs = StepInputs {
        joins: (0..PLAYERS).map(Slot).collect(),
        ..StepInputs::default()
    };
    let (mut events, mut sight) = (Vec::new(), ArenaState::default());
    let started = Instant::now();
    for tick in 0..TICKS {
        if bots > 0 {
            game.state(&mut sight);
        }
        for slot in 0..PLAYERS {
            let input = if slot < bots {
                brains[usize::from(slot)].decide(&shared, Slot(slot), &sight)
            } else {
                ArenaInput {
                    movement: ((tick / 30 + u32::from(slot)) % u32::from(MOVE_ALL + 1)) as u8,
                    aim: (tick as f32 * 0.05 + f32::from(slot)).rem_euclid(std::f32::consts::TAU),
                    fire: tick % 30 == u32::from(slot),
                    render_tick: tick,
                }
            };
            inputs.commands.push((Slot(slot), input));
        }
        events.clear();
        game.step(&inputs, &mut events);
        inputs.clear();
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(TICKS)
}

fn main() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name"));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine {} cores={cores}",
        model.unwrap_or("model name: unknown")
    );
    let (mut people, mut with_bots) = (Vec::new(), Vec::new());
    // Alternating, so that drift on a shared machine hits both alike.
    for _ in 0..ROUNDS {
        people.push(play(0));
        with_bots.push(play(PLAYERS - 1));
    }
    let median = |runs: &mut Vec<f64>| {
        runs.sort_by(f64::total_cmp);
        runs[runs.len() / 2]
    };
    let (people, with_bots) = (median(&mut people), median(&mut with_bots));
    println!("room of 8 people: {people:.2} µs per tick (game step, median of {ROUNDS})");
    println!(
        "room of 1 person + 7 bots: {with_bots:.2} µs per tick (state copy, 7 decisions, game step); \
         bots add {:.2} µs a tick",
        with_bots - people
    );
}
