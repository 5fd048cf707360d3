//! What a bot knows about the room it is in, kept up to date from the server's messages:
//! room, code, own slot, setup, roster with kills and deaths, and the room's state rebuilt from
//! the snapshots (each one a change from the previous).
//!
//! Pure bookkeeping: no I/O, no clock. `BotClient` feeds every message it receives through
//! [`RoomView::track`]; tests and other tools can do the same with messages of their own.

use crate::protocol::{
    apply_snapshot, dequantize_angle, dequantize_position, GameSetup, PlayerState, RoomInfo,
    RoomState, RosterEntry, ServerMsg, Slot, SnapshotError, PLAYER_ALIVE,
};

/// The answer to a join or create request: everything `ServerMsg::Joined` carried.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinedRoom {
    pub room: RoomInfo,
    /// The join code of the room (also for private rooms).
    pub code: String,
    /// Your slot in the room.
    pub you: Slot,
    /// The room's tick when you joined.
    pub tick: u32,
    pub setup: GameSetup,
    pub roster: Vec<RosterEntry>,
}

impl JoinedRoom {
    /// The fields of a `Joined` message, or `None` for any other message.
    pub fn from_msg(msg: &ServerMsg) -> Option<JoinedRoom> {
        match msg {
            ServerMsg::Joined {
                room,
                code,
                you,
                tick,
                setup,
                roster,
            } => Some(JoinedRoom {
                room: room.clone(),
                code: code.clone(),
                you: *you,
                tick: *tick,
                setup: setup.clone(),
                roster: roster.clone(),
            }),
            _ => None,
        }
    }
}

/// The tracked state of the room a bot is in.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomView {
    pub room: RoomInfo,
    pub code: String,
    pub you: Slot,
    pub setup: GameSetup,
    /// Sorted by slot.
    roster: Vec<RosterEntry>,
    state: Option<RoomState>,
    ack: u32,
}

impl RoomView {
    pub fn new(joined: JoinedRoom) -> RoomView {
        let mut roster = joined.roster;
        roster.sort_by_key(|entry| entry.slot);
        roster.dedup_by_key(|entry| entry.slot);
        RoomView {
            room: joined.room,
            code: joined.code,
            you: joined.you,
            setup: joined.setup,
            roster,
            state: None,
            ack: 0,
        }
    }

    /// Updates `view` from one message: `Joined` starts a new view, `Left` and `RoomClosed`
    /// end it, and room events update the current one. Messages that say nothing about the
    /// room (pongs, errors, lobby lists) change nothing. A snapshot that does not apply to the
    /// state held is an error: the server and the bot disagree about the room.
    pub fn track(view: &mut Option<RoomView>, msg: &ServerMsg) -> Result<(), SnapshotError> {
        match msg {
            ServerMsg::Joined { .. } => *view = JoinedRoom::from_msg(msg).map(RoomView::new),
            ServerMsg::Left { .. } | ServerMsg::RoomClosed { .. } => *view = None,
            _ => {
                if let Some(current) = view {
                    current.observe(msg)?;
                }
            }
        }
        Ok(())
    }

