// Checks client/shots.js: the own shots drawn at once by the server's fire rule, stopped at
// walls, linked to the server's bullets (never drawn twice) and dropped when unconfirmed.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { quantizePosition } from "./wire.js";
import { quantizeHeading } from "./games/arena/codec.js";
import { OwnShots } from "./games/arena/shots.js";
import { TEST_SETUP } from "./fixtures.js";

const setup = TEST_SETUP;
const at = { x: 100, y: 100 };

test("held fire shoots on the first input and then every fire_cooldown_ticks inputs", () => {
  const shots = new OwnShots(setup);
  const fired = [];
  for (let i = 0; i < 14; i++) fired.push(shots.input(true, at, 0, null, i));
  assert.deepEqual(fired.map((f, i) => (f ? i : null)).filter((i) => i !== null), [0, 6, 12]);
  assert.equal(shots.input(true, null, 0, null, 20), false, "not while dead");
  shots.respawned();
  assert.equal(shots.input(true, at, 0, null, 21), true, "a respawn resets the cooldown");
});

test("a shot is drawn in the frame it is fired, with a flash, and flies at bullet_speed", () => {
  const shots = new OwnShots(setup);
  shots.input(true, at, 0, { at: 990, frame: 7 }, 1000);
  const first = shots.view(1000, 7, [], 50);
  assert.equal(first.bullets.length, 1);
  assert.equal(first.bullets[0].x, at.x + setup.player_radius);
  assert.equal(first.flashes.length, 1);
  assert.equal(shots.counters.lastClickToDrawMs, 10);
  assert.equal(shots.counters.lastClickToDrawFrames, 1);
  const later = shots.view(1100, 0, [], 50);
  assert.ok(Math.abs(later.bullets[0].x - (at.x + setup.player_radius + 60)) < 1e-9);
  assert.equal(later.flashes.length, 0);
});

test("a shot stops at a wall and at another player as drawn", () => {
  const shots = new OwnShots(setup);
  // Straight down at the wall's top (y = 400, grown by the bullet radius): 296 units away.
  shots.input(true, { x: 800, y: 100 }, Math.PI / 2, null, 0);
  const flight = ((400 - 4 - 100 - 16) / 600) * 1000;
  assert.equal(shots.view(flight - 5, 0, [], 1000).bullets.length, 1);
  assert.equal(shots.view(flight + 5, 0, [], 1000).bullets.length, 0);
  const other = new OwnShots(setup);
  other.input(true, at, 0, null, 0);
  assert.equal(other.view(100, 0, [{ x: 176, y: 100 }], 0).bullets.length, 0, "hit");
});

test("the server's bullet links to the predicted one, which alone is drawn until removed", () => {
  const shots = new OwnShots(setup);
  shots.input(true, at, 0.5, null, 0);
  const server = {
    id: 42,
    owner: 0,
    x: quantizePosition(at.x + Math.cos(0.5) * 16),
    y: quantizePosition(at.y + Math.sin(0.5) * 16),
    heading: quantizeHeading(0.5),
  };
  assert.equal(shots.serverFired(server), true);
  assert.deepEqual([...shots.linkedIds()], [42]);
  assert.equal(shots.view(300, 0, [], 100).bullets.length, 1, "kept past the confirm time");
  shots.serverRemoved([42]);
  assert.equal(shots.view(310, 0, [], 100).bullets.length, 0);
  assert.equal(shots.counters.confirmed, 1);
});

test("a shot the server never confirms is dropped after a round trip and a margin", () => {
  const shots = new OwnShots(setup);
  shots.input(true, at, 0, null, 0);
  assert.equal(shots.view(300, 0, [], 100).bullets.length, 1);
  assert.equal(shots.view(400, 0, [], 100).bullets.length, 0);
  assert.equal(shots.counters.unconfirmed, 1);
  assert.equal(shots.serverFired({ id: 1, owner: 0, x: 0, y: 0, heading: 0 }), false);
});
