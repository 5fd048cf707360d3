//! The room's side of a recording: what each step consumed, encoded into records as the room
//! steps, handed to the writer thread about once a second.
//!
//! Owns: the records of one match, the players' identities and scores as they come and go,
//! and the rule that a recording whose writer falls behind is marked truncated instead of
//! waiting. Must not: block, touch files, or do more per step than encode what the step
//! consumed (a digest is taken every `tick_rate` steps).

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::game::arena::{Arena, ArenaInput, SIMULATION_REVISION};
use crate::game::{Game, StepInputs};
use crate::protocol::{GameWire, PlayerId, RoomId, Slot, PROTOCOL_VERSION};
use crate::room::StepRecorder;

use super::format::{
    encode_record, Commands, Header, JoinRecord, MapRecord, MatchEnd, MatchPlayer, Record,
};
use super::writer::{unix_ms, WriterHandle};

/// Who sits in a slot that joins, as the room knows it: `(player_id, name, bot)`.
pub type Identity = (PlayerId, String, bool);

/// The header of a recording of `arena` (at tick 0), for the room `(id, name)`.
pub fn arena_header(arena: &Arena, room: (RoomId, &str), tick_rate: u16, seed: u64) -> Header {
    let map = arena.map();
    let (room_id, room_name) = room;
    Header {
        protocol_version: PROTOCOL_VERSION,
        simulation_revision: SIMULATION_REVISION,
        build: env!("CARGO_PKG_VERSION").to_string(),
        mode: Arena::MODE.to_string(),
        room_id,
        room_name: room_name.to_string(),
        started_unix_ms: unix_ms(),
        tick_rate,
        seed,
        tuning: *arena.tuning(),
        map: MapRecord {
            width: map.width,
            height: map.height,
            walls: map.walls.clone(),
            spawns: map.spawns.clone(),
        },
    }
}

/// One match being recorded by its room.
pub struct Recording {
    writer: WriterHandle,
    tick_rate: u32,
    /// Records not handed to the writer yet.
    pending: Vec<u8>,
    /// The last step whose records are in `pending` or with the writer.
    recorded_ticks: u32,
    /// Chunks the writer accepted.
    chunks_sent: u32,
    truncated: bool,
    /// Everyone who played, in join order.
    players: Vec<MatchPlayer>,
    /// Slot to index into `players`, for the players in the match now.
    seated: BTreeMap<Slot, usize>,
}

impl Recording {
    pub(super) fn new(writer: WriterHandle, tick_rate: u16) -> Recording {
        Recording {
            writer,
            tick_rate: u32::from(tick_rate.max(1)),
            pending: Vec::with_capacity(4096),
            recorded_ticks: 0,
            chunks_sent: 0,
            truncated: false,
            players: Vec::new(),
            seated: BTreeMap::new(),
        }
    }

    /// Records `inputs`, the step about to be taken by `game`; `identity` names a joining slot.
    pub fn before_step(
        &mut self,
        inputs: &StepInputs<ArenaInput>,
        game: &Arena,
        identity: &dyn Fn(Slot) -> Identity,
    ) {
        let tick = game.tick().wrapping_add(1);
        for &slot in &inputs.leaves {
            if let Some(index) = self.seated.remove(&slot) {
                let score = game.tally(slot).unwrap_or_default();
                let player = &mut self.players[index];
                (player.kills, player.deaths) = (score.kills, score.deaths);
                player.left_tick = Some(tick);
            }
            self.encode(&Record::Leave(slot));
        }
        for &slot in &inputs.joins {
            let (player_id, name, bot) = identity(slot);
            let join = JoinRecord {
                slot,
                player_id,
                name,
                bot,
            };
            self.encode(&Record::Join(Cow::Borrowed(&join)));
            self.seated.insert(slot, self.players.len());
            self.players.push(MatchPlayer {
                slot,
                player_id: join.player_id,
                name: join.name,
                bot,
                joined_tick: tick,
                left_tick: None,
                kills: 0,
                deaths: 0,
            });
        }
        self.encode(&Record::Step(Commands::Inputs {
            tick,
            inputs: &inputs.commands,
        }));
        if !self.truncated {
            self.recorded_ticks = tick;
        }
    }

    /// After the step: every `tick_rate` steps, the world's digest, and the records so far go
    /// to the writer.
    pub fn after_step(&mut self, game: &Arena) {
        if !game.tick().is_multiple_of(self.tick_rate) {
            return;
        }
        self.encode_digest(game);
        if self.truncated {
            return;
        }
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(4096));
        if self.writer.append(chunk) {
            self.chunks_sent += 1;
        } else {
            // The chunk is lost, so nothing after it can be replayed: stop here.
            self.truncated = true;
            self.recorded_ticks = self.recorded_ticks.saturating_sub(self.tick_rate);
            self.pending.clear();
        }
    }

    /// Ends the recording after `game`'s last step: the final digest, every player's score, and
    /// the end record, handed to the writer, which files the match.
    pub fn finish(mut self, game: &Arena) {
        let last = game.tick();
        if !self.truncated && !last.is_multiple_of(self.tick_rate) {
            self.encode_digest(game);
        }
        for (&slot, &index) in &self.seated {
            let score = game.tally(slot).unwrap_or_default();
            let player = &mut self.players[index];
            (player.kills, player.deaths) = (score.kills, score.deaths);
        }
        let end = MatchEnd {
            recorded_ticks: if self.truncated {
                self.recorded_ticks
            } else {
                last
            },
            room_ticks: last,
            truncated: self.truncated,
            ended_unix_ms: unix_ms(),
            players: std::mem::take(&mut self.players),
        };
        let mut tail = std::mem::take(&mut self.pending);
        encode_record(&Record::End(end.clone()), &mut tail);
        self.writer.finish(tail, end, self.chunks_sent);
    }

    fn encode_digest(&mut self, game: &Arena) {
        if let Some(digest) = game.state_digest() {
            self.encode(&Record::Checkpoint(digest));
        }
    }

    fn encode(&mut self, record: &Record<'_>) {
        if !self.truncated {
            encode_record(record, &mut self.pending);
        }
    }
}

impl StepRecorder<Arena> for Recording {
    fn before_step(
        &mut self,
        inputs: &StepInputs<ArenaInput>,
        game: &Arena,
        identity: &dyn Fn(Slot) -> Identity,
    ) {
        Recording::before_step(self, inputs, game, identity);
    }

    fn after_step(&mut self, game: &Arena) {
        Recording::after_step(self, game);
    }

    fn finish(self: Box<Self>, game: &Arena) {
        Recording::finish(*self, game);
    }
}
