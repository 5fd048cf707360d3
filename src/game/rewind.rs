//! Where the players were in the last few ticks, so that a shot can be judged against the world
//! its shooter saw (lag compensation).
//!
//! Owns: a fixed ring of the last `capacity` ticks' player positions and aliveness, and the
//! rule that clamps a claimed render tick into it. Must not: decide hits (the arena does) or
//! allocate once every entry has grown to the room's size.

use crate::protocol::Slot;

/// How far back a claimed render tick may rewind the targets of a shot. Longer would let a
/// player with a bad link hit others long after they reached cover.
pub const MAX_REWIND_SECONDS: f32 = 0.25;

/// A player as it stood at the end of a past tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ghost {
    pub slot: Slot,
    pub x: f32,
    pub y: f32,
    pub alive: bool,
}

/// The players of the last ticks, newest overwriting oldest.
#[derive(Debug, Clone)]
pub struct RewindHistory {
    /// `(tick, players in slot order)`, at index `tick % len`.
    entries: Vec<(u32, Vec<Ghost>)>,
}

impl RewindHistory {
    /// A history of the ticks at most `MAX_REWIND_SECONDS` back at `tick_rate` (0 is taken
    /// as 1); it may hold none.
    pub fn new(tick_rate: u16) -> RewindHistory {
        let ticks = (MAX_REWIND_SECONDS * f32::from(tick_rate.max(1))).floor() as usize;
        RewindHistory {
            entries: vec![(u32::MAX, Vec::new()); ticks],
        }
    }

    /// The number of ticks a shot may be rewound.
    pub fn max_rewind(&self) -> u32 {
        self.entries.len() as u32
    }

    /// How many ticks back the targets of a shot fired in `tick` are judged, for an input that
    /// says its player was drawing the others at `render_tick`: never into the future, never
    /// past the history.
    pub fn rewind_for(&self, tick: u32, render_tick: u32) -> u32 {
        tick.saturating_sub(render_tick).min(self.max_rewind())
    }

    /// Records the players as they stand at the end of `tick`.
    pub fn record(&mut self, tick: u32, players: impl Iterator<Item = Ghost>) {
        let len = self.entries.len();
        if len == 0 {
            return;
        }
        let entry = &mut self.entries[tick as usize % len];
        entry.0 = tick;
        entry.1.clear();
        entry.1.extend(players);
    }

    /// The players at the end of `tick`, if the history still holds it.
    pub fn at(&self, tick: u32) -> Option<&[Ghost]> {
        let len = self.entries.len();
        if len == 0 {
            return None;
        }
        let (recorded, ghosts) = &self.entries[tick as usize % len];
        (*recorded == tick).then_some(ghosts.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ghost(slot: Slot, x: f32) -> Ghost {
        Ghost {
            slot,
            x,
            y: 0.0,
            alive: true,
        }
    }

    #[test]
    fn holds_a_quarter_second_and_forgets_older_ticks() {
        let mut history = RewindHistory::new(30);
        assert_eq!(history.max_rewind(), 7);
        for tick in 1..=20 {
            history.record(tick, [ghost(Slot(0), tick as f32)].into_iter());
        }
        assert_eq!(history.at(20), Some(&[ghost(Slot(0), 20.0)][..]));
        assert_eq!(history.at(14), Some(&[ghost(Slot(0), 14.0)][..]));
        assert_eq!(history.at(13), None, "overwritten");
        assert_eq!(history.at(21), None, "not yet recorded");
    }

    #[test]
    fn claimed_render_ticks_are_clamped() {
        let history = RewindHistory::new(30);
        assert_eq!(history.rewind_for(100, 97), 3);
        assert_eq!(
            history.rewind_for(100, 0),
            7,
            "too old: clamped to the bound"
        );
        assert_eq!(history.rewind_for(100, 150), 0, "the future: no rewind");
        assert_eq!(RewindHistory::new(1).max_rewind(), 0);
        assert_eq!(RewindHistory::new(1).at(0), None);
    }
}
