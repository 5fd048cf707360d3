//! Finding a way around walls: a grid over the map, made once per map, and A* on it.
//!
//! Owns: which cells a player fits in, the search, and picking the farthest point of a path
//! that can be run to in a straight line. Must not: know about targets, ticks or shooting (the
//! brain decides where to go; this only says how).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::geometry::segment_touches_wall;
use super::map::{distance_to_wall, Wall};

/// The side of a cell, in world units: small enough to pass the map's narrowest gaps, large
/// enough that a search over the whole map stays cheap (80 × 50 cells on the bundled arena).
const CELL: f32 = 20.0;
/// Room left between a path and the walls, beyond the player's radius.
const CLEARANCE: f32 = 4.0;
/// How many path points ahead are tried for a straight run.
const LOOK_AHEAD_POINTS: usize = 12;
/// Costs in tenths of a cell: 10 straight, 14 diagonal.
const STRAIGHT: u32 = 10;
const DIAGONAL: u32 = 14;

/// Where a player fits on one map, cell by cell.
#[derive(Debug, Clone)]
pub struct NavGrid {
    columns: usize,
    rows: usize,
    walls: Vec<Wall>,
    radius: f32,
    walkable: Vec<bool>,
}

impl NavGrid {
    /// The grid of a map of `size` (width, height) with `walls`, for a player of `radius`.
    pub fn new(size: (u16, u16), walls: &[Wall], radius: f32) -> NavGrid {
        let columns = (f32::from(size.0) / CELL).ceil().max(1.0) as usize;
        let rows = (f32::from(size.1) / CELL).ceil().max(1.0) as usize;
        let (width, height) = (f32::from(size.0), f32::from(size.1));
        let walkable = (0..rows * columns)
            .map(|index| {
                let (x, y) = centre(index % columns, index / columns);
                let inside =
                    x >= radius && y >= radius && x <= width - radius && y <= height - radius;
                inside
                    && walls
                        .iter()
                        .all(|wall| distance_to_wall(x, y, wall) >= radius + CLEARANCE)
            })
            .collect();
        NavGrid {
            columns,
            rows,
            walls: walls.to_vec(),
            radius,
            walkable,
        }
    }

    /// Where to run next to get from `from` towards `to`: the farthest point of the shortest
    /// path that a straight run reaches without touching a wall. `None` when no path exists
    /// (or either end is outside the map).
    pub fn next_waypoint(&self, from: (f32, f32), to: (f32, f32)) -> Option<(f32, f32)> {
        let start = self.nearest_walkable(from)?;
        let goal = self.nearest_walkable(to)?;
        let path = self.search(start, goal)?;
        let reachable = path
            .iter()
            .take(LOOK_AHEAD_POINTS)
            .map(|&cell| centre(cell % self.columns, cell / self.columns))
            .rfind(|&point| self.runnable(from, point));
        Some(reachable.unwrap_or_else(|| {
            let first = path.first().copied().unwrap_or(start);
            centre(first % self.columns, first / self.columns)
        }))
    }

    /// Whether a player can run straight from `from` to `to` without touching a wall.
    fn runnable(&self, from: (f32, f32), to: (f32, f32)) -> bool {
        let delta = (to.0 - from.0, to.1 - from.1);
        self.walls
            .iter()
            .all(|wall| segment_touches_wall(from, delta, wall, self.radius).is_none())
    }

    fn cell_of(&self, (x, y): (f32, f32)) -> Option<(usize, usize)> {
        let (column, row) = ((x / CELL).floor(), (y / CELL).floor());
        let fits = column >= 0.0 && row >= 0.0;
        let (column, row) = (column as usize, row as usize);
        (fits && column < self.columns && row < self.rows).then_some((column, row))
    }

