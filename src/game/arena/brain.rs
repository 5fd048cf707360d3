//! How a bot plays the arena, for the server's bots and the bundled bot binary: one decision
//! per input, from the state a client sees to the controls to send.
//!
//! Pure: no I/O, no clock (time is the snapshot's tick), randomness from a seeded generator,
//! so a decision can be tested from a hand-made state. It plays simply and legibly:
//! chase the nearest living enemy (around walls, along a path on the map's grid), aim at where
//! it will be, shoot when it is in range with a clear line, keep a little distance, never push
//! into a wall, and wander when alone. A [`Skill`] makes it human: it reacts to a target it
//! has just seen after a delay, and its aim is off by a little.

use std::sync::Arc;

use super::delta::{is_alive, world_position, ArenaState};
use super::wire::{ArenaInput, ArenaSetup};
use super::Arena;
use crate::game::geometry::segment_touches_wall;
use crate::game::map::{distance_to_wall, Wall};
use crate::game::movement::{MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP};
use crate::game::path::NavGrid;
use crate::protocol::Slot;

/// The controls of one input (the client adds the seq).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub movement: u8,
    pub aim: f32,
    pub fire: bool,
}

/// How far a bot shoots at most, in seconds of bullet flight.
const RANGE_SECONDS: f32 = 1.2;
/// Closer than this many player radii the bot circles its target instead of closing in.
const KEEP_DISTANCE_RADII: f32 = 8.0;
/// How far ahead (in seconds of running) a step must be free of walls.
const LOOKAHEAD_SECONDS: f32 = 0.15;
/// How long a wander heading lasts, in seconds.
const WANDER_SECONDS: f32 = 2.0;
/// How often a bot chasing a target it cannot see plans its way again, in seconds.
const REPLAN_SECONDS: f32 = 0.25;
/// How often a bot's aim error is drawn anew, in seconds.
const AIM_ERROR_SECONDS: f32 = 0.5;

/// How human a bot plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Skill {
    /// Seconds from first seeing a target in the clear to firing at it.
    pub reaction_seconds: f32,
    /// The largest error of its aim, in radians either way.
    pub aim_error: f32,
}

impl Skill {
    /// Reacts at once and aims exactly: for tests, and for measuring the game's limits.
    pub const PERFECT: Skill = Skill {
        reaction_seconds: 0.0,
        aim_error: 0.0,
    };
    /// About a quarter of a second to react and a few degrees off: a fair opponent that a
    /// person can beat by moving and using cover.
    pub const FAIR: Skill = Skill {
        reaction_seconds: 0.25,
        aim_error: 0.07,
    };
}

/// The eight headings a bot can run in, as movement bits and unit vectors (+y is down).
const HEADINGS: [(u8, f32, f32); 8] = {
    const D: f32 = std::f32::consts::FRAC_1_SQRT_2;
    [
        (MOVE_RIGHT, 1.0, 0.0),
        (MOVE_RIGHT | MOVE_DOWN, D, D),
        (MOVE_DOWN, 0.0, 1.0),
        (MOVE_LEFT | MOVE_DOWN, -D, D),
        (MOVE_LEFT, -1.0, 0.0),
        (MOVE_LEFT | MOVE_UP, -D, -D),
        (MOVE_UP, 0.0, -1.0),
        (MOVE_RIGHT | MOVE_UP, D, -D),
    ]
};

/// One bot's memory between decisions: its random generator, its wander heading, where its
/// target was last seen (to lead shots), since when it has seen it in the clear, and its way
/// around the walls.
#[derive(Debug, Clone)]
pub struct ArenaBrain {
    rng: u64,
    tick_rate: f32,
    skill: Skill,
    wander_heading: usize,
    wander_until_tick: u32,
    /// Slot, tick and position of the target at the previous decision.
    last_target: Option<(Slot, u32, f32, f32)>,
    /// The target in the clear and the tick it was first seen so.
    sighted: Option<(Slot, u32)>,
    /// The current aim error and the tick it is drawn anew.
    aim_error: (f32, u32),
    /// +1 or -1: which way the bot circles a close target.
    circle_side: f32,
    aim: f32,
    /// The map's grid, made at the first decision unless given.
    nav: Option<Arc<NavGrid>>,
    /// The point the bot runs to while its target is out of sight, and when to plan again.
    waypoint: Option<((f32, f32), u32)>,
}

