// Checks client/games/arena/delta.js: applying full and delta snapshots to the previous state exactly as
// PROTOCOL.md says, refusing every snapshot that does not fit it, and where bullets fly.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { applySnapshot, bulletPosition } from "./games/arena/delta.js";
import { decodeSnapshot, encodeSnapshot } from "./games/arena/codec.js";
import { decodeServer, ProtocolError } from "./protocol.js";
import { VECTOR_DIR } from "./fixtures.js";

/** An envelope Snapshot with its arena body decoded, as the arena's room state takes it. */
function arenaSnapshot({ tick, ack, baseline_age, body }) {
  return { tick, ack, baseline_age, ...decodeSnapshot(body) };
}

/**
 * A golden vector's frame, decoded: PROTOCOL.md's examples of a full and a delta snapshot
 * (arena snapshots are byte for byte protocol 3's, in the envelope of protocol 4).
 */
function vectorSnapshot(name) {
  return arenaSnapshot(decodeServer(new Uint8Array(readFileSync(join(VECTOR_DIR, `${name}.bin`)))));
}

function snapshot(tick, baselineAge, { players = [], added = [], removed = [], ack = 0 } = {}) {
  return {
    type: "Snapshot",
    tick,
    ack,
    baseline_age: baselineAge,
    players,
    added_bullets: added,
    removed_bullets: removed,
  };
}

const state = (slot, x, y, aim = 0, hp = 100, flags = 1) => ({ State: { slot, x, y, aim, hp, flags } });
const moved = (slot, dx, dy) => ({ Moved: { slot, dx, dy } });
const gone = (slot) => ({ Gone: { slot } });
const bullet = (id, owner, x, y, heading) => ({ id, owner, x, y, heading });

/** A state of tick 10 with players in slots 0 and 2 and bullets 5 and 6. */
function baseline() {
  return applySnapshot(
    null,
    snapshot(10, 0, {
      players: [state(0, 1600, 3200, 64, 100, 1), state(2, 800, 160, 0, 40, 1)],
      added: [bullet(5, 0, 1000, 1000, 0), bullet(6, 2, 2000, 2000, 16384)],
    }),
  );
}

/** Applies `msg` after sending its body through the arena's codec, as the page gets it. */
function applyWire(previous, msg) {
  const body = encodeSnapshot(msg);
  return applySnapshot(previous, { ...msg, ...decodeSnapshot(body) });
}

test("a full snapshot builds the state from nothing", () => {
  const s = baseline();
  assert.equal(s.tick, 10);
  assert.deepEqual(
    [...s.players],
    [
      [0, { x: 1600, y: 3200, aim: 64, hp: 100, flags: 1 }],
      [2, { x: 800, y: 160, aim: 0, hp: 40, flags: 1 }],
    ],
  );
  assert.deepEqual(
    [...s.bullets],
    [
      [5, { owner: 0, x: 1000, y: 1000, heading: 0, since: 10 }],
      [6, { owner: 2, x: 2000, y: 2000, heading: 16384, since: 10 }],
    ],
  );
});

test("the golden vectors' delta applies on their full snapshot, as PROTOCOL.md says", () => {
  const full = applySnapshot(null, vectorSnapshot("server_snapshot_full"));
  const delta = vectorSnapshot("server_snapshot_delta");
  const s = applySnapshot(full, delta);
  assert.equal(s.tick, 1236);
  assert.deepEqual(
    [...s.players],
    [
      [0, { x: 13117, y: 4798, aim: 64, hp: 100, flags: 1 }],
      [2, { x: 3200, y: 2880, aim: 0, hp: 100, flags: 1 }],
      [7, { x: 960, y: 960, aim: 0, hp: 100, flags: 1 }],
    ],
  );
  assert.deepEqual(
    [...s.bullets].sort(([a], [b]) => a - b),
    [
      [0, { owner: 0, x: 13280, y: 5128, heading: 8192, since: 1235 }],
      [1, { owner: 0, x: 13520, y: 4800, heading: 49152, since: 1236 }],
    ],
  );
  assert.throws(() => applySnapshot(null, delta), ProtocolError, "the delta needs its baseline");
  assert.throws(() => applySnapshot(s, delta), ProtocolError, "and applies only once");
});

test("a full snapshot replaces whatever state there was, at any tick", () => {
  const s = applyWire(baseline(), snapshot(3, 0, { players: [state(7, 16, 16)] }));
  assert.equal(s.tick, 3);
  assert.deepEqual([...s.players.keys()], [7]);
  assert.equal(s.bullets.size, 0);
});

test("an empty delta keeps everything and only advances the tick", () => {
  const before = baseline();
  const s = applyWire(before, snapshot(11, 1));
  assert.equal(s.tick, 11);
  assert.deepEqual(s.players, before.players);
  assert.deepEqual(s.bullets, before.bullets);
});

test("moved adds dx, dy to the position and keeps aim, hp and flags", () => {
  const s = applyWire(baseline(), snapshot(11, 1, { players: [moved(2, -128, 127)] }));
  assert.deepEqual(s.players.get(2), { x: 672, y: 287, aim: 0, hp: 40, flags: 1 });
  assert.deepEqual(s.players.get(0), baseline().players.get(0), "slot 0 is unchanged");
});

test("state sets a new slot or replaces a present one", () => {
  const s = applyWire(
    baseline(),
    snapshot(12, 2, { players: [state(0, 5, 6, 7, 0, 0), state(99, 65535, 0, 255, 255, 1)] }),
  );
  assert.deepEqual(s.players.get(0), { x: 5, y: 6, aim: 7, hp: 0, flags: 0 });
  assert.deepEqual(s.players.get(99), { x: 65535, y: 0, aim: 255, hp: 255, flags: 1 });
  assert.equal(s.players.size, 3);
});

