//! The arena's movement rule: one fixed step of one player, exactly as the server computes it
//! and as `client/movement.js` predicts it, bit for bit.
//!
//! Owns: the direction of the `MOVE_*` bits, sub-stepping, pushing a circle out of walls and
//! the map's edges, and snapping the result to the wire's grid. Must not: know about players,
//! bullets, ticks or the network.
//!
//! Why it agrees with the browser bit for bit: every operation here is a single IEEE-754 `f32`
//! operation (`+ - * /`, `sqrt`, comparisons, `ceil`, `round`), which JavaScript reproduces
//! exactly by rounding each `f64` result with `Math.fround`; Rust never fuses or reorders
//! them. And after every step the position is rounded to the 1/16-unit grid the snapshots
//! carry, so the position a client reads from a snapshot *is* the server's state: prediction
//! starts from exactly where the server stands. A change here is a change of the protocol's
//! meaning: `client/movement.js` and `tests/vectors/trajectories.json` change with it.

use std::f32::consts::FRAC_1_SQRT_2;

use super::map::{Map, Wall};
use crate::protocol::{dequantize_position, quantize_position};

/// Movement bits (the games' inputs carry them): held direction keys. Opposite keys cancel
/// each other.
pub const MOVE_UP: u8 = 1;
pub const MOVE_DOWN: u8 = 2;
pub const MOVE_LEFT: u8 = 4;
pub const MOVE_RIGHT: u8 = 8;
pub const MOVE_ALL: u8 = MOVE_UP | MOVE_DOWN | MOVE_LEFT | MOVE_RIGHT;

/// How far a player may overlap a wall without being pushed: one step of the wire's grid.
/// Snapping to the grid moves a player by at most half of it, so a player pushed out exactly
/// onto a wall's edge and then snapped is not pushed again: a player overlaps a wall by at
/// most 1.5 grid steps (3/32 units), too little to see.
pub const WALL_TOLERANCE: f32 = 1.0 / 16.0;
/// Overlapping walls can push a player back and forth; a few rounds settle any sane map.
const PUSH_OUT_ROUNDS: usize = 4;
/// At most this many sub-steps per step, whatever the speed and tick rate.
const MAX_SUB_STEPS: f32 = 64.0;

/// The units a player of `speed` units per second covers in one step at `tick_rate` steps per
/// second (0 is taken as 1), computed as the client must compute it: `speed * (1 / rate)`.
pub fn step_distance(speed: f32, tick_rate: u16) -> f32 {
    speed * (1.0 / f32::from(tick_rate.max(1)))
}

/// The unit direction the `MOVE_*` bits ask for; `None` when they ask for none (no keys, or
/// only opposite keys).
pub fn move_direction(movement: u8) -> Option<(f32, f32)> {
    let axis = |negative: u8, positive: u8| {
        f32::from(u8::from(movement & positive != 0))
            - f32::from(u8::from(movement & negative != 0))
    };
    let (x, y) = (axis(MOVE_LEFT, MOVE_RIGHT), axis(MOVE_UP, MOVE_DOWN));
    match (x != 0.0, y != 0.0) {
        (false, false) => None,
        (true, true) => Some((x * FRAC_1_SQRT_2, y * FRAC_1_SQRT_2)),
        _ => Some((x, y)),
    }
}

/// Moves a player of `radius` at `(x, y)` by `distance` units with `movement` held: the
/// distance is cut into sub-steps shorter than half a radius (so no wall, however thin, is
/// jumped over), each sub-step pushes the circle out of the walls (so it slides along them),
/// and the result is snapped to the wire's grid. A sub-step that cannot be freed from the walls
/// ends the move where the previous one stood.
pub fn step_movement(
    map: &Map,
    radius: f32,
    distance: f32,
    (x, y): (f32, f32),
    movement: u8,
) -> (f32, f32) {
    let Some((dir_x, dir_y)) = move_direction(movement) else {
        return (x, y);
    };
    let sub_steps = (distance / (radius * 0.5)).ceil().clamp(1.0, MAX_SUB_STEPS);
    let (step_x, step_y) = (
        (dir_x * distance) / sub_steps,
        (dir_y * distance) / sub_steps,
    );
    let (mut x, mut y) = (x, y);
    for _ in 0..sub_steps as u32 {
        match push_out_of_walls(map, x + step_x, y + step_y, radius) {
            Some((nx, ny)) => (x, y) = (nx, ny),
            None => break,
        }
    }
    (snap_to_grid(x), snap_to_grid(y))
}