impl ArenaBrain {
    /// A fair bot. `tick_rate` is the server's (from `Welcome`), to turn ticks into seconds.
    pub fn new(seed: u64, tick_rate: u16) -> ArenaBrain {
        ArenaBrain::with_skill(seed, tick_rate, Skill::FAIR)
    }

    pub fn with_skill(seed: u64, tick_rate: u16, skill: Skill) -> ArenaBrain {
        let mut brain = ArenaBrain {
            rng: seed | 1,
            tick_rate: f32::from(tick_rate.max(1)),
            skill,
            wander_heading: 0,
            wander_until_tick: 0,
            last_target: None,
            sighted: None,
            aim_error: (0.0, 0),
            circle_side: 1.0,
            aim: 0.0,
            nav: None,
            waypoint: None,
        };
        brain.wander_heading = brain.random_below(HEADINGS.len() as u64) as usize;
        brain
    }

    /// Uses `nav` for finding ways around walls (shared by the bots of one map), instead of
    /// making a grid of its own.
    pub fn with_nav(mut self, nav: Arc<NavGrid>) -> ArenaBrain {
        self.nav = Some(nav);
        self
    }

    /// The controls of the player in slot `you` for `room` (`None`: not seen yet).
    pub fn decide_in(
        &mut self,
        you: Slot,
        setup: &ArenaSetup,
        room: Option<&ArenaState>,
    ) -> Decision {
        let idle = Decision {
            movement: 0,
            aim: self.aim,
            fire: false,
        };
        let Some(room) = room else {
            return idle;
        };
        let Some(me) = room.players.iter().find(|p| p.slot == you) else {
            return idle;
        };
        if !is_alive(me) {
            self.last_target = None;
            self.sighted = None;
            return idle;
        }
        let (x, y) = world_position(me);
        let Some((slot, tx, ty)) = nearest_enemy(room, you, x, y) else {
            self.last_target = None;
            let movement = self.wander(room.tick, setup, x, y);
            return Decision {
                movement,
                aim: self.aim,
                fire: false,
            };
        };

        let (px, py) = self.lead(slot, room.tick, (x, y), (tx, ty), setup);
        self.aim = (py - y).atan2(px - x) + self.aim_error(room.tick);
        let distance = (tx - x).hypot(ty - y);
        let range = setup.bullet_speed * RANGE_SECONDS;
        let clear = line_is_clear(&setup.walls, (x, y), (tx, ty), setup.bullet_radius);
        let fire = clear && distance <= range && self.reacted(slot, room.tick, clear);

        let (to_x, to_y) = ((tx - x) / distance.max(1e-3), (ty - y) / distance.max(1e-3));
        let keep = setup.player_radius * KEEP_DISTANCE_RADII;
        let way = self.way_to(setup, room.tick, (x, y), (tx, ty), clear);
        let wanted = if let Some(way) = way {
            way
        } else if !clear || distance > keep {
            (to_x, to_y)
        } else {
            // Circle the target, drifting outwards when too close.
            let side = self.circle_side;
            let out = if distance < keep * 0.6 { -0.7 } else { 0.0 };
            (-to_y * side + to_x * out, to_x * side + to_y * out)
        };
        let movement = best_free_heading(setup, x, y, wanted).unwrap_or(0);
        // About once every three seconds, whatever the input rate.
        if movement == 0 || self.random_below(3 * self.tick_rate as u64) == 0 {
            self.circle_side = -self.circle_side;
        }
        Decision {
            movement,
            aim: self.aim,
            fire,
        }
    }

    /// Whether the bot has seen `slot` in the clear for its reaction time (a new target, or
    /// one that was hidden, starts the clock again).
    fn reacted(&mut self, slot: Slot, tick: u32, clear: bool) -> bool {
        if !clear {
            self.sighted = None;
            return false;
        }
        let since = match self.sighted {
            Some((seen, since)) if seen == slot => since,
            _ => {
                self.sighted = Some((slot, tick));
                tick
            }
        };
        tick.wrapping_sub(since) as f32 >= self.skill.reaction_seconds * self.tick_rate
    }

