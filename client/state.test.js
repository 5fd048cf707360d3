// Checks the netcode in client/games/arena/state.js (on room.js) and the movement rule in client/movement.js:
// prediction, reconciliation by replaying unacked inputs, interpolation of snapshots (full and
// delta ones) and bullets drawn on their flight path.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { decodeServer, encodeServer, ProtocolError } from "./protocol.js";
import { MOVE_RIGHT, quantizePosition } from "./wire.js";
import { encodeEvent, PLAYER_ALIVE, quantizeHeading } from "./games/arena/codec.js";
import { RoomState } from "./games/arena/state.js";
import { MIN_INTERPOLATION_DELAY_MS } from "./room.js";
import { arenaSnapshotMsg, TEST_SETUP } from "./fixtures.js";

const TICK_RATE = 30;
const TICK_MS = 1000 / TICK_RATE;
const setup = TEST_SETUP;
const STEP = setup.player_speed / TICK_RATE;

function joined(tick = 0) {
  return {
    room: { id: 1, name: "test", mode: "arena", players: 2, capacity: 8, public: true },
    code: "ABC123",
    you: 0,
    tick,
    setup,
    roster: [
      { slot: 0, player_id: 1, name: "me", score: [0, 0], bot: false },
      { slot: 1, player_id: 2, name: "them", score: [0, 0], bot: false },
    ],
  };
}

/** A player's whole state, positions in world units. */
function player(slot, x, y, alive = true) {
  const flags = alive ? PLAYER_ALIVE : 0;
  return { State: { slot, x: quantizePosition(x), y: quantizePosition(y), aim: 0, hp: 100, flags } };
}

/** A bullet added now, position in world units, heading in radians. */
function bullet(id, owner, x, y, heading = 0) {
  const [qx, qy] = [quantizePosition(x), quantizePosition(y)];
  return { id, owner, x: qx, y: qy, heading: quantizeHeading(heading) };
}

/** A Snapshot as the page gets it: through the envelope's codec, its body the arena's bytes. */
function snapshot(tick, { ack = 0, age = 0, players = [], added = [], removed = [] } = {}) {
  const msg = arenaSnapshotMsg({
    tick,
    ack,
    baseline_age: age,
    players,
    added_bullets: added,
    removed_bullets: removed,
  });
  return decodeServer(encodeServer(msg));
}

/** A full snapshot of the given players. */
function full(tick, players, ack = 0) {
  return snapshot(tick, { ack, players });
}

test("the own player moves at once on input, before the server answers", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  room.localInput({ seq: 1, movement: MOVE_RIGHT, aim: 0, fire: false }, null, 10);
  assert.equal(room.prediction.present.x, 100 + STEP);
  room.localInput({ seq: 2, movement: MOVE_RIGHT, aim: 0, fire: false }, null, 10 + TICK_MS);
  assert.equal(room.prediction.present.x, 100 + 2 * STEP);
});

test("at 150 ms latency, reconciliation replays unacked inputs and agrees with the server", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  // The server is 150 ms behind: it applies input n at about n + 4.5 ticks later.
  let serverX = 100;
  for (let seq = 1; seq <= 60; seq++) {
    const now = seq * TICK_MS;
    room.localInput({ seq, movement: MOVE_RIGHT, aim: 0, fire: false }, null, now);
    const acked = seq - 5;
    if (acked >= 1) {
      serverX = 100 + acked * STEP;
      room.receiveSnapshot(full(1 + seq, [player(0, serverX, 100)], acked), now + 1);
      // The acknowledged input, the base of the replay, and the five after it.
      assert.equal(room.prediction.history.length, 6);
      assert.equal(room.prediction.present.x, 100 + seq * STEP, `seq ${seq}`);
    }
  }
  assert.equal(room.netStats().corrections, 0, "a server that agrees causes no correction");
  assert.equal(room.netStats().maxCorrectionPx, 0);
});