    /// Applies one in-room message to this view.
    pub fn observe(&mut self, msg: &ServerMsg) -> Result<(), SnapshotError> {
        match msg {
            ServerMsg::Snapshot(snapshot) => {
                apply_snapshot(&mut self.state, snapshot)?;
                self.ack = snapshot.ack;
            }
            ServerMsg::PlayerJoined { player } => {
                match self.roster.binary_search_by_key(&player.slot, |e| e.slot) {
                    Ok(at) => self.roster[at] = player.clone(),
                    Err(at) => self.roster.insert(at, player.clone()),
                }
                self.room.players = self.roster.len().min(u8::MAX as usize) as u8;
            }
            ServerMsg::PlayerLeft { slot } => {
                if let Ok(at) = self.roster.binary_search_by_key(slot, |e| e.slot) {
                    self.roster.remove(at);
                }
                self.room.players = self.roster.len().min(u8::MAX as usize) as u8;
            }
            ServerMsg::Kill { killer, victim, .. } => {
                if let Some(entry) = self.roster_entry_mut(*victim) {
                    entry.deaths = entry.deaths.saturating_add(1);
                }
                // As the game scores (and PROTOCOL.md tells clients to): one kill to the
                // killer, one death to the victim.
                if let Some(entry) = self.roster_entry_mut(*killer) {
                    entry.kills = entry.kills.saturating_add(1);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn roster_entry_mut(&mut self, slot: Slot) -> Option<&mut RosterEntry> {
        self.roster
            .binary_search_by_key(&slot, |e| e.slot)
            .ok()
            .map(|at| &mut self.roster[at])
    }

    /// Everyone in the room (including you), sorted by slot.
    pub fn roster(&self) -> &[RosterEntry] {
        &self.roster
    }

    pub fn roster_entry(&self, slot: Slot) -> Option<&RosterEntry> {
        self.roster
            .binary_search_by_key(&slot, |e| e.slot)
            .ok()
            .map(|at| &self.roster[at])
    }

    /// The room's state as of the latest state received since joining.
    pub fn state(&self) -> Option<&RoomState> {
        self.state.as_ref()
    }

    /// A player's entry in the latest state.
    pub fn player_state(&self, slot: Slot) -> Option<&PlayerState> {
        let players = &self.state.as_ref()?.players;
        let at = players.binary_search_by_key(&slot, |p| p.slot).ok()?;
        players.get(at)
    }

    /// Your own entry in the latest state.
    pub fn own_state(&self) -> Option<&PlayerState> {
        self.player_state(self.you)
    }

    /// The highest input seq of yours that the server has applied (0: none yet).
    pub fn own_ack(&self) -> u32 {
        self.ack
    }

    /// A player's position in world units, from the latest state.
    pub fn position_of(&self, slot: Slot) -> Option<(f32, f32)> {
        self.player_state(slot).map(world_position)
    }

    /// Your position in world units, from the latest state.
    pub fn own_position(&self) -> Option<(f32, f32)> {
        self.position_of(self.you)
    }

    /// Whether the player is alive in the latest state (unknown players are not).
    pub fn is_alive(&self, slot: Slot) -> bool {
        self.player_state(slot).is_some_and(is_alive)
    }
}

/// A player's position in world units.
pub fn world_position(player: &PlayerState) -> (f32, f32) {
    (dequantize_position(player.x), dequantize_position(player.y))
}

/// A player's aim in radians, within the 1/256 turn the wire keeps.
pub fn world_aim(player: &PlayerState) -> f32 {
    dequantize_angle(player.aim)
}

pub fn is_alive(player: &PlayerState) -> bool {
    player.flags & PLAYER_ALIVE != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{quantize_position, Snapshot};

    fn entry(slot: Slot, name: &str) -> RosterEntry {
        RosterEntry {
            slot,
            player_id: 100 + slot as u32,
            name: name.into(),
            kills: 0,
            deaths: 0,
            bot: false,
        }
    }

    fn joined(you: Slot, roster: Vec<RosterEntry>) -> ServerMsg {
        ServerMsg::Joined {
            room: RoomInfo {
                id: 7,
                name: "r".into(),
                mode: "arena".into(),
                players: roster.len() as u8,
                capacity: 8,
                public: true,
                bots: 0,
            },
            code: "ABCD".into(),
            you,
            tick: 3,
            setup: GameSetup {
                width: 800,
                height: 600,
                walls: vec![],
                player_radius: 10.0,
                player_speed: 100.0,
                bullet_radius: 2.0,
                bullet_speed: 300.0,
                max_hp: 3,
                fire_cooldown_ticks: 6,
                bullet_range: 1000.0,
                spawn_protection_ticks: 53,
            },
            roster,
        }
    }

    fn player(slot: Slot, x: f32, y: f32, alive: bool) -> PlayerState {
        PlayerState {
            slot,
            x: quantize_position(x),
            y: quantize_position(y),
            aim: 0,
            hp: 3,
            flags: if alive { PLAYER_ALIVE } else { 0 },
        }
    }

    fn room_at(tick: u32, players: Vec<PlayerState>) -> RoomState {
        RoomState {
            tick,
            players,
            bullets: vec![],
        }
    }

    /// The snapshot that turns `baseline` (`None`: nothing) into `now`.
    fn snapshot(baseline: Option<&RoomState>, now: &RoomState, ack: u32) -> ServerMsg {
        let mut snapshot = Snapshot::default();
        snapshot.diff_into(baseline, now, ack);
        ServerMsg::Snapshot(snapshot)
    }

    fn track(view: &mut Option<RoomView>, msg: &ServerMsg) {
        RoomView::track(view, msg).expect("the message applies");
    }

    #[test]
    fn joined_starts_a_view_and_left_or_closed_ends_it() {
        let mut view = None;
        track(&mut view, &ServerMsg::Pong { t: 1 });
        assert!(view.is_none());
        track(&mut view, &joined(1, vec![entry(1, "me"), entry(0, "a")]));
        let current = view.as_ref().expect("a view after Joined");
        assert_eq!((current.you, current.code.as_str()), (1, "ABCD"));
        assert_eq!(
            current.roster().iter().map(|e| e.slot).collect::<Vec<_>>(),
            [0, 1],
            "roster is sorted by slot"
        );
        track(&mut view, &ServerMsg::Left { room: 7 });
        assert!(view.is_none());
        track(&mut view, &joined(0, vec![entry(0, "me")]));
        track(
            &mut view,
            &ServerMsg::RoomClosed {
                reason: "bye".into(),
            },
        );
        assert!(view.is_none());
    }

    #[test]
    fn roster_follows_joins_leaves_and_kills() {
        let mut view = None;
        track(&mut view, &joined(0, vec![entry(0, "me")]));
        track(
            &mut view,
            &ServerMsg::PlayerJoined {
                player: entry(2, "b"),
            },
        );
        track(
            &mut view,
            &ServerMsg::PlayerJoined {
                player: entry(1, "a"),
            },
        );
        let kill = |killer, victim| ServerMsg::Kill {
            tick: 10,
            killer,
            victim,
            respawn_tick: 100,
        };
        track(&mut view, &kill(0, 1));
        track(&mut view, &kill(2, 0));
        track(&mut view, &kill(0, 2));
        track(&mut view, &ServerMsg::PlayerLeft { slot: 1 });
        let current = view.expect("still in the room");
        let summary: Vec<_> = current
            .roster()
            .iter()
            .map(|e| (e.slot, e.name.as_str(), e.kills, e.deaths))
            .collect();
        assert_eq!(summary, [(0, "me", 2, 1), (2, "b", 1, 1)]);
        assert_eq!(current.room.players, 2);
    }

    #[test]
    fn a_rejoin_in_the_same_slot_replaces_the_entry() {
        let mut view = None;
        track(&mut view, &joined(0, vec![entry(0, "me"), entry(1, "old")]));
        track(
            &mut view,
            &ServerMsg::PlayerJoined {
                player: entry(1, "new"),
            },
        );
        let current = view.expect("in the room");
        assert_eq!(current.roster().len(), 2);
        assert_eq!(
            current.roster_entry(1).map(|e| e.name.as_str()),
            Some("new")
        );
    }

    #[test]
    fn snapshots_give_positions_in_world_units_and_the_own_ack() {
        let mut view = None;
        track(&mut view, &joined(1, vec![entry(0, "a"), entry(1, "me")]));
        let current = view.as_ref().expect("in the room");
        assert_eq!(current.own_ack(), 0);
        assert_eq!(current.own_position(), None);
        let first = room_at(
            5,
            vec![player(0, 10.5, 20.25, false), player(1, 400.0, 300.0, true)],
        );
        let second = room_at(
            6,
            vec![player(0, 11.0, 20.25, false), player(1, 401.5, 299.0, true)],
        );
        track(&mut view, &snapshot(None, &first, 9));
        track(&mut view, &snapshot(Some(&first), &second, 12));
        let current = view.as_ref().expect("in the room");
        assert_eq!(current.state().map(|s| s.tick), Some(6));
        assert_eq!(current.own_ack(), 12);
        assert_eq!(current.own_position(), Some((401.5, 299.0)));
        assert_eq!(current.position_of(0), Some((11.0, 20.25)));
        assert!(current.is_alive(1));
        assert!(!current.is_alive(0));
        assert!(!current.is_alive(9), "unknown slots are not alive");
        let skipping = snapshot(Some(&first), &room_at(7, vec![]), 13);
        assert!(
            RoomView::track(&mut view, &skipping).is_err(),
            "tick 5 is not held"
        );
    }

    #[test]
    fn room_events_outside_a_room_are_ignored() {
        let mut view = None;
        track(
            &mut view,
            &snapshot(None, &room_at(1, vec![player(0, 1.0, 1.0, true)]), 1),
        );
        track(&mut view, &ServerMsg::PlayerLeft { slot: 0 });
        assert!(view.is_none());
    }
}
