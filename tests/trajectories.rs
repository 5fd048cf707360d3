//! Golden movement trajectories: the positions the server's movement rule gives, step by step,
//! for scripted inputs on the bundled arena map (wall slides, corners, diagonals, opposite
//! keys, a long random walk). `client/movement.js` is checked against the same file by the
//! node tests of `client/`, so the browser's prediction and the server agree bit for bit.
//!
//! The scripts below are the source of truth. `UPDATE_VECTORS=1` rewrites
//! `tests/vectors/trajectories.json`; without it the test only compares, so a change of the
//! movement rule fails here until the file (and `client/movement.js`) change on purpose.

use std::fs;
use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use skirmish::game::arena::Tuning;
use skirmish::game::map::Map;
use skirmish::game::map::Wall;
use skirmish::game::movement::{step_distance, step_movement};
use skirmish::game::movement::{MOVE_ALL, MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP};
use skirmish::protocol::quantize_position;

const TICK_RATE: u16 = 30;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Trajectories {
    about: String,
    tick_rate: u16,
    setup: Setup,
    cases: Vec<Case>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Setup {
    width: u16,
    height: u16,
    walls: Vec<WallJson>,
    player_radius: f32,
    player_speed: f32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct WallJson {
    x: u16,
    y: u16,
    w: u16,
    h: u16,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Point {
    x: f32,
    y: f32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Case {
    name: String,
    start: Point,
    /// `MOVE_*` bits, one per step.
    inputs: Vec<u8>,
    /// The quantized position (world units × 16) after each step.
    expected: Vec<[u16; 2]>,
}

fn bundled_map() -> Map {
    Map::bundled()
}

fn repeat(script: &[(u8, usize)]) -> Vec<u8> {
    script
        .iter()
        .flat_map(|&(bits, steps)| std::iter::repeat_n(bits, steps))
        .collect()
}

/// Start positions (on the wire's grid) and input scripts that cover the rule's branches.
fn scripts() -> Vec<(&'static str, (f32, f32), Vec<u8>)> {
    let (up, down, left, right) = (MOVE_UP, MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT);
    let mut random = ChaCha8Rng::seed_from_u64(11);
    let mut walk = Vec::new();
    while walk.len() < 600 {
        let bits = random.random::<u8>() & MOVE_ALL;
        walk.extend(std::iter::repeat_n(bits, random.random_range(1..20)));
    }
    vec![
        (
            "eight_directions_and_opposite_keys",
            (400.0, 500.0),
            repeat(&[
                (right, 10),
                (right | down, 10),
                (down, 5),
                (down | left, 10),
                (left, 10),
                (left | up, 10),
                (up, 5),
                (up | right, 10),
                (left | right, 5),
                (up | down | left, 5),
                (0, 3),
                (MOVE_ALL, 3),
            ]),
        ),
        (
            "diagonal_into_the_top_left_corner",
            (100.0, 100.0),
            repeat(&[(up | left, 30), (right, 5), (down | left, 20)]),
        ),
        (
            "sliding_along_the_central_block",
            (700.0, 600.0),
            repeat(&[(up | right, 40), (right, 20), (up | left, 30), (up, 20)]),
        ),
        (
            "into_an_l_shaped_corner",
            (420.5, 300.0625),
            repeat(&[(up | left, 40), (left, 20), (up, 20), (down | right, 10)]),
        ),
        (
            // Overlapping the L-shaped block's left edge by exactly the tolerance: not pushed.
            "resting_on_a_wall_edge",
            (284.0625, 310.0),
            repeat(&[(up, 10), (down, 5), (up | right, 10), (right, 3)]),
        ),
        ("random_walk", (800.0, 380.0), walk),
    ]
}

fn expected_trajectories() -> Trajectories {
    let map = bundled_map();
    let tuning = Tuning::default();
    let distance = step_distance(tuning.player_speed, TICK_RATE);
    let cases = scripts()
        .into_iter()
        .map(|(name, start, inputs)| {
            let mut at = start;
            let expected = inputs
                .iter()
                .map(|&bits| {
                    at = step_movement(&map, tuning.player_radius, distance, at, bits);
                    [quantize_position(at.0), quantize_position(at.1)]
                })
                .collect();
            Case {
                name: name.into(),
                start: Point {
                    x: start.0,
                    y: start.1,
                },
                inputs,
                expected,
            }
        })
        .collect();
    let wall = |w: &Wall| WallJson {
        x: w.x,
        y: w.y,
        w: w.w,
        h: w.h,
    };
    Trajectories {
        about: "Golden movement trajectories: positions after each step of the arena's movement \
                rule, quantized as on the wire. Described in PROTOCOL.md, section 'Golden \
                vectors'. Generated by tests/trajectories.rs."
            .into(),
        tick_rate: TICK_RATE,
        setup: Setup {
            width: map.width,
            height: map.height,
            walls: map.walls.iter().map(wall).collect(),
            player_radius: tuning.player_radius,
            player_speed: tuning.player_speed,
        },
        cases,
    }
}

#[test]
fn the_movement_rule_matches_the_golden_trajectories() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/trajectories.json");
    let expected = expected_trajectories();
    if std::env::var_os("UPDATE_VECTORS").is_some_and(|v| v == "1") {
        let json = serde_json::to_string_pretty(&expected).expect("trajectories serialize");
        fs::write(&path, json + "\n").expect("write trajectories.json");
        return;
    }
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run with UPDATE_VECTORS=1 to write it",
            path.display()
        )
    });
    let stored: Trajectories = serde_json::from_str(&text).expect("trajectories.json parses");
    assert_eq!(stored.setup, expected.setup, "the map or tuning changed");
    for (stored, expected) in stored.cases.iter().zip(&expected.cases) {
        assert_eq!(stored.name, expected.name);
        assert_eq!(stored.inputs, expected.inputs, "{}: inputs", stored.name);
        let first_difference = stored
            .expected
            .iter()
            .zip(&expected.expected)
            .position(|(a, b)| a != b);
        assert_eq!(
            first_difference, None,
            "{}: the movement rule changed; run UPDATE_VECTORS=1 on purpose",
            stored.name
        );
    }
    assert_eq!(stored.cases.len(), expected.cases.len());
}

#[test]
fn the_trajectories_cover_slides_corners_and_standing_still() {
    let trajectories = expected_trajectories();
    let blocked = |case: &Case| {
        case.expected
            .windows(2)
            .zip(&case.inputs[1..])
            .filter(|(pair, bits)| pair[0] == pair[1] && **bits != 0)
            .count()
    };
    let slides = |case: &Case| {
        case.expected
            .windows(2)
            .zip(&case.inputs[1..])
            .filter(|(pair, bits)| {
                let diagonal = (**bits & (MOVE_UP | MOVE_DOWN)) != 0
                    && (**bits & (MOVE_LEFT | MOVE_RIGHT)) != 0;
                let moved_one_axis = (pair[0][0] == pair[1][0]) != (pair[0][1] == pair[1][1]);
                diagonal && moved_one_axis
            })
            .count()
    };
    let total_blocked: usize = trajectories.cases.iter().map(blocked).sum();
    let total_slides: usize = trajectories.cases.iter().map(slides).sum();
    assert!(total_blocked > 10, "some steps push into a corner");
    assert!(total_slides > 10, "some diagonal steps slide along a wall");
}
