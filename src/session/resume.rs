//! The session's side of reconnection: it issues the session token after `Welcome`, resumes a
//! player from a token on a new connection, keeps the token's record of the player's room up
//! to date, and at the end of the connection either keeps the seat for the grace period or
//! gives it up. Which connection owns a player is `crate::reconnect`'s business.

use std::time::Instant;

use actix::prelude::*;
use actix_web_actors::ws;

use super::{Session, State};
use crate::connections::CloseConnection;
use crate::protocol::{CloseCode, Fatal, ServerMsg};
use crate::reconnect::Seat;
use crate::room::{Detach, Leave, Reattach};

impl Session {
    /// Sends `SessionToken` after `Welcome`, when resuming is on.
    pub(super) fn issue_session_token(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let resumption = &self.app.resumption;
        if !resumption.enabled() {
            return;
        }
        let token = resumption.issue(self.player_id, &self.name, self.connection);
        self.send_session_token(token, ctx);
    }

    fn send_session_token(&mut self, token: String, ctx: &mut ws::WebsocketContext<Self>) {
        let grace_ms = u32::try_from(self.app.resumption.grace().as_millis()).unwrap_or(u32::MAX);
        self.send(
            ctx,
            &ServerMsg::SessionToken {
                token: token.clone(),
                grace_ms,
            },
        );
        self.session_token = Some(token);
    }

    /// `Resume` as the first message: the player of `token` continues on this connection.
    pub(super) fn on_resume(
        &mut self,
        protocol: u16,
        token: String,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if !self.speaks_our_protocol(protocol, ctx) {
            return;
        }
        let Some(resumed) = self
            .app
            .resumption
            .take_over(&token, self.connection, Instant::now())
        else {
            if self.resume_elsewhere(&token, ctx) {
                return;
            }
            return self.fail(
                ctx,
                Fatal::BadSessionToken,
                "the session token is unknown, used or expired: connect with Hello".into(),
            );
        };
        if let Some(old) = resumed.replaced {
            self.app.connections.close(
                old,
                CloseConnection {
                    close_code: CloseCode::Replaced,
                    reason: "the player continues on another connection".into(),
                    error: None,
                },
            );
        }
        self.admit_player(true, ctx);
        self.welcome(resumed.player_id, resumed.name, "resumed", ctx);
        self.send_session_token(resumed.token, ctx);
        if let Some(seat) = resumed.seat {
            self.reattach(seat, ctx);
        }
    }

    /// Takes the player's seat back; the room answers with `Joined`. A room that closed, or
    /// dropped the player meanwhile, sends the player to the lobby with `RoomClosed`.
    fn reattach(&mut self, seat: Seat, ctx: &mut ws::WebsocketContext<Self>) {
        self.set_state(State::Joining {
            room: seat.room.clone(),
        });
        let request = seat.room.send(Reattach {
            player_id: self.player_id,
            session: ctx.address().recipient(),
        });
        ctx.spawn(request.into_actor(self).map(move |answer, session, ctx| {
            if matches!(answer, Ok(Ok(()))) {
                return;
            }
            if matches!(&session.state, State::Joining { room } if *room == seat.room) {
                session.set_state(State::Lobby);
                session.remember_seat();
                session.send(
                    ctx,
                    &ServerMsg::RoomClosed {
                        reason: "your room closed while you were away".into(),
                    },
                );
            }
        }));
    }

    /// Records the player's current room with its token.
    pub(super) fn remember_seat(&self) {
        let Some(token) = &self.session_token else {
            return;
        };
        let seat = match &self.state {
            State::InRoom { membership, .. } => Some(Seat {
                room: membership.room.clone(),
                room_id: membership.room_id,
            }),
            _ => None,
        };
        self.app.resumption.set_seat(token, self.connection, seat);
    }

    /// The connection ended: keep the player's seat for a resume (the client closed or lost
    /// the connection) or leave the room (the server closed it). A connection whose player was
    /// resumed elsewhere no longer speaks for it and tells the room nothing.
    pub(super) fn release_player(&mut self) {
        let player_id = self.player_id;
        let room = match &self.state {
            State::Joining { room } => Some(room.clone()),
            other => other.membership().map(|m| m.room.clone()),
        };
        let in_room = matches!(self.state, State::InRoom { .. });
        let tell_room = |lingering: bool| match room {
            Some(room) if lingering && in_room => room.do_send(Detach { player_id }),
            Some(room) => room.do_send(Leave { player_id }),
            None => {}
        };
        match &self.session_token {
            Some(token) => {
                self.app
                    .resumption
                    .release(token, self.connection, self.linger, tell_room)
            }
            None => tell_room(false),
        }
    }
}

impl Handler<CloseConnection> for Session {
    type Result = ();

    fn handle(&mut self, msg: CloseConnection, ctx: &mut Self::Context) {
        self.linger = false;
        if let Some((code, message)) = msg.error {
            self.send_error(ctx, code, message);
        }
        ctx.close(Some(ws::CloseReason {
            code: ws::CloseCode::from(msg.close_code.number()),
            description: Some(msg.reason),
        }));
        ctx.stop();
    }
}
