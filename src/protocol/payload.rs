//! The boundary between the envelope and a game's payload: the [`GameWire`] trait each game
//! implements for its own bytes (input, setup, events, snapshot body), and the inline
//! [`InputPayload`] an `Input` message carries to the room without knowing what is inside.
//!
//! Owns: that boundary only. Must not: know any game; the games implement `GameWire` in their
//! own modules (`crate::game::arena`, `crate::game::tag`) with their own codecs.

use serde::{Deserialize, Serialize};

use super::Slot;

/// The most bytes a mode's input payload may have (after `Input`'s seq).
pub const MAX_INPUT_PAYLOAD_BYTES: usize = 32;

/// Why a payload did not decode, or decoded to values the game refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PayloadError(pub String);

/// One game's side of the wire: its mode name, its payload types and their codec. Implemented
/// by the game's type (e.g. `Arena`), so a client can name the codec without a simulation.
pub trait GameWire: Sized + 'static {
    /// The mode name rooms of this game carry in `RoomInfo::mode`.
    const MODE: &'static str;
    /// One step's controls of one player.
    type Input: Copy + std::fmt::Debug + PartialEq + Send + Sync + 'static;
    /// What a client needs to draw and predict the match, sent once in `Joined`/`Spectating`.
    type Setup: Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static;
    /// The state clients rebuild from snapshots.
    type State: Clone + std::fmt::Debug + Default + PartialEq + Send + Sync + 'static;
    /// Something that happened in a step, sent as `GameEvent`.
    type Event: Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static;
    /// How many numbers a roster entry's `score` has (a new player's are all 0).
    const SCORE_COLUMNS: usize;

    fn encode_input(input: &Self::Input, out: &mut Vec<u8>);
    /// Decodes a whole input payload and checks what decoding alone cannot (finite numbers,
    /// known bits). Never panics, whatever the bytes.
    fn decode_input(bytes: &[u8]) -> Result<Self::Input, PayloadError>;
    fn encode_setup(setup: &Self::Setup, out: &mut Vec<u8>);
    fn decode_setup(bytes: &[u8]) -> Result<Self::Setup, PayloadError>;
    fn encode_event(event: &Self::Event, out: &mut Vec<u8>);
    fn decode_event(bytes: &[u8]) -> Result<Self::Event, PayloadError>;
    /// Appends a snapshot body: `now` as a change from `baseline` (`None`: from nothing).
    fn encode_delta(baseline: Option<&Self::State>, now: &Self::State, out: &mut Vec<u8>);
    /// The state of tick `tick` from a snapshot body and the baseline it was made against
    /// (`None` for a full snapshot). Never panics, whatever the bytes.
    fn apply_delta(
        baseline: Option<&Self::State>,
        tick: u32,
        body: &[u8],
    ) -> Result<Self::State, PayloadError>;
    /// How `event` changes the roster's scores as clients keep them: `(slot, index into the
    /// score, amount)`. None for a game whose scores change otherwise (the default).
    fn score_changes(_event: &Self::Event) -> Vec<(Slot, usize, i32)> {
        Vec::new()
    }
}

/// The payload of one `Input` message, kept inline (no allocation per input on its way from
/// the socket to the room). Serde is derived only so that `ClientMsg` can derive it: the
/// `Input` message is packed by hand, see `encode_client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputPayload {
    len: u8,
    bytes: [u8; MAX_INPUT_PAYLOAD_BYTES],
}

impl InputPayload {
    /// `None` when `bytes` is empty or longer than `MAX_INPUT_PAYLOAD_BYTES`.
    pub fn new(bytes: &[u8]) -> Option<InputPayload> {
        if bytes.is_empty() || bytes.len() > MAX_INPUT_PAYLOAD_BYTES {
            return None;
        }
        let mut payload = InputPayload {
            len: bytes.len() as u8,
            bytes: [0; MAX_INPUT_PAYLOAD_BYTES],
        };
        payload.bytes[..bytes.len()].copy_from_slice(bytes);
        Some(payload)
    }

    /// The payload of `input` as `G` encodes it (for clients: the server only decodes them).
    /// A game's input must encode to 1 to `MAX_INPUT_PAYLOAD_BYTES` bytes (its codec's tests
    /// check it); one that does not gives an empty payload, which the server refuses.
    pub fn of<G: GameWire>(input: &G::Input) -> InputPayload {
        let mut bytes = Vec::with_capacity(MAX_INPUT_PAYLOAD_BYTES);
        G::encode_input(input, &mut bytes);
        debug_assert!(
            (1..=MAX_INPUT_PAYLOAD_BYTES).contains(&bytes.len()),
            "{} encodes an input in {} bytes",
            G::MODE,
            bytes.len()
        );
        InputPayload::new(&bytes).unwrap_or(InputPayload {
            len: 0,
            bytes: [0; MAX_INPUT_PAYLOAD_BYTES],
        })
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}
