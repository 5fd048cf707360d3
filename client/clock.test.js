// Checks client/clock.js: the server clock estimate (a min-filter on the snapshots' delay,
// followed smoothly) and the pacing of inputs by it (one per tick, a bounded catch-up, a skip
// after a long gap, and one early for a shot).
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { InputPacer, MAX_CATCH_UP_STEPS, ServerClock, SKIP_AFTER_STEPS } from "./clock.js";

const TICK_RATE = 30;
const TICK_MS = 1000 / TICK_RATE;

test("the clock follows the earliest snapshots, not the late ones", () => {
  const clock = new ServerClock(TICK_RATE);
  assert.equal(clock.tickAt(0), null);
  // Tick t is sent at t·TICK_MS and arrives 40 ms later, plus up to 30 ms of jitter.
  for (let tick = 1; tick <= 120; tick++) {
    const jitter = (tick * 7919) % 31;
    clock.observe(tick, tick * TICK_MS + 40 + jitter);
  }
  const at = 120 * TICK_MS + 40;
  assert.ok(Math.abs(clock.tickAt(at) - 120) < 0.1, `tick ${clock.tickAt(at)}`);
});

test("the clock moves smoothly when the delay shrinks, and starts again on a new timeline", () => {
  const clock = new ServerClock(TICK_RATE);
  clock.observe(10, 10 * TICK_MS + 100);
  clock.observe(11, 11 * TICK_MS + 20);
  const moved = clock.tickAt(11 * TICK_MS + 20) - (11 - 80 / TICK_MS);
  assert.ok(moved > 0 && moved < 80 / TICK_MS, "part of the way towards the early one");
  clock.observe(5000, 12 * TICK_MS);
  assert.ok(Math.abs(clock.tickAt(12 * TICK_MS) - 5000) < 1e-9);
});

test("the pacer sends one input a tick, ahead of the clock by the round trip", () => {
  const pacer = new InputPacer(TICK_RATE);
  let sent = 0;
  // 60 frames a second for 10 s, with a round trip of 100 ms (3 ticks).
  for (let frame = 0; frame < 600; frame++) sent += pacer.due(100 + frame / 2, 100);
  assert.ok(Math.abs(sent - 300) <= 5, `sent ${sent}`);
  assert.equal(pacer.sentThrough, Math.floor(100 + 599 / 2 + 100 / TICK_MS + 1));
});

test("the pacer catches up a few steps a frame and skips ahead after a long gap", () => {
  const pacer = new InputPacer(TICK_RATE);
  pacer.due(100, 0);
  assert.equal(pacer.due(105, 0), MAX_CATCH_UP_STEPS, "a short stall: a bounded catch-up");
  assert.equal(pacer.due(105, 0), 5 - MAX_CATCH_UP_STEPS);
  assert.equal(pacer.due(105 + SKIP_AFTER_STEPS + 30, 0), 1, "a background tab: one, not a burst");
  assert.equal(pacer.skipped, SKIP_AFTER_STEPS + 29);
  assert.equal(pacer.due(105 + SKIP_AFTER_STEPS + 30, 0), 0);
});

test("the pacer starts again from a clock that jumped back", () => {
  const pacer = new InputPacer(TICK_RATE);
  pacer.due(5000, 0);
  assert.equal(pacer.due(10, 0), 1, "a restarted room clock: on at once, not after 5000 ticks");
  assert.equal(pacer.due(11, 0), 1);
  assert.equal(pacer.skipped, 0);
});

test("one input may go early, and the next tick then sends none", () => {
  const pacer = new InputPacer(TICK_RATE);
  pacer.due(100.1, 0);
  assert.equal(pacer.early(100.2, 0), true);
  assert.equal(pacer.early(100.3, 0), false, "only one step ahead");
  assert.equal(pacer.due(101.1, 0), 0, "the early one was this tick's");
  assert.equal(pacer.due(102.1, 0), 1);
});
