// Tests of replay.js: reading a track, choosing keyframes, and the playback clock (pause, speed,
// seek, the end), with times passed in.

import { test } from "node:test";
import assert from "node:assert/strict";

import { encodeServer, PROTOCOL_VERSION } from "./protocol.js";
import { arenaSnapshotMsg, TEST_SETUP } from "./fixtures.js";
import { encodeEvent, encodeSetup } from "./games/arena/codec.js";
import { formatClock, ReplayPlayer, ReplayTrack, replayIdFromSearch } from "./replay.js";
import { MIN_INTERPOLATION_DELAY_MS } from "./room.js";

const TICK_RATE = 30;
const TICK_MS = 1000 / TICK_RATE;
const ROOM = { id: 9, name: "recorded", mode: "arena", players: 1, capacity: 8, public: true, bots: 0 };
const ADA = { slot: 0, player_id: 4, name: "ada", score: [0, 0], bot: false };

function snapshot(tick, full) {
  const player = full
    ? { State: { slot: 0, x: 1600 + tick, y: 3200, aim: 0, hp: 100, flags: 1 } }
    : { Moved: { slot: 0, dx: 1, dy: 0 } };
  return arenaSnapshotMsg({
    tick,
    baseline_age: full ? 0 : 1,
    players: [player],
    added_bullets: [],
    removed_bullets: [],
  });
}

