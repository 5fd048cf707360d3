//! The snapshot: the one message with a hand-packed layout instead of bincode, because it goes
//! to every member every tick and most of a room does not change from one tick to the next.
//!
//! Owns the state a client rebuilds ([`RoomState`]), the delta between two states
//! ([`Snapshot`]: a full snapshot is the delta from an empty room), its bytes, and applying a
//! delta to a state. It must not know rooms, sessions or games: the room fills a `RoomState`
//! from its game and picks the baselines; this module only diffs, packs and unpacks.
//!
//! Layout (PROTOCOL.md, "Snapshot"): tag `u32` 7, tick `u32`, ack `u32`, baseline age `u8`,
//! slot count `u8`, a change map of 2 bits per slot, the changed players' data in slot order,
//! then the added bullets and the removed bullet ids, each list after a `u16` count.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::{dequantize_turn, quantize_turn, DecodeError, Slot, MAX_ROOM_CAPACITY, POSITION_SCALE};

/// The variant index of `ServerMsg::Snapshot`, written as every other message's tag is.
pub const SNAPSHOT_TAG: u32 = 7;
/// Where the recipient's ack sits in an encoded snapshot: the room encodes a snapshot once per
/// baseline and each session writes its own member's ack here.
pub const SNAPSHOT_ACK_OFFSET: usize = 8;
const PLAYER_STATE_BYTES: usize = 7;
const BULLET_BYTES: usize = 9;

const CODE_UNCHANGED: u8 = 0;
const CODE_MOVED: u8 = 1;
const CODE_STATE: u8 = 2;
const CODE_GONE: u8 = 3;

/// A room at one tick, as a client rebuilds it from snapshots (and as the room describes it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomState {
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

/// A bullet in a [`RoomState`]: its state as of tick `since`. Bullets fly straight at the
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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub tick: u32,
    /// The recipient's highest applied input `seq` (0: none yet, and always 0 for spectators).
    pub ack: u32,
    /// 0: a full snapshot; k: a change from the state of tick `tick - k`.
    pub baseline_age: u8,
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

/// Why a snapshot cannot be applied to the state a client holds: the client and the server
/// disagree about the baseline, which only a bug or a wrong server causes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("snapshot of tick {tick} does not apply: {reason}")]
pub struct SnapshotError {
    pub tick: u32,
    pub reason: String,
}

