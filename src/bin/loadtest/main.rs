//! `loadtest`: runs the benchmark scenario "arena v1" (see the bench's SCENARIO.md) against a
//! server and prints one summary line per number of clients with every figure the scenario
//! names; or the "idle" scenario (`idle`), sessions that only sit in the lobby, for what a
//! connected client costs at rest; or the "cluster" scenario (`cluster`), what a cluster of
//! three nodes on Redis costs (joins with and without a redirect, the refresh, Redis memory).
//! `--cluster` runs arena v1 on a node of a cluster (with a `redis-server` of the tool's own).
//!
//! The server is either one that runs already (`--url`, `--server-pid`) or, with
//! `--spawn-server`, a fresh `skirmish` process per N that this tool starts and stops
//! (`process`). N lean bots (`skirmish::bot::lean`) are started at a bounded rate, fill rooms
//! of 50 that they create themselves (the first bot of a room creates it, the others join by
//! its code), and each sends 20 inputs a second in a random direction that changes about once
//! a second, firing at most once a second. After all have joined and a settling time, a window
//! is measured: snapshots and bytes per client, input-to-ack latency, the server's, this
//! tool's and the whole machine's CPU from /proc, and the server's own tick p99 from
//! `/api/stats`.
//!
//! One tokio task per bot; everything protocol-specific lives in `skirmish::bot`.

mod cluster;
mod idle;
mod process;
mod report;
mod stats;

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use skirmish::bot::lean::{Incoming, LeanBot};
use skirmish::bot::BotError;
use skirmish::game::movement::{MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use process::SpawnedServer;
use report::{IdleSummary, Summary};

/// Runs a benchmark scenario against a Skirmish server and prints one summary line per N.
#[derive(Debug, Parser)]
#[command(name = "loadtest", version, about)]
struct Args {
    /// The scenario to run.
    #[arg(value_enum, default_value_t = Scenario::ArenaV1)]
    scenario: Scenario,
    /// The server's WebSocket URL (ws://HOST:PORT/PATH).
    #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// Numbers of bots (N), comma separated: one run and one summary line for each.
    #[arg(short = 'n', long, value_delimiter = ',', default_value = "1000",
          value_parser = parse_client_count)]
    clients: Vec<usize>,
    /// Start a fresh server for each N (on 127.0.0.1 and a free port, logging warnings only)
    /// and stop it after the run, instead of using `--url` and `--server-pid`.
    #[arg(long, conflicts_with_all = ["url", "server_pid", "admin"])]
    spawn_server: bool,
    /// The server binary `--spawn-server` starts [default: `skirmish` beside this tool].
    #[arg(long, requires = "spawn_server")]
    server_bin: Option<PathBuf>,
    /// Bots per room.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(1..=100))]
    room_size: u8,
    /// Bots started per second.
    #[arg(long, default_value_t = 500.0)]
    ramp_rate: f64,
    /// Seconds between the last join and the measured window.
    #[arg(long, default_value_t = 3.0)]
    settle: f64,
    /// Length of the measured window in seconds.
    #[arg(long, default_value_t = 20.0)]
    window: f64,
    /// Inputs per second per bot.
    #[arg(long, default_value_t = 20.0)]
    input_rate: f64,
    /// The server's process id: its CPU and memory are read from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// The server's operator address (its `--admin-bind`): its own figures come from there.
    #[arg(long, default_value = "127.0.0.1:9091")]
    admin: SocketAddr,
    /// Tokio worker threads of this tool.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Spread the bots over this many source addresses 127.0.0.1, 127.0.0.2, ... (for more
    /// connections than one address has ephemeral ports) [default: one per 10,000 bots].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=250))]
    source_ips: Option<u8>,
    /// Exit non-zero when more than this percentage of bots fail to connect or join.
    #[arg(long, default_value_t = 1.0)]
    max_failed_percent: f64,
    /// Seconds to wait for all bots to join after the ramp (and the longest one bot may take
    /// to connect and join).
    #[arg(long, default_value_t = 30.0)]
    join_timeout: f64,
    /// Print each summary as one JSON object instead of the line.
    #[arg(long)]
    json: bool,
    /// With `--spawn-server`: start a `redis-server` of the tool's own for each run and make
    /// the server a node of a cluster on it (a one-node cluster: the refresh's cost on a
    /// loaded node).
    #[arg(long, requires = "spawn_server")]
    cluster: bool,
}

