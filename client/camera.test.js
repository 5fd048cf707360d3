// Checks client/camera.js: the player's view follows, zooms by the window and stops near the
// arena's edges so that the own player stays clear of the HUD corners.

import { test } from "node:test";
import assert from "node:assert/strict";

import { EDGE_SLACK, follow, playerScale, toScreen, wholeArena } from "./camera.js";

const world = { width: 1600, height: 1000 };
const desktop = { width: 1280, height: 820 };
const portrait = { width: 390, height: 844 };
const landscape = { width: 844, height: 390 };

test("the whole arena fits the window, centred", () => {
  const camera = wholeArena(desktop, world);
  assert.equal(camera.scale, Math.min(1280 / 1600, 820 / 1000));
  const corner = toScreen(camera, { x: 1600, y: 1000 });
  assert.ok(Math.abs(corner.x - (1280 - camera.originX)) < 1e-9, "centred across");
  assert.ok(corner.y <= 820 + 1e-9);
});

test("a player sees about 600 units across the window's shorter side, the arena filling it", () => {
  assert.equal(playerScale(desktop, world), 820 / 600);
  assert.equal(playerScale(landscape, world), 390 / 600);
  assert.equal(playerScale(portrait, world), 844 / 1000, "upright: the arena's height fills the window");
  assert.ok(playerScale(desktop, world) > wholeArena(desktop, world).scale * 1.5, "closer than the overview");
});

test("in the open the own player is in the middle of the window", () => {
  for (const viewport of [desktop, landscape]) {
    const camera = follow(viewport, world, { x: 800, y: 500 }, playerScale(viewport, world));
    const at = toScreen(camera, { x: 800, y: 500 });
    assert.ok(Math.abs(at.x - viewport.width / 2) < 1e-9 && Math.abs(at.y - viewport.height / 2) < 1e-9);
  }
});

test("at the arena's edges the view stops, keeping the player off the window's edges", () => {
  for (const viewport of [desktop, portrait, landscape]) {
    const scale = playerScale(viewport, world);
    for (const point of [{ x: 0, y: 0 }, { x: 1600, y: 1000 }, { x: 0, y: 1000 }]) {
      const camera = follow(viewport, world, point, scale);
      const at = toScreen(camera, point);
      const where = JSON.stringify({ viewport, point, at });
      // The player keeps the slack's share of the window from each of its edges.
      assert.ok(Math.min(at.x, viewport.width - at.x) >= viewport.width * EDGE_SLACK - 1e-6, where);
      assert.ok(Math.min(at.y, viewport.height - at.y) >= viewport.height * EDGE_SLACK - 1e-6, where);
    }
  }
});

test("an axis where the arena is smaller than the view less its slack is centred", () => {
  const scale = 0.3;
  const camera = follow(portrait, world, { x: 100, y: 100 }, scale);
  assert.ok(1000 * scale < portrait.height * (1 - 2 * EDGE_SLACK));
  assert.ok(Math.abs(camera.originY - (portrait.height - 1000 * scale) / 2) < 1e-9);
});
