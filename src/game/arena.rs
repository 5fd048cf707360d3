//! PLACEHOLDER: the arena shooter, replaced by the game work.

use std::sync::Arc;

use super::map::Map;
use super::{Game, GameEvent};
use crate::protocol::{GameSetup, Input, Slot, Snapshot};

pub struct Arena {
    map: Arc<Map>,
    tick: u32,
}

impl Arena {
    pub fn new(map: Arc<Map>, _tick_rate: u16, _seed: u64) -> Arena {
        Arena { map, tick: 0 }
    }
}

impl Game for Arena {
    fn mode(&self) -> &'static str {
        "arena"
    }
    fn setup(&self) -> GameSetup {
        GameSetup {
            width: self.map.width,
            height: self.map.height,
            walls: self.map.walls.clone(),
            player_radius: 16.0,
            player_speed: 200.0,
            bullet_radius: 4.0,
            bullet_speed: 600.0,
            max_hp: 100,
        }
    }
    fn tick(&self) -> u32 {
        self.tick
    }
    fn add_player(&mut self, _slot: Slot) {}
    fn remove_player(&mut self, _slot: Slot) {}
    fn apply_input(&mut self, _slot: Slot, _input: &Input) {}
    fn step(&mut self, _events: &mut Vec<GameEvent>) {
        self.tick += 1;
    }
    fn snapshot(&self, out: &mut Snapshot) {
        out.tick = self.tick;
        out.players.clear();
        out.bullets.clear();
    }
}