test("gone empties a present slot", () => {
  const s = applyWire(baseline(), snapshot(11, 1, { players: [gone(0)] }));
  assert.deepEqual([...s.players.keys()], [2]);
});

test("bullets are removed, then added with the snapshot's tick as since", () => {
  const s = applyWire(
    baseline(),
    snapshot(13, 3, { added: [bullet(5, 2, 7, 8, 65535), bullet(9, 0, 1, 2, 3)], removed: [5, 6] }),
  );
  assert.deepEqual(
    [...s.bullets],
    [
      [5, { owner: 2, x: 7, y: 8, heading: 65535, since: 13 }],
      [9, { owner: 0, x: 1, y: 2, heading: 3, since: 13 }],
    ],
    "id 5 was removed and may come back in the same snapshot",
  );
});

test("applying never changes the previous state", () => {
  const before = baseline();
  const copy = { tick: before.tick, players: new Map(before.players), bullets: new Map(before.bullets) };
  applyWire(before, snapshot(11, 1, { players: [moved(0, 1, 1), gone(2)], removed: [5] }));
  assert.deepEqual(before, copy);
});

test("a delta before any snapshot is refused", () => {
  assert.throws(() => applySnapshot(null, snapshot(11, 1)), {
    name: "ProtocolError",
    message: /no snapshot came before/,
  });
});

test("a delta against another tick than the last snapshot's is refused", () => {
  for (const [tick, age] of [[12, 1], [11, 2], [10, 1], [5, 6]]) {
    assert.throws(
      () => applySnapshot(baseline(), snapshot(tick, age)),
      { name: "ProtocolError", message: /the last snapshot was of tick 10/ },
      `tick ${tick}, baseline age ${age}`,
    );
  }
});

test("the baseline's tick wraps around like the server's u32 ticks", () => {
  const last = applySnapshot(null, snapshot(0xffffffff, 0, { players: [state(0, 16, 16)] }));
  const next = applySnapshot(last, snapshot(0, 1, { players: [moved(0, 1, 0)] }));
  assert.equal(next.tick, 0);
  assert.equal(next.players.get(0).x, 17);
});

test("moved or gone on an empty slot is refused", () => {
  assert.throws(() => applySnapshot(baseline(), snapshot(11, 1, { players: [moved(1, 1, 1)] })), {
    name: "ProtocolError",
    message: /slot 1 moved, but that slot is empty/,
  });
  assert.throws(() => applySnapshot(baseline(), snapshot(11, 1, { players: [gone(3)] })), {
    name: "ProtocolError",
    message: /slot 3 is gone, but that slot is empty/,
  });
  assert.throws(
    () => applySnapshot(null, snapshot(11, 0, { players: [moved(0, 1, 1)] })),
    ProtocolError,
    "a full snapshot starts from an empty room",
  );
});

test("a move off the coordinates' range is refused, at both ends", () => {
  const edge = applySnapshot(null, snapshot(1, 0, { players: [state(0, 0, 65535)] }));
  for (const [dx, dy] of [[-1, 0], [0, 1]]) {
    assert.throws(
      () => applySnapshot(edge, snapshot(2, 1, { players: [moved(0, dx, dy)] })),
      { name: "ProtocolError", message: /off the map's coordinates/ },
      `dx ${dx}, dy ${dy}`,
    );
  }
  const inside = applySnapshot(edge, snapshot(2, 1, { players: [moved(0, 1, -1)] }));
  assert.deepEqual([inside.players.get(0).x, inside.players.get(0).y], [1, 65534]);
});

test("a bullet id that is still in flight cannot be added again", () => {
  assert.throws(
    () => applySnapshot(baseline(), snapshot(11, 1, { added: [bullet(6, 0, 0, 0, 0)] })),
    { name: "ProtocolError", message: /adds bullet 6, which is already in flight/ },
  );
  assert.throws(
    () =>
      applySnapshot(null, snapshot(1, 0, { added: [bullet(4, 0, 0, 0, 0), bullet(4, 1, 0, 0, 0)] })),
    { name: "ProtocolError", message: /adds bullet 4/ },
    "nor twice in one snapshot",
  );
});

test("removing a bullet that is not in flight is refused", () => {
  assert.throws(() => applySnapshot(baseline(), snapshot(11, 1, { removed: [7] })), {
    name: "ProtocolError",
    message: /removes bullet 7, which is not in flight/,
  });
  assert.throws(
    () => applySnapshot(baseline(), snapshot(11, 1, { removed: [5, 5] })),
    ProtocolError,
    "nor removed twice",
  );
});

test("a bullet flies straight from where it was added at the bullet speed", () => {
  const right = { owner: 0, x: 1600, y: 3200, heading: 0, since: 10 };
  assert.deepEqual(bulletPosition(right, 10, 900, 30), { x: 100, y: 200 });
  const at = bulletPosition(right, 11.5, 900, 30);
  assert.ok(Math.abs(at.x - 145) < 1e-9 && Math.abs(at.y - 200) < 1e-9, `${at.x}, ${at.y}`);
  const down = bulletPosition({ ...right, heading: 16384 }, 12, 900, 30);
  assert.ok(Math.abs(down.x - 100) < 1e-9 && Math.abs(down.y - 260) < 1e-9, "16384 is +y, down");
  const upLeft = bulletPosition({ ...right, heading: 40960 }, 11, 900, 30);
  const step = 30 / Math.SQRT2;
  assert.ok(Math.abs(upLeft.x - (100 - step)) < 1e-9 && Math.abs(upLeft.y - (200 - step)) < 1e-9);
});
