// games/arena/delta.js — the arena state a connection rebuilds from its delta snapshots
// (PROTOCOL.md, "Snapshot"): each snapshot describes the room at its tick relative to its
// baseline (baseline.js), so the client keeps the last state and applies every snapshot to
// it, checking that the two fit together.
//
// Owns: that state, `applySnapshot` (pure: the previous state is never changed) and where a
// bullet is at a given tick. Must not: decode bytes (codec.js does), keep time, touch the
// network or the DOM. The state, in wire units:
//   { tick, players: Map slot -> { x, y, aim, hp, flags },
//     bullets: Map id -> { owner, x, y, heading, since } }
// where a bullet's x, y is its position at tick `since`, the tick of the snapshot that added it.

import { baselineOf } from "../../baseline.js";
import { dequantizePosition, ProtocolError } from "../../wire.js";
import { dequantizeHeading, playerChangeKind } from "./codec.js";

const POSITION_MAX = 0xffff;

/**
 * The state after `msg` (a decoded Snapshot), given the state after the previous snapshot
 * (null before the first one). Throws a ProtocolError when the snapshot does not fit that
 * state: the server is wrong or the stream broken, and the connection must end.
 */
export function applySnapshot(previous, msg) {
  const baseline = baselineOf(previous, msg);
  const players = new Map(baseline?.players);
  const bullets = new Map(baseline?.bullets);

  for (const change of msg.players) {
    const kind = playerChangeKind(change);
    const { slot } = change[kind];
    const before = players.get(slot);
    if (kind === "State") {
      const { x, y, aim, hp, flags } = change.State;
      players.set(slot, { x, y, aim, hp, flags });
      continue;
    }
    if (before === undefined) {
      throw new ProtocolError(
        `snapshot of tick ${msg.tick} says slot ${slot} ` +
          `${kind === "Moved" ? "moved" : "is gone"}, but that slot is empty`,
      );
    }
    if (kind === "Gone") {
      players.delete(slot);
      continue;
    }
    const x = before.x + change.Moved.dx;
    const y = before.y + change.Moved.dy;
    if (x < 0 || x > POSITION_MAX || y < 0 || y > POSITION_MAX) {
      throw new ProtocolError(
        `snapshot of tick ${msg.tick} moves slot ${slot} from (${before.x}, ${before.y}) ` +
          `by (${change.Moved.dx}, ${change.Moved.dy}), off the map's coordinates`,
      );
    }
    players.set(slot, { ...before, x, y });
  }

  for (const id of msg.removed_bullets) {
    if (!bullets.delete(id)) {
      throw new ProtocolError(
        `snapshot of tick ${msg.tick} removes bullet ${id}, which is not in flight`,
      );
    }
  }
  for (const b of msg.added_bullets) {
    if (bullets.has(b.id)) {
      throw new ProtocolError(
        `snapshot of tick ${msg.tick} adds bullet ${b.id}, which is already in flight`,
      );
    }
    bullets.set(b.id, { owner: b.owner, x: b.x, y: b.y, heading: b.heading, since: msg.tick });
  }

  return { tick: msg.tick, players, bullets };
}

/**
 * Where a bullet of the state is at `tick` (a fraction is fine), in world units: it flies
 * straight at `bulletSpeed` units per second from where it was at its `since` tick.
 */
export function bulletPosition(bullet, tick, bulletSpeed, tickRate) {
  const heading = dequantizeHeading(bullet.heading);
  const distance = (bulletSpeed * (tick - bullet.since)) / tickRate;
  return {
    x: dequantizePosition(bullet.x) + Math.cos(heading) * distance,
    y: dequantizePosition(bullet.y) + Math.sin(heading) * distance,
  };
}
