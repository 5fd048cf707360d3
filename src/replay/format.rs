//! The replay file's bytes: the header, the records, and how both are encoded and decoded
//! (PROTOCOL.md, section 13, byte by byte).
//!
//! Owns: the magic, the format version, the record types and the bincode configuration they
//! use (the wire's, `protocol::wire_config`). Must not: simulate (see `replayer`), touch files
//! (see `writer` and `store`) or trust a byte it decodes: every error is a value naming the
//! record at fault, and no claimed length allocates more than the file holds.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::game::arena::ArenaInput;
use crate::game::arena::Tuning;
use crate::game::map::Wall;
use crate::game::StateDigest;
use crate::protocol::{wire_config, PlayerId, RoomId, Slot};

/// The first 8 bytes of every replay file.
pub const MAGIC: [u8; 8] = *b"SKREPLAY";
/// The version of this layout; bumped whenever a byte of it changes meaning.
pub const FORMAT_VERSION: u16 = 1;
/// The most bytes a header may take (a map of 512 walls and 256 spawns is about 6 KiB).
const MAX_HEADER_BYTES: usize = 1 << 20;
/// The most bytes one record may take: a step of 100 players with two inputs each is 3 KiB.
const MAX_RECORD_BYTES: usize = 64 << 10;

/// What a replay needs to re-simulate its match, and what tells a reader where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// `protocol::PROTOCOL_VERSION` of the recording server (the inputs' layout).
    pub protocol_version: u16,
    /// `arena::SIMULATION_REVISION` of the recording server: a replay re-simulates exactly only
    /// under the same revision.
    pub simulation_revision: u32,
    /// The recording server's version (`CARGO_PKG_VERSION`).
    pub build: String,
    /// The game's mode, e.g. "arena".
    pub mode: String,
    pub room_id: RoomId,
    pub room_name: String,
    /// Milliseconds since the Unix epoch when the room's first step was due.
    pub started_unix_ms: u64,
    pub tick_rate: u16,
    pub seed: u64,
    pub tuning: Tuning,
    /// The map, embedded, so that a replay outlives edits of the map's file.
    pub map: MapRecord,
}

/// A map as embedded in a header: the fields of `game::map::Map`, checked again on reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRecord {
    pub width: u16,
    pub height: u16,
    pub walls: Vec<Wall>,
    pub spawns: Vec<(f32, f32)>,
}

/// A player coming into the match, with who it is (for the index and a viewer's roster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRecord {
    pub slot: Slot,
    /// 0 for a bot.
    pub player_id: PlayerId,
    pub name: String,
    pub bot: bool,
}

/// One player of a finished match, as the room saw it last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchPlayer {
    pub slot: Slot,
    pub player_id: PlayerId,
    pub name: String,
    pub bot: bool,
    /// The first step the player played in.
    pub joined_tick: u32,
    /// The step it left before; `None` when it stayed to the end.
    pub left_tick: Option<u32>,
    pub kills: u16,
    pub deaths: u16,
}

/// How the match ended, written last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchEnd {
    /// The last step recorded: every step from 1 to it is in the file.
    pub recorded_ticks: u32,
    /// The room's last step; above `recorded_ticks` only when `truncated`.
    pub room_ticks: u32,
    /// The writer fell behind and steps after `recorded_ticks` were dropped.
    pub truncated: bool,
    pub ended_unix_ms: u64,
    /// Everyone who played, in the order they joined.
    pub players: Vec<MatchPlayer>,
}

/// One arena input as the simulation consumes it: what `ArenaInput` says, with `render_tick`
/// as the ticks it lags the step
/// (all the game takes from it: a shot rewinds `min(behind, max rewind)`, at most 30 ticks).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub slot: Slot,
    pub movement: u8,
    pub aim: f32,
    pub fire: bool,
    /// `tick - render_tick`, saturating at 0 and 255.
    pub behind: u8,
}

impl Command {
    /// The command of `input`, consumed by the step of `tick`.
    pub fn of(tick: u32, slot: Slot, input: &ArenaInput) -> Command {
        let behind = tick.saturating_sub(input.render_tick);
        Command {
            slot,
            movement: input.movement,
            aim: input.aim,
            fire: input.fire,
            behind: u8::try_from(behind).unwrap_or(u8::MAX),
        }
    }

    /// An input that plays exactly as the recorded one did in the step of `tick`.
    pub fn input(&self, tick: u32) -> ArenaInput {
        ArenaInput {
            movement: self.movement,
            aim: self.aim,
            fire: self.fire,
            render_tick: tick.saturating_sub(u32::from(self.behind)),
        }
    }
}

/// A step's commands: the room's inputs as they are (encoded as commands without a copy), or
/// the commands decoded from a file.
#[derive(Debug, Clone)]
pub enum Commands<'a> {
    Inputs {
        tick: u32,
        inputs: &'a [(Slot, ArenaInput)],
    },
    Decoded(Vec<Command>),
}

