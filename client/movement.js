// movement.js — one fixed step of a player's movement, mirroring the server's arena rule so
// that the own player can be predicted: 8 directions from the MOVE_* bits (opposite keys
// cancel, diagonals normalized), then the circle is pushed out of every axis-aligned wall so
// that it slides along it, then kept inside the arena.
//
// Owns: the movement math only. Must not: know about snapshots, the network or drawing.
// If the server's rule changes, this file changes with it.

import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP } from "./protocol.js";

/** The unit direction held by `movement` bits, or {x: 0, y: 0}. */
export function directionOf(movement) {
  let x = 0;
  let y = 0;
  if (movement & MOVE_LEFT) x -= 1;
  if (movement & MOVE_RIGHT) x += 1;
  if (movement & MOVE_UP) y -= 1;
  if (movement & MOVE_DOWN) y += 1;
  if (x !== 0 && y !== 0) {
    x *= Math.SQRT1_2;
    y *= Math.SQRT1_2;
  }
  return { x, y };
}

/**
 * Moves a player at `position` by one step of `dt` seconds with `movement` held, in the
 * world described by `setup` (Joined.setup). Returns the new position.
 */
export function stepMovement(position, movement, dt, setup) {
  const dir = directionOf(movement);
  const distance = setup.player_speed * dt;
  let x = position.x + dir.x * distance;
  let y = position.y + dir.y * distance;
  const r = setup.player_radius;
  for (const wall of setup.walls) {
    ({ x, y } = pushOutOfWall(x, y, r, wall));
  }
  x = Math.min(Math.max(x, r), setup.width - r);
  y = Math.min(Math.max(y, r), setup.height - r);
  return { x, y };
}

/** Moves a circle that overlaps `wall` to the nearest place where it only touches it. */
export function pushOutOfWall(x, y, r, wall) {
  const left = wall.x;
  const right = wall.x + wall.w;
  const top = wall.y;
  const bottom = wall.y + wall.h;
  const nearestX = Math.min(Math.max(x, left), right);
  const nearestY = Math.min(Math.max(y, top), bottom);
  const dx = x - nearestX;
  const dy = y - nearestY;
  const distanceSquared = dx * dx + dy * dy;
  if (distanceSquared >= r * r) return { x, y };
  if (distanceSquared > 0) {
    const distance = Math.sqrt(distanceSquared);
    const push = (r - distance) / distance;
    return { x: x + dx * push, y: y + dy * push };
  }
  // The centre is inside the wall: leave by the closest side.
  const exits = [
    { x: left - r, y, cost: x - left },
    { x: right + r, y, cost: right - x },
    { x, y: top - r, cost: y - top },
    { x, y: bottom + r, cost: bottom - y },
  ];
  exits.sort((a, b) => a.cost - b.cost);
  return { x: exits[0].x, y: exits[0].y };
}
