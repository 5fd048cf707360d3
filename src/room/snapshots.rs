//! The snapshots a room publishes: the state of every published tick, kept for a while as the
//! baselines its connections may hold, and encoded once per baseline in use, so that every
//! connection holding the same last snapshot shares the same bytes.
//!
//! A connection's baseline is the last snapshot its session wrote to the socket: a WebSocket
//! runs over one TCP stream, so by the time a change arrives the client has read every frame
//! written before it (PROTOCOL.md, "Snapshots"). This module must not know members or sessions:
//! the room hands it the baselines held and the acks, a session picks its bytes from the frame.
//! It works for any game's state: the game's codec writes each body.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;

use crate::protocol::{encode_snapshot_of, set_snapshot_ack, GameWire, Held, Slot};

/// Published states kept as baselines. A connection further behind gets a full snapshot; one
/// that far behind is about to be dropped for lagging anyway.
const HISTORY: usize = 32;

/// The encoded snapshot of one tick, shared by every member and spectator of the room.
#[derive(Debug, Clone, Default)]
pub struct SnapshotFrame {
    pub tick: u32,
    /// Each member's ack in this tick, by slot.
    acks: Arc<[u32]>,
    /// The full snapshot first, then the changes from each baseline in use; every one with
    /// ack 0, for `bytes_for` to fill in.
    encodings: Arc<[Encoding]>,
}

#[derive(Debug)]
struct Encoding {
    baseline: Option<u32>,
    bytes: Bytes,
}

impl SnapshotFrame {
    /// The bytes for a connection whose last snapshot was of tick `last_sent` (`None`: none
    /// since it joined), playing in `slot` (`None`: a spectator). `None` before the room
    /// published anything.
    pub fn bytes_for(&self, last_sent: Option<u32>, slot: Option<Slot>) -> Option<Bytes> {
        let from_baseline = last_sent.and_then(|tick| {
            self.encodings
                .iter()
                .find(|encoding| encoding.baseline == Some(tick))
        });
        let encoding = from_baseline.or_else(|| self.encodings.first())?;
        let ack = slot
            .and_then(|slot| self.acks.get(usize::from(slot)))
            .copied()
            .unwrap_or(0);
        if ack == 0 {
            return Some(encoding.bytes.clone());
        }
        let mut bytes = encoding.bytes.to_vec();
        set_snapshot_ack(&mut bytes, ack);
        Some(Bytes::from(bytes))
    }
}

/// The room's side: history and encoding, with buffers reused from tick to tick.
pub struct SnapshotEncoder<G: GameWire> {
    /// Oldest first; ticks increase.
    history: VecDeque<Held<G::State>>,
    baselines: Vec<u32>,
    encoded: Vec<u8>,
}

impl<G: GameWire> Default for SnapshotEncoder<G> {
    fn default() -> Self {
        SnapshotEncoder {
            history: VecDeque::with_capacity(HISTORY),
            baselines: Vec::new(),
            encoded: Vec::new(),
        }
    }
}

impl<G: GameWire> SnapshotEncoder<G> {
    /// A state to fill for the coming tick: the oldest kept one once the history is full, so
    /// that its buffers are reused.
    pub fn recycled_state(&mut self) -> G::State {
        if self.history.len() >= HISTORY {
            self.history
                .pop_front()
                .map(|held| held.state)
                .unwrap_or_default()
        } else {
            G::State::default()
        }
    }

    /// Encodes `now` (the state after `tick`) in full and as a change from the previous
    /// published state and from every kept state in `held` (the last ticks the connections
    /// received), and keeps `now` as a baseline. `acks` are the members' acks by slot. Returns
    /// the frame and the size of the encoding most connections get (the change from the
    /// previous tick, if there is one).
    pub fn publish(
        &mut self,
        now: Held<G::State>,
        held: &[u32],
        acks: Arc<[u32]>,
    ) -> (SnapshotFrame, usize) {
        let previous = self.history.back().map(|s| s.tick);
        self.baselines.clear();
        self.baselines.extend(previous);
        self.baselines
            .extend(held.iter().copied().filter(|tick| *tick < now.tick));
        self.baselines.sort_unstable();
        self.baselines.dedup();
        let mut encodings = Vec::with_capacity(1 + self.baselines.len());
        encodings.extend(encode::<G>(&mut self.encoded, None, &now));
        for &tick in &self.baselines {
            if let Some(baseline) = self.history.iter().find(|s| s.tick == tick) {
                encodings.extend(encode::<G>(&mut self.encoded, Some(baseline), &now));
            }
        }
        let typical = encodings
            .iter()
            .find(|e| e.baseline.is_some() && e.baseline == previous)
            .or(encodings.first())
            .map_or(0, |e| e.bytes.len());
        let frame = SnapshotFrame {
            tick: now.tick,
            acks,
            encodings: encodings.into(),
        };
        self.history.push_back(now);
        (frame, typical)
    }
}

