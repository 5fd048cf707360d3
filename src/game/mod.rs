//! The games a room can run. Pure Rust: a fixed step, no clock, no I/O, no actix, and the same
//! seed with the same inputs always gives the same match (so matches can be replayed).
//!
//! The room actor drives a game only through the [`Game`] trait, so another game can be
//! plugged in without touching the actors. The bundled game is the [`arena`] shooter.

pub mod arena;
pub mod digest;
pub mod geometry;
pub mod map;
pub mod movement;
pub mod rewind;

pub use digest::StateDigest;

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

/// Everything one step consumes, in the order the game applies it: the players leaving, then
/// the players joining, then the inputs of this step. The room builds one per step; it is the
/// whole of what the simulation is told, so recording it (with the seed) records the match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepInputs {
    /// Slots whose players leave before this step, in slot order.
    pub leaves: Vec<Slot>,
    /// Slots whose players join before this step, in slot order (a slot may be left and
    /// joined again in one step: the leave comes first).
    pub joins: Vec<Slot>,
    /// The inputs consumed in this step, in slot order and, for one slot, in seq order. A slot
    /// has at most two (two when its buffer had a burst to drain), and each input is one full
    /// step of that player's movement and firing. A player with none stands still.
    pub commands: Vec<(Slot, Input)>,
}

impl StepInputs {
    /// Empties every list, keeping their allocations.
    pub fn clear(&mut self) {
        self.leaves.clear();
        self.joins.clear();
        self.commands.clear();
    }
}

/// A simulation a room runs one fixed step per tick.
pub trait Game: Send + 'static {
    /// The name clients see as the room's mode, e.g. "arena".
    fn mode(&self) -> &'static str;
    /// The map and tuning numbers clients need to draw and predict.
    fn setup(&self) -> GameSetup;
    /// The number of steps taken so far.
    fn tick(&self) -> u32;
    /// Advances the world by one fixed step: applies `inputs` (see [`StepInputs`]; inputs are
    /// already checked by `protocol::check_input`) and appends what happened to `events`. The
    /// result is a pure function of the state before the step and `inputs`.
    fn step(&mut self, inputs: &StepInputs, events: &mut Vec<GameEvent>);
    /// The kills and deaths of the player in `slot`, or `None` if there is no such player.
    fn score(&self, slot: Slot) -> Option<Score>;
    /// Writes the current state into `out`, reusing its buffers: players in slot order, bullets
    /// in id order, every bullet as of the current tick.
    fn state(&self, out: &mut RoomState);
    /// A digest of the whole world state after the current tick, which a replay records to
    /// prove that its re-simulation agrees. `None` (the default) says the game cannot be
    /// checked that way: its rooms are not recorded.
    fn state_digest(&self) -> Option<StateDigest> {
        None
    }
}
