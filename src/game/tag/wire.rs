//! The tag game's side of the wire: its payload types (input, setup, event, the state clients
//! rebuild) and their bytes, exactly as `anygame-spec.md` ("Tag payload") lays them out.
//!
//! Owns: the byte layouts, the snapshot body's delta from a baseline, and refusing bytes that
//! do not decode to values the game can take (short, trailing, unknown codes and bits). Must
//! not: know the rules of play (`mod.rs` owns them) or panic, whatever the bytes: every decoder
//! reads through [`Reader`], which answers a clear [`PayloadError`] instead.
//!
//! All integers are little-endian, fixed size; `vec<T>` is a u64 count and the items (as
//! bincode writes a `Vec`), so a client in any language reads them with a fixed layout.

use super::Tag;
use crate::game::map::Wall;
use crate::game::map::MAX_WALLS;
use crate::game::movement::MOVE_ALL;
use crate::protocol::Slot;
use crate::protocol::{GameWire, PayloadError};

/// The byte that stands for "no player" where a slot is expected (no it, no tagger, no
/// winner). The game never seats a player in this slot, so it cannot be mistaken for one.
pub const NO_SLOT: u8 = 255;
/// `TagPlayer::flags`: the player cannot move in the next step (just tagged).
pub const TAG_FROZEN: u8 = 1;
/// `TagPlayer::flags`: the player cannot be tagged in the next step (just passed "it" on).
pub const TAG_IMMUNE: u8 = 2;
const TAG_FLAGS: u8 = TAG_FROZEN | TAG_IMMUNE;

/// Snapshot body change codes (2 is left unused, as in the arena's body, where it means
/// "moved").
const CHANGE_PLAYER: u8 = 1;
const CHANGE_EMPTY: u8 = 3;

const EVENT_TAGGED: u32 = 0;
const EVENT_ROUND_STARTED: u32 = 1;
const EVENT_ROUND_OVER: u32 = 2;

/// One step's controls of one player: which `MOVE_*` keys are held. There is no shooting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagInput {
    pub movement: u8,
}

/// What a client needs to draw and predict a tag match (its movement is the arena's rule,
/// `game::movement`, at `player_speed`, or `it_speed` for "it").
#[derive(Debug, Clone, PartialEq)]
pub struct TagSetup {
    pub width: u16,
    pub height: u16,
    pub walls: Vec<Wall>,
    pub player_radius: f32,
    /// Units per second.
    pub player_speed: f32,
    /// Units per second, for the player who is "it".
    pub it_speed: f32,
    pub round_ticks: u32,
    pub intermission_ticks: u32,
    pub freeze_ticks: u16,
    pub immune_ticks: u16,
}

/// Where a room is in its round cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Fewer than two players: no round runs.
    #[default]
    Waiting,
    /// A round runs: "it" chases, everyone else scores.
    Playing,
    /// Between rounds: nobody scores or tags; the last round's points stay on the board.
    Intermission,
}

impl Phase {
    pub fn code(self) -> u8 {
        match self {
            Phase::Waiting => 0,
            Phase::Playing => 1,
            Phase::Intermission => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Phase> {
        match code {
            0 => Some(Phase::Waiting),
            1 => Some(Phase::Playing),
            2 => Some(Phase::Intermission),
            _ => None,
        }
    }
}

/// One player as clients see it. Positions are the wire's fixed point (×16, see
/// `protocol::quantize_position`), which is also exactly where the server holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagPlayer {
    pub slot: Slot,
    pub x: u16,
    pub y: u16,
    /// `TAG_FROZEN` | `TAG_IMMUNE`.
    pub flags: u8,
    pub points: u16,
    pub tags: u16,
}

/// The state clients rebuild from snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagState {
    /// The tick this is the state after (carried by the snapshot header, not the body).
    pub tick: u32,
    pub phase: Phase,
    /// The tick the current phase ends at; 0 while waiting.
    pub phase_ends_tick: u32,
    /// The player who is "it", if anyone is.
    pub it: Option<Slot>,
    /// In slot order.
    pub players: Vec<TagPlayer>,
}

