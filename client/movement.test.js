// Checks client/movement.js, the own player's predicted movement: the rule's shape (directions,
// sliding along walls, staying inside, the 1/16 grid) and, bit for bit, the server's golden
// trajectories in tests/vectors/trajectories.json (made by the server's own movement rule).
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { directionOf, stepMovement } from "./movement.js";
import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP, quantizePosition } from "./wire.js";
import { TEST_SETUP } from "./fixtures.js";

const TICK_RATE = 30;
const setup = TEST_SETUP;

test("diagonals are normalized in f32 and opposite keys cancel", () => {
  const diagonal = directionOf(MOVE_UP | MOVE_RIGHT);
  assert.equal(diagonal.x, Math.fround(Math.SQRT1_2));
  assert.equal(diagonal.y, -Math.fround(Math.SQRT1_2));
  assert.deepEqual(directionOf(MOVE_LEFT | MOVE_RIGHT), { x: 0, y: 0 });
  assert.deepEqual(directionOf(MOVE_UP | MOVE_DOWN | MOVE_LEFT), { x: -1, y: 0 });
});

test("a player pushed into a wall slides along it", () => {
  // Touching the wall's top from above, pressing down and right.
  const start = { x: 750, y: 400 - setup.player_radius };
  const moved = stepMovement(start, MOVE_DOWN | MOVE_RIGHT, TICK_RATE, setup);
  assert.equal(moved.y, start.y, "stays on the wall's edge");
  assert.ok(moved.x > start.x, "slides right");
});

test("a player stays inside the arena", () => {
  // At one tick a second, a step is 240 units.
  const corner = stepMovement({ x: 17, y: 17 }, MOVE_UP | MOVE_LEFT, 1, setup);
  assert.deepEqual(corner, { x: setup.player_radius, y: setup.player_radius });
});

test("every step ends on the wire's 1/16 grid, and standing still stays put", () => {
  let at = { x: 100.5, y: 333.25 };
  for (const bits of [MOVE_DOWN | MOVE_RIGHT, MOVE_UP, MOVE_LEFT | MOVE_UP, MOVE_RIGHT]) {
    at = stepMovement(at, bits, TICK_RATE, setup);
    assert.equal(at.x * 16, Math.round(at.x * 16));
    assert.equal(at.y * 16, Math.round(at.y * 16));
  }
  assert.deepEqual(stepMovement(at, 0, TICK_RATE, setup), at);
});

const vectorDir = join(dirname(fileURLToPath(import.meta.url)), "..", "tests", "vectors");
const trajectories = JSON.parse(readFileSync(join(vectorDir, "trajectories.json"), "utf8"));

for (const trajectory of trajectories.cases) {
  test(`follows the server's trajectory ${trajectory.name} bit for bit`, () => {
    let at = { x: trajectory.start.x, y: trajectory.start.y };
    trajectory.inputs.forEach((bits, step) => {
      at = stepMovement(at, bits, trajectories.tick_rate, trajectories.setup);
      const got = [quantizePosition(at.x), quantizePosition(at.y)];
      assert.deepEqual(got, trajectory.expected[step], `step ${step}, movement ${bits}`);
      // On the grid, the quantized position is the whole position.
      assert.deepEqual([got[0] / 16, got[1] / 16], [at.x, at.y], `step ${step}`);
    });
  });
}
