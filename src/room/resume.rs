//! Keeping a seat for a player whose connection dropped, and handing it to the connection that
//! resumes the player.
//!
//! A detached member stays in the game (same slot, score and position) but, sending no inputs,
//! stands still; it gets no frames, and is removed when the room's reconnect grace period
//! passes without a `Reattach`. Which connection may reattach is decided by `crate::reconnect`, not here.

use std::time::Instant;

use actix::prelude::*;
use bytes::Bytes;

use super::{JoinRefused, MemberLink, Room, RoomToSession, SnapshotFeed};
use crate::protocol::{ErrorCode, PlayerId};

/// The connection of `player_id` dropped; keep its seat for the grace period.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Detach {
    pub player_id: PlayerId,
}

/// A new connection resumed `player_id`: it takes over the seat. The room answers with
/// `RoomToSession::Joined` to `session` (a fresh `Joined` with the same slot) before it
/// replies.
#[derive(Message)]
#[rtype(result = "Result<(), JoinRefused>")]
pub struct Reattach {
    pub player_id: PlayerId,
    pub session: Recipient<RoomToSession>,
}

impl Room {
    /// Keeps the member in `slot` for the grace period without a connection, or removes it
    /// at once when resuming is off.
    pub(super) fn detach_member(&mut self, slot: usize, ctx: &mut Context<Self>) {
        let grace = self.settings.reconnect_grace;
        let Some(member) = self.members.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        if grace.is_zero() {
            return self.remove_member(slot, ctx);
        }
        if member.detached.is_some() {
            return;
        }
        let since = Instant::now();
        member.detached = Some(since);
        // Without inputs the player stands still and holds its fire while it is away.
        member.buffered.clear();
        let player_id = member.player_id;
        log::info!(
            "room {}: player {player_id} detached; its seat is kept for {grace:?}",
            self.settings.id
        );
        ctx.run_later(grace, move |room, ctx| {
            let still_away = room
                .members
                .get(slot)
                .and_then(Option::as_ref)
                .is_some_and(|m| m.player_id == player_id && m.detached == Some(since));
            if still_away {
                room.remove_member(slot, ctx);
            }
        });
    }
}

impl Handler<Detach> for Room {
    type Result = ();

    fn handle(&mut self, msg: Detach, ctx: &mut Context<Self>) {
        if let Some(slot) = self.slot_of(msg.player_id) {
            self.guarded(ctx, |room, ctx| room.detach_member(usize::from(slot), ctx));
        }
    }
}

impl Handler<Reattach> for Room {
    type Result = Result<(), JoinRefused>;

    fn handle(&mut self, msg: Reattach, ctx: &mut Context<Self>) -> Self::Result {
        self.guarded(ctx, |room, ctx| room.reattach(msg, ctx))
            .unwrap_or_else(|| Err(super::guard::failed_seat()))
    }
}

impl Room {
    fn reattach(&mut self, msg: Reattach, ctx: &mut Context<Self>) -> Result<(), JoinRefused> {
        let refused = || JoinRefused {
            code: ErrorCode::RoomNotFound,
            message: "your seat in the room is gone".into(),
        };
        let slot = self.slot_of(msg.player_id).ok_or_else(refused)?;
        let member = self.members[usize::from(slot)]
            .as_mut()
            .ok_or_else(refused)?;
        member.session = msg.session.clone();
        member.detached = None;
        // The new connection may count its inputs from 1 again.
        member.ack = 0;
        member.buffered.clear();
        // Steps missed while away are not made up.
        member.missed_steps = 0;
        // A link of its own: inputs still queued by the old connection are dropped with its
        // link, and its last delivery report cannot make the new one look behind.
        member.link = MemberLink::starting_at(self.game.tick());
        let feed = SnapshotFeed {
            snapshots: self.snapshots.subscribe(),
            link: member.link.clone(),
        };
        log::info!(
            "room {}: player {} resumed in slot {slot}",
            self.settings.id,
            msg.player_id
        );
        let joined = self.joined(slot);
        msg.session.do_send(RoomToSession::Joined {
            room: ctx.address(),
            room_id: self.settings.id,
            slot,
            frame: Bytes::from(crate::protocol::encode_server(&joined)),
            feed,
            input_check: self.game.input_check(),
        });
        Ok(())
    }
}