/// Something that happened in a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagEvent {
    /// `tagged` is "it" now; `tagger` touched it (`None`: the last "it" left the room).
    Tagged { tagger: Option<Slot>, tagged: Slot },
    /// A round started with `it` chasing; it ends at `ends_tick`.
    RoundStarted { it: Slot, ends_tick: u32 },
    /// The round is over; `winner` has the most points (ties: lowest slot). The next round
    /// starts at `next_round_tick` if two players are still there.
    RoundOver {
        winner: Option<Slot>,
        next_round_tick: u32,
    },
}

fn slot_byte(slot: Option<Slot>) -> u8 {
    slot.map_or(NO_SLOT, Slot::get)
}

fn byte_slot(byte: u8) -> Option<Slot> {
    (byte != NO_SLOT).then_some(Slot(byte))
}

/// Reads a payload front to back; every read past the end is an error naming what was read.
struct Reader<'a> {
    what: &'static str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(what: &'static str, bytes: &'a [u8]) -> Reader<'a> {
        Reader { what, bytes, at: 0 }
    }

    fn error(&self, problem: impl std::fmt::Display) -> PayloadError {
        PayloadError(format!("bad tag {}: {problem}", self.what))
    }

    fn take<const N: usize>(&mut self, field: &str) -> Result<[u8; N], PayloadError> {
        let end = self.at.saturating_add(N);
        let chunk = self
            .bytes
            .get(self.at..end)
            .and_then(|chunk| <[u8; N]>::try_from(chunk).ok())
            .ok_or_else(|| {
                self.error(format_args!(
                    "ends after {} bytes, in {field} ({N} bytes at offset {})",
                    self.bytes.len(),
                    self.at
                ))
            })?;
        self.at = end;
        Ok(chunk)
    }

    fn u8(&mut self, field: &str) -> Result<u8, PayloadError> {
        self.take::<1>(field).map(|[b]| b)
    }

    fn u16(&mut self, field: &str) -> Result<u16, PayloadError> {
        self.take(field).map(u16::from_le_bytes)
    }

    fn u32(&mut self, field: &str) -> Result<u32, PayloadError> {
        self.take(field).map(u32::from_le_bytes)
    }

    fn u64(&mut self, field: &str) -> Result<u64, PayloadError> {
        self.take(field).map(u64::from_le_bytes)
    }

    /// A finite `f32` (NaN and infinities are refused: the game computes with it).
    fn finite_f32(&mut self, field: &str) -> Result<f32, PayloadError> {
        let v = f32::from_le_bytes(self.take(field)?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.error(format_args!("{field} is {v}, not a finite number")))
        }
    }

    /// The end of the payload: bytes left over mean the sender meant something else.
    fn finish(self) -> Result<(), PayloadError> {
        let left = self.bytes.len() - self.at.min(self.bytes.len());
        if left == 0 {
            Ok(())
        } else {
            Err(self.error(format_args!(
                "{left} unexpected bytes after the end, at offset {}",
                self.at
            )))
        }
    }
}

fn check_movement(reader: &Reader, movement: u8) -> Result<(), PayloadError> {
    if movement & !MOVE_ALL == 0 {
        Ok(())
    } else {
        Err(reader.error(format_args!(
            "movement {movement:#04x} has bits other than MOVE_* ({MOVE_ALL:#04x})"
        )))
    }
}

fn write_player(player: &TagPlayer, out: &mut Vec<u8>) {
    out.extend_from_slice(&player.x.to_le_bytes());
    out.extend_from_slice(&player.y.to_le_bytes());
    out.push(player.flags);
    out.extend_from_slice(&player.points.to_le_bytes());
    out.extend_from_slice(&player.tags.to_le_bytes());
}

