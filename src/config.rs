//! Every setting of the server: its default, its command-line flag, its environment variable and
//! its validation. Nothing here starts anything; `startup` reads a validated `Config`.
//! Settings may also come from a TOML file (`--config`), read by the `file` submodule.

mod file;

pub use file::LoadError;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::protocol::MAX_ROOM_CAPACITY;

/// Skirmish: a multiplayer game server with actor-based rooms, a browser game and bots.
#[derive(Debug, Clone, Parser)]
#[command(name = "skirmish", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "SKIRMISH_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "SKIRMISH_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Room ticks per second (each tick steps the game and sends one snapshot).
    #[arg(long, env = "SKIRMISH_TICK_RATE", default_value_t = 30,
          value_parser = clap::value_parser!(u16).range(1..=120))]
    pub tick_rate: u16,

    /// Capacity of the rooms that quick join creates (created rooms choose their own, up to 100).
    #[arg(long, env = "SKIRMISH_ROOM_CAPACITY", default_value_t = 16,
          value_parser = clap::value_parser!(u8).range(1..=MAX_ROOM_CAPACITY as i64))]
    pub room_capacity: u8,

    /// While people play in a room made by quick join (or created with bots), the server's
    /// bots fill it up to this many players, leaving one by one as people join (0: no bots).
    #[arg(long, env = "SKIRMISH_BOT_FILL", default_value_t = 4,
          value_parser = clap::value_parser!(u8).range(0..=MAX_ROOM_CAPACITY as i64))]
    pub bot_fill: u8,

    /// Milliseconds an empty room waits for a player before it closes (at most a day).
    #[arg(long, env = "SKIRMISH_EMPTY_ROOM_GRACE_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(0..=86_400_000))]
    pub empty_room_grace_ms: u64,

    /// Milliseconds a client may go without taking the room's snapshots before it is removed
    /// from the room and disconnected (a client that stopped reading).
    #[arg(long, env = "SKIRMISH_LAG_LIMIT_MS", default_value_t = 5_000)]
    pub lag_limit_ms: u64,

    /// Milliseconds of silence (no message, no pong; or unacknowledged data, in the kernel)
    /// after which a connection is dropped.
    #[arg(long, env = "SKIRMISH_CLIENT_TIMEOUT_MS", default_value_t = 15_000,
          value_parser = clap::value_parser!(u64).range(1_000..))]
    pub client_timeout_ms: u64,

    /// Directory of the browser client, served at `/`.
    #[arg(long, env = "SKIRMISH_CLIENT_DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/client"))]
    pub client_dir: PathBuf,

    /// Directory of the assets (maps, sprites), served at `/assets/`.
    #[arg(long, env = "SKIRMISH_ASSETS_DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/assets"))]
    pub assets_dir: PathBuf,

    /// The arena map, relative to the assets directory.
    #[arg(long, env = "SKIRMISH_MAP", default_value = "maps/arena.json")]
    pub map: PathBuf,

    /// Threads that run rooms (0: one per two cores, at least one).
    #[arg(long, env = "SKIRMISH_ROOM_THREADS", default_value_t = 0)]
    pub room_threads: usize,

    /// Threads that run HTTP and WebSocket sessions (0: one per core).
    #[arg(long, env = "SKIRMISH_HTTP_WORKERS", default_value_t = 0)]
    pub http_workers: usize,

    /// Spectators a room takes at most (spectators never take a player's seat).
    #[arg(long, env = "SKIRMISH_MAX_SPECTATORS", default_value_t = 32,
          value_parser = clap::value_parser!(u16).range(0..=1000))]
    pub max_spectators: u16,

    /// Where the operator's endpoints listen (`/metrics`, `/api/stats`, `/readyz` and the
    /// monitor page at `/monitor`), apart from the players' port; keep it on loopback or a
    /// private network (port 0 picks a free one).
    #[arg(long, env = "SKIRMISH_ADMIN_BIND", default_value = "127.0.0.1:9091")]
    pub admin_bind: SocketAddr,

    /// Directory of the recorded matches: replay files and their index (created at start).
    #[arg(long, env = "SKIRMISH_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Record every match into the data directory (false: record none; the matches already
    /// recorded are still listed and served).
    #[arg(long, env = "SKIRMISH_RECORD_MATCHES", default_value_t = true,
          action = clap::ArgAction::Set)]
    pub record_matches: bool,

    /// Recorded matches kept at most; the oldest are deleted first (0: no limit).
    #[arg(long, env = "SKIRMISH_REPLAY_MAX_MATCHES", default_value_t = 1_000)]
    pub replay_max_matches: u64,

    /// Hours a recorded match is kept (0: no limit).
    #[arg(long, env = "SKIRMISH_REPLAY_MAX_AGE_HOURS", default_value_t = 720)]
    pub replay_max_age_hours: u64,

    /// Megabytes of replay files kept at most; the oldest are deleted first (0: no limit).
    #[arg(long, env = "SKIRMISH_REPLAY_MAX_MB", default_value_t = 1_024)]
    pub replay_max_mb: u64,

    /// Redis that makes this server a node of a cluster (e.g. redis://127.0.0.1:6379): the
    /// nodes sharing it list each other's rooms and send players to the node that runs their
    /// room; finished matches' summaries go to its stream `skirmish:matches` too. Needs
    /// --cluster-secret [default: none: a single node].
    #[arg(long, env = "SKIRMISH_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// The secret every node of the cluster shares, at least 16 bytes: it signs the tickets
    /// that send players from one node to another.
    #[arg(long, env = "SKIRMISH_CLUSTER_SECRET", hide_env_values = true)]
    pub cluster_secret: Option<String>,

    /// Milliseconds between a node's refreshes of its entry in Redis and of its copy of the
    /// other nodes' (an entry expires after three of them: a dead node's rooms leave every
    /// lobby within about four).
    #[arg(long, env = "SKIRMISH_CLUSTER_REFRESH_MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(50..=10_000))]
    pub cluster_refresh_ms: u32,

    /// Secret that `/metrics`, `/api/stats` and the monitor page's data require, sent as
    /// `Authorization: Bearer TOKEN` or `?token=TOKEN` [default: none: anyone who reaches
    /// --admin-bind may read them].
    #[arg(long, env = "SKIRMISH_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// TOML file of settings: keys are the flag names (`tick-rate = 60` or `tick_rate = 60`);
    /// flags and environment variables take precedence over it [default: none].
    #[arg(long, env = "SKIRMISH_CONFIG")]
    pub config: Option<PathBuf>,

    /// PEM certificate chain: serve https and wss (needs --tls-key too).
    #[arg(long, env = "SKIRMISH_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, env = "SKIRMISH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Origins browsers may connect from, comma-separated (e.g. https://game.example.com), or *
    /// for any. Always allowed: the --public-url's origin, localhost, and clients sending no
    /// Origin.
    #[arg(long, env = "SKIRMISH_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// The address players open in their browsers (e.g. https://game.example.com): its origin
    /// is the server's own, allowed to connect. Set it before exposing the server beyond
    /// localhost [default: none, only localhost pages may connect].
    #[arg(long, env = "SKIRMISH_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Shared secret: when set, `/ws` needs a join token signed with it (see `mint-token`).
    #[arg(long, env = "SKIRMISH_JOIN_SECRET", hide_env_values = true)]
    pub join_secret: Option<String>,

    /// Milliseconds a player whose connection dropped keeps its seat, resumable with its
    /// session token (0: no resuming).
    #[arg(long, env = "SKIRMISH_RECONNECT_GRACE_MS", default_value_t = 15_000)]
    pub reconnect_grace_ms: u32,

    /// Most players (welcomed connections) on this server.
    #[arg(long, env = "SKIRMISH_MAX_PLAYERS", default_value_t = 2000)]
    pub max_players: usize,

    /// Most rooms on this server.
    #[arg(long, env = "SKIRMISH_MAX_ROOMS", default_value_t = 200)]
    pub max_rooms: usize,

    /// Inputs a connection may send per second (and in a burst); more are dropped.
    #[arg(long, env = "SKIRMISH_INPUTS_PER_SECOND", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub inputs_per_second: u32,

    /// Other messages a connection may send per second (twice that in a burst); more are dropped.
    #[arg(long, env = "SKIRMISH_MESSAGES_PER_SECOND", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub messages_per_second: u32,

    /// Dropped messages tolerated in a burst (refilling over 10 s) before a flooding
    /// connection is closed.
    #[arg(long, env = "SKIRMISH_FLOOD_TOLERANCE", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub flood_tolerance: u32,

    /// Open connections per IP address (0: no limit).
    #[arg(long, env = "SKIRMISH_MAX_CONNECTIONS_PER_IP", default_value_t = 64)]
    pub max_connections_per_ip: usize,

    /// New connections per IP address per second, twice that in a burst (0: no limit).
    #[arg(long, env = "SKIRMISH_NEW_CONNECTIONS_PER_IP", default_value_t = 10)]
    pub new_connections_per_ip: u32,

    /// Rooms one connection may create in a burst; then one more every 10 s.
    #[arg(long, env = "SKIRMISH_ROOMS_PER_CONNECTION", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rooms_per_connection: u32,

    /// Rooms one IP address may create in a burst, however many connections it opens; then one
    /// more every 10 s.
    #[arg(long, env = "SKIRMISH_ROOMS_PER_IP", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rooms_per_ip: u32,

    /// Rooms the whole server may create per second (twice that in a burst).
    #[arg(long, env = "SKIRMISH_ROOMS_PER_SECOND", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rooms_per_second: u32,

    /// Milliseconds a graceful shutdown (SIGTERM, ctrl-c) may take before the process exits.
    #[arg(long, env = "SKIRMISH_SHUTDOWN_TIMEOUT_MS", default_value_t = 5_000)]
    pub shutdown_timeout_ms: u64,
}