/** A track of ticks 10..=`last`, a keyframe every `every` ticks, and a kill at tick 15. */
function trackBytes(last = 40, every = 10) {
  const messages = [
    { type: "Welcome", protocol: PROTOCOL_VERSION, player_id: 0, tick_rate: TICK_RATE, max_message_bytes: 4096 },
  ];
  for (let tick = 10; tick <= last; tick++) {
    const key = (tick - 10) % every === 0;
    if (key) {
      const roster = [{ ...ADA, score: [0, tick > 15 ? 1 : 0] }];
      messages.push({ type: "Spectating", room: ROOM, code: "", tick, setup: encodeSetup(TEST_SETUP), roster });
    }
    if (tick === 15) {
      const event = encodeEvent({ Kill: { killer: 0, victim: 0, respawn_tick: 60 } });
      messages.push({ type: "GameEvent", tick, event });
    }
    messages.push(snapshot(tick, key));
  }
  const frames = messages.map((msg) => encodeServer(msg));
  const out = new Uint8Array(frames.reduce((sum, f) => sum + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const frame of frames) {
    view.setUint32(at, frame.length, true);
    out.set(frame, at + 4);
    at += 4 + frame.length;
  }
  return out;
}

const types = (due) => due.map((d) => d.msg.type);

test("a track is read into frames, each with the tick of its snapshot, and keyframes", () => {
  const track = ReplayTrack.parse(trackBytes().buffer);
  assert.equal(track.tickRate, TICK_RATE);
  assert.equal(track.firstTick, 10);
  assert.equal(track.lastTick, 40);
  assert.deepEqual(track.keyframes.map((i) => track.frames[i].tick), [10, 20, 30, 40]);
  const kill = track.frames.find((f) => f.msg.type === "GameEvent");
  assert.equal(kill.tick, 15, "an event belongs to the tick of the snapshot it comes with");
  assert.equal(track.keyframeBefore(29), track.keyframes[1]);
  assert.equal(track.keyframeBefore(30), track.keyframes[2]);
  assert.equal(track.keyframeBefore(3), track.keyframes[0]);
});

test("a broken track is refused with a ProtocolError", () => {
  const bytes = trackBytes();
  assert.throws(() => ReplayTrack.parse(bytes.slice(0, bytes.length - 3).buffer), /ends inside/);
  assert.throws(() => ReplayTrack.parse(bytes.slice(0, 2).buffer), /ends inside a length/);
  // Without its Welcome, a track has no tick rate.
  const welcomeLength = new DataView(bytes.buffer).getUint32(0, true);
  assert.throws(() => ReplayTrack.parse(bytes.slice(4 + welcomeLength).buffer), /starts with Welcome/);
});

test("a track of a game other than the arena is refused", () => {
  const messages = [
    { type: "Welcome", protocol: PROTOCOL_VERSION, player_id: 0, tick_rate: TICK_RATE, max_message_bytes: 4096 },
    { type: "Spectating", room: { ...ROOM, mode: "tag" }, code: "", tick: 1, setup: new Uint8Array(1), roster: [] },
  ];
  const frames = messages.map((msg) => encodeServer(msg));
  const out = new Uint8Array(frames.reduce((sum, f) => sum + 4 + f.length, 0));
  let at = 0;
  for (const frame of frames) {
    new DataView(out.buffer).setUint32(at, frame.length, true);
    out.set(frame, at + 4);
    at += 4 + frame.length;
  }
  assert.throws(() => ReplayTrack.parse(out.buffer), /the game "tag": only arena matches/);
});

test("playback hands over messages at their tick's time, the screen a delay behind", () => {
  const track = ReplayTrack.parse(trackBytes().buffer);
  const player = new ReplayPlayer(track, 1000);
  // At the start: the first keyframe and what arrives within the interpolation delay.
  const first = player.due(1000);
  assert.deepEqual(types(first).slice(0, 2), ["Spectating", "Snapshot"]);
  const lead = Math.floor(MIN_INTERPOLATION_DELAY_MS / TICK_MS);
  assert.equal(first.filter((d) => d.msg.type === "Snapshot").length, lead + 1);
  assert.equal(first[0].at, 10 * TICK_MS);
  assert.equal(player.position(1000), 10);
  // One second later, 30 ticks on; later keyframes are not handed over (their full snapshot is).
  const later = player.due(2000);
  assert.ok(!types(later).includes("Spectating"));
  assert.ok(types(later).includes("GameEvent"));
  assert.ok(Math.abs(player.position(2000) - 40) < 1e-9);
  assert.ok(player.ended(2000));
  assert.equal(player.playing, false, "the end pauses");
  assert.equal(formatClock(player.elapsedSeconds(2000)), "0:01");
});

test("pause, speed and seek move the clock as asked", () => {
  const track = ReplayTrack.parse(trackBytes(400).buffer);
  const player = new ReplayPlayer(track, 0);
  player.due(0);
  player.toggle(0);
  assert.equal(player.position(5000), 10, "paused, the clock stands");
  player.toggle(5000);
  player.setSpeed(4, 5000);
  assert.ok(Math.abs(player.position(6000) - (10 + 4 * TICK_RATE)) < 1e-9);
  player.setSpeed(0.25, 6000);
  assert.ok(Math.abs(player.position(7000) - (130 + TICK_RATE / 4)) < 1e-9);
  assert.throws(() => player.setSpeed(3, 7000), RangeError);

  player.due(7000);
  player.seek(255, 7000);
  const resumed = player.due(7000);
  assert.equal(resumed[0].msg.type, "Spectating");
  assert.equal(resumed[0].msg.tick, 250, "from the keyframe before the tick asked for");
  assert.equal(resumed.at(-1).msg.tick, 255 + Math.floor(MIN_INTERPOLATION_DELAY_MS / TICK_MS));
  assert.ok(Math.abs(player.position(7000) - 255) < 1e-9);
  // Seeking backwards starts from an earlier keyframe; past either end stays at the end.
  player.seek(12, 7000);
  assert.equal(player.due(7000)[0].msg.tick, 10);
  player.seek(10_000, 7000);
  assert.equal(player.position(7000), 400);
  player.due(7000);
  assert.ok(player.ended(7000));
  // Play after the end starts over.
  player.toggle(8000);
  assert.equal(player.playing, true);
  assert.equal(player.position(8000), 10);
});

test("a replay address names a match id, and clocks read m:ss", () => {
  assert.equal(replayIdFromSearch("?replay=42"), "42");
  assert.equal(replayIdFromSearch("?replay=0"), null);
  assert.equal(replayIdFromSearch("?replay=4x"), null);
  assert.equal(replayIdFromSearch("?watch=ABC"), null);
  assert.equal(formatClock(0), "0:00");
  assert.equal(formatClock(61.9), "1:01");
  assert.equal(formatClock(-3), "0:00");
});
