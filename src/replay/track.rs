//! A replay turned into what a browser plays: the messages a spectator of the match would have
//! received, re-simulated from the file (`GET /api/matches/{id}/track`, PROTOCOL.md "Replay
//! tracks"). JavaScript cannot re-run Rust's f32 simulation bit for bit, so the server does and
//! ships the outcome: a `Welcome` (for the tick rate), then per step the players who left and
//! joined, its kills and its snapshot (a change from the step before), with a keyframe every
//! `KEYFRAME_SECONDS` (a `Spectating` with the roster as it stood, then a full snapshot) that a
//! viewer can start playing from.
//!
//! Owns: the track's layout. Must not: touch files or the network; it maps bytes to bytes.

use std::collections::BTreeMap;

use super::replayer::{ReplayError, Replayer};
use crate::game::arena::{Arena, ArenaState};
use crate::game::Game;
use crate::protocol::{
    encode_server_into, encode_snapshot_of, GameWire, PlayerId, RoomId, RoomInfo, RosterEntry,
    ServerMsg, Slot, MAX_CLIENT_MESSAGE_BYTES, MAX_ROOM_CAPACITY, PROTOCOL_VERSION,
};

/// Seconds between keyframes: a seek re-applies at most this much of the match.
pub const KEYFRAME_SECONDS: u32 = 3;

/// The track of the replay in `bytes`, for match `match_id`: only its `Welcome` when nobody
/// ever played.
pub fn track(bytes: &[u8], match_id: u32) -> Result<Vec<u8>, ReplayError> {
    let mut replayer = Replayer::new(bytes)?;
    let header = replayer.header().clone();
    let keyframe_every = (u32::from(header.tick_rate) * KEYFRAME_SECONDS).max(1);
    let mut setup = Vec::new();
    Arena::encode_setup(&replayer.game().setup(), &mut setup);
    let mut out = Vec::new();
    push_message(
        &mut out,
        &ServerMsg::Welcome {
            protocol: PROTOCOL_VERSION,
            player_id: PlayerId(0),
            tick_rate: header.tick_rate,
            max_message_bytes: MAX_CLIENT_MESSAGE_BYTES as u32,
        },
    );
    let (mut before, mut after) = (ArenaState::default(), ArenaState::default());
    // Who was in each slot after the step before, with the score they had then.
    let mut previous: BTreeMap<Slot, RosterEntry> = BTreeMap::new();
    let mut first = true;
    // Where the track ends: after the last step anyone played in (a room waits a while empty
    // before it closes, and those steps show nothing).
    let mut played_until = out.len();
    while replayer.step()? {
        let tick = replayer.tick();
        let roster: BTreeMap<Slot, RosterEntry> = replayer
            .roster_entries()
            .into_iter()
            .map(|entry| (entry.slot, entry))
            .collect();
        // The roster as the step found it: this step's kills follow as `GameEvent`s.
        let standing: Vec<RosterEntry> = roster
            .values()
            .map(|entry| match previous.get(&entry.slot) {
                Some(was) if same_player(was, entry) => was.clone(),
                _ => RosterEntry {
                    score: vec![0, 0],
                    ..entry.clone()
                },
            })
            .collect();
        let keyframe = first || tick % keyframe_every == 0;
        if keyframe {
            let bots = standing.iter().filter(|p| p.bot).count();
            let room = RoomInfo {
                id: RoomId(match_id),
                name: header.room_name.clone(),
                mode: header.mode.clone(),
                players: u8::try_from(standing.len() - bots).unwrap_or(u8::MAX),
                capacity: MAX_ROOM_CAPACITY,
                public: true,
                bots: u8::try_from(bots).unwrap_or(u8::MAX),
            };
            push_message(
                &mut out,
                &ServerMsg::Spectating {
                    room,
                    code: String::new(),
                    tick,
                    setup: setup.clone(),
                    roster: standing,
                },
            );
        } else {
            // In the game's order: the players who left (or gave their slot to another), then
            // the ones who joined.
            for (slot, was) in &previous {
                if roster.get(slot).is_none_or(|now| !same_player(was, now)) {
                    push_message(&mut out, &ServerMsg::PlayerLeft { slot: *slot });
                }
            }
            for player in standing {
                if previous
                    .get(&player.slot)
                    .is_none_or(|was| !same_player(was, &player))
                {
                    push_message(&mut out, &ServerMsg::PlayerJoined { player });
                }
            }
        }
        for event in replayer.events() {
            let mut bytes = Vec::new();
            Arena::encode_event(event, &mut bytes);
            push_message(&mut out, &ServerMsg::GameEvent { tick, event: bytes });
        }
        replayer.state(&mut after);
        let baseline = (!keyframe).then_some((before.tick, &before));
        push(&mut out, |buf| {
            encode_snapshot_of::<Arena>(baseline, (tick, &after), buf);
        });
        if !roster.is_empty() {
            played_until = out.len();
        }
        std::mem::swap(&mut before, &mut after);
        previous = roster;
        first = false;
    }
    out.truncate(played_until);
    Ok(out)
}

/// Whether two roster entries are the same player (not a new one in the same slot).
fn same_player(a: &RosterEntry, b: &RosterEntry) -> bool {
    a.player_id == b.player_id && a.name == b.name
}

fn push_message(out: &mut Vec<u8>, msg: &ServerMsg) {
    push(out, |buf| encode_server_into(msg, buf));
}

