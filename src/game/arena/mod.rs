//! The bundled arena shooter: players run around a walled map, shoot straight bullets at each
//! other, die at 0 hit points and respawn after a delay.
//!
//! Owns the rules of play (movement, collision, firing, damage, death, respawn), the tuning
//! numbers and the per-player kills and deaths. It must not do I/O, read clocks or iterate
//! anything in an unspecified order: every step is a pure function of the seed, the map and
//! the inputs, so a match replays identically. It must not panic, whatever the inputs, and the
//! per-tick path (`step`, `snapshot`) must not allocate once its buffers have grown.
//!
//! Rules worth knowing:
//! - Players do not collide with each other, only with walls and the map's edges.
//! - A bullet appears at its shooter's edge in the step it is fired (the stretch from the
//!   shooter's centre to the edge is still tested, so a shot fired into a wall or into an
//!   overlapping player hits it) and then flies `bullet_speed` per second for at most
//!   `bullet_range` units. It stops at the first wall, map edge or living player (other than
//!   its shooter) it touches, tested along its whole path.
//! - A player acts only on its inputs: each input the room hands a step is one step of that
//!   player's movement, aim and fire. A step without an input leaves the player standing
//!   (aim kept, no shot), so a client that stops sending stops on the server too.
//! - Fire is read per input, with no latch: an input first counts the fire cooldown down by
//!   one, then fires if it asks to, the player lives and the cooldown is over.
//! - Lag compensation: a bullet is tested, all its flight, against the other players as its
//!   shooter saw them: as many ticks back as its input's `render_tick` was behind (at most
//!   `rewind::MAX_REWIND_SECONDS`). Walls are not rewound; hits need the target alive both
//!   then and now. See PROTOCOL.md, section 10.6, for the trade-off.
//! - Bullets of a player who dies stay in flight and can still score; bullets of a player who
//!   leaves the room are removed with the player.
//! - A player spawns at the spawn point farthest from every living player (an empty arena
//!   draws one at random). A respawned player is protected for `spawn_protection` seconds, or
//!   until it fires: bullets stop at it and do no harm.

use std::f32::consts::TAU;
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::digest::{StateDigest, StateHasher};
use super::geometry::{segment_hits_circle, segment_leaves_map, segment_touches_wall};
use super::map::Map;
use super::movement::MOVE_ALL;
use super::movement::{step_distance, step_movement};
use super::rewind::{Ghost, RewindHistory};
use super::{Game, MatchSettings, StepInputs};
use crate::protocol::{quantize_angle, quantize_position, Slot};

pub mod brain;
pub mod delta;
pub mod wire;

pub use brain::ArenaBrain;
pub use delta::{
    dequantize_heading, is_alive, quantize_heading, world_aim, world_position, ArenaDelta,
    ArenaState, BulletState, FlyingBullet, PlayerChange, PlayerState,
};
pub use wire::{check_input, ArenaEvent, ArenaInput, ArenaSetup, PLAYER_ALIVE, PLAYER_PROTECTED};

/// A player's tally in the current match: the roster's score is `[kills, deaths]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Score {
    pub kills: u16,
    pub deaths: u16,
}

/// The revision of the arena's rules of play. Bump it in the same commit as any change that
/// makes the same seed, tuning and inputs play differently (rules, order of updates, float
/// operations; not the tuning, which each replay carries): a replay names the revision it was
/// recorded with, and `tests/replay_golden.rs` fails until it is bumped. Revision 2: `libm`
/// for sin, cos and atan2 (revision 1 used the platform's).
pub const SIMULATION_REVISION: u32 = 2;

/// Every number that decides how the arena plays, in world units and seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tuning {
    pub player_radius: f32,
    /// Units per second.
    pub player_speed: f32,
    pub max_hp: u8,
    /// Seconds between two shots of one player.
    pub fire_cooldown: f32,
    pub bullet_damage: u8,
    /// Units per second.
    pub bullet_speed: f32,
    pub bullet_radius: f32,
    /// Units a bullet flies, from its shooter's edge, before it fades.
    pub bullet_range: f32,
    /// Seconds from death to respawn.
    pub respawn_delay: f32,
    /// Seconds a respawned player takes no damage (ended early when it fires).
    pub spawn_protection: f32,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            player_radius: 16.0,
            player_speed: 220.0,
            max_hp: 100,
            fire_cooldown: 0.2,
            bullet_damage: 20,
            bullet_speed: 900.0,
            bullet_radius: 4.0,
            bullet_range: 1000.0,
            respawn_delay: 2.0,
            spawn_protection: 1.75,
        }
    }
}

