//! Golden vectors for the wire protocol: the bytes of representative messages, stored in
//! `tests/vectors/` so that every codec (this crate's, the browser client's, bots in other
//! languages) can be checked against the same files, and the annotated examples in PROTOCOL.md.
//!
//! The messages below are the source of truth. Run with `UPDATE_VECTORS=1` to rewrite
//! `tests/vectors/` and the generated part of PROTOCOL.md from them; without it the tests only
//! compare, so a change to the bytes of any message fails here until the files (and
//! `PROTOCOL_VERSION`) are updated on purpose.
//!
//! The annotated examples are written by a field-by-field encoder of their own (`Dump`), which
//! must produce exactly the codec's bytes: that checks the layout PROTOCOL.md describes, not
//! just the codec against itself.

use std::collections::BTreeSet;
use std::f32::consts::{FRAC_PI_2, FRAC_PI_4};
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use skirmish::game::arena::{
    quantize_heading, Arena, ArenaDelta, ArenaEvent, ArenaInput, ArenaSetup, ArenaState,
    BulletState, FlyingBullet, PlayerChange, PlayerState, PLAYER_ALIVE,
};
use skirmish::game::map::Wall;
use skirmish::game::movement::{MOVE_ALL, MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP};
use skirmish::protocol::{
    apply_snapshot, decode_client, decode_server, encode_client, encode_server, quantize_angle,
    quantize_position, ClientMsg, ErrorCode, GameWire, Held, InputPayload, Intent, PlayerId,
    RoomId, RoomInfo, RosterEntry, ServerMsg, Slot, Snapshot, Ticket, MAX_CLIENT_MESSAGE_BYTES,
    MAX_NAME_CHARS, PROTOCOL_VERSION,
};

const CLIENT_VARIANTS: u32 = 14;
const SERVER_VARIANTS: u32 = 15;
/// The cluster secret the vectors' ticket is signed with (PROTOCOL.md's example).
const TICKET_SECRET: &[u8] = b"an example cluster secret";
const DOC_BEGIN: &str = "<!-- BEGIN GENERATED EXAMPLES: written by `UPDATE_VECTORS=1 cargo test --test protocol_vectors`; do not edit by hand -->";
const DOC_END: &str = "<!-- END GENERATED EXAMPLES -->";

enum Message {
    Client(ClientMsg),
    Server(ServerMsg),
}

impl Message {
    fn direction(&self) -> &'static str {
        match self {
            Message::Client(_) => "client",
            Message::Server(_) => "server",
        }
    }

    fn encode(&self) -> Vec<u8> {
        match self {
            Message::Client(msg) => encode_client(msg),
            Message::Server(msg) => encode_server(msg),
        }
    }

    fn rust_name(&self) -> String {
        let (enum_name, variant) = match self {
            Message::Client(msg) => ("ClientMsg", client_variant(msg).1),
            Message::Server(msg) => ("ServerMsg", server_variant(msg).1),
        };
        format!("{enum_name}::{variant}")
    }

    /// The message as plain JSON: `{"type": variant, ...fields}`, nested structs as objects,
    /// game payloads (an input's `payload`, a setup, an event, a snapshot's `body`) as hex.
    fn to_json(&self) -> Value {
        let tagged = match self {
            Message::Client(msg) => serde_json::to_value(msg),
            Message::Server(msg) => serde_json::to_value(msg),
        };
        let mut flat = flatten_variant(tagged.expect("protocol messages serialize to JSON"));
        let fields = flat.as_object_mut().expect("a message is an object");
        if let Message::Client(ClientMsg::Input(input)) = self {
            fields.insert("payload".into(), to_hex(input.payload.as_slice()).into());
        }
        for field in PAYLOAD_FIELDS {
            if let Some(Value::Array(bytes)) = fields.get(*field) {
                let bytes: Vec<u8> = bytes
                    .iter()
                    .map(|b| b.as_u64().expect("a byte") as u8)
                    .collect();
                fields.insert((*field).into(), to_hex(&bytes).into());
            }
        }
        flat
    }
}

struct Vector {
    name: &'static str,
    message: Message,
}

/// The fields that hold a game's payload as bytes, shown as hex in the JSON.
const PAYLOAD_FIELDS: &[&str] = &["setup", "event", "body"];

fn arena_setup_bytes(setup: &ArenaSetup) -> Vec<u8> {
    let mut bytes = Vec::new();
    Arena::encode_setup(setup, &mut bytes);
    bytes
}

