//! This node's rooms: the live handles of the rooms this process runs (actor address, the
//! counters the room keeps up to date, its tick figures), by id and by join code.
//!
//! Owns: the handles and which codes this node's rooms hold. Must not: be shared between
//! nodes (an `Addr` means nothing elsewhere; the directory shares `RoomListing`s instead) or
//! decide whether a join succeeds (the room does, at arrival).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use actix::Addr;
use dashmap::DashMap;
use rand::Rng;

use super::{RoomListing, CODE_ALPHABET, CODE_LENGTH};
use crate::protocol::RoomId;
use crate::room::{Room, TickStats, Unlist};

/// A room this node runs, as sessions reach it.
#[derive(Clone)]
pub struct RoomHandle {
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

impl RoomHandle {
    /// The room as the directory lists it, with its counters as they are now.
    pub fn listing(&self) -> RoomListing {
        RoomListing {
            id: self.id,
            code: self.code.clone(),
            name: self.name.clone(),
            mode: self.mode.to_string(),
            players: self.players.load(Ordering::Relaxed),
            capacity: self.capacity,
            public: self.public,
            bots: self.bots.load(Ordering::Relaxed),
        }
    }
}

/// The handles of this node's rooms, in two concurrent maps.
#[derive(Default)]
pub struct HereRooms {
    rooms: DashMap<RoomId, RoomHandle>,
    codes: DashMap<String, RoomId>,
}

impl HereRooms {
    /// Takes `offered` (a code reserved for this node, if there is one) or a fresh random
    /// code for room `id`, provided no room of this node holds it: reserving here (not at
    /// insert) keeps two rooms made at once apart.
    pub fn reserve_code(&self, id: RoomId, offered: Option<String>) -> String {
        let mut rng = rand::rng();
        let mut candidate = offered;
        loop {
            let code = candidate.take().unwrap_or_else(|| {
                (0..CODE_LENGTH)
                    .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
                    .collect()
            });
            if let dashmap::Entry::Vacant(slot) = self.codes.entry(code.clone()) {
                slot.insert(id);
                return code;
            }
        }
    }

    pub fn insert(&self, room: RoomHandle) {
        self.codes.insert(room.code.clone(), room.id);
        self.rooms.insert(room.id, room);
    }

    /// What a room calls when it stops: from then on it is never listed or found again.
    pub fn unlister(self: &Arc<Self>, id: RoomId) -> Unlist {
        let rooms = self.clone();
        Box::new(move || rooms.remove(id))
    }

    fn remove(&self, id: RoomId) {
        if let Some((_, room)) = self.rooms.remove(&id) {
            self.codes.remove(&room.code);
        }
    }

    pub fn get(&self, id: RoomId) -> Option<RoomHandle> {
        self.rooms.get(&id).map(|r| r.value().clone())
    }

    /// `code` as typed by a player: without regard to case and surrounding white space.
    pub fn by_code(&self, code: &str) -> Option<RoomHandle> {
        let id = *self.codes.get(&normalized_code(code))?;
        self.get(id)
    }

    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// Every room of this node, ordered by id.
    pub fn handles(&self) -> Vec<RoomHandle> {
        let mut rooms: Vec<RoomHandle> = self.rooms.iter().map(|r| r.value().clone()).collect();
        rooms.sort_by_key(|r| r.id);
        rooms
    }

    /// Every room of this node as listed now, ordered by id.
    pub fn listings(&self) -> Vec<RoomListing> {
        self.handles().iter().map(RoomHandle::listing).collect()
    }

    /// The codes this node's rooms hold.
    pub fn codes(&self) -> Vec<String> {
        self.codes.iter().map(|c| c.key().clone()).collect()
    }
}

/// A code as the directory keeps it.
pub fn normalized_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_readable() {
        let rooms = HereRooms::default();
        let mut seen = std::collections::HashSet::new();
        for n in 0..2000 {
            let code = rooms.reserve_code(RoomId(n), None);
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|c| CODE_ALPHABET.contains(&c)));
            assert!(seen.insert(code), "a code was handed out twice");
        }
    }

    #[test]
    fn an_offered_code_already_held_here_is_replaced() {
        let rooms = HereRooms::default();
        let first = rooms.reserve_code(RoomId(1), Some("AAAAAAAA".into()));
        let second = rooms.reserve_code(RoomId(2), Some("AAAAAAAA".into()));
        assert_eq!(first, "AAAAAAAA");
        assert_ne!(second, first);
    }
}