impl Snapshot {
    /// Makes this the change from `baseline` (`None`: an empty room) to `now`, for a recipient
    /// whose ack is `ack`, reusing its buffers. Returns false, leaving a full snapshot, when the
    /// baseline is too old for the one-byte age.
    pub fn diff_into(&mut self, baseline: Option<&RoomState>, now: &RoomState, ack: u32) -> bool {
        let age = baseline.map_or(Some(0), |b| {
            u8::try_from(now.tick.wrapping_sub(b.tick))
                .ok()
                .filter(|age| *age > 0)
        });
        let (baseline, age, usable) = match age {
            Some(age) => (baseline, age, true),
            None => (None, 0, false),
        };
        self.tick = now.tick;
        self.ack = ack;
        self.baseline_age = age;
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
        usable
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
pub fn apply_snapshot(
    state: &mut Option<RoomState>,
    snapshot: &Snapshot,
) -> Result<(), SnapshotError> {
    let fail = |reason: String| SnapshotError {
        tick: snapshot.tick,
        reason,
    };
    let mut current = match (state.take(), snapshot.baseline_age) {
        (held, 0) => {
            let mut fresh = held.unwrap_or_default();
            fresh.players.clear();
            fresh.bullets.clear();
            fresh
        }
        (None, age) => {
            return Err(fail(format!(
                "it changes the state of tick {} but there is none",
                snapshot.tick.wrapping_sub(u32::from(age))
            )))
        }
        (Some(held), age) => {
            let baseline = snapshot.tick.wrapping_sub(u32::from(age));
            if held.tick != baseline {
                return Err(fail(format!(
                    "it changes the state of tick {baseline} but the last one was tick {}",
                    held.tick
                )));
            }
            held
        }
    };
    for change in &snapshot.players {
        apply_player_change(&mut current.players, change).map_err(fail)?;
    }
    for id in &snapshot.removed_bullets {
        match current.bullets.binary_search_by_key(id, |b| b.bullet.id) {
            Ok(at) => {
                current.bullets.remove(at);
            }
            Err(_) => return Err(fail(format!("it removes bullet {id}, which is not there"))),
        }
    }
    for bullet in &snapshot.added_bullets {
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
                    since: snapshot.tick,
                    bullet: *bullet,
                },
            ),
        }
    }
    current.tick = snapshot.tick;
    *state = Some(current);
    Ok(())
}

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
pub fn encode_snapshot_into(snapshot: &Snapshot, out: &mut Vec<u8>) {
    debug_assert!(snapshot
        .players
        .windows(2)
        .all(|pair| pair[0].slot() < pair[1].slot()));
    out.extend_from_slice(&SNAPSHOT_TAG.to_le_bytes());
    out.extend_from_slice(&snapshot.tick.to_le_bytes());
    out.extend_from_slice(&snapshot.ack.to_le_bytes());
    out.push(snapshot.baseline_age);
    let slot_count = snapshot
        .players
        .last()
        .map_or(0, |c| usize::from(c.slot()) + 1);
    out.push(slot_count as u8);
    let map_start = out.len();
    out.resize(map_start + slot_count.div_ceil(4), 0);
    for change in &snapshot.players {
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
    out.extend_from_slice(&(snapshot.added_bullets.len() as u16).to_le_bytes());
    for b in &snapshot.added_bullets {
        out.extend_from_slice(&b.id.to_le_bytes());
        out.push(b.owner);
        out.extend_from_slice(&b.x.to_le_bytes());
        out.extend_from_slice(&b.y.to_le_bytes());
        out.extend_from_slice(&b.heading.to_le_bytes());
    }
    out.extend_from_slice(&(snapshot.removed_bullets.len() as u16).to_le_bytes());
    for id in &snapshot.removed_bullets {
        out.extend_from_slice(&id.to_le_bytes());
    }
}

/// Writes `ack` into an encoded snapshot (see `SNAPSHOT_ACK_OFFSET`).
pub fn set_snapshot_ack(encoded: &mut [u8], ack: u32) {
    if let Some(field) = encoded.get_mut(SNAPSHOT_ACK_OFFSET..SNAPSHOT_ACK_OFFSET + 4) {
        field.copy_from_slice(&ack.to_le_bytes());
    }
}

/// Decodes a whole frame that starts with the snapshot tag. Never panics and allocates no more
/// than the frame's size.
pub(super) fn decode_snapshot(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    let mut r = Reader { bytes, at: 4 };
    let tick = r.u32()?;
    let ack = r.u32()?;
    let baseline_age = r.u8()?;
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
                slot,
                dx: r.u8()? as i8,
                dy: r.u8()? as i8,
            },
            CODE_STATE => {
                let field = r.take(PLAYER_STATE_BYTES)?;
                PlayerChange::State(PlayerState {
                    slot,
                    x: u16::from_le_bytes([field[0], field[1]]),
                    y: u16::from_le_bytes([field[2], field[3]]),
                    aim: field[4],
                    hp: field[5],
                    flags: field[6],
                })
            }
            _ => PlayerChange::Gone { slot },
        });
    }
    let added = usize::from(r.u16()?);
    let mut added_bullets = Vec::with_capacity(added.min(r.left() / BULLET_BYTES));
    for _ in 0..added {
        let b = r.take(BULLET_BYTES)?;
        added_bullets.push(BulletState {
            id: u16::from_le_bytes([b[0], b[1]]),
            owner: b[2],
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
        return Err(DecodeError::TrailingBytes(r.left()));
    }
    Ok(Snapshot {
        tick,
        ack,
        baseline_age,
        players,
        added_bullets,
        removed_bullets,
    })
}

fn malformed(what: String) -> DecodeError {
    DecodeError::Malformed(format!("snapshot: {what}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
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

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Radians to 65536ths of a turn (any finite angle; wraps).
pub fn quantize_heading(radians: f32) -> u16 {
    quantize_turn(radians, 65536) as u16
}

pub fn dequantize_heading(v: u16) -> f32 {
    dequantize_turn(u32::from(v), 65536)
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
                owner: 0,
                x: 160,
                y: 160,
                heading: 0,
            },
        }
    }

    fn state(tick: u32, players: Vec<PlayerState>, bullets: Vec<FlyingBullet>) -> RoomState {
        RoomState {
            tick,
            players,
            bullets,
        }
    }

    fn round_trip(snapshot: &Snapshot) -> Snapshot {
        let mut bytes = Vec::new();
        encode_snapshot_into(snapshot, &mut bytes);
        decode_snapshot(&bytes).expect("decodes")
    }

    /// What a client holds after `baseline` and then the delta to `now`: the `now` state, with
    /// bullets as of the tick they first appeared to the client.
    fn replayed(baseline: Option<&RoomState>, now: &RoomState) -> Option<RoomState> {
        let mut snapshot = Snapshot::default();
        snapshot.diff_into(baseline, now, 7);
        let mut held = baseline.cloned();
        apply_snapshot(&mut held, &round_trip(&snapshot)).expect("applies");
        held
    }

    #[test]
    fn a_full_snapshot_rebuilds_the_state() {
        let now = state(
            5,
            vec![player(0, 10, 10), player(7, 90, 90)],
            vec![bullet(3, 5)],
        );
        assert_eq!(replayed(None, &now), Some(now));
    }

    #[test]
    fn a_delta_rebuilds_every_kind_of_change() {
        let base = state(
            4,
            vec![
                player(0, 100, 100),
                player(1, 50, 50),
                player(2, 9, 9),
                player(3, 7, 7),
            ],
            vec![bullet(1, 2), bullet(2, 3)],
        );
        let mut hurt = player(1, 50, 50);
        hurt.hp = 80;
        let now = state(
            6,
            vec![
                player(0, 227, 0),
                hurt,
                player(3, 7, 7),
                player(4, 1, 1),
                player(9, 5000, 5000),
            ],
            vec![bullet(2, 6), bullet(4, 6)],
        );
        let mut snapshot = Snapshot::default();
        assert!(snapshot.diff_into(Some(&base), &now, 3));
        assert_eq!(snapshot.baseline_age, 2);
        assert_eq!(
            snapshot.players,
            vec![
                PlayerChange::Moved {
                    slot: 0,
                    dx: 127,
                    dy: -100
                },
                PlayerChange::State(hurt),
                PlayerChange::Gone { slot: 2 },
                PlayerChange::State(player(4, 1, 1)),
                PlayerChange::State(player(9, 5000, 5000)),
            ]
        );
        assert_eq!(snapshot.added_bullets, vec![bullet(4, 6).bullet]);
        assert_eq!(snapshot.removed_bullets, vec![1]);
        let held = replayed(Some(&base), &now).expect("a state");
        assert_eq!(held.players, now.players);
        assert_eq!(held.bullets, vec![bullet(2, 3), bullet(4, 6)]);
    }

    #[test]
    fn a_move_too_far_for_a_byte_sends_the_whole_state() {
        let base = state(1, vec![player(0, 100, 100)], vec![]);
        let now = state(2, vec![player(0, 228, 100)], vec![]);
        let mut snapshot = Snapshot::default();
        snapshot.diff_into(Some(&base), &now, 0);
        assert_eq!(
            snapshot.players,
            vec![PlayerChange::State(player(0, 228, 100))]
        );
    }

    #[test]
    fn a_baseline_older_than_a_byte_gives_a_full_snapshot() {
        let base = state(1, vec![player(0, 1, 1)], vec![]);
        let now = state(300, vec![player(0, 1, 1)], vec![]);
        let mut snapshot = Snapshot::default();
        assert!(!snapshot.diff_into(Some(&base), &now, 0));
        assert_eq!(snapshot.baseline_age, 0);
        assert_eq!(snapshot.players, vec![PlayerChange::State(player(0, 1, 1))]);
    }

    #[test]
    fn an_unchanged_room_costs_the_header_and_two_counts() {
        let room = state(
            1,
            vec![player(0, 1, 1), player(1, 2, 2)],
            vec![bullet(1, 1)],
        );
        let later = RoomState {
            tick: 2,
            ..room.clone()
        };
        let mut snapshot = Snapshot::default();
        snapshot.diff_into(Some(&room), &later, 0);
        let mut bytes = Vec::new();
        encode_snapshot_into(&snapshot, &mut bytes);
        assert_eq!(bytes.len(), 14 + 4, "header and two empty bullet lists");
    }

    #[test]
    fn deltas_that_do_not_fit_the_held_state_are_refused() {
        let base = state(4, vec![player(0, 100, 100)], vec![bullet(1, 4)]);
        let delta = |players, added, removed| Snapshot {
            tick: 5,
            ack: 0,
            baseline_age: 1,
            players,
            added_bullets: added,
            removed_bullets: removed,
        };
        let refused = |held: Option<RoomState>, snapshot: Snapshot| {
            let mut held = held;
            let outcome = apply_snapshot(&mut held, &snapshot);
            assert!(outcome.is_err(), "{snapshot:?} applied");
            assert_eq!(held, None, "a failed apply leaves no state");
        };
        refused(None, delta(vec![], vec![], vec![]));
        refused(
            Some(base.clone()),
            Snapshot {
                baseline_age: 2,
                ..delta(vec![], vec![], vec![])
            },
        );
        refused(
            Some(base.clone()),
            delta(
                vec![PlayerChange::Moved {
                    slot: 1,
                    dx: 1,
                    dy: 1,
                }],
                vec![],
                vec![],
            ),
        );
        refused(
            Some(base.clone()),
            delta(vec![PlayerChange::Gone { slot: 2 }], vec![], vec![]),
        );
        refused(
            Some(state(4, vec![player(0, u16::MAX, 0)], vec![])),
            delta(
                vec![PlayerChange::Moved {
                    slot: 0,
                    dx: 1,
                    dy: 0,
                }],
                vec![],
                vec![],
            ),
        );
        refused(Some(base.clone()), delta(vec![], vec![], vec![9]));
        refused(
            Some(base.clone()),
            delta(vec![], vec![bullet(1, 5).bullet], vec![]),
        );
    }

    #[test]
    fn a_full_snapshot_replaces_whatever_was_held() {
        let mut held = Some(state(9, vec![player(3, 1, 1)], vec![bullet(1, 9)]));
        let mut full = Snapshot::default();
        full.diff_into(None, &state(2, vec![player(0, 5, 5)], vec![]), 0);
        apply_snapshot(&mut held, &full).expect("applies");
        assert_eq!(held, Some(state(2, vec![player(0, 5, 5)], vec![])));
    }

    #[test]
    fn malformed_frames_are_refused() {
        let mut full = Snapshot::default();
        full.diff_into(
            None,
            &state(2, vec![player(5, 5, 5)], vec![bullet(1, 2)]),
            0,
        );
        let mut bytes = Vec::new();
        encode_snapshot_into(&full, &mut bytes);
        for cut in 4..bytes.len() {
            assert!(decode_snapshot(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(decode_snapshot(&long), Err(DecodeError::TrailingBytes(1)));
        let mut too_many_slots = bytes.clone();
        too_many_slots[13] = 101;
        assert!(decode_snapshot(&too_many_slots).is_err());
        let mut count_beyond_the_frame = bytes;
        let added_at = count_beyond_the_frame.len() - 2 - 9 - 2;
        count_beyond_the_frame[added_at..added_at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(decode_snapshot(&count_beyond_the_frame).is_err());
    }

    #[test]
    fn the_ack_can_be_written_into_the_bytes() {
        let mut snapshot = Snapshot::default();
        snapshot.diff_into(None, &state(3, vec![player(0, 1, 1)], vec![]), 0);
        let mut bytes = Vec::new();
        encode_snapshot_into(&snapshot, &mut bytes);
        set_snapshot_ack(&mut bytes, 42);
        assert_eq!(decode_snapshot(&bytes).map(|s| s.ack), Ok(42));
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
                owner: 0,
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
