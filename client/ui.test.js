// Checks client/ui.js's words for server errors and its snapshot-rate meter.

import { test } from "node:test";
import assert from "node:assert/strict";

import { ERROR_CODES } from "./protocol.js";
import { describeError, RateMeter, STALL_MS } from "./ui.js";

test("every error code a player can meet has words", () => {
  for (const [name, code] of Object.entries(ERROR_CODES)) {
    const words = describeError(code, "");
    assert.ok(!words.includes(`error ${code}`), `${name} (${code}) has no words: ${words}`);
  }
  assert.match(describeError(ERROR_CODES.BAD_SESSION_TOKEN, "x"), /could not be resumed.*\(x\)$/);
});

test("the snapshot rate counts the last second, so a burst after a stall stays sane", () => {
  const meter = new RateMeter();
  let now = 0;
  for (let i = 0; i < 60; i++) meter.add((now += 1000 / 30));
  assert.ok(Math.abs(meter.rate(now) - 30) <= 1, String(meter.rate(now)));
  now += 2000;
  assert.equal(meter.rate(now), 0, "nothing for two seconds");
  assert.ok(meter.silence(now) > STALL_MS);
  for (let i = 0; i < 20; i++) meter.add(now + i * 0.5);
  assert.ok(meter.rate(now + 10) <= 30, "a burst of 20 in 10 ms is 20 per second, not 2000");
  assert.equal(new RateMeter().silence(0), null);
});
