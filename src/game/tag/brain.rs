//! How bots play tag: "it" chases the nearest player it can tag, everyone else runs from it.
//!
//! Owns: picking one step's `MOVE_*` keys from what a client sees (the setup and the last
//! state). Must not: read the simulation's insides, clocks or I/O; a brain is pure and seeded,
//! so the same seed and the same sights give the same keys.
//!
//! Both go around walls with the bots' way-finding grid (`game::path::NavGrid`): "it" runs for
//! its target, a runner for the point of a ring around it that is farthest from "it".

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::wire::{Phase, TagInput, TagPlayer, TagSetup, TagState, TAG_FROZEN, TAG_IMMUNE};
use super::Tag;
use crate::game::map::{distance_to_wall, Map};
use crate::game::movement::{MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP};
use crate::game::path::NavGrid;
use crate::game::Brain;
use crate::protocol::{dequantize_position, Slot};

/// The eight directions a player can run, clockwise from up.
const DIRECTIONS: [u8; 8] = [
    MOVE_UP,
    MOVE_UP | MOVE_RIGHT,
    MOVE_RIGHT,
    MOVE_DOWN | MOVE_RIGHT,
    MOVE_DOWN,
    MOVE_DOWN | MOVE_LEFT,
    MOVE_LEFT,
    MOVE_UP | MOVE_LEFT,
];
/// How far ahead a runner picks the point to run for: about 0.7 s of running, far enough to
/// see past a wall or a corner, near enough that "it" is still roughly where it was.
const FLEE_RING_RADIUS: f32 = 150.0;
/// Points on that ring: 16 directions, finer than the eight a player can run.
const FLEE_RING_POINTS: u32 = 16;
/// sin(22.5°): a direction within this of an axis is run along the axis alone.
const AXIS_SLACK: f32 = 0.382_683_43;
/// Steps an idle bot (no round running) keeps wandering one way, at least and at most.
const WANDER_STEPS: std::ops::RangeInclusive<u32> = 20..=60;

/// What every bot of one tag match shares, made once from the setup.
#[derive(Debug, Clone)]
pub struct TagShared {
    /// The setup's walls as a map, for the movement rule (no spawn points: bots never spawn).
    map: Map,
    grid: NavGrid,
    radius: f32,
}

impl TagShared {
    /// Whether a player could stand at `point`: inside the map and clear of every wall.
    fn fits(&self, (x, y): (f32, f32)) -> bool {
        let r = self.radius;
        let inside = x >= r
            && y >= r
            && x <= f32::from(self.map.width) - r
            && y <= f32::from(self.map.height) - r;
        inside
            && self
                .map
                .walls
                .iter()
                .all(|wall| distance_to_wall(x, y, wall) >= r)
    }
}

/// One bot's decisions. See the module docs.
#[derive(Debug, Clone)]
pub struct TagBrain {
    rng: ChaCha8Rng,
    wander: u8,
    wander_left: u32,
}

fn position(player: &TagPlayer) -> (f32, f32) {
    (dequantize_position(player.x), dequantize_position(player.y))
}

