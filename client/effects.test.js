// Checks client/games/arena/effects.js: who hit whom from two snapshots, the sounds each event makes, kill
// toasts, spawn protection and the muzzle flash of a new bullet.

import { test } from "node:test";
import assert from "node:assert/strict";

import { Effects } from "./games/arena/effects.js";
import { PLAYER_ALIVE, PLAYER_PROTECTED, quantizeHeading } from "./games/arena/codec.js";
import { quantizePosition } from "./wire.js";

const setup = { player_radius: 16, bullet_radius: 4, bullet_speed: 900, spawn_protection_ticks: 53 };
const DELAY = 100;

function player(x, y, hp = 100, flags = PLAYER_ALIVE) {
  return { x: quantizePosition(x), y: quantizePosition(y), aim: 0, hp, flags };
}

function bullet(owner, x, y, since, heading = 0) {
  return { owner, x: quantizePosition(x), y: quantizePosition(y), heading: quantizeHeading(heading), since };
}

function room(you, received) {
  return {
    you,
    setup,
    tickRate: 30,
    received,
    interpolationDelayMs: () => DELAY,
    nameOf: (slot) => ["ann", "bo", "cy"][slot],
  };
}

function recorder() {
  const sounds = [];
  return { sounds, effects: new Effects((name) => sounds.push(name)) };
}

test("a hit is put on the shooter whose bullet vanished next to the victim", () => {
  const { sounds, effects } = recorder();
  const before = {
    tick: 10,
    players: new Map([[0, player(100, 100)], [1, player(300, 100)], [2, player(100, 600)]]),
    // Ann's bullet is about to reach Bo; Cy's flies elsewhere.
    bullets: new Map([[1, bullet(0, 250, 100, 10)], [2, bullet(2, 100, 560, 10, -Math.PI / 2)]]),
  };
  const after = {
    tick: 11,
    players: new Map([[0, player(100, 100)], [1, player(300, 100, 80)], [2, player(100, 600)]]),
    bullets: new Map([[2, bullet(2, 100, 560, 10, -Math.PI / 2)]]),
  };
  effects.snapshot(room(0, before), 0);
  effects.snapshot(room(0, after), 1000);
  assert.deepEqual(sounds, [], "the hit sounds when the drawn world gets there");
  const early = effects.frame({ bullets: [], players: [] }, 1000 + DELAY - 1);
  assert.equal(early.markers.length, 0);
  const shown = effects.frame({ bullets: [], players: [] }, 1000 + DELAY);
  assert.deepEqual(sounds, ["hit"]);
  assert.equal(shown.markers[0].slot, 1, "ann gets a hit marker on bo");
  assert.equal(shown.hits[0].slot, 1, "bo flashes");
  assert.equal(shown.numbers[0].text, "-20");
  assert.equal(shown.numbers[0].mine, true);
});

test("the victim hears itself hurt and die at once, then respawn protected", () => {
  const { sounds, effects } = recorder();
  const before = { tick: 5, players: new Map([[1, player(300, 100, 20)]]), bullets: new Map() };
  const after = { tick: 6, players: new Map([[1, player(300, 100, 0, 0)]]), bullets: new Map() };
  const bo = room(1, before);
  effects.snapshot(bo, 0);
  effects.snapshot(room(1, after), 10);
  assert.deepEqual(sounds, ["hurt"]);
  assert.ok(effects.frame({ bullets: [], players: [] }, 20).hurt !== null, "the edge reddens");
  effects.kill(bo, { killer: 0, victim: 1 }, 10);
  assert.deepEqual(sounds, ["hurt", "death"]);
  const respawned = { tick: 70, players: new Map([[1, player(80, 80, 100, PLAYER_ALIVE | PLAYER_PROTECTED)]]), bullets: new Map() };
  effects.snapshot(room(1, respawned), 2000);
  assert.deepEqual(sounds, ["hurt", "death", "respawn"]);
  const fx = effects.frame({ bullets: [], players: [] }, 2000);
  assert.ok(fx.protectedSlots.has(1));
  assert.equal(fx.ownProtection, 1, "the protection ring starts full");
  assert.ok(effects.frame({ bullets: [], players: [] }, 2875).ownProtection < 0.6);
});

test("a kill by the own player shows a toast with the victim's name and sounds", () => {
  const { sounds, effects } = recorder();
  effects.kill(room(0, null), { killer: 0, victim: 2 }, 0);
  const fx = effects.frame({ bullets: [], players: [] }, DELAY);
  assert.equal(fx.toast.text, "You shot cy");
  assert.deepEqual(sounds, ["kill"]);
});

test("a new bullet on screen sounds, gets a muzzle flash and a trail as it flies", () => {
  const { sounds, effects } = recorder();
  const first = effects.frame({ bullets: [{ owner: 1, x: 100, y: 100 }], players: [] }, 0);
  assert.equal(first.flashes.length, 1);
  assert.equal(first.trails.length, 1);
  const next = effects.frame({ bullets: [{ owner: 1, x: 115, y: 100 }], players: [] }, 16);
  assert.equal(next.flashes.length, 1, "the same bullet: no second flash");
  assert.deepEqual([next.trails[0].from.x, next.trails[0].to.x], [100, 115]);
  const later = effects.frame({ bullets: [{ owner: 1, x: 220, y: 100 }], players: [] }, 200);
  assert.equal(later.flashes.length, 1, "far from the last one: a new bullet");
  assert.deepEqual(sounds, ["fire", "fire"]);
  const mine = { slot: 1, isYou: true, x: 0, y: 0, alive: true };
  const own = effects.frame({ bullets: [{ owner: 1, x: 400, y: 100 }], players: [mine] }, 400);
  assert.equal(own.flashes.length, 0, "the own shot's flash is state.js's");
  assert.equal(sounds.length, 3, "but it sounds");
});
