//! A session watching a room: the room's answer to `Spectate` (public rooms, by id) and
//! `SpectateByCode` (any room), asked for like a player's seat, and nothing else: a spectator leaves with `LeaveRoom` like a player, and
//! its inputs and chat are refused by the player paths (`NOT_IN_ROOM`).

use actix::prelude::*;
use actix_web_actors::ws;
use bytes::Bytes;

use super::{newest_snapshots, Session, State};
use crate::room::{Leave, Room, SnapshotFeed};

impl Session {
    /// The room took this session as a spectator; `frame` is the encoded `Spectating`.
    pub(super) fn on_watching(
        &mut self,
        room: Addr<Room>,
        room_id: u32,
        frame: Bytes,
        feed: SnapshotFeed,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if !matches!(&self.state, State::Joining { room: pending } if *pending == room) {
            // The connection moved on while the request was under way.
            return room.do_send(Leave {
                player_id: self.player_id,
            });
        }
        ctx.binary(frame);
        let SnapshotFeed { snapshots, link } = feed;
        let feed = ctx.add_stream(newest_snapshots(snapshots));
        self.set_state(State::Spectating {
            room,
            room_id,
            feed,
            link,
            last_snapshot: None,
        });
    }
}