#[derive(Debug, Clone)]
struct Player {
    slot: Slot,
    x: f32,
    y: f32,
    /// Radians in `0..TAU`.
    aim: f32,
    /// 0 while dead.
    hp: u8,
    /// Inputs until the player may fire again.
    fire_cooldown_left: u32,
    /// The tick at which a dead player respawns.
    respawn_tick: u32,
    /// Steps of spawn protection left (see `Tuning::spawn_protection`).
    protection_left: u32,
    score: Score,
}

impl Player {
    fn alive(&self) -> bool {
        self.hp > 0
    }

    fn protected(&self) -> bool {
        self.alive() && self.protection_left > 0
    }
}

#[derive(Debug, Clone, Copy)]
struct Bullet {
    id: u16,
    owner: Slot,
    x: f32,
    y: f32,
    dir_x: f32,
    dir_y: f32,
    range_left: f32,
    /// How many ticks back the players it may hit are taken from (lag compensation).
    rewind: u32,
    /// Fired this step: still at its shooter's centre, about to move to the shooter's edge.
    fresh: bool,
    spent: bool,
}

/// What stopped a bullet.
enum Stop {
    Wall,
    Player(usize),
}

/// A player a bullet may hit, where the bullet's shooter saw it.
#[derive(Debug, Clone, Copy)]
struct Target {
    /// Into `Arena::players`.
    index: usize,
    slot: Slot,
    x: f32,
    y: f32,
}

/// The arena shooter on one map. See the module docs for the rules.
pub struct Arena {
    map: Arc<Map>,
    tuning: Tuning,
    /// Seconds per step.
    dt: f32,
    /// Units a moving player covers in one step.
    step_distance: f32,
    fire_cooldown_ticks: u32,
    respawn_delay_ticks: u32,
    spawn_protection_ticks: u32,
    tick: u32,
    rng: ChaCha8Rng,
    /// Sorted by slot, so every loop runs in slot order.
    players: Vec<Player>,
    /// In the order they were fired.
    bullets: Vec<Bullet>,
    next_bullet_id: u16,
    history: RewindHistory,
    /// Reused by every bullet's trace, so that a step allocates nothing once grown.
    targets: Vec<Target>,
}

impl Arena {
    /// An empty arena on `map`, stepping `tick_rate` times per second (0 is taken as 1), with
    /// every random choice drawn from `seed`.
    pub fn new(map: Arc<Map>, tick_rate: u16, seed: u64) -> Arena {
        Arena::with_tuning(map, tick_rate, seed, Tuning::default())
    }

    /// `new`, playing by `tuning` instead of the defaults (a replay plays by its recorded ones).
    pub fn with_tuning(map: Arc<Map>, tick_rate: u16, seed: u64, tuning: Tuning) -> Arena {
        let rate = f32::from(tick_rate.max(1));
        let seconds_to_ticks = |seconds: f32| ((seconds * rate).round() as u32).max(1);
        Arena {
            map,
            tuning,
            dt: 1.0 / rate,
            step_distance: step_distance(tuning.player_speed, tick_rate),
            fire_cooldown_ticks: seconds_to_ticks(tuning.fire_cooldown),
            respawn_delay_ticks: seconds_to_ticks(tuning.respawn_delay),
            spawn_protection_ticks: seconds_to_ticks(tuning.spawn_protection),
            tick: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            players: Vec::new(),
            bullets: Vec::new(),
            next_bullet_id: 0,
            history: RewindHistory::new(tick_rate),
            targets: Vec::new(),
        }
    }

