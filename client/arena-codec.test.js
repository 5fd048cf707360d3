// Checks client/games/arena/codec.js, the arena's payloads, against byte layouts worked out by
// hand from the spec ("Arena payload": protocol 3's bytes), against malformed payloads, and
// against tests/vectors/arena.json (made by the Rust side; a missing file fails here, saying
// so). Run with `node --test client/` (cargo test --test client_js runs it).
//
// arena.json's snapshot states are read as { players: [{ slot, x, y, aim, hp, flags }],
// bullets: [{ id, owner, x, y, heading }] }, in slot and id order, wire units.

import { test } from "node:test";
import assert from "node:assert/strict";

import * as codec from "./games/arena/codec.js";
import { applySnapshot } from "./games/arena/delta.js";
import { ProtocolError } from "./wire.js";
import { checkGameVectorFile, fromHex, TEST_SETUP, toHex } from "./fixtures.js";

const hex = (...parts) => fromHex(parts.join(""));

test("an arena input is movement, aim, fire and render_tick: 10 bytes, as protocol 3's", () => {
  const input = { movement: 9, aim: 1.5, fire: true, render_tick: 1000 };
  const bytes = hex("09", "0000c03f", "01", "e8030000");
  assert.deepEqual(codec.encodeInput(input), bytes);
  assert.deepEqual(codec.decodeInput(bytes), input);
  assert.equal(bytes.length, 10);
});

test("an arena input with other movement bits, a NaN aim or a bad bool is refused", () => {
  const input = { movement: 0, aim: 0, fire: false, render_tick: 0 };
  assert.throws(() => codec.encodeInput({ ...input, movement: 16 }), /movement/);
  assert.throws(() => codec.encodeInput({ ...input, aim: Number.NaN }), /aim/);
  assert.throws(() => codec.encodeInput({ ...input, fire: 1 }), /fire/);
  assert.throws(() => codec.decodeInput(hex("10", "00000000", "00", "00000000")), /movement/);
  assert.throws(() => codec.decodeInput(hex("00", "0000c07f", "00", "00000000")), /aim/);
  assert.throws(() => codec.decodeInput(hex("00", "00000000", "02", "00000000")), /bool/);
  assert.throws(() => codec.decodeInput(hex("00", "00000000", "00", "0000000000")), /left over/);
  assert.throws(() => codec.decodeInput(hex("00", "00000000", "00", "000000")), ProtocolError);
});

test("the arena's setup is protocol 3's GameSetup", () => {
  const bytes = hex(
    "4006", "e803", // 1600 × 1000
    "0100000000000000", "bc02", "9001", "c800", "2800", // one wall: (700, 400) 200 × 40
    "00008041", "00007043", // player radius 16, speed 240
    "00008040", "00001644", "64", // bullet radius 4, speed 600; max hp 100
    "0600", "00006144", "3500", // cooldown 6, range 900, protection 53
  );
  assert.deepEqual(codec.encodeSetup(TEST_SETUP), bytes);
  assert.deepEqual(codec.decodeSetup(bytes), TEST_SETUP);
  assert.throws(() => codec.decodeSetup(bytes.subarray(0, bytes.length - 1)), ProtocolError);
  assert.throws(() => codec.decodeSetup(hex(toHex(bytes), "00")), /left over/);
});

test("an arena event is a u32 tag then its fields: 0 is Kill", () => {
  const kill = { Kill: { killer: 2, victim: 5, respawn_tick: 64 } };
  const bytes = hex("00000000", "02", "05", "40000000");
  assert.deepEqual(codec.encodeEvent(kill), bytes);
  assert.deepEqual(codec.decodeEvent(bytes), kill);
  assert.throws(() => codec.decodeEvent(hex("01000000", "02", "05", "40000000")), /unknown event tag 1/);
  assert.throws(() => codec.encodeEvent({ Teleport: {} }), /Kill/);
});

// A snapshot body written out by hand from PROTOCOL.md's table: slot 0 unchanged, 1 moved,
// 2 state, 3 unchanged, 4 gone; one bullet added, two removed.
const handMadeBodyHex =
  "05" + // 5 slots
  "24" + "03" + // change map: slots 0-3 = 0, 1, 2, 0 -> 0b00_10_01_00; slot 4 = 3
  "fb07" + // slot 1 moved by (-5, 7)
  "10270040" + "c0" + "55" + "01" + // slot 2: x 10000, y 16384, aim 192, hp 85, alive
  "0100" + "0900" + "02" + "0080" + "ff00" + "ffff" + // 1 added: id 9, owner 2, (32768, 255), 65535
  "0200" + "0300" + "0401"; // 2 removed: ids 3 and 260
const handMadeBody = {
  players: [
    { Moved: { slot: 1, dx: -5, dy: 7 } },
    { State: { slot: 2, x: 10000, y: 16384, aim: 192, hp: 85, flags: 1 } },
    { Gone: { slot: 4 } },
  ],
  added_bullets: [{ id: 9, owner: 2, x: 32768, y: 255, heading: 65535 }],
  removed_bullets: [3, 260],
};

