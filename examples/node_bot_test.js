#!/usr/bin/env node
// Offline checks of node_bot.js, no server needed: its Input encoder and its Joined and snapshot
// decoders against the golden vectors of tests/vectors/index.json, and its room state against
// a few hand-built snapshots.
//
//   node examples/node_bot_test.js

"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { describe, it } = require("node:test");

const bot = require("./node_bot.js");

const index = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "tests", "vectors", "index.json"), "utf8"));

// A decoded snapshot in the JSON form of the golden vectors.
function vectorJson(snap) {
  const change = ({ change: kind, ...fields }) => ({ [kind[0].toUpperCase() + kind.slice(1)]: fields });
  return {
    type: "Snapshot", tick: snap.tick, ack: snap.ack, baseline_age: snap.baselineAge,
    players: snap.players.map(change), added_bullets: snap.addedBullets, removed_bullets: snap.removedBullets,
  };
}

const snapshot = (tick, baselineAge, players = [], addedBullets = [], removedBullets = []) =>
  ({ tick, ack: 0, baselineAge, players, addedBullets, removedBullets });
const stateChange = (slot, x, y, aim = 0, hp = 100, flags = bot.PLAYER_ALIVE) =>
  ({ change: "state", slot, x, y, aim, hp, flags });
const moved = (slot, dx, dy) => ({ change: "moved", slot, dx, dy });
const gone = (slot) => ({ change: "gone", slot });
const bullet = (id, owner = 0, heading = 0) => ({ id, owner, x: 160, y: 160, heading });

function frame(slotCount, changeMap = [], tail = []) {
  const header = Buffer.alloc(14);
  header.writeUInt32LE(bot.S.SNAPSHOT, 0);
  header.writeUInt32LE(9, 4);
  header.writeUInt32LE(4, 8);
  header.writeUInt8(slotCount, 13);
  return Buffer.concat([header, Buffer.from(changeMap), Buffer.from(tail)]);
}

describe("golden vectors", () => {
  it("are for this protocol version", () => {
    assert.equal(index.protocol_version, bot.PROTOCOL_VERSION);
  });

  it("inputs encode to their bytes", () => {
    const vectors = index.valid.filter((v) => v.message.type === "Input");
    assert.ok(vectors.length > 0, "the index has input vectors");
    for (const { message: m, hex, name } of vectors) {
      const bytes = bot.encodeInput(m.seq, m.movement, m.aim, m.fire, m.render_tick);
      assert.equal(bytes.toString("hex"), hex, name);
    }
  });

  it("Joined decodes with the whole game setup", () => {
    for (const vector of index.valid.filter((v) => v.message.type === "Joined")) {
      const msg = bot.decode(Buffer.from(vector.hex, "hex"));
      const s = vector.message.setup;
      assert.equal(msg.tick, vector.message.tick, vector.name);
      assert.deepEqual(
        [msg.setup.maxHp, msg.setup.fireCooldownTicks, msg.setup.bulletRange, msg.setup.spawnProtectionTicks],
        [s.max_hp, s.fire_cooldown_ticks, s.bullet_range, s.spawn_protection_ticks],
        vector.name,
      );
      assert.equal(msg.roster.length, vector.message.roster.length, vector.name);
    }
  });

  it("valid snapshots decode to their message", () => {
    const vectors = index.valid.filter((v) => v.message.type === "Snapshot");
    assert.ok(vectors.length > 0, "the index has snapshot vectors");
    for (const vector of vectors) {
      const msg = bot.decode(Buffer.from(vector.hex, "hex"));
      assert.equal(msg.tag, bot.S.SNAPSHOT, vector.name);
      assert.deepEqual(vectorJson(msg), vector.message, vector.name);
    }
  });

  it("the delta applies on the full snapshot", () => {
    const frame = (name) => Buffer.from(index.valid.find((v) => v.name === name).hex, "hex");
    const full = bot.applySnapshot(null, bot.decode(frame("server_snapshot_full")));
    const state = bot.applySnapshot(full, bot.decode(frame("server_snapshot_delta")));
    assert.deepEqual(state, {
      tick: 1236,
      players: new Map([
        [0, { x: 13117, y: 4798, aim: 64, hp: 100, flags: 1 }],
        [2, { x: 3200, y: 2880, aim: 0, hp: 100, flags: 1 }],
        [7, { x: 960, y: 960, aim: 0, hp: 100, flags: 1 }],
      ]),
      bullets: new Map([
        [0, { owner: 0, x: 13280, y: 5128, heading: 8192, since: 1235 }],
        [1, { owner: 0, x: 13520, y: 4800, heading: 49152, since: 1236 }],
      ]),
    });
  });

  it("invalid snapshots are refused", () => {
    const frames = index.invalid.filter((v) => v.direction === "server" && v.hex.startsWith("07000000"));
    assert.ok(frames.length > 0, "the index has invalid snapshot frames");
    for (const invalid of frames) {
      assert.throws(() => bot.decode(Buffer.from(invalid.hex, "hex")), Error, invalid.name);
    }
  });
});