    /// The tuning numbers in use.
    /// The kills and deaths of the player in `slot`, or `None` if there is no such player.
    pub fn tally(&self, slot: Slot) -> Option<Score> {
        self.player_index(slot)
            .map(|index| self.players[index].score)
    }

    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }

    /// The map played on.
    pub fn map(&self) -> &Arc<Map> {
        &self.map
    }

    fn player_index(&self, slot: Slot) -> Option<usize> {
        self.players.binary_search_by_key(&slot, |p| p.slot).ok()
    }

    /// The spawn point farthest from every living player (`Map::farthest_spawn`).
    fn pick_spawn(&mut self) -> (f32, f32) {
        let others: Vec<(f32, f32)> = self
            .players
            .iter()
            .filter(|p| p.alive())
            .map(|p| (p.x, p.y))
            .collect();
        self.map.farthest_spawn(&others, &mut self.rng)
    }

    /// Counts spawn protection down (a player that fired this step gives it up), then
    /// respawns the players due this tick, protected. Runs last in the step, after firing:
    /// a player fired this step exactly when its cooldown was just set to the full count.
    fn respawn_due_players(&mut self) {
        for player in &mut self.players {
            if player.fire_cooldown_left == self.fire_cooldown_ticks {
                player.protection_left = 0;
            }
            player.protection_left = player.protection_left.saturating_sub(1);
        }
        for index in 0..self.players.len() {
            let player = &self.players[index];
            if player.alive() || player.respawn_tick != self.tick {
                continue;
            }
            let (x, y) = self.pick_spawn();
            let player = &mut self.players[index];
            player.x = x;
            player.y = y;
            player.hp = self.tuning.max_hp.max(1);
            player.fire_cooldown_left = 0;
            player.protection_left = self.spawn_protection_ticks;
        }
    }

    /// Spawns the player at once at the spawn point farthest from the living players,
    /// unprotected (protection is for respawns). A slot that is already taken is left as it is.
    fn add_player(&mut self, slot: Slot) {
        let Err(index) = self.players.binary_search_by_key(&slot, |p| p.slot) else {
            return;
        };
        let (x, y) = self.pick_spawn();
        self.players.insert(
            index,
            Player {
                slot,
                x,
                y,
                aim: 0.0,
                hp: self.tuning.max_hp.max(1),
                fire_cooldown_left: 0,
                respawn_tick: 0,
                protection_left: 0,
                score: Score::default(),
            },
        );
    }

    /// Removes the player and its bullets; an unknown slot is ignored.
    fn remove_player(&mut self, slot: Slot) {
        if let Some(index) = self.player_index(slot) {
            self.players.remove(index);
            self.bullets.retain(|bullet| bullet.owner != slot);
        }
    }

    /// One step of one player: aim, cooldown, movement, then fire.
    fn play(&mut self, slot: Slot, input: &ArenaInput) {
        let Some(index) = self.player_index(slot) else {
            return;
        };
        let player = &mut self.players[index];
        if input.aim.is_finite() {
            player.aim = input.aim.rem_euclid(TAU);
        }
        player.fire_cooldown_left = player.fire_cooldown_left.saturating_sub(1);
        if !player.alive() {
            return;
        }
        let radius = self.tuning.player_radius;
        let movement = input.movement & MOVE_ALL;
        (player.x, player.y) = step_movement(
            &self.map,
            radius,
            self.step_distance,
            (player.x, player.y),
            movement,
        );
        if input.fire && player.fire_cooldown_left == 0 {
            player.fire_cooldown_left = self.fire_cooldown_ticks;
            let rewind = self.history.rewind_for(self.tick, input.render_tick);
            let (dir_y, dir_x) = libm::sincosf(player.aim);
            self.bullets.push(Bullet {
                id: self.next_bullet_id,
                owner: player.slot,
                x: player.x,
                y: player.y,
                dir_x,
                dir_y,
                range_left: self.tuning.bullet_range,
                rewind,
                fresh: true,
                spent: false,
            });
            self.next_bullet_id = self.next_bullet_id.wrapping_add(1);
        }
    }

    /// Fills `self.targets` with the living players, as they stood `rewind` ticks ago (their
    /// live place when the history does not reach that far).
    fn gather_targets(&mut self, rewind: u32) {
        self.targets.clear();
        let past = match rewind {
            0 => None,
            ticks => self.history.at(self.tick.wrapping_sub(ticks)),
        };
        for (index, player) in self.players.iter().enumerate() {
            if !player.alive() {
                continue;
            }
            let seen = match past {
                None => Some((player.x, player.y)),
                Some(ghosts) => ghosts
                    .binary_search_by_key(&player.slot, |g| g.slot)
                    .ok()
                    .map(|at| ghosts[at])
                    .filter(|ghost| ghost.alive)
                    .map(|ghost| (ghost.x, ghost.y)),
            };
            if let Some((x, y)) = seen {
                self.targets.push(Target {
                    index,
                    slot: player.slot,
                    x,
                    y,
                });
            }
        }
    }

    fn advance_bullets(&mut self, events: &mut Vec<ArenaEvent>) {
        let flight = self.tuning.bullet_speed * self.dt;
        // The targets of the last rewind gathered: bullets mostly share one, and they stay
        // true until a hit changes who is alive.
        let mut gathered = None;
        for index in 0..self.bullets.len() {
            let bullet = self.bullets[index];
            let travel = if bullet.fresh {
                self.tuning.player_radius
            } else {
                flight.min(bullet.range_left)
            };
            let (dx, dy) = (bullet.dir_x * travel, bullet.dir_y * travel);
            if gathered != Some(bullet.rewind) {
                self.gather_targets(bullet.rewind);
                gathered = Some(bullet.rewind);
            }
            let stop = trace(
                &self.map,
                &self.targets,
                &self.tuning,
                bullet.owner,
                (bullet.x, bullet.y),
                (dx, dy),
            );
            let bullet = &mut self.bullets[index];
            match stop {
                None => {
                    bullet.x += dx;
                    bullet.y += dy;
                    if !bullet.fresh {
                        bullet.range_left -= travel;
                    }
                    bullet.fresh = false;
                    bullet.spent = bullet.range_left <= 0.0;
                }
                Some(Stop::Wall) => bullet.spent = true,
                Some(Stop::Player(victim)) => {
                    bullet.spent = true;
                    let owner = bullet.owner;
                    self.damage(victim, owner, events);
                    gathered = None;
                }
            }
        }
        self.bullets.retain(|bullet| !bullet.spent);
    }

    /// A bullet of `killer` hit the player at `victim_index`: no harm while it is protected.
    fn damage(&mut self, victim_index: usize, killer: Slot, events: &mut Vec<ArenaEvent>) {
        let victim = &mut self.players[victim_index];
        if victim.protected() {
            return;
        }
        victim.hp = victim.hp.saturating_sub(self.tuning.bullet_damage);
        if victim.alive() {
            return;
        }
        let respawn_tick = self.tick.wrapping_add(self.respawn_delay_ticks);
        victim.respawn_tick = respawn_tick;
        victim.score.deaths = victim.score.deaths.saturating_add(1);
        let victim = victim.slot;
        if let Some(killer_index) = self.player_index(killer) {
            let score = &mut self.players[killer_index].score;
            score.kills = score.kills.saturating_add(1);
        }
        events.push(ArenaEvent::Kill {
            killer,
            victim,
            respawn_tick,
        });
    }
}

