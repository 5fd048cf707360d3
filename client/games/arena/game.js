// games/arena/game.js — the arena as the page plays it (games/index.js lists it under
// "arena"): its payload codec, room state, renderer and effects, its scoreboard, and its input
// from the controls. main.js wires a room by this object and knows nothing else of the arena.
//
// Owns: that wiring of the arena's modules. Must not: hold state of its own.

import * as codec from "./codec.js";
import { ArenaRenderer } from "./render.js";
import { Effects } from "./effects.js";
import { DEATHS, KILLS, RoomState, scoreEvent } from "./state.js";

export default Object.freeze({
  mode: codec.MODE,
  title: "Arena",
  codec,
  /** RosterEntry.score's columns; `key` names them in the page's debug state. */
  scoreColumns: Object.freeze([
    { key: "kills", label: "Kills" },
    { key: "deaths", label: "Deaths" },
  ]),
  /** Best first: most kills, then fewest deaths. */
  compareScores: (a, b) => b.score[KILLS] - a.score[KILLS] || a.score[DEATHS] - b.score[DEATHS],
  scoreEvent,
  help: "WASD / arrows: move · mouse: aim · click or space: shoot · Enter: chat · Tab: scores",
  /** The page aims (pointer, aim stick, crosshair) and fires: a press sends an input early. */
  aims: true,
  /** The `Joined`/`Spectating` message (setup bytes) as this game's room state. */
  createRoom(joined, tickRate, now) {
    return new RoomState({ ...joined, setup: codec.decodeSetup(joined.setup) }, tickRate, now);
  },
  createRenderer: (canvas) => new ArenaRenderer(canvas),
  createEffects: (onSound) => new Effects(onSound),
  /** What the controls hold, as the input codec.encodeInput takes. */
  input: ({ movement, aim, fire, renderTick }) => ({ movement, aim, fire, render_tick: renderTick }),
});