/// The load a run applies.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scenario {
    /// Rooms of 50 playing the arena, 20 inputs a second per bot (README, "arena v1").
    ArenaV1,
    /// Sessions that say Hello and stay in the lobby, answering the server's pings; measures
    /// memory per session and CPU at rest (`idle` module).
    Idle,
    /// Three nodes on a Redis of the tool's own: join times with and without a redirect, the
    /// refresh's cost per node, Redis memory per room (`cluster` module; needs
    /// `--spawn-server` and `redis-server`).
    Cluster,
}

impl Scenario {
    fn title(self) -> &'static str {
        match self {
            Scenario::ArenaV1 => "arena v1",
            Scenario::Idle => "idle",
            Scenario::Cluster => "cluster",
        }
    }
}

/// Connections per source address when `--source-ips` is not given: well under the
/// ephemeral ports of one address (28,232 by Linux's default range), which also hold the
/// TIME_WAIT sockets of the previous run for a minute.
const CONNECTIONS_PER_SOURCE_IP: usize = 10_000;

/// The number of source addresses for `n` connections.
fn source_ips(args: &Args, n: usize) -> u8 {
    args.source_ips.unwrap_or_else(|| {
        u8::try_from(n.div_ceil(CONNECTIONS_PER_SOURCE_IP).clamp(1, 250)).unwrap_or(250)
    })
}

/// The address connection `index` binds to before connecting: 127.0.0.1, 127.0.0.2, ... in
/// turn (Linux's loopback answers all of 127/8); `None` (any) when there is only one.
fn source_address(index: usize, source_ips: u8) -> Option<IpAddr> {
    let octet = 1 + (index % usize::from(source_ips.max(1))) as u8;
    (source_ips > 1).then_some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, octet)))
}

/// File descriptors beyond one per connection: the runtime's, stdio, the stats requests.
const OPEN_FILES_BESIDES_CONNECTIONS: u64 = 256;

/// The summary of one run, of whichever scenario.
enum Outcome {
    Arena(Summary),
    Idle(IdleSummary),
}

impl Outcome {
    fn line(&self) -> String {
        match self {
            Outcome::Arena(summary) => summary.line(),
            Outcome::Idle(summary) => summary.line(),
        }
    }

    fn json(&self, scenario: Scenario, machine: &stats::Machine) -> String {
        let line = self.line();
        match self {
            Outcome::Arena(summary) => report::json(scenario.title(), summary, &line, machine),
            Outcome::Idle(summary) => report::json(scenario.title(), summary, &line, machine),
        }
    }

    /// Clients that never got in (arena: connected and joined; idle: welcomed).
    fn failed(&self) -> usize {
        match self {
            Outcome::Arena(summary) => summary.failed,
            Outcome::Idle(summary) => summary.clients - summary.connected,
        }
    }
}

/// A number of bots: at least one.
fn parse_client_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("the number of clients must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{text:?} is not a number of clients: {e}")),
    }
}

/// Where the servers under load come from.
enum ServerChoice {
    /// A fresh process of this binary for each N.
    Spawn(PathBuf),
    /// One that already runs.
    Given(Target),
}

impl ServerChoice {
    fn from_args(args: &Args) -> Result<ServerChoice, String> {
        if args.spawn_server {
            process::server_bin(args.server_bin.as_deref()).map(ServerChoice::Spawn)
        } else {
            Target::from_args(args).map(ServerChoice::Given)
        }
    }
}

/// The server under load: where it listens and, when known, its pid for /proc.
#[derive(Clone)]
struct Target {
    addr: SocketAddr,
    /// Where its `/api/stats` is.
    admin: SocketAddr,
    path: String,
    pid: Option<u32>,
}

