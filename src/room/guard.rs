//! How a room ends other than by emptying: told to close (server shutdown), or after its game
//! panicked. A panic is caught at the tick and in every handler that runs game code (join,
//! reattach, leave, detach), so it closes this room only: the room thread and every other room
//! on it keep running.

use std::panic::{catch_unwind, AssertUnwindSafe};

use actix::prelude::*;

use super::{JoinRefused, Room, RoomToSession};
use crate::protocol::ServerMsg;

/// Closes the room after the tick in progress; its members get `RoomClosed { reason }`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CloseRoom {
    pub reason: String,
}

/// What members are told when their room's game failed. Says nothing of the failure itself.
pub const FAILED_REASON: &str = "the room stopped after an internal error";

impl Room {
    /// Runs one tick; a panic in it closes the room with `FAILED_REASON`.
    pub(super) fn guarded_tick(&mut self, ctx: &mut Context<Self>) -> bool {
        self.guarded(ctx, |room, ctx| room.on_tick_timer(ctx))
            .is_some()
    }

    /// Runs `work` (a handler's, or the tick's: anything that runs game code); a panic in it
    /// closes the room with `FAILED_REASON`, and the answer is `None`. The room's state is not
    /// trusted after a panic (hence `AssertUnwindSafe`): it is only torn down.
    pub(super) fn guarded<T>(
        &mut self,
        ctx: &mut Context<Self>,
        work: impl FnOnce(&mut Self, &mut Context<Self>) -> T,
    ) -> Option<T> {
        let done = catch_unwind(AssertUnwindSafe(|| work(self, ctx)));
        match done {
            Ok(answer) => Some(answer),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                log::error!(
                    "room {}: the game failed ({what}); closing the room",
                    self.settings.id
                );
                self.close_with(FAILED_REASON.into(), ctx);
                None
            }
        }
    }

    /// Tells every member and spectator that the room closed, then stops. They are told here,
    /// before this handler returns, so that whoever asked (the shutdown) can count on every
    /// `RoomClosed` being on its way before it closes the connections.
    pub(super) fn close_with(&mut self, reason: String, ctx: &mut Context<Self>) {
        self.announce_close(reason);
        ctx.stop();
    }

    /// Sends `RoomClosed` to everyone in the room, once.
    pub(super) fn announce_close(&mut self, reason: String) {
        self.close_announced = true;
        self.send_to_everyone(&ServerMsg::RoomClosed { reason }, |room_id, frame| {
            RoomToSession::Closed { room_id, frame }
        });
    }
}

/// The answer to a seat request in a room that failed while handling it.
pub(super) fn failed_seat() -> JoinRefused {
    JoinRefused {
        code: crate::protocol::ErrorCode::RoomNotFound,
        message: FAILED_REASON.into(),
    }
}

impl Handler<CloseRoom> for Room {
    type Result = ();

    fn handle(&mut self, msg: CloseRoom, ctx: &mut Context<Self>) {
        self.close_with(msg.reason, ctx);
    }
}
