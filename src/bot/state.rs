//! What a bot knows about the room it is in, kept up to date from the server's messages:
//! room, code, own slot, the game's setup, the roster with its scores, and the game's state
//! rebuilt from the snapshots (each one a change from the previous), for any game `G` whose
//! codec the bot has.
//!
//! Pure bookkeeping: no I/O, no clock. `GameClient` feeds every message it receives through
//! [`RoomView::track`]; tests and other tools can do the same with messages of their own.

use crate::game::arena::{is_alive, world_position, Arena, PlayerState};
use crate::protocol::{
    apply_snapshot, GameWire, Held, PayloadError, RoomInfo, RosterEntry, ServerMsg, Slot,
    SnapshotError,
};

/// Why the tracked room could not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// A snapshot that does not fit the room state it changes.
    #[error("{0}")]
    Snapshot(#[from] SnapshotError),
    /// The room runs a game this client has no codec for.
    #[error(
        "the room runs the game \"{mode}\", which this client cannot play (it plays \"{plays}\")"
    )]
    UnknownMode { mode: String, plays: &'static str },
    /// A setup or event payload that does not decode with the game's codec.
    #[error("{0}")]
    Payload(#[from] PayloadError),
}

/// The answer to a join or create request: everything `ServerMsg::Joined` carried, with the
/// setup decoded by the game's codec.
pub struct JoinedRoom<G: GameWire> {
    pub room: RoomInfo,
    /// The join code of the room (also for private rooms).
    pub code: String,
    /// Your slot in the room.
    pub you: Slot,
    /// The room's tick when you joined.
    pub tick: u32,
    pub setup: G::Setup,
    pub roster: Vec<RosterEntry>,
}

impl<G: GameWire> JoinedRoom<G> {
    /// The fields of a `Joined` message, or `None` for any other message.
    pub fn from_msg(msg: &ServerMsg) -> Option<Result<JoinedRoom<G>, ViewError>> {
        let ServerMsg::Joined {
            room,
            code,
            you,
            tick,
            setup,
            roster,
        } = msg
        else {
            return None;
        };
        Some(decode_setup::<G>(room, setup).map(|setup| JoinedRoom {
            room: room.clone(),
            code: code.clone(),
            you: *you,
            tick: *tick,
            setup,
            roster: roster.clone(),
        }))
    }
}

/// The setup of a room of `room`'s mode, if it is `G`'s.
pub fn decode_setup<G: GameWire>(room: &RoomInfo, setup: &[u8]) -> Result<G::Setup, ViewError> {
    if room.mode != G::MODE {
        return Err(ViewError::UnknownMode {
            mode: room.mode.clone(),
            plays: G::MODE,
        });
    }
    Ok(G::decode_setup(setup)?)
}

/// The tracked state of the room a bot is in.
pub struct RoomView<G: GameWire> {
    pub room: RoomInfo,
    pub code: String,
    pub you: Slot,
    pub setup: G::Setup,
    /// Sorted by slot.
    roster: Vec<RosterEntry>,
    state: Option<Held<G::State>>,
    ack: u32,
}

/// `Debug`, `Clone` and `PartialEq` by their fields: derived ones would ask the same of the game
/// type itself (a simulation, which is none of them).
macro_rules! by_fields {
    ($name:ident { $($field:ident),* }) => {
        impl<G: GameWire> std::fmt::Debug for $name<G> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))$(.field(stringify!($field), &self.$field))*.finish()
            }
        }
        impl<G: GameWire> Clone for $name<G> {
            fn clone(&self) -> Self {
                $name { $($field: self.$field.clone()),* }
            }
        }
        impl<G: GameWire> PartialEq for $name<G> {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)*
            }
        }
    };
}

by_fields!(JoinedRoom {
    room,
    code,
    you,
    tick,
    setup,
    roster
});
by_fields!(RoomView {
    room,
    code,
    you,
    setup,
    roster,
    state,
    ack
});

