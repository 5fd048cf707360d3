//! The session's side of the cluster: sending a player to the node that runs (or is to run)
//! its room with `Redirect` and a ticket, taking in a player sent here (`Redeem`), and sending a
//! `Resume` of another node's player to that node.
//!
//! Owns: what a redeemed ticket makes the connection do. Must not: trust anything in a ticket
//! that the ticket office did not check, or send a redeemed player on to a third node.

use actix::ActorContext;
use actix_web_actors::ws;

use super::lobby::{QuickJoin, Reach, Seat};
use super::Session;
use crate::app::NewRoom;
use crate::lobby::NodeRef;
use crate::modes::Mode;
use crate::protocol::{check_player_name, ErrorCode, Fatal, Intent, RoomId, ServerMsg};

impl Session {
    /// Sends the player to `node` to do `intent` there; this connection stays in the lobby.
    pub(super) fn redirect(
        &mut self,
        node: &NodeRef,
        intent: Intent,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        let Some(cluster) = &self.app.cluster else {
            return self.send_error(
                ctx,
                ErrorCode::RoomNotFound,
                "that room is on a node this server no longer knows".into(),
            );
        };
        let ticket = cluster.ticket_for(node, intent, &self.name);
        log::debug!(
            "{}: player {} sent to node {}",
            self.peer,
            self.player_id,
            node.id
        );
        let url = node.url.clone();
        self.send(ctx, &ServerMsg::Redirect { url, ticket });
    }

    /// `Redeem` as the first message: a player another node sent here.
    pub(super) fn on_redeem(
        &mut self,
        protocol: u16,
        ticket: String,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if !self.speaks_our_protocol(protocol, ctx) {
            return;
        }
        let Some(cluster) = self.app.cluster.clone() else {
            return self.fail(
                ctx,
                Fatal::BadTicket,
                "this server is not part of a cluster: connect with Hello".into(),
            );
        };
        let ticket = match cluster.accept_ticket(&ticket) {
            Ok(ticket) => ticket,
            Err(refusal) => {
                log::debug!("{}: ticket refused: {refusal}", self.peer);
                return self.fail(
                    ctx,
                    Fatal::BadTicket,
                    format!("{refusal}: connect with Hello"),
                );
            }
        };
        // Signed by a node that checked it; checked again all the same, as any name is.
        if let Err(problem) = check_player_name(&ticket.name) {
            return self.fail(ctx, Fatal::BadName, problem);
        }
        if !self.admit_player(false, ctx) {
            return;
        }
        let player_id = self.app.next_player_id();
        self.welcome(player_id, ticket.name, "arrived with a ticket", ctx);
        self.issue_session_token(ctx);
        self.carry_out(ticket.intent, ctx);
    }

    /// Does what the ticket's player came to do, on this node only.
    fn carry_out(&mut self, intent: Intent, ctx: &mut ws::WebsocketContext<Self>) {
        match intent {
            Intent::Play { room } => self.take_seat_here(room, Seat::Player, None, ctx),
            Intent::Watch { room } => self.take_seat_here(room, Seat::Spectator, None, ctx),
            Intent::QuickJoin { mode, room } => {
                let Some(mode) = self.known_mode(&mode, ctx) else {
                    return;
                };
                let quick = QuickJoin {
                    mode,
                    attempt: 1,
                    reach: Reach::HereOnly,
                };
                match room {
                    Some(room) => self.take_seat_here(room, Seat::Player, Some(quick), ctx),
                    None => self.quick_join(quick, ctx),
                }
            }
            Intent::Create {
                name,
                capacity,
                public,
                bots,
                mode,
            } => {
                let Some(mode) = self.known_mode(&mode, ctx) else {
                    return;
                };
                let room = NewRoom {
                    name,
                    capacity,
                    public,
                    bots,
                    mode,
                };
                self.on_create_room(room, Reach::HereOnly, ctx);
            }
        }
    }

    fn known_mode(&self, mode: &str, ctx: &mut ws::WebsocketContext<Self>) -> Option<Mode> {
        Mode::named(mode)
            .map_err(|problem| self.send_error(ctx, ErrorCode::UnknownMode, problem))
            .ok()
    }

    /// A seat in room `room` of this node; a room that closed meanwhile is said so (or, for a
    /// quick join, replaced by another room here).
    fn take_seat_here(
        &mut self,
        room: RoomId,
        seat: Seat,
        quick: Option<QuickJoin>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        match self.app.directory.here().get(room) {
            Some(handle) => self.request_seat(handle, seat, quick, ctx),
            None => self.room_gone(&format!("{room}"), quick, ctx),
        }
    }

    /// A `Resume` whose token names another live node: the client is told to resume there (the
    /// token goes back as the ticket), and this connection ends. Whether a token is unknown
    /// here.
    pub(super) fn resume_elsewhere(
        &mut self,
        token: &str,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> bool {
        let Some(node) = self
            .app
            .cluster
            .as_ref()
            .and_then(|cluster| cluster.node_of_token(token))
        else {
            return false;
        };
        self.send(
            ctx,
            &ServerMsg::Redirect {
                url: node.url.clone(),
                ticket: token.to_string(),
            },
        );
        self.linger = false;
        ctx.close(Some(ws::CloseReason {
            code: ws::CloseCode::Normal,
            description: Some("resume on the node that holds your player".into()),
        }));
        ctx.stop();
        true
    }
}