struct MalformedFrame {
    name: &'static str,
    direction: &'static str,
    bytes: Vec<u8>,
    reason: &'static str,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Index {
    about: String,
    protocol_version: u16,
    valid: Vec<ValidEntry>,
    invalid: Vec<InvalidEntry>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct ValidEntry {
    name: String,
    direction: String,
    file: String,
    hex: String,
    message: Value,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct InvalidEntry {
    name: String,
    direction: String,
    hex: String,
    reason: String,
}

fn vectors() -> Vec<Vector> {
    let client = |name, msg| Vector {
        name,
        message: Message::Client(msg),
    };
    let server = |name, msg| Vector {
        name,
        message: Message::Server(msg),
    };
    let longest_name = "Zoë Ångström 名前 🚀🎯 ŻÓŁW!".to_string();
    assert_eq!(longest_name.chars().count(), MAX_NAME_CHARS);
    let friday = RoomInfo {
        id: RoomId(1),
        name: "Friday night".into(),
        mode: "arena".into(),
        players: 3,
        capacity: 8,
        public: true,
        bots: 2,
    };
    let cafe = RoomInfo {
        id: RoomId(42),
        name: "Café ☕".into(),
        mode: "arena".into(),
        players: 0,
        capacity: 100,
        public: true,
        bots: 0,
    };
    let setup = ArenaSetup {
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
                h: 40,
            },
        ],
        player_radius: 15.5,
        player_speed: 200.0,
        bullet_radius: 4.0,
        bullet_speed: 600.0,
        max_hp: 100,
        fire_cooldown_ticks: 6,
        bullet_range: 1000.0,
        spawn_protection_ticks: 53,
    };
    let roster_entry = |slot, player_id, name: &str, kills, deaths| RosterEntry {
        slot,
        player_id: PlayerId(player_id),
        name: name.into(),
        score: vec![kills, deaths],
        // The server's bots have no player id.
        bot: player_id == 0,
    };
    vec![
        client(
            "client_hello",
            ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                name: "ada".into(),
            },
        ),
        client(
            "client_hello_longest_name",
            ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                name: longest_name.clone(),
            },
        ),
        client("client_list_rooms", ClientMsg::ListRooms),
        client(
            "client_create_room",
            ClientMsg::CreateRoom {
                name: "Friday night".into(),
                capacity: 8,
                public: true,
                bots: true,
                mode: "arena".into(),
            },
        ),
        client(
            "client_create_room_private",
            ClientMsg::CreateRoom {
                name: "Büro 🏢".into(),
                capacity: 100,
                public: false,
                bots: false,
                mode: "arena".into(),
            },
        ),
        client("client_join_room", ClientMsg::JoinRoom { room: RoomId(42) }),
        client(
            "client_join_by_code",
            ClientMsg::JoinByCode {
                code: "QX7K2P".into(),
            },
        ),
        client(
            "client_quick_join",
            ClientMsg::QuickJoin {
                mode: "arena".into(),
            },
        ),
        client("client_leave_room", ClientMsg::LeaveRoom),
        client(
            "client_input",
            ArenaInput {
                movement: MOVE_RIGHT,
                aim: 0.0,
                fire: false,
                render_tick: 0,
            }
            .message(1),
        ),
        client(
            "client_input_diagonal_fire",
            ArenaInput {
                movement: MOVE_DOWN | MOVE_RIGHT,
                aim: FRAC_PI_4,
                fire: true,
                render_tick: 254,
            }
            .message(257),
        ),
        client(
            "client_input_max_seq_negative_aim",
            ArenaInput {
                movement: MOVE_UP | MOVE_LEFT,
                aim: -FRAC_PI_2,
                fire: true,
                render_tick: 0x0001_0203,
            }
            .message(u32::MAX),
        ),
        client(
            "client_chat",
            ClientMsg::Chat {
                text: "gg, nice shot 👍".into(),
            },
        ),
        client(
            "client_ping",
            ClientMsg::Ping {
                t: 1_700_000_000_123,
            },
        ),
        client("client_spectate", ClientMsg::Spectate { room: RoomId(42) }),
        client(
            "client_spectate_by_code",
            ClientMsg::SpectateByCode {
                code: "M4RS9A".into(),
            },
        ),
        client(
            "client_resume",
            ClientMsg::Resume {
                protocol: PROTOCOL_VERSION,
                token: "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
            },
        ),
        client(
            "client_redeem",
            ClientMsg::Redeem {
                protocol: PROTOCOL_VERSION,
                ticket: example_ticket().seal(TICKET_SECRET),
            },
        ),
        server(
            "server_welcome",
            ServerMsg::Welcome {
                protocol: PROTOCOL_VERSION,
                player_id: PlayerId(7),
                tick_rate: 30,
                max_message_bytes: MAX_CLIENT_MESSAGE_BYTES as u32,
            },
        ),
        server(
            "server_error",
            ServerMsg::Error {
                code: ErrorCode::RoomFull.number(),
                message: "room \"Friday night\" is full".into(),
            },
        ),
        server(
            "server_room_list_empty",
            ServerMsg::RoomList { rooms: vec![] },
        ),
        server(
            "server_room_list",
            ServerMsg::RoomList {
                rooms: vec![friday.clone(), cafe.clone()],
            },
        ),
        server(
            "server_joined",
            ServerMsg::Joined {
                room: RoomInfo {
                    players: 3,
                    ..cafe.clone()
                },
                code: "QX7K2P".into(),
                you: Slot(2),
                tick: 1234,
                setup: arena_setup_bytes(&setup),
                roster: vec![
                    roster_entry(Slot(0), 3, "ada", 5, 2),
                    roster_entry(Slot(1), 0, "Bot Ada", 1, 0),
                    roster_entry(Slot(2), 9, &longest_name, 0, 1),
                ],
            },
        ),
        server(
            "server_joined_private_no_walls",
            ServerMsg::Joined {
                room: RoomInfo {
                    id: RoomId(77),
                    name: "secret".into(),
                    mode: "arena".into(),
                    players: 1,
                    capacity: 2,
                    public: false,
                    bots: 0,
                },
                code: "M4RS9A".into(),
                you: Slot(0),
                tick: 0,
                setup: arena_setup_bytes(&ArenaSetup {
                    walls: vec![],
                    ..setup.clone()
                }),
                roster: vec![roster_entry(Slot(0), 7, "bob", 0, 0)],
            },
        ),
        server("server_left", ServerMsg::Left { room: RoomId(42) }),
        server(
            "server_player_joined",
            ServerMsg::PlayerJoined {
                player: roster_entry(Slot(3), 11, "eve", 0, 0),
            },
        ),
        server(
            "server_player_left",
            ServerMsg::PlayerLeft { slot: Slot(1) },
        ),
        server("server_snapshot_full", ServerMsg::Snapshot(full_snapshot())),
        server(
            "server_snapshot_delta",
            ServerMsg::Snapshot(delta_snapshot()),
        ),
        server(
            "server_snapshot_empty",
            ServerMsg::Snapshot(Snapshot::between::<Arena>(
                None,
                (1, &ArenaState::default()),
                0,
            )),
        ),
        server(
            "server_game_event_kill",
            ServerMsg::GameEvent {
                tick: 1240,
                event: {
                    let mut event = Vec::new();
                    let kill = ArenaEvent::Kill {
                        killer: Slot(0),
                        victim: Slot(1),
                        respawn_tick: 1330,
                    };
                    Arena::encode_event(&kill, &mut event);
                    event
                },
            },
        ),
        server(
            "server_chat",
            ServerMsg::Chat {
                tick: 1241,
                from: Slot(1),
                text: "gg, nice shot 👍".into(),
            },
        ),
        server("server_pong", ServerMsg::Pong { t: (1 << 53) - 1 }),
        server(
            "server_room_closed",
            ServerMsg::RoomClosed {
                reason: "the server is shutting down".into(),
            },
        ),
        server(
            "server_spectating",
            ServerMsg::Spectating {
                room: RoomInfo {
                    players: 2,
                    ..friday
                },
                code: "QX7K2P".into(),
                tick: 1234,
                setup: arena_setup_bytes(&setup),
                roster: vec![
                    roster_entry(Slot(0), 3, "ada", 5, 2),
                    roster_entry(Slot(2), 7, "bob", 0, 0),
                ],
            },
        ),
        server(
            "server_session_token",
            ServerMsg::SessionToken {
                token: "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
                grace_ms: 15_000,
            },
        ),
        server(
            "server_redirect",
            ServerMsg::Redirect {
                url: "ws://10.0.0.2:8080/ws".into(),
                ticket: example_ticket().seal(TICKET_SECRET),
            },
        ),
    ]
}

