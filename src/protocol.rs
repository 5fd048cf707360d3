//! The wire protocol's envelope: every message a client and the server exchange whatever game
//! a room runs (handshake, lobby, rooms, roster, chat, ping, errors, spectating, resume), the
//! one bincode configuration, encoding and decoding, the limits and the protocol version.
//!
//! A game's own bytes (its input, setup, events and snapshot body) travel inside the envelope
//! as opaque payloads, in the codec the game implements ([`GameWire`], `payload`). This module
//! depends on nothing else in the crate, and nothing here is an actix message: the session and
//! room actors translate. PROTOCOL.md describes the same format byte by byte for bot writers in
//! other languages; keep the two in step (the golden vectors in `tests/vectors/` check that
//! the bytes never drift).

mod codes;
mod payload;
mod snapshot;
mod ticket;

use bincode::config::{Configuration, Fixint, LittleEndian, NoLimit};
use serde::{Deserialize, Serialize};
use unicode_general_category::{get_general_category, GeneralCategory};

pub use codes::{CloseCode, ErrorCode, Fatal};
pub use payload::{GameWire, InputPayload, PayloadError, MAX_INPUT_PAYLOAD_BYTES};
use snapshot::decode_snapshot;
pub use snapshot::{
    apply_snapshot, encode_snapshot_into, encode_snapshot_of, set_snapshot_ack, Held, Snapshot,
    SnapshotError, SNAPSHOT_ACK_OFFSET, SNAPSHOT_HEADER_BYTES, SNAPSHOT_TAG,
};
pub use ticket::{Intent, Ticket, TicketError, TICKET_MAC_BYTES};

/// Bumped on every change to the bytes of any message, envelope or game payload.
pub const PROTOCOL_VERSION: u16 = 5;
/// The variant index of `ClientMsg::Input`, which is packed by hand like the snapshot.
pub const INPUT_TAG: u32 = 7;
/// The largest binary frame a client may send. Client messages are small; anything larger is
/// refused before decoding, and the decoder never allocates past it.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 4096;
/// The largest message a client should expect from the server (a full snapshot of a full room
/// with every bullet is far below this); the bot client decodes with this bound.
pub const MAX_SERVER_MESSAGE_BYTES: usize = 1 << 20;
/// Longest player name, in characters.
pub const MAX_NAME_CHARS: usize = 24;
/// Longest room name, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 32;
/// Longest chat text, in characters.
pub const MAX_CHAT_CHARS: usize = 200;
/// Rooms hold between these many players.
pub const MIN_ROOM_CAPACITY: u8 = 1;
pub const MAX_ROOM_CAPACITY: u8 = 100;
/// Positions travel as fixed point in the games' payloads: world units times this, rounded,
/// in a `u16`. The world therefore spans 0 to 4095.9 units on each axis with 1/16 unit
/// precision.
pub const POSITION_SCALE: f32 = 16.0;

/// A player's place inside one room; small so that snapshots stay small. On the wire a `u8`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Slot(pub u8);

impl Slot {
    /// The raw number, for JSON, SQLite and formatting.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The slot as an index into a room's per-slot vectors.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl From<u8> for Slot {
    fn from(raw: u8) -> Self {
        Slot(raw)
    }
}

impl From<Slot> for u8 {
    fn from(slot: Slot) -> u8 {
        slot.0
    }
}

impl From<Slot> for usize {
    fn from(slot: Slot) -> usize {
        slot.index()
    }
}

impl TryFrom<usize> for Slot {
    type Error = std::num::TryFromIntError;

