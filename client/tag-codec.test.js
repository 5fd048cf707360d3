// Checks client/games/tag/codec.js and delta.js, the tag game's payloads and the state rebuilt
// from its snapshots, against byte layouts worked out by hand from the spec ("Tag payload"),
// against malformed payloads and snapshots that do not fit, and against
// tests/vectors/tag.json (made by the Rust side; a missing file fails here, saying so).
// Run with `node --test client/` (cargo test --test client_js runs it).
//
// tag.json's states are the spec's: { phase, phase_ends_tick, it, players: [{ slot, x, y,
// flags, points, tags }] } with the players in slot order.

import { test } from "node:test";
import assert from "node:assert/strict";

import * as codec from "./games/tag/codec.js";
import { applySnapshot } from "./games/tag/delta.js";
import { ProtocolError } from "./wire.js";
import { checkGameVectorFile, fromHex, toHex } from "./fixtures.js";

const hex = (...parts) => fromHex(parts.join(""));

const SETUP = {
  width: 1600,
  height: 1000,
  walls: [],
  player_radius: 16,
  player_speed: 240,
  it_speed: 256,
  round_ticks: 3600,
  intermission_ticks: 150,
  freeze_ticks: 30,
  immune_ticks: 45,
};

test("a tag input is the movement byte alone", () => {
  assert.deepEqual(codec.encodeInput({ movement: 5 }), hex("05"));
  assert.deepEqual(codec.decodeInput(hex("0f")), { movement: 15 });
  assert.throws(() => codec.encodeInput({ movement: 16 }), /movement/);
  assert.throws(() => codec.decodeInput(hex("80")), /movement/);
  assert.throws(() => codec.decodeInput(hex("0500")), /left over/);
  assert.throws(() => codec.decodeInput(new Uint8Array(0)), ProtocolError);
});

test("the tag setup is the arena's map and movement, it_speed and the round's timings", () => {
  const bytes = hex(
    "4006", "e803", "0000000000000000", // 1600 × 1000, no walls
    "00008041", "00007043", "00008043", // radius 16, speed 240, it_speed 256
    "100e0000", "96000000", "1e00", "2d00", // round 3600, intermission 150, freeze 30, immune 45
  );
  assert.deepEqual(codec.encodeSetup(SETUP), bytes);
  assert.deepEqual(codec.decodeSetup(bytes), SETUP);
  assert.throws(() => codec.decodeSetup(bytes.subarray(0, bytes.length - 1)), ProtocolError);
});

test("tag events: 0 Tagged, 1 RoundStarted, 2 RoundOver", () => {
  const cases = [
    [{ Tagged: { tagger: 1, tagged: 2 } }, hex("00000000", "01", "02")],
    [{ Tagged: { tagger: codec.NO_SLOT, tagged: 0 } }, hex("00000000", "ff", "00")],
    [{ RoundStarted: { it: 3, ends_tick: 1000 } }, hex("01000000", "03", "e8030000")],
    [{ RoundOver: { winner: codec.NO_SLOT, next_round_tick: 10000 } }, hex("02000000", "ff", "10270000")],
  ];
  for (const [event, bytes] of cases) {
    assert.deepEqual(codec.encodeEvent(event), bytes);
    assert.deepEqual(codec.decodeEvent(bytes), event);
  }
  assert.throws(() => codec.decodeEvent(hex("03000000")), /unknown event tag 3/);
  assert.throws(() => codec.decodeEvent(hex("00000000", "01")), ProtocolError);
});

// Phase playing until tick 1000, slot 2 is it; slot 0 immune with 7 points and 1 tag, slot 2
// frozen.
const fullHex =
  "01" + "e8030000" + "02" + "02" +
  "00" + "01" + "2003" + "4006" + "02" + "0700" + "0100" +
  "02" + "01" + "1000" + "2000" + "01" + "0000" + "0000";
const fullBody = {
  phase: codec.PHASE_PLAYING,
  phase_ends_tick: 1000,
  it: 2,
  players: [
    { State: { slot: 0, x: 800, y: 1600, flags: codec.PLAYER_IMMUNE, points: 7, tags: 1 } },
    { State: { slot: 2, x: 16, y: 32, flags: codec.PLAYER_FROZEN, points: 0, tags: 0 } },
  ],
};

test("a tag snapshot body is the header, a change count, and slot, code and state per change", () => {
  assert.deepEqual(codec.decodeSnapshot(fromHex(fullHex)), fullBody);
  assert.deepEqual(codec.encodeSnapshot(fullBody), fromHex(fullHex));
  const gone = { phase: 0, phase_ends_tick: 0, it: codec.NO_SLOT, players: [{ Gone: { slot: 7 } }] };
  const goneBytes = hex("00", "00000000", "ff", "01", "07", "03");
  assert.deepEqual(codec.encodeSnapshot(gone), goneBytes);
  assert.deepEqual(codec.decodeSnapshot(goneBytes), gone);
});

