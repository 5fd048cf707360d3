// games/arena/codec.js — the arena's payloads inside the protocol 4 envelope
// (/work/notes/anygame-spec.md, "Arena payload"): its input (10 bytes), its setup (protocol
// 3's GameSetup), its events (Kill) and its snapshot body (protocol 3's snapshot after
// baseline_age: the slot count, a 2-bit change code per slot, the players' changes, added and
// removed bullets). Arena bytes are exactly protocol 3's, so the arena's frames did not change.
//
// Owns: those payloads' bytes and the arena's wire constants and angle quantization. Must not:
// know the envelope (protocol.js), keep state (delta.js applies snapshots) or touch the DOM.
//
// Values are plain objects with the Rust field names, as in tests/vectors/arena.json: input
// `{ movement, aim, fire, render_tick }`; event `{ Kill: { killer, victim, respawn_tick } }`;
// snapshot body `{ players, added_bullets, removed_bullets }` with serde-tagged player changes
// `{ Moved: { slot, dx, dy } }`, `{ State: { slot, x, y, aim, hp, flags } }`, `{ Gone: { slot } }`.

import {
  checkInteger,
  decodeWith,
  encodeWith,
  enumCodec,
  fieldsCodec,
  listOf,
  MOVE_BITS,
  ProtocolError,
  readFields,
  variantOf,
  writeFields,
} from "../../wire.js";

export const MODE = "arena";

export const PLAYER_ALIVE = 1;
/** Just (re)spawned: bullets do it no harm until the protection ends or it fires. */
export const PLAYER_PROTECTED = 2;

/** A snapshot's 2-bit change code of a slot (0 is "unchanged" and carries no entry). */
const PLAYER_CHANGE_CODES = Object.freeze({ Moved: 1, State: 2, Gone: 3 });
const PLAYER_CHANGE_KINDS = ["Moved", "State", "Gone"];
/** The most slots a snapshot's change map may describe: the largest room. */
const MAX_SNAPSHOT_SLOTS = 100;
const ADDED_BULLET_BYTES = 9;

const INPUT = [["movement", "u8"], ["aim", "f32"], ["fire", "bool"], ["render_tick", "u32"]];
const SETUP = [
  ["width", "u16"], ["height", "u16"],
  ["walls", listOf([["x", "u16"], ["y", "u16"], ["w", "u16"], ["h", "u16"]])],
  ["player_radius", "f32"], ["player_speed", "f32"],
  ["bullet_radius", "f32"], ["bullet_speed", "f32"], ["max_hp", "u8"],
  ["fire_cooldown_ticks", "u16"], ["bullet_range", "f32"], ["spawn_protection_ticks", "u16"],
];
/** The event enum, in tag order. */
const EVENTS = {
  Kill: [["killer", "u8"], ["victim", "u8"], ["respawn_tick", "u32"]],
};

/** The movement bits and aim the server accepts: it refuses any other bit and a NaN aim. */
function checkInput(input, field) {
  if ((input.movement & ~MOVE_BITS) !== 0) {
    throw new ProtocolError(`${field}movement has bits other than MOVE_*: ${input.movement}`);
  }
  if (!Number.isFinite(input.aim)) throw new ProtocolError(`${field}aim must be finite, got ${input.aim}`);
}

export function encodeInput(input) {
  return encodeWith((w) => {
    writeFields(w, INPUT, input, "input.");
    checkInput(input, "input.");
  }, input);
}

export function decodeInput(bytes) {
  return decodeWith((r) => {
    const input = readFields(r, INPUT, {}, "input.");
    checkInput(input, "input.");
    return input;
  }, bytes, "arena input");
}

export const { encode: encodeSetup, decode: decodeSetup } = fieldsCodec(SETUP, "setup.", "arena setup");

export const { encode: encodeEvent, decode: decodeEvent } = enumCodec(EVENTS, "event", "arena event");

/** The one variant name of a serde-tagged player change, e.g. "Moved" for `{ Moved: {...} }`. */
export function playerChangeKind(change, field = "player change") {
  return variantOf(change, PLAYER_CHANGE_KINDS, field);
}

export function encodeSnapshot(body) {
  return encodeWith(writeSnapshot, body);
}

export function decodeSnapshot(bytes) {
  return decodeWith(readSnapshot, bytes, "arena snapshot body");
}

function writeSnapshot(w, msg) {
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
  const map = r.data.subarray(mapAt, mapAt + mapBytes);
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