/// The ticket of PROTOCOL.md's example: node `00c0ffee00c0ffee`, play in room 42, as "ada".
fn example_ticket() -> Ticket {
    Ticket {
        node: "00c0ffee00c0ffee".into(),
        intent: Intent::Play { room: RoomId(42) },
        name: "ada".into(),
        expires_ms: 1_800_000_000_000,
        nonce: 0x0123_4567_89ab_cdef,
    }
}

/// The example ticket's bytes are PROTOCOL.md's, and it opens with its secret only.
#[test]
fn the_example_ticket_is_the_documented_one() {
    let text = example_ticket().seal(TICKET_SECRET);
    let spec = include_str!("../PROTOCOL.md");
    assert!(
        spec.contains(&text),
        "PROTOCOL.md's example ticket is not {text}"
    );
    assert_eq!(Ticket::open(&text, TICKET_SECRET), Ok(example_ticket()));
    assert!(Ticket::open(&text, b"another secret").is_err());
}

fn malformed_frames() -> Vec<MalformedFrame> {
    let hello = encode_client(&ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        name: "ada".into(),
    });
    let input = encode_client(
        &ArenaInput {
            movement: MOVE_ALL,
            aim: 0.0,
            fire: false,
            render_tick: 0,
        }
        .message(1),
    );
    let input_without_payload = input[..8].to_vec();
    let mut input_payload_too_long = input[..8].to_vec();
    input_payload_too_long.extend_from_slice(&[0; 33]);
    let mut hello_tag_high_byte = hello.clone();
    hello_tag_high_byte[3] = 1;
    let mut hello_huge_name = hello[..6].to_vec();
    hello_huge_name.extend_from_slice(&(1u64 << 40).to_le_bytes());
    let mut list_rooms_trailing = encode_client(&ClientMsg::ListRooms);
    list_rooms_trailing.push(0);
    let mut chat_bad_utf8 = 8u32.to_le_bytes().to_vec();
    chat_bad_utf8.extend_from_slice(&2u64.to_le_bytes());
    chat_bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    let full = encode_server(&ServerMsg::Snapshot(full_snapshot()));
    let snapshot_cut_in_its_header = full[..12].to_vec();
    let mut room_list_public_2 = encode_server(&ServerMsg::RoomList {
        rooms: vec![RoomInfo {
            id: RoomId(1),
            name: "a".into(),
            mode: "arena".into(),
            players: 0,
            capacity: 4,
            public: true,
            bots: 0,
        }],
    });
    // The public flag: the byte before the last (bots).
    let public_at = room_list_public_2.len() - 2;
    room_list_public_2[public_at] = 2;

    let frame = |name, direction, bytes, reason| MalformedFrame {
        name,
        direction,
        bytes,
        reason,
    };
    vec![
        frame(
            "client_empty_frame",
            "client",
            vec![],
            "no bytes at all: not even a tag",
        ),
        frame(
            "client_unknown_tag",
            "client",
            CLIENT_VARIANTS.to_le_bytes().to_vec(),
            "tag 14 is one past the last ClientMsg variant",
        ),
        frame(
            "client_tag_high_byte",
            "client",
            hello_tag_high_byte,
            "a Hello body after tag 0x01000000: the tag is all four bytes, not only the first",
        ),
        frame(
            "client_input_without_payload",
            "client",
            input_without_payload,
            "an Input of tag and seq only: a payload has 1 to 32 bytes",
        ),
        frame(
            "client_input_payload_too_long",
            "client",
            input_payload_too_long,
            "an Input whose payload has 33 bytes: at most 32 are allowed",
        ),
        frame(
            "client_truncated",
            "client",
            hello[..hello.len() - 1].to_vec(),
            "a Hello whose name claims 3 bytes but has 2",
        ),
        frame(
            "client_trailing_byte",
            "client",
            list_rooms_trailing,
            "a ListRooms followed by one more byte: a frame holds exactly one message",
        ),
        frame(
            "client_string_longer_than_frame",
            "client",
            hello_huge_name,
            "a Hello whose name claims 2^40 bytes; refuse it without allocating",
        ),
        frame(
            "client_invalid_utf8",
            "client",
            chat_bad_utf8,
            "a Chat whose text bytes ff fe are not UTF-8",
        ),
        frame(
            "server_unknown_tag",
            "server",
            SERVER_VARIANTS.to_le_bytes().to_vec(),
            "tag 15 is one past the last ServerMsg variant",
        ),
        frame(
            "server_snapshot_cut_in_its_header",
            "server",
            snapshot_cut_in_its_header,
            "a Snapshot that ends inside its 13-byte header (a body's errors are its game's)",
        ),
        frame(
            "server_bool_not_0_or_1",
            "server",
            room_list_public_2,
            "a RoomList whose room has public = 2; a bool must be 0 or 1",
        ),
    ]
}

