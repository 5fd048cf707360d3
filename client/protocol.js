// protocol.js — the wire format, byte for byte as the server's src/protocol.rs (PROTOCOL.md):
// bincode 2 with little-endian fixed-size integers, u32 enum tags, u64 sequence lengths,
// 1-byte bools and f32 floats. One message is hand-packed instead: `Snapshot` (PROTOCOL.md,
// "Snapshot"), a delta against the previous snapshot with a 2-bit change code per slot.
//
// Owns: turning message objects into bytes and bytes into message objects, the protocol
// constants, and the quantization helpers. Must not: touch the network, the DOM or any game
// state. Decoding never trusts a length it reads: it checks every length against the bytes
// that are actually left, so malformed input throws a ProtocolError at once and never hangs
// or allocates more than the frame's size.
//
// Messages are plain objects with a `type` naming the variant, e.g.
// `{ type: "Hello", protocol: 2, name: "ada" }`; `Input` is flat:
// `{ type: "Input", seq, movement, aim, fire }`. u64 fields (`Ping.t`, `Pong.t`) are BigInts.
// Field names are the Rust ones, as in the golden vectors' JSON; so a Snapshot's player changes
// are tagged like serde's enums: `{ Moved: { slot, dx, dy } }`, `{ State: { slot, x, y, aim,
// hp, flags } }`, `{ Gone: { slot } }`. Applying a snapshot to the previous state is delta.js's.

export const PROTOCOL_VERSION = 2;
export const MAX_CLIENT_MESSAGE_BYTES = 4096;
export const MAX_SERVER_MESSAGE_BYTES = 1 << 20;
export const MAX_NAME_CHARS = 24;
export const MAX_ROOM_NAME_CHARS = 32;
export const MAX_CHAT_CHARS = 200;
export const MIN_ROOM_CAPACITY = 1;
export const MAX_ROOM_CAPACITY = 100;
export const POSITION_SCALE = 16;

export const MOVE_UP = 1;
export const MOVE_DOWN = 2;
export const MOVE_LEFT = 4;
export const MOVE_RIGHT = 8;
export const MOVE_ALL = MOVE_UP | MOVE_DOWN | MOVE_LEFT | MOVE_RIGHT;

export const PLAYER_ALIVE = 1;

/** A Snapshot's 2-bit change code of a slot (0 is "unchanged" and carries no entry). */
const PLAYER_CHANGE_CODES = Object.freeze({ Moved: 1, State: 2, Gone: 3 });
const PLAYER_CHANGE_KINDS = ["Moved", "State", "Gone"];
/** The most slots a Snapshot's change map may describe: the largest room. */
const MAX_SNAPSHOT_SLOTS = 100;
const ADDED_BULLET_BYTES = 9;