    fn try_from(index: usize) -> Result<Self, Self::Error> {
        u8::try_from(index).map(Slot)
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

/// A connected player's id, unique for the server's lifetime (0 is the server's bots). On the
/// wire a `u32`, exactly as before it had a type of its own.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct PlayerId(pub u32);

/// A room's id, unique for the server's lifetime. On the wire a `u32`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct RoomId(pub u32);

macro_rules! id_conversions {
    ($name:ident) => {
        impl $name {
            /// The raw number, for JSON, SQLite and formatting.
            pub const fn get(self) -> u32 {
                self.0
            }
        }

        impl From<u32> for $name {
            fn from(raw: u32) -> Self {
                $name(raw)
            }
        }

        impl From<$name> for u32 {
            fn from(id: $name) -> u32 {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id_conversions!(PlayerId);
id_conversions!(RoomId);

/// Little-endian, fixed-size integers (u16 = 2 bytes, u32 = 4, u64 = 8), enum tags and
/// sequence lengths as u32 / u64. Chosen over varints so that a bot in any language can read a
/// message with a fixed layout; snapshots stay small through quantization instead.
pub(crate) type WireConfig<Limit> = Configuration<LittleEndian, Fixint, Limit>;

/// The one bincode configuration of the crate: the wire's, and the replay files'.
pub(crate) const fn wire_config() -> WireConfig<NoLimit> {
    bincode::config::standard().with_fixed_int_encoding()
}

/// Messages a client sends, one per binary WebSocket frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// Must be the first message of a connection.
    Hello { protocol: u16, name: String },
    /// Asks for `RoomList` with the public rooms.
    ListRooms,
    /// Creates a room and joins it. With `bots`, the server's bots fill the room's empty seats
    /// up to its bot fill (`--bot-fill`), leaving one by one as people join.
    CreateRoom {
        name: String,
        capacity: u8,
        public: bool,
        bots: bool,
        /// The game the room runs (`RoomInfo::mode`), e.g. "arena".
        mode: String,
    },
    /// Joins a room by its numeric id (public rooms; private rooms need their code).
    JoinRoom { room: RoomId },
    /// Joins a room by its join code (any room).
    JoinByCode { code: String },
    /// Joins the fullest public room of `mode` with space, or a new one.
    QuickJoin { mode: String },
    /// Leaves the current room and returns to the lobby.
    LeaveRoom,
    /// The player's controls for one step, sent at the tick rate. Packed by hand: see
    /// [`InputMsg`].
    Input(InputMsg),
    /// A chat line to everyone in the room.
    Chat { text: String },
    /// Answered at once with `Pong` carrying the same `t`.
    Ping { t: u64 },
    /// Watches a public room by its id, without playing: answered with `Spectating`.
    Spectate { room: RoomId },
    /// Watches any room by its join code, without playing: answered with `Spectating`.
    SpectateByCode { code: String },
    /// Instead of `Hello` as the first message of a new connection: takes over the player of
    /// an earlier connection, with the token from its `SessionToken`.
    Resume { protocol: u16, token: String },
    /// Instead of `Hello` as the first message of a new connection: the ticket of a
    /// `Redirect`, which names the player and what it came to do (join, watch, quick join or
    /// create a room here).
    Redeem { protocol: u16, ticket: String },
}

/// The controls of one simulation step of the sender's player: a client sends one per step
/// it wants to take, at the tick rate, and each is consumed by exactly one step. On the wire:
/// tag `u32` 7, `seq` `u32`, then the payload to the end of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputMsg {
    /// Increases by one per input; a snapshot acks the last one its step consumed.
    pub seq: u32,
    /// The room's game's input, in its codec.
    pub payload: InputPayload,
}

/// Messages the server sends, one per binary WebSocket frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMsg {
    Welcome {
        protocol: u16,
        player_id: PlayerId,
        tick_rate: u16,
        max_message_bytes: u32,
    },
    Error {
        code: u16,
        message: String,
    },
    RoomList {
        rooms: Vec<RoomInfo>,
    },
    /// You are in a room: everything needed to draw it from now on.
    Joined {
        room: RoomInfo,
        /// Share this code to let others join, also for private rooms.
        code: String,
        you: Slot,
        tick: u32,
        /// The game's setup (`GameWire::Setup`), in its codec: what is needed to draw and
        /// predict the match.
        setup: Vec<u8>,
        roster: Vec<RosterEntry>,
    },
    /// You left the room (answer to `LeaveRoom`).
    Left {
        room: RoomId,
    },
    PlayerJoined {
        player: RosterEntry,
    },
    PlayerLeft {
        slot: Slot,
    },
    /// The state of the room after tick `tick`, sent every tick as a change from the last one
    /// this connection received. Not bincode: see the `snapshot` module.
    Snapshot(Snapshot),
    /// Something that happened in the game in step `tick` (`GameWire::Event`, in its codec).
    GameEvent {
        tick: u32,
        event: Vec<u8>,
    },
    Chat {
        tick: u32,
        from: Slot,
        text: String,
    },
    Pong {
        t: u64,
    },
    /// The room is gone; you are back in the lobby.
    RoomClosed {
        reason: String,
    },
    /// You watch a room (answer to `Spectate`/`SpectateByCode`): like `Joined`, without a slot
    /// of your own. Snapshots and events follow as for a member.
    Spectating {
        room: RoomInfo,
        code: String,
        tick: u32,
        setup: Vec<u8>,
        roster: Vec<RosterEntry>,
    },
    /// Sent right after `Welcome`: the token that lets a new connection resume this player
    /// (`ClientMsg::Resume`) within `grace_ms` milliseconds of losing this one.
    SessionToken {
        token: String,
        grace_ms: u32,
    },
    /// The request is for another node of the cluster: open a new connection to `url` and
    /// send `Redeem` with `ticket` as its first message (within about 20 s; once). The answer
    /// to a `Resume` of a player of another node carries that player's session token as
    /// `ticket`, to `Resume` with there instead. This connection stays in the lobby.
    Redirect {
        url: String,
        ticket: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub id: RoomId,
    pub name: String,
    pub mode: String,
    /// People in the room; bots are not counted here.
    pub players: u8,
    pub capacity: u8,
    pub public: bool,
    /// The server's bots in the room; each leaves when a person needs its seat.
    pub bots: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub slot: Slot,
    pub player_id: PlayerId,
    pub name: String,
    /// The game's scoreboard numbers for this player, in the order its section of PROTOCOL.md
    /// names them (the arena's: kills, deaths).
    pub score: Vec<i32>,
    /// A bot run by the server (its `player_id` is 0).
    pub bot: bool,
}

/// How long an upgraded connection may take to send `Hello` (or `Resume`).
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Why bytes did not decode into a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("message of {0} bytes is over the limit of {1} bytes")]
    TooLarge(usize, usize),
    #[error("message is not valid: {0}")]
    Malformed(String),
    #[error("message has {0} bytes left over after its end")]
    TrailingBytes(usize),
}

impl ClientMsg {
    /// The variant's tag on the wire: its index in declaration order.
    pub fn tag(&self) -> u32 {
        match self {
            ClientMsg::Hello { .. } => 0,
            ClientMsg::ListRooms => 1,
            ClientMsg::CreateRoom { .. } => 2,
            ClientMsg::JoinRoom { .. } => 3,
            ClientMsg::JoinByCode { .. } => 4,
            ClientMsg::QuickJoin { .. } => 5,
            ClientMsg::LeaveRoom => 6,
            ClientMsg::Input(_) => INPUT_TAG,
            ClientMsg::Chat { .. } => 8,
            ClientMsg::Ping { .. } => 9,
            ClientMsg::Spectate { .. } => 10,
            ClientMsg::SpectateByCode { .. } => 11,
            ClientMsg::Resume { .. } => 12,
            ClientMsg::Redeem { .. } => 13,
        }
    }
}

impl ServerMsg {
    /// The variant's tag on the wire: its index in declaration order.
    pub fn tag(&self) -> u32 {
        match self {
            ServerMsg::Welcome { .. } => 0,
            ServerMsg::Error { .. } => 1,
            ServerMsg::RoomList { .. } => 2,
            ServerMsg::Joined { .. } => 3,
            ServerMsg::Left { .. } => 4,
            ServerMsg::PlayerJoined { .. } => 5,
            ServerMsg::PlayerLeft { .. } => 6,
            ServerMsg::Snapshot(_) => SNAPSHOT_TAG,
            ServerMsg::GameEvent { .. } => 8,
            ServerMsg::Chat { .. } => 9,
            ServerMsg::Pong { .. } => 10,
            ServerMsg::RoomClosed { .. } => 11,
            ServerMsg::Spectating { .. } => 12,
            ServerMsg::SessionToken { .. } => 13,
            ServerMsg::Redirect { .. } => 14,
        }
    }
}

/// Encodes a client message (bots and tests use this; the server only decodes them).
pub fn encode_client(msg: &ClientMsg) -> Vec<u8> {
    match msg {
        ClientMsg::Input(input) => {
            let mut out = Vec::with_capacity(8 + MAX_INPUT_PAYLOAD_BYTES);
            out.extend_from_slice(&INPUT_TAG.to_le_bytes());
            out.extend_from_slice(&input.seq.to_le_bytes());
            out.extend_from_slice(input.payload.as_slice());
            out
        }
        _ => encode(msg),
    }
}

/// Encodes a server message.
pub fn encode_server(msg: &ServerMsg) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode_server_into(msg, &mut out);
    out
}

/// Encodes a server message at the end of `out`, reusing its allocation.
pub fn encode_server_into(msg: &ServerMsg, out: &mut Vec<u8>) {
    match msg {
        ServerMsg::Snapshot(snapshot) => encode_snapshot_into(snapshot, out),
        // Writing into a Vec cannot fail, and every type here is serializable.
        _ => {
            let _ = bincode::serde::encode_into_std_write(msg, out, wire_config());
        }
    }
}

fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let _ = bincode::serde::encode_into_std_write(msg, &mut out, wire_config());
    out
}