/// Appends one message to the track: its length (u32, little-endian), then what `encode`
/// writes.
fn push(out: &mut Vec<u8>, encode: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    encode(out);
    let length = u32::try_from(out.len() - start - 4).unwrap_or(u32::MAX);
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::arena::ArenaEvent;
    use crate::protocol::{apply_snapshot, decode_server};

    const GOLDEN: &[u8] = include_bytes!("../../tests/vectors/replay.skr");

    fn messages(track: &[u8]) -> Vec<ServerMsg> {
        let mut out = Vec::new();
        let mut rest = track;
        while !rest.is_empty() {
            let (length, body) = rest.split_at(4);
            let length = u32::from_le_bytes(length.try_into().unwrap()) as usize;
            out.push(decode_server(&body[..length]).expect("every message decodes"));
            rest = &body[length..];
        }
        out
    }

    /// The same bullets, each where its flight since it was described puts it now (a client
    /// holds a bullet as first described; the simulation describes it as of the tick).
    fn same_bullets(held: &ArenaState, expected: &ArenaState, units_per_tick: f32) {
        let tick = f64::from(expected.tick);
        assert_eq!(held.bullets.len(), expected.bullets.len(), "tick {tick}");
        for (shown, simulated) in held.bullets.iter().zip(&expected.bullets) {
            let (a, b) = (shown.bullet, simulated.bullet);
            assert_eq!((a.id, a.owner, a.heading), (b.id, b.owner, b.heading));
            let (x, y) = shown.position_at(tick, units_per_tick);
            let (sx, sy) = simulated.position_at(tick, units_per_tick);
            assert!(
                (x - sx).abs() < 0.5 && (y - sy).abs() < 0.5,
                "bullet {} at {tick}",
                a.id
            );
        }
    }

    #[test]
    fn a_track_replays_the_match_as_a_spectator_would_have_seen_it() {
        let track = track(GOLDEN, 7).expect("the golden replay plays");
        let mut messages = messages(&track).into_iter();
        let Some(ServerMsg::Welcome { tick_rate, .. }) = messages.next() else {
            panic!("a track starts with Welcome");
        };
        // Step the replay alongside the track: every snapshot applied to the state before it
        // is the simulation's state of that tick, and the roster kept from keyframes, joins,
        // leaves and kills is the simulation's roster.
        let mut replayer = Replayer::new(GOLDEN).unwrap();
        let speed = replayer.game().setup().bullet_speed / f32::from(tick_rate);
        let (mut held, mut expected) = (None, ArenaState::default());
        let mut roster: BTreeMap<Slot, RosterEntry> = BTreeMap::new();
        let mut keyframes = Vec::new();
        let mut kills = 0;
        for msg in messages {
            match msg {
                ServerMsg::Spectating {
                    tick,
                    roster: standing,
                    room,
                    ..
                } => {
                    assert_eq!(room.id, RoomId(7));
                    keyframes.push(tick);
                    roster = standing.into_iter().map(|p| (p.slot, p)).collect();
                }
                ServerMsg::PlayerJoined { player } => {
                    roster.insert(player.slot, player);
                }
                ServerMsg::PlayerLeft { slot } => {
                    roster.remove(&slot);
                }
                ServerMsg::GameEvent { event, .. } => {
                    let ArenaEvent::Kill { killer, victim, .. } =
                        Arena::decode_event(&event).expect("an arena event");
                    kills += 1;
                    if killer != victim {
                        roster.get_mut(&killer).unwrap().score[0] += 1;
                    }
                    roster.get_mut(&victim).unwrap().score[1] += 1;
                }
                ServerMsg::Snapshot(snapshot) => {
                    assert!(replayer.step().unwrap(), "no snapshot past the match");
                    assert_eq!(snapshot.tick, replayer.tick());
                    apply_snapshot::<Arena>(&mut held, &snapshot)
                        .expect("each snapshot fits the last");
                    replayer.state(&mut expected);
                    let state = &held.as_ref().expect("a state after a snapshot").state;
                    assert_eq!(state.players, expected.players, "tick {}", snapshot.tick);
                    same_bullets(state, &expected, speed);
                    let simulated: Vec<_> = replayer.roster_entries();
                    let kept: Vec<_> = roster.values().cloned().collect();
                    assert_eq!(kept, simulated, "the roster at tick {}", snapshot.tick);
                }
                other => panic!("unexpected in a track: {other:?}"),
            }
        }
        assert!(kills > 0, "the golden match has kills to show");
        let every = u32::from(tick_rate) * KEYFRAME_SECONDS;
        assert_eq!(keyframes[0], 1);
        assert!(keyframes[1..].iter().all(|tick| tick % every == 0));
        assert!(keyframes.len() >= 3, "{keyframes:?}");
        // The track stops with the last step anyone played in; the steps after it are empty.
        assert!(!roster.is_empty());
        while replayer.step().unwrap() {
            assert!(
                replayer.roster_entries().is_empty(),
                "tick {}",
                replayer.tick()
            );
        }
    }

    #[test]
    fn a_damaged_replay_makes_no_track() {
        let mut damaged = GOLDEN.to_vec();
        damaged.truncate(damaged.len() / 2);
        assert!(track(&damaged, 1).is_err());
        assert!(track(b"not a replay", 1).is_err());
    }
}
