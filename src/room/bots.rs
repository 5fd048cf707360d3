//! Bots that keep a room playable: the server's own players, filling empty seats up to the
//! room's bot fill while at least one person plays, and giving their seats up one by one as
//! people join.
//!
//! A bot is a seat with a name here and a brain in the game's layer (`hosted`: the game's own
//! `Brain`) and no connection: every step it decides from the room's current state and its
//! input goes into the step like anyone's. Owns: how many bots a room keeps, their names, and their inputs. Must not: count
//! bots as people (the lobby's player count, quick join and the metrics see people only) or
//! keep a room of bots alone alive.

use std::sync::atomic::Ordering;

use crate::protocol::{PlayerId, RosterEntry, ServerMsg, Slot};

use super::Room;

/// Names the bots take, in order, each at most once per room.
const NAMES: [&str; 16] = [
    "Bot Ada",
    "Bot Brick",
    "Bot Cinder",
    "Bot Dart",
    "Bot Echo",
    "Bot Flint",
    "Bot Gale",
    "Bot Hex",
    "Bot Ion",
    "Bot Jinx",
    "Bot Kite",
    "Bot Lux",
    "Bot Moss",
    "Bot Nova",
    "Bot Onyx",
    "Bot Pike",
];

/// A seat played by the server.
pub(super) struct SeatBot {
    name: String,
}

impl Room {
    /// Whether `slot` holds neither a person nor a bot.
    pub(super) fn seat_is_free(&self, slot: usize) -> bool {
        self.members.get(slot).is_some_and(Option::is_none)
            && self.bots.get(slot).is_some_and(Option::is_none)
    }

    pub(super) fn bot_count(&self) -> usize {
        self.bots.iter().flatten().count()
    }

    /// The roster entry of the bot in `slot`, if there is one.
    pub(super) fn bot_roster_entry(&self, slot: usize) -> Option<RosterEntry> {
        let bot = self.bots.get(slot)?.as_ref()?;
        Some(RosterEntry {
            slot: Slot(slot as u8),
            player_id: PlayerId(0),
            name: bot.name.clone(),
            score: self.score_of(Slot(slot as u8)),
            bot: true,
        })
    }

    /// A seat for a person when every seat is taken: the last bot's, which leaves for it.
    pub(super) fn seat_from_a_bot(&mut self) -> Option<usize> {
        let slot = self.bots.iter().rposition(Option::is_some)?;
        self.remove_bot(slot);
        Some(slot)
    }

    /// Adds or removes bots so that people and bots together make the room's bot fill (never
    /// more seats than the room has), and no bot stays once the last person has left.
    pub(super) fn rebalance_bots(&mut self) {
        let people = self.member_count();
        let fill = usize::from(self.settings.bot_fill).min(self.members.len());
        let wanted = if people == 0 {
            0
        } else {
            fill.saturating_sub(people)
        };
        while self.bot_count() > wanted {
            let Some(slot) = self.bots.iter().rposition(Option::is_some) else {
                break;
            };
            self.remove_bot(slot);
        }
        while self.bot_count() < wanted {
            let Some(slot) = (0..self.members.len()).find(|&slot| self.seat_is_free(slot)) else {
                break;
            };
            self.add_bot(slot);
        }
        self.bots_listed
            .store(self.bot_count() as u8, Ordering::Relaxed);
    }

    fn add_bot(&mut self, slot: usize) {
        let taken: Vec<&str> = self
            .bots
            .iter()
            .flatten()
            .map(|b| b.name.as_str())
            .collect();
        let name = NAMES
            .iter()
            .find(|name| !taken.contains(name))
            .map_or_else(|| format!("Bot {slot}"), |name| (*name).to_string());
        let seed = self.settings.seed ^ (slot as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.game.seat_bot(Slot(slot as u8), seed);
        self.step_inputs.joins.push(Slot(slot as u8));
        self.bots[slot] = Some(SeatBot { name });
        if let Some(entry) = self.bot_roster_entry(slot) {
            self.broadcast_event(&ServerMsg::PlayerJoined { player: entry });
        }
    }

    fn remove_bot(&mut self, slot: usize) {
        if self.bots.get_mut(slot).and_then(Option::take).is_some() {
            self.game.unseat_bot(Slot(slot as u8));
            self.leave_game(Slot(slot as u8));
            self.broadcast_event(&ServerMsg::PlayerLeft {
                slot: Slot(slot as u8),
            });
        }
    }
}

impl SeatBot {
    pub(super) fn name(&self) -> &str {
        &self.name
    }
}