impl Target {
    fn from_args(args: &Args) -> Result<Target, String> {
        let rest = args
            .url
            .strip_prefix("ws://")
            .ok_or_else(|| format!("{}: only ws:// URLs are supported", args.url))?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let addr = host
            .to_socket_addrs()
            .map_err(|e| format!("{host}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host}: no address"))?;
        Ok(Target {
            addr,
            admin: args.admin,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            pid: args.server_pid,
        })
    }

    fn spawned(server: &SpawnedServer) -> Target {
        Target {
            addr: server.addr(),
            admin: server.operator_addr(),
            path: "/ws".into(),
            pid: Some(server.pid()),
        }
    }
}

/// Counters one bot updates and the main task reads; padded so that bots on different
/// threads do not share cache lines.
#[repr(align(64))]
#[derive(Default)]
struct BotCounters {
    joined: AtomicBool,
    snapshots: AtomicU64,
    bytes: AtomicU64,
}

/// What a room's creator tells the bots that join it.
#[derive(Clone)]
enum RoomCode {
    Pending,
    Ready(Arc<str>),
    Failed,
}

struct Shared {
    addr: SocketAddr,
    path: String,
    room_size: usize,
    source_ips: u8,
    input_period: Duration,
    bots: Vec<BotCounters>,
    rooms: Vec<watch::Sender<RoomCode>>,
    join_timeout: Duration,
    connected: AtomicUsize,
    joined: AtomicUsize,
    failed: AtomicUsize,
    dropped: AtomicUsize,
    errors_shown: AtomicUsize,
    tick_rate: AtomicUsize,
    measuring: AtomicBool,
    latency: stats::Histogram,
}

/// At most this many individual bot errors are printed.
const ERRORS_SHOWN: usize = 10;

impl Shared {
    fn report_error(&self, bot: usize, what: &str, err: &BotError) {
        if self.errors_shown.fetch_add(1, Relaxed) < ERRORS_SHOWN {
            eprintln!("loadtest: bot {bot}: {what}: {err}");
        }
    }
}

