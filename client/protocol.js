// protocol.js — the envelope of the wire format (protocol 4, /work/notes/anygame-spec.md and
// PROTOCOL.md), byte for byte as the server's src/protocol.rs: every message of every game,
// bincode 2 through wire.js's layouts, with u32 enum tags. A game's own data travels in it as
// opaque bytes: Joined/Spectating `setup`, GameEvent `event`, a Snapshot's `body` after its
// header, an Input's `payload` after its seq. Two messages are hand-packed: `Input` (tag, seq,
// then the mode's payload to the end of the frame) and `Snapshot` (tag, tick, ack,
// baseline_age, then the mode's body to the end of the frame).
//
// Owns: turning envelope messages into bytes and back, the protocol's constants and codes.
// Must not: look inside a payload (games/<mode>/codec.js does), touch the network, the DOM or
// any game state.
//
// Messages are plain objects with a `type` naming the variant, e.g.
// `{ type: "Hello", protocol: 4, name: "ada" }`, `{ type: "Input", seq, payload }`,
// `{ type: "Snapshot", tick, ack, baseline_age, body }`, `{ type: "GameEvent", tick, event }`;
// payloads are Uint8Arrays, u64 fields (`Ping.t`, `Pong.t`) BigInts, field names the Rust ones.

import {
  checkInteger,
  listOf,
  ProtocolError,
  readFields,
  Reader,
  toBytes,
  writeFields,
  Writer,
} from "./wire.js";

export { ProtocolError };

export const PROTOCOL_VERSION = 5;
const MAX_CLIENT_MESSAGE_BYTES = 4096;
export const MAX_SERVER_MESSAGE_BYTES = 1 << 20;
export const MAX_ROOM_NAME_CHARS = 32;
/** An Input's payload is 1 to this many bytes (a game's input is small and fixed). */
export const MAX_INPUT_PAYLOAD_BYTES = 32;

export const ERROR_CODES = Object.freeze({
  BAD_MESSAGE: 1,
  MESSAGE_TOO_LARGE: 2,
  VERSION_MISMATCH: 3,
  BAD_NAME: 4,
  HANDSHAKE_REQUIRED: 5,
  ROOM_NOT_FOUND: 6,
  ROOM_FULL: 7,
  NOT_IN_ROOM: 8,
  ALREADY_IN_ROOM: 9,
  BAD_INPUT: 10,
  BAD_ROOM_SETTINGS: 11,
  BAD_CHAT: 12,
  RATE_LIMITED: 13,
  TOO_SLOW: 14,
  SERVER_FULL: 15,
  UNAUTHORIZED: 16,
  BAD_SESSION_TOKEN: 17,
  UNKNOWN_MODE: 18,
  BAD_TICKET: 19,
});

export const CLOSE_CODES = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  INVALID_PAYLOAD: 1007,
  MESSAGE_TOO_BIG: 1009,
  VERSION_MISMATCH: 4001,
  BAD_NAME: 4002,
  HANDSHAKE_REQUIRED: 4003,
  TIMEOUT: 4004,
  TRY_AGAIN_LATER: 1013,
  TOO_SLOW: 4005,
  FLOODING: 4006,
  UNAUTHORIZED: 4007,
  BAD_SESSION_TOKEN: 4008,
  REPLACED: 4009,
  HANDSHAKE_TIMEOUT: 4010,
  BAD_TICKET: 4011,
});

function tagOf(variants, type, side) {
  const tag = variants.indexOf(type);
  if (tag < 0) throw new ProtocolError(`unknown ${side} message type ${JSON.stringify(type)}`);
  return tag;
}

const ROOM_INFO = [
  ["id", "u32"], ["name", "string"], ["mode", "string"],
  ["players", "u8"], ["capacity", "u8"], ["public", "bool"], ["bots", "u8"],
];
/** `score`: the mode's scoreboard numbers (arena [kills, deaths], tag [points, tags]). */
const ROSTER_ENTRY = [
  ["slot", "u8"], ["player_id", "u32"], ["name", "string"], ["score", listOf("i32")],
  ["bot", "bool"],
];