    /// The bot's aim error now: uniform within the skill's bound, drawn anew every
    /// `AIM_ERROR_SECONDS`.
    fn aim_error(&mut self, tick: u32) -> f32 {
        let (error, until) = self.aim_error;
        if tick < until && until - tick <= self.ticks(AIM_ERROR_SECONDS) {
            return error;
        }
        let unit = self.random_below(2001) as f32 / 1000.0 - 1.0;
        let error = unit * self.skill.aim_error;
        self.aim_error = (error, tick.saturating_add(self.ticks(AIM_ERROR_SECONDS)));
        error
    }

    /// The direction to run towards a target out of sight: to the next point of the way
    /// around the walls, planned anew every `REPLAN_SECONDS`. A waypoint is followed until it
    /// is reached or the plan is due, even when the target shows in between: turning at the
    /// first glimpse makes a bot at the edge of a wall's shadow dither on the spot.
    fn way_to(
        &mut self,
        setup: &ArenaSetup,
        tick: u32,
        from: (f32, f32),
        to: (f32, f32),
        clear: bool,
    ) -> Option<(f32, f32)> {
        let reached = |point: (f32, f32)| (point.0 - from.0).hypot(point.1 - from.1) < 4.0;
        let fresh = self.waypoint.filter(|&(point, until)| {
            tick < until && until - tick <= self.ticks(REPLAN_SECONDS) && !reached(point)
        });
        let point = match fresh {
            Some((point, _)) => point,
            None if clear => {
                self.waypoint = None;
                return None;
            }
            None => {
                let nav = self
                    .nav
                    .get_or_insert_with(|| {
                        Arc::new(NavGrid::new(
                            (setup.width, setup.height),
                            &setup.walls,
                            setup.player_radius,
                        ))
                    })
                    .clone();
                let point = nav.next_waypoint(from, to)?;
                self.waypoint = Some((point, tick.saturating_add(self.ticks(REPLAN_SECONDS))));
                point
            }
        };
        let (dx, dy) = (point.0 - from.0, point.1 - from.1);
        let length = dx.hypot(dy).max(1e-3);
        Some((dx / length, dy / length))
    }

    fn ticks(&self, seconds: f32) -> u32 {
        (seconds * self.tick_rate).ceil() as u32
    }

    /// Where to aim at the target: where it will be when a bullet gets there, from its
    /// velocity since the previous decision (only when that was the same target, recently).
    fn lead(
        &mut self,
        slot: Slot,
        tick: u32,
        (x, y): (f32, f32),
        (tx, ty): (f32, f32),
        setup: &ArenaSetup,
    ) -> (f32, f32) {
        let previous = self.last_target.replace((slot, tick, tx, ty));
        let Some((last_slot, last_tick, lx, ly)) = previous else {
            return (tx, ty);
        };
        let ticks = tick.wrapping_sub(last_tick);
        if last_slot != slot || ticks == 0 || ticks > self.tick_rate as u32 {
            return (tx, ty);
        }
        let seconds = ticks as f32 / self.tick_rate;
        let (vx, vy) = ((tx - lx) / seconds, (ty - ly) / seconds);
        // A jump faster than running is a respawn, not movement.
        if vx.hypot(vy) > setup.player_speed * 1.5 {
            return (tx, ty);
        }
        let flight = (tx - x).hypot(ty - y) / setup.bullet_speed.max(1.0);
        (tx + vx * flight, ty + vy * flight)
    }

    /// Keeps a random heading for a while, and picks a new one when it expires or is blocked.
    fn wander(&mut self, tick: u32, setup: &ArenaSetup, x: f32, y: f32) -> u8 {
        let expired = tick >= self.wander_until_tick
            || self.wander_until_tick - tick > (WANDER_SECONDS * self.tick_rate) as u32 * 2;
        let (_, hx, hy) = HEADINGS[self.wander_heading];
        if expired || !step_is_free(setup, x, y, hx, hy) {
            self.wander_heading = self.random_below(HEADINGS.len() as u64) as usize;
            let jitter = self.random_below(self.tick_rate as u64 + 1) as u32;
            self.wander_until_tick =
                tick.saturating_add((WANDER_SECONDS * self.tick_rate) as u32 + jitter);
        }
        let (_, hx, hy) = HEADINGS[self.wander_heading];
        self.aim = hy.atan2(hx);
        best_free_heading(setup, x, y, (hx, hy)).unwrap_or(0)
    }