/// `now` as a change from `baseline` (`None`: in full), with ack 0, written through the reused
/// `scratch`; `None` for a baseline too old for a change (the full encoding serves it).
fn encode<G: GameWire>(
    scratch: &mut Vec<u8>,
    baseline: Option<&Held<G::State>>,
    now: &Held<G::State>,
) -> Option<Encoding> {
    scratch.clear();
    let from = baseline.map(|b| (b.tick, &b.state));
    let age = encode_snapshot_of::<G>(from, (now.tick, &now.state), scratch);
    if baseline.is_some() && age == 0 {
        return None;
    }
    Some(Encoding {
        baseline: baseline.map(|b| b.tick),
        bytes: Bytes::copy_from_slice(scratch),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::arena::{Arena, ArenaState, PlayerState};
    use crate::protocol::{apply_snapshot, decode_server, ServerMsg};

    fn room_at(tick: u32, x: u16) -> ArenaState {
        ArenaState {
            tick,
            players: vec![PlayerState {
                slot: Slot(0),
                x,
                y: 0,
                aim: 0,
                hp: 100,
                flags: 1,
            }],
            bullets: vec![],
        }
    }

    fn decoded(bytes: &Bytes) -> crate::protocol::Snapshot {
        match decode_server(bytes) {
            Ok(ServerMsg::Snapshot(snapshot)) => snapshot,
            other => panic!("not a snapshot: {other:?}"),
        }
    }

    #[test]
    fn each_connection_gets_the_change_from_its_last_snapshot_with_its_own_ack() {
        let mut encoder = SnapshotEncoder::<Arena>::default();
        let acks: Arc<[u32]> = Arc::from(vec![5, 0]);
        let mut frames = Vec::new();
        for tick in 1..=4 {
            let mut state = encoder.recycled_state();
            state.clone_from(&room_at(tick, tick as u16 * 10));
            frames.push(encoder.publish(Held { tick, state }, &[1], acks.clone()).0);
        }
        let latest = &frames[3];
        let from_previous = decoded(&latest.bytes_for(Some(3), Some(Slot(0))).expect("bytes"));
        assert_eq!((from_previous.baseline_age, from_previous.ack), (1, 5));
        let from_held = decoded(&latest.bytes_for(Some(1), None).expect("bytes"));
        assert_eq!((from_held.baseline_age, from_held.ack), (3, 0));
        let unknown = decoded(&latest.bytes_for(Some(2), Some(Slot(1))).expect("bytes"));
        assert_eq!(
            unknown.baseline_age, 0,
            "no encoding from tick 2: a full one"
        );
        let fresh = decoded(&latest.bytes_for(None, Some(Slot(0))).expect("bytes"));
        assert_eq!(fresh.baseline_age, 0);

        let mut client = None;
        apply_snapshot::<Arena>(
            &mut client,
            &decoded(&frames[0].bytes_for(None, None).unwrap()),
        )
        .expect("full applies");
        apply_snapshot::<Arena>(&mut client, &from_held).expect("change from tick 1 applies");
        assert_eq!(client.map(|held| held.state), Some(room_at(4, 40)));
    }

    #[test]
    fn the_history_is_bounded_and_its_buffers_reused() {
        let mut encoder = SnapshotEncoder::<Arena>::default();
        for tick in 1..=(HISTORY as u32 * 3) {
            let mut state = encoder.recycled_state();
            state.clone_from(&room_at(tick, 0));
            encoder.publish(Held { tick, state }, &[], Arc::from(vec![]));
        }
        assert_eq!(encoder.history.len(), HISTORY);
        let frame = SnapshotFrame::default();
        assert_eq!(frame.bytes_for(None, None), None, "nothing published yet");
    }
}
