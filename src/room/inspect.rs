//! What a room tells operators about itself on request (the monitor page): who plays, how many
//! watch, and what it has sent. Read-only; answered between ticks like any other message.

use actix::prelude::*;
use serde::Serialize;

use super::Room;
use crate::protocol::RosterEntry;

/// Asks a room for its [`RoomDetails`].
#[derive(Message)]
#[rtype(result = "RoomDetails")]
pub struct Inspect;

#[derive(Debug, Clone, Serialize)]
pub struct RoomDetails {
    pub tick: u32,
    pub roster: Vec<RosterEntry>,
    pub spectators: usize,
    /// Messages and bytes handed to its members and spectators since the room started.
    pub messages_out: u64,
    pub bytes_out: u64,
}

impl Handler<Inspect> for Room {
    type Result = MessageResult<Inspect>;

    fn handle(&mut self, _: Inspect, _ctx: &mut Context<Self>) -> Self::Result {
        let roster = self
            .members
            .iter()
            .enumerate()
            .filter_map(|(slot, m)| m.as_ref().map(|m| self.roster_entry(slot, m)))
            .collect();
        let (messages_out, bytes_out) = self.metrics.totals();
        MessageResult(RoomDetails {
            tick: self.game.tick(),
            roster,
            spectators: self.spectators.count(),
            messages_out,
            bytes_out,
        })
    }
}
