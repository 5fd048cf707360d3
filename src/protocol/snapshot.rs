//! The snapshot's envelope: the one server message packed by hand instead of bincode, because
//! it goes to every member every tick. A header every game shares (tick, ack, baseline age),
//! then the body its game's codec wrote ([`GameWire::encode_delta`]) to the end of the frame.
//!
//! Owns: the header's bytes, writing a recipient's ack into encoded bytes, and the rule a
//! client applies a snapshot by (the baseline it names must be the state it holds). Must not
//! know any game's body, or rooms and sessions: the room picks the baselines.
//!
//! Layout (PROTOCOL.md, "Snapshot"): tag `u32` 7, tick `u32`, ack `u32`, baseline age `u8`,
//! then the body.

use serde::{Deserialize, Serialize};

use super::payload::GameWire;
use super::DecodeError;

/// The variant index of `ServerMsg::Snapshot`, written as every other message's tag is.
pub const SNAPSHOT_TAG: u32 = 7;
/// Where the recipient's ack sits in an encoded snapshot: the room encodes a snapshot once per
/// baseline and each session writes its own member's ack here.
pub const SNAPSHOT_ACK_OFFSET: usize = 8;
/// Bytes before the body.
pub const SNAPSHOT_HEADER_BYTES: usize = 13;

/// `ServerMsg::Snapshot`: the state of tick `tick` as a change from a baseline the recipient
/// holds (the last snapshot it received), or from nothing when `baseline_age` is 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub tick: u32,
    /// The recipient's highest applied input `seq` (0: none yet, and always 0 for spectators).
    pub ack: u32,
    /// 0: a full snapshot; k: a change from the state of tick `tick - k`.
    pub baseline_age: u8,
    /// The game's body: its state as a change from the baseline, in its own codec.
    pub body: Vec<u8>,
}

impl Snapshot {
    /// The snapshot of `now` (a tick and its state) as a change from `baseline` (`None`: in
    /// full) for a recipient whose ack is `ack`, as `encode_snapshot_of` writes it.
    pub fn between<G: GameWire>(
        baseline: Option<(u32, &G::State)>,
        now: (u32, &G::State),
        ack: u32,
    ) -> Snapshot {
        let mut bytes = Vec::new();
        let baseline_age = encode_snapshot_of::<G>(baseline, now, &mut bytes);
        Snapshot {
            tick: now.0,
            ack,
            baseline_age,
            body: bytes.split_off(SNAPSHOT_HEADER_BYTES),
        }
    }
}

/// A state a client rebuilt from snapshots, with the tick it is of.
#[derive(Debug, Clone, PartialEq)]
pub struct Held<S> {
    pub tick: u32,
    pub state: S,
}

/// Why a snapshot cannot be applied to the state a client holds: the client and the server
/// disagree about the baseline or the body, which only a bug or a wrong server causes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("snapshot of tick {tick} does not apply: {reason}")]
pub struct SnapshotError {
    pub tick: u32,
    pub reason: String,
}

/// Appends the header of a snapshot of `tick` (with ack 0) whose body follows.
fn encode_snapshot_header(tick: u32, baseline_age: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&SNAPSHOT_TAG.to_le_bytes());
    out.extend_from_slice(&tick.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(baseline_age);
}

/// Appends a whole snapshot frame (with ack 0) of `now` (a tick and its state) as a change from
/// `baseline`, or in full when there is none or it is too old for the one-byte age; returns the
/// age written (0: in full). The one place a game's state becomes a frame: the room, the replay
/// track and the clients' tests all write them here.
pub fn encode_snapshot_of<G: GameWire>(
    baseline: Option<(u32, &G::State)>,
    now: (u32, &G::State),
    out: &mut Vec<u8>,
) -> u8 {
    let baseline = baseline.and_then(|(tick, state)| {
        let age = u8::try_from(now.0.wrapping_sub(tick))
            .ok()
            .filter(|age| *age > 0)?;
        Some((age, state))
    });
    let age = baseline.map_or(0, |(age, _)| age);
    encode_snapshot_header(now.0, age, out);
    G::encode_delta(baseline.map(|(_, state)| state), now.1, out);
    age
}

