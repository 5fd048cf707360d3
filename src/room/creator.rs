//! The connection that created a room leaving the server: if nobody plays or watches there, the
//! room closes at once instead of after the empty-room grace, so that short-lived connections
//! cannot keep the server's rooms taken.

use actix::prelude::*;

use super::Room;

/// The session that created this room has ended.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CreatorLeft;

impl Handler<CreatorLeft> for Room {
    type Result = ();

    fn handle(&mut self, _: CreatorLeft, ctx: &mut Context<Self>) {
        if self.member_count() == 0 && self.spectators.count() == 0 {
            log::info!(
                "room {}: empty, and its creator has left: closing",
                self.settings.id
            );
            ctx.stop();
        }
    }
}
