//! The lobby: the directory of live rooms that every session looks rooms up in (list, find by id
//! or code, quick-join candidate) and that rooms register in and leave.
//!
//! It is a lookup table, not an actor: no single mailbox that every join must cross. It sits
//! behind the small [`RoomDirectory`] trait so that a directory shared between servers (e.g. in
//! Redis) can replace the in-process [`LocalDirectory`] without touching sessions or rooms. It
//! never decides whether a join succeeds: the room is the authority over its own seats.

use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::Arc;

use actix::Addr;
use dashmap::DashMap;
use rand::Rng;

use crate::protocol::{RoomId, RoomInfo};
use crate::room::{Room, TickStats};

/// Join codes are drawn from these characters: no 0/O or 1/I/L to misread.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// 31^8 (about 8.5e11) codes: with 200 rooms and the per-address budget of wrong codes (one
/// every 2 s), guessing one takes thousands of years.
pub const CODE_LENGTH: usize = 8;

/// What the directory knows of one live room.
#[derive(Clone)]
pub struct RoomEntry {
    pub id: RoomId,
    pub code: String,
    pub name: String,
    pub mode: &'static str,
    pub capacity: u8,
    pub public: bool,
    /// People in the room, kept up to date by the room; read for listings and quick join
    /// without asking the room.
    pub players: Arc<AtomicU8>,
    /// Bots in the room, likewise (they give their seats to people, so they take no space).
    pub bots: Arc<AtomicU8>,
    pub stats: Arc<TickStats>,
    pub addr: Addr<Room>,
}

impl RoomEntry {
    pub fn info(&self) -> RoomInfo {
        RoomInfo {
            id: self.id,
            name: self.name.clone(),
            mode: self.mode.to_string(),
            players: self.players.load(Ordering::Relaxed),
            capacity: self.capacity,
            public: self.public,
            bots: self.bots.load(Ordering::Relaxed),
        }
    }

    fn has_space(&self) -> bool {
        self.players.load(Ordering::Relaxed) < self.capacity
    }
}

/// The rooms a server knows, as sessions and rooms see them.
pub trait RoomDirectory: Send + Sync + 'static {
    /// A fresh room id and a join code no live room uses.
    fn allocate(&self) -> (RoomId, String);
    fn insert(&self, room: RoomEntry);
    /// Removes a room; a removed room is never listed or found again.
    fn remove(&self, id: RoomId);
    fn by_id(&self, id: RoomId) -> Option<RoomEntry>;
    /// Codes are matched without regard to case and surrounding white space.
    fn by_code(&self, code: &str) -> Option<RoomEntry>;
    /// Public rooms, ordered by id.
    fn public_rooms(&self) -> Vec<RoomEntry>;
    /// The fullest public room of `mode` that still has a free seat.
    fn fullest_public_with_space(&self, mode: &str) -> Option<RoomEntry>;
    /// Every live room, public or private (for operators), ordered by id.
    fn all_rooms(&self) -> Vec<RoomEntry>;
}

/// The directory of one process, in two concurrent maps.
#[derive(Default)]
pub struct LocalDirectory {
    rooms: DashMap<RoomId, RoomEntry>,
    codes: DashMap<String, RoomId>,
    next_id: AtomicU32,
}

impl LocalDirectory {
    pub fn new() -> LocalDirectory {
        LocalDirectory {
            next_id: AtomicU32::new(1),
            ..LocalDirectory::default()
        }
    }

    fn sorted(&self, keep: impl Fn(&RoomEntry) -> bool) -> Vec<RoomEntry> {
        let mut rooms: Vec<RoomEntry> = self
            .rooms
            .iter()
            .filter(|r| keep(r.value()))
            .map(|r| r.value().clone())
            .collect();
        rooms.sort_by_key(|r| r.id);
        rooms
    }
}

impl RoomDirectory for LocalDirectory {
    fn allocate(&self) -> (RoomId, String) {
        let id = RoomId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut rng = rand::rng();
        loop {
            let code: String = (0..CODE_LENGTH)
                .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
                .collect();
            // Reserving the code here (not at insert) keeps two rooms made at once apart.
            if let dashmap::Entry::Vacant(slot) = self.codes.entry(code.clone()) {
                slot.insert(id);
                return (id, code);
            }
        }
    }

    fn insert(&self, room: RoomEntry) {
        self.codes.insert(room.code.clone(), room.id);
        self.rooms.insert(room.id, room);
    }

    fn remove(&self, id: RoomId) {
        if let Some((_, room)) = self.rooms.remove(&id) {
            self.codes.remove(&room.code);
        }
    }

    fn by_id(&self, id: RoomId) -> Option<RoomEntry> {
        self.rooms.get(&id).map(|r| r.value().clone())
    }

    fn by_code(&self, code: &str) -> Option<RoomEntry> {
        let code = code.trim().to_ascii_uppercase();
        let id = *self.codes.get(&code)?;
        self.by_id(id)
    }

    fn public_rooms(&self) -> Vec<RoomEntry> {
        self.sorted(|r| r.public)
    }

    fn fullest_public_with_space(&self, mode: &str) -> Option<RoomEntry> {
        self.rooms
            .iter()
            .filter(|r| r.public && r.mode == mode && r.has_space())
            .max_by_key(|r| (r.players.load(Ordering::Relaxed), std::cmp::Reverse(r.id)))
            .map(|r| r.value().clone())
    }

    fn all_rooms(&self) -> Vec<RoomEntry> {
        self.sorted(|_| true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_readable() {
        let directory = LocalDirectory::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let (_, code) = directory.allocate();
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|c| CODE_ALPHABET.contains(&c)));
            assert!(seen.insert(code), "a code was handed out twice");
        }
    }

    #[test]
    fn ids_increase() {
        let directory = LocalDirectory::new();
        let (a, _) = directory.allocate();
        let (b, _) = directory.allocate();
        assert!(b > a);
    }
}