/// `{"Hello": {...}}` or `"ListRooms"` (serde's external tagging) to `{"type": "Hello", ...}`.
fn flatten_variant(tagged: Value) -> Value {
    match tagged {
        Value::String(variant) => {
            let mut object = Map::new();
            object.insert("type".into(), Value::String(variant));
            Value::Object(object)
        }
        Value::Object(outer) if outer.len() == 1 => {
            let (variant, fields) = outer.into_iter().next().expect("one entry");
            let mut object = match fields {
                Value::Object(fields) => fields,
                other => panic!("variant {variant} holds {other}, not a struct"),
            };
            object.insert("type".into(), Value::String(variant));
            Value::Object(object)
        }
        other => panic!("not an externally tagged enum: {other}"),
    }
}

/// The inverse of `Message::to_json`: every variant with no fields is a unit variant.
fn unflatten_variant(flat: &Value) -> Value {
    let mut fields = flat
        .as_object()
        .expect("a message is a JSON object")
        .clone();
    let variant = match fields.remove("type") {
        Some(Value::String(variant)) => variant,
        other => panic!("message without a string \"type\": {other:?}"),
    };
    for field in PAYLOAD_FIELDS {
        if let Some(Value::String(hex)) = fields.get(*field) {
            let bytes = from_hex(hex).into_iter().map(Value::from).collect();
            fields.insert((*field).into(), Value::Array(bytes));
        }
    }
    if variant == "Input" {
        if let Some(Value::String(hex)) = fields.get("payload") {
            let payload = InputPayload::new(&from_hex(hex)).expect("a payload that fits");
            let json = serde_json::to_value(payload).expect("a payload serializes");
            fields.insert("payload".into(), json);
        }
    }
    if fields.is_empty() {
        Value::String(variant)
    } else {
        let mut outer = Map::new();
        outer.insert(variant, Value::Object(fields));
        Value::Object(outer)
    }
}

fn client_variant(msg: &ClientMsg) -> (u32, &'static str) {
    match msg {
        ClientMsg::Hello { .. } => (0, "Hello"),
        ClientMsg::ListRooms => (1, "ListRooms"),
        ClientMsg::CreateRoom { .. } => (2, "CreateRoom"),
        ClientMsg::JoinRoom { .. } => (3, "JoinRoom"),
        ClientMsg::JoinByCode { .. } => (4, "JoinByCode"),
        ClientMsg::QuickJoin { .. } => (5, "QuickJoin"),
        ClientMsg::LeaveRoom => (6, "LeaveRoom"),
        ClientMsg::Input(_) => (7, "Input"),
        ClientMsg::Chat { .. } => (8, "Chat"),
        ClientMsg::Ping { .. } => (9, "Ping"),
        ClientMsg::Spectate { .. } => (10, "Spectate"),
        ClientMsg::SpectateByCode { .. } => (11, "SpectateByCode"),
        ClientMsg::Resume { .. } => (12, "Resume"),
        ClientMsg::Redeem { .. } => (13, "Redeem"),
    }
}

fn server_variant(msg: &ServerMsg) -> (u32, &'static str) {
    match msg {
        ServerMsg::Welcome { .. } => (0, "Welcome"),
        ServerMsg::Error { .. } => (1, "Error"),
        ServerMsg::RoomList { .. } => (2, "RoomList"),
        ServerMsg::Joined { .. } => (3, "Joined"),
        ServerMsg::Left { .. } => (4, "Left"),
        ServerMsg::PlayerJoined { .. } => (5, "PlayerJoined"),
        ServerMsg::PlayerLeft { .. } => (6, "PlayerLeft"),
        ServerMsg::Snapshot(_) => (7, "Snapshot"),
        ServerMsg::GameEvent { .. } => (8, "GameEvent"),
        ServerMsg::Chat { .. } => (9, "Chat"),
        ServerMsg::Pong { .. } => (10, "Pong"),
        ServerMsg::RoomClosed { .. } => (11, "RoomClosed"),
        ServerMsg::Spectating { .. } => (12, "Spectating"),
        ServerMsg::SessionToken { .. } => (13, "SessionToken"),
        ServerMsg::Redirect { .. } => (14, "Redirect"),
    }
}

/// Writes a message field by field, as PROTOCOL.md describes the format, and remembers what
/// each run of bytes is.
#[derive(Default)]
struct Dump {
    bytes: Vec<u8>,
    rows: Vec<(Vec<u8>, String)>,
}

impl Dump {
    const BYTES_PER_ROW: usize = 8;

    fn push(&mut self, bytes: &[u8], label: String) {
        self.bytes.extend_from_slice(bytes);
        for (i, chunk) in bytes.chunks(Self::BYTES_PER_ROW).enumerate() {
            let label = if i == 0 { label.clone() } else { "…".into() };
            self.rows.push((chunk.to_vec(), label));
        }
    }

    fn tag(&mut self, (index, variant): (u32, &str)) {
        self.push(
            &index.to_le_bytes(),
            format!("tag: u32 = {index} → {variant}"),
        );
    }

