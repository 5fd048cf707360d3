//! The state every session and route shares: the configuration, the room directory, the loaded
//! map, the threads rooms run on, and how a new room is made and registered.
//!
//! Made once at startup and shared behind an `Arc`; holds no per-connection state.

use std::sync::atomic::{AtomicU32, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, ArbiterHandle};
use rand::Rng;

use crate::config::Config;
use crate::game::arena::Arena;
use crate::game::map::Map;
use crate::game::Game;
use crate::lobby::{RoomDirectory, RoomEntry};
use crate::room::{Room, RoomSettings, TickStats};

pub struct AppState {
    pub config: Config,
    pub directory: Arc<dyn RoomDirectory>,
    pub started: Instant,
    map: Arc<Map>,
    room_threads: Vec<ArbiterHandle>,
    next_room_thread: AtomicUsize,
    next_player_id: AtomicU32,
    /// Open WebSocket sessions, for the stats endpoint.
    pub sessions: AtomicUsize,
}

impl AppState {
    pub fn new(
        config: Config,
        directory: Arc<dyn RoomDirectory>,
        map: Arc<Map>,
        room_threads: Vec<ArbiterHandle>,
    ) -> AppState {
        AppState {
            config,
            directory,
            started: Instant::now(),
            map,
            room_threads,
            next_room_thread: AtomicUsize::new(0),
            next_player_id: AtomicU32::new(1),
            sessions: AtomicUsize::new(0),
        }
    }

    pub fn next_player_id(&self) -> u32 {
        self.next_player_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Makes a room running the arena on the next room thread and lists it in the directory.
    pub fn create_room(&self, name: String, capacity: u8, public: bool) -> RoomEntry {
        let (id, code) = self.directory.allocate();
        let players = Arc::new(AtomicU8::new(0));
        let stats = Arc::new(TickStats::new(Instant::now()));
        let settings = RoomSettings {
            id,
            name: name.clone(),
            code: code.clone(),
            capacity,
            public,
            tick_rate: self.config.tick_rate,
            empty_grace: self.config.empty_room_grace(),
            lag_limit: self.config.lag_limit(),
        };
        let seed: u64 = rand::rng().random();
        let game = Box::new(Arena::new(self.map.clone(), self.config.tick_rate, seed));
        let mode = game.mode();
        let room = {
            let (players, stats, directory) =
                (players.clone(), stats.clone(), self.directory.clone());
            move |_: &mut actix::Context<Room>| Room::new(settings, game, players, stats, directory)
        };
        let thread =
            self.next_room_thread.fetch_add(1, Ordering::Relaxed) % self.room_threads.len();
        let addr = Room::start_in_arbiter(&self.room_threads[thread], room);
        let entry = RoomEntry {
            id,
            code,
            name,
            mode,
            capacity,
            public,
            players,
            stats,
            addr,
        };
        self.directory.insert(entry.clone());
        entry
    }
}
