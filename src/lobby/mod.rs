//! The lobby: the directory of live rooms that every session looks rooms up in (list, find by id
//! or code, quick-join candidate), over this node's rooms and, in a cluster, the other nodes'.
//!
//! It is a lookup table, not an actor: no single mailbox that every join must cross. Its
//! entries are plain, serializable [`RoomListing`]s, each with the node that runs it; the live
//! handles of this node's rooms are in [`HereRooms`] beside it. The other nodes' listings come
//! from an [`Elsewhere`] (the cluster's cache, see `cluster`), read without waiting on anyone.
//! It never decides whether a join succeeds: the room is the authority over its own seats.

mod here;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use here::{normalized_code, HereRooms, RoomHandle};

use crate::metrics::RoomCount;
use crate::protocol::{PlayerId, RoomId, RoomInfo};

/// Join codes are drawn from these characters: no 0/O or 1/I/L to misread.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// 31^8 (about 8.5e11) codes: with 200 rooms and the per-address budget of wrong codes (one
/// every 2 s), guessing one takes thousands of years.
pub const CODE_LENGTH: usize = 8;

/// A room as every node of a cluster may list it: plain values, as they were when read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomListing {
    pub id: RoomId,
    pub code: String,
    pub name: String,
    pub mode: String,
    /// People in the room (bots are not counted: they give their seats to people).
    pub players: u8,
    pub capacity: u8,
    pub public: bool,
    pub bots: u8,
}

impl RoomListing {
    pub fn info(&self) -> RoomInfo {
        RoomInfo {
            id: self.id,
            name: self.name.clone(),
            mode: self.mode.clone(),
            players: self.players,
            capacity: self.capacity,
            public: self.public,
            bots: self.bots,
        }
    }

    /// What the metrics' room and player gauges count of it.
    pub fn count(&self) -> RoomCount<'_> {
        RoomCount {
            mode: &self.mode,
            public: self.public,
            players: self.players,
        }
    }

    fn has_space(&self) -> bool {
        self.players < self.capacity
    }
}

/// Another node of the cluster, as players reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRef {
    pub id: String,
    /// Its players' WebSocket address (`ws://host:port/ws` or `wss://…`).
    pub url: String,
}

/// A listed room and where it runs.
#[derive(Debug, Clone)]
pub struct Listed {
    pub room: RoomListing,
    /// `None`: this node.
    pub node: Option<Arc<NodeRef>>,
}

/// The rooms of the other nodes, as last read: never waits (see `cluster`).
pub trait Elsewhere: Send + Sync + 'static {
    fn rooms(&self) -> Arc<Vec<Listed>>;
}

/// Where room ids, player ids and reserved join codes come from: a counter of this process,
/// or blocks and codes reserved for this node in the cluster's Redis (`cluster`).
pub trait Allocator: Send + Sync + 'static {
    fn room_id(&self) -> RoomId;
    fn player_id(&self) -> PlayerId;
    /// A join code reserved for this node alone, if one is at hand; `None`: a random one is
    /// made, unique on this node.
    fn reserved_code(&self) -> Option<String>;
}

/// The ids of a single node: counters from 1.
pub struct LocalIds {
    rooms: AtomicU32,
    players: AtomicU32,
}

impl Default for LocalIds {
    fn default() -> LocalIds {
        LocalIds {
            rooms: AtomicU32::new(1),
            players: AtomicU32::new(1),
        }
    }
}

impl Allocator for LocalIds {
    fn room_id(&self) -> RoomId {
        RoomId(self.rooms.fetch_add(1, Ordering::Relaxed))
    }

    fn player_id(&self) -> PlayerId {
        PlayerId(self.players.fetch_add(1, Ordering::Relaxed))
    }

    fn reserved_code(&self) -> Option<String> {
        None
    }
}

/// The rooms sessions can find: this node's, and the other nodes' when there is a cluster.
pub struct Directory {
    here: Arc<HereRooms>,
    elsewhere: Option<Arc<dyn Elsewhere>>,
    ids: Arc<dyn Allocator>,
}

impl Directory {
    /// The directory of a single node.
    pub fn single() -> Directory {
        Directory {
            here: Arc::default(),
            elsewhere: None,
            ids: Arc::new(LocalIds::default()),
        }
    }

    /// The directory of a node of a cluster, with the cluster's ids and other nodes' rooms.
    pub fn clustered(ids: Arc<dyn Allocator>, elsewhere: Arc<dyn Elsewhere>) -> Directory {
        Directory {
            here: Arc::default(),
            elsewhere: Some(elsewhere),
            ids,
        }
    }

    pub fn here(&self) -> &Arc<HereRooms> {
        &self.here
    }

    pub fn ids(&self) -> &dyn Allocator {
        &*self.ids
    }

    /// A fresh room id and a join code no live room uses.
    pub fn allocate(&self) -> (RoomId, String) {
        let id = self.ids.room_id();
        (id, self.here.reserve_code(id, self.ids.reserved_code()))
    }

    /// Every room: this node's as they are now, then the others' as last read; ordered by id.
    fn listed(&self, keep: impl Fn(&RoomListing) -> bool) -> Vec<Listed> {
        let mut rooms: Vec<Listed> = self
            .here
            .listings()
            .into_iter()
            .filter(|room| keep(room))
            .map(|room| Listed { room, node: None })
            .collect();
        if let Some(elsewhere) = &self.elsewhere {
            let others = elsewhere.rooms();
            rooms.extend(others.iter().filter(|l| keep(&l.room)).cloned());
        }
        rooms.sort_by_key(|l| l.room.id);
        rooms
    }

    /// Public rooms, ordered by id.
    pub fn public_rooms(&self) -> Vec<Listed> {
        self.listed(|r| r.public)
    }

    /// Every live room, public or private (for operators), ordered by id.
    pub fn all_rooms(&self) -> Vec<Listed> {
        self.listed(|_| true)
    }

    pub fn by_id(&self, id: RoomId) -> Option<Listed> {
        if let Some(room) = self.here.get(id) {
            return Some(Listed {
                room: room.listing(),
                node: None,
            });
        }
        let others = self.elsewhere.as_ref()?.rooms();
        others.iter().find(|l| l.room.id == id).cloned()
    }

    /// Codes are matched without regard to case and surrounding white space.
    pub fn by_code(&self, code: &str) -> Option<Listed> {
        if let Some(room) = self.here.by_code(code) {
            return Some(Listed {
                room: room.listing(),
                node: None,
            });
        }
        let code = normalized_code(code);
        let others = self.elsewhere.as_ref()?.rooms();
        others.iter().find(|l| l.room.code == code).cloned()
    }

    /// The fullest public room of `mode` that still has a free seat (this node's first among
    /// equals, then the lower id).
    pub fn fullest_public_with_space(&self, mode: &str) -> Option<Listed> {
        self.listed(|r| r.public && r.mode == mode && r.has_space())
            .into_iter()
            .max_by_key(|l| {
                (
                    l.room.players,
                    l.node.is_none(),
                    std::cmp::Reverse(l.room.id),
                )
            })
    }

    /// Like `fullest_public_with_space`, among this node's rooms only.
    pub fn fullest_public_here_with_space(&self, mode: &str) -> Option<Listed> {
        self.here
            .listings()
            .into_iter()
            .filter(|r| r.public && r.mode == mode && r.has_space())
            .max_by_key(|r| (r.players, std::cmp::Reverse(r.id)))
            .map(|room| Listed { room, node: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase() {
        let directory = Directory::single();
        let (a, _) = directory.allocate();
        let (b, _) = directory.allocate();
        assert!(b > a);
    }
}
