//! The wire protocol: every message a client and the server exchange, the one bincode
//! configuration, encoding and decoding, the limits and the protocol version.
//!
//! This is the only module that knows bytes. It depends on nothing else in the crate, and
//! nothing here is an actix message: the session and room actors translate. PROTOCOL.md
//! describes the same format byte by byte for bot writers in other languages; keep the two
//! in step (the golden vectors in `tests/vectors/` check that the bytes never drift).

mod codes;
mod snapshot;

use bincode::config::{Configuration, Fixint, LittleEndian, NoLimit};
use serde::{Deserialize, Serialize};
use unicode_general_category::{get_general_category, GeneralCategory};

pub use codes::{CloseCode, ErrorCode, Fatal};
use snapshot::decode_snapshot;
pub use snapshot::SNAPSHOT_TAG;
pub use snapshot::{
    apply_snapshot, dequantize_heading, encode_snapshot_into, quantize_heading, set_snapshot_ack,
    BulletState, FlyingBullet, PlayerChange, PlayerState, RoomState, Snapshot, SnapshotError,
    SNAPSHOT_ACK_OFFSET,
};

/// Bumped on every change to the bytes of any message.
pub const PROTOCOL_VERSION: u16 = 3;
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
/// Positions travel as fixed point: world units times this, rounded, in a `u16`. The world
/// therefore spans 0 to 4095.9 units on each axis with 1/16 unit precision.
pub const POSITION_SCALE: f32 = 16.0;

/// `Input::movement` bits: held direction keys. Opposite keys cancel each other.
pub const MOVE_UP: u8 = 1;
pub const MOVE_DOWN: u8 = 2;
pub const MOVE_LEFT: u8 = 4;
pub const MOVE_RIGHT: u8 = 8;
pub const MOVE_ALL: u8 = MOVE_UP | MOVE_DOWN | MOVE_LEFT | MOVE_RIGHT;

/// `PlayerState::flags` bits.
pub const PLAYER_ALIVE: u8 = 1;
/// Just (re)spawned: bullets do it no harm until the protection runs out or it fires.
pub const PLAYER_PROTECTED: u8 = 2;

/// A player's place inside one room; small so that snapshots stay small.
pub type Slot = u8;

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
    },
    /// Joins a room by its numeric id (public rooms; private rooms need their code).
    JoinRoom { room: u32 },
    /// Joins a room by its join code (any room).
    JoinByCode { code: String },
    /// Joins the fullest public room with space, or a new one.
    QuickJoin,
    /// Leaves the current room and returns to the lobby.
    LeaveRoom,
    /// The player's controls, sent at a fixed rate with an increasing `seq`.
    Input(Input),
    /// A chat line to everyone in the room.
    Chat { text: String },
    /// Answered at once with `Pong` carrying the same `t`.
    Ping { t: u64 },
    /// Watches a public room by its id, without playing: answered with `Spectating`.
    Spectate { room: u32 },
    /// Watches any room by its join code, without playing: answered with `Spectating`.
    SpectateByCode { code: String },
    /// Instead of `Hello` as the first message of a new connection: takes over the player of
    /// an earlier connection, with the token from its `SessionToken`.
    Resume { protocol: u16, token: String },
}

/// The controls for one simulation step of the sender's player: a client sends one per step
/// it wants to take, at the tick rate, and each is consumed by exactly one step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Increases by one per input; a snapshot acks the last one its step consumed.
    pub seq: u32,
    /// `MOVE_*` bits held during this step.
    pub movement: u8,
    /// Aim angle in radians, 0 = +x (right), growing clockwise on screen (+y is down).
    pub aim: f32,
    /// Fire in this step (when the cooldown allows); held fire sets it in every input.
    pub fire: bool,
    /// The tick at which the sender was drawing the other players when it made this input:
    /// its shots are judged against them as they were then (at most 250 ms back).
    pub render_tick: u32,
}