    /// The walkable cell closest to a point, looking at most two cells around it: a player
    /// touching a wall stands in a cell the grid counts as blocked.
    fn nearest_walkable(&self, point: (f32, f32)) -> Option<usize> {
        let (column, row) = self.cell_of(point)?;
        let mut best: Option<(f32, usize)> = None;
        for dr in -2i64..=2 {
            for dc in -2i64..=2 {
                let (c, r) = (column as i64 + dc, row as i64 + dr);
                if c < 0 || r < 0 || c >= self.columns as i64 || r >= self.rows as i64 {
                    continue;
                }
                let index = r as usize * self.columns + c as usize;
                if !self.walkable[index] {
                    continue;
                }
                let (x, y) = centre(c as usize, r as usize);
                let distance = (x - point.0).hypot(y - point.1);
                if best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, index));
                }
            }
        }
        best.map(|(_, index)| index)
    }

    /// A* over the 8-connected grid (diagonals only past two free sides, so no corner is
    /// cut). The path runs from the cell after `start` to `goal`.
    fn search(&self, start: usize, goal: usize) -> Option<Vec<usize>> {
        let cells = self.walkable.len();
        let mut cost = vec![u32::MAX; cells];
        let mut came_from = vec![usize::MAX; cells];
        let mut open = BinaryHeap::new();
        cost[start] = 0;
        open.push(Reverse((self.estimate(start, goal), start)));
        while let Some(Reverse((_, cell))) = open.pop() {
            if cell == goal {
                let mut path = Vec::new();
                let mut at = goal;
                while at != start {
                    path.push(at);
                    at = came_from[at];
                }
                path.reverse();
                return Some(path);
            }
            let (column, row) = ((cell % self.columns) as i64, (cell / self.columns) as i64);
            for (dc, dr) in [
                (1, 0),
                (-1, 0),
                (0, 1),
                (0, -1),
                (1, 1),
                (1, -1),
                (-1, 1),
                (-1, -1),
            ] {
                let Some(next) = self.walkable_at(column + dc, row + dr) else {
                    continue;
                };
                let diagonal = dc != 0 && dr != 0;
                if diagonal
                    && (self.walkable_at(column + dc, row).is_none()
                        || self.walkable_at(column, row + dr).is_none())
                {
                    continue;
                }
                let step = if diagonal { DIAGONAL } else { STRAIGHT };
                let reached = cost[cell] + step;
                if reached < cost[next] {
                    cost[next] = reached;
                    came_from[next] = cell;
                    open.push(Reverse((reached + self.estimate(next, goal), next)));
                }
            }
        }
        None
    }

    fn walkable_at(&self, column: i64, row: i64) -> Option<usize> {
        let inside = column >= 0 && row >= 0;
        let (column, row) = (column as usize, row as usize);
        let index = row * self.columns + column;
        (inside && column < self.columns && row < self.rows && self.walkable[index])
            .then_some(index)
    }

    /// The octile distance between two cells: never more than the real cost.
    fn estimate(&self, from: usize, to: usize) -> u32 {
        let dx = (from % self.columns).abs_diff(to % self.columns) as u32;
        let dy = (from / self.columns).abs_diff(to / self.columns) as u32;
        STRAIGHT * dx.max(dy) + (DIAGONAL - STRAIGHT) * dx.min(dy)
    }
}

fn centre(column: usize, row: usize) -> (f32, f32) {
    ((column as f32 + 0.5) * CELL, (row as f32 + 0.5) * CELL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(walls: Vec<Wall>) -> NavGrid {
        NavGrid::new((400, 400), &walls, 16.0)
    }

    #[test]
    fn an_open_field_is_run_straight_across() {
        let grid = grid(vec![]);
        let to = (300.0, 300.0);
        let waypoint = grid.next_waypoint((50.0, 50.0), to).expect("a path");
        assert!((waypoint.0 - 310.0).abs() <= CELL && (waypoint.1 - 310.0).abs() <= CELL);
    }

    #[test]
    fn a_wall_in_the_way_is_walked_around() {
        // A wall from the top down to y = 300 between the two points.
        let wall = Wall {
            x: 190,
            y: 0,
            w: 20,
            h: 300,
        };
        let grid = grid(vec![wall]);
        let mut at: (f32, f32) = (100.0, 100.0);
        let goal = (300.0, 100.0);
        let mut steps = 0;
        while (at.0 - goal.0).hypot(at.1 - goal.1) > CELL && steps < 200 {
            let waypoint = grid.next_waypoint(at, goal).expect("a way around");
            assert!(grid.runnable(at, waypoint), "from {at:?} to {waypoint:?}");
            let (dx, dy) = (waypoint.0 - at.0, waypoint.1 - at.1);
            let length = dx.hypot(dy).max(1e-3);
            let stride = length.min(8.0);
            at = (at.0 + dx / length * stride, at.1 + dy / length * stride);
            assert!(
                distance_to_wall(at.0, at.1, &wall) >= 16.0,
                "in the wall at {at:?}"
            );
            steps += 1;
        }
        assert!(steps < 200, "arrived, at {at:?}");
        assert!(steps > 40, "went around, not through: {steps}");
    }

    #[test]
    fn no_path_through_a_closed_wall() {
        let wall = Wall {
            x: 190,
            y: 0,
            w: 20,
            h: 400,
        };
        let grid = grid(vec![wall]);
        assert_eq!(grid.next_waypoint((100.0, 100.0), (300.0, 100.0)), None);
        assert_eq!(grid.next_waypoint((-50.0, 100.0), (300.0, 100.0)), None);
    }
}
