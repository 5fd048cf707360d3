// games/tag/delta.js — the tag state a connection rebuilds from its delta snapshots: each
// snapshot body carries the whole header (phase, when it ends, who is it) and the slots that
// changed since its baseline (baseline.js), so the client keeps the last state and applies
// every snapshot to it, checking that the two fit together.
//
// Owns: that state and `applySnapshot` (pure: the previous state is never changed). Must not:
// decode bytes (codec.js does), keep time, touch the network or the DOM. The state, in wire
// units (positions ×16, as the spec's "state"):
//   { tick, phase, phase_ends_tick, it, players: Map slot -> { x, y, flags, points, tags } }

import { baselineOf } from "../../baseline.js";
import { ProtocolError } from "../../wire.js";
import { changeKind, NO_SLOT } from "./codec.js";

/**
 * The state after `msg` (the snapshot's tick and baseline_age with its decoded body), given
 * the state after the previous snapshot (null before the first one). Throws a ProtocolError
 * when the snapshot does not fit that state.
 */
export function applySnapshot(previous, msg) {
  const players = new Map(baselineOf(previous, msg)?.players);
  for (const change of msg.players) {
    const kind = changeKind(change);
    const { slot } = change[kind];
    if (kind === "State") {
      const { x, y, flags, points, tags } = change.State;
      players.set(slot, { x, y, flags, points, tags });
    } else if (!players.delete(slot)) {
      throw new ProtocolError(
        `snapshot of tick ${msg.tick} says slot ${slot} is empty now, but it already was`,
      );
    }
  }
  if (msg.it !== NO_SLOT && !players.has(msg.it)) {
    throw new ProtocolError(`snapshot of tick ${msg.tick} says slot ${msg.it} is it, but that slot is empty`);
  }
  const { phase, phase_ends_tick, it } = msg;
  return { tick: msg.tick, phase, phase_ends_tick, it, players };
}
