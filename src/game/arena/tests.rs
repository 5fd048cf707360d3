//! The arena's rules, step by step, from hand-made inputs.
use std::collections::BTreeMap;
use std::f32::consts::FRAC_1_SQRT_2;
use std::ops::{Deref, DerefMut};

use rand::Rng;

use super::*;
use crate::game::map::{distance_to_wall, SPAWN_CLEARANCE};
use crate::game::movement::{snap_to_grid, WALL_TOLERANCE};
use crate::game::movement::{MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP};
use crate::protocol::{dequantize_position, GameWire};

const EPS: f32 = 0.01;
/// A player may overlap a wall by the push-out tolerance, and then by half a grid step
/// more when its position is rounded to the grid.
const MAX_WALL_OVERLAP: f32 = WALL_TOLERANCE * 1.5;

/// Drives an arena the way a room does for clients that send one input per step: every
/// step hands the game each player's held input (and a one-off input where one is
/// queued), in slot order.
struct Play {
    arena: Arena,
    held: BTreeMap<Slot, ArenaInput>,
    once: BTreeMap<Slot, ArenaInput>,
    inputs: StepInputs<ArenaInput>,
}

impl Play {
    fn new(arena: Arena) -> Play {
        Play {
            arena,
            held: BTreeMap::new(),
            once: BTreeMap::new(),
            inputs: StepInputs::default(),
        }
    }

    /// Sends `input` in every step from now on.
    fn apply_input(&mut self, slot: Slot, input: &ArenaInput) {
        self.held.insert(slot, *input);
    }

    /// Sends `input` in the next step only, instead of the held one.
    fn once(&mut self, slot: Slot, input: &ArenaInput) {
        self.once.insert(slot, *input);
    }

    fn step(&mut self, events: &mut Vec<ArenaEvent>) {
        self.inputs.clear();
        let mut inputs = self.held.clone();
        inputs.append(&mut self.once);
        self.inputs.commands.extend(inputs);
        self.arena.step(&self.inputs, events);
    }
}

impl Deref for Play {
    type Target = Arena;
    fn deref(&self) -> &Arena {
        &self.arena
    }
}

impl DerefMut for Play {
    fn deref_mut(&mut self) -> &mut Arena {
        &mut self.arena
    }
}

