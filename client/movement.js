// movement.js — one fixed step of a player's movement, mirroring the server's arena rule
// (src/game/arena.rs: move_player, move_direction, push_out_of_walls, clamp_to_map) so that
// the own player can be predicted: 8 directions from the MOVE_* bits (opposite keys cancel,
// diagonals normalized), the step cut into sub-steps shorter than half a radius, and after
// each sub-step the circle pushed out of every axis-aligned wall along the shortest way out
// (so it slides along walls) and kept inside the arena.
//
// Owns: the movement math only. Must not: know about snapshots, the network or drawing.
// If the server's rule changes, this file changes with it. (The server computes in f32, this
// in f64: the difference is far below the 1/16-unit precision of the wire.)

import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP } from "./protocol.js";

/** Pushing out of a wall lands exactly on the radius; rounding must not count as touching. */
const WALL_TOLERANCE = 1e-3;
/** Overlapping walls can push a player back and forth; a few rounds settle any sane map. */
const PUSH_OUT_ROUNDS = 4;
const MAX_SUB_STEPS = 64;

/** The unit direction held by `movement` bits, or {x: 0, y: 0}. */
export function directionOf(movement) {
  const x = (movement & MOVE_RIGHT ? 1 : 0) - (movement & MOVE_LEFT ? 1 : 0);
  const y = (movement & MOVE_DOWN ? 1 : 0) - (movement & MOVE_UP ? 1 : 0);
  if (x !== 0 && y !== 0) return { x: x * Math.SQRT1_2, y: y * Math.SQRT1_2 };
  return { x, y };
}

/**
 * Moves a player at `position` by one step of `dt` seconds with `movement` held, in the
 * world described by `setup` (Joined.setup). Returns the new position.
 */
export function stepMovement(position, movement, dt, setup) {
  const dir = directionOf(movement);
  if (dir.x === 0 && dir.y === 0) return { x: position.x, y: position.y };
  const radius = setup.player_radius;
  const distance = setup.player_speed * dt;
  const subSteps = Math.min(Math.max(Math.ceil(distance / (radius * 0.5)), 1), MAX_SUB_STEPS);
  const stepX = (dir.x * distance) / subSteps;
  const stepY = (dir.y * distance) / subSteps;
  let current = { x: position.x, y: position.y };
  for (let i = 0; i < subSteps; i++) {
    const next = pushOutOfWalls(setup, current.x + stepX, current.y + stepY, radius);
    if (next === null) break;
    current = next;
  }
  return current;
}

function clampToArena(setup, x, y, radius) {
  return {
    x: Math.min(Math.max(x, radius), setup.width - radius),
    y: Math.min(Math.max(y, radius), setup.height - radius),
  };
}

/** Distance squared from (x, y) to the nearest point of `wall`, and the offset to it. */
function offsetFromWall(wall, x, y) {
  const dx = x - Math.min(Math.max(x, wall.x), wall.x + wall.w);
  const dy = y - Math.min(Math.max(y, wall.y), wall.y + wall.h);
  return { dx, dy, distanceSquared: dx * dx + dy * dy };
}

/**
 * Moves a circle out of every wall it overlaps, along the shortest way out; null when it
 * cannot be freed (walls pushing it into each other), and the caller keeps the old place.
 */
export function pushOutOfWalls(setup, x, y, radius) {
  ({ x, y } = clampToArena(setup, x, y, radius));
  const touchingSquared = (radius - WALL_TOLERANCE) * (radius - WALL_TOLERANCE);
  for (let round = 0; round < PUSH_OUT_ROUNDS; round++) {
    let pushed = false;
    for (const wall of setup.walls) {
      const { dx, dy, distanceSquared } = offsetFromWall(wall, x, y);
      if (distanceSquared >= touchingSquared) continue;
      pushed = true;
      if (distanceSquared > 0) {
        const distance = Math.sqrt(distanceSquared);
        const push = (radius - distance) / distance;
        x += dx * push;
        y += dy * push;
      } else {
        // The centre is inside the wall: leave by the nearest side (the first on a tie).
        const exits = [
          { cost: x - wall.x, x: wall.x - radius, y },
          { cost: wall.x + wall.w - x, x: wall.x + wall.w + radius, y },
          { cost: y - wall.y, x, y: wall.y - radius },
          { cost: wall.y + wall.h - y, x, y: wall.y + wall.h + radius },
        ];
        const nearest = exits.reduce((best, exit) => (exit.cost < best.cost ? exit : best));
        ({ x, y } = nearest);
      }
      ({ x, y } = clampToArena(setup, x, y, radius));
    }
    if (!pushed) return { x, y };
  }
  const touchesWall = setup.walls.some(
    (wall) => offsetFromWall(wall, x, y).distanceSquared < touchingSquared,
  );
  return touchesWall ? null : { x, y };
}
