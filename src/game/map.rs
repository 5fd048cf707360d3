//! Arena maps: the JSON format of the files under `assets/maps/`, parsing and validation.
//!
//! Owns the map data (size, walls, spawn points) and the rules a map must follow to be
//! playable. It must not read files (the caller reads them and passes the text) and knows
//! nothing of players, bullets or ticks: the arena owns the rules of play.
//!
//! A map file is one JSON object, every length in world units (+x right, +y down):
//!
//! ```json
//! {
//!   "width": 1600,
//!   "height": 1000,
//!   "walls": [ { "x": 0, "y": 0, "w": 1600, "h": 20 } ],
//!   "spawns": [ { "x": 80.0, "y": 80.0 } ]
//! }
//! ```
//!
//! - `width`, `height`: integers from [`MIN_MAP_SIZE`] to [`MAX_MAP_SIZE`].
//! - `walls`: at most [`MAX_WALLS`] axis-aligned rectangles, top-left corner `x`, `y` and size
//!   `w`, `h` (integers, at least 1), each wholly inside the map. Walls may overlap.
//! - `spawns`: 1 to [`MAX_SPAWNS`] points where players appear, each at least
//!   [`SPAWN_CLEARANCE`] away from every wall and from the map's edges.
//!
//! Unknown keys are refused, so a misspelt key is an error rather than silently ignored.

use serde::{Deserialize, Serialize};

use crate::protocol::POSITION_SCALE;

/// An axis-aligned wall in world units; games send their map's walls in their setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wall {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

/// The smallest width or height a map may have.
pub const MIN_MAP_SIZE: u16 = 64;
/// The largest width or height a map may have: every position inside it fits the wire's
/// fixed point (`MAX_MAP_SIZE * POSITION_SCALE` is below `u16::MAX`).
pub const MAX_MAP_SIZE: u16 = 4095;
/// Walls are tested against every player and bullet each tick, so their number is bounded.
pub const MAX_WALLS: usize = 512;
pub const MAX_SPAWNS: usize = 256;
/// How far a spawn point must stay from walls and the map's edges: room for a player to
/// appear without touching anything. At least the arena's player radius.
pub const SPAWN_CLEARANCE: f32 = 24.0;

const _: () = assert!(MAX_MAP_SIZE as f32 * POSITION_SCALE <= u16::MAX as f32);

/// A validated map. Construct it with [`Map::from_json`], which checks every rule above.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub width: u16,
    pub height: u16,
    pub walls: Vec<Wall>,
    /// Spawn points `(x, y)` in world units.
    pub spawns: Vec<(f32, f32)>,
}