test("a tag snapshot body out of order, with an unknown code, phase or flag is refused", () => {
  const header = "01" + "e8030000" + "ff";
  const state = "0100" + "0100" + "00" + "0000" + "0000";
  assert.throws(() => codec.decodeSnapshot(hex(header, "02", "03", "03", "01", "03")), /out of order/);
  assert.throws(() => codec.decodeSnapshot(hex(header, "02", "01", "03", "01", "03")), /out of order/);
  assert.throws(() => codec.decodeSnapshot(hex(header, "01", "64", "03")), /out of order or over 99/);
  assert.throws(() => codec.decodeSnapshot(hex(header, "01", "00", "02")), /change code 2/);
  assert.throws(() => codec.decodeSnapshot(hex(header, "01", "00", "00")), /change code 0/);
  assert.throws(() => codec.decodeSnapshot(hex("03", "00000000", "ff", "00")), /phase 3/);
  assert.throws(() => codec.decodeSnapshot(hex(header, "01", "00", "01", "0100", "0100", "04", "0000", "0000")), /flags/);
  assert.throws(() => codec.decodeSnapshot(hex(header, "01", "00", "01", state.slice(0, -2))), ProtocolError);
  assert.throws(() => codec.decodeSnapshot(hex(header, "ff", "00".repeat(10))), /claims 255 changes/);
  assert.throws(() => codec.decodeSnapshot(hex(header, "00", "00")), /left over/);
  const body = (players) => ({ ...fullBody, players });
  const goneAt = (slot) => ({ Gone: { slot } });
  assert.throws(() => codec.encodeSnapshot(body([goneAt(2), goneAt(2)])), /increasing order/);
  assert.throws(() => codec.encodeSnapshot(body([goneAt(100)])), /slot/);
  assert.throws(() => codec.encodeSnapshot(body([{ Moved: { slot: 0 } }])), /State/);
});

test("a full snapshot builds the state from nothing; a delta changes only what it names", () => {
  const full = applySnapshot(null, { tick: 10, baseline_age: 0, ...fullBody });
  assert.deepEqual(full, {
    tick: 10,
    phase: 1,
    phase_ends_tick: 1000,
    it: 2,
    players: new Map([
      [0, { x: 800, y: 1600, flags: 2, points: 7, tags: 1 }],
      [2, { x: 16, y: 32, flags: 1, points: 0, tags: 0 }],
    ]),
  });
  // Slot 0 is it now and frozen; slot 2 left and slot 5 came.
  const delta = {
    tick: 12,
    baseline_age: 2,
    phase: 1,
    phase_ends_tick: 1000,
    it: 0,
    players: [
      { State: { slot: 0, x: 810, y: 1600, flags: 1, points: 7, tags: 1 } },
      { Gone: { slot: 2 } },
      { State: { slot: 5, x: 100, y: 100, flags: 0, points: 0, tags: 0 } },
    ],
  };
  const after = applySnapshot(full, delta);
  assert.equal(after.it, 0);
  assert.deepEqual([...after.players.keys()], [0, 5]);
  assert.deepEqual(after.players.get(0), { x: 810, y: 1600, flags: 1, points: 7, tags: 1 });
  assert.equal(full.players.size, 2, "the previous state is not changed");
  const unchanged = applySnapshot(after, { tick: 13, baseline_age: 1, phase: 2, phase_ends_tick: 1150, it: 255, players: [] });
  assert.equal(unchanged.players.get(5), after.players.get(5));
  assert.equal(unchanged.phase, codec.PHASE_INTERMISSION);
});

test("a tag snapshot that does not fit its baseline is refused", () => {
  const full = applySnapshot(null, { tick: 10, baseline_age: 0, ...fullBody });
  const delta = (fields) => ({ tick: 11, baseline_age: 1, phase: 1, phase_ends_tick: 1000, it: 2, players: [], ...fields });
  assert.throws(() => applySnapshot(null, delta({})), /no snapshot came before it/);
  assert.throws(() => applySnapshot(full, delta({ baseline_age: 2 })), /the last snapshot was of tick 10/);
  assert.throws(() => applySnapshot(full, delta({ players: [{ Gone: { slot: 1 } }] })), /slot 1 is empty now, but it already was/);
  assert.throws(() => applySnapshot(full, delta({ it: 4 })), /slot 4 is it, but that slot is empty/);
  assert.deepEqual(applySnapshot(full, delta({ it: codec.NO_SLOT })).it, codec.NO_SLOT);
});

test("random tag payloads decode or throw a ProtocolError, never anything else", () => {
  let seed = 4242;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 16;
  };
  const decoders = [codec.decodeInput, codec.decodeSetup, codec.decodeEvent, codec.decodeSnapshot];
  for (let round = 0; round < 5000; round++) {
    const bytes = new Uint8Array(random() % 40);
    for (let i = 0; i < bytes.length; i++) bytes[i] = random() & 0xff;
    if (bytes.length > 0) bytes[0] %= 4;
    for (const decode of decoders) {
      try {
        decode(bytes);
      } catch (error) {
        assert.ok(error instanceof ProtocolError, `${error} for ${bytes}`);
      }
    }
  }
});

/** A tag.json state as delta.js's state of `tick`. */
function stateFromJson({ phase, phase_ends_tick, it, players }, tick) {
  return { tick, phase, phase_ends_tick, it, players: new Map(players.map(({ slot, ...p }) => [slot, p])) };
}

function stateToJson({ phase, phase_ends_tick, it, players }) {
  const bySlot = [...players].sort(([a], [b]) => a - b);
  return {
    phase,
    phase_ends_tick,
    it,
    players: bySlot.map(([slot, { x, y, flags, points, tags }]) => ({ slot, x, y, flags, points, tags })),
  };
}

test("tests/vectors/tag.json: tag's payloads as the server's codec makes them", () => {
  checkGameVectorFile(codec, applySnapshot, stateFromJson, stateToJson);
});