// The variant order is the tag; it must match the Rust enums exactly.
const CLIENT_VARIANTS = [
  "Hello", "ListRooms", "CreateRoom", "JoinRoom", "JoinByCode",
  "QuickJoin", "LeaveRoom", "Input", "Chat", "Ping", "Spectate", "SpectateByCode", "Resume",
];
const SERVER_VARIANTS = [
  "Welcome", "Error", "RoomList", "Joined", "Left", "PlayerJoined",
  "PlayerLeft", "Snapshot", "Kill", "Chat", "Pong", "RoomClosed", "Spectating", "SessionToken",
];

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

  /** A Snapshot's u16 count of fixed-size elements, checked against the bytes left. */
  count(field, elementBytes) {
    const claimed = this.u16(`${field} count`);
    if (claimed * elementBytes > this.remaining()) {
      throw new ProtocolError(
        `${field} claims ${claimed} elements but only ${this.remaining()} bytes are left`,
      );
    }
    return claimed;
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

function writeRoomInfo(w, room, field) {
  w.u32(room.id, `${field}.id`);
  w.string(room.name, `${field}.name`);
  w.string(room.mode, `${field}.mode`);
  w.u8(room.players, `${field}.players`);
  w.u8(room.capacity, `${field}.capacity`);
  w.bool(room.public, `${field}.public`);
}

function readRoomInfo(r, field) {
  return {
    id: r.u32(`${field}.id`),
    name: r.string(`${field}.name`),
    mode: r.string(`${field}.mode`),
    players: r.u8(`${field}.players`),
    capacity: r.u8(`${field}.capacity`),
    public: r.bool(`${field}.public`),
  };
}
// u32 id + two u64 lengths + u8 + u8 + bool.
const ROOM_INFO_MIN_BYTES = 4 + 8 + 8 + 3;

function writeRosterEntry(w, entry, field) {
  w.u8(entry.slot, `${field}.slot`);
  w.u32(entry.player_id, `${field}.player_id`);
  w.string(entry.name, `${field}.name`);
  w.u16(entry.kills, `${field}.kills`);
  w.u16(entry.deaths, `${field}.deaths`);
}

function readRosterEntry(r, field) {
  return {
    slot: r.u8(`${field}.slot`),
    player_id: r.u32(`${field}.player_id`),
    name: r.string(`${field}.name`),
    kills: r.u16(`${field}.kills`),
    deaths: r.u16(`${field}.deaths`),
  };
}
const ROSTER_ENTRY_MIN_BYTES = 1 + 4 + 8 + 2 + 2;

function writeSetup(w, setup) {
  w.u16(setup.width, "setup.width");
  w.u16(setup.height, "setup.height");
  w.u64(setup.walls.length, "setup.walls length");
  setup.walls.forEach((wall, i) => {
    w.u16(wall.x, `setup.walls[${i}].x`);
    w.u16(wall.y, `setup.walls[${i}].y`);
    w.u16(wall.w, `setup.walls[${i}].w`);
    w.u16(wall.h, `setup.walls[${i}].h`);
  });
  w.f32(setup.player_radius, "setup.player_radius");
  w.f32(setup.player_speed, "setup.player_speed");
  w.f32(setup.bullet_radius, "setup.bullet_radius");
  w.f32(setup.bullet_speed, "setup.bullet_speed");
  w.u8(setup.max_hp, "setup.max_hp");
}

function readSetup(r) {
  return {
    width: r.u16("setup.width"),
    height: r.u16("setup.height"),
    walls: r.vec("setup.walls", 8, (f) => ({
      x: r.u16(`${f}.x`),
      y: r.u16(`${f}.y`),
      w: r.u16(`${f}.w`),
      h: r.u16(`${f}.h`),
    })),
    player_radius: r.f32("setup.player_radius"),
    player_speed: r.f32("setup.player_speed"),
    bullet_radius: r.f32("setup.bullet_radius"),
    bullet_speed: r.f32("setup.bullet_speed"),
    max_hp: r.u8("setup.max_hp"),
  };
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
  const tick = r.u32("tick");
  const ack = r.u32("ack");
  const baselineAge = r.u8("baseline_age");
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
  const addedBullets = new Array(r.count("added_bullets", ADDED_BULLET_BYTES));
  for (let i = 0; i < addedBullets.length; i++) {
    const field = `added_bullets[${i}]`;
    addedBullets[i] = {
      id: r.u16(`${field}.id`),
      owner: r.u8(`${field}.owner`),
      x: r.u16(`${field}.x`),
      y: r.u16(`${field}.y`),
      heading: r.u16(`${field}.heading`),
    };
  }
  const removedBullets = new Array(r.count("removed_bullets", 2));
  for (let i = 0; i < removedBullets.length; i++) {
    removedBullets[i] = r.u16(`removed_bullets[${i}]`);
  }
  return {
    type: "Snapshot",
    tick,
    ack,
    baseline_age: baselineAge,
    players,
    added_bullets: addedBullets,
    removed_bullets: removedBullets,
  };
}

/** Encodes a message the client sends. Throws ProtocolError for a field out of its range. */
export function encodeClient(msg) {
  const w = new Writer();
  w.u32(tagOf(CLIENT_VARIANTS, msg?.type, "client"), "tag");
  switch (msg.type) {
    case "Hello":
      w.u16(msg.protocol, "protocol");
      w.string(msg.name, "name");
      break;
    case "CreateRoom":
      w.string(msg.name, "name");
      w.u8(msg.capacity, "capacity");
      w.bool(msg.public, "public");
      break;
    case "JoinRoom":
    case "Spectate":
      w.u32(msg.room, "room");
      break;
    case "JoinByCode":
    case "SpectateByCode":
      w.string(msg.code, "code");
      break;
    case "Input":
      w.u32(msg.seq, "seq");
      w.u8(msg.movement, "movement");
      w.f32(msg.aim, "aim");
      w.bool(msg.fire, "fire");
      break;
    case "Chat":
      w.string(msg.text, "text");
      break;
    case "Ping":
      w.u64(msg.t, "t");
      break;
    case "Resume":
      w.u16(msg.protocol, "protocol");
      w.string(msg.token, "token");
      break;
    default:
      // ListRooms, QuickJoin, LeaveRoom: the tag is the whole message.
      break;
  }
  return w.finish();
}

/** Encodes a server message (the test checks the codec both ways; the page never needs it). */
export function encodeServer(msg) {
  const w = new Writer();
  w.u32(tagOf(SERVER_VARIANTS, msg?.type, "server"), "tag");
  switch (msg.type) {
    case "Welcome":
      w.u16(msg.protocol, "protocol");
      w.u32(msg.player_id, "player_id");
      w.u16(msg.tick_rate, "tick_rate");
      w.u32(msg.max_message_bytes, "max_message_bytes");
      break;
    case "Error":
      w.u16(msg.code, "code");
      w.string(msg.message, "message");
      break;
    case "RoomList":
      w.u64(msg.rooms.length, "rooms length");
      msg.rooms.forEach((room, i) => writeRoomInfo(w, room, `rooms[${i}]`));
      break;
    case "Joined":
      writeRoomInfo(w, msg.room, "room");
      w.string(msg.code, "code");
      w.u8(msg.you, "you");
      w.u32(msg.tick, "tick");
      writeSetup(w, msg.setup);
      w.u64(msg.roster.length, "roster length");
      msg.roster.forEach((entry, i) => writeRosterEntry(w, entry, `roster[${i}]`));
      break;
    case "Left":
      w.u32(msg.room, "room");
      break;
    case "PlayerJoined":
      writeRosterEntry(w, msg.player, "player");
      break;
    case "PlayerLeft":
      w.u8(msg.slot, "slot");
      break;
    case "Snapshot":
      writeSnapshot(w, msg);
      break;
    case "Kill":
      w.u32(msg.tick, "tick");
      w.u8(msg.killer, "killer");
      w.u8(msg.victim, "victim");
      w.u32(msg.respawn_tick, "respawn_tick");
      break;
    case "Chat":
      w.u32(msg.tick, "tick");
      w.u8(msg.from, "from");
      w.string(msg.text, "text");
      break;
    case "Pong":
      w.u64(msg.t, "t");
      break;
    case "RoomClosed":
      w.string(msg.reason, "reason");
      break;
    case "Spectating":
      writeRoomInfo(w, msg.room, "room");
      w.string(msg.code, "code");
      w.u32(msg.tick, "tick");
      writeSetup(w, msg.setup);
      w.u64(msg.roster.length, "roster length");
      msg.roster.forEach((entry, i) => writeRosterEntry(w, entry, `roster[${i}]`));
      break;
    case "SessionToken":
      w.string(msg.token, "token");
      w.u32(msg.grace_ms, "grace_ms");
      break;
  }
  return w.finish();
}

function readTag(r, variants, side) {
  const tag = r.u32("tag");
  if (tag >= variants.length) {
    throw new ProtocolError(`unknown ${side} message tag ${tag}`);
  }
  return variants[tag];
}

function finish(r, msg) {
  if (r.remaining() !== 0) {
    throw new ProtocolError(`message has ${r.remaining()} bytes left over after its end`);
  }
  return msg;
}

/** Decodes one whole frame from the server. Throws ProtocolError on anything malformed. */
export function decodeServer(data) {
  const bytes = toBytes(data);
  if (bytes.length > MAX_SERVER_MESSAGE_BYTES) {
    throw new ProtocolError(
      `message of ${bytes.length} bytes is over the limit of ${MAX_SERVER_MESSAGE_BYTES} bytes`,
    );
  }
  const r = new Reader(bytes);
  const type = readTag(r, SERVER_VARIANTS, "server");
  switch (type) {
    case "Welcome":
      return finish(r, {
        type,
        protocol: r.u16("protocol"),
        player_id: r.u32("player_id"),
        tick_rate: r.u16("tick_rate"),
        max_message_bytes: r.u32("max_message_bytes"),
      });
    case "Error":
      return finish(r, { type, code: r.u16("code"), message: r.string("message") });
    case "RoomList":
      return finish(r, {
        type,
        rooms: r.vec("rooms", ROOM_INFO_MIN_BYTES, (f) => readRoomInfo(r, f)),
      });
    case "Joined":
      return finish(r, {
        type,
        room: readRoomInfo(r, "room"),
        code: r.string("code"),
        you: r.u8("you"),
        tick: r.u32("tick"),
        setup: readSetup(r),
        roster: r.vec("roster", ROSTER_ENTRY_MIN_BYTES, (f) => readRosterEntry(r, f)),
      });
    case "Left":
      return finish(r, { type, room: r.u32("room") });
    case "PlayerJoined":
      return finish(r, { type, player: readRosterEntry(r, "player") });
    case "PlayerLeft":
      return finish(r, { type, slot: r.u8("slot") });
    case "Snapshot":
      return finish(r, readSnapshot(r));
    case "Kill":
      return finish(r, {
        type,
        tick: r.u32("tick"),
        killer: r.u8("killer"),
        victim: r.u8("victim"),
        respawn_tick: r.u32("respawn_tick"),
      });
    case "Chat":
      return finish(r, { type, tick: r.u32("tick"), from: r.u8("from"), text: r.string("text") });
    case "Pong":
      return finish(r, { type, t: r.u64("t") });
    case "RoomClosed":
      return finish(r, { type, reason: r.string("reason") });
    case "Spectating":
      return finish(r, {
        type,
        room: readRoomInfo(r, "room"),
        code: r.string("code"),
        tick: r.u32("tick"),
        setup: readSetup(r),
        roster: r.vec("roster", ROSTER_ENTRY_MIN_BYTES, (f) => readRosterEntry(r, f)),
      });
    case "SessionToken":
      return finish(r, { type, token: r.string("token"), grace_ms: r.u32("grace_ms") });
  }
  throw new ProtocolError(`no decoder for server message ${type}`);
}

/** Decodes one client message (the test checks the codec both ways; the page never needs it). */
export function decodeClient(data) {
  const bytes = toBytes(data);
  if (bytes.length > MAX_CLIENT_MESSAGE_BYTES) {
    throw new ProtocolError(
      `message of ${bytes.length} bytes is over the limit of ${MAX_CLIENT_MESSAGE_BYTES} bytes`,
    );
  }
  const r = new Reader(bytes);
  const type = readTag(r, CLIENT_VARIANTS, "client");
  switch (type) {
    case "Hello":
      return finish(r, { type, protocol: r.u16("protocol"), name: r.string("name") });
    case "CreateRoom":
      return finish(r, {
        type,
        name: r.string("name"),
        capacity: r.u8("capacity"),
        public: r.bool("public"),
      });
    case "JoinRoom":
    case "Spectate":
      return finish(r, { type, room: r.u32("room") });
    case "JoinByCode":
    case "SpectateByCode":
      return finish(r, { type, code: r.string("code") });
    case "Input":
      return finish(r, {
        type,
        seq: r.u32("seq"),
        movement: r.u8("movement"),
        aim: r.f32("aim"),
        fire: r.bool("fire"),
      });
    case "Chat":
      return finish(r, { type, text: r.string("text") });
    case "Ping":
      return finish(r, { type, t: r.u64("t") });
    case "Resume":
      return finish(r, { type, protocol: r.u16("protocol"), token: r.string("token") });
    default:
      return finish(r, { type });
  }
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