impl Commands<'_> {
    pub fn to_vec(&self) -> Vec<Command> {
        match self {
            Commands::Inputs { tick, inputs } => inputs
                .iter()
                .map(|(slot, input)| Command::of(*tick, *slot, input))
                .collect(),
            Commands::Decoded(commands) => commands.clone(),
        }
    }
}

impl PartialEq for Commands<'_> {
    fn eq(&self, other: &Commands<'_>) -> bool {
        self.to_vec() == other.to_vec()
    }
}

impl Serialize for Commands<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Commands::Inputs { tick, inputs } => serializer.collect_seq(
                inputs
                    .iter()
                    .map(|(slot, input)| Command::of(*tick, *slot, input)),
            ),
            Commands::Decoded(commands) => commands.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Commands<'_> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Command>::deserialize(deserializer).map(Commands::Decoded)
    }
}

/// One record after the header. Joins and leaves come before the step they take effect in, in
/// the order the game applies them (`StepInputs`): leaves, then joins, then the step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record<'a> {
    /// The player in this slot leaves before the next step.
    Leave(Slot),
    /// A player joins before the next step.
    Join(Cow<'a, JoinRecord>),
    /// The next step (tick `previous + 1`), with the inputs it consumed in order.
    Step(Commands<'a>),
    /// The world's digest after the last step, every `tick_rate` steps and after the last one.
    Checkpoint(StateDigest),
    /// The end of the file.
    End(MatchEnd),
}

/// Why a file could not be read as a replay.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FormatError {
    #[error("not a replay file (it does not start with \"SKREPLAY\")")]
    NotAReplay,
    #[error("replay format {found} is not supported (this build reads format {FORMAT_VERSION})")]
    UnsupportedFormat { found: u16 },
    #[error("bad header: {0}")]
    Header(String),
    #[error("bad record {index} at byte {offset}: {reason}")]
    Record {
        index: usize,
        offset: usize,
        reason: String,
    },
    #[error("the file ends after record {records} without an end record (still being written, or cut short)")]
    Unfinished { records: usize },
    #[error("{extra} bytes after the end record")]
    TrailingBytes { extra: usize },
}

/// The magic, the format version and the header, encoded.
pub fn encode_header(header: &Header) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    // Writing into a Vec cannot fail, and every type here is serializable.
    let _ = bincode::serde::encode_into_std_write(header, &mut out, wire_config());
    out
}

/// Appends one record to `out`.
pub fn encode_record(record: &Record<'_>, out: &mut Vec<u8>) {
    let _ = bincode::serde::encode_into_std_write(record, out, wire_config());
}

/// A replay file split into its header and its records, checked as far as its bytes go (not
/// re-simulated: see `replayer`).
#[derive(Debug)]
pub struct ReplayFile<'a> {
    pub header: Header,
    /// The bytes after the header: the records.
    body: &'a [u8],
    /// Where `body` starts in the file, for error messages.
    body_offset: usize,
}

impl<'a> ReplayFile<'a> {
    /// Reads the magic, the format version and the header of `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<ReplayFile<'a>, FormatError> {
        let rest = bytes.strip_prefix(&MAGIC).ok_or(FormatError::NotAReplay)?;
        let (version, rest) = rest
            .split_first_chunk::<2>()
            .ok_or(FormatError::NotAReplay)?;
        let found = u16::from_le_bytes(*version);
        if found != FORMAT_VERSION {
            return Err(FormatError::UnsupportedFormat { found });
        }
        let config = wire_config().with_limit::<MAX_HEADER_BYTES>();
        let (header, used): (Header, usize) = bincode::serde::decode_from_slice(rest, config)
            .map_err(|err| FormatError::Header(err.to_string()))?;
        Ok(ReplayFile {
            header,
            body: &rest[used..],
            body_offset: bytes.len() - rest.len() + used,
        })
    }

    /// The records in file order, each with its offset in the file; the last item is an error
    /// if a record is bad or the file ends without `End`, and nothing follows an error.
    pub fn records(&self) -> Records<'a> {
        Records {
            body: self.body,
            at: 0,
            body_offset: self.body_offset,
            index: 0,
            done: false,
        }
    }
}

/// An iterator over a replay's records: see [`ReplayFile::records`].
pub struct Records<'a> {
    body: &'a [u8],
    at: usize,
    body_offset: usize,
    index: usize,
    done: bool,
}

