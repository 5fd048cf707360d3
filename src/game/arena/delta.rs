//! The arena's snapshot body: the state a client rebuilds ([`ArenaState`]), the change between
//! two states ([`ArenaDelta`]: a full snapshot is the change from an empty room), its bytes,
//! and applying a change to a state.
//!
//! Owns the arena's body only: the envelope (tag, tick, ack, baseline age) and the choice of
//! baselines are the room's and `crate::protocol::snapshot`'s. Must not know rooms or sessions.
//!
//! Layout (PROTOCOL.md, "Game: arena", "Snapshot body"): slot count `u8`, a change map of 2
//! bits per slot, the changed players' data in slot order, then the added bullets and the
//! removed bullet ids, each list after a `u16` count.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::wire::PLAYER_ALIVE;
use crate::protocol::{
    dequantize_angle, dequantize_position, dequantize_turn, quantize_turn, PayloadError, Slot,
    MAX_ROOM_CAPACITY, POSITION_SCALE,
};

const PLAYER_STATE_BYTES: usize = 7;
const BULLET_BYTES: usize = 9;

const CODE_UNCHANGED: u8 = 0;
const CODE_MOVED: u8 = 1;
const CODE_STATE: u8 = 2;
const CODE_GONE: u8 = 3;

/// The arena at one tick, as a client rebuilds it from snapshots (and as the game describes it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArenaState {
    pub tick: u32,
    /// In increasing slot order, one per slot.
    pub players: Vec<PlayerState>,
    /// In increasing id order, one per id.
    pub bullets: Vec<FlyingBullet>,
}

/// One player as snapshots carry it; 7 bytes on the wire after its slot's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerState {
    pub slot: Slot,
    /// Fixed point, see `POSITION_SCALE`.
    pub x: u16,
    pub y: u16,
    /// 256ths of a full turn, see `quantize_angle`.
    pub aim: u8,
    pub hp: u8,
    /// `PLAYER_*` bits.
    pub flags: u8,
}

/// A bullet as a snapshot adds it: where it is at the snapshot's tick and where it flies.
/// 9 bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulletState {
    /// Unique among the bullets in flight; reused only after wrapping around.
    pub id: u16,
    pub owner: Slot,
    /// Fixed point, see `POSITION_SCALE`.
    pub x: u16,
    pub y: u16,
    /// 65536ths of a full turn, see `quantize_heading`.
    pub heading: u16,
}

/// A bullet in an [`ArenaState`]: its state as of tick `since`. Bullets fly straight at the
/// setup's speed, so snapshots describe each one once, when it appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlyingBullet {
    pub since: u32,
    pub bullet: BulletState,
}

impl FlyingBullet {
    /// Where the bullet is at `tick` (a fraction for drawing between ticks), in world units,
    /// for a bullet speed in units per tick.
    pub fn position_at(&self, tick: f64, units_per_tick: f32) -> (f32, f32) {
        let flown = (tick - f64::from(self.since)) as f32 * units_per_tick;
        let heading = dequantize_heading(self.bullet.heading);
        (
            f32::from(self.bullet.x) / POSITION_SCALE + heading.cos() * flown,
            f32::from(self.bullet.y) / POSITION_SCALE + heading.sin() * flown,
        )
    }
}

/// `ServerMsg::Snapshot`: the state of tick `tick` as a change from a baseline the recipient
/// holds (the last snapshot it received), or from an empty room when `baseline_age` is 0.
/// The arena's snapshot body: how a state differs from a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ArenaDelta {
    /// In increasing slot order, at most one per slot.
    pub players: Vec<PlayerChange>,
    pub added_bullets: Vec<BulletState>,
    pub removed_bullets: Vec<u16>,
}

/// How one slot differs from the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlayerChange {
    /// Only the position changed, by this many fixed-point steps.
    Moved { slot: Slot, dx: i8, dy: i8 },
    /// A player new in this slot, or one whose aim, hit points or flags changed.
    State(PlayerState),
    /// The slot is empty now.
    Gone { slot: Slot },
}

impl PlayerChange {
    pub fn slot(&self) -> Slot {
        match *self {
            PlayerChange::Moved { slot, .. } | PlayerChange::Gone { slot } => slot,
            PlayerChange::State(state) => state.slot,
        }
    }

    fn code(&self) -> u8 {
        match self {
            PlayerChange::Moved { .. } => CODE_MOVED,
            PlayerChange::State(_) => CODE_STATE,
            PlayerChange::Gone { .. } => CODE_GONE,
        }
    }
}