    fn u8(&mut self, field: &str, v: u8) {
        self.push(&[v], format!("{field}: u8 = {v}"));
    }

    fn u16(&mut self, field: &str, v: u16) {
        self.push(&v.to_le_bytes(), format!("{field}: u16 = {v}"));
    }

    fn u32(&mut self, field: &str, v: u32) {
        self.push(&v.to_le_bytes(), format!("{field}: u32 = {v}"));
    }

    fn u64(&mut self, field: &str, v: u64) {
        self.push(&v.to_le_bytes(), format!("{field}: u64 = {v}"));
    }

    fn f32(&mut self, field: &str, v: f32) {
        self.push(
            &v.to_le_bytes(),
            format!("{field}: f32 = {v} (bits 0x{:08x})", v.to_bits()),
        );
    }

    fn bool(&mut self, field: &str, v: bool) {
        self.push(&[u8::from(v)], format!("{field}: bool = {v}"));
    }

    fn string(&mut self, field: &str, s: &str) {
        self.push(
            &(s.len() as u64).to_le_bytes(),
            format!("{field}: String byte length u64 = {}", s.len()),
        );
        self.push(s.as_bytes(), format!("{field}: UTF-8 {s:?}"));
    }

    fn count(&mut self, field: &str, n: usize) {
        self.push(
            &(n as u64).to_le_bytes(),
            format!("{field}: Vec element count u64 = {n}"),
        );
    }

    fn room_info(&mut self, at: &str, room: &RoomInfo) {
        self.u32(&format!("{at}.id"), room.id.get());
        self.string(&format!("{at}.name"), &room.name);
        self.string(&format!("{at}.mode"), &room.mode);
        self.u8(&format!("{at}.players"), room.players);
        self.u8(&format!("{at}.capacity"), room.capacity);
        self.bool(&format!("{at}.public"), room.public);
        self.u8(&format!("{at}.bots"), room.bots);
    }

    fn roster_entry(&mut self, at: &str, entry: &RosterEntry) {
        self.u8(&format!("{at}.slot"), entry.slot.get());
        self.u32(&format!("{at}.player_id"), entry.player_id.get());
        self.string(&format!("{at}.name"), &entry.name);
        self.count(&format!("{at}.score"), entry.score.len());
        let columns = ["kills", "deaths"];
        for (value, column) in entry.score.iter().zip(columns) {
            self.push(
                &value.to_le_bytes(),
                format!("{at}.score[{column}]: i32 = {value}"),
            );
        }
        self.bool(&format!("{at}.bot"), entry.bot);
    }

    fn roster(&mut self, roster: &[RosterEntry]) {
        self.count("roster", roster.len());
        for (i, entry) in roster.iter().enumerate() {
            self.roster_entry(&format!("roster[{i}]"), entry);
        }
    }

    /// A setup's bytes: their count, then the arena's setup field by field.
    fn setup(&mut self, at: &str, bytes: &[u8]) {
        self.push(
            &(bytes.len() as u64).to_le_bytes(),
            format!(
                "{at}: bytes, length u64 = {} (the arena's setup)",
                bytes.len()
            ),
        );
        let setup = Arena::decode_setup(bytes).expect("an arena setup");
        let setup = &setup;
        self.u16(&format!("{at}.width"), setup.width);
        self.u16(&format!("{at}.height"), setup.height);
        self.count(&format!("{at}.walls"), setup.walls.len());
        for (i, wall) in setup.walls.iter().enumerate() {
            self.u16(&format!("{at}.walls[{i}].x"), wall.x);
            self.u16(&format!("{at}.walls[{i}].y"), wall.y);
            self.u16(&format!("{at}.walls[{i}].w"), wall.w);
            self.u16(&format!("{at}.walls[{i}].h"), wall.h);
        }
        self.f32(&format!("{at}.player_radius"), setup.player_radius);
        self.f32(&format!("{at}.player_speed"), setup.player_speed);
        self.f32(&format!("{at}.bullet_radius"), setup.bullet_radius);
        self.f32(&format!("{at}.bullet_speed"), setup.bullet_speed);
        self.u8(&format!("{at}.max_hp"), setup.max_hp);
        self.u16(
            &format!("{at}.fire_cooldown_ticks"),
            setup.fire_cooldown_ticks,
        );
        self.f32(&format!("{at}.bullet_range"), setup.bullet_range);
        self.u16(
            &format!("{at}.spawn_protection_ticks"),
            setup.spawn_protection_ticks,
        );
    }

    fn snapshot(&mut self, snapshot: &Snapshot) {
        self.u32("tick", snapshot.tick);
        self.u32("ack", snapshot.ack);
        self.u8("baseline_age", snapshot.baseline_age);
        let body = ArenaDelta::decode(&snapshot.body).expect("an arena body");
        self.arena_body(&body);
    }