/// A decoded record and the offset in the file of its first byte.
pub type Located = (usize, Record<'static>);

impl Iterator for Records<'_> {
    type Item = Result<Located, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let offset = self.body_offset + self.at;
        let rest = &self.body[self.at..];
        if rest.is_empty() {
            self.done = true;
            return Some(Err(FormatError::Unfinished {
                records: self.index,
            }));
        }
        let config = wire_config().with_limit::<MAX_RECORD_BYTES>();
        let decoded: Result<(Record<'static>, usize), _> =
            bincode::serde::decode_from_slice(rest, config);
        let index = self.index;
        self.index += 1;
        match decoded {
            Err(err) => {
                self.done = true;
                Some(Err(FormatError::Record {
                    index,
                    offset,
                    reason: err.to_string(),
                }))
            }
            Ok((record, used)) => {
                self.at += used;
                if matches!(record, Record::End(_)) {
                    self.done = true;
                    let extra = self.body.len() - self.at;
                    if extra > 0 {
                        return Some(Err(FormatError::TrailingBytes { extra }));
                    }
                }
                Some(Ok((offset, record)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            protocol_version: 3,
            simulation_revision: 2,
            build: "0.1.0".into(),
            mode: "arena".into(),
            room_id: RoomId(7),
            room_name: "test".into(),
            started_unix_ms: 1,
            tick_rate: 30,
            seed: 42,
            tuning: Tuning::default(),
            map: MapRecord {
                width: 640,
                height: 480,
                walls: vec![Wall {
                    x: 1,
                    y: 2,
                    w: 3,
                    h: 4,
                }],
                spawns: vec![(100.0, 100.0)],
            },
        }
    }

    fn file_with(records: &[Record<'_>]) -> Vec<u8> {
        let mut bytes = encode_header(&header());
        for record in records {
            encode_record(record, &mut bytes);
        }
        bytes
    }

    fn end() -> Record<'static> {
        Record::End(MatchEnd {
            recorded_ticks: 1,
            room_ticks: 1,
            truncated: false,
            ended_unix_ms: 2,
            players: Vec::new(),
        })
    }

    #[test]
    fn a_file_round_trips() {
        let input = ArenaInput {
            movement: 3,
            aim: 0.5,
            fire: true,
            render_tick: 0,
        };
        let records = [
            Record::Join(Cow::Owned(JoinRecord {
                slot: Slot(0),
                player_id: PlayerId(9),
                name: "ada".into(),
                bot: false,
            })),
            Record::Step(Commands::Inputs {
                tick: 1,
                inputs: &[(Slot(0), input)],
            }),
            Record::Leave(Slot(0)),
            end(),
        ];
        let bytes = file_with(&records);
        let file = ReplayFile::parse(&bytes).expect("parses");
        assert_eq!(file.header, header());
        let read: Vec<Record> = file.records().map(|r| r.expect("good").1).collect();
        assert_eq!(read, records);
    }

    #[test]
    fn a_step_has_a_fixed_layout() {
        let mut bytes = Vec::new();
        let input = ArenaInput {
            movement: 5,
            aim: 1.0,
            fire: true,
            render_tick: 9,
        };
        let inputs = [(Slot(2), input)];
        encode_record(
            &Record::Step(Commands::Inputs {
                tick: 12,
                inputs: &inputs,
            }),
            &mut bytes,
        );
        let expected: Vec<u8> = [
            &2u32.to_le_bytes()[..],
            &1u64.to_le_bytes(),
            &[2, 5],
            &1.0f32.to_le_bytes(),
            &[1, 3],
        ]
        .concat();
        assert_eq!(bytes, expected);
        let Some(Ok((_, Record::Step(decoded)))) =
            ReplayFile::parse(&file_with(&[Record::Step(Commands::Decoded(vec![]))]))
                .ok()
                .and_then(|file| file.records().next())
        else {
            panic!("an empty step decodes");
        };
        assert!(decoded.to_vec().is_empty());
        let command = Command::of(12, Slot(2), &input);
        assert_eq!(command.input(12).render_tick, 9);
        let far = ArenaInput {
            render_tick: 0,
            ..input
        };
        assert_eq!(
            Command::of(1000, Slot(2), &far).behind,
            u8::MAX,
            "saturates"
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert_eq!(
            ReplayFile::parse(b"nonsense").unwrap_err(),
            FormatError::NotAReplay
        );
        let mut wrong_version = file_with(&[end()]);
        wrong_version[8] = 99;
        assert_eq!(
            ReplayFile::parse(&wrong_version).unwrap_err(),
            FormatError::UnsupportedFormat { found: 99 }
        );
        let unfinished = file_with(&[Record::Leave(Slot(1))]);
        let file = ReplayFile::parse(&unfinished).expect("header is fine");
        let last = file.records().last().expect("one item at least");
        assert_eq!(last.unwrap_err(), FormatError::Unfinished { records: 1 });
        let mut garbage = file_with(&[]);
        garbage.extend_from_slice(&[0xff; 8]);
        let file = ReplayFile::parse(&garbage).expect("header is fine");
        let first = file.records().next().expect("an item");
        assert!(matches!(first, Err(FormatError::Record { index: 0, .. })));
        let mut trailing = file_with(&[end()]);
        trailing.push(0);
        let file = ReplayFile::parse(&trailing).expect("header is fine");
        let last = file.records().last().expect("an item");
        assert_eq!(last.unwrap_err(), FormatError::TrailingBytes { extra: 1 });
    }

    #[test]
    fn a_step_claiming_a_huge_length_is_refused() {
        let mut bytes = file_with(&[]);
        bytes.extend_from_slice(&2u32.to_le_bytes());
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        let file = ReplayFile::parse(&bytes).expect("header is fine");
        let first = file.records().next().expect("an item");
        assert!(matches!(first, Err(FormatError::Record { .. })));
    }
}