/// Appends the bytes of `ServerMsg::Snapshot(snapshot)`.
pub fn encode_snapshot_into(snapshot: &Snapshot, out: &mut Vec<u8>) {
    encode_snapshot_header(snapshot.tick, snapshot.baseline_age, out);
    let ack_at = out.len() - SNAPSHOT_HEADER_BYTES + SNAPSHOT_ACK_OFFSET;
    out[ack_at..ack_at + 4].copy_from_slice(&snapshot.ack.to_le_bytes());
    out.extend_from_slice(&snapshot.body);
}

/// Writes `ack` into an encoded snapshot (see `SNAPSHOT_ACK_OFFSET`).
pub fn set_snapshot_ack(encoded: &mut [u8], ack: u32) {
    if let Some(field) = encoded.get_mut(SNAPSHOT_ACK_OFFSET..SNAPSHOT_ACK_OFFSET + 4) {
        field.copy_from_slice(&ack.to_le_bytes());
    }
}

/// Decodes a whole frame that starts with the snapshot tag; the body is left to the game.
pub(super) fn decode_snapshot(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    let Some(header) = bytes.get(..SNAPSHOT_HEADER_BYTES) else {
        return Err(DecodeError::Malformed(format!(
            "snapshot: {} bytes end inside the {SNAPSHOT_HEADER_BYTES}-byte header",
            bytes.len()
        )));
    };
    let u32_at = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    Ok(Snapshot {
        tick: u32_at(4),
        ack: u32_at(SNAPSHOT_ACK_OFFSET),
        baseline_age: header[12],
        body: bytes[SNAPSHOT_HEADER_BYTES..].to_vec(),
    })
}

/// Applies `snapshot` to the state a client holds (`None` before its first snapshot) with the
/// game's codec. On an error the state is gone (`None`): the client cannot read further
/// changes and must reconnect.
pub fn apply_snapshot<G: GameWire>(
    held: &mut Option<Held<G::State>>,
    snapshot: &Snapshot,
) -> Result<(), SnapshotError> {
    let fail = |reason: String| SnapshotError {
        tick: snapshot.tick,
        reason,
    };
    let previous = held.take();
    let baseline = match (&previous, snapshot.baseline_age) {
        (_, 0) => None,
        (None, age) => {
            return Err(fail(format!(
                "it changes the state of tick {} but there is none",
                snapshot.tick.wrapping_sub(u32::from(age))
            )))
        }
        (Some(previous), age) => {
            let baseline = snapshot.tick.wrapping_sub(u32::from(age));
            if previous.tick != baseline {
                return Err(fail(format!(
                    "it changes the state of tick {baseline} but the last one was tick {}",
                    previous.tick
                )));
            }
            Some(&previous.state)
        }
    };
    let state = G::apply_delta(baseline, snapshot.tick, &snapshot.body).map_err(|e| fail(e.0))?;
    *held = Some(Held {
        tick: snapshot.tick,
        state,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_round_trips_and_takes_an_ack() {
        let snapshot = Snapshot {
            tick: 9,
            ack: 0,
            baseline_age: 1,
            body: vec![1, 2, 3],
        };
        let mut bytes = Vec::new();
        encode_snapshot_into(&snapshot, &mut bytes);
        assert_eq!(bytes.len(), SNAPSHOT_HEADER_BYTES + 3);
        set_snapshot_ack(&mut bytes, 42);
        assert_eq!(
            decode_snapshot(&bytes),
            Ok(Snapshot {
                ack: 42,
                ..snapshot
            })
        );
        for cut in 0..SNAPSHOT_HEADER_BYTES {
            assert!(decode_snapshot(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