test("a snapshot body decodes and encodes as PROTOCOL.md's layout says", () => {
  assert.deepEqual(codec.decodeSnapshot(fromHex(handMadeBodyHex)), handMadeBody);
  assert.deepEqual(codec.encodeSnapshot(handMadeBody), fromHex(handMadeBodyHex));
  const empty = { players: [], added_bullets: [], removed_bullets: [] };
  assert.deepEqual(codec.encodeSnapshot(empty), hex("00", "0000", "0000"));
});

test("a snapshot's change map may describe at most 100 slots", () => {
  const slots = (n) => hex(n.toString(16).padStart(2, "0"), "00".repeat(Math.ceil(n / 4)), "0000", "0000");
  assert.deepEqual(codec.decodeSnapshot(slots(100)).players, []);
  assert.throws(() => codec.decodeSnapshot(slots(101)), /slot_count 101 is over the limit/);
  const hundredth = { ...handMadeBody, players: [{ Gone: { slot: 99 } }] };
  assert.deepEqual(codec.decodeSnapshot(codec.encodeSnapshot(hundredth)), hundredth);
  assert.throws(() => codec.encodeSnapshot({ ...hundredth, players: [{ Gone: { slot: 100 } }] }), /slot/);
});

test("codes beyond a snapshot's slot count are ignored, as the server does", () => {
  // 1 slot (moved) and the other three codes of its byte set to 3.
  const body = hex("01", "fd", "0102", "0000", "0000");
  assert.deepEqual(codec.decodeSnapshot(body).players, [{ Moved: { slot: 0, dx: 1, dy: 2 } }]);
});

test("a snapshot body whose counts claim more than it holds is refused", () => {
  assert.throws(() => codec.decodeSnapshot(hex("00", "ffff", "00".repeat(20))), /added_bullets claims 65535/);
  assert.throws(() => codec.decodeSnapshot(hex("00", "0000", "0300", "0100", "0200")), /removed_bullets claims 3/);
  assert.throws(() => codec.decodeSnapshot(hex("00", "0000", "0000", "00")), /left over/);
  assert.throws(() => codec.decodeSnapshot(new Uint8Array(0)), ProtocolError);
});

test("encoding a snapshot body refuses player changes out of slot order or out of range", () => {
  const withPlayers = (players) => ({ ...handMadeBody, players });
  const gone = (slot) => ({ Gone: { slot } });
  assert.throws(() => codec.encodeSnapshot(withPlayers([gone(2), gone(1)])), /increasing order/);
  assert.throws(() => codec.encodeSnapshot(withPlayers([gone(2), gone(2)])), /increasing order/);
  assert.throws(() => codec.encodeSnapshot(withPlayers([{ Moved: { slot: 0, dx: 128, dy: 0 } }])), /dx/);
  assert.throws(() => codec.encodeSnapshot(withPlayers([{ Moved: { slot: 0, dx: 0, dy: -129 } }])), /dy/);
  assert.throws(() => codec.encodeSnapshot(withPlayers([{ Teleported: { slot: 0 } }])), /Moved/);
  assert.throws(() => codec.encodeSnapshot(withPlayers([{ Gone: { slot: 0 }, Moved: { slot: 0 } }])), /Moved/);
});

test("random bodies decode or throw a ProtocolError, never anything else", () => {
  let seed = 777;
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

test("quantization matches the server's", () => {
  assert.equal(codec.quantizeAngle(0), 0);
  assert.equal(codec.quantizeAngle(Math.PI), 128);
  assert.equal(codec.quantizeAngle(-Math.PI / 2), 192);
  assert.equal(codec.quantizeAngle(2 * Math.PI), 0);
  assert.ok(Math.abs(codec.dequantizeAngle(64) - Math.PI / 2) < 1e-12);
  assert.equal(codec.quantizeHeading(0), 0);
  assert.equal(codec.quantizeHeading(Math.PI / 2), 16384);
  assert.equal(codec.quantizeHeading(-Math.PI / 2), 49152);
  assert.equal(codec.quantizeHeading(2 * Math.PI - 1e-9), 0, "rounds up to a whole turn, which wraps");
  assert.ok(Math.abs(codec.dequantizeHeading(32768) - Math.PI) < 1e-12);
});

/** An arena.json state as delta.js's state of `tick`. */
function stateFromJson(json, tick) {
  return {
    tick,
    players: new Map(json.players.map(({ slot, ...p }) => [slot, p])),
    bullets: new Map(json.bullets.map(({ id, ...b }) => [id, { ...b, since: tick }])),
  };
}

function stateToJson(state) {
  const bySlot = [...state.players].sort(([a], [b]) => a - b);
  const byId = [...state.bullets].sort(([a], [b]) => a - b);
  return {
    players: bySlot.map(([slot, { x, y, aim, hp, flags }]) => ({ slot, x, y, aim, hp, flags })),
    bullets: byId.map(([id, { owner, x, y, heading }]) => ({ id, owner, x, y, heading })),
  };
}

test("tests/vectors/arena.json: the arena's payloads as the server's codec makes them", () => {
  checkGameVectorFile(codec, applySnapshot, stateFromJson, stateToJson);
});
