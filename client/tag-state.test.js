// Checks client/games/tag/state.js (on room.js): the own player predicted with the arena's
// movement rule at it_speed while it is it and not at all while frozen, the scores from
// snapshots and events, the round's words and the others interpolated.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { decodeServer, encodeServer } from "./protocol.js";
import { MOVE_RIGHT, quantizePosition } from "./wire.js";
import * as codec from "./games/tag/codec.js";
import { TagRoom } from "./games/tag/state.js";

const TICK_RATE = 30;
const TICK_MS = 1000 / TICK_RATE;
const SETUP = {
  width: 1600,
  height: 1000,
  walls: [],
  player_radius: 16,
  player_speed: 240,
  it_speed: 300,
  round_ticks: 3600,
  intermission_ticks: 150,
  freeze_ticks: 30,
  immune_ticks: 45,
};

function room(you = 0) {
  const joined = {
    room: { id: 1, name: "t", mode: "tag", players: 2, capacity: 8, public: true, bots: 0 },
    code: "TAG",
    you,
    tick: 0,
    setup: SETUP,
    roster: [
      { slot: 0, player_id: 1, name: "me", score: [0, 0], bot: false },
      { slot: 1, player_id: 2, name: "them", score: [0, 0], bot: false },
    ],
  };
  return new TagRoom(joined, TICK_RATE, 0);
}

/** A player's state, positions in world units. */
function player(slot, x, y, { flags = 0, points = 0, tags = 0 } = {}) {
  return { State: { slot, x: quantizePosition(x), y: quantizePosition(y), flags, points, tags } };
}

/** A full snapshot as the page gets it: through the envelope and tag's codec. */
function full(tick, players, { ack = 0, it = 1, phase = codec.PHASE_PLAYING, ends = 900 } = {}) {
  const body = codec.encodeSnapshot({ phase, phase_ends_tick: ends, it, players });
  return decodeServer(encodeServer({ type: "Snapshot", tick, ack, baseline_age: 0, body }));
}

function event(tick, value) {
  return decodeServer(encodeServer({ type: "GameEvent", tick, event: codec.encodeEvent(value) }));
}

/** The own player's x after one input to the right, from a snapshot at x 100. */
function oneStepRight(it, flags = 0) {
  const r = room();
  r.receiveSnapshot(full(1, [player(0, 100, 100, { flags }), player(1, 600, 600)], { it: it ? 0 : 1 }), 0);
  r.localInput({ seq: 1, movement: MOVE_RIGHT }, null, 10);
  return r.prediction.present.x;
}

test("the own player is predicted at player_speed, at it_speed while it, and not while frozen", () => {
  assert.equal(oneStepRight(false), 100 + SETUP.player_speed / TICK_RATE);
  assert.equal(oneStepRight(true), 100 + SETUP.it_speed / TICK_RATE);
  assert.equal(oneStepRight(true, codec.PLAYER_FROZEN), 100);
});

test("unacknowledged inputs are replayed at the speed the snapshot gives the own player", () => {
  const r = room();
  r.receiveSnapshot(full(1, [player(0, 100, 100), player(1, 600, 600)]), 0);
  r.localInput({ seq: 1, movement: MOVE_RIGHT }, null, 10);
  r.localInput({ seq: 2, movement: MOVE_RIGHT }, null, 10 + TICK_MS);
  // The server took input 1 at player_speed; then the own player became it.
  const afterOne = 100 + SETUP.player_speed / TICK_RATE;
  r.receiveSnapshot(full(2, [player(0, afterOne, 100), player(1, 600, 600)], { ack: 1, it: 0 }), 2 * TICK_MS);
  assert.equal(r.prediction.present.x, afterOne + SETUP.it_speed / TICK_RATE);
  assert.equal(r.prediction.counters.corrections, 0);
});

test("inputs the server takes while the own player is frozen are replayed as standing still", () => {
  const r = room();
  r.receiveSnapshot(full(1, [player(0, 100, 100), player(1, 600, 600)]), 0);
  r.localInput({ seq: 1, movement: MOVE_RIGHT }, null, 10);
  r.localInput({ seq: 2, movement: MOVE_RIGHT }, null, 10 + TICK_MS);
  // Tagged before input 1 was taken: frozen, where it stood.
  r.receiveSnapshot(full(2, [player(0, 100, 100, { flags: codec.PLAYER_FROZEN }), player(1, 110, 100)], { ack: 1, it: 0 }), 2 * TICK_MS);
  assert.equal(r.prediction.present.x, 100);
});

