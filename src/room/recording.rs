//! Taking one step of the game, with who sits where for the match's recording (see
//! `crate::replay`): the recording hears each step's inputs just before the game consumes
//! them (through `HostedGame::step`), and needs the joining players' names.
//!
//! Owns: the identities the recording is told. Must not: change what the step consumes, or
//! wait on the recording (it never blocks).

use crate::protocol::{PlayerId, Slot};
use crate::replay::recorder::Identity;

use super::Room;

impl Room {
    /// Steps the game once with the step inputs gathered, collecting its events.
    pub(super) fn step_game(&mut self) {
        let Room {
            members,
            bots,
            game,
            step_inputs,
            events,
            ..
        } = self;
        let identity = |slot: Slot| -> Identity {
            let seat = usize::from(slot);
            if let Some(Some(member)) = members.get(seat) {
                (member.player_id, member.name.clone(), false)
            } else if let Some(Some(bot)) = bots.get(seat) {
                (PlayerId(0), bot.name().to_string(), true)
            } else {
                (PlayerId(0), String::new(), false)
            }
        };
        game.step(step_inputs, &identity, events);
    }
}
