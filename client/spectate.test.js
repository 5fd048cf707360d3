// Checks the spectator's follow choice and the watch link of client/spectate.js.

import { test } from "node:test";
import assert from "node:assert/strict";

import { cameraFocus, FOLLOW_ZOOM, nextFollow, watchCodeFromSearch } from "./spectate.js";

test("stepping goes through the whole arena and every player in slot order, both ways", () => {
  const slots = [4, 0, 2];
  const seen = [];
  let current = null;
  for (let i = 0; i < 5; i += 1) {
    current = nextFollow(slots, current, 1);
    seen.push(current);
  }
  assert.deepEqual(seen, [0, 2, 4, null, 0]);
  assert.equal(nextFollow(slots, null, -1), 4);
  assert.equal(nextFollow(slots, 0, -1), null);
  assert.equal(nextFollow([], null, 1), null, "an empty room has only the whole arena");
  assert.equal(nextFollow(slots, 9, 1), 0, "a player who left counts as the whole arena");
});

test("the camera follows the chosen player as drawn, or shows the whole arena", () => {
  const view = { players: [{ slot: 1, x: 10, y: 20 }, { slot: 3, x: 30, y: 40 }], bullets: [] };
  assert.deepEqual(cameraFocus(view, 3), { x: 30, y: 40, zoom: FOLLOW_ZOOM });
  assert.equal(cameraFocus(view, null), null);
  assert.equal(cameraFocus(view, 2), null, "a player not in view falls back to the arena");
});

test("the watch link carries a room code", () => {
  assert.equal(watchCodeFromSearch("?watch=QX7K2P"), "QX7K2P");
  assert.equal(watchCodeFromSearch("?token=x&watch=%20ab%20"), "ab");
  assert.equal(watchCodeFromSearch("?watch="), null);
  assert.equal(watchCodeFromSearch(""), null);
});
