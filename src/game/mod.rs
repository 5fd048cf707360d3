//! The games a room can run. Pure Rust: a fixed step, no clock, no I/O, no actix, and the same
//! seed with the same inputs always gives the same match (so matches can be replayed).
//!
//! The room actor drives a game only through the [`Game`] trait, so another game can be
//! plugged in without touching the actors. The bundled game is the [`arena`] shooter.

pub mod arena;
pub mod map;

use crate::protocol::{GameSetup, Input, RoomState, Slot};

/// Something that happened in a step that clients hear about as a message of its own.
#[derive(Debug, Clone, PartialEq)]
pub enum GameEvent {
    /// `killer` hit `victim` for the last of its hit points; `victim` respawns at `respawn_tick`.
    Kill {
        killer: Slot,
        victim: Slot,
        respawn_tick: u32,
    },
}

/// A player's tally in the current match, for the room's roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Score {
    pub kills: u16,
    pub deaths: u16,
}

/// A simulation a room runs one fixed step per tick.
pub trait Game: Send + 'static {
    /// The name clients see as the room's mode, e.g. "arena".
    fn mode(&self) -> &'static str;
    /// The map and tuning numbers clients need to draw and predict.
    fn setup(&self) -> GameSetup;
    /// The number of steps taken so far.
    fn tick(&self) -> u32;
    /// Adds a player in `slot` (the room guarantees the slot is free).
    fn add_player(&mut self, slot: Slot);
    /// Removes the player in `slot` and everything it owns; unknown slots are ignored.
    fn remove_player(&mut self, slot: Slot);
    /// Applies one input (already checked by `protocol::check_input`). Movement and aim are
    /// held state (the latest wins); a `fire` is remembered until the next step, so an input is
    /// never lost when several arrive between two steps.
    fn apply_input(&mut self, slot: Slot, input: &Input);
    /// Advances the world by one fixed step, appending what happened to `events`.
    fn step(&mut self, events: &mut Vec<GameEvent>);
    /// The kills and deaths of the player in `slot`, or `None` if there is no such player.
    fn score(&self, slot: Slot) -> Option<Score>;
    /// Writes the current state into `out`, reusing its buffers: players in slot order, bullets
    /// in id order, every bullet as of the current tick.
    fn state(&self, out: &mut RoomState);
}
