//! A digest of a game's whole world state, so that a replay can prove, every second, that its
//! re-simulation is where the recorded match was.
//!
//! Owns: the hash function (64-bit FNV-1a over little-endian fields, floats by their bits) and
//! the parts a digest is split into, so that a mismatch says what differed. Must not: read
//! anything but the state it is handed (a digest is a pure function of the world).

use crate::protocol::Slot;

/// FNV-1a, 64 bits: tiny, dependency-free, and fixed forever by its two constants, so a digest
/// written today can be recomputed by any later build. Not a defence against forgery: a replay
/// file is checked for consistency, not authenticity.
#[derive(Debug, Clone, Copy)]
pub struct StateHasher(u64);

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Default for StateHasher {
    fn default() -> StateHasher {
        StateHasher(FNV_OFFSET)
    }
}

impl StateHasher {
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut StateHasher {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
        self
    }

    pub fn u8(&mut self, v: u8) -> &mut StateHasher {
        self.bytes(&[v])
    }

    pub fn u16(&mut self, v: u16) -> &mut StateHasher {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u32(&mut self, v: u32) -> &mut StateHasher {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u64(&mut self, v: u64) -> &mut StateHasher {
        self.bytes(&v.to_le_bytes())
    }

    pub fn bool(&mut self, v: bool) -> &mut StateHasher {
        self.u8(u8::from(v))
    }

    /// By its bits: `-0.0` and `0.0` differ, as do NaNs of different payloads.
    pub fn f32(&mut self, v: f32) -> &mut StateHasher {
        self.u32(v.to_bits())
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The world state of one tick, digested in parts.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct StateDigest {
    /// The tick the digest was taken after.
    pub tick: u32,
    /// Each player's every field (scores included), by slot in slot order: a mismatch names
    /// the players that differ.
    pub players: Vec<(Slot, u64)>,
    /// Every bullet in flight, in firing order, and the next bullet id.
    pub bullets: u64,
    /// The players' places kept for lag compensation.
    pub history: u64,
    /// How many 32-bit words the random generator has produced (its seed is in the header).
    pub rng_words: u64,
}

impl std::fmt::Display for StateDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} players, bullets {:#018x}, history {:#018x}, rng word {}",
            self.players.len(),
            self.bullets,
            self.history,
            self.rng_words
        )
    }
}

impl StateDigest {
    /// What differs between `self` and `other`, by name, e.g. `["player 3 (Ada)", "bullets"]`,
    /// with `name` naming a slot's player; empty when they agree.
    pub fn differences(&self, other: &StateDigest, name: impl Fn(Slot) -> String) -> Vec<String> {
        let mut found = Vec::new();
        if self.tick != other.tick {
            found.push("tick".to_string());
        }
        let slots = |d: &StateDigest| {
            d.players
                .iter()
                .map(|(slot, _)| slot.get())
                .collect::<Vec<_>>()
        };
        if slots(self) != slots(other) {
            found.push(format!(
                "who is in the game (slots {:?}, re-simulated {:?})",
                slots(self),
                slots(other)
            ));
        } else {
            let players = self.players.iter().zip(&other.players);
            found.extend(
                players
                    .filter(|((_, a), (_, b))| a != b)
                    .map(|((slot, _), _)| format!("player {slot} ({})", name(*slot))),
            );
        }
        let parts = [
            ("bullets", self.bullets != other.bullets),
            ("lag-compensation history", self.history != other.history),
            (
                "random generator position",
                self.rng_words != other.rng_words,
            ),
        ];
        found.extend(
            parts
                .into_iter()
                .filter(|(_, differs)| *differs)
                .map(|(part, _)| part.to_string()),
        );
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_published_test_vectors() {
        assert_eq!(StateHasher::default().finish(), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            StateHasher::default().bytes(b"a").finish(),
            0xaf63_dc4c_8601_ec8c
        );
        assert_eq!(
            StateHasher::default().bytes(b"foobar").finish(),
            0x8594_4171_f739_67e8
        );
    }

    #[test]
    fn floats_are_hashed_by_their_bits() {
        let zero = StateHasher::default().f32(0.0).finish();
        let negative_zero = StateHasher::default().f32(-0.0).finish();
        assert_ne!(zero, negative_zero);
    }

    #[test]
    fn differences_name_the_parts_and_the_players() {
        let a = StateDigest {
            players: vec![(Slot(0), 1), (Slot(3), 2)],
            ..StateDigest::default()
        };
        let b = StateDigest {
            players: vec![(Slot(0), 1), (Slot(3), 9)],
            bullets: 1,
            rng_words: 2,
            ..a.clone()
        };
        let name = |slot: Slot| format!("name {slot}");
        assert_eq!(
            a.differences(&b, name),
            ["player 3 (name 3)", "bullets", "random generator position"]
        );
        assert!(a.differences(&a, name).is_empty());
        let fewer = StateDigest {
            players: vec![(Slot(0), 1)],
            ..a.clone()
        };
        assert_eq!(a.differences(&fewer, name).len(), 1);
    }
}
