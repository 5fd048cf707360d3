// protocol.js — the wire format, byte for byte as the server's src/protocol.rs (PROTOCOL.md):
// bincode 2 with little-endian fixed-size integers, u32 enum tags, u64 sequence lengths,
// 1-byte bools and f32 floats, each message's fields listed once in a layout that both the
// encoder and the decoder follow. One message is hand-packed instead: `Snapshot` (PROTOCOL.md,
// "Snapshot"), a delta against the previous snapshot with a 2-bit change code per slot.
//
// Owns: turning message objects into bytes and bytes into message objects, the protocol
// constants, and the quantization helpers. Must not: touch the network, the DOM or any game
// state. Decoding never trusts a length it reads: it checks every length against the bytes
// that are actually left, so malformed input throws a ProtocolError at once and never hangs
// or allocates more than the frame's size.
//
// Messages are plain objects with a `type` naming the variant, e.g.
// `{ type: "Hello", protocol: 3, name: "ada" }`; `Input` is flat:
// `{ type: "Input", seq, movement, aim, fire, render_tick }`. u64 fields (`Ping.t`, `Pong.t`) are BigInts.
// Field names are the Rust ones, as in the golden vectors' JSON; so a Snapshot's player changes
// are tagged like serde's enums: `{ Moved: { slot, dx, dy } }`, `{ State: { slot, x, y, aim,
// hp, flags } }`, `{ Gone: { slot } }`. Applying a snapshot to the previous state is delta.js's.

export const PROTOCOL_VERSION = 3;
const MAX_CLIENT_MESSAGE_BYTES = 4096;
export const MAX_SERVER_MESSAGE_BYTES = 1 << 20;
export const MAX_ROOM_NAME_CHARS = 32;
const POSITION_SCALE = 16;

export const MOVE_UP = 1;
export const MOVE_DOWN = 2;
export const MOVE_LEFT = 4;
export const MOVE_RIGHT = 8;

export const PLAYER_ALIVE = 1;
/** Just (re)spawned: bullets do it no harm until the protection ends or it fires. */
export const PLAYER_PROTECTED = 2;

/** A Snapshot's 2-bit change code of a slot (0 is "unchanged" and carries no entry). */
const PLAYER_CHANGE_CODES = Object.freeze({ Moved: 1, State: 2, Gone: 3 });
const PLAYER_CHANGE_KINDS = ["Moved", "State", "Gone"];
/** The most slots a Snapshot's change map may describe: the largest room. */
const MAX_SNAPSHOT_SLOTS = 100;
const ADDED_BULLET_BYTES = 9;

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
});

/** Thrown for bytes that are not one well-formed message, or a message that cannot be encoded. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProtocolError";
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

class Writer {
  constructor() {
    this.bytes = new Uint8Array(64);
    this.view = new DataView(this.bytes.buffer);
    this.length = 0;
  }

  reserve(extra) {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Makes room for `count` more bytes and returns the offset they start at. */
  claim(count) {
    this.reserve(count);
    const at = this.length;
    this.length += count;
    return at;
  }

  // Every write claims before it reads `this.view` or `this.bytes`: claiming may replace them.
  u8(value, field) {
    checkInteger(value, 0, 0xff, field);
    const at = this.claim(1);
    this.view.setUint8(at, value);
  }

  i8(value, field) {
    checkInteger(value, -0x80, 0x7f, field);
    const at = this.claim(1);
    this.view.setInt8(at, value);
  }

  u16(value, field) {
    checkInteger(value, 0, 0xffff, field);
    const at = this.claim(2);
    this.view.setUint16(at, value, true);
  }

  u32(value, field) {
    checkInteger(value, 0, 0xffffffff, field);
    const at = this.claim(4);
    this.view.setUint32(at, value, true);
  }

  u64(value, field) {
    let big;
    if (typeof value === "bigint") {
      big = value;
    } else {
      checkInteger(value, 0, Number.MAX_SAFE_INTEGER, field);
      big = BigInt(value);
    }
    if (big < 0n || big > 0xffffffffffffffffn) {
      throw new ProtocolError(`${field} must be a u64, got ${value}`);
    }
    const at = this.claim(8);
    this.view.setBigUint64(at, big, true);
  }

  f32(value, field) {
    if (typeof value !== "number") {
      throw new ProtocolError(`${field} must be a number, got ${typeof value}`);
    }
    const at = this.claim(4);
    this.view.setFloat32(at, value, true);
  }

  bool(value, field) {
    if (typeof value !== "boolean") {
      throw new ProtocolError(`${field} must be a boolean, got ${typeof value}`);
    }
    this.u8(value ? 1 : 0, field);
  }

  string(value, field) {
    if (typeof value !== "string") {
      throw new ProtocolError(`${field} must be a string, got ${typeof value}`);
    }
    const encoded = utf8Encoder.encode(value);
    this.u64(encoded.length, `${field} length`);
    const at = this.claim(encoded.length);
    this.bytes.set(encoded, at);
  }

  finish() {
    return this.bytes.slice(0, this.length);
  }
}