impl ArenaDelta {
    /// Makes this the change from `baseline` (`None`: an empty room) to `now`, reusing its
    /// buffers.
    pub fn diff_into(&mut self, baseline: Option<&ArenaState>, now: &ArenaState) {
        self.players.clear();
        self.added_bullets.clear();
        self.removed_bullets.clear();
        let (players, bullets): (&[PlayerState], &[FlyingBullet]) =
            baseline.map_or((&[], &[]), |b| (&b.players, &b.bullets));
        merge_sorted(
            players,
            &now.players,
            |p| p.slot,
            |old, new| match (old, new) {
                (Some(old), Some(new)) if old != new => self.players.push(change_of(old, new)),
                (Some(old), None) => self.players.push(PlayerChange::Gone { slot: old.slot }),
                (None, Some(new)) => self.players.push(PlayerChange::State(*new)),
                _ => {}
            },
        );
        merge_sorted(
            bullets,
            &now.bullets,
            |b| b.bullet.id,
            |old, new| match (old, new) {
                (Some(old), None) => self.removed_bullets.push(old.bullet.id),
                (None, Some(new)) => self.added_bullets.push(new.bullet),
                _ => {}
            },
        );
    }

    /// Appends the body's bytes. `players` must be in increasing slot order with one change
    /// per slot, as `diff_into` makes it.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        debug_assert!(self
            .players
            .windows(2)
            .all(|pair| pair[0].slot() < pair[1].slot()));
        let slot_count = self.players.last().map_or(0, |c| usize::from(c.slot()) + 1);
        out.push(slot_count as u8);
        let map_start = out.len();
        out.resize(map_start + slot_count.div_ceil(4), 0);
        for change in &self.players {
            let slot = usize::from(change.slot());
            out[map_start + slot / 4] |= change.code() << ((slot % 4) * 2);
            match *change {
                PlayerChange::Moved { dx, dy, .. } => out.extend_from_slice(&[dx as u8, dy as u8]),
                PlayerChange::State(p) => {
                    out.extend_from_slice(&p.x.to_le_bytes());
                    out.extend_from_slice(&p.y.to_le_bytes());
                    out.extend_from_slice(&[p.aim, p.hp, p.flags]);
                }
                PlayerChange::Gone { .. } => {}
            }
        }
        out.extend_from_slice(&(self.added_bullets.len() as u16).to_le_bytes());
        for b in &self.added_bullets {
            out.extend_from_slice(&b.id.to_le_bytes());
            out.push(b.owner.get());
            out.extend_from_slice(&b.x.to_le_bytes());
            out.extend_from_slice(&b.y.to_le_bytes());
            out.extend_from_slice(&b.heading.to_le_bytes());
        }
        out.extend_from_slice(&(self.removed_bullets.len() as u16).to_le_bytes());
        for id in &self.removed_bullets {
            out.extend_from_slice(&id.to_le_bytes());
        }
    }

    /// Decodes a whole body. Never panics and allocates no more than the body's size.
    pub fn decode(bytes: &[u8]) -> Result<ArenaDelta, PayloadError> {
        let mut r = Reader { bytes, at: 0 };
        let slot_count = r.u8()?;
        if slot_count > MAX_ROOM_CAPACITY {
            return Err(malformed(format!(
                "slot count {slot_count} is over {MAX_ROOM_CAPACITY}"
            )));
        }
        let map = r.take(usize::from(slot_count).div_ceil(4))?;
        let mut players = Vec::new();
        for slot in 0..slot_count {
            let code = (map[usize::from(slot / 4)] >> ((slot % 4) * 2)) & 3;
            players.push(match code {
                CODE_UNCHANGED => continue,
                CODE_MOVED => PlayerChange::Moved {
                    slot: Slot(slot),
                    dx: r.u8()? as i8,
                    dy: r.u8()? as i8,
                },
                CODE_STATE => {
                    let field = r.take(PLAYER_STATE_BYTES)?;
                    PlayerChange::State(PlayerState {
                        slot: Slot(slot),
                        x: u16::from_le_bytes([field[0], field[1]]),
                        y: u16::from_le_bytes([field[2], field[3]]),
                        aim: field[4],
                        hp: field[5],
                        flags: field[6],
                    })
                }
                _ => PlayerChange::Gone { slot: Slot(slot) },
            });
        }
        let added = usize::from(r.u16()?);
        let mut added_bullets = Vec::with_capacity(added.min(r.left() / BULLET_BYTES));
        for _ in 0..added {
            let b = r.take(BULLET_BYTES)?;
            added_bullets.push(BulletState {
                id: u16::from_le_bytes([b[0], b[1]]),
                owner: Slot(b[2]),
                x: u16::from_le_bytes([b[3], b[4]]),
                y: u16::from_le_bytes([b[5], b[6]]),
                heading: u16::from_le_bytes([b[7], b[8]]),
            });
        }
        let removed = usize::from(r.u16()?);
        let mut removed_bullets = Vec::with_capacity(removed.min(r.left() / 2));
        for _ in 0..removed {
            removed_bullets.push(r.u16()?);
        }
        if r.left() > 0 {
            return Err(malformed(format!(
                "{} bytes left over after its end",
                r.left()
            )));
        }
        Ok(ArenaDelta {
            players,
            added_bullets,
            removed_bullets,
        })
    }

    /// The state of tick `tick`: `baseline` (`None`: an empty room) with this change.
    pub fn apply(
        &self,
        baseline: Option<&ArenaState>,
        tick: u32,
    ) -> Result<ArenaState, PayloadError> {
        let mut current = baseline.cloned().unwrap_or_default();
        let fail = |reason: String| PayloadError(reason);
        for change in &self.players {
            apply_player_change(&mut current.players, change).map_err(fail)?;
        }
        for id in &self.removed_bullets {
            match current.bullets.binary_search_by_key(id, |b| b.bullet.id) {
                Ok(at) => {
                    current.bullets.remove(at);
                }
                Err(_) => return Err(fail(format!("it removes bullet {id}, which is not there"))),
            }
        }
        for bullet in &self.added_bullets {
            match current
                .bullets
                .binary_search_by_key(&bullet.id, |b| b.bullet.id)
            {
                Ok(_) => {
                    return Err(fail(format!(
                        "it adds bullet {}, which is there already",
                        bullet.id
                    )))
                }
                Err(at) => current.bullets.insert(
                    at,
                    FlyingBullet {
                        since: tick,
                        bullet: *bullet,
                    },
                ),
            }
        }
        current.tick = tick;
        Ok(current)
    }
}

