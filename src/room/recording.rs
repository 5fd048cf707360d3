//! The room's recording of its match (see `crate::replay`): each step's inputs handed to the
//! recording just before the game consumes them, the digest after, the end when the room stops.
//!
//! Owns: where in the tick the recording hears of a step, and who the joining players are.
//! Must not: change what the step consumes, or wait on the recording (it never blocks).

use crate::protocol::Slot;
use crate::replay::recorder::Identity;
use crate::replay::Recording;

use super::Room;

impl Room {
    /// Records this room's match into `recording` (from its first step until it stops).
    pub fn with_recording(mut self, recording: Option<Recording>) -> Room {
        self.recording = recording;
        self
    }

    /// Hands the recording the step the game is about to take.
    pub(super) fn record_step_inputs(&mut self) {
        let Room {
            recording: Some(recording),
            members,
            bots,
            game,
            step_inputs,
            ..
        } = self
        else {
            return;
        };
        let identity = |slot: Slot| -> Identity {
            let seat = usize::from(slot);
            if let Some(Some(member)) = members.get(seat) {
                (member.player_id, member.name.clone(), false)
            } else if let Some(Some(bot)) = bots.get(seat) {
                (0, bot.name().to_string(), true)
            } else {
                (0, String::new(), false)
            }
        };
        recording.before_step(step_inputs, game.as_ref(), identity);
    }

    /// Lets the recording take the world's digest when one is due.
    pub(super) fn record_step_outcome(&mut self) {
        if let Some(recording) = &mut self.recording {
            recording.after_step(self.game.as_ref());
        }
    }

    /// Ends the recording: the room has stopped and plays no more steps.
    pub(super) fn finish_recording(&mut self) {
        if let Some(recording) = self.recording.take() {
            recording.finish(self.game.as_ref());
        }
    }
}
