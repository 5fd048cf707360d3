// movement.js — one fixed step of a player's movement, bit for bit the server's rule
// (src/game/movement.rs) so that the own player is predicted exactly: 8 directions from the
// MOVE_* bits (opposite keys cancel, diagonals normalized), the step cut into sub-steps
// shorter than half a radius, after each sub-step the circle pushed out of every axis-aligned
// wall along the shortest way out (so it slides along walls) and kept inside the arena, and
// after the step the position snapped to the wire's 1/16 grid.
//
// The server computes in f32. Every arithmetic operation here is rounded to f32 with
// Math.fround (f32 +, -, *, / and sqrt are exactly the f64 result rounded to f32), so the
// predicted position equals the server's to the last bit; tests/vectors/trajectories.json
// checks it (movement.test.js).
//
// Owns: the movement math only. Must not: know about snapshots, the network or drawing.
// If the server's rule changes, this file changes with it.

import {
  dequantizePosition,
  MOVE_DOWN,
  MOVE_LEFT,
  MOVE_RIGHT,
  MOVE_UP,
  quantizePosition,
} from "./wire.js";

const f32 = Math.fround;
/**
 * How far a player may overlap a wall without being pushed: one step of the wire's grid, so
 * that a player pushed out onto a wall's edge and then snapped to the grid is not pushed again.
 */
const WALL_TOLERANCE = 1 / 16;
/** Overlapping walls can push a player back and forth; a few rounds settle any sane map. */
const PUSH_OUT_ROUNDS = 4;
const MAX_SUB_STEPS = 64;
const DIAGONAL = f32(Math.SQRT1_2);

/** The unit direction held by `movement` bits (f32 components), or {x: 0, y: 0}. */
export function directionOf(movement) {
  const x = (movement & MOVE_RIGHT ? 1 : 0) - (movement & MOVE_LEFT ? 1 : 0);
  const y = (movement & MOVE_DOWN ? 1 : 0) - (movement & MOVE_UP ? 1 : 0);
  if (x !== 0 && y !== 0) return { x: x * DIAGONAL, y: y * DIAGONAL };
  return { x, y };
}

/**
 * Moves a player at `position` by one step of a room ticking `tickRate` times a second with
 * `movement` held, in the world described by `setup` (Joined.setup). Returns the new
 * position, on the 1/16 grid. Standing still leaves the position as it is.
 */
export function stepMovement(position, movement, tickRate, setup) {
  const dir = directionOf(movement);
  if (dir.x === 0 && dir.y === 0) return { x: position.x, y: position.y };
  const radius = f32(setup.player_radius);
  const dt = f32(1 / tickRate);
  const distance = f32(f32(setup.player_speed) * dt);
  const halfRadius = f32(radius * 0.5);
  const subSteps = Math.min(Math.max(Math.ceil(f32(distance / halfRadius)), 1), MAX_SUB_STEPS);
  const stepX = f32(f32(dir.x * distance) / subSteps);
  const stepY = f32(f32(dir.y * distance) / subSteps);
  let x = f32(position.x);
  let y = f32(position.y);
  for (let i = 0; i < subSteps; i++) {
    const next = pushOutOfWalls(setup, f32(x + stepX), f32(y + stepY), radius);
    if (next === null) break;
    ({ x, y } = next);
  }
  return { x: snapToGrid(x), y: snapToGrid(y) };
}

/** The nearest point of the wire's 1/16-unit grid, as the server's `snap_to_grid`. */
function snapToGrid(v) {
  return dequantizePosition(quantizePosition(v));
}

function clampToArena(setup, x, y, radius) {
  return {
    x: Math.min(Math.max(x, radius), f32(setup.width - radius)),
    y: Math.min(Math.max(y, radius), f32(setup.height - radius)),
  };
}

/** Distance squared from (x, y) to the nearest point of `wall`, and the offset to it. */
function offsetFromWall(wall, x, y) {
  const dx = f32(x - Math.min(Math.max(x, wall.x), wall.x + wall.w));
  const dy = f32(y - Math.min(Math.max(y, wall.y), wall.y + wall.h));
  return { dx, dy, distanceSquared: f32(f32(dx * dx) + f32(dy * dy)) };
}

/**
 * Moves a circle out of every wall it overlaps, along the shortest way out; null when it
 * cannot be freed (walls pushing it into each other), and the caller keeps the old place.
 * Takes and returns f32 values.
 */
export function pushOutOfWalls(setup, x, y, radius) {
  ({ x, y } = clampToArena(setup, x, y, radius));
  const touching = f32(radius - WALL_TOLERANCE);
  const touchingSquared = f32(touching * touching);
  for (let round = 0; round < PUSH_OUT_ROUNDS; round++) {
    let pushed = false;
    for (const wall of setup.walls) {
      const { dx, dy, distanceSquared } = offsetFromWall(wall, x, y);
      if (distanceSquared >= touchingSquared) continue;
      pushed = true;
      if (distanceSquared > 0) {
        const distance = f32(Math.sqrt(distanceSquared));
        const push = f32(f32(radius - distance) / distance);
        x = f32(x + f32(dx * push));
        y = f32(y + f32(dy * push));
      } else {
        // The centre is inside the wall: leave by the nearest side (the first on a tie).
        // Wall bounds are integers, so wall.x + wall.w is exact in f32.
        const right = wall.x + wall.w;
        const bottom = wall.y + wall.h;
        const exits = [
          { cost: f32(x - wall.x), x: f32(wall.x - radius), y },
          { cost: f32(right - x), x: f32(right + radius), y },
          { cost: f32(y - wall.y), x, y: f32(wall.y - radius) },
          { cost: f32(bottom - y), x, y: f32(bottom + radius) },
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
