// fixtures.js — what the node tests of client/ share: the match setup (a 1600×1000 arena with
// one wall), so that a change of the setup's fields touches one place; hex for byte layouts;
// the golden vector files of tests/vectors/; and an arena Snapshot as it comes off the wire.
//
// Owns: test data and helpers only. Must not: be imported by the game's own modules.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { encodeSnapshot } from "./games/arena/codec.js";
import { PROTOCOL_VERSION } from "./protocol.js";

export const TEST_SETUP = Object.freeze({
  width: 1600,
  height: 1000,
  walls: [{ x: 700, y: 400, w: 200, h: 40 }],
  player_radius: 16,
  player_speed: 240,
  bullet_radius: 4,
  bullet_speed: 600,
  max_hp: 100,
  fire_cooldown_ticks: 6,
  bullet_range: 900,
  spawn_protection_ticks: 53,
});

export const VECTOR_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "tests", "vectors");

/**
 * A golden vector file of tests/vectors/, parsed. A missing file fails the test that wants
 * it, saying which and where it comes from: a silent skip would pass with nothing checked.
 */
export function readVectorFile(name) {
  const path = join(VECTOR_DIR, name);
  if (!existsSync(path)) {
    throw new Error(
      `tests/vectors/${name} is missing: the Rust side writes it (tests/protocol_vectors.rs); ` +
        "regenerate the vectors before running the client's tests",
    );
  }
  return JSON.parse(readFileSync(path, "utf8"));
}

export function fromHex(hex) {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new Error(`not lowercase hex bytes: ${hex}`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

export function toHex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** An arena Snapshot as the envelope carries it: the header, and the body as bytes. */
export function arenaSnapshotMsg({ tick, ack = 0, baseline_age, players, added_bullets, removed_bullets }) {
  const body = encodeSnapshot({ players, added_bullets, removed_bullets });
  return { type: "Snapshot", tick, ack, baseline_age, body };
}

/**
 * Checks a game's codec against its vector file (tests/vectors/<mode>.json, PROTOCOL.md
 * "Golden vectors"): every input, setup and event decodes to its value and encodes back, and
 * every snapshot body encodes back and, applied to its baseline, rebuilds its state.
 * `stateFromJson(json, tick)` and `stateToJson(state)` map the file's states to the game's.
 */
export function checkGameVectorFile(codec, applySnapshot, stateFromJson, stateToJson) {
  const file = readVectorFile(`${codec.MODE}.json`);
  assert.equal(file.mode, codec.MODE);
  assert.equal(file.protocol_version, PROTOCOL_VERSION);
  const payloads = (vectors, decode, encode) => {
    assert.ok(vectors.length > 0, "the file has vectors of this kind");
    for (const vector of vectors) {
      assert.deepEqual(decode(fromHex(vector.hex)), vector.value, `${vector.name} decodes`);
      assert.deepEqual(toHex(encode(vector.value)), vector.hex, `${vector.name} encodes`);
    }
  };
  payloads(file.inputs, codec.decodeInput, codec.encodeInput);
  payloads(file.setups, codec.decodeSetup, codec.encodeSetup);
  payloads(file.events, codec.decodeEvent, codec.encodeEvent);
  assert.ok(file.snapshots.length > 0, "the file has snapshot vectors");
  for (const vector of file.snapshots) {
    const body = codec.decodeSnapshot(fromHex(vector.hex));
    assert.equal(toHex(codec.encodeSnapshot(body)), vector.hex, `${vector.name} encodes back`);
    const baselineTick = vector.baseline?.tick ?? vector.tick - 1;
    const previous = vector.baseline === null ? null : stateFromJson(vector.baseline, baselineTick);
    const baseline_age = previous === null ? 0 : vector.tick - baselineTick;
    const state = applySnapshot(previous, { tick: vector.tick, baseline_age, ...body });
    assert.deepEqual(stateToJson(state), vector.state, `${vector.name} rebuilds the vector's state`);
  }
}