    /// The arena's snapshot body, to the end of the frame.
    fn arena_body(&mut self, snapshot: &ArenaDelta) {
        let slot_count = snapshot.players.last().map_or(0, |c| c.slot().get() + 1);
        self.u8("body: slot_count", slot_count);
        let mut map = vec![0u8; usize::from(slot_count).div_ceil(4)];
        for change in &snapshot.players {
            let code = match change {
                PlayerChange::Moved { .. } => 1,
                PlayerChange::State(_) => 2,
                PlayerChange::Gone { .. } => 3,
            };
            let slot = usize::from(change.slot());
            map[slot / 4] |= code << ((slot % 4) * 2);
        }
        for (i, byte) in map.iter().enumerate() {
            let codes: Vec<String> = (0..4)
                .map(|k| i * 4 + k)
                .filter(|slot| *slot < usize::from(slot_count))
                .map(|slot| format!("{slot}:{}", (byte >> ((slot % 4) * 2)) & 3))
                .collect();
            self.push(
                &[*byte],
                format!("change map byte {i}: slot:code {}", codes.join(" ")),
            );
        }
        for change in &snapshot.players {
            match *change {
                PlayerChange::Moved { slot, dx, dy } => {
                    self.push(&[dx as u8], format!("slot {slot} moved: dx: i8 = {dx}"));
                    self.push(&[dy as u8], format!("slot {slot} moved: dy: i8 = {dy}"));
                }
                PlayerChange::State(p) => {
                    let at = format!("slot {} state", p.slot);
                    self.u16(&format!("{at}: x"), p.x);
                    self.u16(&format!("{at}: y"), p.y);
                    self.u8(&format!("{at}: aim"), p.aim);
                    self.u8(&format!("{at}: hp"), p.hp);
                    self.u8(&format!("{at}: flags"), p.flags);
                }
                PlayerChange::Gone { .. } => {}
            }
        }
        self.u16("added_bullets count", snapshot.added_bullets.len() as u16);
        for (i, b) in snapshot.added_bullets.iter().enumerate() {
            self.u16(&format!("added_bullets[{i}].id"), b.id);
            self.u8(&format!("added_bullets[{i}].owner"), b.owner.get());
            self.u16(&format!("added_bullets[{i}].x"), b.x);
            self.u16(&format!("added_bullets[{i}].y"), b.y);
            self.u16(&format!("added_bullets[{i}].heading"), b.heading);
        }
        self.u16(
            "removed_bullets count",
            snapshot.removed_bullets.len() as u16,
        );
        for (i, id) in snapshot.removed_bullets.iter().enumerate() {
            self.u16(&format!("removed_bullets[{i}]"), *id);
        }
    }

    fn client(&mut self, msg: &ClientMsg) {
        self.tag(client_variant(msg));
        match msg {
            ClientMsg::Hello { protocol, name } => {
                self.u16("protocol", *protocol);
                self.string("name", name);
            }
            ClientMsg::ListRooms | ClientMsg::LeaveRoom => {}
            ClientMsg::QuickJoin { mode } => self.string("mode", mode),
            ClientMsg::CreateRoom {
                name,
                capacity,
                public,
                bots,
                mode,
            } => {
                self.string("name", name);
                self.u8("capacity", *capacity);
                self.bool("public", *public);
                self.bool("bots", *bots);
                self.string("mode", mode);
            }
            ClientMsg::JoinRoom { room } => self.u32("room", room.get()),
            ClientMsg::JoinByCode { code } => self.string("code", code),
            ClientMsg::Input(msg) => {
                self.u32("seq", msg.seq);
                let input = Arena::decode_input(msg.payload.as_slice()).expect("an arena input");
                self.u8("payload: movement", input.movement);
                self.f32("payload: aim", input.aim);
                self.bool("payload: fire", input.fire);
                self.u32("payload: render_tick", input.render_tick);
            }
            ClientMsg::Chat { text } => self.string("text", text),
            ClientMsg::Ping { t } => self.u64("t", *t),
            ClientMsg::Spectate { room } => self.u32("room", room.get()),
            ClientMsg::SpectateByCode { code } => self.string("code", code),
            ClientMsg::Resume { protocol, token } => {
                self.u16("protocol", *protocol);
                self.string("token", token);
            }
            ClientMsg::Redeem { protocol, ticket } => {
                self.u16("protocol", *protocol);
                self.string("ticket", ticket);
            }
        }
    }

    fn server(&mut self, msg: &ServerMsg) {
        self.tag(server_variant(msg));
        match msg {
            ServerMsg::Welcome {
                protocol,
                player_id,
                tick_rate,
                max_message_bytes,
            } => {
                self.u16("protocol", *protocol);
                self.u32("player_id", player_id.get());
                self.u16("tick_rate", *tick_rate);
                self.u32("max_message_bytes", *max_message_bytes);
            }
            ServerMsg::Error { code, message } => {
                self.u16("code", *code);
                self.string("message", message);
            }
            ServerMsg::RoomList { rooms } => {
                self.count("rooms", rooms.len());
                for (i, room) in rooms.iter().enumerate() {
                    self.room_info(&format!("rooms[{i}]"), room);
                }
            }
            ServerMsg::Joined {
                room,
                code,
                you,
                tick,
                setup,
                roster,
            } => {
                self.room_info("room", room);
                self.string("code", code);
                self.u8("you", (*you).get());
                self.u32("tick", *tick);
                self.setup("setup", setup);
                self.roster(roster);
            }
            ServerMsg::Left { room } => self.u32("room", room.get()),
            ServerMsg::PlayerJoined { player } => self.roster_entry("player", player),
            ServerMsg::PlayerLeft { slot } => self.u8("slot", (*slot).get()),
            ServerMsg::Snapshot(snapshot) => self.snapshot(snapshot),
            ServerMsg::GameEvent { tick, event } => {
                self.u32("tick", *tick);
                self.push(
                    &(event.len() as u64).to_le_bytes(),
                    format!(
                        "event: bytes, length u64 = {} (the arena's event)",
                        event.len()
                    ),
                );
                let ArenaEvent::Kill {
                    killer,
                    victim,
                    respawn_tick,
                } = Arena::decode_event(event).expect("an arena event");
                self.push(&0u32.to_le_bytes(), "event tag: u32 = 0 → Kill".into());
                self.u8("event: killer", killer.get());
                self.u8("event: victim", victim.get());
                self.u32("event: respawn_tick", respawn_tick);
            }
            ServerMsg::Chat { tick, from, text } => {
                self.u32("tick", *tick);
                self.u8("from", (*from).get());
                self.string("text", text);
            }
            ServerMsg::Pong { t } => self.u64("t", *t),
            ServerMsg::RoomClosed { reason } => self.string("reason", reason),
            ServerMsg::Spectating {
                room,
                code,
                tick,
                setup,
                roster,
            } => {
                self.room_info("room", room);
                self.string("code", code);
                self.u32("tick", *tick);
                self.setup("setup", setup);
                self.roster(roster);
            }
            ServerMsg::SessionToken { token, grace_ms } => {
                self.string("token", token);
                self.u32("grace_ms", *grace_ms);
            }
            ServerMsg::Redirect { url, ticket } => {
                self.string("url", url);
                self.string("ticket", ticket);
            }
        }
    }

