//! A connection's lobby requests: creating a room, quick join, finding a room by id or code,
//! and asking a room for a seat to play or to watch (with quick join's retries when a room
//! fills up under it). In a cluster, a room of another node, or a new room placed on another
//! node, is answered with `Redirect` and a ticket (`redirect`).
//!
//! Owns: which room a request lands in and how a refusal is answered. Must not: touch a room's
//! state (the room decides at arrival whether there is a seat) or block on an answer.

use actix::prelude::*;
use actix_web_actors::ws;

use super::{Session, State};
use crate::app::NewRoom;
use crate::lobby::{Listed, RoomHandle};
use crate::modes::Mode;
use crate::protocol::{
    check_room_name, ErrorCode, Intent, RoomId, MAX_ROOM_CAPACITY, MIN_ROOM_CAPACITY,
};
use crate::room::{Join, JoinRefused, Spectate};

/// Quick join tries this many rooms that fill up under it before making a new one.
const QUICK_JOIN_ATTEMPTS: u32 = 3;

/// What a seat request asks a room for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Seat {
    Player,
    Spectator,
}

/// Which rooms a request may land in: any node's, or (for a player sent here with a ticket,
/// who must not be sent on again) this node's only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    Cluster,
    HereOnly,
}

/// A quick join under way: its mode, how many rooms it tried, where it may look.
#[derive(Debug, Clone, Copy)]
pub(super) struct QuickJoin {
    pub mode: Mode,
    pub attempt: u32,
    pub reach: Reach,
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

    pub(super) fn on_create_room(
        &mut self,
        room: NewRoom,
        reach: Reach,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
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
        if let Some(node) = self.placement(reach) {
            let intent = Intent::Create {
                name: room.name,
                capacity: room.capacity,
                public: room.public,
                bots: room.bots,
                mode: room.mode.name.to_string(),
            };
            return self.redirect(&node, intent, ctx);
        }
        if let Some(handle) = self.create_room(room, ctx) {
            self.request_seat(handle, Seat::Player, None, ctx);
        }
    }

    /// The other node a new room goes to, if not this one.
    fn placement(&self, reach: Reach) -> Option<std::sync::Arc<crate::lobby::NodeRef>> {
        match (reach, &self.app.cluster) {
            (Reach::Cluster, Some(cluster)) => cluster.place(self.app.directory.here()),
            _ => None,
        }
    }

    pub(super) fn quick_join(&mut self, quick: QuickJoin, ctx: &mut ws::WebsocketContext<Self>) {
        if !self.check_in_lobby(ctx) {
            return;
        }
        let directory = &self.app.directory;
        let fullest = match quick.reach {
            Reach::Cluster => directory.fullest_public_with_space(quick.mode.name),
            Reach::HereOnly => directory.fullest_public_here_with_space(quick.mode.name),
        };
        if let Some(listed) = fullest.filter(|_| quick.attempt <= QUICK_JOIN_ATTEMPTS) {
            return self.go_to(listed, Seat::Player, Some(quick), ctx);
        }
        if let Some(node) = self.placement(quick.reach) {
            let intent = Intent::QuickJoin {
                mode: quick.mode.name.to_string(),
                room: None,
            };
            return self.redirect(&node, intent, ctx);
        }
        let number = directory.public_rooms().len() + 1;
        let room = NewRoom {
            name: format!("{} {number}", quick.mode.title()),
            capacity: self.app.config.room_capacity,
            public: true,
            bots: true,
            mode: quick.mode,
        };
        if let Some(handle) = self.create_room(room, ctx) {
            self.request_seat(handle, Seat::Player, Some(quick), ctx);
        }
    }

    /// Takes `listed`'s room: asks it for a seat when it runs here, or sends the player to its
    /// node with a ticket.
    pub(super) fn go_to(
        &mut self,
        listed: Listed,
        seat: Seat,
        quick: Option<QuickJoin>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        let room = listed.room.id;
        if let Some(node) = &listed.node {
            let intent = match (seat, quick) {
                (Seat::Spectator, _) => Intent::Watch { room },
                (Seat::Player, None) => Intent::Play { room },
                (Seat::Player, Some(quick)) => Intent::QuickJoin {
                    mode: quick.mode.name.to_string(),
                    room: Some(room),
                },
            };
            return self.redirect(node, intent, ctx);
        }
        match self.app.directory.here().get(room) {
            Some(handle) => self.request_seat(handle, seat, quick, ctx),
            None => self.room_gone(&listed.room.name, quick, ctx),
        }
    }

    /// The room asked for closed before the request reached it.
    pub(super) fn room_gone(
        &mut self,
        name: &str,
        quick: Option<QuickJoin>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        match quick {
            Some(quick) => self.quick_join(
                QuickJoin {
                    attempt: quick.attempt + 1,
                    ..quick
                },
                ctx,
            ),
            None => self.send_error(
                ctx,
                ErrorCode::RoomNotFound,
                format!("room \"{name}\" has closed"),
            ),
        }
    }

    /// The public room with this id, or an error to the client. A private room is reachable by
    /// its code only, so its id reveals nothing.
    pub(super) fn find_public_room(
        &self,
        id: RoomId,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> Option<Listed> {
        let found = self.app.directory.by_id(id).filter(|l| l.room.public);
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
    ) -> Option<Listed> {
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

    /// Asks `handle`'s room for a seat to play or to watch. `quick` marks a quick join, which
    /// moves on to another room when this one filled up meanwhile.
    pub(super) fn request_seat(
        &mut self,
        handle: RoomHandle,
        seat: Seat,
        quick: Option<QuickJoin>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if !self.check_in_lobby(ctx) {
            return;
        }
        let room = handle.addr.clone();
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
                    message: format!("room \"{}\" has closed", handle.name),
                },
            };
            // Only a request still waiting for this answer goes back to the lobby: the session
            // may have moved on (its Joined already arrived, or it disconnected).
            if matches!(&session.state, State::Joining { room: r } if *r == handle.addr) {
                session.set_state(State::Lobby);
                if let (Some(quick), ErrorCode::RoomFull) = (quick, refusal.code) {
                    let retry = QuickJoin {
                        attempt: quick.attempt + 1,
                        ..quick
                    };
                    return session.quick_join(retry, ctx);
                }
                session.send_error(ctx, refusal.code, refusal.message);
            }
        }));
    }
}
