// Checks client/touch.js's stick directions: eight sectors like the keys, a dead zone.

import { test } from "node:test";
import assert from "node:assert/strict";

import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP } from "./wire.js";
import { stickBits } from "./touch.js";

test("a stick pushed within the dead zone moves nothing", () => {
  assert.equal(stickBits(0, 0), 0);
  assert.equal(stickBits(5, -5), 0);
});

test("eight directions, screen y growing down", () => {
  assert.equal(stickBits(40, 0), MOVE_RIGHT);
  assert.equal(stickBits(-40, 0), MOVE_LEFT);
  assert.equal(stickBits(0, 40), MOVE_DOWN);
  assert.equal(stickBits(0, -40), MOVE_UP);
  assert.equal(stickBits(30, 30), MOVE_RIGHT | MOVE_DOWN);
  assert.equal(stickBits(-30, -30), MOVE_UP | MOVE_LEFT);
  assert.equal(stickBits(30, -30), MOVE_RIGHT | MOVE_UP);
  assert.equal(stickBits(-30, 30), MOVE_DOWN | MOVE_LEFT);
  assert.equal(stickBits(-40, 1), MOVE_LEFT, "left, just below the axis");
  assert.equal(stickBits(-40, -1), MOVE_LEFT, "left, just above the axis");
});