/// Decodes one client message from a whole frame. Never panics and never allocates more than
/// the frame's size, whatever the bytes claim.
pub fn decode_client(bytes: &[u8]) -> Result<ClientMsg, DecodeError> {
    if bytes.len() > MAX_CLIENT_MESSAGE_BYTES {
        return Err(DecodeError::TooLarge(bytes.len(), MAX_CLIENT_MESSAGE_BYTES));
    }
    if bytes.get(..4) == Some(&INPUT_TAG.to_le_bytes()) {
        return decode_input(bytes).map(ClientMsg::Input);
    }
    decode_exact(
        bytes,
        wire_config().with_limit::<MAX_CLIENT_MESSAGE_BYTES>(),
    )
}

fn decode_input(bytes: &[u8]) -> Result<InputMsg, DecodeError> {
    let Some(seq) = bytes.get(4..8) else {
        return Err(DecodeError::Malformed(format!(
            "input: {} bytes end inside its 8-byte header",
            bytes.len()
        )));
    };
    let seq = u32::from_le_bytes([seq[0], seq[1], seq[2], seq[3]]);
    let payload = &bytes[8..];
    let payload = InputPayload::new(payload).ok_or_else(|| {
        DecodeError::Malformed(format!(
            "input: a payload of {} bytes; 1 to {MAX_INPUT_PAYLOAD_BYTES} are allowed",
            payload.len()
        ))
    })?;
    Ok(InputMsg { seq, payload })
}

