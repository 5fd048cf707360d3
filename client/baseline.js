// baseline.js — the rule every game's delta snapshots share (PROTOCOL.md, "Snapshot"): a
// snapshot describes the room at its tick relative to the previous snapshot this connection
// received, `baseline_age` ticks before it, or to an empty room when baseline_age is 0.
//
// Owns: checking that a snapshot fits the state it builds on. Must not: know any game's state
// beyond its `tick`, decode bytes or keep time.

import { ProtocolError } from "./wire.js";

/**
 * The state `msg` (a snapshot's header: tick, baseline_age) builds on: `previous` (the state
 * after the last snapshot, null before the first), or null for a full snapshot. Throws a
 * ProtocolError when it builds on a state this connection does not have: the server is wrong
 * or the stream broken, and the connection must end.
 */
export function baselineOf(previous, msg) {
  if (msg.baseline_age === 0) return null;
  // Ticks are u32 and wrap, on the server too.
  const baselineTick = (msg.tick - msg.baseline_age) >>> 0;
  if (previous === null) {
    throw new ProtocolError(
      `snapshot of tick ${msg.tick} is a delta against tick ${baselineTick}, ` +
        "but no snapshot came before it",
    );
  }
  if (previous.tick !== baselineTick) {
    throw new ProtocolError(
      `snapshot of tick ${msg.tick} is a delta against tick ${baselineTick}, ` +
        `but the last snapshot was of tick ${previous.tick}`,
    );
  }
  return previous;
}
