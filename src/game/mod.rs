//! The games a room can run, and what they share. Pure Rust: a fixed step, no clock, no I/O,
//! no actix, and the same seed with the same inputs always gives the same match (so matches
//! can be replayed).
//!
//! A game is a module that implements [`Game`] (its simulation), `protocol::GameWire` (its
//! bytes) and [`Brain`] (how the server's bots play it); the room drives it only through
//! these traits, so a new game touches no actor. The bundled games are the [`arena`] shooter
//! and [`tag`]. Shared by the games: the map ([`map`]), the movement rule the browser predicts
//! ([`movement`]), segment tests ([`geometry`]), way-finding ([`path`]), lag compensation
//! ([`rewind`]) and the world's digest for replays ([`digest`]).

pub mod arena;
pub mod digest;
pub mod geometry;
pub mod map;
pub mod movement;
pub mod path;
pub mod rewind;
pub mod tag;

pub use digest::StateDigest;

use std::sync::Arc;

use crate::protocol::{GameWire, Slot};

/// Everything one step consumes, in the order the game applies it: the players leaving, then
/// the players joining, then the inputs of this step. The room builds one per step; it is the
/// whole of what the simulation is told, so recording it (with the seed) records the match.
#[derive(Debug, Clone, PartialEq)]
pub struct StepInputs<I> {
    /// Slots whose players leave before this step, in slot order.
    pub leaves: Vec<Slot>,
    /// Slots whose players join before this step, in slot order (a slot may be left and
    /// joined again in one step: the leave comes first).
    pub joins: Vec<Slot>,
    /// The inputs consumed in this step, in slot order and, for one slot, in seq order. A slot
    /// has at most two (two when its buffer had a burst to drain), and each input is one full
    /// step of that player's controls. A player with none stands still.
    pub commands: Vec<(Slot, I)>,
}

impl<I> Default for StepInputs<I> {
    fn default() -> Self {
        StepInputs {
            leaves: Vec::new(),
            joins: Vec::new(),
            commands: Vec::new(),
        }
    }
}

impl<I> StepInputs<I> {
    /// Empties every list, keeping their allocations.
    pub fn clear(&mut self) {
        self.leaves.clear();
        self.joins.clear();
        self.commands.clear();
    }
}

/// What a room tells a new match of any game.
pub struct MatchSettings {
    pub map: Arc<map::Map>,
    pub tick_rate: u16,
    pub seed: u64,
}

/// A simulation a room runs one fixed step per tick: pure, deterministic for its seed and its
/// step inputs.
pub trait Game: GameWire + Send {
    /// How the server's bots (and the bundled bot binary) play this game.
    type Brain: Brain<Self>;
    fn new(settings: &MatchSettings) -> Self;
    /// What clients need to draw and predict the match.
    fn setup(&self) -> Self::Setup;
    /// The number of steps taken so far.
    fn tick(&self) -> u32;
    /// Advances the world by one fixed step: applies `inputs` (see [`StepInputs`]; inputs are
    /// already decoded and checked by `GameWire::decode_input`) and appends what happened to
    /// `events`. The result is a pure function of the state before the step and `inputs`.
    fn step(&mut self, inputs: &StepInputs<Self::Input>, events: &mut Vec<Self::Event>);
    /// The scoreboard numbers of the player in `slot` (the roster's `score`), `None` if there
    /// is no such player.
    fn score(&self, slot: Slot) -> Option<Vec<i32>>;
    /// Writes the current state into `out`, reusing its buffers.
    fn state(&self, out: &mut Self::State);
    /// A digest of the whole world state after the current tick, which a replay records to
    /// prove that its re-simulation agrees. `None` (the default) says the game cannot be
    /// checked that way: its rooms are not recorded.
    fn state_digest(&self) -> Option<StateDigest> {
        None
    }
}

/// A bot's decisions: pure and seeded, from what a client would see.
pub trait Brain<G: GameWire>: Send + Sized + 'static {
    /// What every bot of one match shares (way-finding grids, the setup), made once.
    type Shared: Send + Sync + 'static;
    fn prepare(setup: &G::Setup, tick_rate: u16) -> Self::Shared;
    /// A bot of its own seed (each bot of a match gets a different one).
    fn new(shared: &Self::Shared, seed: u64) -> Self;
    /// The input of the player in `me` for the next step, from the state after the last one.
    fn decide(&mut self, shared: &Self::Shared, me: Slot, sight: &G::State) -> G::Input;
}