/// Encodes a game payload with the wire's bincode rules, for games whose payloads are plain
/// bincode values.
pub fn encode_payload<T: Serialize>(value: &T, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail, and the games' payload types are serializable.
    let _ = bincode::serde::encode_into_std_write(value, out, wire_config());
}

/// Decodes a whole game payload encoded by `encode_payload`; `what` names it in the error.
pub fn decode_payload<T: serde::de::DeserializeOwned>(
    what: &str,
    bytes: &[u8],
) -> Result<T, PayloadError> {
    decode_exact(
        bytes,
        wire_config().with_limit::<MAX_SERVER_MESSAGE_BYTES>(),
    )
    .map_err(|e| PayloadError(format!("{what}: {e}")))
}

/// Decodes one server message from a whole frame (for bots and tests).
pub fn decode_server(bytes: &[u8]) -> Result<ServerMsg, DecodeError> {
    if bytes.len() > MAX_SERVER_MESSAGE_BYTES {
        return Err(DecodeError::TooLarge(bytes.len(), MAX_SERVER_MESSAGE_BYTES));
    }
    if bytes.get(..4) == Some(&SNAPSHOT_TAG.to_le_bytes()) {
        return decode_snapshot(bytes).map(ServerMsg::Snapshot);
    }
    decode_exact(
        bytes,
        wire_config().with_limit::<MAX_SERVER_MESSAGE_BYTES>(),
    )
}