impl Game for Arena {
    type Brain = ArenaBrain;

    fn new(settings: &MatchSettings) -> Arena {
        Arena::new(settings.map.clone(), settings.tick_rate, settings.seed)
    }

    fn setup(&self) -> ArenaSetup {
        ArenaSetup {
            width: self.map.width,
            height: self.map.height,
            walls: self.map.walls.clone(),
            player_radius: self.tuning.player_radius,
            player_speed: self.tuning.player_speed,
            bullet_radius: self.tuning.bullet_radius,
            bullet_speed: self.tuning.bullet_speed,
            max_hp: self.tuning.max_hp,
            fire_cooldown_ticks: u16::try_from(self.fire_cooldown_ticks).unwrap_or(u16::MAX),
            bullet_range: self.tuning.bullet_range,
            spawn_protection_ticks: u16::try_from(self.spawn_protection_ticks).unwrap_or(u16::MAX),
        }
    }

    fn tick(&self) -> u32 {
        self.tick
    }

    /// One step: the leaves, then the joins, then each input in the order given (the room
    /// gives slot order), then every bullet flies and hits in firing order, then due players
    /// respawn, and the players' places are kept for lag compensation. Respawning last shows
    /// a respawned player exactly at its spawn point in the snapshot of its respawn tick.
    fn step(&mut self, inputs: &StepInputs<ArenaInput>, events: &mut Vec<ArenaEvent>) {
        self.tick = self.tick.wrapping_add(1);
        for &slot in &inputs.leaves {
            self.remove_player(slot);
        }
        for &slot in &inputs.joins {
            self.add_player(slot);
        }
        for (slot, input) in &inputs.commands {
            self.play(*slot, input);
        }
        self.advance_bullets(events);
        self.respawn_due_players();
        self.history.record(
            self.tick,
            self.players.iter().map(|p| Ghost {
                slot: p.slot,
                x: p.x,
                y: p.y,
                alive: p.alive(),
            }),
        );
    }

