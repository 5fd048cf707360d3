// games/tag/game.js — tag as the page plays it (games/index.js lists it under "tag"): its
// payload codec, room state, renderer and effects, its scoreboard, and its input from the
// controls. main.js wires a room by this object and knows nothing else of tag.
//
// Owns: that wiring of tag's modules. Must not: hold state of its own.

import * as codec from "./codec.js";
import { TagRenderer } from "./render.js";
import { TagEffects } from "./effects.js";
import { POINTS, TAGS, TagRoom, scoreEvent } from "./state.js";

export default Object.freeze({
  mode: codec.MODE,
  title: "Tag",
  codec,
  /** RosterEntry.score's columns; `key` names them in the page's debug state. */
  scoreColumns: Object.freeze([
    { key: "points", label: "Points" },
    { key: "tags", label: "Tags" },
  ]),
  /** Best first: most points (the round's winner), then most tags. */
  compareScores: (a, b) => b.score[POINTS] - a.score[POINTS] || b.score[TAGS] - a.score[TAGS],
  scoreEvent,
  help: "WASD / arrows: move · when you are it, touch someone · Enter: chat · Tab: scores",
  /** Nobody aims or fires in tag: movement is the whole input. */
  aims: false,
  /** The `Joined`/`Spectating` message (setup bytes) as this game's room state. */
  createRoom(joined, tickRate, now) {
    return new TagRoom({ ...joined, setup: codec.decodeSetup(joined.setup) }, tickRate, now);
  },
  createRenderer: (canvas) => new TagRenderer(canvas),
  createEffects: (onSound) => new TagEffects(onSound),
  /** What the controls hold, as the input codec.encodeInput takes. */
  input: ({ movement }) => ({ movement }),
});
