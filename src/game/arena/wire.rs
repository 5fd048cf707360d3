//! The arena's payload on the wire (PROTOCOL.md, "Game: arena"): its input, its setup, its
//! events and its snapshot body ([`super::delta`]), and the [`GameWire`] codec over them.
//!
//! Owns: these bytes and the checks on a decoded input. Must not: know the envelope's
//! messages, rooms or sessions.

use serde::{Deserialize, Serialize};

use super::delta::{ArenaDelta, ArenaState};
use super::Arena;
use crate::game::map::Wall;
use crate::game::movement::MOVE_ALL;
use crate::protocol::{
    decode_payload, encode_payload, ClientMsg, GameWire, InputMsg, InputPayload, PayloadError, Slot,
};

/// `PlayerState::flags` bits.
pub const PLAYER_ALIVE: u8 = 1;
/// Just (re)spawned: bullets do it no harm until the protection runs out or it fires.
pub const PLAYER_PROTECTED: u8 = 2;

/// The controls for one simulation step of the sender's player: a client sends one per step
/// it wants to take, at the tick rate, and each is consumed by exactly one step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ArenaInput {
    /// `MOVE_*` bits held during this step.
    pub movement: u8,
    /// Aim angle in radians, 0 = +x (right), growing clockwise on screen (+y is down).
    pub aim: f32,
    /// Fire in this step (when the cooldown allows); held fire sets it in every input.
    pub fire: bool,
    /// The tick at which the sender was drawing the other players when it made this input:
    /// its shots are judged against them as they were then (at most 250 ms back).
    pub render_tick: u32,
}

impl ArenaInput {
    /// The `Input` message carrying this input as the `seq`th.
    pub fn message(self, seq: u32) -> ClientMsg {
        ClientMsg::Input(InputMsg {
            seq,
            payload: InputPayload::of::<Arena>(&self),
        })
    }
}

/// The fixed facts of a match that a client needs to draw and to predict: the map and the
/// tuning numbers. Sent once, in `Joined`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArenaSetup {
    pub width: u16,
    pub height: u16,
    pub walls: Vec<Wall>,
    pub player_radius: f32,
    /// World units per second.
    pub player_speed: f32,
    pub bullet_radius: f32,
    /// World units per second.
    pub bullet_speed: f32,
    pub max_hp: u8,
    /// Inputs from one shot to the next one a player may fire.
    pub fire_cooldown_ticks: u16,
    /// World units a bullet flies, from its shooter's edge, before it fades.
    pub bullet_range: f32,
    /// Steps a respawned player is protected for (unless it fires first).
    pub spawn_protection_ticks: u16,
}

/// Something that happened in a step, sent as a `GameEvent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArenaEvent {
    /// `killer` hit `victim` for the last of its hit points; `victim` respawns at
    /// `respawn_tick`. Clients count a kill for `killer` and a death for `victim`.
    Kill {
        killer: Slot,
        victim: Slot,
        respawn_tick: u32,
    },
}

/// Checks the values of an input that decoding alone cannot: finite aim, known movement bits.
pub fn check_input(input: &ArenaInput) -> Result<(), String> {
    if !input.aim.is_finite() {
        return Err("aim is not a finite number".into());
    }
    if input.movement & !MOVE_ALL != 0 {
        return Err(format!(
            "movement {:#04x} has bits other than the four MOVE_* bits",
            input.movement
        ));
    }
    Ok(())
}

thread_local! {
    /// The change lists `encode_delta` fills, kept per thread: every room encodes a body at
    /// least once a tick, and reusing these keeps that free of allocations.
    static CHANGES: std::cell::RefCell<ArenaDelta> = std::cell::RefCell::default();
}

impl GameWire for Arena {
    const MODE: &'static str = "arena";
    type Input = ArenaInput;
    type Setup = ArenaSetup;
    type State = ArenaState;
    type Event = ArenaEvent;
    /// Kills, deaths.
    const SCORE_COLUMNS: usize = 2;

    fn encode_input(input: &ArenaInput, out: &mut Vec<u8>) {
        encode_payload(input, out);
    }

    fn decode_input(bytes: &[u8]) -> Result<ArenaInput, PayloadError> {
        let input: ArenaInput = decode_payload("input", bytes)?;
        check_input(&input).map_err(PayloadError)?;
        Ok(input)
    }

    fn encode_setup(setup: &ArenaSetup, out: &mut Vec<u8>) {
        encode_payload(setup, out);
    }

    fn decode_setup(bytes: &[u8]) -> Result<ArenaSetup, PayloadError> {
        decode_payload("setup", bytes)
    }

    fn encode_event(event: &ArenaEvent, out: &mut Vec<u8>) {
        encode_payload(event, out);
    }

    fn decode_event(bytes: &[u8]) -> Result<ArenaEvent, PayloadError> {
        decode_payload("event", bytes)
    }

    fn encode_delta(baseline: Option<&ArenaState>, now: &ArenaState, out: &mut Vec<u8>) {
        CHANGES.with_borrow_mut(|delta| {
            delta.diff_into(baseline, now);
            delta.encode_into(out);
        });
    }

    fn apply_delta(
        baseline: Option<&ArenaState>,
        tick: u32,
        body: &[u8],
    ) -> Result<ArenaState, PayloadError> {
        ArenaDelta::decode(body)?.apply(baseline, tick)
    }

    fn score_changes(event: &ArenaEvent) -> Vec<(Slot, usize, i32)> {
        let ArenaEvent::Kill { killer, victim, .. } = *event;
        vec![(killer, 0, 1), (victim, 1, 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::movement::{MOVE_RIGHT, MOVE_UP};

    #[test]
    fn an_input_has_protocol_3s_fixed_layout() {
        let mut bytes = Vec::new();
        Arena::encode_input(
            &ArenaInput {
                movement: MOVE_RIGHT,
                aim: 0.0,
                fire: false,
                render_tick: 0x0403_0201,
            },
            &mut bytes,
        );
        assert_eq!(
            bytes,
            [8, 0, 0, 0, 0, 0, 1, 2, 3, 4],
            "movement u8, aim f32, fire u8, render_tick u32"
        );
    }

    #[test]
    fn inputs_are_checked() {
        let ok = ArenaInput {
            movement: MOVE_ALL | MOVE_UP,
            aim: 0.5,
            fire: false,
            render_tick: 0,
        };
        let encoded = |input: ArenaInput| {
            let mut bytes = Vec::new();
            Arena::encode_input(&input, &mut bytes);
            bytes
        };
        assert_eq!(Arena::decode_input(&encoded(ok)), Ok(ok));
        for bad in [
            ArenaInput {
                aim: f32::NAN,
                ..ok
            },
            ArenaInput {
                aim: f32::INFINITY,
                ..ok
            },
            ArenaInput { movement: 16, ..ok },
        ] {
            assert!(Arena::decode_input(&encoded(bad)).is_err(), "{bad:?}");
        }
        let bytes = encoded(ok);
        assert!(Arena::decode_input(&bytes[..9]).is_err());
        assert!(Arena::decode_input(&[bytes.as_slice(), &[0]].concat()).is_err());
    }

    #[test]
    fn a_kill_is_its_tag_and_three_fields() {
        let mut bytes = Vec::new();
        Arena::encode_event(
            &ArenaEvent::Kill {
                killer: Slot(1),
                victim: Slot(2),
                respawn_tick: 3,
            },
            &mut bytes,
        );
        assert_eq!(bytes, [0, 0, 0, 0, 1, 2, 3, 0, 0, 0]);
        assert!(Arena::decode_event(&[1, 0, 0, 0]).is_err());
    }
}