/// Messages the server sends, one per binary WebSocket frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMsg {
    Welcome {
        protocol: u16,
        player_id: u32,
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
        setup: GameSetup,
        roster: Vec<RosterEntry>,
    },
    /// You left the room (answer to `LeaveRoom`).
    Left {
        room: u32,
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
    /// `killer` shot `victim`, who respawns at tick `respawn_tick`.
    Kill {
        tick: u32,
        killer: Slot,
        victim: Slot,
        respawn_tick: u32,
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
        setup: GameSetup,
        roster: Vec<RosterEntry>,
    },
    /// Sent right after `Welcome`: the token that lets a new connection resume this player
    /// (`ClientMsg::Resume`) within `grace_ms` milliseconds of losing this one.
    SessionToken {
        token: String,
        grace_ms: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub id: u32,
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
    pub player_id: u32,
    pub name: String,
    pub kills: u16,
    pub deaths: u16,
    /// A bot run by the server (its `player_id` is 0).
    pub bot: bool,
}

/// The fixed facts of a match that a client needs to draw and to predict: the map and the
/// tuning numbers. Sent once, in `Joined`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameSetup {
    pub width: u16,
    pub height: u16,
    pub walls: Vec<Wall>,
    pub player_radius: f32,
    /// World units per second.
    pub player_speed: f32,
    pub bullet_radius: f32,
    /// World units per second.
    pub bullet_speed: f32,
    pub max_hp: u8,
    /// Inputs from one shot to the next one a player may fire.
    pub fire_cooldown_ticks: u16,
    /// World units a bullet flies, from its shooter's edge, before it fades.
    pub bullet_range: f32,
    /// Steps a respawned player is protected for (unless it fires first).
    pub spawn_protection_ticks: u16,
}

/// An axis-aligned wall in world units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Wall {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
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
            ClientMsg::QuickJoin => 5,
            ClientMsg::LeaveRoom => 6,
            ClientMsg::Input(_) => 7,
            ClientMsg::Chat { .. } => 8,
            ClientMsg::Ping { .. } => 9,
            ClientMsg::Spectate { .. } => 10,
            ClientMsg::SpectateByCode { .. } => 11,
            ClientMsg::Resume { .. } => 12,
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
            ServerMsg::Kill { .. } => 8,
            ServerMsg::Chat { .. } => 9,
            ServerMsg::Pong { .. } => 10,
            ServerMsg::RoomClosed { .. } => 11,
            ServerMsg::Spectating { .. } => 12,
            ServerMsg::SessionToken { .. } => 13,
        }
    }
}

/// Encodes a client message (bots and tests use this; the server only decodes them).
pub fn encode_client(msg: &ClientMsg) -> Vec<u8> {
    encode(msg)
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
    decode_exact(
        bytes,
        wire_config().with_limit::<MAX_CLIENT_MESSAGE_BYTES>(),
    )
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
fn quantize_turn(radians: f32, steps: u32) -> u32 {
    let turns = f64::from(radians) / std::f64::consts::TAU;
    let frac = turns - turns.floor();
    (frac * f64::from(steps)).round() as u32 % steps
}

fn dequantize_turn(v: u32, steps: u32) -> f32 {
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

/// Checks the values of an input that decoding alone cannot: finite aim, known movement bits.
pub fn check_input(input: &Input) -> Result<(), String> {
    if !input.aim.is_finite() {
        return Err("aim is not a finite number".into());
    }
    if input.movement & !MOVE_ALL != 0 {
        return Err(format!(
            "movement {:#04x} has bits other than the four MOVE_* bits",
            input.movement
        ));
    }
    Ok(())
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
            ClientMsg::Input(Input {
                seq: 7,
                movement: MOVE_UP | MOVE_LEFT,
                aim: 1.5,
                fire: true,
                render_tick: 0,
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
            ServerMsg::Left { room: 1 },
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
    fn input_has_a_fixed_layout() {
        let bytes = encode_client(&ClientMsg::Input(Input {
            seq: 1,
            movement: MOVE_RIGHT,
            aim: 0.0,
            fire: false,
            render_tick: 0x0403_0201,
        }));
        assert_eq!(
            bytes,
            [7, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 1, 2, 3, 4],
            "tag u32, seq u32, movement u8, aim f32, fire u8, render_tick u32"
        );
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

    #[test]
    fn inputs_are_checked() {
        let ok = Input {
            seq: 1,
            movement: MOVE_ALL,
            aim: 0.5,
            fire: false,
            render_tick: 0,
        };
        assert!(check_input(&ok).is_ok());
        assert!(check_input(&Input {
            aim: f32::NAN,
            ..ok
        })
        .is_err());
        assert!(check_input(&Input {
            aim: f32::INFINITY,
            ..ok
        })
        .is_err());
        assert!(check_input(&Input { movement: 16, ..ok }).is_err());
    }
}