fn read_player(reader: &mut Reader, slot: Slot) -> Result<TagPlayer, PayloadError> {
    let x = reader.u16("x")?;
    let y = reader.u16("y")?;
    let flags = reader.u8("flags")?;
    if flags & !TAG_FLAGS != 0 {
        return Err(reader.error(format_args!(
            "slot {slot} has flags {flags:#04x}; only frozen (1) and immune (2) are known"
        )));
    }
    let points = reader.u16("points")?;
    let tags = reader.u16("tags")?;
    Ok(TagPlayer {
        slot,
        x,
        y,
        flags,
        points,
        tags,
    })
}

impl GameWire for Tag {
    const MODE: &'static str = "tag";
    type Input = TagInput;
    type Setup = TagSetup;
    type State = TagState;
    type Event = TagEvent;
    /// Points, tags.
    const SCORE_COLUMNS: usize = 2;

    fn encode_input(input: &TagInput, out: &mut Vec<u8>) {
        out.push(input.movement);
    }

    fn decode_input(bytes: &[u8]) -> Result<TagInput, PayloadError> {
        let mut reader = Reader::new("input", bytes);
        let movement = reader.u8("movement")?;
        check_movement(&reader, movement)?;
        reader.finish()?;
        Ok(TagInput { movement })
    }

    fn encode_setup(setup: &TagSetup, out: &mut Vec<u8>) {
        out.extend_from_slice(&setup.width.to_le_bytes());
        out.extend_from_slice(&setup.height.to_le_bytes());
        out.extend_from_slice(&(setup.walls.len() as u64).to_le_bytes());
        for wall in &setup.walls {
            for v in [wall.x, wall.y, wall.w, wall.h] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        for v in [setup.player_radius, setup.player_speed, setup.it_speed] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&setup.round_ticks.to_le_bytes());
        out.extend_from_slice(&setup.intermission_ticks.to_le_bytes());
        out.extend_from_slice(&setup.freeze_ticks.to_le_bytes());
        out.extend_from_slice(&setup.immune_ticks.to_le_bytes());
    }

    fn decode_setup(bytes: &[u8]) -> Result<TagSetup, PayloadError> {
        let mut reader = Reader::new("setup", bytes);
        let width = reader.u16("width")?;
        let height = reader.u16("height")?;
        let count = reader.u64("wall count")?;
        // Checked before reading so that a forged count allocates nothing.
        if count > MAX_WALLS as u64 {
            return Err(reader.error(format_args!("{count} walls; a map has at most {MAX_WALLS}")));
        }
        let mut walls = Vec::with_capacity(count as usize);
        for _ in 0..count {
            walls.push(Wall {
                x: reader.u16("wall x")?,
                y: reader.u16("wall y")?,
                w: reader.u16("wall w")?,
                h: reader.u16("wall h")?,
            });
        }
        let setup = TagSetup {
            width,
            height,
            walls,
            player_radius: reader.finite_f32("player_radius")?,
            player_speed: reader.finite_f32("player_speed")?,
            it_speed: reader.finite_f32("it_speed")?,
            round_ticks: reader.u32("round_ticks")?,
            intermission_ticks: reader.u32("intermission_ticks")?,
            freeze_ticks: reader.u16("freeze_ticks")?,
            immune_ticks: reader.u16("immune_ticks")?,
        };
        reader.finish()?;
        Ok(setup)
    }

    fn encode_event(event: &TagEvent, out: &mut Vec<u8>) {
        match *event {
            TagEvent::Tagged { tagger, tagged } => {
                out.extend_from_slice(&EVENT_TAGGED.to_le_bytes());
                out.push(slot_byte(tagger));
                out.push(tagged.get());
            }
            TagEvent::RoundStarted { it, ends_tick } => {
                out.extend_from_slice(&EVENT_ROUND_STARTED.to_le_bytes());
                out.push(it.get());
                out.extend_from_slice(&ends_tick.to_le_bytes());
            }
            TagEvent::RoundOver {
                winner,
                next_round_tick,
            } => {
                out.extend_from_slice(&EVENT_ROUND_OVER.to_le_bytes());
                out.push(slot_byte(winner));
                out.extend_from_slice(&next_round_tick.to_le_bytes());
            }
        }
    }