fn distance(a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// The keys that run from `from` most nearly towards `to`; none when already there.
fn keys_towards(from: (f32, f32), to: (f32, f32)) -> u8 {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let length = dx.hypot(dy);
    if length < 1e-3 {
        return 0;
    }
    let (ux, uy) = (dx / length, dy / length);
    let mut keys = 0;
    if ux > AXIS_SLACK {
        keys |= MOVE_RIGHT;
    } else if ux < -AXIS_SLACK {
        keys |= MOVE_LEFT;
    }
    if uy > AXIS_SLACK {
        keys |= MOVE_DOWN;
    } else if uy < -AXIS_SLACK {
        keys |= MOVE_UP;
    }
    keys
}

impl TagBrain {
    /// "It": the nearest player not immune (or, while all are, the nearest), by way of the
    /// grid around walls.
    fn chase(shared: &TagShared, me: &TagPlayer, sight: &TagState) -> u8 {
        let at = position(me);
        let others = || sight.players.iter().filter(|p| p.slot != me.slot);
        let nearest = |immune_too: bool| {
            others()
                .filter(|p| immune_too || p.flags & TAG_IMMUNE == 0)
                .map(|p| (distance(at, position(p)), position(p)))
                .min_by(|a, b| a.0.total_cmp(&b.0))
        };
        let Some((_, target)) = nearest(false).or_else(|| nearest(true)) else {
            return 0;
        };
        let waypoint = shared.grid.next_waypoint(at, target).unwrap_or(target);
        keys_towards(at, waypoint)
    }

    /// Not it: run for the point, of a ring around the runner, that is farthest from "it"
    /// (the first of equals, so the choice is deterministic), by way of the grid. A ring of
    /// points at one distance, rather than the farthest point anywhere, keeps a cornered
    /// runner from settling for the corner it stands in: it slides out along the wall, past
    /// "it" if it must.
    fn flee(shared: &TagShared, me: &TagPlayer, it: &TagPlayer) -> u8 {
        let (at, chaser) = (position(me), position(it));
        let mut best: Option<(f32, (f32, f32))> = None;
        for point in 0..FLEE_RING_POINTS {
            let angle = std::f32::consts::TAU * point as f32 / FLEE_RING_POINTS as f32;
            let (sin, cos) = libm::sincosf(angle);
            let goal = (at.0 + cos * FLEE_RING_RADIUS, at.1 + sin * FLEE_RING_RADIUS);
            if !shared.fits(goal) {
                continue;
            }
            let score = distance(goal, chaser);
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, goal));
            }
        }
        match best {
            Some((_, goal)) => {
                let waypoint = shared.grid.next_waypoint(at, goal).unwrap_or(goal);
                keys_towards(at, waypoint)
            }
            // A map too small for the ring: straight away from it.
            None => keys_towards(chaser, at),
        }
    }

    /// No round: drift one way for a while, then another (or stand), as players mill about.
    fn wander(&mut self) -> u8 {
        if self.wander_left == 0 {
            self.wander_left = self.rng.random_range(WANDER_STEPS);
            let pick = self.rng.random_range(0..=DIRECTIONS.len());
            self.wander = DIRECTIONS.get(pick).copied().unwrap_or(0);
        }
        self.wander_left -= 1;
        self.wander
    }
}

impl TagBrain {
    pub fn seeded(seed: u64) -> TagBrain {
        TagBrain {
            rng: ChaCha8Rng::seed_from_u64(seed),
            wander: 0,
            wander_left: 0,
        }
    }
}

impl Brain<Tag> for TagBrain {
    type Shared = TagShared;

    /// The tick rate does not matter: a bot picks where to go, not how far a step takes it.
    fn prepare(setup: &TagSetup, _tick_rate: u16) -> TagShared {
        TagShared {
            map: Map {
                width: setup.width,
                height: setup.height,
                walls: setup.walls.clone(),
                spawns: Vec::new(),
            },
            grid: NavGrid::new(
                (setup.width, setup.height),
                &setup.walls,
                setup.player_radius,
            ),
            radius: setup.player_radius,
        }
    }

    fn new(_shared: &TagShared, seed: u64) -> TagBrain {
        TagBrain::seeded(seed)
    }

