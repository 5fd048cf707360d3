//! A connection's lobby requests: creating a room, quick join, finding a room by id or code,
//! and asking a room for a seat to play or to watch (with quick join's retries when a room
//! fills up under it).
//!
//! Owns: which room a request lands in and how a refusal is answered. Must not: touch a room's
//! state (the room decides at arrival whether there is a seat) or block on an answer.

use actix::prelude::*;
use actix_web_actors::ws;

use super::{Session, State};
use crate::app::NewRoom;
use crate::lobby::RoomEntry;
use crate::modes::Mode;
use crate::protocol::{check_room_name, ErrorCode, RoomId, MAX_ROOM_CAPACITY, MIN_ROOM_CAPACITY};
use crate::room::{Join, JoinRefused, Spectate};

/// Quick join tries this many rooms that fill up under it before making a new one.
const QUICK_JOIN_ATTEMPTS: u32 = 3;

/// What a seat request asks a room for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Seat {
    Player,
    Spectator,
}

/// A room's answer to `Join` or `Spectate`, whichever was asked.
type SeatRequest = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Result<(), JoinRefused>, MailboxError>>>,
>;

impl Session {
    /// Refuses a lobby request when the player is in a room or joining one.
    pub(super) fn check_in_lobby(&self, ctx: &mut ws::WebsocketContext<Self>) -> bool {
        match self.state {
            State::Lobby => true,
            _ => {
                self.send_error(
                    ctx,
                    ErrorCode::AlreadyInRoom,
                    "leave your room (or wait for your join to finish) first".into(),
                );
                false
            }
        }
    }

    pub(super) fn on_create_room(&mut self, room: NewRoom, ctx: &mut ws::WebsocketContext<Self>) {
        let NewRoom { name, capacity, .. } = &room;
        let capacity = *capacity;
        if !self.check_in_lobby(ctx) {
            return;
        }
        if let Err(problem) = check_room_name(name) {
            return self.send_error(ctx, ErrorCode::BadRoomSettings, problem);
        }
        if !(MIN_ROOM_CAPACITY..=MAX_ROOM_CAPACITY).contains(&capacity) {
            return self.send_error(
                ctx,
                ErrorCode::BadRoomSettings,
                format!(
                    "capacity {capacity} is out of range {MIN_ROOM_CAPACITY} to {MAX_ROOM_CAPACITY}"
                ),
            );
        }
        let room = NewRoom {
            name: name.trim().to_string(),
            ..room
        };
        if let Some(entry) = self.create_room(room, ctx) {
            self.request_seat(entry, Seat::Player, None, ctx);
        }
    }

    pub(super) fn quick_join(
        &mut self,
        mode: Mode,
        attempt: u32,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if !self.check_in_lobby(ctx) {
            return;
        }
        let entry = match self.app.directory.fullest_public_with_space(mode.name) {
            Some(entry) if attempt <= QUICK_JOIN_ATTEMPTS => entry,
            _ => {
                let number = self.app.directory.public_rooms().len() + 1;
                let capacity = self.app.config.room_capacity;
                let room = NewRoom {
                    name: format!("{} {number}", mode.title()),
                    capacity,
                    public: true,
                    bots: true,
                    mode,
                };
                match self.create_room(room, ctx) {
                    Some(entry) => entry,
                    None => return,
                }
            }
        };
        self.request_seat(entry, Seat::Player, Some((mode, attempt)), ctx);
    }

    /// The public room with this id, or an error to the client. A private room is reachable by
    /// its code only, so its id reveals nothing.
    pub(super) fn find_public_room(
        &self,
        id: RoomId,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> Option<RoomEntry> {
        let found = self.app.directory.by_id(id).filter(|r| r.public);
        if found.is_none() {
            self.send_error(
                ctx,
                ErrorCode::RoomNotFound,
                format!("there is no public room with id {id}"),
            );
        }
        found
    }

    /// The room with this join code, or an error to the client. Wrong codes spend the
    /// connection's and the address's budgets; once either is spent, no code is looked up.
    pub(super) fn find_room_by_code(
        &mut self,
        code: &str,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> Option<RoomEntry> {
        if !self.may_try_code(ctx) {
            return None;
        }
        let found = self.app.directory.by_code(code);
        if found.is_none() {
            self.wrong_code();
            self.send_error(
                ctx,
                ErrorCode::RoomNotFound,
                format!("there is no room with code \"{}\"", code.trim()),
            );
        }
        found
    }

    /// Asks `entry`'s room for a seat to play or to watch. `quick_join` (the mode and the
    /// attempt) marks a quick join, which moves on to another room when this one filled up
    /// meanwhile.
    pub(super) fn request_seat(
        &mut self,
        entry: RoomEntry,
        seat: Seat,
        quick_join: Option<(Mode, u32)>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if !self.check_in_lobby(ctx) {
            return;
        }
        let room = entry.addr.clone();
        self.set_state(State::Joining { room: room.clone() });
        let (player_id, name, session) =
            (self.player_id, self.name.clone(), ctx.address().recipient());
        let request: SeatRequest = match seat {
            Seat::Player => Box::pin(room.send(Join {
                player_id,
                name,
                session,
            })),
            Seat::Spectator => Box::pin(room.send(Spectate {
                player_id,
                name,
                session,
            })),
        };
        ctx.spawn(request.into_actor(self).map(move |answer, session, ctx| {
            let refusal = match answer {
                Ok(Ok(())) => return,
                Ok(Err(refusal)) => refusal,
                Err(_) => JoinRefused {
                    code: ErrorCode::RoomNotFound,
                    message: format!("room \"{}\" has closed", entry.name),
                },
            };
            // Only a request still waiting for this answer goes back to the lobby: the session
            // may have moved on (its Joined already arrived, or it disconnected).
            if matches!(&session.state, State::Joining { room: r } if *r == entry.addr) {
                session.set_state(State::Lobby);
                if let (Some((mode, attempt)), ErrorCode::RoomFull) = (quick_join, refusal.code) {
                    return session.quick_join(mode, attempt + 1, ctx);
                }
                session.send_error(ctx, refusal.code, refusal.message);
            }
        }));
    }
}
