// Checks client/protocol.js, the envelope of protocol 4, against the golden vectors in
// tests/vectors/index.json (made from the server's own codec by tests/protocol_vectors.rs),
// against byte layouts worked out by hand from the spec (/work/notes/anygame-spec.md) and
// against malformed input. The games' payloads have their own tests (arena-codec.test.js,
// tag-codec.test.js). Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import {
  CLOSE_CODES,
  ERROR_CODES,
  decodeClient,
  decodeServer,
  encodeClient,
  encodeServer,
  MAX_INPUT_PAYLOAD_BYTES,
  MAX_SERVER_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
} from "./protocol.js";
import { decodeInput, decodeSnapshot } from "./games/arena/codec.js";
import { fromHex, readVectorFile, toHex, VECTOR_DIR } from "./fixtures.js";

const index = readVectorFile("index.json");

/** The envelope's opaque payloads, which the vectors' JSON writes as lowercase hex. */
const PAYLOAD_FIELDS = new Set(["payload", "setup", "event", "body"]);

/** A decoded message as the vectors' JSON has it: u64s as numbers, payloads as hex. */
function asJson(value) {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(asJson);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)]));
  }
  return value;
}

/** A vector's JSON message as the codec takes it: its payloads' hex as bytes. */
function fromJson(value) {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, PAYLOAD_FIELDS.has(k) && typeof v === "string" ? fromHex(v) : fromJson(v)]),
    );
  }
  return value;
}

const codecs = {
  client: { encode: encodeClient, decode: decodeClient },
  server: { encode: encodeServer, decode: decodeServer },
};

/**
 * The bytes of a frame that the envelope needs whole: a hand-packed message's payload runs
 * to the frame's end, so a frame cut inside it is still an envelope (its payload's codec
 * refuses it); the header before the payload is not.
 */
function envelopeLength(vector, bytes) {
  const type = vector.message.type;
  if (type === "Snapshot") return 13;
  if (type === "Input") return 9;
  return bytes.length;
}

test("the vectors are for this protocol version and cover every message", () => {
  assert.equal(index.protocol_version, PROTOCOL_VERSION);
  const types = (direction) =>
    new Set(index.valid.filter((v) => v.direction === direction).map((v) => v.message.type));
  assert.equal(types("client").size, 14);
  assert.equal(types("server").size, 15);
  assert.ok(types("server").has("GameEvent"), "GameEvent replaced Kill");
  assert.ok(index.invalid.length > 0);
});

for (const vector of index.valid) {
  test(`decodes ${vector.name} into the vector's message`, () => {
    const bytes = fromHex(vector.hex);
    const file = new Uint8Array(readFileSync(join(VECTOR_DIR, vector.file)));
    assert.deepEqual(file, bytes, "the .bin file and the hex in index.json agree");
    assert.deepEqual(asJson(codecs[vector.direction].decode(bytes)), vector.message);
  });

  test(`encodes ${vector.name} into the vector's bytes`, () => {
    assert.deepEqual(codecs[vector.direction].encode(fromJson(vector.message)), fromHex(vector.hex));
  });
}

/**
 * Refused by the envelope or, for the hand-packed messages whose payload it does not read, by
 * the arena payload they carry (the vectors' room runs the arena).
 */
function refuses(vector) {
  let msg;
  try {
    msg = codecs[vector.direction].decode(fromHex(vector.hex));
  } catch (error) {
    return error instanceof ProtocolError;
  }
  try {
    if (msg.type === "Snapshot") decodeSnapshot(msg.body);
    else if (msg.type === "Input") decodeInput(msg.payload);
    else return false;
  } catch (error) {
    return error instanceof ProtocolError;
  }
  return false;
}

for (const vector of index.invalid) {
  test(`refuses ${vector.name} (${vector.reason})`, () => {
    assert.ok(refuses(vector), "decodes without a ProtocolError");
  });
}

