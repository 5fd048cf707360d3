// Checks client/games/index.js and each game's module (games/<mode>/game.js): the page plays
// exactly arena and tag, says so in words for any other mode, and each game's room, scores and
// input are what main.js expects of it.
// Run with `node --test client/` (cargo test --test client_js runs it).

import { test } from "node:test";
import assert from "node:assert/strict";

import { cannotPlay, gameFor, MODES } from "./games/index.js";
import { MOVE_RIGHT, MOVE_UP } from "./wire.js";
import { encodeSetup as encodeArenaSetup } from "./games/arena/codec.js";
import { encodeSetup as encodeTagSetup } from "./games/tag/codec.js";
import { TEST_SETUP } from "./fixtures.js";

const TAG_SETUP = {
  width: TEST_SETUP.width,
  height: TEST_SETUP.height,
  walls: TEST_SETUP.walls,
  player_radius: TEST_SETUP.player_radius,
  player_speed: TEST_SETUP.player_speed,
  it_speed: 264,
  round_ticks: 3600,
  intermission_ticks: 150,
  freeze_ticks: 30,
  immune_ticks: 45,
};

function joined(mode, setup) {
  return {
    room: { id: 1, name: "r", mode, players: 1, capacity: 8, public: true, bots: 0 },
    code: "C",
    you: 0,
    tick: 0,
    setup,
    roster: [{ slot: 0, player_id: 1, name: "me", score: [3, 1], bot: false }],
  };
}

test("the page plays the arena and tag, and no other mode", () => {
  assert.deepEqual(MODES, ["arena", "tag"]);
  for (const mode of MODES) assert.equal(gameFor(mode).mode, mode);
  assert.equal(gameFor("pong"), null);
  assert.equal(cannotPlay("pong"), 'This room runs the game "pong", which this page cannot play');
});

test("each game's scoreboard has its two columns, and ranks best first", () => {
  const arena = gameFor("arena");
  const tag = gameFor("tag");
  assert.deepEqual(arena.scoreColumns.map((c) => c.label), ["Kills", "Deaths"]);
  assert.deepEqual(tag.scoreColumns.map((c) => c.label), ["Points", "Tags"]);
  const entry = (score) => ({ score });
  assert.ok(arena.compareScores(entry([3, 0]), entry([3, 2])) < 0, "fewer deaths first");
  assert.ok(arena.compareScores(entry([1, 0]), entry([3, 9])) > 0, "more kills first");
  assert.ok(tag.compareScores(entry([5, 0]), entry([4, 9])) < 0, "more points first");
});

test("each game's events move the roster's scores on as the spec says", () => {
  const roster = () => new Map([[0, { score: [0, 0] }], [1, { score: [2, 2] }]]);
  const arena = roster();
  gameFor("arena").scoreEvent(arena, { Kill: { killer: 0, victim: 1, respawn_tick: 9 } });
  assert.deepEqual([...arena.values()].map((p) => p.score), [[1, 0], [2, 3]]);
  const tag = roster();
  gameFor("tag").scoreEvent(tag, { Tagged: { tagger: 1, tagged: 0 } });
  assert.deepEqual([...tag.values()].map((p) => p.score), [[0, 0], [2, 3]]);
  gameFor("tag").scoreEvent(tag, { RoundStarted: { it: 0, ends_tick: 100 } });
  assert.deepEqual([...tag.values()].map((p) => p.score), [[0, 0], [0, 0]]);
});

test("each game's room decodes its setup bytes; the controls become its input payload", () => {
  const controls = { movement: MOVE_UP | MOVE_RIGHT, aim: 0.5, fire: true, renderTick: 77 };
  const arena = gameFor("arena");
  const arenaRoom = arena.createRoom(joined("arena", encodeArenaSetup(TEST_SETUP)), 30, 0);
  assert.deepEqual(arenaRoom.setup, TEST_SETUP);
  assert.deepEqual(arenaRoom.roster.get(0).score, [3, 1]);
  const arenaInput = arena.input(controls);
  assert.deepEqual(arenaInput, { movement: 9, aim: 0.5, fire: true, render_tick: 77 });
  assert.equal(arena.codec.encodeInput(arenaInput).length, 10);
  const tag = gameFor("tag");
  const tagRoom = tag.createRoom(joined("tag", encodeTagSetup(TAG_SETUP)), 30, 0);
  assert.deepEqual(tagRoom.setup, TAG_SETUP);
  assert.deepEqual(tag.codec.encodeInput(tag.input(controls)), Uint8Array.of(9));
  assert.equal(arena.aims, true);
  assert.equal(tag.aims, false);
});

test("a room whose setup bytes do not decode is refused with a ProtocolError", () => {
  const arena = gameFor("arena");
  assert.throws(() => arena.createRoom(joined("arena", Uint8Array.of(1, 2)), 30, 0), { name: "ProtocolError" });
  // The arena's setup is not tag's: tag's reads past its end.
  assert.throws(() => gameFor("tag").createRoom(joined("tag", encodeArenaSetup(TEST_SETUP)), 30, 0), {
    name: "ProtocolError",
  });
});