    fn decode_event(bytes: &[u8]) -> Result<TagEvent, PayloadError> {
        let mut reader = Reader::new("event", bytes);
        let player = |reader: &mut Reader, field: &str| {
            let slot = reader.u8(field)?;
            if slot == NO_SLOT {
                Err(reader.error(format_args!("{field} is {NO_SLOT}, which is no player")))
            } else {
                Ok(Slot(slot))
            }
        };
        let event = match reader.u32("event tag")? {
            EVENT_TAGGED => TagEvent::Tagged {
                tagger: byte_slot(reader.u8("tagger")?),
                tagged: player(&mut reader, "tagged")?,
            },
            EVENT_ROUND_STARTED => TagEvent::RoundStarted {
                it: player(&mut reader, "it")?,
                ends_tick: reader.u32("ends_tick")?,
            },
            EVENT_ROUND_OVER => TagEvent::RoundOver {
                winner: byte_slot(reader.u8("winner")?),
                next_round_tick: reader.u32("next_round_tick")?,
            },
            tag => {
                return Err(reader.error(format_args!(
                    "unknown event tag {tag}; known: 0 Tagged, 1 RoundStarted, 2 RoundOver"
                )))
            }
        };
        reader.finish()?;
        Ok(event)
    }

    /// The header fields in full, then only the slots that differ from `baseline`, in slot
    /// order. Slots are distinct and sorted in every state a `Tag` writes; the change count is
    /// a u8, and as no player sits in slot 255, at most 255 slots can differ.
    fn encode_delta(baseline: Option<&TagState>, now: &TagState, out: &mut Vec<u8>) {
        out.push(now.phase.code());
        out.extend_from_slice(&now.phase_ends_tick.to_le_bytes());
        out.push(slot_byte(now.it));
        let count_at = out.len();
        out.push(0);
        let before: &[TagPlayer] = baseline.map_or(&[], |b| &b.players);
        let (mut old, mut new) = (before.iter().peekable(), now.players.iter().peekable());
        let mut count: u8 = 0;
        loop {
            // Each turn takes the lowest slot left on either side.
            let (slot, change) = match (old.peek(), new.peek()) {
                (None, None) => break,
                (Some(o), Some(n)) if o.slot == n.slot => {
                    let (o, n) = (**o, **n);
                    old.next();
                    new.next();
                    if o == n {
                        continue;
                    }
                    (n.slot, Some(n))
                }
                (Some(o), Some(n)) if n.slot < o.slot => {
                    let n = **n;
                    new.next();
                    (n.slot, Some(n))
                }
                (Some(o), _) => {
                    let slot = o.slot;
                    old.next();
                    (slot, None)
                }
                (None, Some(n)) => {
                    let n = **n;
                    new.next();
                    (n.slot, Some(n))
                }
            };
            if count == u8::MAX {
                break;
            }
            count += 1;
            out.push(slot.get());
            match change {
                Some(player) => {
                    out.push(CHANGE_PLAYER);
                    write_player(&player, out);
                }
                None => out.push(CHANGE_EMPTY),
            }
        }
        out[count_at] = count;
    }

