//! A session watching a room: `Spectate` (public rooms, by id) and `SpectateByCode` (any room),
//! the room's answer, and nothing else: a spectator leaves with `LeaveRoom` like a player, and
//! its inputs and chat are refused by the player paths (`NOT_IN_ROOM`).

use actix::prelude::*;
use actix_web_actors::ws;
use bytes::Bytes;

use super::{newest_snapshots, Session, State};
use crate::lobby::RoomEntry;
use crate::protocol::error_code;
use crate::room::{JoinRefused, Leave, Room, SnapshotFeed, Spectate};

impl Session {
    pub(super) fn on_spectate_room(&mut self, room: u32, ctx: &mut ws::WebsocketContext<Self>) {
        // As for joining: a private room's id reveals nothing, only its code opens it.
        match self.app.directory.by_id(room).filter(|r| r.public) {
            Some(entry) => self.spectate(entry, ctx),
            None => self.send_error(
                ctx,
                error_code::ROOM_NOT_FOUND,
                format!("there is no public room with id {room}"),
            ),
        }
    }

    pub(super) fn on_spectate_by_code(
        &mut self,
        code: String,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        match self.app.directory.by_code(&code) {
            Some(entry) => self.spectate(entry, ctx),
            None => self.send_error(
                ctx,
                error_code::ROOM_NOT_FOUND,
                format!("there is no room with code \"{}\"", code.trim()),
            ),
        }
    }

    fn spectate(&mut self, entry: RoomEntry, ctx: &mut ws::WebsocketContext<Self>) {
        if !self.check_in_lobby(ctx) {
            return;
        }
        let room = entry.addr.clone();
        self.set_state(State::Joining { room: room.clone() });
        let request = room.send(Spectate {
            player_id: self.player_id,
            name: self.name.clone(),
            session: ctx.address().recipient(),
        });
        ctx.spawn(request.into_actor(self).map(move |answer, session, ctx| {
            let refusal = match answer {
                Ok(Ok(())) => return,
                Ok(Err(refusal)) => refusal,
                Err(_) => JoinRefused {
                    code: error_code::ROOM_NOT_FOUND,
                    message: format!("room \"{}\" has closed", entry.name),
                },
            };
            if matches!(&session.state, State::Joining { room: r } if *r == entry.addr) {
                session.set_state(State::Lobby);
                session.send_error(ctx, refusal.code, refusal.message);
            }
        }));
    }

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
        });
    }
}