test("a correction is smoothed: the drawn position does not jump", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  room.localInput({ seq: 1, movement: MOVE_RIGHT, aim: 0, fire: false }, null, TICK_MS);
  const before = room.displayedOwnPosition(TICK_MS + 5);
  // The server did not move the player where predicted (one step less).
  room.receiveSnapshot(full(2, [player(0, 100, 100)], 1), TICK_MS + 5);
  const after = room.displayedOwnPosition(TICK_MS + 5);
  assert.ok(Math.abs(after.x - before.x) < 1e-9, "no jump at the correction");
  assert.equal(room.netStats().corrections, 1);
  assert.equal(room.netStats().maxCorrectionPx, STEP);
  const later = room.displayedOwnPosition(TICK_MS + 1000);
  assert.ok(Math.abs(later.x - 100) < 0.01, `settles on the server's position, x = ${later.x}`);
});

test("with no latency, holding a key gives steadily increasing drawn positions", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  let last = -Infinity;
  for (let seq = 1; seq <= 30; seq++) {
    const sent = seq * TICK_MS;
    room.localInput({ seq, movement: MOVE_RIGHT, aim: 0, fire: false }, null, sent);
    room.receiveSnapshot(full(1 + seq, [player(0, 100 + seq * STEP, 100)], seq), sent + 1);
    for (let frame = 0; frame < 4; frame++) {
      const x = room.displayedOwnPosition(sent + 1 + frame * 8).x;
      assert.ok(x >= last - 1e-9, `no step backwards at seq ${seq}`);
      last = x;
    }
  }
});

test("remote players are interpolated between delta snapshots, behind the newest one", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 50, 50), player(1, 108, 300)]), TICK_MS);
  for (let tick = 2; tick <= 20; tick++) {
    // Slot 1 moves 8 units (128 sixteenths) right a tick: one sixteenth too far for a Moved.
    const change = tick % 2 === 0 ? { Moved: { slot: 1, dx: 127, dy: 0 } } : player(1, 100 + tick * 8, 300);
    room.receiveSnapshot(snapshot(tick, { age: 1, players: [change] }), tick * TICK_MS);
  }
  assert.equal(room.snapshots.at(-1).players.get(0).x, 50, "the unchanged slot stays");
  const now = 20 * TICK_MS;
  const view = room.view(now, null);
  const them = view.players.find((p) => p.slot === 1);
  const expectedTick = 20 - MIN_INTERPOLATION_DELAY_MS / TICK_MS;
  assert.ok(Math.abs(view.renderTick - expectedTick) < 0.01, `render tick ${view.renderTick}`);
  assert.ok(Math.abs(them.x - (100 + expectedTick * 8)) < 0.1, `x = ${them.x}`);
  assert.equal(them.isYou, false);
  assert.deepEqual([...room.peersSeen.values()], ["them"]);
});

test("the own ack comes from the snapshot's header, also when the own player did not change", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  for (let seq = 1; seq <= 3; seq++) {
    room.localInput({ seq, movement: 0, aim: 0, fire: false }, null, seq * TICK_MS);
  }
  room.receiveSnapshot(snapshot(2, { age: 1, ack: 2 }), 3 * TICK_MS + 1);
  assert.equal(room.stats.lastAck, 2);
  assert.deepEqual(room.prediction.history.map((input) => input.seq), [2, 3]);
});

test("a player that is gone is no longer drawn", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 50, 50), player(1, 300, 300)]), 0);
  room.receiveSnapshot(snapshot(2, { age: 1, players: [{ Gone: { slot: 1 } }] }), TICK_MS);
  const view = room.view(100 * TICK_MS, null);
  assert.deepEqual(view.players.map((p) => p.slot), [0]);
});