fn map(width: u16, height: u16, walls: &[(u16, u16, u16, u16)], spawns: &[(f32, f32)]) -> Arc<Map> {
    let walls: Vec<String> = walls
        .iter()
        .map(|(x, y, w, h)| format!(r#"{{"x":{x},"y":{y},"w":{w},"h":{h}}}"#))
        .collect();
    let spawns: Vec<String> = spawns
        .iter()
        .map(|(x, y)| format!(r#"{{"x":{x},"y":{y}}}"#))
        .collect();
    let json = format!(
        r#"{{"width":{width},"height":{height},"walls":[{}],"spawns":[{}]}}"#,
        walls.join(","),
        spawns.join(",")
    );
    Arc::new(Map::from_json(&json).expect("test map is valid"))
}

fn bundled_map() -> Arc<Map> {
    Arc::new(Map::bundled())
}

fn input(movement: u8, aim: f32, fire: bool) -> ArenaInput {
    ArenaInput {
        movement,
        aim,
        fire,
        render_tick: 0,
    }
}

fn player(arena: &Arena, slot: Slot) -> &Player {
    let index = arena.player_index(slot).expect("player exists");
    &arena.players[index]
}

fn place(arena: &mut Arena, slot: Slot, x: f32, y: f32) {
    let index = arena.player_index(slot).expect("player exists");
    arena.players[index].x = x;
    arena.players[index].y = y;
}

/// Adds players 0, 1, ... (all of them first, so that spawns are picked as they would be)
/// and then moves each to its place in `at`.
fn add_placed(arena: &mut Play, at: &[(f32, f32)]) {
    for slot in 0..at.len() {
        arena.add_player(Slot(slot as u8));
    }
    for (slot, &(x, y)) in at.iter().enumerate() {
        place(arena, Slot(slot as u8), x, y);
    }
}

/// One input that fires, aimed at `aim`, then inputs that do not.
fn tap_fire(arena: &mut Play, slot: Slot, aim: f32) {
    arena.once(slot, &input(0, aim, true));
    arena.apply_input(slot, &input(0, aim, false));
}

fn position(arena: &Arena, slot: Slot) -> (f32, f32) {
    let p = player(arena, slot);
    (p.x, p.y)
}

fn run(arena: &mut Play, steps: u32) -> Vec<ArenaEvent> {
    let mut events = Vec::new();
    for _ in 0..steps {
        arena.step(&mut events);
    }
    events
}

fn assert_near(actual: (f32, f32), expected: (f32, f32)) {
    assert!(
        (actual.0 - expected.0).abs() < EPS && (actual.1 - expected.1).abs() < EPS,
        "at {actual:?}, expected {expected:?}"
    );
}

/// An open field with one spawn in the middle and shooter/target helpers around it.
fn field(width: u16, walls: &[(u16, u16, u16, u16)], tick_rate: u16) -> Play {
    let spawn = (f32::from(width) / 2.0, 500.0);
    Play::new(Arena::new(map(width, 1000, walls, &[spawn]), tick_rate, 1))
}

/// What one step moves a player from a point of the grid in open field: the step's
/// distance (times 1/√2 on each axis of a diagonal), rounded to the grid.
fn grid_step(arena: &Arena, diagonal: bool) -> f32 {
    let distance = arena.step_distance * if diagonal { FRAC_1_SQRT_2 } else { 1.0 };
    snap_to_grid(distance)
}

#[test]
fn players_move_at_their_speed_in_eight_directions() {
    let mut arena = field(2000, &[], 30);
    arena.add_player(Slot(0));
    let speed = grid_step(&arena, false) * 30.0;
    assert!((speed - arena.tuning().player_speed).abs() < 1.0, "{speed}");
    assert_eq!(position(&arena, Slot(0)), (1000.0, 500.0));

    arena.apply_input(Slot(0), &input(MOVE_RIGHT, 0.0, false));
    run(&mut arena, 30);
    assert_near(position(&arena, Slot(0)), (1000.0 + speed, 500.0));

    arena.apply_input(Slot(0), &input(MOVE_UP, 0.0, false));
    run(&mut arena, 15);
    assert_near(
        position(&arena, Slot(0)),
        (1000.0 + speed, 500.0 - speed / 2.0),
    );

    let start = position(&arena, Slot(0));
    arena.apply_input(Slot(0), &input(MOVE_DOWN | MOVE_LEFT, 0.0, false));
    run(&mut arena, 30);
    let diagonal = grid_step(&arena, true) * 30.0;
    assert_near(
        position(&arena, Slot(0)),
        (start.0 - diagonal, start.1 + diagonal),
    );

    let start = position(&arena, Slot(0));
    arena.apply_input(Slot(0), &input(MOVE_LEFT | MOVE_RIGHT, 0.0, false));
    run(&mut arena, 10);
    assert_eq!(position(&arena, Slot(0)), start, "opposite keys cancel");

    arena.apply_input(Slot(0), &input(MOVE_UP | MOVE_DOWN | MOVE_LEFT, 0.0, false));
    run(&mut arena, 30);
    assert_near(position(&arena, Slot(0)), (start.0 - speed, start.1));

    let start = position(&arena, Slot(0));
    arena.apply_input(Slot(0), &input(0, 0.0, false));
    run(&mut arena, 10);
    assert_eq!(position(&arena, Slot(0)), start);

    arena.apply_input(Slot(0), &input(MOVE_RIGHT, 0.0, false));
    run(&mut arena, 1);
    arena.held.clear();
    run(&mut arena, 10);
    let one_step = (start.0 + grid_step(&arena, false), start.1);
    assert_eq!(
        position(&arena, Slot(0)),
        one_step,
        "no input: standing still"
    );
}

#[test]
fn two_inputs_in_one_step_move_two_steps() {
    let mut arena = field(2000, &[], 30);
    arena.add_player(Slot(0));
    let right = input(MOVE_RIGHT, 0.0, false);
    arena.inputs.clear();
    arena
        .inputs
        .commands
        .extend([(Slot(0), right), (Slot(0), right)]);
    let inputs = arena.inputs.clone();
    arena.arena.step(&inputs, &mut Vec::new());
    let expected = 1000.0 + 2.0 * grid_step(&arena, false);
    assert_eq!(position(&arena, Slot(0)), (expected, 500.0));
}

#[test]
fn players_stop_at_map_edges() {
    let mut arena = field(1000, &[], 30);
    arena.add_player(Slot(0));
    arena.apply_input(Slot(0), &input(MOVE_UP | MOVE_LEFT, 0.0, false));
    run(&mut arena, 300);
    let radius = arena.tuning().player_radius;
    assert_near(position(&arena, Slot(0)), (radius, radius));
}

#[test]
fn walls_block_and_players_slide_along_them() {
    let wall = (600, 200, 40, 600);
    let mut arena = field(1000, &[wall], 30);
    arena.add_player(Slot(0));
    let radius = arena.tuning().player_radius;
    let speed = arena.tuning().player_speed;
    let wall = arena.map.walls[0];

    arena.apply_input(Slot(0), &input(MOVE_RIGHT, 0.0, false));
    for _ in 0..60 {
        run(&mut arena, 1);
        let (x, y) = position(&arena, Slot(0));
        assert!(
            distance_to_wall(x, y, &wall) >= radius - MAX_WALL_OVERLAP,
            "in the wall at {x}"
        );
    }
    assert_near(position(&arena, Slot(0)), (600.0 - radius, 500.0));

    arena.apply_input(Slot(0), &input(MOVE_RIGHT | MOVE_DOWN, 0.0, false));
    run(&mut arena, 30);
    let slide = grid_step(&arena, true) * 30.0;
    assert!((slide - speed * FRAC_1_SQRT_2).abs() < 1.0);
    assert_near(position(&arena, Slot(0)), (600.0 - radius, 500.0 + slide));
}

#[test]
fn a_thin_wall_holds_even_at_one_step_per_second() {
    let mut arena = field(1000, &[(600, 0, 1, 1000)], 1);
    arena.add_player(Slot(0));
    let radius = arena.tuning().player_radius;
    let one_step = 500.0 + arena.tuning().player_speed;
    assert!(
        one_step > 601.0 + radius,
        "unchecked, one step would jump the wall"
    );
    arena.apply_input(Slot(0), &input(MOVE_RIGHT, 0.0, false));
    run(&mut arena, 5);
    assert_near(position(&arena, Slot(0)), (600.0 - radius, 500.0));
}

#[test]
fn players_never_end_inside_walls() {
    let mut arena = Play::new(Arena::new(bundled_map(), 30, 7));
    let mut script = ChaCha8Rng::seed_from_u64(99);
    for slot in 0..40 {
        arena.add_player(Slot(slot));
    }
    let radius = arena.tuning().player_radius;
    let (width, height) = (f32::from(arena.map.width), f32::from(arena.map.height));
    for _ in 0..600 {
        for slot in 0..40 {
            if script.random_bool(0.1) {
                let movement = script.random_range(0..=MOVE_ALL);
                arena.apply_input(Slot(slot), &input(movement, 0.0, false));
            }
        }
        run(&mut arena, 1);
        for p in &arena.players {
            assert!((radius..=width - radius).contains(&p.x), "x {}", p.x);
            assert!((radius..=height - radius).contains(&p.y), "y {}", p.y);
            for wall in &arena.map.walls {
                let distance = distance_to_wall(p.x, p.y, wall);
                let deepest = radius - MAX_WALL_OVERLAP;
                assert!(distance >= deepest, "{} inside {wall:?}", p.slot);
            }
        }
    }
}

#[test]
fn a_bullet_appears_at_the_edge_hits_and_damages() {
    let mut arena = field(2000, &[], 30);
    add_placed(&mut arena, &[(300.0, 500.0), (700.0, 500.0)]);
    tap_fire(&mut arena, Slot(0), 0.0);
    let mut snapshot = ArenaState::default();
    let mut events = Vec::new();
    arena.step(&mut events);
    arena.state(&mut snapshot);
    let radius = arena.tuning().player_radius;
    assert_eq!(
        snapshot.bullets,
        vec![FlyingBullet {
            since: 1,
            bullet: BulletState {
                id: 0,
                owner: Slot(0),
                x: quantize_position(300.0 + radius),
                y: quantize_position(500.0),
                heading: 0,
            }
        }]
    );
    for _ in 0..30 {
        arena.step(&mut events);
    }
    assert!(arena.bullets.is_empty(), "the bullet stopped in the target");
    let max_hp = arena.tuning().max_hp;
    assert_eq!(
        player(&arena, Slot(1)).hp,
        max_hp - arena.tuning().bullet_damage
    );
    assert_eq!(player(&arena, Slot(0)).hp, max_hp);
    assert!(events.is_empty());
}

#[test]
fn a_bullet_never_hits_its_owner() {
    for bystander in [false, true] {
        let mut arena = field(2000, &[], 30);
        add_placed(&mut arena, &[(300.0, 500.0), (300.0, 900.0)]);
        tap_fire(&mut arena, Slot(0), 0.0);
        run(&mut arena, 1);
        let in_the_way = if bystander { 1 } else { 0 };
        place(&mut arena, Slot(in_the_way), 400.0, 500.0);
        run(&mut arena, 40);
        let hp = player(&arena, Slot(in_the_way)).hp;
        if bystander {
            assert!(hp < arena.tuning().max_hp, "another player is hit");
        } else {
            assert_eq!(hp, arena.tuning().max_hp, "the owner is not");
        }
    }
}

fn bullet_xs_until_gone(arena: &mut Play, max_steps: u32) -> Vec<f32> {
    let mut xs = Vec::new();
    let mut snapshot = ArenaState::default();
    for _ in 0..max_steps {
        run(arena, 1);
        arena.state(&mut snapshot);
        match snapshot.bullets.first() {
            Some(flying) => xs.push(dequantize_position(flying.bullet.x)),
            None => return xs,
        }
    }
    panic!("the bullet still flies after {max_steps} steps");
}

#[test]
fn bullets_stop_at_walls_however_fast() {
    for tick_rate in [30, 1] {
        let mut arena = field(2000, &[(600, 0, 2, 1000)], tick_rate);
        add_placed(&mut arena, &[(300.0, 500.0), (700.0, 500.0)]);
        tap_fire(&mut arena, Slot(0), 0.0);
        let xs = bullet_xs_until_gone(&mut arena, 100);
        assert!(!xs.is_empty());
        assert!(xs.iter().all(|&x| x < 600.0), "{xs:?} at {tick_rate} Hz");
        assert_eq!(
            player(&arena, Slot(1)).hp,
            arena.tuning().max_hp,
            "{tick_rate} Hz"
        );
    }
}

#[test]
fn bullets_stop_at_the_map_edge_and_at_their_range() {
    let mut arena = field(1000, &[], 30);
    add_placed(&mut arena, &[(900.0, 500.0)]);
    tap_fire(&mut arena, Slot(0), 0.0);
    let xs = bullet_xs_until_gone(&mut arena, 10);
    assert!(xs.iter().all(|&x| x <= 1000.0), "{xs:?}");

    let mut arena = field(4000, &[], 30);
    add_placed(&mut arena, &[(100.0, 500.0)]);
    tap_fire(&mut arena, Slot(0), 0.0);
    let xs = bullet_xs_until_gone(&mut arena, 100);
    let tuning = *arena.tuning();
    let flight = tuning.bullet_speed / 30.0;
    let farthest = xs.iter().copied().fold(0.0, f32::max);
    let range_end = 100.0 + tuning.player_radius + tuning.bullet_range;
    assert!(
        farthest <= range_end && farthest > range_end - flight,
        "flew to {farthest}"
    );
    let flight_steps = (tuning.bullet_range / flight).ceil() as usize;
    // Shown at the edge, then after every flight step but the last, which ends its range.
    assert_eq!(xs.len(), flight_steps);
}

#[test]
fn a_kill_counts_and_the_victim_respawns_after_the_delay() {
    let spawns = [(100.0, 100.0), (1900.0, 900.0)];
    let mut arena = Play::new(Arena::new(map(2000, 1000, &[], &spawns), 30, 3));
    add_placed(&mut arena, &[(300.0, 500.0), (700.0, 500.0)]);
    arena.players[1].hp = arena.tuning().bullet_damage;
    tap_fire(&mut arena, Slot(0), 0.0);
    let mut events = Vec::new();
    while events.is_empty() && arena.tick() < 30 {
        arena.step(&mut events);
    }
    let kill_tick = arena.tick();
    let respawn_tick = kill_tick + 60;
    assert_eq!(
        events,
        vec![ArenaEvent::Kill {
            killer: Slot(0),
            victim: Slot(1),
            respawn_tick
        }]
    );
    assert_eq!(arena.score(Slot(0)), Some(vec![1, 0]));
    assert_eq!(arena.score(Slot(1)), Some(vec![0, 1]));
    let mut snapshot = ArenaState::default();
    arena.state(&mut snapshot);
    assert_eq!((snapshot.players[1].hp, snapshot.players[1].flags), (0, 0));

    let corpse = position(&arena, Slot(1));
    arena.apply_input(Slot(1), &input(MOVE_LEFT, std::f32::consts::PI, true));
    arena.apply_input(Slot(0), &input(0, 0.0, true));
    run(&mut arena, 20);
    assert_eq!(position(&arena, Slot(1)), corpse, "the dead do not move");
    assert!(
        arena.bullets.iter().all(|b| b.owner == Slot(0)),
        "nor shoot"
    );
    assert!(
        arena.bullets.iter().any(|b| b.x > corpse.0),
        "nor stop bullets"
    );
    arena.apply_input(Slot(0), &input(0, 0.0, false));

    events.clear();
    while arena.tick() + 1 < respawn_tick {
        arena.step(&mut events);
    }
    assert!(!player(&arena, Slot(1)).alive());
    arena.step(&mut events);
    let victim = player(&arena, Slot(1));
    assert!(victim.alive());
    assert_eq!(victim.hp, arena.tuning().max_hp);
    assert!(spawns.contains(&(victim.x, victim.y)), "at a spawn");
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(arena.score(Slot(1)), Some(vec![0, 1]));
}

/// Kills `victim` at once with one shot of `killer` (placed side by side on a free row)
/// and steps until it has respawned; returns the arena's tick of the respawn.
fn kill_and_respawn(arena: &mut Play, killer: Slot, victim: Slot) -> u32 {
    let index = arena.player_index(victim).expect("victim exists");
    arena.players[index].hp = arena.tuning().bullet_damage;
    let (vx, vy) = position(arena, victim);
    place(arena, killer, vx - 60.0, vy);
    tap_fire(arena, killer, 0.0);
    let mut events = Vec::new();
    while events.is_empty() && arena.tick() < 30 {
        arena.step(&mut events);
    }
    let Some(ArenaEvent::Kill { respawn_tick, .. }) = events.first().cloned() else {
        panic!("no kill: {events:?}");
    };
    while arena.tick() != respawn_tick {
        arena.step(&mut events);
    }
    assert!(player(arena, victim).alive());
    respawn_tick
}

fn flags(arena: &Arena, slot: Slot) -> u8 {
    let mut snapshot = ArenaState::default();
    arena.state(&mut snapshot);
    let state = snapshot.players.iter().find(|p| p.slot == slot);
    state.expect("player in the snapshot").flags
}

#[test]
fn a_spawn_is_the_free_point_farthest_from_living_enemies() {
    let spawns = [
        (100.0, 500.0),
        (500.0, 500.0),
        (900.0, 500.0),
        (1500.0, 500.0),
    ];
    for seed in 0..10 {
        let mut arena = Play::new(Arena::new(map(2000, 1000, &[], &spawns), 30, seed));
        add_placed(&mut arena, &[(1400.0, 500.0), (100.0, 500.0)]);
        arena.add_player(Slot(2));
        // Nearest enemy of each spawn: 0, 400, 500, 100 away: (900, 500) is farthest.
        assert_eq!(
            position(&arena, Slot(2)),
            (900.0, 500.0),
            "seed {seed}: a new player"
        );

        // A respawn weighs the living only: player 1 dies and player 2 waits far away.
        place(&mut arena, Slot(0), 950.0, 500.0);
        place(&mut arena, Slot(2), 100.0, 100.0);
        kill_and_respawn(&mut arena, Slot(2), Slot(1));
        // Player 2 shot from (40, 500) and stands there, player 0 at (950, 500): the
        // spawns are 60, 450, 50 and 550 away from them.
        assert_eq!(
            position(&arena, Slot(1)),
            (1500.0, 500.0),
            "seed {seed}: a respawn"
        );
    }
}

#[test]
fn spawns_in_an_empty_arena_are_drawn_at_random() {
    let spawns = [
        (100.0, 100.0),
        (900.0, 100.0),
        (100.0, 900.0),
        (900.0, 900.0),
    ];
    let map = map(1000, 1000, &[], &spawns);
    let firsts: Vec<(f32, f32)> = (0..40)
        .map(|seed| {
            let mut arena = Arena::new(map.clone(), 30, seed);
            arena.add_player(Slot(0));
            position(&arena, Slot(0))
        })
        .collect();
    for spawn in spawns {
        assert!(firsts.contains(&spawn), "{spawn:?} is never drawn");
    }
}

#[test]
fn a_respawned_player_is_protected_for_a_while() {
    let spawns = [(1000.0, 200.0)];
    let mut arena = Play::new(Arena::new(map(2000, 1000, &[], &spawns), 30, 5));
    add_placed(&mut arena, &[(300.0, 500.0), (700.0, 500.0)]);
    let respawn_tick = kill_and_respawn(&mut arena, Slot(0), Slot(1));
    assert_eq!(flags(&arena, Slot(1)), PLAYER_ALIVE | PLAYER_PROTECTED);
    let protection = arena.spawn_protection_ticks;
    assert_eq!(protection, 53, "1.75 s at 30 Hz");

    // Shots hit it and stop, but do no harm...
    place(&mut arena, Slot(0), 900.0, 200.0);
    let max_hp = arena.tuning().max_hp;
    let mut events = Vec::new();
    while arena.tick() < respawn_tick + protection - 1 {
        arena.apply_input(Slot(0), &input(0, 0.0, true));
        arena.step(&mut events);
        assert_eq!(player(&arena, Slot(1)).hp, max_hp, "tick {}", arena.tick());
        assert_ne!(flags(&arena, Slot(1)) & PLAYER_PROTECTED, 0);
    }
    assert!(events.is_empty(), "{events:?}");
    // ...until the protection runs out.
    arena.apply_input(Slot(0), &input(0, 0.0, false));
    arena.bullets.clear();
    arena.step(&mut events);
    assert_eq!(
        flags(&arena, Slot(1)),
        PLAYER_ALIVE,
        "over after {protection} steps"
    );
    let cooldown = arena.fire_cooldown_ticks;
    run(&mut arena, cooldown);
    tap_fire(&mut arena, Slot(0), 0.0);
    run(&mut arena, 5);
    assert!(player(&arena, Slot(1)).hp < max_hp, "hurt once unprotected");
}

#[test]
fn firing_ends_spawn_protection_at_once() {
    let spawns = [(1000.0, 200.0)];
    let mut arena = Play::new(Arena::new(map(2000, 1000, &[], &spawns), 30, 5));
    add_placed(&mut arena, &[(300.0, 500.0), (700.0, 500.0)]);
    kill_and_respawn(&mut arena, Slot(0), Slot(1));
    run(&mut arena, 3);
    assert_ne!(
        flags(&arena, Slot(1)) & PLAYER_PROTECTED,
        0,
        "still protected"
    );
    tap_fire(&mut arena, Slot(1), std::f32::consts::FRAC_PI_2);
    run(&mut arena, 1);
    assert_eq!(
        flags(&arena, Slot(1)),
        PLAYER_ALIVE,
        "a shot gives the protection up"
    );
    place(&mut arena, Slot(0), 900.0, 200.0);
    tap_fire(&mut arena, Slot(0), 0.0);
    run(&mut arena, 5);
    assert!(player(&arena, Slot(1)).hp < arena.tuning().max_hp);
}

#[test]
fn a_new_player_is_not_protected() {
    let mut arena = field(2000, &[], 30);
    arena.add_player(Slot(0));
    assert_eq!(flags(&arena, Slot(0)), PLAYER_ALIVE);
}

#[test]
fn players_spawn_at_free_spawn_points() {
    let spawns = [(100.0, 100.0), (900.0, 900.0)];
    let map = map(1000, 1000, &[], &spawns);
    let mut first_choices = Vec::new();
    for seed in 0..20 {
        let mut arena = Play::new(Arena::new(map.clone(), 30, seed));
        arena.add_player(Slot(0));
        arena.add_player(Slot(1));
        let (first, second) = (position(&arena, Slot(0)), position(&arena, Slot(1)));
        assert_ne!(first, second, "seed {seed}: the taken spawn is avoided");
        first_choices.push(first);
        arena.add_player(Slot(2));
        assert!(
            spawns.contains(&position(&arena, Slot(2))),
            "all taken: any spawn"
        );
    }
    assert!(first_choices.contains(&spawns[0]) && first_choices.contains(&spawns[1]));
}

#[test]
fn fire_is_read_per_input_with_no_latch() {
    let mut arena = field(2000, &[], 30);
    arena.add_player(Slot(0));
    arena.apply_input(Slot(0), &input(0, 0.0, false));
    run(&mut arena, 1);
    assert!(arena.bullets.is_empty());

    tap_fire(&mut arena, Slot(0), 1.0);
    run(&mut arena, 1);
    assert_eq!(arena.bullets.len(), 1, "the input that fires fires");
    let bullet = arena.bullets[0];
    assert_near((bullet.dir_x, bullet.dir_y), (1.0f32.cos(), 1.0f32.sin()));

    run(&mut arena, 10);
    assert_eq!(arena.bullets.len(), 1, "inputs without fire do not");

    arena.held.clear();
    arena.once(Slot(0), &input(0, 0.0, true));
    run(&mut arena, 1);
    run(&mut arena, 20);
    assert_eq!(arena.bullets.len(), 1, "steps without inputs do not either");
}

/// A target running down at full speed and a shooter 400 units to its left who fires in
/// step 11, aiming where the target stands, in its own view, when the bullet gets there:
/// drawn `lag` ticks in the past. Returns the target's hit points afterwards.
fn shoot_at_a_runner(drawn_lag: u32, claimed_lag: u32) -> u8 {
    let mut arena = field(2000, &[], 30);
    add_placed(&mut arena, &[(300.0, 500.0), (700.0, 400.0)]);
    arena.apply_input(Slot(1), &input(MOVE_DOWN, 0.0, false));
    run(&mut arena, 10);
    let fired_in = arena.tick() + 1;
    // The bullet reaches x = 700 in the 13th step after the one it is fired in.
    let seen_tick = fired_in + 13 - drawn_lag;
    let seen_y = 400.0 + seen_tick as f32 * grid_step(&arena, false);
    let aim = (seen_y - 500.0).atan2(400.0);
    let mut shot = input(0, aim, true);
    shot.render_tick = fired_in - claimed_lag;
    arena.once(Slot(0), &shot);
    run(&mut arena, 30);
    player(&arena, Slot(1)).hp
}

#[test]
fn lag_compensation_hits_what_the_shooter_saw() {
    let full = Tuning::default().max_hp;
    let hurt = full - Tuning::default().bullet_damage;
    assert_eq!(shoot_at_a_runner(0, 0), hurt, "no lag: a plain hit");
    assert_eq!(
        shoot_at_a_runner(3, 3),
        hurt,
        "drawn and claimed 100 ms back: hits"
    );
    assert_eq!(
        shoot_at_a_runner(3, 0),
        full,
        "drawn 100 ms back, judged now: misses"
    );
}

#[test]
fn claimed_render_ticks_are_clamped_to_the_history() {
    let mut arena = field(2000, &[], 30);
    add_placed(&mut arena, &[(300.0, 500.0)]);
    run(&mut arena, 20);
    for (render_tick, rewind) in [(18, 3), (0, 7), (u32::MAX, 0)] {
        let mut shot = input(0, 0.0, true);
        shot.render_tick = render_tick;
        arena.bullets.clear();
        arena.fire_cooldown_ticks = 1;
        arena.once(Slot(0), &shot);
        run(&mut arena, 1);
        assert_eq!(arena.bullets[0].rewind, rewind, "render tick {render_tick}");
    }
}

#[test]
fn the_cooldown_counts_inputs_not_steps() {
    let mut arena = field(4000, &[], 30);
    add_placed(&mut arena, &[(100.0, 500.0)]);
    let cooldown = arena.fire_cooldown_ticks;
    arena.once(Slot(0), &input(0, 0.0, true));
    run(&mut arena, 1);
    run(&mut arena, cooldown * 3);
    let mut fired = Vec::new();
    for _ in 0..cooldown {
        arena.once(Slot(0), &input(0, 0.0, true));
        run(&mut arena, 1);
        fired.push(arena.bullets.len());
    }
    let mut expected = vec![1; cooldown as usize - 1];
    expected.push(2);
    assert_eq!(fired, expected, "idle steps do not count down the cooldown");
}

#[test]
fn held_fire_respects_the_cooldown() {
    let mut arena = field(4000, &[], 30);
    add_placed(&mut arena, &[(100.0, 500.0)]);
    arena.apply_input(Slot(0), &input(0, 0.0, true));
    run(&mut arena, 30);
    let cooldown_steps = (arena.tuning().fire_cooldown * 30.0).round() as usize;
    let mut snapshot = ArenaState::default();
    arena.state(&mut snapshot);
    let ids: Vec<u16> = snapshot.bullets.iter().map(|b| b.bullet.id).collect();
    assert_eq!(ids.len(), 30_usize.div_ceil(cooldown_steps));
    assert_eq!(ids, (0..ids.len() as u16).collect::<Vec<_>>());
    let spacing = arena.tuning().bullet_speed / 30.0 * cooldown_steps as f32;
    for pair in arena.bullets.windows(2) {
        assert!((pair[0].x - pair[1].x - spacing).abs() < 0.1, "{pair:?}");
    }
}

#[test]
fn removing_a_player_removes_its_bullets_and_unknown_slots_are_ignored() {
    let mut arena = field(2000, &[], 30);
    add_placed(&mut arena, &[(300.0, 100.0), (300.0, 900.0)]);
    arena.apply_input(Slot(0), &input(0, 0.0, true));
    arena.apply_input(Slot(1), &input(0, 0.0, true));
    run(&mut arena, 1);
    assert_eq!(arena.bullets.len(), 2);

    arena.remove_player(Slot(0));
    assert_eq!(arena.score(Slot(0)), None);
    assert!(arena.bullets.iter().all(|b| b.owner == Slot(1)));
    assert_eq!(arena.bullets.len(), 1);
    arena.remove_player(Slot(0));
    arena.remove_player(Slot(200));
    arena.apply_input(Slot(0), &input(MOVE_LEFT, 0.0, true));
    arena.apply_input(Slot(255), &input(MOVE_LEFT, 0.0, true));
    run(&mut arena, 1);
    let mut snapshot = ArenaState::default();
    arena.state(&mut snapshot);
    assert_eq!(snapshot.players.len(), 1);
    assert_eq!(snapshot.players[0].slot, Slot(1));
    assert!(snapshot.bullets.iter().all(|b| b.bullet.owner == Slot(1)));

    let before = position(&arena, Slot(1));
    arena.add_player(Slot(1));
    assert_eq!(
        position(&arena, Slot(1)),
        before,
        "adding a taken slot changes nothing"
    );
}

/// Drives `arena` with inputs drawn from `script_seed`, aiming every player at the next
/// one, and returns every snapshot and event.
fn play(arena: &mut Play, script_seed: u64, steps: u32) -> (Vec<ArenaState>, Vec<ArenaEvent>) {
    let mut script = ChaCha8Rng::seed_from_u64(script_seed);
    let mut snapshots = Vec::new();
    let mut events = Vec::new();
    let mut snapshot = ArenaState::default();
    for _ in 0..steps {
        arena.state(&mut snapshot);
        let count = snapshot.players.len();
        for (i, me) in snapshot.players.iter().enumerate() {
            let target = &snapshot.players[(i + 1) % count];
            let aim = (f32::from(target.y) - f32::from(me.y))
                .atan2(f32::from(target.x) - f32::from(me.x));
            let movement = script.random_range(0..=MOVE_ALL);
            arena.apply_input(me.slot, &input(movement, aim, script.random_bool(0.5)));
        }
        arena.step(&mut events);
        arena.state(&mut snapshot);
        snapshots.push(snapshot.clone());
    }
    (snapshots, events)
}

#[test]
fn the_same_seed_and_inputs_replay_identically() {
    let map = bundled_map();
    let start = |seed: u64| {
        let mut arena = Play::new(Arena::new(map.clone(), 30, seed));
        for slot in [3, 0, 7, 1, 9, 4] {
            arena.add_player(Slot(slot));
        }
        arena
    };
    let (mut first, mut second) = (start(42), start(42));
    let (snapshots, events) = play(&mut first, 5, 600);
    assert_eq!(
        (snapshots.clone(), events.clone()),
        play(&mut second, 5, 600)
    );
    assert!(
        events
            .iter()
            .filter(|e| matches!(e, ArenaEvent::Kill { .. }))
            .count()
            >= 3,
        "the script fights: {events:?}"
    );
    let slots: Vec<Slot> = snapshots[0].players.iter().map(|p| p.slot).collect();
    assert_eq!(slots, [0, 1, 3, 4, 7, 9].map(Slot), "slot order");

    let other = start(43);
    let mut first_snapshot = ArenaState::default();
    let mut other_snapshot = ArenaState::default();
    start(42).state(&mut first_snapshot);
    other.state(&mut other_snapshot);
    assert_ne!(
        first_snapshot, other_snapshot,
        "another seed spawns elsewhere"
    );
}

#[test]
fn any_input_on_a_full_room_is_survived() {
    let mut arena = Play::new(Arena::new(bundled_map(), 0, 11));
    for slot in 0..=u8::MAX {
        arena.add_player(Slot(slot));
    }
    let aims = [
        f32::NAN,
        f32::INFINITY,
        -f32::INFINITY,
        1e30,
        -1e30,
        0.0,
        -3.0,
    ];
    let mut script = ChaCha8Rng::seed_from_u64(1);
    let mut events = Vec::new();
    let mut snapshot = ArenaState::default();
    for _ in 0..30 {
        for slot in 0..=u8::MAX {
            let aim = aims[script.random_range(0..aims.len())];
            arena.apply_input(Slot(slot), &input(script.random(), aim, script.random()));
        }
        arena.step(&mut events);
        arena.state(&mut snapshot);
        assert_eq!(snapshot.players.len(), 256);
    }
    assert!(arena.players.iter().all(|p| p.aim.is_finite()));
}

#[test]
fn snapshots_reuse_their_buffers() {
    let mut arena = Play::new(Arena::new(bundled_map(), 30, 1));
    for slot in 0..10 {
        arena.add_player(Slot(slot));
        arena.apply_input(Slot(slot), &input(0, 0.0, true));
    }
    let mut snapshot = ArenaState::default();
    run(&mut arena, 1);
    arena.state(&mut snapshot);
    let buffers = (snapshot.players.as_ptr(), snapshot.bullets.as_ptr());
    run(&mut arena, 1);
    arena.state(&mut snapshot);
    assert_eq!(snapshot.tick, 2);
    assert_eq!((snapshot.players.len(), snapshot.bullets.len()), (10, 10));
    assert_eq!(
        buffers,
        (snapshot.players.as_ptr(), snapshot.bullets.as_ptr())
    );
}

#[test]
fn setup_carries_the_map_and_tuning() {
    let map = bundled_map();
    let arena = Arena::new(map.clone(), 30, 1);
    let tuning = *arena.tuning();
    let setup = arena.setup();
    assert_eq!((setup.width, setup.height), (map.width, map.height));
    assert_eq!(setup.walls, map.walls);
    assert_eq!(setup.player_radius, tuning.player_radius);
    assert_eq!(setup.player_speed, tuning.player_speed);
    assert_eq!(setup.bullet_radius, tuning.bullet_radius);
    assert_eq!(setup.bullet_speed, tuning.bullet_speed);
    assert_eq!(setup.max_hp, tuning.max_hp);
    assert!(
        tuning.player_radius <= SPAWN_CLEARANCE,
        "spawns leave room for a player"
    );
    assert_eq!(Arena::MODE, "arena");
}