/// The nearest point of the wire's 1/16-unit grid.
pub fn snap_to_grid(v: f32) -> f32 {
    dequantize_position(quantize_position(v))
}

pub(crate) fn wall_bounds(wall: &Wall) -> (f32, f32, f32, f32) {
    let (min_x, min_y) = (f32::from(wall.x), f32::from(wall.y));
    (
        min_x,
        min_y,
        min_x + f32::from(wall.w),
        min_y + f32::from(wall.h),
    )
}

/// Keeps a circle inside the map.
fn clamp_to_map(map: &Map, x: f32, y: f32, radius: f32) -> (f32, f32) {
    // max then min rather than clamp: never panics, even for a map narrower than a player.
    (
        x.max(radius).min(f32::from(map.width) - radius),
        y.max(radius).min(f32::from(map.height) - radius),
    )
}

/// The offset from the nearest point of `wall` to `(x, y)`, and its length squared.
fn offset_from_wall(wall: &Wall, x: f32, y: f32) -> (f32, f32, f32) {
    let (min_x, min_y, max_x, max_y) = wall_bounds(wall);
    let (dx, dy) = (x - x.clamp(min_x, max_x), y - y.clamp(min_y, max_y));
    (dx, dy, dx * dx + dy * dy)
}

/// Moves a circle out of every wall it overlaps by more than `WALL_TOLERANCE`, along the
/// shortest way out. `None` when it cannot be freed (walls pushing it into each other).
pub fn push_out_of_walls(map: &Map, x: f32, y: f32, radius: f32) -> Option<(f32, f32)> {
    let (mut x, mut y) = clamp_to_map(map, x, y, radius);
    let touching_sq = (radius - WALL_TOLERANCE) * (radius - WALL_TOLERANCE);
    for _ in 0..PUSH_OUT_ROUNDS {
        let mut pushed = false;
        for wall in &map.walls {
            let (dx, dy, distance_sq) = offset_from_wall(wall, x, y);
            if distance_sq >= touching_sq {
                continue;
            }
            pushed = true;
            if distance_sq > 0.0 {
                let distance = distance_sq.sqrt();
                let push = (radius - distance) / distance;
                x += dx * push;
                y += dy * push;
            } else {
                // The centre is inside the wall: leave by the nearest side (the first on a tie).
                let (min_x, min_y, max_x, max_y) = wall_bounds(wall);
                let exits = [
                    (x - min_x, min_x - radius, y),
                    (max_x - x, max_x + radius, y),
                    (y - min_y, x, min_y - radius),
                    (max_y - y, x, max_y + radius),
                ];
                let nearest = exits
                    .iter()
                    .min_by(|a, b| a.0.total_cmp(&b.0))
                    .map_or((x, y), |&(_, ex, ey)| (ex, ey));
                (x, y) = nearest;
            }
            (x, y) = clamp_to_map(map, x, y, radius);
        }
        if !pushed {
            return Some((x, y));
        }
    }
    let touches_wall = map
        .walls
        .iter()
        .any(|wall| offset_from_wall(wall, x, y).2 < touching_sq);
    (!touches_wall).then_some((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opposite_keys_cancel_and_diagonals_are_unit_length() {
        assert_eq!(
            move_direction(MOVE_LEFT | MOVE_RIGHT | MOVE_UP | MOVE_DOWN),
            None
        );
        assert_eq!(move_direction(MOVE_DOWN), Some((0.0, 1.0)));
        let (x, y) = move_direction(MOVE_UP | MOVE_LEFT).expect("a direction");
        assert!((x * x + y * y - 1.0).abs() < 1e-6 && x < 0.0 && y < 0.0);
    }

    #[test]
    fn positions_end_on_the_wire_grid() {
        let map =
            Map::from_json(r#"{"width":500,"height":500,"walls":[],"spawns":[{"x":250,"y":250}]}"#)
                .expect("test map is valid");
        let mut at = (250.0, 250.0);
        for bits in [MOVE_RIGHT, MOVE_UP | MOVE_RIGHT, MOVE_DOWN] {
            at = step_movement(&map, 16.0, step_distance(220.0, 30), at, bits);
            assert_eq!(at.0, snap_to_grid(at.0));
            assert_eq!(at.1, snap_to_grid(at.1));
        }
    }
}