    fn apply_delta(
        baseline: Option<&TagState>,
        tick: u32,
        body: &[u8],
    ) -> Result<TagState, PayloadError> {
        let mut reader = Reader::new("snapshot", body);
        let code = reader.u8("phase")?;
        let phase = Phase::from_code(code).ok_or_else(|| {
            reader.error(format_args!(
                "unknown phase {code}; known: 0 waiting, 1 playing, 2 intermission"
            ))
        })?;
        let phase_ends_tick = reader.u32("phase_ends_tick")?;
        let it = byte_slot(reader.u8("it")?);
        let count = reader.u8("change count")?;
        let before: &[TagPlayer] = baseline.map_or(&[], |b| &b.players);
        let mut players = Vec::with_capacity(before.len() + usize::from(count));
        let mut old = before.iter().peekable();
        let mut last: Option<Slot> = None;
        for _ in 0..count {
            let slot = Slot(reader.u8("slot")?);
            if last.is_some_and(|last| slot <= last) {
                return Err(reader.error(format_args!(
                    "slot {slot} comes after slot {}; changes must be in increasing slot order",
                    last.unwrap_or_default()
                )));
            }
            if slot.get() == NO_SLOT {
                return Err(reader.error(format_args!("slot {NO_SLOT} holds no player")));
            }
            last = Some(slot);
            // Baseline players below this slot are unchanged.
            while let Some(p) = old.next_if(|p| p.slot < slot) {
                players.push(*p);
            }
            let had = old.next_if(|p| p.slot == slot).is_some();
            match reader.u8("change code")? {
                CHANGE_PLAYER => players.push(read_player(&mut reader, slot)?),
                CHANGE_EMPTY if had => {}
                CHANGE_EMPTY => {
                    return Err(reader.error(format_args!(
                        "slot {slot} is emptied, but the baseline has no player there"
                    )))
                }
                code => {
                    return Err(reader.error(format_args!(
                        "slot {slot} has unknown change code {code}; known: 1 player, 3 empty"
                    )))
                }
            }
        }
        players.extend(old.copied());
        reader.finish()?;
        if let Some(it) = it.filter(|it| players.binary_search_by_key(it, |p| p.slot).is_err()) {
            return Err(PayloadError(format!(
                "bad tag snapshot: \"it\" is slot {it}, where no player is"
            )));
        }
        Ok(TagState {
            tick,
            phase,
            phase_ends_tick,
            it,
            players,
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::game::movement::{MOVE_DOWN, MOVE_LEFT, MOVE_UP};
    use crate::protocol::MAX_INPUT_PAYLOAD_BYTES;

    fn encoded<T>(value: &T, encode: fn(&T, &mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, &mut out);
        out
    }

    fn setup() -> TagSetup {
        TagSetup {
            width: 1600,
            height: 1000,
            walls: vec![
                Wall {
                    x: 0,
                    y: 0,
                    w: 1600,
                    h: 20,
                },
                Wall {
                    x: 700,
                    y: 400,
                    w: 200,
                    h: 30,
                },
            ],
            player_radius: 16.0,
            player_speed: 220.0,
            it_speed: 242.0,
            round_ticks: 900,
            intermission_ticks: 90,
            freeze_ticks: 30,
            immune_ticks: 60,
        }
    }

    fn player(slot: Slot, x: u16, flags: u8, points: u16) -> TagPlayer {
        TagPlayer {
            slot,
            x,
            y: 800,
            flags,
            points,
            tags: 1,
        }
    }

    fn state(phase: Phase, it: Option<Slot>, players: Vec<TagPlayer>) -> TagState {
        TagState {
            tick: 0,
            phase,
            phase_ends_tick: 1234,
            it,
            players,
        }
    }

    fn delta(baseline: Option<&TagState>, now: &TagState) -> Vec<u8> {
        let mut out = Vec::new();
        Tag::encode_delta(baseline, now, &mut out);
        out
    }

    /// Every proper prefix of `bytes` is refused, and so is one byte more.
    fn refuses_truncations_and_trailing<T: std::fmt::Debug>(
        bytes: &[u8],
        decode: impl Fn(&[u8]) -> Result<T, PayloadError>,
    ) {
        for end in 0..bytes.len() {
            let err = decode(&bytes[..end]).expect_err("a truncation");
            assert!(err.0.starts_with("bad tag "), "{err}");
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        let err = decode(&longer).expect_err("a trailing byte");
        assert!(err.0.contains("unexpected bytes after the end"), "{err}");
    }

    #[test]
    fn inputs_are_one_byte_of_move_bits() {
        for movement in 0..=MOVE_ALL {
            let input = TagInput { movement };
            let bytes = encoded(&input, Tag::encode_input);
            assert_eq!(bytes, [movement]);
            assert!(bytes.len() <= MAX_INPUT_PAYLOAD_BYTES);
            assert_eq!(Tag::decode_input(&bytes), Ok(input));
        }
        let err = Tag::decode_input(&[0x10]).expect_err("unknown bit");
        assert!(err.0.contains("bits other than MOVE_*"), "{err}");
        refuses_truncations_and_trailing(&[MOVE_UP | MOVE_LEFT], Tag::decode_input);
    }

    #[test]
    fn setups_round_trip_in_the_specs_layout() {
        let setup = setup();
        let bytes = encoded(&setup, Tag::encode_setup);
        assert_eq!(bytes.len(), 2 + 2 + 8 + 2 * 8 + 3 * 4 + 4 + 4 + 2 + 2);
        assert_eq!(&bytes[..4], [0x40, 0x06, 0xe8, 0x03], "width, height");
        assert_eq!(&bytes[4..12], 2u64.to_le_bytes(), "wall count");
        assert_eq!(&bytes[28..32], 16.0f32.to_le_bytes(), "player_radius");
        assert_eq!(&bytes[36..40], 242.0f32.to_le_bytes(), "it_speed");
        assert_eq!(&bytes[40..44], 900u32.to_le_bytes(), "round_ticks");
        assert_eq!(&bytes[48..], [30, 0, 60, 0], "freeze and immune ticks");
        assert_eq!(Tag::decode_setup(&bytes), Ok(setup.clone()));
        refuses_truncations_and_trailing(&bytes, Tag::decode_setup);

        let mut nan = bytes.clone();
        nan[36..40].copy_from_slice(&f32::NAN.to_le_bytes());
        let err = Tag::decode_setup(&nan).expect_err("NaN speed");
        assert!(err.0.contains("it_speed is NaN"), "{err}");
        let mut huge = bytes.clone();
        huge[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
        let err = Tag::decode_setup(&huge).expect_err("forged wall count");
        assert!(err.0.contains("walls; a map has at most"), "{err}");
    }

    #[test]
    fn events_round_trip_in_the_specs_layout() {
        let cases = [
            (
                TagEvent::Tagged {
                    tagger: Some(Slot(3)),
                    tagged: Slot(7),
                },
                vec![0, 0, 0, 0, 3, 7],
            ),
            (
                TagEvent::Tagged {
                    tagger: None,
                    tagged: Slot(0),
                },
                vec![0, 0, 0, 0, 255, 0],
            ),
            (
                TagEvent::RoundStarted {
                    it: Slot(2),
                    ends_tick: 0x0102_0304,
                },
                vec![1, 0, 0, 0, 2, 4, 3, 2, 1],
            ),
            (
                TagEvent::RoundOver {
                    winner: None,
                    next_round_tick: 990,
                },
                vec![2, 0, 0, 0, 255, 0xde, 0x03, 0, 0],
            ),
            (
                TagEvent::RoundOver {
                    winner: Some(Slot(1)),
                    next_round_tick: 5,
                },
                vec![2, 0, 0, 0, 1, 5, 0, 0, 0],
            ),
        ];
        for (event, bytes) in cases {
            assert_eq!(encoded(&event, Tag::encode_event), bytes, "{event:?}");
            assert_eq!(Tag::decode_event(&bytes), Ok(event));
            refuses_truncations_and_trailing(&bytes, Tag::decode_event);
        }
        let err = Tag::decode_event(&[3, 0, 0, 0]).expect_err("unknown tag");
        assert!(err.0.contains("unknown event tag 3"), "{err}");
        let err = Tag::decode_event(&[0, 0, 0, 0, 1, 255]).expect_err("tagged nobody");
        assert!(err.0.contains("tagged is 255"), "{err}");
        assert!(Tag::decode_event(&[1, 0, 0, 0, 255, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn a_full_snapshot_is_the_change_from_an_empty_room() {
        let now = state(
            Phase::Playing,
            Some(Slot(4)),
            vec![
                player(Slot(1), 100, TAG_IMMUNE, 3),
                player(Slot(4), 200, TAG_FROZEN, 0),
            ],
        );
        let body = delta(None, &now);
        let mut expected = vec![1, 0xd2, 0x04, 0, 0, 4, 2];
        expected.extend([1, 1, 100, 0, 0x20, 0x03, TAG_IMMUNE, 3, 0, 1, 0]);
        expected.extend([4, 1, 200, 0, 0x20, 0x03, TAG_FROZEN, 0, 0, 1, 0]);
        assert_eq!(body, expected);
        let rebuilt = Tag::apply_delta(None, 77, &body).expect("a full snapshot");
        assert_eq!(rebuilt, TagState { tick: 77, ..now });
        refuses_truncations_and_trailing(&body, |b| Tag::apply_delta(None, 77, b));

        let empty = TagState::default();
        assert_eq!(delta(None, &empty), [0, 0, 0, 0, 0, 255, 0]);
        assert_eq!(
            Tag::apply_delta(None, 0, &[0, 0, 0, 0, 0, 255, 0]),
            Ok(empty)
        );
    }

    #[test]
    fn a_delta_carries_only_what_changed() {
        let baseline = state(
            Phase::Playing,
            Some(Slot(2)),
            vec![
                player(Slot(1), 10, 0, 1),
                player(Slot(2), 20, 0, 0),
                player(Slot(4), 40, 0, 2),
            ],
        );
        let now = state(
            Phase::Playing,
            Some(Slot(3)),
            vec![
                player(Slot(1), 10, 0, 1),
                player(Slot(2), 22, TAG_IMMUNE, 0),
                player(Slot(3), 30, TAG_FROZEN, 0),
            ],
        );
        let body = delta(Some(&baseline), &now);
        assert_eq!(&body[..7], [1, 0xd2, 0x04, 0, 0, 3, 3], "header, 3 changes");
        assert_eq!((body[7], body[8]), (2, 1), "slot 2 changed");
        assert_eq!((body[18], body[19]), (3, 1), "slot 3 is new");
        assert_eq!(&body[29..], [4, 3], "slot 4 is empty now");
        let rebuilt = Tag::apply_delta(Some(&baseline), 9, &body).expect("a delta");
        assert_eq!(
            rebuilt,
            TagState {
                tick: 9,
                ..now.clone()
            }
        );
        refuses_truncations_and_trailing(&body, |b| Tag::apply_delta(Some(&baseline), 9, b));

        let same = delta(Some(&now), &now);
        assert_eq!(same, [1, 0xd2, 0x04, 0, 0, 3, 0], "nothing changed");
        assert_eq!(
            Tag::apply_delta(Some(&now), 10, &same).map(|s| s.players),
            Ok(now.players)
        );
    }

    #[test]
    fn inconsistent_snapshots_are_refused() {
        let baseline = state(
            Phase::Playing,
            Some(Slot(1)),
            vec![player(Slot(1), 10, 0, 0)],
        );
        let refused = |baseline: Option<&TagState>, body: &[u8], says: &str| {
            let err = Tag::apply_delta(baseline, 1, body).expect_err(says);
            assert!(err.0.contains(says), "{err} (wanted: {says})");
        };
        refused(None, &[3, 0, 0, 0, 0, 255, 0], "unknown phase 3");
        refused(
            Some(&baseline),
            &[1, 0, 0, 0, 0, 255, 1, 1, 2],
            "unknown change code 2",
        );
        refused(
            None,
            &[1, 0, 0, 0, 0, 255, 1, 5, 3],
            "baseline has no player there",
        );
        refused(
            None,
            &[1, 0, 0, 0, 0, 255, 1, 255, 3],
            "slot 255 holds no player",
        );
        refused(
            Some(&baseline),
            &[1, 0, 0, 0, 0, 255, 2, 1, 3, 1, 3],
            "increasing slot order",
        );
        refused(
            None,
            &[1, 0, 0, 0, 0, 255, 1, 0, 1, 0, 0, 0, 0, 4, 0, 0, 0, 0],
            "flags 0x04",
        );
        refused(None, &[1, 0, 0, 0, 0, 7, 0], "\"it\" is slot 7");
        refused(
            Some(&baseline),
            &[1, 0, 0, 0, 0, 1, 1, 1, 3],
            "\"it\" is slot 1",
        );
        assert!(Tag::apply_delta(Some(&baseline), 1, &[1, 0, 0, 0, 0, 1, 0]).is_ok());
    }

    #[test]
    fn garbage_is_refused_without_panics() {
        let baseline = state(
            Phase::Intermission,
            None,
            (0..40)
                .map(|slot| player(Slot(slot * 3), 5, 0, 0))
                .collect(),
        );
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut decoded = 0;
        for _ in 0..20_000 {
            let len = rng.random_range(0..80);
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            // Mostly plausible headers, so that decoding gets past the first field.
            if let Some(first) = bytes.first_mut() {
                *first %= 4;
            }
            decoded += usize::from(Tag::decode_input(&bytes).is_ok());
            decoded += usize::from(Tag::decode_setup(&bytes).is_ok());
            decoded += usize::from(Tag::decode_event(&bytes).is_ok());
            decoded += usize::from(Tag::apply_delta(None, 1, &bytes).is_ok());
            decoded += usize::from(Tag::apply_delta(Some(&baseline), 1, &bytes).is_ok());
        }
        assert!(
            decoded > 0,
            "some garbage is valid (one-byte inputs at least)"
        );
    }

    #[test]
    fn a_matchs_states_survive_a_chain_of_deltas() {
        use crate::game::{Game, MatchSettings, StepInputs};
        let map = crate::game::map::Map::bundled();
        let mut tag = Tag::new(&MatchSettings {
            map: std::sync::Arc::new(map),
            tick_rate: 30,
            seed: 5,
        });
        let mut inputs = StepInputs::default();
        let (mut events, mut now, mut seen) = (Vec::new(), TagState::default(), None);
        let mut keys = ChaCha8Rng::seed_from_u64(8);
        for tick in 0..400u32 {
            inputs.clear();
            if tick < 5 {
                inputs.joins.push(Slot(tick as u8 * 2));
            }
            if tick == 200 {
                inputs.leaves.push(Slot(4));
            }
            for slot in (0..5).map(|s| s * 2).filter(|&s| s != 4 || tick < 200) {
                let movement =
                    [MOVE_UP, MOVE_DOWN, MOVE_LEFT, MOVE_DOWN | MOVE_LEFT][keys.random_range(0..4)];
                inputs.commands.push((Slot(slot), TagInput { movement }));
            }
            events.clear();
            tag.step(&inputs, &mut events);
            for event in &events {
                let bytes = encoded(event, Tag::encode_event);
                assert_eq!(Tag::decode_event(&bytes).as_ref(), Ok(event));
            }
            tag.state(&mut now);
            let body = delta(seen.as_ref(), &now);
            let rebuilt = Tag::apply_delta(seen.as_ref(), now.tick, &body).expect("own delta");
            assert_eq!(rebuilt, now, "tick {}", now.tick);
            let full = Tag::apply_delta(None, now.tick, &delta(None, &now)).expect("own full");
            assert_eq!(full, now);
            seen = Some(rebuilt);
        }
        assert_eq!(now.players.len(), 4);
        let setup = tag.setup();
        assert_eq!(
            Tag::decode_setup(&encoded(&setup, Tag::encode_setup)),
            Ok(setup)
        );
    }
}
