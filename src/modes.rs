//! The games this server runs, by mode name: the one list a new game is added to, and how a
//! room's match of each starts (the arena's is recorded when replays are on).
//!
//! Owns: that list. Must not: know rooms or sessions beyond handing a room its hosted game.

use crate::game::arena::Arena;
use crate::game::tag::Tag;
use crate::game::{Game, MatchSettings};
use crate::protocol::{GameWire, RoomId};
use crate::replay::recorder::arena_header;
use crate::replay::ReplayWriter;
use crate::room::{Hosted, HostedGame, StepRecorder};

/// What a new match is told, beyond the game's own settings.
pub struct MatchStart<'a> {
    pub settings: MatchSettings,
    /// The room's id and name, for a recording's header.
    pub room: (RoomId, &'a str),
    pub public: bool,
    /// Where recordings go, if matches are recorded.
    pub replays: Option<&'a ReplayWriter>,
}

/// A game a room can run.
#[derive(Clone, Copy)]
pub struct Mode {
    pub name: &'static str,
    start: fn(&MatchStart) -> Box<dyn HostedGame>,
}

impl std::fmt::Debug for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Mode {
    fn eq(&self, other: &Mode) -> bool {
        self.name == other.name
    }
}

impl Eq for Mode {}

/// Every mode, in the order errors list them.
pub const MODES: &[Mode] = &[
    Mode {
        name: Arena::MODE,
        start: start_arena,
    },
    Mode {
        name: Tag::MODE,
        start: start_unrecorded::<Tag>,
    },
];

impl Mode {
    /// The mode called `name`, or words for the player naming the modes there are.
    pub fn named(name: &str) -> Result<Mode, String> {
        MODES
            .iter()
            .find(|mode| mode.name == name)
            .copied()
            .ok_or_else(|| {
                let names: Vec<&str> = MODES.iter().map(|mode| mode.name).collect();
                format!(
                    "no game mode \"{name}\" here; this server runs: {}",
                    names.join(", ")
                )
            })
    }

    /// The name with a capital, for rooms quick join makes ("Arena 3").
    pub fn title(&self) -> String {
        let mut chars = self.name.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }

    pub fn start(&self, start: &MatchStart) -> Box<dyn HostedGame> {
        (self.start)(start)
    }
}

fn start_arena(start: &MatchStart) -> Box<dyn HostedGame> {
    let MatchSettings {
        tick_rate, seed, ..
    } = start.settings;
    let arena = Arena::new(start.settings.map.clone(), tick_rate, seed);
    let recording = start.replays.and_then(|writer| {
        writer.start(
            arena_header(&arena, start.room, tick_rate, seed),
            start.public,
        )
    });
    let recorder = recording.map(|r| Box::new(r) as Box<dyn StepRecorder<Arena>>);
    Box::new(Hosted::new(arena, tick_rate).with_recorder(recorder))
}

fn start_unrecorded<G: Game>(start: &MatchStart) -> Box<dyn HostedGame> {
    Hosted::<G>::start(&start.settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_found_by_name_and_an_unknown_one_is_explained() {
        assert_eq!(Mode::named("arena").map(|m| m.name), Ok("arena"));
        assert_eq!(Mode::named("tag").map(|m| m.name), Ok("tag"));
        assert_eq!(
            Mode::named("pong"),
            Err("no game mode \"pong\" here; this server runs: arena, tag".into())
        );
    }
}