fn decode_exact<T, C>(bytes: &[u8], config: C) -> Result<T, DecodeError>
where
    T: serde::de::DeserializeOwned,
    C: bincode::config::Config,
{
    let (msg, used) = bincode::serde::decode_from_slice(bytes, config)
        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(DecodeError::TrailingBytes(bytes.len() - used));
    }
    Ok(msg)
}

/// World units to the wire's fixed point, clamped to the representable range.
pub fn quantize_position(v: f32) -> u16 {
    let scaled = (v * POSITION_SCALE).round();
    if scaled.is_nan() {
        return 0;
    }
    scaled.clamp(0.0, u16::MAX as f32) as u16
}

pub fn dequantize_position(v: u16) -> f32 {
    v as f32 / POSITION_SCALE
}

/// Radians to 256ths of a turn (any finite angle; wraps).
pub fn quantize_angle(radians: f32) -> u8 {
    quantize_turn(radians, 256) as u8
}

pub fn dequantize_angle(v: u8) -> f32 {
    dequantize_turn(u32::from(v), 256)
}

/// Radians to `steps`ths of a turn, rounded, in `0..steps` (any finite angle; wraps).
pub fn quantize_turn(radians: f32, steps: u32) -> u32 {
    let turns = f64::from(radians) / std::f64::consts::TAU;
    let frac = turns - turns.floor();
    (frac * f64::from(steps)).round() as u32 % steps
}

pub fn dequantize_turn(v: u32, steps: u32) -> f32 {
    (f64::from(v) / f64::from(steps) * std::f64::consts::TAU) as f32
}

/// Checks a player name: 1 to `MAX_NAME_CHARS` characters, no control characters, not only
/// white space. Returns what is wrong, for the error message.
pub fn check_player_name(name: &str) -> Result<(), String> {
    check_text("name", name, MAX_NAME_CHARS)
}

/// Checks a room name like a player name, with `MAX_ROOM_NAME_CHARS`.
pub fn check_room_name(name: &str) -> Result<(), String> {
    check_text("room name", name, MAX_ROOM_NAME_CHARS)
}

/// Checks chat text like a player name, with `MAX_CHAT_CHARS`.
pub fn check_chat_text(text: &str) -> Result<(), String> {
    check_text("chat text", text, MAX_CHAT_CHARS)
}

fn check_text(what: &str, text: &str, max_chars: usize) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(format!(
            "{what} has {chars} characters; at most {max_chars} are allowed"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("{what} contains control characters"));
    }
    if text.chars().any(is_invisible) {
        return Err(format!(
            "{what} contains invisible, direction-changing or unassigned characters"
        ));
    }
    if !text.chars().any(is_visible) {
        return Err(format!("{what} has no visible character"));
    }
    Ok(())
}

/// Characters that draw nothing or change how others draw: format characters (zero-width
/// ones, direction overrides, the soft hyphen, tags, ...), line and paragraph separators, and
/// private or unassigned code points. By Unicode general category.
fn is_invisible(c: char) -> bool {
    matches!(
        get_general_category(c),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
            | GeneralCategory::Unassigned
    )
}