impl Config {
    /// The defaults (and any `SKIRMISH_*` environment variables), as if started with no flags.
    pub fn defaults() -> Config {
        Config::parse_from(["skirmish"])
    }

    pub fn empty_room_grace(&self) -> Duration {
        Duration::from_millis(self.empty_room_grace_ms)
    }

    pub fn lag_limit(&self) -> Duration {
        Duration::from_millis(self.lag_limit_ms)
    }

    pub fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms)
    }

    pub fn reconnect_grace(&self) -> Duration {
        Duration::from_millis(u64::from(self.reconnect_grace_ms))
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_millis(self.shutdown_timeout_ms)
    }

    /// The replay retention limits.
    pub fn replay_retention(&self) -> crate::replay::Retention {
        crate::replay::Retention {
            max_matches: self.replay_max_matches,
            max_age: Duration::from_secs(self.replay_max_age_hours.saturating_mul(3600)),
            max_bytes: self.replay_max_mb.saturating_mul(1 << 20),
        }
    }

    /// How often the cluster's entries are refreshed.
    pub fn cluster_refresh(&self) -> Duration {
        Duration::from_millis(u64::from(self.cluster_refresh_ms))
    }

    /// The WebSocket address players of other nodes are sent to: `--public-url` with ws(s)
    /// for http(s) and the path `/ws`, else this node's bound address (`validate` refuses a
    /// cluster on an unspecified one, which no other machine could reach).
    pub fn node_url(&self, port: u16) -> String {
        match self.public_origin() {
            Some(origin) => format!("{}/ws", origin.replacen("http", "ws", 1)),
            None => {
                let scheme = if self.tls_cert.is_some() { "wss" } else { "ws" };
                let addr = std::net::SocketAddr::from((self.bind, port));
                format!("{scheme}://{addr}/ws")
            }
        }
    }

    /// The origin of `--public-url`, if set (and valid: `validate` checks it).
    pub fn public_origin(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .and_then(|url| crate::auth::origin_of(url).ok())
    }

    pub fn map_path(&self) -> PathBuf {
        self.assets_dir.join(&self.map)
    }

    /// The room and session thread counts, with 0 resolved from the number of cores.
    pub fn resolved_threads(&self) -> (usize, usize) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Sessions do most of the work (the sockets); rooms need a fraction of it, and a room
        // thread competing with every session thread for the cores makes ticks late.
        let rooms = match self.room_threads {
            0 => (cores / 2).max(1),
            n => n,
        };
        let sessions = match self.http_workers {
            0 => cores,
            n => n,
        };
        (rooms, sessions)
    }

    /// Checks what flags alone cannot: that the directories and the map exist.
    pub fn validate(&self) -> Result<(), String> {
        for (what, dir) in [
            ("client directory", &self.client_dir),
            ("assets directory", &self.assets_dir),
        ] {
            if !dir.is_dir() {
                return Err(format!("{what} {} is not a directory", dir.display()));
            }
        }
        if !self.map_path().is_file() {
            return Err(format!("map {} is not a file", self.map_path().display()));
        }
        if self.port != 0
            && self.admin_bind.port() == self.port
            && (self.admin_bind.ip() == self.bind
                || self.admin_bind.ip().is_unspecified()
                || self.bind.is_unspecified())
        {
            return Err(format!(
                "--admin-bind {} is the players' address: the operator's endpoints need a port \
                 of their own",
                self.admin_bind
            ));
        }
        if let Some(url) = &self.public_url {
            crate::auth::origin_of(url).map_err(|problem| format!("--public-url: {problem}"))?;
        }
        if let Some(url) = &self.redis_url {
            crate::replay::stream::check_url(url)?;
            match &self.cluster_secret {
                None => {
                    return Err(
                        "--redis-url needs --cluster-secret (the same on every node)".into(),
                    )
                }
                Some(secret) if secret.len() < 16 => {
                    return Err("the cluster secret must be at least 16 bytes long".into())
                }
                Some(_) => {}
            }
            if self.public_url.is_none() && self.bind.is_unspecified() {
                return Err(format!(
                    "--redis-url with --bind {} needs --public-url: the address other nodes \
                     send this node's players to",
                    self.bind
                ));
            }
        }
        if self.join_secret.as_ref().is_some_and(|s| s.len() < 16) {
            return Err("the join secret must be at least 16 bytes long".into());
        }
        if let Some(token) = &self.admin_token {
            // The token itself is never echoed: it is a secret.
            if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err("admin token is empty or contains white space".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_defaults_and_bad_values_are_rejected() {
        let config = Config::parse_from(["skirmish", "--port", "0", "--tick-rate", "60"]);
        assert_eq!(config.port, 0);
        assert_eq!(config.tick_rate, 60);
        assert!(Config::try_parse_from(["skirmish", "--tick-rate", "0"]).is_err());
        assert!(Config::try_parse_from(["skirmish", "--room-capacity", "101"]).is_err());
        assert!(Config::try_parse_from(["skirmish", "--bind", "nowhere"]).is_err());
    }

    #[test]
    fn defaults_point_at_the_bundled_client_and_assets() {
        let config = Config::defaults();
        assert_eq!(config.port, 8080);
        assert!(config.client_dir.ends_with("client"));
        assert!(config.map_path().ends_with("assets/maps/arena.json"));
    }

    #[test]
    fn the_operator_endpoints_default_to_a_loopback_port_of_their_own() {
        let config = Config::defaults();
        assert_eq!(config.admin_bind, "127.0.0.1:9091".parse().unwrap());
        assert_eq!(config.validate(), Ok(()));
        for (bind, admin) in [
            ("127.0.0.1", "127.0.0.1:8080"),
            ("0.0.0.0", "127.0.0.1:8080"),
        ] {
            let config = Config::parse_from(["skirmish", "--bind", bind, "--admin-bind", admin]);
            let err = config.validate().unwrap_err();
            assert!(err.contains("--admin-bind"), "{err}");
        }
        let elsewhere = Config::parse_from(["skirmish", "--admin-bind", "127.0.0.2:8080"]);
        assert_eq!(elsewhere.validate(), Ok(()));
    }

    #[test]
    fn validation_names_the_missing_directory() {
        let config = Config {
            client_dir: "/nonexistent/client".into(),
            ..Config::defaults()
        };
        let err = config.validate().unwrap_err();
        assert!(err.contains("/nonexistent/client"), "{err}");
    }

    #[test]
    fn a_cluster_needs_a_long_enough_shared_secret() {
        let redis = ["skirmish", "--redis-url", "redis://127.0.0.1:6379"];
        let err = Config::parse_from(redis).validate().unwrap_err();
        assert!(err.contains("--cluster-secret"), "{err}");
        let short = Config::parse_from([&redis[..], &["--cluster-secret", "too short"]].concat());
        assert!(short.validate().unwrap_err().contains("at least 16 bytes"));
        let good = [&redis[..], &["--cluster-secret", "sixteen bytes ok"]].concat();
        assert_eq!(Config::parse_from(good).validate(), Ok(()));
    }

    #[test]
    fn a_node_is_reached_at_its_public_url_or_else_its_bound_address() {
        let public = Config::parse_from(["skirmish", "--public-url", "https://n1.example.com"]);
        assert_eq!(public.node_url(8080), "wss://n1.example.com/ws");
        let bound = Config::parse_from(["skirmish", "--bind", "10.0.0.5"]);
        assert_eq!(bound.node_url(8081), "ws://10.0.0.5:8081/ws");
        let v6 = Config::parse_from(["skirmish", "--bind", "::1"]);
        assert_eq!(v6.node_url(8080), "ws://[::1]:8080/ws");
        let anywhere = Config::parse_from(["skirmish", "--bind", "0.0.0.0"]);
        let cluster = [
            "--redis-url",
            "redis://r:6379",
            "--cluster-secret",
            "sixteen bytes ok",
        ];
        let err = Config::parse_from(["skirmish", "--bind", "0.0.0.0"].iter().chain(&cluster))
            .validate()
            .unwrap_err();
        assert!(err.contains("needs --public-url"), "{err}");
        assert_eq!(
            anywhere.validate(),
            Ok(()),
            "a single node may bind anywhere"
        );
    }
}
