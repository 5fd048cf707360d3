// Checks client/protocol.js against the golden vectors in tests/vectors/ (made from the
// server's own codec by tests/protocol_vectors.rs) and against malformed input.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import {
  CLOSE_CODES,
  ERROR_CODES,
  decodeClient,
  decodeServer,
  dequantizeAngle,
  encodeClient,
  encodeServer,
  MAX_SERVER_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
  dequantizeHeading,
  quantizeAngle,
  quantizeHeading,
  quantizePosition,
} from "./protocol.js";

const vectorDir = join(dirname(fileURLToPath(import.meta.url)), "..", "tests", "vectors");
const index = JSON.parse(readFileSync(join(vectorDir, "index.json"), "utf8"));

function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** The vectors' JSON has u64s as plain numbers; the codec gives BigInts. */
function withNumbers(value) {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(withNumbers);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withNumbers(v)]));
  }
  return value;
}

const codecs = {
  client: { encode: encodeClient, decode: decodeClient },
  server: { encode: encodeServer, decode: decodeServer },
};

test("the vectors are for this protocol version and cover every message", () => {
  assert.equal(index.protocol_version, PROTOCOL_VERSION);
  const types = (direction) =>
    new Set(index.valid.filter((v) => v.direction === direction).map((v) => v.message.type));
  assert.equal(types("client").size, 13);
  assert.equal(types("server").size, 14);
  assert.ok(index.invalid.length > 0);
});

for (const vector of index.valid) {
  test(`decodes ${vector.name} into the vector's message`, () => {
    const bytes = fromHex(vector.hex);
    const file = new Uint8Array(readFileSync(join(vectorDir, vector.file)));
    assert.deepEqual(file, bytes, "the .bin file and the hex in index.json agree");
    assert.deepEqual(withNumbers(codecs[vector.direction].decode(bytes)), vector.message);
  });

  test(`encodes ${vector.name} into the vector's bytes`, () => {
    assert.deepEqual(codecs[vector.direction].encode(vector.message), fromHex(vector.hex));
  });
}

for (const vector of index.invalid) {
  test(`refuses ${vector.name} (${vector.reason})`, () => {
    assert.throws(() => codecs[vector.direction].decode(fromHex(vector.hex)), ProtocolError);
  });
}

test("every strict prefix of every valid vector is refused", () => {
  for (const vector of index.valid) {
    const bytes = fromHex(vector.hex);
    for (let length = 0; length < bytes.length; length++) {
      assert.throws(
        () => codecs[vector.direction].decode(bytes.subarray(0, length)),
        ProtocolError,
        `${vector.name} cut to ${length} bytes`,
      );
    }
  }
});

test("a vector claiming 2^60 rooms is refused at once", () => {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 2, true);
  view.setBigUint64(4, 1n << 60n, true);
  assert.throws(() => decodeServer(bytes), /claims/);
});

test("a frame over the size limit is refused before decoding", () => {
  assert.throws(() => decodeServer(new Uint8Array(MAX_SERVER_MESSAGE_BYTES + 1)), /over the limit/);
});

test("random bytes decode or throw a ProtocolError, never anything else", () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 16;
  };
  for (let round = 0; round < 20000; round++) {
    const bytes = new Uint8Array(random() % 48);
    for (let i = 0; i < bytes.length; i++) bytes[i] = random() & 0xff;
    // Small tags, so that most frames get past the tag into a body.
    if (bytes.length >= 4) bytes.set([random() % 13, 0, 0, 0]);
    for (const decode of [decodeServer, decodeClient]) {
      try {
        decode(bytes);
      } catch (error) {
        assert.ok(error instanceof ProtocolError, `${error} for ${bytes}`);
      }
    }
  }
});

// A delta snapshot written out by hand from PROTOCOL.md's table, independent of the vectors:
// slot 0 unchanged, 1 moved, 2 state, 3 unchanged, 4 gone; one bullet added, two removed.
const handMadeSnapshotHex =
  "07000000" + "e8030000" + "2a000000" + "01" + "05" + // tag, tick 1000, ack 42, age 1, 5 slots
  "24" + "03" + // change map: slots 0-3 = 0, 1, 2, 0 -> 0b00_10_01_00; slot 4 = 3
  "fb07" + // slot 1 moved by (-5, 7)
  "10270040" + "c0" + "55" + "01" + // slot 2: x 10000, y 16384, aim 192, hp 85, alive
  "0100" + "0900" + "02" + "0080" + "ff00" + "ffff" + // 1 added: id 9, owner 2, (32768, 255), 65535
  "0200" + "0300" + "0401"; // 2 removed: ids 3 and 260
const handMadeSnapshot = {
  type: "Snapshot",
  tick: 1000,
  ack: 42,
  baseline_age: 1,
  players: [
    { Moved: { slot: 1, dx: -5, dy: 7 } },
    { State: { slot: 2, x: 10000, y: 16384, aim: 192, hp: 85, flags: 1 } },
    { Gone: { slot: 4 } },
  ],
  added_bullets: [{ id: 9, owner: 2, x: 32768, y: 255, heading: 65535 }],
  removed_bullets: [3, 260],
};

test("a snapshot decodes and encodes as PROTOCOL.md's layout says", () => {
  assert.deepEqual(decodeServer(fromHex(handMadeSnapshotHex)), handMadeSnapshot);
  assert.deepEqual(encodeServer(handMadeSnapshot), fromHex(handMadeSnapshotHex));
  const empty = { ...handMadeSnapshot, players: [], added_bullets: [], removed_bullets: [] };
  assert.deepEqual(encodeServer(empty), fromHex("07000000e80300002a000000" + "0100" + "0000" + "0000"));
});