    fn of(message: &Message) -> Dump {
        let mut dump = Dump::default();
        match message {
            Message::Client(msg) => dump.client(msg),
            Message::Server(msg) => dump.server(msg),
        }
        dump
    }

    fn render(&self) -> String {
        let width = Self::BYTES_PER_ROW * 3 - 1;
        let mut out = String::new();
        for (bytes, label) in &self.rows {
            let hex = bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(out, "{hex:<width$}  {label}").expect("writing to a String");
        }
        out
    }
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn protocol_md_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("PROTOCOL.md")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_VECTORS").is_some_and(|v| v == "1")
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd-length hex {hex:?}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect()
}

fn expected_index() -> Index {
    Index {
        about:
            "Golden vectors of the Skirmish wire protocol; the format of this file is described \
                in PROTOCOL.md, section 'Golden vectors'. Generated by tests/protocol_vectors.rs."
                .into(),
        protocol_version: PROTOCOL_VERSION,
        valid: vectors()
            .iter()
            .map(|v| ValidEntry {
                name: v.name.into(),
                direction: v.message.direction().into(),
                file: format!("{}.bin", v.name),
                hex: to_hex(&v.message.encode()),
                message: v.message.to_json(),
            })
            .collect(),
        invalid: malformed_frames()
            .iter()
            .map(|f| InvalidEntry {
                name: f.name.into(),
                direction: f.direction.into(),
                hex: to_hex(&f.bytes),
                reason: f.reason.into(),
            })
            .collect(),
    }
}

fn expected_examples() -> String {
    let mut out = String::new();
    for vector in vectors() {
        let dump = Dump::of(&vector.message);
        let direction = match vector.message {
            Message::Client(_) => "client → server",
            Message::Server(_) => "server → client",
        };
        writeln!(
            out,
            "#### `{}`: `{}`, {direction}, {} bytes\n\n```text\n{}```\n\nWhole frame: `{}`\n",
            vector.name,
            vector.message.rust_name(),
            dump.bytes.len(),
            dump.render(),
            to_hex(&dump.bytes)
        )
        .expect("writing to a String");
    }
    out
}

fn read_index() -> Index {
    let path = vectors_dir().join("index.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run with UPDATE_VECTORS=1 to write it",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("index.json is an Index")
}

#[test]
fn vectors_cover_every_variant_once_or_more() {
    let mut client_tags = BTreeSet::new();
    let mut server_tags = BTreeSet::new();
    for vector in vectors() {
        match &vector.message {
            Message::Client(msg) => client_tags.insert(client_variant(msg).0),
            Message::Server(msg) => server_tags.insert(server_variant(msg).0),
        };
    }
    assert_eq!(client_tags, (0..CLIENT_VARIANTS).collect());
    assert_eq!(server_tags, (0..SERVER_VARIANTS).collect());
}

#[test]
fn the_documented_layout_is_the_codecs_layout() {
    for vector in vectors() {
        assert_eq!(
            Dump::of(&vector.message).bytes,
            vector.message.encode(),
            "{}: PROTOCOL.md's field-by-field layout differs from the codec",
            vector.name
        );
    }
}

#[test]
fn stored_vectors_match_the_codec() {
    let expected = expected_index();
    let dir = vectors_dir();
    if updating() {
        fs::create_dir_all(&dir).expect("create tests/vectors");
        for entry in fs::read_dir(&dir).expect("list tests/vectors").flatten() {
            if entry.path().extension().is_some_and(|e| e == "bin") {
                fs::remove_file(entry.path()).expect("remove a stale .bin");
            }
        }
        for entry in &expected.valid {
            fs::write(dir.join(&entry.file), from_hex(&entry.hex)).expect("write a .bin");
        }
        let json = serde_json::to_string_pretty(&expected).expect("index serializes");
        fs::write(dir.join("index.json"), json + "\n").expect("write index.json");
    }

    let stored = read_index();
    assert_eq!(stored.protocol_version, PROTOCOL_VERSION);
    let stored_names: Vec<_> = stored.valid.iter().map(|e| e.name.as_str()).collect();
    let expected_names: Vec<_> = expected.valid.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(stored_names, expected_names, "the list of vectors changed");
    for ((vector, want), got) in vectors().iter().zip(&expected.valid).zip(&stored.valid) {
        assert_eq!(got, want, "index.json entry {}", vector.name);
        let bin = fs::read(dir.join(&got.file)).expect("read a .bin");
        assert_eq!(to_hex(&bin), got.hex, "{} differs from its hex", got.file);
        let bytes = from_hex(&got.hex);
        match &vector.message {
            Message::Client(msg) => {
                assert_eq!(encode_client(msg), bytes, "encoding {}", vector.name);
                assert_eq!(decode_client(&bytes).as_ref(), Ok(msg), "{}", vector.name);
                let from_json: ClientMsg = serde_json::from_value(unflatten_variant(&got.message))
                    .expect("the JSON form reads back");
                assert_eq!(&from_json, msg, "JSON of {}", vector.name);
            }
            Message::Server(msg) => {
                assert_eq!(encode_server(msg), bytes, "encoding {}", vector.name);
                assert_eq!(decode_server(&bytes).as_ref(), Ok(msg), "{}", vector.name);
                let from_json: ServerMsg = serde_json::from_value(unflatten_variant(&got.message))
                    .expect("the JSON form reads back");
                assert_eq!(&from_json, msg, "JSON of {}", vector.name);
            }
        }
    }
    let bins: BTreeSet<_> = fs::read_dir(&dir)
        .expect("list tests/vectors")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".bin"))
        .collect();
    let listed: BTreeSet<_> = stored.valid.iter().map(|e| e.file.clone()).collect();
    assert_eq!(
        bins, listed,
        "tests/vectors holds .bin files index.json does not list"
    );
    assert_eq!(
        stored.invalid, expected.invalid,
        "index.json's invalid frames"
    );
}