    /// xorshift64: plenty for play, and reproducible from the seed.
    fn random_below(&mut self, bound: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % bound.max(1)
    }
}

/// The closest living player other than `you`: slot and position in world units.
fn nearest_enemy(room: &ArenaState, you: Slot, x: f32, y: f32) -> Option<(Slot, f32, f32)> {
    room.players
        .iter()
        .filter(|p| p.slot != you && is_alive(p))
        .map(|p| {
            let (px, py) = world_position(p);
            (p.slot, px, py, (px - x).hypot(py - y))
        })
        .min_by(|a, b| a.3.total_cmp(&b.3))
        .map(|(slot, px, py, _)| (slot, px, py))
}

/// Of the eight headings whose next step is free of walls, the one closest to `wanted`
/// (a direction, not necessarily of unit length). `None` when every step is blocked.
fn best_free_heading(setup: &ArenaSetup, x: f32, y: f32, wanted: (f32, f32)) -> Option<u8> {
    HEADINGS
        .iter()
        .filter(|(_, hx, hy)| step_is_free(setup, x, y, *hx, *hy))
        .max_by(|a, b| {
            let score = |(_, hx, hy): &&(u8, f32, f32)| hx * wanted.0 + hy * wanted.1;
            score(a).total_cmp(&score(b))
        })
        .map(|(movement, _, _)| *movement)
}

/// Whether a player at (x, y) can run a short way along the unit vector (hx, hy) without
/// touching a wall or leaving the map.
fn step_is_free(setup: &ArenaSetup, x: f32, y: f32, hx: f32, hy: f32) -> bool {
    let r = setup.player_radius;
    let ahead = setup.player_speed * LOOKAHEAD_SECONDS;
    let (nx, ny) = (x + hx * ahead, y + hy * ahead);
    let inside =
        nx >= r && ny >= r && nx <= f32::from(setup.width) - r && ny <= f32::from(setup.height) - r;
    // Only walls that the step gets closer to block it, so a bot touching a wall can leave.
    inside
        && !setup.walls.iter().any(|wall| {
            let after = distance_to_wall(nx, ny, wall);
            after < r && after < distance_to_wall(x, y, wall)
        })
}

/// Whether a bullet of radius `r` flies from `from` to `to` without touching a wall, as the
/// game decides it.
fn line_is_clear(walls: &[Wall], from: (f32, f32), to: (f32, f32), r: f32) -> bool {
    let delta = (to.0 - from.0, to.1 - from.1);
    walls
        .iter()
        .all(|wall| segment_touches_wall(from, delta, wall, r).is_none())
}

/// What the bots of one arena match share: its setup, its way-finding grid, the tick rate.
pub struct ArenaBots {
    setup: ArenaSetup,
    nav: Arc<NavGrid>,
    tick_rate: u16,
}

impl crate::game::Brain<Arena> for ArenaBrain {
    type Shared = ArenaBots;

    fn prepare(setup: &ArenaSetup, tick_rate: u16) -> ArenaBots {
        let nav = NavGrid::new(
            (setup.width, setup.height),
            &setup.walls,
            setup.player_radius,
        );
        ArenaBots {
            setup: setup.clone(),
            nav: Arc::new(nav),
            tick_rate,
        }
    }

    fn new(shared: &ArenaBots, seed: u64) -> ArenaBrain {
        ArenaBrain::new(seed, shared.tick_rate).with_nav(shared.nav.clone())
    }

