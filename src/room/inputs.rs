//! The members' input buffers: what the sessions queued moves into them every tick, and every
//! step consumes from them, at most one input per member (two to drain a burst, but only to
//! make up steps the member stood still for want of an input: never faster than the tick).
//!
//! Owns: the order inputs are consumed in, the ack, and the drain rule. Must not: look inside
//! an input (the game does) or wait for one (a member without an input stands still).

use super::{Room, MAX_QUEUED_INPUTS};
use crate::protocol::Slot;

/// A member with more inputs buffered than this has two consumed per step until it is back
/// down: a client whose inputs arrived in a burst (a stalled link, a hiccup of its timer)
/// catches up instead of playing ever further behind what it sent.
const JITTER_TARGET: usize = 3;
/// The most steps a member may make up. Each second input of a step spends one step that it
/// stood still before, so a client sending faster than the tick rate gains no speed: it only
/// fills its buffer, and what overflows is dropped.
const CATCH_UP_STEPS: u32 = MAX_QUEUED_INPUTS as u32;

impl Room {
    /// Moves what the sessions queued into the members' buffers, in seq order, dropping seqs
    /// already consumed or buffered and anything past `MAX_QUEUED_INPUTS`.
    pub(super) fn buffer_queued_inputs(&mut self) {
        for member in self.members.iter_mut().flatten() {
            member.link.take_inputs(&mut self.inputs);
            self.inputs.sort_unstable_by_key(|input| input.seq);
            for input in &self.inputs {
                let newest = member.buffered.back().map_or(member.ack, |last| last.seq);
                if input.seq > newest && member.buffered.len() < MAX_QUEUED_INPUTS {
                    member.buffered.push_back(*input);
                }
            }
        }
    }

    /// Adds the members' inputs for the next step to `step_inputs`, in slot order, each from
    /// its buffer (the bots' seats get their brains' decisions in the game's layer).
    pub(super) fn take_step_commands(&mut self) {
        for (slot, member) in self.members.iter_mut().enumerate() {
            let Some(member) = member else {
                continue;
            };
            let count = if member.buffered.len() > JITTER_TARGET && member.missed_steps > 0 {
                member.missed_steps -= 1;
                2
            } else {
                1
            };
            if member.buffered.is_empty() {
                member.missed_steps = (member.missed_steps + 1).min(CATCH_UP_STEPS);
            }
            for input in member.buffered.drain(..count.min(member.buffered.len())) {
                member.ack = input.seq;
                self.step_inputs
                    .commands
                    .push((Slot(slot as u8), input.payload));
            }
        }
    }
}