    fn score(&self, slot: Slot) -> Option<Vec<i32>> {
        self.tally(slot)
            .map(|score| vec![i32::from(score.kills), i32::from(score.deaths)])
    }

    fn state(&self, out: &mut ArenaState) {
        out.tick = self.tick;
        out.players.clear();
        out.players.extend(self.players.iter().map(|p| PlayerState {
            slot: p.slot,
            x: quantize_position(p.x),
            y: quantize_position(p.y),
            aim: quantize_angle(p.aim),
            hp: p.hp,
            flags: match (p.alive(), p.protected()) {
                (false, _) => 0,
                (true, false) => PLAYER_ALIVE,
                (true, true) => PLAYER_ALIVE | PLAYER_PROTECTED,
            },
        }));
        out.bullets.clear();
        out.bullets
            .extend(self.bullets.iter().map(|b| FlyingBullet {
                since: self.tick,
                bullet: BulletState {
                    id: b.id,
                    owner: b.owner,
                    x: quantize_position(b.x),
                    y: quantize_position(b.y),
                    heading: quantize_heading(libm::atan2f(b.dir_y, b.dir_x)),
                },
            }));
        // Ids grow as bullets are fired and wrap around, so firing order is not id order.
        out.bullets.sort_unstable_by_key(|b| b.bullet.id);
    }

    fn state_digest(&self) -> Option<StateDigest> {
        let mut players = Vec::with_capacity(self.players.len());
        for p in &self.players {
            let mut player = StateHasher::default();
            player
                .u8(p.slot.get())
                .f32(p.x)
                .f32(p.y)
                .f32(p.aim)
                .u8(p.hp)
                .u32(p.fire_cooldown_left)
                .u32(p.respawn_tick)
                .u32(p.protection_left)
                .u16(p.score.kills)
                .u16(p.score.deaths);
            players.push((p.slot, player.finish()));
        }
        let mut bullets = StateHasher::default();
        bullets.u16(self.next_bullet_id);
        for b in &self.bullets {
            bullets
                .u16(b.id)
                .u8(b.owner.get())
                .f32(b.x)
                .f32(b.y)
                .f32(b.dir_x)
                .f32(b.dir_y)
                .f32(b.range_left)
                .u32(b.rewind)
                .bool(b.fresh)
                .bool(b.spent);
        }
        let mut history = StateHasher::default();
        for back in 0..self.history.max_rewind() {
            let tick = self.tick.wrapping_sub(back);
            for ghost in self.history.at(tick).unwrap_or_default() {
                history
                    .u32(tick)
                    .u8(ghost.slot.get())
                    .f32(ghost.x)
                    .f32(ghost.y)
                    .bool(ghost.alive);
            }
        }
        Some(StateDigest {
            tick: self.tick,
            players,
            bullets: bullets.finish(),
            history: history.finish(),
            // Words past 2^64 would take millennia at any tick rate.
            rng_words: u64::try_from(self.rng.get_word_pos()).unwrap_or(u64::MAX),
        })
    }
}

/// The first thing a bullet at `from` moving by `delta` this step runs into: a wall (grown by
/// the bullet's radius), the map's edge, or one of `targets` other than `owner`. Ties go to
/// the wall: cover protects.
fn trace(
    map: &Map,
    targets: &[Target],
    tuning: &Tuning,
    owner: Slot,
    from: (f32, f32),
    delta: (f32, f32),
) -> Option<Stop> {
    let mut nearest: Option<(f32, Stop)> = None;
    let grow = tuning.bullet_radius;
    for wall in &map.walls {
        if let Some(t) = segment_touches_wall(from, delta, wall, grow) {
            if nearest.as_ref().is_none_or(|(best, _)| t < *best) {
                nearest = Some((t, Stop::Wall));
            }
        }
    }
    if let Some(t) = segment_leaves_map(map, from, delta) {
        if nearest.as_ref().is_none_or(|(best, _)| t < *best) {
            nearest = Some((t, Stop::Wall));
        }
    }
    let reach = tuning.player_radius + tuning.bullet_radius;
    for target in targets.iter().filter(|target| target.slot != owner) {
        if let Some(t) = segment_hits_circle(from, delta, (target.x, target.y), reach) {
            if nearest.as_ref().is_none_or(|(best, _)| t < *best) {
                nearest = Some((t, Stop::Player(target.index)));
            }
        }
    }
    nearest.map(|(_, stop)| stop)
}

#[cfg(test)]
mod tests;