test("scores come whole with every snapshot; events move them on in between", () => {
  const r = room();
  r.receiveSnapshot(full(1, [player(0, 100, 100, { points: 4, tags: 2 }), player(1, 600, 600, { points: 1 })]), 0);
  assert.deepEqual(r.roster.get(0).score, [4, 2]);
  r.receiveEvent(event(2, { Tagged: { tagger: 1, tagged: 0 } }), 10);
  assert.deepEqual(r.roster.get(1).score, [1, 1], "the tagger's tags grow by one");
  assert.deepEqual(r.recentFeed(10).map((l) => [l.text, l.mine]), [["them tagged you: you are it", true]]);
  r.receiveEvent(event(3, { RoundStarted: { it: 1, ends_tick: 3603 } }), 20);
  assert.deepEqual([...r.roster.values()].map((p) => p.score), [[0, 0], [0, 0]], "a round starts from zero");
  r.receiveEvent(event(4, { Tagged: { tagger: codec.NO_SLOT, tagged: 1 } }), 30);
  assert.deepEqual(r.roster.get(1).score, [0, 0], "nobody tagged: nobody's tags grow");
  assert.equal(r.recentFeed(30).at(-1).text, "It left: them is it now");
});

test("the round in words: waiting, who is it and the time left, the intermission's winner", () => {
  const r = room();
  assert.equal(r.status(0), null, "nothing before the first snapshot");
  r.receiveSnapshot(full(1, [player(0, 100, 100)], { it: codec.NO_SLOT, phase: codec.PHASE_WAITING, ends: 0 }), 0);
  assert.equal(r.status(0), "Waiting for a second player");
  r.receiveSnapshot(full(30, [player(0, 100, 100), player(1, 600, 600)], { it: 0, ends: 30 + 95 * TICK_RATE }), 1000);
  assert.equal(r.status(1000), "You are it · 1:35 left");
  r.receiveSnapshot(full(60, [player(0, 100, 100), player(1, 600, 600)], { it: 1, ends: 60 + 5 * TICK_RATE }), 2000);
  assert.equal(r.status(2000), "them is it · 0:05 left");
  r.receiveEvent(event(61, { RoundOver: { winner: 1, next_round_tick: 211 } }), 2000);
  r.receiveSnapshot(full(61, [player(0, 100, 100), player(1, 600, 600)], { it: 1, phase: codec.PHASE_INTERMISSION, ends: 211 }), 2000 + TICK_MS);
  assert.equal(r.status(2000 + TICK_MS), "them won · next round in 5 s");
});

test("a frozen own player sees who tagged it and when it can move", () => {
  const r = room();
  r.receiveEvent(event(10, { Tagged: { tagger: 1, tagged: 0 } }), 0);
  r.receiveSnapshot(full(10, [player(0, 100, 100, { flags: codec.PLAYER_FROZEN }), player(1, 130, 100)], { it: 0 }), 0);
  assert.deepEqual(r.banner(0), { title: "Tagged by them: you are it", detail: "you can move in 1 s" });
  r.receiveSnapshot(full(40, [player(0, 100, 100), player(1, 130, 100, { flags: codec.PLAYER_IMMUNE })], { it: 0 }), 1000);
  assert.equal(r.banner(1000), null);
});

test("the others are interpolated between snapshots, with who is it, frozen and immune", () => {
  const r = room();
  r.receiveSnapshot(full(1, [player(0, 100, 100), player(1, 200, 300)]), 0);
  r.receiveSnapshot(full(2, [player(0, 100, 100), player(1, 208, 300, { flags: codec.PLAYER_IMMUNE })]), TICK_MS);
  const renderTick = r.renderTickAt(TICK_MS);
  const view = r.view(TICK_MS);
  const them = view.players.find((p) => p.slot === 1);
  const t = Math.min(Math.max(renderTick - 1, 0), 1);
  assert.ok(Math.abs(them.x - (200 + 8 * t)) < 1e-9);
  assert.equal(them.it, true);
  assert.equal(them.isYou, false);
  const me = view.players.find((p) => p.isYou);
  assert.deepEqual([me.x, me.y, me.it, me.frozen], [100, 100, false, false]);
  // Farther than anyone runs in a tick: a new round's spawn, drawn as a jump.
  r.receiveSnapshot(full(3, [player(0, 100, 100), player(1, 1500, 900)]), 2 * TICK_MS);
  const jumped = r.view(2 * TICK_MS + 1000).players.find((p) => p.slot === 1);
  assert.deepEqual([jumped.x, jumped.y], [1500, 900]);
});