test("bullets fly on between snapshots, appear at their first tick and vanish when removed", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  const speedPerTick = setup.bullet_speed / TICK_RATE;
  room.receiveSnapshot(full(1, [player(0, 50, 50)]), TICK_MS);
  room.receiveSnapshot(snapshot(2, { age: 1, added: [bullet(7, 0, 100, 200)] }), 2 * TICK_MS);
  for (let tick = 3; tick <= 9; tick++) room.receiveSnapshot(snapshot(tick, { age: 1 }), tick * TICK_MS);
  room.receiveSnapshot(snapshot(10, { age: 1, removed: [7] }), 10 * TICK_MS);
  assert.equal(room.stats.ownBulletsSeen, 1);

  const bulletsAtTick = (tick) => room.view((tick + 100 / TICK_MS) * TICK_MS, null).bullets;
  assert.deepEqual(bulletsAtTick(1.5), [], "not drawn before the tick that added it");
  for (const tick of [2, 4.5, 9.9]) {
    const drawn = bulletsAtTick(tick);
    assert.equal(drawn.length, 1, `tick ${tick}`);
    assert.ok(Math.abs(drawn[0].x - (100 + (tick - 2) * speedPerTick)) < 1e-6, `tick ${tick}`);
    assert.ok(Math.abs(drawn[0].y - 200) < 1e-6);
    assert.equal(drawn[0].owner, 0);
  }
  assert.deepEqual(bulletsAtTick(10.01), [], "gone from the tick that removed it");
});

test("a full snapshot resets the state and does not count the own bullets again", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  const down = bullet(3, 0, 100, 100, Math.PI / 2);
  room.receiveSnapshot(snapshot(1, { players: [player(0, 50, 50)], added: [down] }), 0);
  room.receiveSnapshot(snapshot(2, { players: [player(1, 70, 70)], added: [down, bullet(4, 0, 10, 10)] }), TICK_MS);
  assert.equal(room.stats.ownBulletsSeen, 2, "bullet 3 is the same one, bullet 4 is new");
  assert.deepEqual([...room.snapshots.at(-1).players.keys()], [1], "slot 0 is not in the new state");
  const view = room.view(100 * TICK_MS, null);
  const drawn = view.bullets.find((b) => Math.abs(b.x - 100) < 1e-6);
  assert.ok(drawn.y > 100, "the repeated bullet flies on from where the full snapshot put it");
});

test("a snapshot that does not fit the state throws and changes nothing", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 50, 50)]), 0);
  const before = room.received;
  assert.throws(() => room.receiveSnapshot(snapshot(3, { age: 1 }), TICK_MS), ProtocolError);
  assert.throws(
    () => room.receiveSnapshot(snapshot(2, { age: 1, players: [{ Gone: { slot: 4 } }] }), TICK_MS),
    ProtocolError,
  );
  assert.equal(room.received, before);
  assert.equal(room.snapshots.length, 1);
  assert.equal(room.stats.snapshotsReceived, 1);
  room.receiveSnapshot(snapshot(2, { age: 1 }), TICK_MS);
  assert.equal(room.latestTick, 2, "the next delta that fits applies");
});

test("a full snapshot from an earlier tick starts the buffer and the clock again", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  for (let tick = 100; tick <= 105; tick++) room.receiveSnapshot(full(tick, [player(1, tick, 10)]), tick * TICK_MS);
  room.receiveSnapshot(full(4, [player(1, 500, 10)]), 106 * TICK_MS);
  assert.deepEqual(room.snapshots.map((s) => s.tick), [4]);
  assert.ok(Math.abs(room.serverTickAt(106 * TICK_MS) - 4) < 1e-9);
});

test("kills update the scores, the feed and the respawn countdown", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(100, [player(0, 50, 50, false)]), 0);
  const event = encodeEvent({ Kill: { killer: 1, victim: 0, respawn_tick: 190 } });
  room.receiveEvent(decodeServer(encodeServer({ type: "GameEvent", tick: 100, event })), 0);
  assert.deepEqual(room.roster.get(1).score, [1, 0]);
  assert.deepEqual(room.roster.get(0).score, [0, 1]);
  assert.deepEqual(room.recentFeed(0).map((line) => [line.text, line.mine]), [["You were shot by them", true]]);
  assert.deepEqual(room.banner(0), { title: "Shot by them", detail: "respawn in 3 s" });
  assert.equal(room.respawnSecondsLeft(0, 0), 3);
  assert.equal(room.respawnSecondsLeft(0, 2500), 1);
  room.receiveSnapshot(full(190, [player(0, 500, 500)]), 3000);
  assert.equal(room.respawnSecondsLeft(0, 3000), null);
});