test("a snapshot's change map may describe at most 100 slots", () => {
  const header = "07000000" + "01000000" + "00000000" + "00";
  const slots = (n) => header + n.toString(16).padStart(2, "0") + "00".repeat(Math.ceil(n / 4)) + "0000" + "0000";
  assert.deepEqual(decodeServer(fromHex(slots(100))).players, []);
  assert.throws(() => decodeServer(fromHex(slots(101))), /slot_count 101 is over the limit/);
  const hundredth = { ...handMadeSnapshot, players: [{ Gone: { slot: 99 } }] };
  assert.deepEqual(decodeServer(encodeServer(hundredth)), hundredth);
  assert.throws(() => encodeServer({ ...hundredth, players: [{ Gone: { slot: 100 } }] }), /slot/);
});

test("codes beyond a snapshot's slot count are ignored, as the server does", () => {
  // 1 slot (moved) and the other three codes of its byte set to 3.
  const hex = "07000000" + "02000000" + "00000000" + "01" + "01" + "fd" + "0102" + "0000" + "0000";
  assert.deepEqual(decodeServer(fromHex(hex)).players, [{ Moved: { slot: 0, dx: 1, dy: 2 } }]);
});

test("a snapshot whose counts claim more than the frame holds is refused", () => {
  const header = "07000000" + "01000000" + "00000000" + "00" + "00";
  assert.throws(() => decodeServer(fromHex(header + "ffff" + "00".repeat(20))), /added_bullets claims 65535/);
  assert.throws(() => decodeServer(fromHex(header + "0000" + "0300" + "0100" + "0200")), /removed_bullets claims 3/);
  assert.throws(() => decodeServer(fromHex(header + "0000" + "0000" + "00")), /left over/);
});

test("encoding a snapshot refuses player changes out of slot order or out of range", () => {
  const withPlayers = (players) => ({ ...handMadeSnapshot, players });
  const gone = (slot) => ({ Gone: { slot } });
  assert.throws(() => encodeServer(withPlayers([gone(2), gone(1)])), /increasing order/);
  assert.throws(() => encodeServer(withPlayers([gone(2), gone(2)])), /increasing order/);
  assert.throws(() => encodeServer(withPlayers([{ Moved: { slot: 0, dx: 128, dy: 0 } }])), /dx/);
  assert.throws(() => encodeServer(withPlayers([{ Moved: { slot: 0, dx: 0, dy: -129 } }])), /dy/);
  assert.throws(() => encodeServer(withPlayers([{ Teleported: { slot: 0 } }])), /Moved/);
  assert.throws(() => encodeServer(withPlayers([{ Gone: { slot: 0 }, Moved: { slot: 0 } }])), /Moved/);
});

test("encoding refuses values outside their field's range, saying which field", () => {
  const input = { type: "Input", seq: 1, movement: 256, aim: 0, fire: false };
  assert.throws(() => encodeClient(input), /movement/);
  assert.throws(() => encodeClient({ ...input, movement: 0, seq: -1 }), /seq/);
  assert.throws(() => encodeClient({ ...input, movement: 0, fire: 1 }), /fire/);
  assert.throws(() => encodeClient({ type: "Teleport" }), /unknown client message/);
});

test("ArrayBuffers, as WebSocket frames arrive, decode like Uint8Arrays", () => {
  const bytes = encodeServer({ type: "Left", room: 9 });
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  assert.deepEqual(decodeServer(buffer), { type: "Left", room: 9 });
});

test("quantization matches the server's", () => {
  assert.equal(quantizePosition(-5), 0);
  assert.equal(quantizePosition(Number.NaN), 0);
  assert.equal(quantizePosition(800.5), 12808);
  assert.equal(quantizePosition(5000), 0xffff);
  assert.equal(quantizeAngle(0), 0);
  assert.equal(quantizeAngle(Math.PI), 128);
  assert.equal(quantizeAngle(-Math.PI / 2), 192);
  assert.equal(quantizeAngle(2 * Math.PI), 0);
  assert.ok(Math.abs(dequantizeAngle(64) - Math.PI / 2) < 1e-12);
  assert.equal(quantizeHeading(0), 0);
  assert.equal(quantizeHeading(Math.PI / 2), 16384);
  assert.equal(quantizeHeading(-Math.PI / 2), 49152);
  assert.equal(quantizeHeading(2 * Math.PI - 1e-9), 0, "rounds up to a whole turn, which wraps");
  assert.ok(Math.abs(dequantizeHeading(32768) - Math.PI) < 1e-12);
});

/** The `| NUMBER | `NAME` |` rows of the PROTOCOL.md section that starts with `heading`. */
function documentedCodes(heading) {
  const spec = readFileSync(join(vectorDir, "..", "..", "PROTOCOL.md"), "utf8");
  const section = spec.split(heading)[1].split("\n## ")[0];
  const rows = {};
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const number = Number(cells[1]);
    if (cells.length > 3 && Number.isInteger(number) && cells[1] !== "") {
      rows[cells[2].replaceAll("`", "").toUpperCase()] = number;
    }
  }
  return rows;
}

test("the error and close codes are PROTOCOL.md's (as the server's are, src/protocol/codes.rs)", () => {
  assert.deepEqual({ ...ERROR_CODES }, documentedCodes("## 7. Error codes"));
  assert.deepEqual({ ...CLOSE_CODES }, documentedCodes("## 8. Close codes"));
});