/// Whether `c` draws something: a letter, number, punctuation or symbol (not a space, not a
/// mark on its own), except the few graphic characters that are blank by design (the Hangul
/// fillers and the blank Braille pattern).
fn is_visible(c: char) -> bool {
    use GeneralCategory as G;
    let graphic = matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
            | G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
            | G::MathSymbol
            | G::CurrencySymbol
            | G::ModifierSymbol
            | G::OtherSymbol
    );
    graphic
        && !matches!(
            c,
            '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_round_trip() {
        let msgs = [
            ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                name: "ada".into(),
            },
            ClientMsg::Input(InputMsg {
                seq: 7,
                payload: InputPayload::new(&[1, 2, 3]).expect("fits"),
            }),
            ClientMsg::Chat { text: "hi".into() },
        ];
        for msg in msgs {
            assert_eq!(decode_client(&encode_client(&msg)), Ok(msg));
        }
    }

    #[test]
    fn tags_are_what_the_encoding_starts_with() {
        let client = [
            ClientMsg::ListRooms,
            ClientMsg::Chat { text: "hi".into() },
            ClientMsg::Resume {
                protocol: PROTOCOL_VERSION,
                token: "t".into(),
            },
        ];
        for msg in client {
            assert_eq!(encode_client(&msg)[..4], msg.tag().to_le_bytes());
        }
        let server = [
            ServerMsg::Left { room: RoomId(1) },
            ServerMsg::Snapshot(Snapshot::default()),
            ServerMsg::SessionToken {
                token: "t".into(),
                grace_ms: 1,
            },
        ];
        for msg in server {
            assert_eq!(encode_server(&msg)[..4], msg.tag().to_le_bytes());
        }
    }

    #[test]
    fn an_input_is_its_tag_its_seq_and_the_payload_to_the_end() {
        let msg = ClientMsg::Input(InputMsg {
            seq: 1,
            payload: InputPayload::new(&[9, 8]).expect("fits"),
        });
        let bytes = encode_client(&msg);
        assert_eq!(bytes, [7, 0, 0, 0, 1, 0, 0, 0, 9, 8]);
        assert_eq!(decode_client(&bytes), Ok(msg));
        assert!(decode_client(&bytes[..8]).is_err(), "an empty payload");
        assert!(decode_client(&bytes[..6]).is_err());
        let long = [&bytes[..8], &[0; MAX_INPUT_PAYLOAD_BYTES + 1]].concat();
        assert!(decode_client(&long).is_err());
    }

    #[test]
    fn oversized_and_trailing_and_garbage_are_refused() {
        let big = vec![0u8; MAX_CLIENT_MESSAGE_BYTES + 1];
        assert!(matches!(
            decode_client(&big),
            Err(DecodeError::TooLarge(..))
        ));
        let mut bytes = encode_client(&ClientMsg::ListRooms);
        bytes.push(0);
        assert_eq!(decode_client(&bytes), Err(DecodeError::TrailingBytes(1)));
        assert!(decode_client(&[0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(decode_client(&[]).is_err());
    }

    #[test]
    fn a_string_claiming_gigabytes_is_refused_without_allocating() {
        // Hello, protocol 1, name length 2^40.
        let mut bytes = vec![0, 0, 0, 0, 1, 0];
        bytes.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(matches!(
            decode_client(&bytes),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn quantization_round_trips_within_precision() {
        for v in [0.0f32, 1.03, 800.5, 4095.9] {
            assert!((dequantize_position(quantize_position(v)) - v).abs() <= 0.5 / POSITION_SCALE);
        }
        assert_eq!(quantize_position(-5.0), 0);
        assert_eq!(quantize_position(f32::NAN), 0);
        assert_eq!(quantize_angle(0.0), 0);
        assert_eq!(quantize_angle(std::f32::consts::PI), 128);
        assert_eq!(quantize_angle(-std::f32::consts::FRAC_PI_2), 192);
        assert_eq!(quantize_angle(std::f32::consts::TAU), 0);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_player_name("ada").is_ok());
        assert!(check_player_name("").is_err());
        assert!(check_player_name("   ").is_err());
        assert!(check_player_name(&"x".repeat(25)).is_err());
        assert!(check_player_name(&"é".repeat(24)).is_ok());
        assert!(check_player_name("a\u{7}b").is_err());
        assert!(check_player_name("\u{200B}\u{200B}").is_err());
        for blank in [
            "\u{3164}",
            "\u{2800}\u{2800}",
            "a\u{00AD}b",
            "\u{061C}x",
            "\u{180E}",
            "x\u{E0041}",
            "\u{0301}\u{0301}",
        ] {
            assert!(check_player_name(blank).is_err(), "{blank:?}");
        }
        for fine in ["ada", "Zoë", "李小龙", "🚀", "--", "a b"] {
            assert!(check_player_name(fine).is_ok(), "{fine:?}");
        }
        assert!(check_player_name("evil\u{202E}gnp").is_err());
    }
}