test("inputs are paced by the server clock, and carry the tick the remote players are drawn at", () => {
  const room = new RoomState(joined(100), TICK_RATE, 0);
  assert.equal(room.inputsDue(0, 50, false), 0, "no clock before the first snapshot");
  assert.equal(room.inputRenderTick(0), 100);
  let sent = 0;
  for (let tick = 101; tick <= 160; tick++) {
    const arrived = tick * TICK_MS + 20;
    room.receiveSnapshot(full(tick, [player(0, 50, 50)]), arrived);
    // Two frames a tick.
    sent += room.inputsDue(arrived, 50, false) + room.inputsDue(arrived + TICK_MS / 2, 50, false);
  }
  assert.ok(Math.abs(sent - 60) <= 3, `one input a tick: ${sent}`);
  const now = 160 * TICK_MS + 20;
  assert.equal(room.inputRenderTick(now), Math.round(room.view(now, null).renderTick));
  assert.ok(room.inputRenderTick(now) <= 160 - 2, "about 100 ms behind the newest snapshot");
});

test("an own shot is drawn at once, and the server's copy of it is not drawn again", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  room.localInput({ seq: 1, movement: 0, aim: 0, fire: true }, { at: 5, frame: 3 }, 10);
  const first = room.view(10, 0, 0, 3);
  assert.deepEqual(first.bullets.map((b) => [b.owner, b.x, b.y]), [[0, 116, 100]]);
  assert.equal(first.flashes.length, 1);
  assert.equal(room.netStats().lastClickToDrawMs, 5);
  assert.equal(room.netStats().lastClickToDrawFrames, 1);
  // The server's bullet, a player radius out, in the snapshot that acks the input.
  room.receiveSnapshot(snapshot(2, { age: 1, ack: 1, added: [bullet(9, 0, 116, 100)] }), 60);
  assert.equal(room.netStats().confirmed, 1);
  const later = room.view(60 + 100 + MIN_INTERPOLATION_DELAY_MS, 0, 0);
  assert.equal(later.bullets.length, 1, "drawn once, in the predicted timeline");
  assert.ok(Math.abs(later.bullets[0].x - (116 + 0.25 * 600)) < 1e-6);
});

test("dying and respawning is not counted as a correction", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  room.localInput({ seq: 1, movement: MOVE_RIGHT, aim: 0, fire: false }, null, 10);
  room.receiveSnapshot(full(2, [player(0, 104, 100, false)], 1), 40);
  assert.equal(room.displayedOwnPosition(40), null, "not predicted while dead");
  room.localInput({ seq: 2, movement: MOVE_RIGHT, aim: 0, fire: false }, null, 50);
  room.receiveSnapshot(full(3, [player(0, 900, 900)], 1), 80);
  assert.equal(room.prediction.present.x, 900 + STEP, "the input after the ack is replayed");
  assert.equal(room.netStats().corrections, 0);
});

test("a correction after inputs the server dropped is counted apart", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.receiveSnapshot(full(1, [player(0, 100, 100)]), 0);
  for (let seq = 1; seq <= 10; seq++) {
    room.localInput({ seq, movement: MOVE_RIGHT, aim: 0, fire: false }, null, seq);
  }
  room.receiveSnapshot(full(2, [player(0, 100 + STEP, 100)], 1), 20);
  // One step later the ack is 10: inputs 3 to 9 were never consumed, and the server stands
  // two steps to the right, not ten.
  room.receiveSnapshot(full(3, [player(0, 100 + 2 * STEP, 100)], 10), 40);
  const stats = room.netStats();
  assert.equal(stats.corrections, 1);
  assert.equal(stats.correctionsAfterDrops, 1);
  assert.equal(stats.inputsDroppedByServer, 7);
  assert.equal(room.prediction.present.x, 100 + 2 * STEP);
});
