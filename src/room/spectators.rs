//! Spectators of a room: connections that watch without playing. They have no player entity, no
//! slot and no seat (capacity counts players only), are not in the roster, and receive the same
//! snapshots (through the same latest-wins feed) and events as the members. A room takes at most
//! `max_spectators` of them, and drops those that stop taking snapshots like it drops members.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use actix::prelude::*;
use bytes::Bytes;

use super::{JoinRefused, MemberLink, Room, RoomToSession, SnapshotFeed};
use crate::protocol::{encode_server, ErrorCode, PlayerId, RoomId, ServerMsg};

/// Asks to watch the room. Like `Join`, the room sends `RoomToSession::Watching` to `session`
/// before it replies.
#[derive(Message)]
#[rtype(result = "Result<(), JoinRefused>")]
pub struct Spectate {
    pub player_id: PlayerId,
    pub name: String,
    pub session: Recipient<RoomToSession>,
}

struct Spectator {
    player_id: PlayerId,
    session: Recipient<RoomToSession>,
    /// Where the spectator's session reports the last snapshot it wrote (it queues no input).
    link: Arc<MemberLink>,
}

pub(super) struct Spectators {
    watching: Vec<Spectator>,
    max: usize,
}

impl Spectators {
    pub(super) fn new(max: usize) -> Spectators {
        Spectators {
            watching: Vec::new(),
            max,
        }
    }

    pub(super) fn count(&self) -> usize {
        self.watching.len()
    }

    /// Removes the spectator `player_id`; false when it was not watching.
    pub(super) fn remove(&mut self, player_id: PlayerId) -> bool {
        let before = self.watching.len();
        self.watching.retain(|s| s.player_id != player_id);
        self.watching.len() < before
    }

    /// Sends `msg()` to every spectator (events, the close), within their mailboxes' bounds;
    /// returns how many got it and how many did not (a full mailbox).
    pub(super) fn send_all(&self, msg: impl Fn() -> RoomToSession) -> (u64, u64) {
        let sent = self
            .watching
            .iter()
            .filter(|spectator| spectator.session.try_send(msg()).is_ok())
            .count() as u64;
        (sent, self.watching.len() as u64 - sent)
    }

    /// The tick of the last snapshot each spectator's session wrote.
    pub(super) fn delivered(&self) -> impl Iterator<Item = u32> + '_ {
        self.watching
            .iter()
            .map(|s| s.link.delivered.load(Ordering::Relaxed))
    }

    /// Drops spectators more than `limit_ticks` behind `tick`: their events would pile up in
    /// sessions that no longer write.
    pub(super) fn drop_laggards(&mut self, tick: u32, limit_ticks: u32, room_id: RoomId) {
        self.watching.retain(|spectator| {
            let behind = tick.saturating_sub(spectator.link.delivered.load(Ordering::Relaxed));
            if behind <= limit_ticks {
                return true;
            }
            log::info!(
                "room {room_id}: spectator {} is {behind} ticks behind, removing it",
                spectator.player_id
            );
            spectator
                .session
                .do_send(RoomToSession::Dropped { room_id });
            false
        });
    }
}

impl Handler<Spectate> for Room {
    type Result = Result<(), JoinRefused>;

    fn handle(&mut self, request: Spectate, ctx: &mut Context<Self>) -> Self::Result {
        if self.spectators.count() >= self.spectators.max {
            return Err(JoinRefused {
                code: ErrorCode::RoomFull,
                message: format!(
                    "room \"{}\" has the most spectators it takes ({})",
                    self.settings.name, self.spectators.max
                ),
            });
        }
        let roster = self.roster();
        let msg = ServerMsg::Spectating {
            room: self.info(),
            code: self.settings.code.clone(),
            tick: self.game.tick(),
            setup: self.game.setup().to_vec(),
            roster,
        };
        let frame = Bytes::from(encode_server(&msg));
        self.metrics.sent(&msg, frame.len(), 1);
        let link = MemberLink::starting_at(self.game.tick());
        request.session.do_send(RoomToSession::Watching {
            room: ctx.address(),
            room_id: self.settings.id,
            frame,
            feed: SnapshotFeed {
                snapshots: self.snapshots.subscribe(),
                link: link.clone(),
            },
        });
        log::info!(
            "room {}: player {} ({}) is watching",
            self.settings.id,
            request.player_id,
            request.name
        );
        self.spectators.watching.push(Spectator {
            player_id: request.player_id,
            session: request.session,
            link,
        });
        Ok(())
    }
}