test("every strict prefix of every valid vector's envelope is refused", () => {
  for (const vector of index.valid) {
    const bytes = fromHex(vector.hex);
    for (let length = 0; length < envelopeLength(vector, bytes); length++) {
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


// Byte layouts written out by hand from the spec, independent of the vectors.
const hex = (...parts) => fromHex(parts.join(""));
/** A string's hex: its u64 length (little-endian) and its UTF-8 bytes. */
const str = (text) => {
  const bytes = new TextEncoder().encode(text);
  return bytes.length.toString(16).padStart(2, "0") + "00".repeat(7) + toHex(bytes);
};

test("CreateRoom carries the mode last, QuickJoin a mode", () => {
  const create = { type: "CreateRoom", name: "fri", capacity: 8, public: true, bots: false, mode: "tag" };
  const createBytes = hex("02000000", str("fri"), "08", "01", "00", str("tag"));
  assert.deepEqual(encodeClient(create), createBytes);
  assert.deepEqual(decodeClient(createBytes), create);
  const quick = { type: "QuickJoin", mode: "arena" };
  assert.deepEqual(encodeClient(quick), hex("05000000", "0500000000000000", "6172656e61"));
  assert.deepEqual(decodeClient(encodeClient(quick)), quick);
});

test("Input is hand-packed: tag, seq, then the mode's payload to the end of the frame", () => {
  const payload = hex("09", "0000c03f", "01", "e8030000");
  const bytes = hex("07000000", "2a000000", "090000c03f01e8030000");
  assert.deepEqual(encodeClient({ type: "Input", seq: 42, payload }), bytes);
  assert.deepEqual(decodeClient(bytes), { type: "Input", seq: 42, payload });
  const longest = new Uint8Array(MAX_INPUT_PAYLOAD_BYTES).fill(7);
  assert.deepEqual(decodeClient(encodeClient({ type: "Input", seq: 1, payload: longest })).payload, longest);
});

test("an Input's payload is 1 to 32 bytes, both ways", () => {
  const input = (length) => ({ type: "Input", seq: 1, payload: new Uint8Array(length) });
  assert.throws(() => encodeClient(input(0)), /payload length/);
  assert.throws(() => encodeClient(input(MAX_INPUT_PAYLOAD_BYTES + 1)), /payload length/);
  assert.throws(() => decodeClient(hex("07000000", "01000000")), /payload length/);
  assert.throws(() => decodeClient(hex("07000000", "01000000", "00".repeat(33))), /payload length/);
  assert.throws(() => encodeClient({ type: "Input", seq: 1, movement: 8 }), /payload must be a Uint8Array/);
});

test("Snapshot is a hand-packed header (ack at offset 8) and the mode's body", () => {
  const body = hex("00", "0000", "0000");
  const msg = { type: "Snapshot", tick: 1000, ack: 42, baseline_age: 1, body };
  const bytes = hex("07000000", "e8030000", "2a000000", "01", "0000000000");
  assert.deepEqual(encodeServer(msg), bytes);
  assert.deepEqual(decodeServer(bytes), msg);
  assert.equal(new DataView(bytes.buffer).getUint32(8, true), 42);
  // The envelope leaves the body to the game: an empty one is the game's to refuse.
  assert.deepEqual(decodeServer(bytes.subarray(0, 13)).body, new Uint8Array(0));
});

test("GameEvent is a tick and the mode's event bytes", () => {
  const event = hex("00000000", "02", "05", "40000000");
  const msg = { type: "GameEvent", tick: 1240, event };
  const bytes = hex("08000000", "d8040000", "0a00000000000000", toHex(event));
  assert.deepEqual(encodeServer(msg), bytes);
  assert.deepEqual(decodeServer(bytes), msg);
  assert.throws(() => decodeServer(hex("08000000", "d8040000", "0b00000000000000", toHex(event))), /claims/);
});

test("Joined carries the setup as bytes and each roster entry's score as i32s", () => {
  const room = { id: 1, name: "r", mode: "tag", players: 1, capacity: 8, public: true, bots: 0 };
  const roster = [{ slot: 3, player_id: 9, name: "eve", score: [-1, 70000], bot: true }];
  const msg = { type: "Joined", room, code: "C", you: 3, tick: 5, setup: hex("2003"), roster };
  const bytes = hex(
    "03000000",
    "01000000", str("r"), str("tag"), "01", "08", "01", "00",
    str("C"), "03", "05000000",
    "0200000000000000", "2003",
    "0100000000000000", "03", "09000000", str("eve"), "0200000000000000", "ffffffff", "70110100", "01",
  );
  assert.deepEqual(encodeServer(msg), bytes);
  assert.deepEqual(decodeServer(bytes), msg);
  const spectating = { type: "Spectating", room, code: "C", tick: 5, setup: hex("2003"), roster: [] };
  assert.deepEqual(decodeServer(encodeServer(spectating)), spectating);
  assert.throws(() => encodeServer({ ...msg, roster: [{ ...roster[0], score: [2 ** 31] }] }), /score/);
});

test("UNKNOWN_MODE is error 18", () => {
  assert.equal(ERROR_CODES.UNKNOWN_MODE, 18);
  const msg = { type: "Error", code: 18, message: 'no game mode "pong" here; this server runs: arena, tag' };
  assert.deepEqual(decodeServer(encodeServer(msg)), msg);
});

test("encoding refuses values outside their field's range, saying which field", () => {
  assert.throws(() => encodeClient({ type: "Input", seq: -1, payload: hex("00") }), /seq/);
  assert.throws(() => encodeClient({ type: "QuickJoin" }), /mode/);
  assert.throws(() => encodeClient({ type: "Teleport" }), /unknown client message/);
});

test("ArrayBuffers, as WebSocket frames arrive, decode like Uint8Arrays", () => {
  const bytes = encodeServer({ type: "Left", room: 9 });
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  assert.deepEqual(decodeServer(buffer), { type: "Left", room: 9 });
});

/** The `| NUMBER | `NAME` |` rows of the PROTOCOL.md section that starts with `heading`. */
function documentedCodes(heading) {
  const spec = readFileSync(join(VECTOR_DIR, "..", "..", "PROTOCOL.md"), "utf8");
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
