// games/tag/codec.js — the tag game's payloads inside the protocol 4 envelope
// (/work/notes/anygame-spec.md, "Tag payload"): its input (the movement byte), its setup (the
// arena's map and movement with it_speed and the round's timings), its events (Tagged,
// RoundStarted, RoundOver) and its snapshot body (the phase, who is it, and one entry per slot
// that changed since the baseline).
//
// Owns: those payloads' bytes and tag's wire constants. Must not: know the envelope
// (protocol.js), keep state (delta.js applies snapshots) or touch the DOM.
//
// Values are plain objects with the spec's field names, as in tests/vectors/tag.json: input
// `{ movement }`; events `{ Tagged: { tagger, tagged } }`, `{ RoundStarted: { it, ends_tick } }`,
// `{ RoundOver: { winner, next_round_tick } }`; snapshot body `{ phase, phase_ends_tick, it,
// players }` with `players` in increasing slot order, each `{ State: { slot, x, y, flags,
// points, tags } }` or `{ Gone: { slot } }`.

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

export const MODE = "tag";

export const PHASE_WAITING = 0;
export const PHASE_PLAYING = 1;
export const PHASE_INTERMISSION = 2;
const PHASE_COUNT = 3;

/** Cannot move: just tagged (or made it because the last it left). */
export const PLAYER_FROZEN = 1;
/** Just passed "it" on: cannot be tagged straight back. */
export const PLAYER_IMMUNE = 2;
const PLAYER_FLAGS = PLAYER_FROZEN | PLAYER_IMMUNE;

/** `it`, `tagger` or `winner` when there is none. */
export const NO_SLOT = 255;
/** The most slots a snapshot may describe: the largest room. */
const MAX_SLOTS = 100;

/** A changed slot's code: its state follows, or it is empty now. */
const CHANGE_CODES = Object.freeze({ State: 1, Gone: 3 });
const CHANGE_KINDS = Object.keys(CHANGE_CODES);
const PLAYER_STATE = [
  ["x", "u16"], ["y", "u16"], ["flags", "u8"], ["points", "u16"], ["tags", "u16"],
];
const HEADER = [["phase", "u8"], ["phase_ends_tick", "u32"], ["it", "u8"]];

const INPUT = [["movement", "u8"]];
const SETUP = [
  ["width", "u16"], ["height", "u16"],
  ["walls", listOf([["x", "u16"], ["y", "u16"], ["w", "u16"], ["h", "u16"]])],
  ["player_radius", "f32"], ["player_speed", "f32"], ["it_speed", "f32"],
  ["round_ticks", "u32"], ["intermission_ticks", "u32"],
  ["freeze_ticks", "u16"], ["immune_ticks", "u16"],
];
/** The event enum, in tag order. */
const EVENTS = {
  Tagged: [["tagger", "u8"], ["tagged", "u8"]],
  RoundStarted: [["it", "u8"], ["ends_tick", "u32"]],
  RoundOver: [["winner", "u8"], ["next_round_tick", "u32"]],
};

function checkMovement(movement) {
  if ((movement & ~MOVE_BITS) !== 0) {
    throw new ProtocolError(`input.movement has bits other than MOVE_*: ${movement}`);
  }
}

export function encodeInput(input) {
  return encodeWith((w) => {
    writeFields(w, INPUT, input, "input.");
    checkMovement(input.movement);
  }, input);
}

export function decodeInput(bytes) {
  return decodeWith((r) => {
    const input = readFields(r, INPUT, {}, "input.");
    checkMovement(input.movement);
    return input;
  }, bytes, "tag input");
}

export const { encode: encodeSetup, decode: decodeSetup } = fieldsCodec(SETUP, "setup.", "tag setup");

export const { encode: encodeEvent, decode: decodeEvent } = enumCodec(EVENTS, "event", "tag event");

/** The variant of a snapshot's player change: "State" or "Gone". */
export function changeKind(change, field = "player change") {
  return variantOf(change, CHANGE_KINDS, field);
}

function checkHeader(body) {
  if (body.phase >= PHASE_COUNT) throw new ProtocolError(`phase ${body.phase} is not a phase`);
}

function checkFlags(flags, field) {
  if ((flags & ~PLAYER_FLAGS) !== 0) {
    throw new ProtocolError(`${field}.flags has bits other than frozen and immune: ${flags}`);
  }
}

export function encodeSnapshot(body) {
  return encodeWith((w) => {
    writeFields(w, HEADER, body, "");
    checkHeader(body);
    w.u8(body.players.length, "change count");
    let next = 0;
    body.players.forEach((change, i) => {
      const field = `players[${i}]`;
      const kind = changeKind(change, field);
      const { slot } = change[kind];
      checkInteger(slot, next, MAX_SLOTS - 1, `${field}.slot (in increasing order)`);
      next = slot + 1;
      w.u8(slot, `${field}.slot`);
      w.u8(CHANGE_CODES[kind], `${field} code`);
      if (kind === "State") {
        checkFlags(change.State.flags, field);
        writeFields(w, PLAYER_STATE, change.State, `${field}.`);
      }
    });
  }, body);
}

export function decodeSnapshot(bytes) {
  return decodeWith(readSnapshot, bytes, "tag snapshot body");
}

function readSnapshot(r) {
  const body = readFields(r, HEADER, {}, "");
  checkHeader(body);
  const count = r.u8("change count");
  // Each change is at least its slot and code.
  if (count * 2 > r.remaining()) {
    throw new ProtocolError(`the snapshot claims ${count} changes but only ${r.remaining()} bytes are left`);
  }
  body.players = [];
  let next = 0;
  for (let i = 0; i < count; i++) {
    const field = `players[${i}]`;
    const slot = r.u8(`${field}.slot`);
    if (slot < next || slot >= MAX_SLOTS) {
      throw new ProtocolError(`${field}.slot ${slot} is out of order or over ${MAX_SLOTS - 1}`);
    }
    next = slot + 1;
    const code = r.u8(`${field} code`);
    if (code === CHANGE_CODES.State) {
      const state = readFields(r, PLAYER_STATE, { slot }, `${field}.`);
      checkFlags(state.flags, field);
      body.players.push({ State: state });
    } else if (code === CHANGE_CODES.Gone) {
      body.players.push({ Gone: { slot } });
    } else {
      throw new ProtocolError(`${field} has change code ${code}: only 1 (state) and 3 (gone) exist`);
    }
  }
  return body;
}