impl<G: GameWire> RoomView<G> {
    pub fn new(joined: JoinedRoom<G>) -> RoomView<G> {
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
    pub fn track(view: &mut Option<RoomView<G>>, msg: &ServerMsg) -> Result<(), ViewError> {
        match msg {
            ServerMsg::Joined { .. } => {
                *view = None;
                if let Some(joined) = JoinedRoom::from_msg(msg) {
                    *view = Some(RoomView::new(joined?));
                }
            }
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
    pub fn observe(&mut self, msg: &ServerMsg) -> Result<(), ViewError> {
        match msg {
            ServerMsg::Snapshot(snapshot) => {
                apply_snapshot::<G>(&mut self.state, snapshot)?;
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
            ServerMsg::GameEvent { event, .. } => {
                let event = G::decode_event(event)?;
                for (slot, column, by) in G::score_changes(&event) {
                    let entry = self.roster_entry_mut(slot);
                    if let Some(value) = entry.and_then(|e| e.score.get_mut(column)) {
                        *value = value.saturating_add(by);
                    }
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

    /// The game's state as of the latest snapshot received since joining.
    pub fn state(&self) -> Option<&G::State> {
        self.state.as_ref().map(|held| &held.state)
    }

    /// The tick of the latest snapshot received since joining.
    pub fn tick(&self) -> Option<u32> {
        self.state.as_ref().map(|held| held.tick)
    }

    /// The highest input seq of yours that the server has applied (0: none yet).
    pub fn own_ack(&self) -> u32 {
        self.ack
    }
}

impl RoomView<Arena> {
    /// A player's entry in the latest state.
    pub fn player_state(&self, slot: Slot) -> Option<&PlayerState> {
        let players = &self.state()?.players;
        let at = players.binary_search_by_key(&slot, |p| p.slot).ok()?;
        players.get(at)
    }

    /// Your own entry in the latest state.
    pub fn own_state(&self) -> Option<&PlayerState> {
        self.player_state(self.you)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::arena::{ArenaEvent, ArenaSetup, ArenaState, PLAYER_ALIVE};
    use crate::protocol::{quantize_position, Snapshot};
    use crate::protocol::{PlayerId, RoomId};

    type View = RoomView<Arena>;

    fn entry(slot: Slot, name: &str) -> RosterEntry {
        RosterEntry {
            slot,
            player_id: PlayerId(100 + u32::from(slot.get())),
            name: name.into(),
            score: vec![0, 0],
            bot: false,
        }
    }

    fn joined(you: Slot, roster: Vec<RosterEntry>) -> ServerMsg {
        ServerMsg::Joined {
            room: RoomInfo {
                id: RoomId(7),
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
            setup: setup_bytes(ArenaSetup {
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
            }),
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

    fn setup_bytes(setup: ArenaSetup) -> Vec<u8> {
        let mut bytes = Vec::new();
        Arena::encode_setup(&setup, &mut bytes);
        bytes
    }

    fn room_at(tick: u32, players: Vec<PlayerState>) -> ArenaState {
        ArenaState {
            tick,
            players,
            bullets: vec![],
        }
    }

    /// The snapshot that turns `baseline` (`None`: nothing) into `now`.
    fn snapshot(baseline: Option<&ArenaState>, now: &ArenaState, ack: u32) -> ServerMsg {
        let mut body = Vec::new();
        Arena::encode_delta(baseline, now, &mut body);
        let age = baseline.map_or(0, |b| (now.tick - b.tick) as u8);
        ServerMsg::Snapshot(Snapshot {
            tick: now.tick,
            ack,
            baseline_age: age,
            body,
        })
    }

    fn track(view: &mut Option<View>, msg: &ServerMsg) {
        View::track(view, msg).expect("the message applies");
    }

    #[test]
    fn joined_starts_a_view_and_left_or_closed_ends_it() {
        let mut view = None;
        track(&mut view, &ServerMsg::Pong { t: 1 });
        assert!(view.is_none());
        track(
            &mut view,
            &joined(Slot(1), vec![entry(Slot(1), "me"), entry(Slot(0), "a")]),
        );
        let current = view.as_ref().expect("a view after Joined");
        assert_eq!((current.you, current.code.as_str()), (Slot(1), "ABCD"));
        assert_eq!(
            current.roster().iter().map(|e| e.slot).collect::<Vec<_>>(),
            [Slot(0), Slot(1)],
            "roster is sorted by slot"
        );
        track(&mut view, &ServerMsg::Left { room: RoomId(7) });
        assert!(view.is_none());
        track(&mut view, &joined(Slot(0), vec![entry(Slot(0), "me")]));
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
        track(&mut view, &joined(Slot(0), vec![entry(Slot(0), "me")]));
        track(
            &mut view,
            &ServerMsg::PlayerJoined {
                player: entry(Slot(2), "b"),
            },
        );
        track(
            &mut view,
            &ServerMsg::PlayerJoined {
                player: entry(Slot(1), "a"),
            },
        );
        let kill = |killer, victim| {
            let mut event = Vec::new();
            let kill = ArenaEvent::Kill {
                killer,
                victim,
                respawn_tick: 100,
            };
            Arena::encode_event(&kill, &mut event);
            ServerMsg::GameEvent { tick: 10, event }
        };
        track(&mut view, &kill(Slot(0), Slot(1)));
        track(&mut view, &kill(Slot(2), Slot(0)));
        track(&mut view, &kill(Slot(0), Slot(2)));
        track(&mut view, &ServerMsg::PlayerLeft { slot: Slot(1) });
        let current = view.expect("still in the room");
        let summary: Vec<_> = current
            .roster()
            .iter()
            .map(|e| (e.slot, e.name.as_str(), e.score.clone()))
            .collect();
        assert_eq!(
            summary,
            [(Slot(0), "me", vec![2, 1]), (Slot(2), "b", vec![1, 1])]
        );
        assert_eq!(current.room.players, 2);
    }

    #[test]
    fn a_rejoin_in_the_same_slot_replaces_the_entry() {
        let mut view = None;
        track(
            &mut view,
            &joined(Slot(0), vec![entry(Slot(0), "me"), entry(Slot(1), "old")]),
        );
        track(
            &mut view,
            &ServerMsg::PlayerJoined {
                player: entry(Slot(1), "new"),
            },
        );
        let current = view.expect("in the room");
        assert_eq!(current.roster().len(), 2);
        assert_eq!(
            current.roster_entry(Slot(1)).map(|e| e.name.as_str()),
            Some("new")
        );
    }

    #[test]
    fn snapshots_give_positions_in_world_units_and_the_own_ack() {
        let mut view = None;
        track(
            &mut view,
            &joined(Slot(1), vec![entry(Slot(0), "a"), entry(Slot(1), "me")]),
        );
        let current = view.as_ref().expect("in the room");
        assert_eq!(current.own_ack(), 0);
        assert_eq!(current.own_position(), None);
        let first = room_at(
            5,
            vec![
                player(Slot(0), 10.5, 20.25, false),
                player(Slot(1), 400.0, 300.0, true),
            ],
        );
        let second = room_at(
            6,
            vec![
                player(Slot(0), 11.0, 20.25, false),
                player(Slot(1), 401.5, 299.0, true),
            ],
        );
        track(&mut view, &snapshot(None, &first, 9));
        track(&mut view, &snapshot(Some(&first), &second, 12));
        let current = view.as_ref().expect("in the room");
        assert_eq!(current.tick(), Some(6));
        assert_eq!(current.own_ack(), 12);
        assert_eq!(current.own_position(), Some((401.5, 299.0)));
        assert_eq!(current.position_of(Slot(0)), Some((11.0, 20.25)));
        assert!(current.is_alive(Slot(1)));
        assert!(!current.is_alive(Slot(0)));
        assert!(!current.is_alive(Slot(9)), "unknown slots are not alive");
        let skipping = snapshot(Some(&first), &room_at(7, vec![]), 13);
        assert!(
            View::track(&mut view, &skipping).is_err(),
            "tick 5 is not held"
        );
    }

    #[test]
    fn a_room_of_another_game_is_told_apart() {
        let ServerMsg::Joined {
            room,
            code,
            you,
            tick,
            setup,
            roster,
        } = joined(Slot(0), vec![])
        else {
            unreachable!()
        };
        let other = ServerMsg::Joined {
            room: RoomInfo {
                mode: "pong".into(),
                ..room
            },
            code,
            you,
            tick,
            setup,
            roster,
        };
        let mut view: Option<View> = None;
        assert_eq!(
            View::track(&mut view, &other),
            Err(ViewError::UnknownMode {
                mode: "pong".into(),
                plays: "arena"
            })
        );
        assert!(view.is_none());
    }

    #[test]
    fn room_events_outside_a_room_are_ignored() {
        let mut view = None;
        track(
            &mut view,
            &snapshot(None, &room_at(1, vec![player(Slot(0), 1.0, 1.0, true)]), 1),
        );
        track(&mut view, &ServerMsg::PlayerLeft { slot: Slot(0) });
        assert!(view.is_none());
    }
}