#[test]
fn malformed_frames_do_not_decode() {
    for frame in malformed_frames() {
        let result = match frame.direction {
            "client" => decode_client(&frame.bytes).map(|msg| format!("{msg:?}")),
            _ => decode_server(&frame.bytes).map(|msg| format!("{msg:?}")),
        };
        assert!(
            result.is_err(),
            "{} ({}) decoded as {result:?}",
            frame.name,
            frame.reason
        );
    }
}

#[test]
fn protocol_md_shows_the_stored_bytes() {
    let path = protocol_md_path();
    let doc = fs::read_to_string(&path).expect("read PROTOCOL.md");
    let begin = doc
        .find(DOC_BEGIN)
        .expect("PROTOCOL.md has the begin marker")
        + DOC_BEGIN.len();
    let end = doc.find(DOC_END).expect("PROTOCOL.md has the end marker");
    let generated = format!("\n\n{}", expected_examples());
    if updating() {
        let updated = format!("{}{generated}{}", &doc[..begin], &doc[end..]);
        fs::write(&path, updated).expect("write PROTOCOL.md");
    } else {
        assert!(
            doc[begin..end] == generated,
            "PROTOCOL.md's examples are stale; run UPDATE_VECTORS=1 cargo test --test protocol_vectors"
        );
    }
}

/// A room at tick 1235: three players in slots 0, 2 and 5, two bullets.
fn full_snapshot_state() -> ArenaState {
    ArenaState {
        tick: 1235,
        players: vec![
            PlayerState {
                slot: Slot(0),
                x: quantize_position(812.5),
                y: quantize_position(300.0625),
                aim: quantize_angle(FRAC_PI_2),
                hp: 100,
                flags: PLAYER_ALIVE,
            },
            PlayerState {
                slot: Slot(2),
                x: quantize_position(95.25),
                y: quantize_position(640.0),
                aim: quantize_angle(-FRAC_PI_4),
                hp: 0,
                flags: 0,
            },
            PlayerState {
                slot: Slot(5),
                x: quantize_position(1500.0),
                y: quantize_position(980.75),
                aim: quantize_angle(std::f32::consts::PI),
                hp: 35,
                flags: PLAYER_ALIVE,
            },
        ],
        bullets: vec![
            flying(1235, 0, 0, 830.0, 320.5, FRAC_PI_4),
            flying(1235, 65_535, 5, 1480.0, 980.75, std::f32::consts::PI),
        ],
    }
}

/// The same room one tick later: slot 0 moved, slot 2 respawned, slot 5 left, slot 7 joined;
/// bullet 65535 hit something and bullet 1 was fired.
fn delta_snapshot_state() -> ArenaState {
    let mut room = full_snapshot_state();
    room.tick = 1236;
    room.players[0].x += 117;
    room.players[0].y -= 3;
    room.players[1] = PlayerState {
        slot: Slot(2),
        x: quantize_position(200.0),
        y: quantize_position(180.0),
        aim: 0,
        hp: 100,
        flags: PLAYER_ALIVE,
    };
    room.players[2] = PlayerState {
        slot: Slot(7),
        x: quantize_position(60.0),
        y: quantize_position(60.0),
        aim: 0,
        hp: 100,
        flags: PLAYER_ALIVE,
    };
    room.bullets = vec![
        room.bullets[0],
        flying(1236, 1, 0, 845.0, 300.0, -FRAC_PI_2),
    ];
    room
}

fn flying(since: u32, id: u16, owner: u8, x: f32, y: f32, heading: f32) -> FlyingBullet {
    FlyingBullet {
        since,
        bullet: BulletState {
            id,
            owner: Slot(owner),
            x: quantize_position(x),
            y: quantize_position(y),
            heading: quantize_heading(heading),
        },
    }
}

/// The first snapshot a member gets: everything, with its ack.
fn full_snapshot() -> Snapshot {
    let full = full_snapshot_state();
    Snapshot::between::<Arena>(None, (full.tick, &full), 118)
}

/// The next tick's snapshot for the same member, as a change from `full_snapshot`.
fn delta_snapshot() -> Snapshot {
    let (full, delta) = (full_snapshot_state(), delta_snapshot_state());
    Snapshot::between::<Arena>(Some((full.tick, &full)), (delta.tick, &delta), 119)
}

#[test]
fn the_delta_vector_applies_to_the_full_one() {
    let mut held: Option<Held<ArenaState>> = None;
    apply_snapshot::<Arena>(&mut held, &full_snapshot()).expect("the full vector applies");
    apply_snapshot::<Arena>(&mut held, &delta_snapshot()).expect("the delta vector applies on top");
    let held = held.expect("a state").state;
    assert_eq!(held.players, delta_snapshot_state().players);
    let ids: Vec<(u16, u32)> = held
        .bullets
        .iter()
        .map(|b| (b.bullet.id, b.since))
        .collect();
    assert_eq!(
        ids,
        [(0, 1235), (1, 1236)],
        "bullets keep the tick they appeared"
    );
}