// The key order is the tag; it must match the Rust enums exactly. `null`: hand-packed.
const CLIENT_MESSAGES = {
  Hello: [["protocol", "u16"], ["name", "string"]],
  ListRooms: [],
  CreateRoom: [
    ["name", "string"], ["capacity", "u8"], ["public", "bool"], ["bots", "bool"], ["mode", "string"],
  ],
  JoinRoom: [["room", "u32"]],
  JoinByCode: [["code", "string"]],
  QuickJoin: [["mode", "string"]],
  LeaveRoom: [],
  Input: null,
  Chat: [["text", "string"]],
  Ping: [["t", "u64"]],
  Spectate: [["room", "u32"]],
  SpectateByCode: [["code", "string"]],
  Resume: [["protocol", "u16"], ["token", "string"]],
  Redeem: [["protocol", "u16"], ["ticket", "string"]],
};
const SERVER_MESSAGES = {
  Welcome: [
    ["protocol", "u16"], ["player_id", "u32"], ["tick_rate", "u16"], ["max_message_bytes", "u32"],
  ],
  Error: [["code", "u16"], ["message", "string"]],
  RoomList: [["rooms", listOf(ROOM_INFO)]],
  Joined: [
    ["room", ROOM_INFO], ["code", "string"], ["you", "u8"], ["tick", "u32"],
    ["setup", "bytes"], ["roster", listOf(ROSTER_ENTRY)],
  ],
  Left: [["room", "u32"]],
  PlayerJoined: [["player", ROSTER_ENTRY]],
  PlayerLeft: [["slot", "u8"]],
  Snapshot: null,
  GameEvent: [["tick", "u32"], ["event", "bytes"]],
  Chat: [["tick", "u32"], ["from", "u8"], ["text", "string"]],
  Pong: [["t", "u64"]],
  RoomClosed: [["reason", "string"]],
  Spectating: [
    ["room", ROOM_INFO], ["code", "string"], ["tick", "u32"],
    ["setup", "bytes"], ["roster", listOf(ROSTER_ENTRY)],
  ],
  SessionToken: [["token", "string"], ["grace_ms", "u32"]],
  Redirect: [["url", "string"], ["ticket", "string"]],
};
const CLIENT_VARIANTS = Object.keys(CLIENT_MESSAGES);
const SERVER_VARIANTS = Object.keys(SERVER_MESSAGES);

/** An Input's payload: 1 to MAX_INPUT_PAYLOAD_BYTES bytes, as the server takes them. */
function checkInputPayload(length) {
  checkInteger(length, 1, MAX_INPUT_PAYLOAD_BYTES, "Input payload length");
}

// The hand-packed messages: their header fields, then the payload to the end of the frame
// (`check`, if any, refuses a payload length the server would not take).
const HAND_PACKED = {
  Input: {
    header: [["seq", "u32"]],
    payload: "payload",
    check: checkInputPayload,
  },
  Snapshot: {
    // ack stays at byte offset 8, where protocol 3 had it.
    header: [["tick", "u32"], ["ack", "u32"], ["baseline_age", "u8"]],
    payload: "body",
  },
};

function writeBody(w, layouts, msg) {
  if (layouts[msg.type] !== null) {
    writeFields(w, layouts[msg.type], msg, "");
    return;
  }
  const packed = HAND_PACKED[msg.type];
  writeFields(w, packed.header, msg, "");
  const payload = msg[packed.payload];
  if (payload instanceof Uint8Array) packed.check?.(payload.length);
  w.raw(payload, packed.payload);
}

function readBody(r, layouts, type) {
  if (layouts[type] !== null) return readFields(r, layouts[type], { type }, "");
  const packed = HAND_PACKED[type];
  const msg = readFields(r, packed.header, { type }, "");
  msg[packed.payload] = r.rest();
  packed.check?.(msg[packed.payload].length);
  return msg;
}

function encode(msg, variants, layouts, side) {
  const w = new Writer();
  w.u32(tagOf(variants, msg?.type, side), "tag");
  writeBody(w, layouts, msg);
  return w.finish();
}

/**
 * Decodes one whole frame of `side`: its size checked against `maxBytes`, its tag read, its
 * body, and nothing left over.
 */
function decode(data, maxBytes, variants, layouts, side) {
  const bytes = toBytes(data);
  if (bytes.length > maxBytes) {
    throw new ProtocolError(
      `message of ${bytes.length} bytes is over the limit of ${maxBytes} bytes`,
    );
  }
  const r = new Reader(bytes);
  const tag = r.u32("tag");
  if (tag >= variants.length) {
    throw new ProtocolError(`unknown ${side} message tag ${tag}`);
  }
  const msg = readBody(r, layouts, variants[tag]);
  r.end("message");
  return msg;
}

/** Encodes a message the client sends. Throws ProtocolError for a field out of its range. */
export function encodeClient(msg) {
  return encode(msg, CLIENT_VARIANTS, CLIENT_MESSAGES, "client");
}

/** Encodes a server message (the test checks the codec both ways; the page never needs it). */
export function encodeServer(msg) {
  return encode(msg, SERVER_VARIANTS, SERVER_MESSAGES, "server");
}

/** Decodes one whole frame from the server. Throws ProtocolError on anything malformed. */
export function decodeServer(data) {
  return decode(data, MAX_SERVER_MESSAGE_BYTES, SERVER_VARIANTS, SERVER_MESSAGES, "server");
}

/** Decodes one client message (the test checks the codec both ways; the page never needs it). */
export function decodeClient(data) {
  return decode(data, MAX_CLIENT_MESSAGE_BYTES, CLIENT_VARIANTS, CLIENT_MESSAGES, "client");
}