    fn decide(&mut self, shared: &TagShared, me: Slot, sight: &TagState) -> TagInput {
        let find = |slot: Slot| sight.players.iter().find(|p| p.slot == slot);
        let Some(mine) = find(me) else {
            return TagInput::default();
        };
        let movement = match (sight.phase, sight.it.and_then(find)) {
            _ if mine.flags & TAG_FROZEN != 0 => 0,
            (Phase::Playing, Some(it)) if it.slot == me => TagBrain::chase(shared, mine, sight),
            (Phase::Playing, Some(it)) => TagBrain::flee(shared, mine, it),
            _ => self.wander(),
        };
        TagInput { movement }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::map::Wall;
    use crate::game::movement::{step_distance, step_movement};
    use crate::protocol::quantize_position;

    fn setup(walls: Vec<Wall>) -> TagSetup {
        TagSetup {
            width: 800,
            height: 800,
            walls,
            player_radius: 16.0,
            player_speed: 220.0,
            it_speed: 242.0,
            round_ticks: 900,
            intermission_ticks: 90,
            freeze_ticks: 30,
            immune_ticks: 60,
        }
    }

    fn player(slot: Slot, (x, y): (f32, f32)) -> TagPlayer {
        TagPlayer {
            slot,
            x: quantize_position(x),
            y: quantize_position(y),
            ..TagPlayer::default()
        }
    }

    /// Slot 0 is it at `it`, slot 1 runs from `runner`; the brains named drive their players
    /// (the others stand) for `steps` steps at 30 Hz. Returns the distances after each step.
    fn play(
        walls: Vec<Wall>,
        it: (f32, f32),
        runner: (f32, f32),
        drive: [bool; 2],
        steps: u32,
    ) -> Vec<f32> {
        let setup = setup(walls);
        let shared = TagBrain::prepare(&setup, 30);
        let speeds = [setup.it_speed, setup.player_speed];
        let mut brains = [TagBrain::seeded(1), TagBrain::seeded(2)];
        let mut at = [it, runner];
        let mut distances = Vec::new();
        for tick in 1..=steps {
            let sight = TagState {
                tick,
                phase: Phase::Playing,
                phase_ends_tick: 900,
                it: Some(Slot(0)),
                players: vec![player(Slot(0), at[0]), player(Slot(1), at[1])],
            };
            for slot in 0..2 {
                if !drive[slot] {
                    continue;
                }
                let keys = brains[slot]
                    .decide(&shared, Slot(slot as u8), &sight)
                    .movement;
                let step = step_distance(speeds[slot], 30);
                at[slot] = step_movement(&shared.map, 16.0, step, at[slot], keys);
            }
            distances.push(distance(at[0], at[1]));
        }
        distances
    }

    #[test]
    fn it_closes_in_on_a_runner_standing_still() {
        let distances = play(vec![], (200.0, 400.0), (600.0, 420.0), [true, false], 30);
        let start = distance((200.0, 400.0), (600.0, 420.0));
        assert!(distances[29] < start - 150.0, "{distances:?}");
        assert!(distances.windows(2).all(|w| w[1] < w[0]), "{distances:?}");
    }

    #[test]
    fn it_goes_around_a_wall_to_catch() {
        let wall = Wall {
            x: 390,
            y: 0,
            w: 20,
            h: 600,
        };
        let distances = play(
            vec![wall],
            (300.0, 300.0),
            (500.0, 300.0),
            [true, false],
            200,
        );
        assert!(
            distances.iter().any(|&d| d < 32.0),
            "caught at last: {distances:?}"
        );
    }

    #[test]
    fn a_runner_gets_away_from_it_standing_still() {
        let distances = play(vec![], (360.0, 400.0), (400.0, 400.0), [false, true], 30);
        assert!(distances[29] > 40.0 + 150.0, "{distances:?}");
        assert!(distances.windows(2).all(|w| w[1] > w[0]), "{distances:?}");
    }

    #[test]
    fn a_runner_in_a_corner_slides_out_along_the_wall() {
        // It comes from the middle; the runner starts in the top-left corner.
        let distances = play(vec![], (120.0, 120.0), (20.0, 20.0), [false, true], 30);
        assert!(distances[29] > distances[0], "{distances:?}");
    }

    #[test]
    fn brains_are_seeded_and_frozen_players_stand() {
        let shared = TagBrain::prepare(&setup(vec![]), 30);
        let mut sight = TagState {
            players: vec![
                player(Slot(0), (100.0, 100.0)),
                player(Slot(1), (300.0, 300.0)),
            ],
            ..TagState::default()
        };
        let wander = |seed| {
            let mut brain = TagBrain::seeded(seed);
            (0..200)
                .map(|_| brain.decide(&shared, Slot(1), &sight).movement)
                .collect::<Vec<_>>()
        };
        assert_eq!(wander(7), wander(7));
        assert_ne!(wander(7), wander(8));
        sight.phase = Phase::Playing;
        sight.it = Some(Slot(0));
        sight.players[0].flags = TAG_FROZEN;
        assert_eq!(
            TagBrain::seeded(1)
                .decide(&shared, Slot(0), &sight)
                .movement,
            0
        );
        assert_eq!(
            TagBrain::seeded(1).decide(&shared, Slot(9), &sight),
            TagInput::default()
        );
    }
}