/// Why a map was refused; the message names the offending item.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MapError {
    #[error("bad map: not a map JSON object: {0}")]
    Json(String),
    #[error(
        "bad map: size {width}x{height} is out of range; width and height must be \
         {MIN_MAP_SIZE} to {MAX_MAP_SIZE}"
    )]
    Size { width: u16, height: u16 },
    #[error("bad map: {0} walls; at most {MAX_WALLS} are allowed")]
    TooManyWalls(usize),
    #[error("bad map: wall {index} {wall:?} has a zero width or height")]
    EmptyWall { index: usize, wall: Wall },
    #[error("bad map: wall {index} {wall:?} reaches outside the {width}x{height} map")]
    WallOutside {
        index: usize,
        wall: Wall,
        width: u16,
        height: u16,
    },
    #[error("bad map: no spawn points; at least one is needed")]
    NoSpawns,
    #[error("bad map: {0} spawn points; at most {MAX_SPAWNS} are allowed")]
    TooManySpawns(usize),
    #[error(
        "bad map: spawn {index} at ({x}, {y}) is not at least {SPAWN_CLEARANCE} units \
         inside the {width}x{height} map"
    )]
    SpawnOutside {
        index: usize,
        x: f32,
        y: f32,
        width: u16,
        height: u16,
    },
    #[error(
        "bad map: spawn {index} at ({x}, {y}) is within {SPAWN_CLEARANCE} units of wall \
         {wall_index} {wall:?}"
    )]
    SpawnInWall {
        index: usize,
        x: f32,
        y: f32,
        wall_index: usize,
        wall: Wall,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    width: u16,
    height: u16,
    walls: Vec<WallFile>,
    spawns: Vec<SpawnFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WallFile {
    x: u16,
    y: u16,
    w: u16,
    h: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpawnFile {
    x: f32,
    y: f32,
}

impl Map {
    /// The spawn point farthest from every one of `others` (positions); ties (every point,
    /// when there are none) are drawn with `rng`. A map without spawn points (only possible
    /// when built by hand, never from JSON) spawns in its middle. The games' rules rest on
    /// it, so its draws from `rng` are part of their revision.
    pub fn farthest_spawn(&self, others: &[(f32, f32)], rng: &mut impl rand::Rng) -> (f32, f32) {
        let Some(&first) = self.spawns.first() else {
            return (f32::from(self.width) / 2.0, f32::from(self.height) / 2.0);
        };
        // The squared distance to the nearest other (infinite when there is none).
        let clearance = |&(x, y): &(f32, f32)| {
            others
                .iter()
                .map(|&(ox, oy)| (ox - x) * (ox - x) + (oy - y) * (oy - y))
                .fold(f32::INFINITY, f32::min)
        };
        let best = self
            .spawns
            .iter()
            .map(clearance)
            .fold(f32::NEG_INFINITY, f32::max);
        let is_best = |spawn: &&(f32, f32)| clearance(spawn) >= best;
        let ties = self.spawns.iter().filter(is_best).count().max(1);
        let chosen = rng.random_range(0..ties as u32) as usize;
        self.spawns
            .iter()
            .filter(is_best)
            .nth(chosen)
            .copied()
            .unwrap_or(first)
    }

    /// The arena map of this checkout's `assets/maps/` (the server's default map), for tests,
    /// benchmarks and tools that step a game without a server. Panics when the file is
    /// missing or invalid: it is part of the source tree, not something a user supplies.
    pub fn bundled() -> Map {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/maps/arena.json");
        let text = std::fs::read_to_string(path).expect("assets/maps/arena.json is readable");
        Map::from_json(&text).expect("the bundled arena is valid")
    }

    /// Parses and validates a map file's text.
    pub fn from_json(json: &str) -> Result<Map, MapError> {
        let file: MapFile =
            serde_json::from_str(json).map_err(|e| MapError::Json(e.to_string()))?;
        let map = Map {
            width: file.width,
            height: file.height,
            walls: file
                .walls
                .iter()
                .map(|w| Wall {
                    x: w.x,
                    y: w.y,
                    w: w.w,
                    h: w.h,
                })
                .collect(),
            spawns: file.spawns.iter().map(|s| (s.x, s.y)).collect(),
        };
        map.validate()?;
        Ok(map)
    }

    /// A map from its parts (e.g. as a replay embeds it), checked like a map file.
    pub fn from_parts(
        width: u16,
        height: u16,
        walls: Vec<Wall>,
        spawns: Vec<(f32, f32)>,
    ) -> Result<Map, MapError> {
        let map = Map {
            width,
            height,
            walls,
            spawns,
        };
        map.validate()?;
        Ok(map)
    }

    fn validate(&self) -> Result<(), MapError> {
        let (width, height) = (self.width, self.height);
        let size_range = MIN_MAP_SIZE..=MAX_MAP_SIZE;
        if !size_range.contains(&width) || !size_range.contains(&height) {
            return Err(MapError::Size { width, height });
        }
        if self.walls.len() > MAX_WALLS {
            return Err(MapError::TooManyWalls(self.walls.len()));
        }
        for (index, &wall) in self.walls.iter().enumerate() {
            if wall.w == 0 || wall.h == 0 {
                return Err(MapError::EmptyWall { index, wall });
            }
            let right = u32::from(wall.x) + u32::from(wall.w);
            let bottom = u32::from(wall.y) + u32::from(wall.h);
            if right > u32::from(width) || bottom > u32::from(height) {
                return Err(MapError::WallOutside {
                    index,
                    wall,
                    width,
                    height,
                });
            }
        }
        if self.spawns.is_empty() {
            return Err(MapError::NoSpawns);
        }
        if self.spawns.len() > MAX_SPAWNS {
            return Err(MapError::TooManySpawns(self.spawns.len()));
        }
        for (index, &(x, y)) in self.spawns.iter().enumerate() {
            let inside = |v: f32, size: u16| {
                v.is_finite() && v >= SPAWN_CLEARANCE && v <= f32::from(size) - SPAWN_CLEARANCE
            };
            if !inside(x, width) || !inside(y, height) {
                return Err(MapError::SpawnOutside {
                    index,
                    x,
                    y,
                    width,
                    height,
                });
            }
            if let Some((wall_index, &wall)) = self
                .walls
                .iter()
                .enumerate()
                .find(|(_, wall)| distance_to_wall(x, y, wall) < SPAWN_CLEARANCE)
            {
                return Err(MapError::SpawnInWall {
                    index,
                    x,
                    y,
                    wall_index,
                    wall,
                });
            }
        }
        Ok(())
    }
}

/// The distance from a point to the nearest point of a wall (0 inside it).
pub(crate) fn distance_to_wall(x: f32, y: f32, wall: &Wall) -> f32 {
    let (min_x, min_y) = (f32::from(wall.x), f32::from(wall.y));
    let (max_x, max_y) = (min_x + f32::from(wall.w), min_y + f32::from(wall.h));
    let dx = x - x.clamp(min_x, max_x);
    let dy = y - y.clamp(min_y, max_y);
    (dx * dx + dy * dy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_json(width: u16, height: u16, walls: &str, spawns: &str) -> String {
        format!(r#"{{"width":{width},"height":{height},"walls":[{walls}],"spawns":[{spawns}]}}"#)
    }

    #[test]
    fn a_good_map_parses() {
        let map = Map::from_json(&map_json(
            400,
            300,
            r#"{"x":0,"y":0,"w":400,"h":10},{"x":100,"y":100,"w":50,"h":50}"#,
            r#"{"x":50,"y":50},{"x":300.5,"y":250}"#,
        ))
        .expect("valid map");
        assert_eq!((map.width, map.height), (400, 300));
        assert_eq!(
            map.walls,
            vec![
                Wall {
                    x: 0,
                    y: 0,
                    w: 400,
                    h: 10
                },
                Wall {
                    x: 100,
                    y: 100,
                    w: 50,
                    h: 50
                }
            ]
        );
        assert_eq!(map.spawns, vec![(50.0, 50.0), (300.5, 250.0)]);
    }

    #[test]
    fn the_bundled_arena_parses() {
        let map = Map::bundled();
        assert_eq!((map.width, map.height), (1600, 1000));
        assert!(map.spawns.len() >= 8, "{} spawns", map.spawns.len());
        assert!(map.walls.len() > 4, "border and cover");
    }

    #[test]
    fn broken_json_and_unknown_keys_are_refused() {
        assert!(matches!(Map::from_json("{"), Err(MapError::Json(_))));
        let misspelt =
            r#"{"width":400,"height":300,"walls":[],"spawns":[{"x":50,"y":50}],"spawn":[]}"#;
        let err = Map::from_json(misspelt).expect_err("unknown key");
        assert!(err.to_string().contains("spawn"), "{err}");
        let negative = map_json(
            400,
            300,
            r#"{"x":-1,"y":0,"w":4,"h":4}"#,
            r#"{"x":50,"y":50}"#,
        );
        assert!(matches!(Map::from_json(&negative), Err(MapError::Json(_))));
    }

    #[test]
    fn sizes_are_checked() {
        let spawn = r#"{"x":40,"y":40}"#;
        assert_eq!(
            Map::from_json(&map_json(10, 300, "", spawn)),
            Err(MapError::Size {
                width: 10,
                height: 300
            })
        );
        assert_eq!(
            Map::from_json(&map_json(400, 5000, "", spawn)),
            Err(MapError::Size {
                width: 400,
                height: 5000
            })
        );
        assert!(Map::from_json(&map_json(MAX_MAP_SIZE, MAX_MAP_SIZE, "", spawn)).is_ok());
    }

    #[test]
    fn walls_are_checked() {
        let spawn = r#"{"x":40,"y":40}"#;
        let err = Map::from_json(&map_json(
            400,
            300,
            r#"{"x":350,"y":0,"w":60,"h":10}"#,
            spawn,
        ))
        .expect_err("wall past the right edge");
        assert!(matches!(err, MapError::WallOutside { index: 0, .. }));
        assert!(err.to_string().contains("wall 0"), "{err}");
        let err = Map::from_json(&map_json(
            400,
            300,
            r#"{"x":200,"y":0,"w":10,"h":10},{"x":0,"y":295,"w":10,"h":10}"#,
            spawn,
        ))
        .expect_err("wall past the bottom edge");
        assert!(matches!(err, MapError::WallOutside { index: 1, .. }));
        let err = Map::from_json(&map_json(
            400,
            300,
            r#"{"x":200,"y":0,"w":0,"h":10}"#,
            spawn,
        ))
        .expect_err("empty wall");
        assert!(matches!(err, MapError::EmptyWall { index: 0, .. }));
        let many = vec![r#"{"x":200,"y":200,"w":1,"h":1}"#; MAX_WALLS + 1].join(",");
        assert_eq!(
            Map::from_json(&map_json(400, 300, &many, spawn)),
            Err(MapError::TooManyWalls(MAX_WALLS + 1))
        );
    }

    #[test]
    fn spawns_are_checked() {
        assert_eq!(
            Map::from_json(&map_json(400, 300, "", "")),
            Err(MapError::NoSpawns)
        );
        let err = Map::from_json(&map_json(
            400,
            300,
            "",
            r#"{"x":40,"y":40},{"x":10,"y":40}"#,
        ))
        .expect_err("spawn too near the edge");
        assert!(matches!(err, MapError::SpawnOutside { index: 1, .. }));
        assert!(err.to_string().contains("spawn 1"), "{err}");
        let err = Map::from_json(&map_json(400, 300, "", r#"{"x":40,"y":400}"#))
            .expect_err("spawn outside");
        assert!(matches!(err, MapError::SpawnOutside { index: 0, .. }));
        let walls = r#"{"x":0,"y":0,"w":10,"h":10},{"x":100,"y":100,"w":50,"h":50}"#;
        let err = Map::from_json(&map_json(400, 300, walls, r#"{"x":120,"y":120}"#))
            .expect_err("spawn inside a wall");
        assert!(matches!(
            err,
            MapError::SpawnInWall {
                index: 0,
                wall_index: 1,
                ..
            }
        ));
        assert!(err.to_string().contains("wall 1"), "{err}");
        let err = Map::from_json(&map_json(400, 300, walls, r#"{"x":160,"y":120}"#))
            .expect_err("spawn touching a wall");
        assert!(matches!(err, MapError::SpawnInWall { .. }));
        assert!(Map::from_json(&map_json(400, 300, walls, r#"{"x":175,"y":120}"#)).is_ok());
    }

    #[test]
    fn distance_to_a_wall() {
        let wall = Wall {
            x: 10,
            y: 10,
            w: 10,
            h: 10,
        };
        assert_eq!(distance_to_wall(15.0, 15.0, &wall), 0.0);
        assert_eq!(distance_to_wall(25.0, 15.0, &wall), 5.0);
        assert_eq!(distance_to_wall(23.0, 24.0, &wall), 5.0);
    }
}
