//! Tag: the second game a room can host. Same maps and movement as the arena, no shooting; one
//! player is "it", and touching another passes "it" on. Everyone who is not it scores a point
//! per second; the round's winner has the most points.
//!
//! Owns the rules of play, the tuning numbers and the per-player points and tags. It must not
//! do I/O, read clocks, touch actix or iterate anything in an unspecified order: every step is
//! a pure function of the seed, the map and the step inputs. It must not panic, whatever the
//! inputs. The bytes are `wire.rs`'s, the bots `brain.rs`'s.
//!
//! Rules (see `anygame-spec.md`, "Tag payload"), in the order a step applies them:
//! 1. The leaves. If "it" left a running round, a seeded-random remaining player becomes it,
//!    frozen as if tagged (`Tagged { tagger: None }`), from this step's movement on.
//! 2. The joins: a player appears at the spawn point farthest from everyone (ties drawn at
//!    random), with no points. Slot 255 is never seated: on the wire it means "no player".
//! 3. Fewer than two players: the room waits (no round, no it).
//! 4. Each command moves its player one step (`game::movement`, as the arena moves players);
//!    "it" at `it_speed`, others at `player_speed`; frozen players stand. Players do not
//!    collide with each other. Everyone may move in every phase.
//! 5. While playing: if it is not frozen and overlaps (centre distance < 2 radii) a player who
//!    is not immune (the nearest, ties: lowest slot), that player becomes it and is frozen for
//!    `freeze_ticks` steps; the old it is immune for `immune_ticks` steps and gains a tag. Then
//!    every `tick_rate`-th step of the round, each player who is not it gains a point. At
//!    `phase_ends_tick` the round is over (`RoundOver`), and the intermission begins.
//! 6. A round starts at the end of a step (so its `round_ticks` steps are all played): when a
//!    second player arrives, or when the intermission ends with two or more players. Every
//!    score is reset and a seeded-random player becomes it (`RoundStarted`).

mod brain;
mod wire;

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::game::map::Map;
use crate::game::movement::MOVE_ALL;
use crate::game::movement::{step_distance, step_movement};
use crate::protocol::{quantize_position, Slot};

use crate::game::{Game, MatchSettings, StepInputs};

pub use brain::{TagBrain, TagShared};
pub use wire::{
    Phase, TagEvent, TagInput, TagPlayer, TagSetup, TagState, NO_SLOT, TAG_FROZEN, TAG_IMMUNE,
};

/// Every number that decides how tag plays, in world units and seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// The arena's: maps keep their spawn points this far from walls (`SPAWN_CLEARANCE`).
    pub player_radius: f32,
    /// The arena's, so a map plays at the pace its author tried it at. Units per second.
    pub player_speed: f32,
    /// A little faster than everyone else, so "it" can catch a runner in the open, but not so
    /// much faster that running is pointless: 1.1 × `player_speed`.
    pub it_speed: f32,
    /// Long enough for "it" to change hands a few times; short enough that a bad round ends.
    pub round_seconds: f32,
    /// Time to read the result before scores are reset.
    pub intermission_seconds: f32,
    /// The new "it" stands still this long: its victims get a head start.
    pub freeze_seconds: f32,
    /// The old "it" cannot be tagged this long: no tag-backs. Longer than the freeze, so the
    /// old it gets away for a second even from a new it who is right beside it.
    pub immune_seconds: f32,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            player_radius: 16.0,
            player_speed: 220.0,
            it_speed: 242.0,
            round_seconds: 30.0,
            intermission_seconds: 3.0,
            freeze_seconds: 1.0,
            immune_seconds: 2.0,
        }
    }
}

#[derive(Debug, Clone)]
struct Player {
    slot: Slot,
    x: f32,
    y: f32,
    /// The last tick of a step in which the player cannot move (0: none).
    frozen_until: u32,
    /// The last tick of a step in which the player cannot be tagged (0: none).
    immune_until: u32,
    points: u16,
    tags: u16,
}

/// A tag match on one map. See the module docs for the rules.
pub struct Tag {
    map: Arc<Map>,
    tuning: Tuning,
    tick_rate: u16,
    /// Units a moving player covers in one step, and the same for "it".
    player_step: f32,
    it_step: f32,
    round_ticks: u32,
    intermission_ticks: u32,
    freeze_ticks: u16,
    immune_ticks: u16,
    tick: u32,
    rng: ChaCha8Rng,
    /// Sorted by slot, so every loop runs in slot order.
    players: Vec<Player>,
    phase: Phase,
    phase_ends_tick: u32,
    it: Option<Slot>,
    /// Steps played in the current round (points come every `tick_rate` of them).
    round_steps: u32,
}

