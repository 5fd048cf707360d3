// Checks the netcode in client/state.js and the movement rule in client/movement.js:
// prediction, reconciliation by replaying unacked inputs, and interpolation of snapshots.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { directionOf, stepMovement } from "./movement.js";
import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP, PLAYER_ALIVE, quantizePosition } from "./protocol.js";
import { MIN_INTERPOLATION_DELAY_MS, RoomState } from "./state.js";

const TICK_RATE = 30;
const TICK_MS = 1000 / TICK_RATE;
const setup = {
  width: 1600,
  height: 1000,
  walls: [{ x: 700, y: 400, w: 200, h: 40 }],
  player_radius: 16,
  player_speed: 240,
  bullet_radius: 4,
  bullet_speed: 600,
  max_hp: 100,
};
const STEP = setup.player_speed / TICK_RATE;

function joined(tick = 0) {
  return {
    room: { id: 1, name: "test", mode: "arena", players: 2, capacity: 8, public: true },
    code: "ABC123",
    you: 0,
    tick,
    setup,
    roster: [
      { slot: 0, player_id: 1, name: "me", kills: 0, deaths: 0 },
      { slot: 1, player_id: 2, name: "them", kills: 0, deaths: 0 },
    ],
  };
}

function player(slot, x, y, ack = 0, alive = true) {
  return {
    slot,
    x: quantizePosition(x),
    y: quantizePosition(y),
    aim: 0,
    hp: 100,
    flags: alive ? PLAYER_ALIVE : 0,
    ack,
  };
}

function snapshot(tick, players, bullets = []) {
  return { type: "Snapshot", tick, players, bullets };
}

test("diagonals are normalized and opposite keys cancel", () => {
  const diagonal = directionOf(MOVE_UP | MOVE_RIGHT);
  assert.ok(Math.abs(Math.hypot(diagonal.x, diagonal.y) - 1) < 1e-12);
  assert.ok(diagonal.x > 0 && diagonal.y < 0);
  assert.deepEqual(directionOf(MOVE_LEFT | MOVE_RIGHT), { x: 0, y: 0 });
  assert.deepEqual(directionOf(MOVE_UP | MOVE_DOWN | MOVE_LEFT), { x: -1, y: 0 });
});

test("a player pushed into a wall slides along it", () => {
  // Touching the wall's top from above, pressing down and right.
  const start = { x: 750, y: 400 - setup.player_radius };
  const moved = stepMovement(start, MOVE_DOWN | MOVE_RIGHT, 1 / TICK_RATE, setup);
  assert.ok(Math.abs(moved.y - start.y) < 1e-9, `stays on the wall's edge, y = ${moved.y}`);
  assert.ok(moved.x > start.x, "slides right");
});

test("a player stays inside the arena", () => {
  const corner = stepMovement({ x: 17, y: 17 }, MOVE_UP | MOVE_LEFT, 1, setup);
  assert.deepEqual(corner, { x: setup.player_radius, y: setup.player_radius });
});

test("the own player moves at once on input, before the server answers", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.snapshot(snapshot(1, [player(0, 100, 100)]), 0);
  room.localInput({ seq: 1, movement: MOVE_RIGHT, aim: 0, fire: false }, 10);
  assert.equal(room.predicted.x, 100 + STEP);
  room.localInput({ seq: 2, movement: MOVE_RIGHT, aim: 0, fire: false }, 10 + TICK_MS);
  assert.equal(room.predicted.x, 100 + 2 * STEP);
});

test("at 150 ms latency, reconciliation replays unacked inputs and agrees with the server", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.snapshot(snapshot(1, [player(0, 100, 100)]), 0);
  // The server is 150 ms behind: it applies input n at about n + 4.5 ticks later.
  let serverX = 100;
  for (let seq = 1; seq <= 60; seq++) {
    const now = seq * TICK_MS;
    room.localInput({ seq, movement: MOVE_RIGHT, aim: 0, fire: false }, now);
    const acked = seq - 5;
    if (acked >= 1) {
      serverX = 100 + acked * STEP;
      room.snapshot(snapshot(1 + seq, [player(0, serverX, 100, acked)]), now + 1);
      assert.equal(room.pendingInputs.length, 5);
      assert.ok(Math.abs(room.predicted.x - (100 + seq * STEP)) < 0.1, `seq ${seq}`);
    }
  }
  assert.equal(room.stats.corrections, 0, "a server that agrees causes no correction");
});