    fn decide(&mut self, shared: &ArenaBots, me: Slot, sight: &ArenaState) -> ArenaInput {
        let decision = self.decide_in(me, &shared.setup, Some(sight));
        ArenaInput {
            movement: decision.movement,
            aim: decision.aim,
            fire: decision.fire,
            render_tick: sight.tick,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::arena::{PlayerState, PLAYER_ALIVE};
    use crate::protocol::quantize_position;
    use std::f32::consts::{FRAC_PI_2, PI};

    const ME: Slot = Slot(0);

    /// What a bot in slot `ME` sees.
    struct View {
        setup: ArenaSetup,
        state: ArenaState,
    }

    impl View {
        fn observe(&mut self, state: ArenaState) {
            self.state = state;
        }
    }

    impl ArenaBrain {
        fn decide(&mut self, view: &View) -> Decision {
            self.decide_in(ME, &view.setup, Some(&view.state))
        }
    }

    fn view(walls: Vec<Wall>, players: &[(Slot, f32, f32, bool)]) -> View {
        View {
            setup: ArenaSetup {
                width: 1600,
                height: 1000,
                walls,
                player_radius: 16.0,
                player_speed: 200.0,
                bullet_radius: 4.0,
                bullet_speed: 600.0,
                max_hp: 100,
                fire_cooldown_ticks: 6,
                bullet_range: 1000.0,
                spawn_protection_ticks: 53,
            },
            state: snapshot(10, players),
        }
    }

    /// The state of a room holding `players` at `tick`.
    fn snapshot(tick: u32, players: &[(Slot, f32, f32, bool)]) -> ArenaState {
        ArenaState {
            tick,
            players: players
                .iter()
                .map(|&(slot, x, y, alive)| PlayerState {
                    slot,
                    x: quantize_position(x),
                    y: quantize_position(y),
                    aim: 0,
                    hp: 100,
                    flags: if alive { PLAYER_ALIVE } else { 0 },
                })
                .collect(),
            bullets: vec![],
        }
    }

    fn perfect(seed: u64) -> ArenaBrain {
        ArenaBrain::with_skill(seed, 30, Skill::PERFECT)
    }

    fn heading_of(movement: u8) -> (f32, f32) {
        HEADINGS
            .iter()
            .find(|(bits, ..)| *bits == movement)
            .map(|&(_, hx, hy)| (hx, hy))
            .unwrap_or((0.0, 0.0))
    }

    fn angle_close(a: f32, b: f32) -> bool {
        let diff = (a - b).rem_euclid(std::f32::consts::TAU);
        !(0.01..=std::f32::consts::TAU - 0.01).contains(&diff)
    }

    #[test]
    fn aims_and_shoots_at_the_nearest_living_enemy() {
        let state = view(
            vec![],
            &[
                (ME, 500.0, 500.0, true),
                (Slot(1), 500.0, 300.0, true),
                (Slot(2), 500.0, 600.0, false),
                (Slot(3), 900.0, 500.0, true),
            ],
        );
        let decision = perfect(7).decide(&state);
        assert!(
            angle_close(decision.aim, -FRAC_PI_2),
            "aims up at slot 1 (the dead slot 2 is closer), got {}",
            decision.aim
        );
        assert!(decision.fire);
        let (_, hy) = heading_of(decision.movement);
        assert!(hy < 0.0, "closes in on the target");
    }

    #[test]
    fn holds_fire_behind_a_wall_and_out_of_range() {
        let wall = Wall {
            x: 600,
            y: 400,
            w: 40,
            h: 200,
        };
        let behind = view(
            vec![wall],
            &[(ME, 500.0, 500.0, true), (Slot(1), 800.0, 500.0, true)],
        );
        let decision = perfect(7).decide(&behind);
        assert!(angle_close(decision.aim, 0.0));
        assert!(!decision.fire, "the wall is in the way");

        let far = view(
            vec![],
            &[(ME, 100.0, 100.0, true), (Slot(1), 1500.0, 900.0, true)],
        );
        assert!(!perfect(7).decide(&far).fire, "out of range");
    }

    #[test]
    fn never_steps_into_a_wall_it_touches() {
        // A wall just right of the bot, the enemy straight behind it.
        let wall = Wall {
            x: 517,
            y: 300,
            w: 40,
            h: 400,
        };
        let state = view(
            vec![wall],
            &[(ME, 500.0, 500.0, true), (Slot(1), 800.0, 500.0, true)],
        );
        let mut brain = ArenaBrain::new(3, 30);
        for _ in 0..20 {
            let decision = brain.decide(&state);
            let (hx, hy) = heading_of(decision.movement);
            assert!(hx <= 0.0, "moved into the wall: {:#x}", decision.movement);
            assert!(hy != 0.0, "slides along the wall to get around it");
        }
    }

    #[test]
    fn stays_inside_the_map() {
        let state = view(
            vec![],
            &[(ME, 17.0, 17.0, true), (Slot(1), 17.0, 17.0, false)],
        );
        let mut brain = ArenaBrain::new(11, 30);
        for _ in 0..50 {
            let (hx, hy) = heading_of(brain.decide(&state).movement);
            assert!(hx >= 0.0 && hy >= 0.0, "walked out of the corner");
        }
    }

    #[test]
    fn wanders_when_alone_and_changes_heading_over_time() {
        let mut state = view(vec![], &[(ME, 800.0, 500.0, true)]);
        let mut brain = ArenaBrain::new(5, 30);
        let mut headings = std::collections::HashSet::new();
        for tick in 0..3000 {
            state.observe(snapshot(tick, &[(ME, 800.0, 500.0, true)]));
            let decision = brain.decide(&state);
            assert_ne!(decision.movement, 0, "keeps moving");
            assert!(!decision.fire, "nothing to shoot at");
            headings.insert(decision.movement);
        }
        assert!(headings.len() >= 4, "only wandered {headings:?}");
    }

    #[test]
    fn a_dead_bot_waits() {
        let state = view(
            vec![],
            &[(ME, 500.0, 500.0, false), (Slot(1), 600.0, 500.0, true)],
        );
        let decision = perfect(1).decide(&state);
        assert_eq!((decision.movement, decision.fire), (0, false));
    }

    #[test]
    fn leads_a_moving_target() {
        let mut state = view(
            vec![],
            &[(ME, 500.0, 500.0, true), (Slot(1), 800.0, 500.0, true)],
        );
        let mut brain = perfect(1);
        brain.decide(&state);
        // One second later the target has run 180 units down.
        state.observe(snapshot(
            40,
            &[(ME, 500.0, 500.0, true), (Slot(1), 800.0, 680.0, true)],
        ));
        let aim = brain.decide(&state).aim;
        let straight = (180.0f32).atan2(300.0);
        assert!(
            aim > straight && aim < PI / 2.0,
            "aim {aim} is not ahead of {straight}"
        );
    }

    #[test]
    fn a_fair_bot_waits_its_reaction_time_and_aims_within_its_error() {
        let players = [(ME, 500.0, 500.0, true), (Slot(1), 500.0, 300.0, true)];
        let mut state = view(vec![], &players);
        let mut brain = ArenaBrain::new(9, 30);
        let reaction = (Skill::FAIR.reaction_seconds * 30.0).ceil() as u32;
        let mut first_shot = None;
        for tick in 10..40 {
            state.observe(snapshot(tick, &players));
            let decision = brain.decide(&state);
            let error = (decision.aim + FRAC_PI_2).abs();
            assert!(error <= Skill::FAIR.aim_error + 1e-4, "aim off by {error}");
            if decision.fire && first_shot.is_none() {
                first_shot = Some(tick);
            }
        }
        assert_eq!(first_shot, Some(10 + reaction), "fires after reacting");
    }

    #[test]
    fn chases_a_hidden_target_around_the_wall() {
        // A long wall between the bot and its target, open at the bottom.
        let wall = Wall {
            x: 700,
            y: 0,
            w: 40,
            h: 800,
        };
        let state = view(
            vec![wall],
            &[(ME, 600.0, 400.0, true), (Slot(1), 850.0, 400.0, true)],
        );
        let (_, hy) = heading_of(perfect(4).decide(&state).movement);
        assert!(hy > 0.0, "heads down, towards the way around");
    }

    #[test]
    fn line_of_sight_respects_the_bullet_radius() {
        let wall = Wall {
            x: 100,
            y: 100,
            w: 10,
            h: 10,
        };
        assert!(!line_is_clear(&[wall], (0.0, 105.0), (200.0, 105.0), 1.0));
        assert!(line_is_clear(&[wall], (0.0, 96.0), (200.0, 96.0), 1.0));
        assert!(!line_is_clear(&[wall], (0.0, 96.0), (200.0, 96.0), 5.0));
        assert!(line_is_clear(&[wall], (0.0, 105.0), (90.0, 105.0), 1.0));
        assert!(!line_is_clear(&[wall], (105.0, 0.0), (105.0, 300.0), 1.0));
    }
}