impl Tag {
    /// `Game::new`, playing by `tuning` instead of the defaults.
    pub fn with_tuning(settings: &MatchSettings, tuning: Tuning) -> Tag {
        let rate = f32::from(settings.tick_rate.max(1));
        // At least one step each: a zero-length round or freeze would mean nothing.
        let ticks = |seconds: f32| ((seconds * rate).round() as u32).max(1);
        let short = |seconds: f32| u16::try_from(ticks(seconds)).unwrap_or(u16::MAX);
        Tag {
            map: settings.map.clone(),
            tuning,
            tick_rate: settings.tick_rate.max(1),
            player_step: step_distance(tuning.player_speed, settings.tick_rate),
            it_step: step_distance(tuning.it_speed, settings.tick_rate),
            round_ticks: ticks(tuning.round_seconds),
            intermission_ticks: ticks(tuning.intermission_seconds),
            freeze_ticks: short(tuning.freeze_seconds),
            immune_ticks: short(tuning.immune_seconds),
            tick: 0,
            rng: ChaCha8Rng::seed_from_u64(settings.seed),
            players: Vec::new(),
            phase: Phase::Waiting,
            phase_ends_tick: 0,
            it: None,
            round_steps: 0,
        }
    }

    /// The tuning numbers in use.
    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }

    /// The round phase the match is in.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The player who is "it", if a round is running.
    pub fn it(&self) -> Option<Slot> {
        self.it
    }

    fn index(&self, slot: Slot) -> Option<usize> {
        self.players.binary_search_by_key(&slot, |p| p.slot).ok()
    }

    /// A seeded-random player's slot (`None` when the room is empty).
    fn draw_player(&mut self) -> Option<Slot> {
        if self.players.is_empty() {
            return None;
        }
        let index = self.rng.random_range(0..self.players.len() as u32) as usize;
        self.players.get(index).map(|p| p.slot)
    }

    /// The spawn point farthest from every player (`Map::farthest_spawn`).
    fn pick_spawn(&mut self) -> (f32, f32) {
        let others: Vec<(f32, f32)> = self.players.iter().map(|p| (p.x, p.y)).collect();
        self.map.farthest_spawn(&others, &mut self.rng)
    }

    fn add_player(&mut self, slot: Slot) {
        if slot.get() == NO_SLOT {
            return;
        }
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
                frozen_until: 0,
                immune_until: 0,
                points: 0,
                tags: 0,
            },
        );
    }

    /// Makes `slot` it, frozen from the next step on for `freeze_ticks` steps.
    fn make_it(&mut self, slot: Slot) {
        self.it = Some(slot);
        let until = self.tick.saturating_add(u32::from(self.freeze_ticks));
        if let Some(index) = self.index(slot) {
            self.players[index].frozen_until = until;
        }
    }

    /// Enters `phase`, ending at `ends`, with nobody it, frozen or immune.
    fn reset_phase(&mut self, phase: Phase, ends: u32) {
        self.phase = phase;
        self.phase_ends_tick = ends;
        self.it = None;
        for player in &mut self.players {
            player.frozen_until = 0;
            player.immune_until = 0;
        }
    }

    fn start_round(&mut self, events: &mut Vec<TagEvent>) {
        for player in &mut self.players {
            player.points = 0;
            player.tags = 0;
        }
        let Some(it) = self.draw_player() else {
            return;
        };
        self.reset_phase(Phase::Playing, self.tick.saturating_add(self.round_ticks));
        self.round_steps = 0;
        // Not frozen: everyone starts where they stand, and it must go and get them.
        self.it = Some(it);
        events.push(TagEvent::RoundStarted {
            it,
            ends_tick: self.phase_ends_tick,
        });
    }

    /// One step of one player's movement.
    fn play(&mut self, slot: Slot, input: &TagInput) {
        let Some(index) = self.index(slot) else {
            return;
        };
        let is_it = self.it == Some(slot);
        let player = &mut self.players[index];
        if player.frozen_until >= self.tick {
            return;
        }
        let distance = if is_it {
            self.it_step
        } else {
            self.player_step
        };
        (player.x, player.y) = step_movement(
            &self.map,
            self.tuning.player_radius,
            distance,
            (player.x, player.y),
            input.movement & MOVE_ALL,
        );
    }

    /// "It" touching someone passes it on: the nearest touched player who is not immune.
    fn tag_if_touching(&mut self, events: &mut Vec<TagEvent>) {
        let Some(it_index) = self.it.and_then(|it| self.index(it)) else {
            return;
        };
        let it = &self.players[it_index];
        if it.frozen_until >= self.tick {
            return;
        }
        let reach = 2.0 * self.tuning.player_radius;
        let mut nearest: Option<(f32, usize)> = None;
        for (index, other) in self.players.iter().enumerate() {
            if index == it_index || other.immune_until >= self.tick {
                continue;
            }
            let distance_sq =
                (other.x - it.x) * (other.x - it.x) + (other.y - it.y) * (other.y - it.y);
            if distance_sq < reach * reach && nearest.is_none_or(|(best, _)| distance_sq < best) {
                nearest = Some((distance_sq, index));
            }
        }
        let Some((_, tagged_index)) = nearest else {
            return;
        };
        let tagger = &mut self.players[it_index];
        tagger.tags = tagger.tags.saturating_add(1);
        tagger.immune_until = self.tick.saturating_add(u32::from(self.immune_ticks));
        let (tagger, tagged) = (tagger.slot, self.players[tagged_index].slot);
        self.make_it(tagged);
        events.push(TagEvent::Tagged {
            tagger: Some(tagger),
            tagged,
        });
    }

    fn score_points(&mut self) {
        self.round_steps = self.round_steps.saturating_add(1);
        if !self.round_steps.is_multiple_of(u32::from(self.tick_rate)) {
            return;
        }
        for player in &mut self.players {
            if Some(player.slot) != self.it {
                player.points = player.points.saturating_add(1);
            }
        }
    }

    /// The most points; ties go to the lowest slot (the first in slot order).
    fn winner(&self) -> Option<Slot> {
        self.players
            .iter()
            .fold(None::<&Player>, |best, p| match best {
                Some(b) if b.points >= p.points => Some(b),
                _ => Some(p),
            })
            .map(|p| p.slot)
    }
}

