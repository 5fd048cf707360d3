// games/index.js — the games this page can play, by RoomInfo.mode. Each is one object
// (games/<mode>/game.js) with what the page needs to play it:
//   mode, title               the wire's mode name and how the lobby shows it
//   codec                     encode/decode Input, Setup, Event and Snapshot payloads
//   scoreColumns              RosterEntry.score's columns: [{ key, label }]
//   compareScores(a, b)       roster entries, best first
//   scoreEvent(roster, event) how a decoded event moves the roster's scores on
//   help, aims                the help line; whether the page aims and fires
//   createRoom(joined, tickRate, now)  the room state (room.js's RoomBase): snapshot and
//                             event handling, view(now, aim, rtt, frame), banner, status, debug
//   createRenderer(canvas)    draw(setup, view, fx, aimPoint) on canvas.js's Renderer
//   createEffects(onSound)    reset(), snapshot(room, now), event(room, event, now), frame(view, now)
//   input(controls' state)    the fields codec.encodeInput takes
//
// Owns: that list. Must not: hold state; a mode not listed here is one the page cannot play.

import arena from "./arena/game.js";
import tag from "./tag/game.js";

const GAMES = new Map([arena, tag].map((game) => [game.mode, game]));

/** The modes the page plays, in the order the lobby offers them. */
export const MODES = Object.freeze([...GAMES.keys()]);

/** The game of `mode`, or null when this page has no module for it. */
export function gameFor(mode) {
  return GAMES.get(mode) ?? null;
}

/** The words the page shows when a room runs a game it cannot play (the spec's wording). */
export function cannotPlay(mode) {
  return `This room runs the game "${mode}", which this page cannot play`;
}