function checkInteger(value, min, max, field) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ProtocolError(`${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = 0;
  }

  remaining() {
    return this.bytes.length - this.offset;
  }

  need(count, field) {
    if (this.remaining() < count) {
      throw new ProtocolError(
        `message ends inside ${field}: needs ${count} bytes at offset ${this.offset}, ` +
          `${this.remaining()} left`,
      );
    }
  }

  /** Checks that `count` bytes are left, steps over them and returns where they start. */
  take(count, field) {
    this.need(count, field);
    const at = this.offset;
    this.offset += count;
    return at;
  }

  u8(field) {
    return this.view.getUint8(this.take(1, field));
  }

  i8(field) {
    return this.view.getInt8(this.take(1, field));
  }

  u16(field) {
    return this.view.getUint16(this.take(2, field), true);
  }

  u32(field) {
    return this.view.getUint32(this.take(4, field), true);
  }

  u64(field) {
    return this.view.getBigUint64(this.take(8, field), true);
  }

  f32(field) {
    return this.view.getFloat32(this.take(4, field), true);
  }

  bool(field) {
    const byte = this.u8(field);
    if (byte > 1) {
      throw new ProtocolError(`${field} is not a bool: byte ${byte} at offset ${this.offset - 1}`);
    }
    return byte === 1;
  }

  /** A u64 length, checked against the bytes left given the smallest size of one element. */
  length(field, minElementBytes) {
    const claimed = this.u64(`${field} length`);
    const possible = BigInt(Math.floor(this.remaining() / minElementBytes));
    if (claimed > possible) {
      throw new ProtocolError(
        `${field} claims ${claimed} elements but only ${this.remaining()} bytes are left`,
      );
    }
    return Number(claimed);
  }

  /** A Snapshot's list: a u16 count, checked against the bytes left, of fixed-size elements. */
  counted(field, elementBytes, readElement) {
    const claimed = this.u16(`${field} count`);
    if (claimed * elementBytes > this.remaining()) {
      throw new ProtocolError(
        `${field} claims ${claimed} elements but only ${this.remaining()} bytes are left`,
      );
    }
    const items = new Array(claimed);
    for (let i = 0; i < claimed; i++) items[i] = readElement(`${field}[${i}]`);
    return items;
  }

  string(field) {
    const length = this.length(field, 1);
    const at = this.take(length, field);
    const slice = this.bytes.subarray(at, at + length);
    try {
      return utf8Decoder.decode(slice);
    } catch {
      throw new ProtocolError(`${field} is not valid UTF-8`);
    }
  }

  vec(field, minElementBytes, readElement) {
    const length = this.length(field, minElementBytes);
    const items = new Array(length);
    for (let i = 0; i < length; i++) items[i] = readElement(`${field}[${i}]`);
    return items;
  }
}

function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new ProtocolError(`cannot decode a ${Object.prototype.toString.call(data)}; expected bytes`);
}

function tagOf(variants, type, side) {
  const tag = variants.indexOf(type);
  if (tag < 0) throw new ProtocolError(`unknown ${side} message type ${JSON.stringify(type)}`);
  return tag;
}

// Layouts: the fields of a message or a record in wire order, as [name, kind] pairs. A kind is
// a Writer/Reader method ("u8", "string", ...), another layout (a nested struct) or listOf(a
// layout) (a Vec). One layout serves the encoder and the decoder, so the two cannot disagree.

/** The fewest bytes a value of each Writer/Reader kind takes (a string: its u64 length). */
const MIN_BYTES = { u8: 1, i8: 1, bool: 1, u16: 2, u32: 4, f32: 4, u64: 8, string: 8 };

function minBytesOf(kind) {
  if (typeof kind === "string") return MIN_BYTES[kind];
  if (Array.isArray(kind)) return kind.reduce((sum, [, inner]) => sum + minBytesOf(inner), 0);
  // A list may be empty: its u64 length.
  return MIN_BYTES.u64;
}

/** A Vec of `layout`: a u64 length, then the elements. */
function listOf(layout) {
  return { list: layout, minElementBytes: minBytesOf(layout) };
}

const ROOM_INFO = [
  ["id", "u32"], ["name", "string"], ["mode", "string"],
  ["players", "u8"], ["capacity", "u8"], ["public", "bool"], ["bots", "u8"],
];
const ROSTER_ENTRY = [
  ["slot", "u8"], ["player_id", "u32"], ["name", "string"], ["kills", "u16"], ["deaths", "u16"],
  ["bot", "bool"],
];
const SETUP = [
  ["width", "u16"], ["height", "u16"],
  ["walls", listOf([["x", "u16"], ["y", "u16"], ["w", "u16"], ["h", "u16"]])],
  ["player_radius", "f32"], ["player_speed", "f32"],
  ["bullet_radius", "f32"], ["bullet_speed", "f32"], ["max_hp", "u8"],
  ["fire_cooldown_ticks", "u16"], ["bullet_range", "f32"], ["spawn_protection_ticks", "u16"],
];

// The key order is the tag; it must match the Rust enums exactly.
const CLIENT_MESSAGES = {
  Hello: [["protocol", "u16"], ["name", "string"]],
  ListRooms: [],
  CreateRoom: [["name", "string"], ["capacity", "u8"], ["public", "bool"], ["bots", "bool"]],
  JoinRoom: [["room", "u32"]],
  JoinByCode: [["code", "string"]],
  QuickJoin: [],
  LeaveRoom: [],
  Input: [
    ["seq", "u32"], ["movement", "u8"], ["aim", "f32"], ["fire", "bool"], ["render_tick", "u32"],
  ],
  Chat: [["text", "string"]],
  Ping: [["t", "u64"]],
  Spectate: [["room", "u32"]],
  SpectateByCode: [["code", "string"]],
  Resume: [["protocol", "u16"], ["token", "string"]],
};
const SERVER_MESSAGES = {
  Welcome: [
    ["protocol", "u16"], ["player_id", "u32"], ["tick_rate", "u16"], ["max_message_bytes", "u32"],
  ],
  Error: [["code", "u16"], ["message", "string"]],
  RoomList: [["rooms", listOf(ROOM_INFO)]],
  Joined: [
    ["room", ROOM_INFO], ["code", "string"], ["you", "u8"], ["tick", "u32"],
    ["setup", SETUP], ["roster", listOf(ROSTER_ENTRY)],
  ],
  Left: [["room", "u32"]],
  PlayerJoined: [["player", ROSTER_ENTRY]],
  PlayerLeft: [["slot", "u8"]],
  // Hand-packed, not bincode: writeSnapshot and readSnapshot.
  Snapshot: null,
  Kill: [["tick", "u32"], ["killer", "u8"], ["victim", "u8"], ["respawn_tick", "u32"]],
  Chat: [["tick", "u32"], ["from", "u8"], ["text", "string"]],
  Pong: [["t", "u64"]],
  RoomClosed: [["reason", "string"]],
  Spectating: [
    ["room", ROOM_INFO], ["code", "string"], ["tick", "u32"],
    ["setup", SETUP], ["roster", listOf(ROSTER_ENTRY)],
  ],
  SessionToken: [["token", "string"], ["grace_ms", "u32"]],
};
const CLIENT_VARIANTS = Object.keys(CLIENT_MESSAGES);
const SERVER_VARIANTS = Object.keys(SERVER_MESSAGES);

/** Writes `record`'s fields; a field is named `prefix` + its name in errors. */
function writeFields(w, layout, record, prefix) {
  for (const [name, kind] of layout) writeValue(w, kind, record[name], prefix + name);
}

function writeValue(w, kind, value, field) {
  if (typeof kind === "string") {
    w[kind](value, field);
  } else if (Array.isArray(kind)) {
    writeFields(w, kind, value, `${field}.`);
  } else {
    w.u64(value.length, `${field} length`);
    value.forEach((item, i) => writeValue(w, kind.list, item, `${field}[${i}]`));
  }
}

/** Reads a layout's fields into `record` and returns it. */
function readFields(r, layout, record, prefix) {
  for (const [name, kind] of layout) record[name] = readValue(r, kind, prefix + name);
  return record;
}

function readValue(r, kind, field) {
  if (typeof kind === "string") return r[kind](field);
  if (Array.isArray(kind)) return readFields(r, kind, {}, `${field}.`);
  return r.vec(field, kind.minElementBytes, (element) => readValue(r, kind.list, element));
}

/** The one variant name of a serde-tagged player change, e.g. "Moved" for `{ Moved: {...} }`. */
export function playerChangeKind(change, field = "player change") {
  const keys = change && typeof change === "object" ? Object.keys(change) : [];
  if (keys.length !== 1 || !PLAYER_CHANGE_KINDS.includes(keys[0])) {
    throw new ProtocolError(`${field} must be one of {Moved}, {State} or {Gone}`);
  }
  return keys[0];
}

function writeSnapshot(w, msg) {
  w.u32(msg.tick, "tick");
  w.u32(msg.ack, "ack");
  w.u8(msg.baseline_age, "baseline_age");
  // The change map covers the slots up to the highest one that changed, and no further.
  const codes = [];
  msg.players.forEach((change, i) => {
    const kind = playerChangeKind(change, `players[${i}]`);
    const slot = change[kind].slot;
    const field = `players[${i}].slot (in increasing order)`;
    checkInteger(slot, codes.length, MAX_SNAPSHOT_SLOTS - 1, field);
    while (codes.length < slot) codes.push(0);
    codes.push(PLAYER_CHANGE_CODES[kind]);
  });
  w.u8(codes.length, "slot_count");
  for (let first = 0; first < codes.length; first += 4) {
    let byte = 0;
    for (let s = first; s < Math.min(first + 4, codes.length); s++) {
      byte |= codes[s] << ((s & 3) * 2);
    }
    w.u8(byte, "change map");
  }
  msg.players.forEach((change, i) => {
    const field = `players[${i}]`;
    if ("Moved" in change) {
      w.i8(change.Moved.dx, `${field}.dx`);
      w.i8(change.Moved.dy, `${field}.dy`);
    } else if ("State" in change) {
      const p = change.State;
      w.u16(p.x, `${field}.x`);
      w.u16(p.y, `${field}.y`);
      w.u8(p.aim, `${field}.aim`);
      w.u8(p.hp, `${field}.hp`);
      w.u8(p.flags, `${field}.flags`);
    }
  });
  w.u16(msg.added_bullets.length, "added_bullets count");
  msg.added_bullets.forEach((b, i) => {
    const field = `added_bullets[${i}]`;
    w.u16(b.id, `${field}.id`);
    w.u8(b.owner, `${field}.owner`);
    w.u16(b.x, `${field}.x`);
    w.u16(b.y, `${field}.y`);
    w.u16(b.heading, `${field}.heading`);
  });
  w.u16(msg.removed_bullets.length, "removed_bullets count");
  msg.removed_bullets.forEach((id, i) => w.u16(id, `removed_bullets[${i}]`));
}

function readSnapshot(r) {
  // An object literal's values are computed in the order written: here, the wire order.
  return {
    type: "Snapshot",
    tick: r.u32("tick"),
    ack: r.u32("ack"),
    baseline_age: r.u8("baseline_age"),
    players: readPlayerChanges(r),
    added_bullets: r.counted("added_bullets", ADDED_BULLET_BYTES, (field) => ({
      id: r.u16(`${field}.id`),
      owner: r.u8(`${field}.owner`),
      x: r.u16(`${field}.x`),
      y: r.u16(`${field}.y`),
      heading: r.u16(`${field}.heading`),
    })),
    removed_bullets: r.counted("removed_bullets", 2, (field) => r.u16(field)),
  };
}

/** The slot count, the change map and one entry for each changed slot, in slot order. */
function readPlayerChanges(r) {
  const slotCount = r.u8("slot_count");
  if (slotCount > MAX_SNAPSHOT_SLOTS) {
    throw new ProtocolError(`slot_count ${slotCount} is over the limit of ${MAX_SNAPSHOT_SLOTS}`);
  }
  const mapBytes = Math.ceil(slotCount / 4);
  const mapAt = r.take(mapBytes, "change map");
  // The codes in the last byte beyond slot_count mean nothing; like the server, ignore them.
  const map = r.bytes.subarray(mapAt, mapAt + mapBytes);
  const players = [];
  for (let slot = 0; slot < slotCount; slot++) {
    const code = (map[slot >> 2] >> ((slot & 3) * 2)) & 3;
    const field = `players[slot ${slot}]`;
    if (code === PLAYER_CHANGE_CODES.Moved) {
      players.push({ Moved: { slot, dx: r.i8(`${field}.dx`), dy: r.i8(`${field}.dy`) } });
    } else if (code === PLAYER_CHANGE_CODES.State) {
      players.push({
        State: {
          slot,
          x: r.u16(`${field}.x`),
          y: r.u16(`${field}.y`),
          aim: r.u8(`${field}.aim`),
          hp: r.u8(`${field}.hp`),
          flags: r.u8(`${field}.flags`),
        },
      });
    } else if (code === PLAYER_CHANGE_CODES.Gone) {
      players.push({ Gone: { slot } });
    }
  }
  return players;
}

/** Encodes a message the client sends. Throws ProtocolError for a field out of its range. */
export function encodeClient(msg) {
  const w = new Writer();
  w.u32(tagOf(CLIENT_VARIANTS, msg?.type, "client"), "tag");
  writeFields(w, CLIENT_MESSAGES[msg.type], msg, "");
  return w.finish();
}

/** Encodes a server message (the test checks the codec both ways; the page never needs it). */
export function encodeServer(msg) {
  const w = new Writer();
  w.u32(tagOf(SERVER_VARIANTS, msg?.type, "server"), "tag");
  if (msg.type === "Snapshot") writeSnapshot(w, msg);
  else writeFields(w, SERVER_MESSAGES[msg.type], msg, "");
  return w.finish();
}

/**
 * Decodes one whole frame of `side`: its size checked against `maxBytes`, its tag read, its
 * body by `readBody(r, type)`, and nothing left over.
 */
function decodeFrame(data, maxBytes, variants, side, readBody) {
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
  const msg = readBody(r, variants[tag]);
  if (r.remaining() !== 0) {
    throw new ProtocolError(`message has ${r.remaining()} bytes left over after its end`);
  }
  return msg;
}

/** Decodes one whole frame from the server. Throws ProtocolError on anything malformed. */
export function decodeServer(data) {
  return decodeFrame(data, MAX_SERVER_MESSAGE_BYTES, SERVER_VARIANTS, "server", (r, type) =>
    type === "Snapshot" ? readSnapshot(r) : readFields(r, SERVER_MESSAGES[type], { type }, ""),
  );
}

/** Decodes one client message (the test checks the codec both ways; the page never needs it). */
export function decodeClient(data) {
  return decodeFrame(data, MAX_CLIENT_MESSAGE_BYTES, CLIENT_VARIANTS, "client", (r, type) =>
    readFields(r, CLIENT_MESSAGES[type], { type }, ""),
  );
}

/** World units to the wire's fixed point, clamped like the server's `quantize_position`. */
export function quantizePosition(units) {
  const scaled = Math.round(units * POSITION_SCALE);
  if (Number.isNaN(scaled)) return 0;
  return Math.min(Math.max(scaled, 0), 0xffff);
}

export function dequantizePosition(value) {
  return value / POSITION_SCALE;
}

/** Radians to 256ths of a turn, wrapping, like the server's `quantize_angle`. */
export function quantizeAngle(radians) {
  const turns = radians / (2 * Math.PI);
  const frac = turns - Math.floor(turns);
  return Math.round(frac * 256) % 256;
}

export function dequantizeAngle(value) {
  return (value / 256) * 2 * Math.PI;
}

/** Radians to 65536ths of a turn, wrapping: a bullet's heading on the wire. */
export function quantizeHeading(radians) {
  const turns = radians / (2 * Math.PI);
  const frac = turns - Math.floor(turns);
  return Math.round(frac * 65536) % 65536;
}

export function dequantizeHeading(value) {
  return (value / 65536) * 2 * Math.PI;
}