impl Game for Tag {
    type Brain = TagBrain;

    fn new(settings: &MatchSettings) -> Tag {
        Tag::with_tuning(settings, Tuning::default())
    }

    fn setup(&self) -> TagSetup {
        TagSetup {
            width: self.map.width,
            height: self.map.height,
            walls: self.map.walls.clone(),
            player_radius: self.tuning.player_radius,
            player_speed: self.tuning.player_speed,
            it_speed: self.tuning.it_speed,
            round_ticks: self.round_ticks,
            intermission_ticks: self.intermission_ticks,
            freeze_ticks: self.freeze_ticks,
            immune_ticks: self.immune_ticks,
        }
    }

    fn tick(&self) -> u32 {
        self.tick
    }

    /// One step, in the order the module docs list.
    fn step(&mut self, inputs: &StepInputs<TagInput>, events: &mut Vec<TagEvent>) {
        self.tick = self.tick.wrapping_add(1);
        for &slot in &inputs.leaves {
            if let Some(index) = self.index(slot) {
                self.players.remove(index);
            }
        }
        let it_left = self.it.is_some_and(|it| self.index(it).is_none());
        if it_left {
            self.it = None;
            if self.phase == Phase::Playing && self.players.len() >= 2 {
                if let Some(tagged) = self.draw_player() {
                    self.make_it(tagged);
                    events.push(TagEvent::Tagged {
                        tagger: None,
                        tagged,
                    });
                }
            }
        }
        for &slot in &inputs.joins {
            self.add_player(slot);
        }
        if self.players.len() < 2 && self.phase != Phase::Waiting {
            self.reset_phase(Phase::Waiting, 0);
        }
        for (slot, input) in &inputs.commands {
            self.play(*slot, input);
        }
        match self.phase {
            Phase::Playing => {
                self.tag_if_touching(events);
                self.score_points();
                if self.tick >= self.phase_ends_tick {
                    let winner = self.winner();
                    let next = self.tick.saturating_add(self.intermission_ticks);
                    self.reset_phase(Phase::Intermission, next);
                    events.push(TagEvent::RoundOver {
                        winner,
                        next_round_tick: next,
                    });
                }
            }
            Phase::Intermission if self.tick >= self.phase_ends_tick => self.start_round(events),
            Phase::Waiting if self.players.len() >= 2 => self.start_round(events),
            Phase::Intermission | Phase::Waiting => {}
        }
    }

    fn score(&self, slot: Slot) -> Option<Vec<i32>> {
        let player = &self.players[self.index(slot)?];
        Some(vec![i32::from(player.points), i32::from(player.tags)])
    }

    fn state(&self, out: &mut TagState) {
        out.tick = self.tick;
        out.phase = self.phase;
        out.phase_ends_tick = self.phase_ends_tick;
        out.it = self.it;
        out.players.clear();
        out.players.extend(self.players.iter().map(|p| {
            // Flags say what holds in the next step, the one a client predicts.
            let frozen = if p.frozen_until > self.tick {
                TAG_FROZEN
            } else {
                0
            };
            let immune = if p.immune_until > self.tick {
                TAG_IMMUNE
            } else {
                0
            };
            TagPlayer {
                slot: p.slot,
                x: quantize_position(p.x),
                y: quantize_position(p.y),
                flags: frozen | immune,
                points: p.points,
                tags: p.tags,
            }
        }));
    }
}

#[cfg(test)]
mod tests;