/// Walks two lists sorted by `key` and hands `each` the entries of equal keys together, and
/// every other entry alone, in increasing key order.
fn merge_sorted<'a, T, K: Ord>(
    before: &'a [T],
    after: &'a [T],
    key: impl Fn(&T) -> K,
    mut each: impl FnMut(Option<&'a T>, Option<&'a T>),
) {
    let (mut old, mut new) = (before.iter().peekable(), after.iter().peekable());
    loop {
        let order = match (old.peek(), new.peek()) {
            (Some(o), Some(n)) => key(o).cmp(&key(n)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return,
        };
        match order {
            Ordering::Less => each(old.next(), None),
            Ordering::Greater => each(None, new.next()),
            Ordering::Equal => each(old.next(), new.next()),
        }
    }
}

/// The smallest change from `old` to `new` (same slot, not equal).
fn change_of(old: &PlayerState, new: &PlayerState) -> PlayerChange {
    let step = |from: u16, to: u16| i8::try_from(i32::from(to) - i32::from(from)).ok();
    let same_rest = (old.aim, old.hp, old.flags) == (new.aim, new.hp, new.flags);
    match (same_rest, step(old.x, new.x), step(old.y, new.y)) {
        (true, Some(dx), Some(dy)) => PlayerChange::Moved {
            slot: new.slot,
            dx,
            dy,
        },
        _ => PlayerChange::State(*new),
    }
}

/// Applies `snapshot` to the state a client holds (`None` before its first snapshot). On an
/// error the state is gone (`None`): the client cannot read further deltas and must reconnect.
fn apply_player_change(
    players: &mut Vec<PlayerState>,
    change: &PlayerChange,
) -> Result<(), String> {
    let slot = change.slot();
    let found = players.binary_search_by_key(&slot, |p| p.slot);
    match (*change, found) {
        (PlayerChange::State(state), Ok(at)) => players[at] = state,
        (PlayerChange::State(state), Err(at)) => players.insert(at, state),
        (PlayerChange::Moved { dx, dy, .. }, Ok(at)) => {
            let player = &mut players[at];
            let moved = |v: u16, d: i8| u16::try_from(i32::from(v) + i32::from(d)).ok();
            match (moved(player.x, dx), moved(player.y, dy)) {
                (Some(x), Some(y)) => (player.x, player.y) = (x, y),
                _ => return Err(format!("it moves slot {slot} off the coordinate range")),
            }
        }
        (PlayerChange::Gone { .. }, Ok(at)) => {
            players.remove(at);
        }
        (PlayerChange::Moved { .. } | PlayerChange::Gone { .. }, Err(_)) => {
            return Err(format!("it changes slot {slot}, which is empty"));
        }
    }
    Ok(())
}

/// Appends the bytes of `ServerMsg::Snapshot(snapshot)` to `out`. `snapshot.players` must be
/// in increasing slot order with one change per slot, as `diff_into` makes it.
fn malformed(what: String) -> PayloadError {
    PayloadError(format!("arena snapshot body: {what}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PayloadError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            return Err(malformed(format!(
                "{} bytes end before offset {}",
                self.bytes.len(),
                self.at.saturating_add(n)
            )));
        };
        let field = &self.bytes[self.at..end];
        self.at = end;
        Ok(field)
    }

    fn left(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    fn u8(&mut self) -> Result<u8, PayloadError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, PayloadError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
}

