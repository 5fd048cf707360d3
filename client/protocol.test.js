// Checks client/protocol.js against the golden vectors in tests/vectors/ (made from the
// server's own codec by tests/protocol_vectors.rs) and against malformed input.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import {
  decodeClient,
  decodeServer,
  dequantizeAngle,
  encodeClient,
  encodeServer,
  MAX_SERVER_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
  quantizeAngle,
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
});