/// The exit code of an interrupted run (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let args = Args::parse();
    let server = match ServerChoice::from_args(&args) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("loadtest: {err}");
            return ExitCode::from(2);
        }
    };
    let most_clients = args.clients.iter().copied().max().unwrap_or(0) as u64;
    // The spawned server inherits the limit; it needs as many descriptors as this tool.
    let open_files =
        match skirmish::fdlimit::raise_towards(most_clients + OPEN_FILES_BESIDES_CONNECTIONS) {
            Ok(limit) => Some(limit),
            Err(err) => {
                eprintln!("loadtest: warning: cannot raise the open files limit: {err}");
                None
            }
        };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("loadtest: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let machine = stats::machine();
    if !args.json {
        println!("{}", report::machine_line(&machine));
    }
    if let (Scenario::Cluster, ServerChoice::Spawn(bin)) = (args.scenario, &server) {
        return cluster::main(bin, &runtime);
    }
    let mut all_passed = true;
    for &clients in &args.clients {
        let needed = clients as u64 + OPEN_FILES_BESIDES_CONNECTIONS;
        if let Some(limit) = open_files.filter(|limit| limit.soft < needed) {
            // Each connection is a descriptor here and in the server: the run would only
            // measure refused connections.
            eprintln!(
                "loadtest: N={clients} needs about {needed} open files but the limit is {} \
                 (hard limit {}; raising it needs root with CAP_SYS_RESOURCE): skipped",
                limit.soft, limit.hard
            );
            all_passed = false;
            continue;
        }
        // Started on this (the main) thread, which the server's parent-death signal is tied
        // to; dropped, and so stopped, at the end of each iteration and on every return.
        let redis = match args.cluster.then(process::RedisProcess::start).transpose() {
            Ok(redis) => redis,
            Err(err) => {
                eprintln!("loadtest: {err}");
                return ExitCode::FAILURE;
            }
        };
        let extra = redis
            .as_ref()
            .map(process::cluster_flags)
            .unwrap_or_default();
        let (target, _spawned) = match &server {
            ServerChoice::Spawn(bin) => match SpawnedServer::start(bin, clients, &extra) {
                Ok(spawned) => (Target::spawned(&spawned), Some(spawned)),
                Err(err) => {
                    eprintln!("loadtest: {err}");
                    return ExitCode::FAILURE;
                }
            },
            ServerChoice::Given(target) => (target.clone(), None),
        };
        let outcome = runtime.block_on(async {
            let run = async {
                match args.scenario {
                    Scenario::ArenaV1 => run(&args, clients, &target).await.map(Outcome::Arena),
                    Scenario::Idle => idle::run(&args, clients, &target).await.map(Outcome::Idle),
                    Scenario::Cluster => Err("the cluster scenario needs --spawn-server".into()),
                }
            };
            tokio::select! {
                outcome = run => Some(outcome),
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        let summary = match outcome {
            None => {
                eprintln!("loadtest: interrupted");
                return ExitCode::from(INTERRUPTED);
            }
            Some(Err(err)) => {
                eprintln!("loadtest: N={clients}: {err}");
                all_passed = false;
                continue;
            }
            Some(Ok(summary)) => summary,
        };
        if args.json {
            println!("{}", summary.json(args.scenario, &machine));
        } else {
            println!("{}", summary.line());
        }
        let failed_percent = summary.failed() as f64 * 100.0 / clients as f64;
        if failed_percent > args.max_failed_percent {
            eprintln!(
                "loadtest: {} of {clients} clients failed to connect or join (limit {}%)",
                summary.failed(),
                args.max_failed_percent
            );
            all_passed = false;
        }
    }
    if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One run of the scenario with `n` bots. Every task it starts ends when it returns or is
/// dropped.
async fn run(args: &Args, n: usize, target: &Target) -> Result<Summary, String> {
    let room_size = usize::from(args.room_size);
    let shared = Arc::new(Shared {
        addr: target.addr,
        path: target.path.clone(),
        room_size,
        source_ips: source_ips(args, n),
        input_period: Duration::from_secs_f64(1.0 / args.input_rate.max(0.1)),
        bots: (0..n).map(|_| BotCounters::default()).collect(),
        rooms: (0..n.div_ceil(room_size))
            .map(|_| watch::channel(RoomCode::Pending).0)
            .collect(),
        join_timeout: Duration::from_secs_f64(args.join_timeout.max(1.0)),
        connected: AtomicUsize::new(0),
        joined: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        dropped: AtomicUsize::new(0),
        errors_shown: AtomicUsize::new(0),
        tick_rate: AtomicUsize::new(0),
        measuring: AtomicBool::new(false),
        latency: stats::Histogram::new(),
    });

    // Dropping the set aborts the bots and the progress lines.
    let mut tasks = JoinSet::new();
    tasks.spawn(print_progress(shared.clone()));
    ramp(&mut tasks, n, args.ramp_rate, |index| {
        run_bot(index, shared.clone())
    })
    .await;
    let settled = || shared.joined.load(Relaxed) + shared.failed.load(Relaxed);
    if !all_settled(n, shared.join_timeout, settled).await {
        eprintln!(
            "loadtest: only {} of {n} bots joined within {:?}; measuring those",
            shared.joined.load(Relaxed),
            shared.join_timeout
        );
    }
    if shared.joined.load(Relaxed) == 0 {
        return Err("no bot joined; nothing to measure".into());
    }
    tokio::time::sleep(Duration::from_secs_f64(args.settle.max(0.0))).await;

    let server_pid = target.pid.map(|pid| pid.to_string());
    let window = Duration::from_secs_f64(args.window.max(1.0));
    let before = Sample::take(&shared, server_pid.as_deref());
    shared.measuring.store(true, Relaxed);
    tokio::time::sleep(window).await;
    shared.measuring.store(false, Relaxed);
    let after = Sample::take(&shared, server_pid.as_deref());

    let tick_p99_ms = match report::server_tick_p99_ms(target.admin).await {
        Ok(p99) => p99,
        Err(err) => {
            eprintln!("loadtest: no tick statistics from the server: {err}");
            None
        }
    };
    // Before the server is stopped: the bots close their connections and end.
    tasks.shutdown().await;
    Ok(summarize(
        &shared,
        &before,
        &after,
        tick_p99_ms,
        server_pid.as_deref(),
    ))
}

/// Counters and CPU clocks at one instant.
struct Sample {
    clocks: stats::CpuClocks,
    snapshots: Vec<u64>,
    bytes: u64,
}

impl Sample {
    fn take(shared: &Shared, server_pid: Option<&str>) -> Sample {
        Sample {
            clocks: stats::CpuClocks::read(server_pid),
            snapshots: shared
                .bots
                .iter()
                .map(|b| b.snapshots.load(Relaxed))
                .collect(),
            bytes: shared.bots.iter().map(|b| b.bytes.load(Relaxed)).sum(),
        }
    }
}

fn summarize(
    shared: &Shared,
    before: &Sample,
    after: &Sample,
    tick_p99_ms: Option<f64>,
    server_pid: Option<&str>,
) -> Summary {
    let n = shared.bots.len();
    let cpu = after.clocks.since(&before.clocks);
    let seconds = cpu.seconds;
    let joined = shared.joined.load(Relaxed);
    let tick_rate = shared.tick_rate.load(Relaxed) as f64;
    let received: Vec<u64> = after
        .snapshots
        .iter()
        .zip(&before.snapshots)
        .map(|(a, b)| a - b)
        .collect();
    let expected = tick_rate * seconds;
    // Bots that never joined count as under, whatever the expected rate.
    let under90 = received
        .iter()
        .zip(&shared.bots)
        .filter(|(&count, bot)| !bot.joined.load(Relaxed) || (count as f64) < 0.9 * expected)
        .count();
    let server_cpu_percent = cpu.server_percent;
    let memory = server_pid.and_then(stats::memory_mb);
    Summary {
        clients: n,
        joined,
        failed: shared.failed.load(Relaxed),
        window_s: seconds,
        server_cpu_percent,
        us_per_client_s: server_cpu_percent.map(|p| p * 1e4 / joined.max(1) as f64),
        rss_mb: memory.map(|m| m.0),
        peak_rss_mb: memory.map(|m| m.1),
        upd_rate: received.iter().sum::<u64>() as f64 / n.max(1) as f64 / seconds,
        under90_percent: under90 as f64 * 100.0 / n.max(1) as f64,
        lat_p50_ms: shared.latency.quantile(0.50).map(|us| us / 1000.0),
        lat_p99_ms: shared.latency.quantile(0.99).map(|us| us / 1000.0),
        latency_samples: shared.latency.count(),
        bytes_per_client_s: (after.bytes - before.bytes) as f64 / joined.max(1) as f64 / seconds,
        tick_p99_ms,
        load_cpu_percent: cpu.own_percent,
        machine_busy_percent: cpu.machine_busy_percent,
        tick_rate: tick_rate as u16,
    }
}

/// One line on stderr per second while the tool runs.
async fn print_progress(shared: Arc<Shared>) {
    let started = Instant::now();
    let mut last_total = 0u64;
    let mut last_at = Instant::now();
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await;
    loop {
        every.tick().await;
        let total: u64 = shared.bots.iter().map(|b| b.snapshots.load(Relaxed)).sum();
        let joined = shared.joined.load(Relaxed);
        let rate =
            (total - last_total) as f64 / joined.max(1) as f64 / last_at.elapsed().as_secs_f64();
        (last_total, last_at) = (total, Instant::now());
        eprintln!(
            "[{:5.1}s{}] connected {} joined {} failed {} dropped {} snapshots/s per bot {:.1}",
            started.elapsed().as_secs_f64(),
            if shared.measuring.load(Relaxed) {
                " measuring"
            } else {
                ""
            },
            shared.connected.load(Relaxed),
            joined,
            shared.failed.load(Relaxed),
            shared.dropped.load(Relaxed),
            rate
        );
    }
}

/// The eight directions a bot runs in.
const HEADINGS: [u8; 8] = [
    MOVE_UP,
    MOVE_UP | MOVE_RIGHT,
    MOVE_RIGHT,
    MOVE_RIGHT | MOVE_DOWN,
    MOVE_DOWN,
    MOVE_DOWN | MOVE_LEFT,
    MOVE_LEFT,
    MOVE_LEFT | MOVE_UP,
];

/// The scenario's input pattern: a random heading and aim, changed after 15 to 25 inputs
/// (about a second at 20 a second), and a shot every 20 to 29 inputs (at most once a second).
struct Pattern {
    rng: u64,
    movement: u8,
    aim: f32,
    until_turn: u32,
    until_shot: u32,
}

impl Pattern {
    fn new(seed: u64) -> Pattern {
        let mut pattern = Pattern {
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            movement: 0,
            aim: 0.0,
            until_turn: 0,
            until_shot: 0,
        };
        pattern.until_shot = 1 + pattern.random(20);
        pattern
    }

    fn random(&mut self, bound: u32) -> u32 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % u64::from(bound.max(1))) as u32
    }

    /// (movement, aim, fire) of the next input.
    fn next(&mut self) -> (u8, f32, bool) {
        if self.until_turn == 0 {
            self.movement = HEADINGS[self.random(8) as usize];
            self.aim = self.random(360) as f32 * std::f32::consts::TAU / 360.0;
            self.until_turn = 15 + self.random(11);
        }
        self.until_turn -= 1;
        self.until_shot -= 1;
        let fire = self.until_shot == 0;
        if fire {
            self.until_shot = 20 + self.random(10);
        }
        (self.movement, self.aim, fire)
    }
}

async fn run_bot(index: usize, shared: Arc<Shared>) {
    let Some(mut bot) = join(index, &shared).await else {
        shared.failed.fetch_add(1, Relaxed);
        return;
    };
    shared.joined.fetch_add(1, Relaxed);
    shared.bots[index].joined.store(true, Relaxed);
    if let Err(err) = play(index, &mut bot, &shared).await {
        shared.dropped.fetch_add(1, Relaxed);
        shared.report_error(index, "connection lost", &err);
    }
}

/// Starts `n` tasks made by `start` (given their index) into `tasks`, `rate` a second.
async fn ramp<F>(tasks: &mut JoinSet<()>, n: usize, rate: f64, mut start: impl FnMut(usize) -> F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let period = Duration::from_secs_f64(1.0 / rate.max(1.0));
    for index in 0..n {
        tokio::time::sleep_until(started + period.mul_f64(index as f64)).await;
        tasks.spawn(start(index));
    }
}

/// Waits until `settled` counts all `n` tasks (in, or failed); false after `timeout`.
async fn all_settled(n: usize, timeout: Duration, settled: impl Fn() -> usize) -> bool {
    let waiting = async {
        while settled() < n {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(timeout, waiting).await.is_ok()
}

/// Connects, and creates (first bot of a room) or joins the bot's room.
async fn join(index: usize, shared: &Shared) -> Option<LeanBot> {
    let room = index / shared.room_size;
    let creates = index.is_multiple_of(shared.room_size);
    let name = format!("load-{index}");
    let connected = LeanBot::connect(
        shared.addr,
        source_address(index, shared.source_ips),
        &shared.path,
        &name,
        index as u32,
    )
    .await;
    let (mut bot, welcome) = match connected {
        Ok(connected) => connected,
        Err(err) => {
            shared.report_error(index, "connect", &err);
            if creates {
                shared.rooms[room].send_replace(RoomCode::Failed);
            }
            return None;
        }
    };
    shared.connected.fetch_add(1, Relaxed);
    shared
        .tick_rate
        .store(usize::from(welcome.tick_rate), Relaxed);
    if creates {
        let capacity = shared.room_size as u8;
        match bot
            .create_room(&format!("load {room}"), capacity, false)
            .await
        {
            Ok(joined) => {
                shared.rooms[room].send_replace(RoomCode::Ready(joined.code.into()));
                Some(bot)
            }
            Err(err) => {
                shared.report_error(index, "create room", &err);
                shared.rooms[room].send_replace(RoomCode::Failed);
                None
            }
        }
    } else {
        let mut codes = shared.rooms[room].subscribe();
        let ready = codes.wait_for(|code| !matches!(code, RoomCode::Pending));
        let code = match tokio::time::timeout(shared.join_timeout, ready).await {
            Ok(Ok(code)) => code.clone(),
            _ => RoomCode::Failed,
        };
        let RoomCode::Ready(code) = code else {
            if shared.errors_shown.fetch_add(1, Relaxed) < ERRORS_SHOWN {
                eprintln!("loadtest: bot {index}: its room {room} was not created");
            }
            return None;
        };
        match bot.join_by_code(&code).await {
            Ok(_) => Some(bot),
            Err(err) => {
                shared.report_error(index, "join", &err);
                None
            }
        }
    }
}

/// Sends inputs at the input rate and reads snapshots until the connection ends.
async fn play(index: usize, bot: &mut LeanBot, shared: &Shared) -> Result<(), BotError> {
    let counters = &shared.bots[index];
    let mut pattern = Pattern::new(index as u64 + 1);
    // A random phase, so that the bots' inputs do not arrive in bursts.
    let phase = shared
        .input_period
        .mul_f64(f64::from(pattern.random(1000)) / 1000.0);
    let mut inputs = tokio::time::interval_at(Instant::now() + phase, shared.input_period);
    inputs.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // Inputs sent and not yet acknowledged, oldest first.
    let mut unacked: VecDeque<(u32, Instant)> = VecDeque::with_capacity(32);
    let mut snapshots = 0u64;
    let mut newest_tick = 0;
    loop {
        tokio::select! {
            filled = bot.fill() => {
                filled?;
                let mut newest_ack = None;
                bot.drain(|incoming| {
                    if let Incoming::Snapshot { tick, ack } = incoming {
                        snapshots += 1;
                        newest_ack = newest_ack.max(Some(ack));
                        newest_tick = newest_tick.max(tick);
                    }
                })?;
                if let Some(ack) = newest_ack {
                    let now = Instant::now();
                    let measuring = shared.measuring.load(Relaxed);
                    while let Some(&(seq, sent)) = unacked.front() {
                        if seq > ack {
                            break;
                        }
                        if measuring {
                            shared.latency.record((now - sent).as_micros() as u64);
                        }
                        unacked.pop_front();
                    }
                }
                counters.snapshots.store(snapshots, Relaxed);
                counters.bytes.store(bot.payload_bytes(), Relaxed);
                bot.flush().await?;
            }
            _ = inputs.tick() => {
                let (movement, aim, fire) = pattern.next();
                let seq = bot.queue_input(movement, aim, fire, newest_tick);
                if unacked.len() == unacked.capacity() {
                    unacked.pop_front();
                }
                unacked.push_back((seq, Instant::now()));
                bot.flush().await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_turns_about_once_a_second_and_fires_at_most_once_a_second() {
        let mut pattern = Pattern::new(3);
        let inputs: Vec<_> = (0..20 * 60).map(|_| pattern.next()).collect();
        let shots: Vec<usize> = (0..inputs.len()).filter(|&i| inputs[i].2).collect();
        assert!(shots.windows(2).all(|w| w[1] - w[0] >= 20));
        assert!(shots.len() >= 40, "{} shots in a minute", shots.len());
        let turns = inputs
            .windows(2)
            .filter(|w| (w[0].0, w[0].1) != (w[1].0, w[1].1))
            .count();
        assert!((40..=80).contains(&turns), "{turns} turns in a minute");
    }

    #[test]
    fn clients_are_a_comma_separated_list_of_positive_numbers() {
        let args = Args::parse_from(["loadtest", "--clients", "1000,2000"]);
        assert_eq!(args.clients, [1000, 2000]);
        assert_eq!(Args::parse_from(["loadtest", "-n", "50"]).clients, [50]);
        assert_eq!(Args::parse_from(["loadtest"]).clients, [1000]);
        for wrong in ["0", "1000,0", "1000,", "many", "-5"] {
            let parsed = Args::try_parse_from(["loadtest", "--clients", wrong]);
            assert!(parsed.is_err(), "--clients {wrong} was accepted");
        }
    }

    #[test]
    fn the_scenario_name_is_optional() {
        let args = Args::parse_from(["loadtest", "arena-v1", "--spawn-server", "-n", "20"]);
        assert!(matches!(args.scenario, Scenario::ArenaV1));
        assert!(args.spawn_server);
        let args = Args::parse_from(["loadtest", "--url", "ws://127.0.0.1:9000/ws"]);
        assert!(matches!(args.scenario, Scenario::ArenaV1));
        assert!(Args::try_parse_from(["loadtest", "arena-v2"]).is_err());
    }

    #[test]
    fn a_spawned_server_excludes_a_given_one() {
        let given = ["--url", "ws://127.0.0.1:9000/ws", "--server-pid", "1"];
        for flag in given.chunks(2) {
            let parsed = Args::try_parse_from(["loadtest", "--spawn-server", flag[0], flag[1]]);
            assert!(parsed.is_err(), "--spawn-server with {}", flag[0]);
        }
        assert!(Args::try_parse_from(["loadtest", "--server-bin", "/bin/true"]).is_err());
        let this_test = std::env::current_exe().expect("the test's executable");
        let this_test = this_test.to_str().expect("a UTF-8 path");
        let args = Args::parse_from(["loadtest", "--spawn-server", "--server-bin", this_test]);
        let Ok(ServerChoice::Spawn(bin)) = ServerChoice::from_args(&args) else {
            panic!("--spawn-server chooses to spawn an existing binary");
        };
        assert_eq!(bin, PathBuf::from(this_test));
        let args = Args::parse_from(["loadtest", "--spawn-server", "--server-bin", "/x/skirmish"]);
        let Err(err) = ServerChoice::from_args(&args) else {
            panic!("a missing binary is refused");
        };
        assert!(err.contains("cargo build --release"), "{err}");
    }

    #[test]
    fn connections_spread_over_one_source_address_per_ten_thousand() {
        let args = Args::parse_from(["loadtest", "idle"]);
        assert!(matches!(args.scenario, Scenario::Idle));
        assert_eq!(source_ips(&args, 1), 1);
        assert_eq!(source_ips(&args, 10_000), 1);
        assert_eq!(source_ips(&args, 50_000), 5);
        assert_eq!(source_ips(&args, 10_000_000), 250);
        let args = Args::parse_from(["loadtest", "--source-ips", "3"]);
        assert_eq!(source_ips(&args, 50_000), 3);

        assert_eq!(source_address(7, 1), None);
        let addresses: Vec<_> = (0..4).filter_map(|i| source_address(i, 3)).collect();
        let expected = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.1"];
        let expected: Vec<IpAddr> = expected.iter().filter_map(|a| a.parse().ok()).collect();
        assert_eq!(addresses, expected);
    }

    #[test]
    fn the_target_comes_from_the_url() {
        let args = Args::parse_from(["loadtest", "--url", "ws://127.0.0.1:9000/ws"]);
        let target = Target::from_args(&args).expect("a valid URL");
        assert_eq!(target.addr, "127.0.0.1:9000".parse().expect("address"));
        assert_eq!(target.path, "/ws");
        let args = Args::parse_from(["loadtest", "--url", "wss://example.org/ws"]);
        assert!(Target::from_args(&args).is_err());
    }
}
