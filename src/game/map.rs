//! Arena maps: parsed from the JSON files under `assets/maps/` (the caller reads the file).
//! PLACEHOLDER: replaced by the game work.

use crate::protocol::Wall;

#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub width: u16,
    pub height: u16,
    pub walls: Vec<Wall>,
    pub spawns: Vec<(f32, f32)>,
}

#[derive(Debug, thiserror::Error)]
#[error("bad map: {0}")]
pub struct MapError(pub String);

impl Map {
    pub fn from_json(_json: &str) -> Result<Map, MapError> {
        Ok(Map {
            width: 1600,
            height: 1000,
            walls: vec![],
            spawns: vec![(100.0, 100.0)],
        })
    }
}