describe("decoding", () => {
  it("refuses a change map of more than 100 slots", () => {
    assert.throws(() => bot.decode(frame(101, new Array(26).fill(0), [0, 0, 0, 0])));
  });

  it("refuses bytes after the removed bullets", () => {
    assert.equal(bot.decode(frame(0, [], [0, 0, 0, 0])).tick, 9);
    assert.throws(() => bot.decode(frame(0, [], [0, 0, 0, 0, 0])));
  });

  it("reads codes two bits per slot from the low bits", () => {
    // slot 0 gone, slot 1 unchanged, slot 2 moved, slot 3 unchanged, slot 4 state
    const changeMap = [0b00_01_00_11, 0b10];
    const data = [0xfd, 5, 0x90, 0x01, 0xf4, 0x01, 64, 90, 1, 0, 0, 0, 0];
    assert.deepEqual(bot.decode(frame(5, changeMap, data)).players,
      [gone(0), moved(2, -3, 5), stateChange(4, 400, 500, 64, 90, 1)]);
  });
});

describe("applying snapshots", () => {
  const full = () => bot.applySnapshot(null, snapshot(10, 0,
    [stateChange(0, 100, 200), stateChange(3, 65535, 0)], [bullet(7), bullet(8)]));

  it("a delta changes its baseline", () => {
    const state = bot.applySnapshot(full(), snapshot(12, 2,
      [moved(0, -4, 6), gone(3), stateChange(5, 1, 2, 3, 4, 0)], [bullet(7, 5, 16384)], [7, 8]));
    assert.equal(state.tick, 12);
    assert.deepEqual(state.players, new Map([
      [0, { x: 96, y: 206, aim: 0, hp: 100, flags: 1 }],
      [5, { x: 1, y: 2, aim: 3, hp: 4, flags: 0 }],
    ]));
    assert.deepEqual(state.bullets, new Map([[7, { owner: 5, x: 160, y: 160, heading: 16384, since: 12 }]]));
  });

  it("a delta leaves its baseline alone", () => {
    const baseline = full();
    bot.applySnapshot(baseline, snapshot(11, 1, [moved(0, 1, 1), gone(3)], [], [7]));
    assert.deepEqual(baseline, full());
  });

  it("the baseline tick wraps around like a u32", () => {
    const last = bot.applySnapshot(null, snapshot(2 ** 32 - 1, 0, [stateChange(0, 1, 1)]));
    assert.deepEqual(bot.applySnapshot(last, snapshot(0, 1)).players, last.players);
  });

  it("a full snapshot forgets the state before", () => {
    const state = bot.applySnapshot(full(), snapshot(30, 0, [stateChange(1, 5, 5)]));
    assert.deepEqual([...state.players.keys()], [1]);
    assert.equal(state.bullets.size, 0);
  });

  it("refuses snapshots that do not fit the state", () => {
    const cases = {
      "a delta before any state": [null, snapshot(11, 1)],
      "a delta against another tick": [full(), snapshot(11, 2)],
      "a baseline before tick 0": [full(), snapshot(1, 2)],
      "moving an empty slot": [full(), snapshot(11, 1, [moved(1, 1, 1)])],
      "an empty slot gone": [full(), snapshot(11, 1, [gone(2)])],
      "moving past 65535": [full(), snapshot(11, 1, [moved(3, 1, 0)])],
      "moving below 0": [full(), snapshot(11, 1, [moved(3, 0, -1)])],
      "removing a bullet not in flight": [full(), snapshot(11, 1, [], [], [9])],
      "removing a bullet twice": [full(), snapshot(11, 1, [], [], [7, 7])],
      "adding a bullet in flight": [full(), snapshot(11, 1, [], [bullet(8)])],
      "adding one id twice": [null, snapshot(1, 0, [], [bullet(1), bullet(1)])],
    };
    for (const [name, [state, delta]] of Object.entries(cases)) {
      assert.throws(() => bot.applySnapshot(state, delta), Error, name);
    }
  });
});

describe("bullet positions", () => {
  it("a bullet flies bullet_speed per second along its heading", () => {
    const down = { owner: 0, x: 160, y: 320, heading: 16384, since: 100 };
    const later = bot.bulletPosition(down, 130, 600, 30);
    assert.ok(Math.abs(later.x - 10) < 1e-9 && Math.abs(later.y - 620) < 1e-9, JSON.stringify(later));
    assert.equal(later.heading, Math.PI / 2);
    const now = bot.bulletPosition(down, 100, 600, 30);
    assert.deepEqual([now.x, now.y], [10, 20]);
  });
});