/// Radians to 65536ths of a turn (any finite angle; wraps).
pub fn quantize_heading(radians: f32) -> u16 {
    quantize_turn(radians, 65536) as u16
}

pub fn dequantize_heading(v: u16) -> f32 {
    dequantize_turn(u32::from(v), 65536)
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

    fn player(slot: Slot, x: u16, y: u16) -> PlayerState {
        PlayerState {
            slot,
            x,
            y,
            aim: 0,
            hp: 100,
            flags: 1,
        }
    }

    fn bullet(id: u16, since: u32) -> FlyingBullet {
        FlyingBullet {
            since,
            bullet: BulletState {
                id,
                owner: Slot(0),
                x: 160,
                y: 160,
                heading: 0,
            },
        }
    }

    fn state(tick: u32, players: Vec<PlayerState>, bullets: Vec<FlyingBullet>) -> ArenaState {
        ArenaState {
            tick,
            players,
            bullets,
        }
    }

    fn delta(baseline: Option<&ArenaState>, now: &ArenaState) -> ArenaDelta {
        let mut delta = ArenaDelta::default();
        delta.diff_into(baseline, now);
        delta
    }

    fn bytes(delta: &ArenaDelta) -> Vec<u8> {
        let mut out = Vec::new();
        delta.encode_into(&mut out);
        out
    }

    /// What a client holds after `baseline` and then the change to `now`, through the bytes:
    /// the `now` state, with bullets as of the tick they first appeared to the client.
    fn replayed(baseline: Option<&ArenaState>, now: &ArenaState) -> ArenaState {
        let decoded = ArenaDelta::decode(&bytes(&delta(baseline, now))).expect("decodes");
        decoded.apply(baseline, now.tick).expect("applies")
    }

    #[test]
    fn a_full_snapshot_rebuilds_the_state() {
        let now = state(
            5,
            vec![player(Slot(0), 10, 10), player(Slot(7), 90, 90)],
            vec![bullet(3, 5)],
        );
        assert_eq!(replayed(None, &now), now);
    }

    #[test]
    fn a_delta_rebuilds_every_kind_of_change() {
        let base = state(
            4,
            vec![
                player(Slot(0), 100, 100),
                player(Slot(1), 50, 50),
                player(Slot(2), 9, 9),
                player(Slot(3), 7, 7),
            ],
            vec![bullet(1, 2), bullet(2, 3)],
        );
        let mut hurt = player(Slot(1), 50, 50);
        hurt.hp = 80;
        let now = state(
            6,
            vec![
                player(Slot(0), 227, 0),
                hurt,
                player(Slot(3), 7, 7),
                player(Slot(4), 1, 1),
                player(Slot(9), 5000, 5000),
            ],
            vec![bullet(2, 6), bullet(4, 6)],
        );
        let change = delta(Some(&base), &now);
        assert_eq!(
            change.players,
            vec![
                PlayerChange::Moved {
                    slot: Slot(0),
                    dx: 127,
                    dy: -100
                },
                PlayerChange::State(hurt),
                PlayerChange::Gone { slot: Slot(2) },
                PlayerChange::State(player(Slot(4), 1, 1)),
                PlayerChange::State(player(Slot(9), 5000, 5000)),
            ]
        );
        assert_eq!(change.added_bullets, vec![bullet(4, 6).bullet]);
        assert_eq!(change.removed_bullets, vec![1]);
        let held = replayed(Some(&base), &now);
        assert_eq!(held.players, now.players);
        assert_eq!(held.bullets, vec![bullet(2, 3), bullet(4, 6)]);
    }

    #[test]
    fn a_move_too_far_for_a_byte_sends_the_whole_state() {
        let base = state(1, vec![player(Slot(0), 100, 100)], vec![]);
        let now = state(2, vec![player(Slot(0), 228, 100)], vec![]);
        assert_eq!(
            delta(Some(&base), &now).players,
            vec![PlayerChange::State(player(Slot(0), 228, 100))]
        );
    }

    #[test]
    fn an_unchanged_room_costs_the_slot_count_and_two_counts() {
        let room = state(
            1,
            vec![player(Slot(0), 1, 1), player(Slot(1), 2, 2)],
            vec![bullet(1, 1)],
        );
        let later = ArenaState {
            tick: 2,
            ..room.clone()
        };
        assert_eq!(bytes(&delta(Some(&room), &later)).len(), 1 + 4);
    }

    #[test]
    fn changes_that_do_not_fit_the_held_state_are_refused() {
        let base = state(4, vec![player(Slot(0), 100, 100)], vec![bullet(1, 4)]);
        let change = |players, added_bullets, removed_bullets| ArenaDelta {
            players,
            added_bullets,
            removed_bullets,
        };
        let refused = |held: &ArenaState, delta: ArenaDelta| {
            assert!(delta.apply(Some(held), 5).is_err(), "{delta:?} applied");
        };
        let moved = |slot| PlayerChange::Moved { slot, dx: 1, dy: 0 };
        refused(&base, change(vec![moved(Slot(1))], vec![], vec![]));
        refused(
            &base,
            change(vec![PlayerChange::Gone { slot: Slot(2) }], vec![], vec![]),
        );
        let at_the_edge = state(4, vec![player(Slot(0), u16::MAX, 0)], vec![]);
        refused(&at_the_edge, change(vec![moved(Slot(0))], vec![], vec![]));
        refused(&base, change(vec![], vec![], vec![9]));
        refused(&base, change(vec![], vec![bullet(1, 5).bullet], vec![]));
    }

    #[test]
    fn a_full_snapshot_replaces_whatever_was_held() {
        let full = delta(None, &state(2, vec![player(Slot(0), 5, 5)], vec![]));
        assert_eq!(
            full.apply(None, 2),
            Ok(state(2, vec![player(Slot(0), 5, 5)], vec![]))
        );
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let full = bytes(&delta(
            None,
            &state(2, vec![player(Slot(5), 5, 5)], vec![bullet(1, 2)]),
        ));
        for cut in 0..full.len() {
            assert!(ArenaDelta::decode(&full[..cut]).is_err(), "cut at {cut}");
        }
        assert!(ArenaDelta::decode(&[full.as_slice(), &[0]].concat()).is_err());
        let mut too_many_slots = full.clone();
        too_many_slots[0] = 101;
        assert!(ArenaDelta::decode(&too_many_slots).is_err());
        let mut count_beyond_the_body = full;
        let added_at = count_beyond_the_body.len() - 2 - 9 - 2;
        count_beyond_the_body[added_at..added_at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(ArenaDelta::decode(&count_beyond_the_body).is_err());
    }

    #[test]
    fn headings_round_trip_and_bullets_fly_along_them() {
        use std::f32::consts::{FRAC_PI_2, PI};
        assert_eq!(quantize_heading(0.0), 0);
        assert_eq!(quantize_heading(FRAC_PI_2), 16384);
        assert_eq!(quantize_heading(-FRAC_PI_2), 49152);
        assert_eq!(quantize_heading(2.0 * PI), 0);
        assert!((dequantize_heading(quantize_heading(1.234)) - 1.234).abs() < 1e-4);
        let flying = FlyingBullet {
            since: 10,
            bullet: BulletState {
                id: 1,
                owner: Slot(0),
                x: 1600,
                y: 1600,
                heading: 16384,
            },
        };
        let (x, y) = flying.position_at(12.5, 30.0);
        assert!(
            (x - 100.0).abs() < 1e-3 && (y - 175.0).abs() < 1e-3,
            "{x} {y}"
        );
    }
}
