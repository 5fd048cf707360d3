//! Ids and join codes unique across the cluster: room and player ids come from blocks leased
//! with `INCRBY` on a shared counter, join codes from a small pool reserved for this node with
//! set-if-absent keys (see `record::claim_codes`). Handing one out never touches Redis: the
//! refresh thread keeps a spare block and the pool filled ahead of need.
//!
//! When no block is at hand (Redis was never reached, or a burst emptied the spare before the
//! next refresh), ids come from a range of this process above 2^31 that leased blocks do not
//! reach, started at random: unique in practice, not guaranteed. Must not: block.

use std::ops::Range;
use std::sync::Mutex;

use rand::Rng;

use crate::lobby::Allocator;
use crate::protocol::{PlayerId, RoomId};

/// Ids in one leased block.
pub const ID_BLOCK: u32 = 1024;
/// Join codes kept reserved ahead of need: more rooms than this made between two refreshes
/// get codes reserved after the fact (unique on this node at once, in the cluster then).
pub const CODE_POOL: usize = 16;
/// Leased blocks are below this; the fallback range is above.
const FALLBACK_FROM: u32 = 1 << 31;

/// Which counter a block comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Room,
    Player,
}

impl IdKind {
    pub const ALL: [IdKind; 2] = [IdKind::Room, IdKind::Player];

    /// The shared counter's key.
    pub fn key(self) -> &'static str {
        match self {
            IdKind::Room => "skirmish:ids:room",
            IdKind::Player => "skirmish:ids:player",
        }
    }
}

struct Leases {
    current: Range<u32>,
    spare: Option<Range<u32>>,
    fallback: u32,
}

impl Leases {
    fn new() -> Leases {
        let fallback = FALLBACK_FROM + rand::rng().random_range(0..FALLBACK_FROM / 2);
        Leases {
            current: 0..0,
            spare: None,
            fallback,
        }
    }

    fn take(&mut self) -> u32 {
        if self.current.is_empty() {
            if let Some(spare) = self.spare.take() {
                self.current = spare;
            }
        }
        self.current.next().unwrap_or_else(|| {
            self.fallback = self.fallback.wrapping_add(1).max(FALLBACK_FROM);
            self.fallback
        })
    }
}

/// This node's share of the cluster's ids and codes.
pub struct ClusterIds {
    rooms: Mutex<Leases>,
    players: Mutex<Leases>,
    codes: Mutex<Vec<String>>,
}

impl Default for ClusterIds {
    fn default() -> ClusterIds {
        ClusterIds {
            rooms: Mutex::new(Leases::new()),
            players: Mutex::new(Leases::new()),
            codes: Mutex::new(Vec::new()),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned one still holds good values.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ClusterIds {
    fn leases(&self, kind: IdKind) -> std::sync::MutexGuard<'_, Leases> {
        lock(match kind {
            IdKind::Room => &self.rooms,
            IdKind::Player => &self.players,
        })
    }

    /// Whether the refresh should lease a block of `kind`: no spare, and less than half of
    /// the current one left.
    pub fn wants_block(&self, kind: IdKind) -> bool {
        let leases = self.leases(kind);
        leases.spare.is_none() && leases.current.len() < (ID_BLOCK / 2) as usize
    }

    /// `INCRBY key ID_BLOCK` answered `end`: the ids up to it are this node's.
    pub fn add_block(&self, kind: IdKind, end: u32) {
        let block = end.saturating_sub(ID_BLOCK) + 1..end.saturating_add(1);
        let mut leases = self.leases(kind);
        if leases.current.is_empty() {
            leases.current = block;
        } else {
            leases.spare = Some(block);
        }
    }

    /// The pooled codes, to renew.
    pub fn pooled_codes(&self) -> Vec<String> {
        lock(&self.codes).clone()
    }

    /// The pool after a refresh: the codes still reserved for this node.
    pub fn set_pool(&self, codes: Vec<String>) {
        *lock(&self.codes) = codes;
    }
}

impl Allocator for ClusterIds {
    fn room_id(&self) -> RoomId {
        RoomId(self.leases(IdKind::Room).take())
    }

    fn player_id(&self) -> PlayerId {
        PlayerId(self.leases(IdKind::Player).take())
    }

    fn reserved_code(&self) -> Option<String> {
        lock(&self.codes).pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_leased_blocks_then_the_spare() {
        let ids = ClusterIds::default();
        assert!(ids.wants_block(IdKind::Room));
        ids.add_block(IdKind::Room, ID_BLOCK);
        assert_eq!(ids.room_id(), RoomId(1));
        assert!(!ids.wants_block(IdKind::Room));
        for _ in 1..ID_BLOCK / 2 + 1 {
            ids.room_id();
        }
        assert!(ids.wants_block(IdKind::Room));
        ids.add_block(IdKind::Room, 3 * ID_BLOCK);
        for _ in ids.room_id().get()..ID_BLOCK {
            ids.room_id();
        }
        assert_eq!(ids.room_id(), RoomId(2 * ID_BLOCK + 1));
    }

    #[test]
    fn without_a_block_ids_come_from_above_the_leased_range() {
        let ids = ClusterIds::default();
        let first = ids.player_id().get();
        assert!(first > FALLBACK_FROM);
        assert_eq!(ids.player_id().get(), first + 1);
    }

    #[test]
    fn pooled_codes_are_handed_out_once() {
        let ids = ClusterIds::default();
        ids.set_pool(vec!["AAAAAAAA".into()]);
        assert_eq!(ids.reserved_code().as_deref(), Some("AAAAAAAA"));
        assert_eq!(ids.reserved_code(), None);
    }
}