test("a correction is smoothed: the drawn position does not jump", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.snapshot(snapshot(1, [player(0, 100, 100)]), 0);
  room.localInput({ seq: 1, movement: MOVE_RIGHT, aim: 0, fire: false }, TICK_MS);
  const before = room.displayedOwnPosition(TICK_MS + 5);
  // The server moved one step less than predicted (two inputs fell into one tick).
  room.snapshot(snapshot(2, [player(0, 100, 100, 1)]), TICK_MS + 5);
  const after = room.displayedOwnPosition(TICK_MS + 5);
  assert.ok(Math.abs(after.x - before.x) < 1e-9, "no jump at the correction");
  const later = room.displayedOwnPosition(TICK_MS + 1000);
  assert.ok(Math.abs(later.x - 100) < 0.01, `settles on the server's position, x = ${later.x}`);
});

test("with no latency, holding a key gives steadily increasing drawn positions", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.snapshot(snapshot(1, [player(0, 100, 100)]), 0);
  let last = -Infinity;
  for (let seq = 1; seq <= 30; seq++) {
    const sent = seq * TICK_MS;
    room.localInput({ seq, movement: MOVE_RIGHT, aim: 0, fire: false }, sent);
    room.snapshot(snapshot(1 + seq, [player(0, 100 + seq * STEP, 100, seq)]), sent + 1);
    for (let frame = 0; frame < 4; frame++) {
      const x = room.displayedOwnPosition(sent + 1 + frame * 8).x;
      assert.ok(x >= last - 1e-9, `no step backwards at seq ${seq}`);
      last = x;
    }
  }
});

test("remote players are interpolated between snapshots, behind the newest one", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  for (let tick = 1; tick <= 20; tick++) {
    room.snapshot(snapshot(tick, [player(0, 50, 50), player(1, 100 + tick * 8, 300)]), tick * TICK_MS);
  }
  const now = 20 * TICK_MS;
  const view = room.view(now, null);
  const them = view.players.find((p) => p.slot === 1);
  const expectedTick = 20 - MIN_INTERPOLATION_DELAY_MS / TICK_MS;
  assert.ok(Math.abs(view.renderTick - expectedTick) < 0.01, `render tick ${view.renderTick}`);
  assert.ok(Math.abs(them.x - (100 + expectedTick * 8)) < 0.05, `x = ${them.x}`);
  assert.equal(them.isYou, false);
  assert.deepEqual([...room.peersSeen.values()], ["them"]);
});

test("bullets are interpolated by id and the own ones are counted once", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  const bullet = (id, x) => ({ id, owner: 0, x: quantizePosition(x), y: quantizePosition(200) });
  for (let tick = 1; tick <= 10; tick++) {
    room.snapshot(snapshot(tick, [player(0, 50, 50)], [bullet(7, tick * 20)]), tick * TICK_MS);
  }
  assert.equal(room.stats.ownBulletsSeen, 1);
  const view = room.view(10 * TICK_MS, null);
  assert.equal(view.bullets.length, 1);
  assert.ok(Math.abs(view.bullets[0].x - view.renderTick * 20) < 0.05);
});

test("kills update the scores, the feed and the respawn countdown", () => {
  const room = new RoomState(joined(), TICK_RATE, 0);
  room.snapshot(snapshot(100, [player(0, 50, 50, 0, false)]), 0);
  room.kill({ type: "Kill", tick: 100, killer: 1, victim: 0, respawn_tick: 190 }, 0);
  assert.equal(room.roster.get(1).kills, 1);
  assert.equal(room.roster.get(0).deaths, 1);
  assert.equal(room.recentKills(0)[0].ofYou, true);
  assert.equal(room.respawnSecondsLeft(0, 0), 3);
  assert.equal(room.respawnSecondsLeft(0, 2500), 1);
  room.snapshot(snapshot(190, [player(0, 500, 500)]), 3000);
  assert.equal(room.respawnSecondsLeft(0, 3000), null);
});
