//! The state every session and route shares: the configuration, the room directory, the loaded
//! map, the threads rooms run on, and how a new room is made and registered.
//!
//! Made once at startup and shared behind an `Arc`; holds no per-connection state.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, ArbiterHandle};
use rand::Rng;

use crate::cluster::Cluster;
use crate::config::Config;
use crate::connections::Connections;
use crate::game::map::Map;
use crate::game::MatchSettings;
use crate::limits::{Limits, RoomRefusal};
use crate::lobby::{Directory, RoomHandle};
use crate::metrics::Metrics;
use crate::modes::{MatchStart, Mode};
use crate::protocol::PlayerId;
use crate::reconnect::Resumption;
use crate::replay::ReplayWriter;
use crate::room::{phased_start, HostedGame, Room, RoomSettings, TickStats};

/// Makes the game of a new room from the room's name and its match's start, instead of the
/// room's mode: tests plug in games of their own.
pub type GameMaker = Arc<dyn Fn(&str, &MatchStart) -> Box<dyn HostedGame> + Send + Sync>;

pub struct AppState {
    pub config: Config,
    pub directory: Arc<Directory>,
    /// This node's part in a cluster (`--redis-url`), if it is one.
    pub cluster: Option<Arc<Cluster>>,
    pub started: Instant,
    /// The players' port as bound (`--port 0` picks one), set when the server starts serving.
    pub public_port: u16,
    map: Arc<Map>,
    room_threads: Vec<ArbiterHandle>,
    next_room_thread: AtomicUsize,
    /// Open WebSocket sessions, for the stats endpoint.
    pub sessions: AtomicUsize,
    pub metrics: Arc<Metrics>,
    /// False once the server stops taking players (shutting down); `/readyz` reports it.
    ready: AtomicBool,
    pub limits: Arc<Limits>,
    pub resumption: Resumption,
    pub connections: Connections,
    /// `None`: the room's mode's game, the arena's recorded when `replays` is set.
    make_game: Option<GameMaker>,
    /// Where the rooms' recordings go (see `replay`); `None` records nothing.
    replays: Option<ReplayWriter>,
}

/// What a new room is to be: chosen by its creator, or by quick join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRoom {
    pub name: String,
    pub capacity: u8,
    pub public: bool,
    /// Whether the server's bots fill its empty seats (see `--bot-fill`).
    pub bots: bool,
    pub mode: Mode,
}

impl AppState {
    pub fn new(
        config: Config,
        directory: Arc<Directory>,
        map: Arc<Map>,
        room_threads: Vec<ArbiterHandle>,
    ) -> AppState {
        AppState {
            limits: Arc::new(Limits::new(&config)),
            resumption: Resumption::new(config.reconnect_grace()),
            connections: Connections::default(),
            make_game: None,
            replays: None,
            cluster: None,
            public_port: config.port,
            config,
            directory,
            started: Instant::now(),
            map,
            room_threads,
            next_room_thread: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
            metrics: Arc::new(Metrics::new()),
            ready: AtomicBool::new(true),
        }
    }

    /// Whether the server takes new players: true from the start until `stop_accepting`.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// Marks the server as shutting down: `/readyz` answers 503 from now on, so that a load
    /// balancer sends new players elsewhere. There is no way back.
    pub fn stop_accepting(&self) {
        self.ready.store(false, Ordering::Relaxed);
    }

    /// Makes this server a node of the cluster of `--redis-url` (with `--cluster-secret`):
    /// ids come from the cluster and the directory lists the other nodes' rooms too. Must be
    /// called before any room is made; the refresh starts with the server (`startup`).
    pub fn with_cluster(mut self, secret: &str) -> AppState {
        let cluster = Arc::new(Cluster::new(
            secret,
            u32::try_from(self.config.max_players).unwrap_or(u32::MAX),
            self.config.cluster_refresh(),
            self.metrics.registry(),
        ));
        self.directory = Arc::new(Directory::clustered(cluster.ids(), cluster.clone()));
        self.resumption =
            Resumption::new(self.config.reconnect_grace()).with_prefix(cluster.node_id());
        self.cluster = Some(cluster);
        self
    }

    /// Replaces the game new rooms play.
    pub fn with_game_maker(mut self, make_game: GameMaker) -> AppState {
        self.make_game = Some(make_game);
        self
    }

    /// Matches being recorded or waiting to be filed (0 when nothing is recorded).
    pub fn unfiled_replays(&self) -> usize {
        self.replays.as_ref().map_or(0, ReplayWriter::unfiled)
    }

    /// Records the arena's matches through `writer`.
    pub fn with_replays(mut self, writer: ReplayWriter) -> AppState {
        self.replays = Some(writer);
        self
    }

    /// `create_room`, if the server's room limits allow one more now.
    pub fn create_room_within_limits(&self, room: NewRoom) -> Result<RoomHandle, RoomRefusal> {
        self.limits
            .create_room(|| self.directory.here().len(), || self.create_room(room))
    }

    pub fn next_player_id(&self) -> PlayerId {
        self.directory.ids().player_id()
    }

    /// Makes a room running its mode's game on the next room thread and lists it in the
    /// directory.
    pub fn create_room(&self, room: NewRoom) -> RoomHandle {
        let NewRoom {
            name,
            capacity,
            public,
            bots,
            mode,
        } = room;
        let (id, code) = self.directory.allocate();
        let players = Arc::new(AtomicU8::new(0));
        let bots_listed = Arc::new(AtomicU8::new(0));
        let seed: u64 = rand::rng().random();
        log::debug!("room {id}: seed {seed:#018x}");
        let stats = Arc::new(TickStats::new(Instant::now()));
        let made = self.next_room_thread.fetch_add(1, Ordering::Relaxed);
        let threads = self.room_threads.len();
        let tick_rate = self.config.tick_rate;
        let nth_on_thread = u64::try_from(made / threads).unwrap_or(0);
        let settings = RoomSettings {
            id,
            name: name.clone(),
            code: code.clone(),
            capacity,
            public,
            tick_rate,
            tick_start: phased_start(self.started, Instant::now(), tick_rate, nth_on_thread),
            empty_grace: self.config.empty_room_grace(),
            lag_limit: self.config.lag_limit(),
            max_spectators: usize::from(self.config.max_spectators),
            reconnect_grace: self.config.reconnect_grace(),
            bot_fill: if bots { self.config.bot_fill } else { 0 },
            seed,
        };
        let start = MatchStart {
            settings: MatchSettings {
                map: self.map.clone(),
                tick_rate,
                seed,
            },
            room: (id, &name),
            public,
            replays: self.replays.as_ref(),
        };
        let game = match &self.make_game {
            Some(make_game) => make_game(&name, &start),
            None => mode.start(&start),
        };
        let mode = game.mode();
        let metrics = self.metrics.room(mode);
        let room = {
            let counters = (players.clone(), bots_listed.clone());
            let (stats, unlist) = (stats.clone(), self.directory.here().unlister(id));
            move |_: &mut actix::Context<Room>| {
                Room::new(settings, game, counters, stats, unlist, metrics)
            }
        };
        let addr = Room::start_in_arbiter(&self.room_threads[made % threads], room);
        let handle = RoomHandle {
            id,
            code,
            name,
            mode,
            capacity,
            public,
            players,
            bots: bots_listed,
            stats,
            addr,
        };
        self.directory.here().insert(handle.clone());
        handle
    }
}
