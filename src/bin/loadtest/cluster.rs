//! The cluster scenario: three nodes of the server on a `redis-server` of the tool's own, and
//! what the cluster costs: the time a join takes when the room is on the node the bot talks
//! to and when it is sent on to another node (`Redirect`, a new connection, `Redeem`); each
//! node's refresh (its thread's CPU, Redis round trips and commands a second, the refresh's
//! own duration) with few rooms and with about a hundred; and Redis memory per listed room.
//! arena v1 on a node with the cluster on vs off is `loadtest arena-v1 --spawn-server
//! --cluster` against the same without `--cluster`, in alternating runs.
//!
//! Nothing here is a test: it prints figures and the machine they were measured on.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use skirmish::bot::BotClient;
use skirmish::protocol::RoomId;

use crate::process::{cluster_flags, RedisProcess, SpawnedServer};
use crate::{report, stats};

/// Joins timed of each kind.
const JOINS: usize = 200;
/// The server's refresh thread (`src/cluster/mod.rs`), as /proc shows its name (15 bytes).
const REFRESH_THREAD: &str = "skirmish-cluste";
/// Rooms made to measure Redis's memory per room.
const ROOMS_FOR_MEMORY: usize = 90;
/// The idle window the refresh's cost is measured over.
const IDLE_WINDOW: Duration = Duration::from_secs(10);
/// More than two refreshes at the default period: every node has seen every change.
const SETTLE: Duration = Duration::from_millis(2500);

/// Runs the scenario (the caller has printed the machine line).
pub fn main(bin: &Path, runtime: &tokio::runtime::Runtime) -> ExitCode {
    match measure(bin, runtime) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("loadtest: cluster: {err}");
            ExitCode::FAILURE
        }
    }
}

fn node_flags(redis: &RedisProcess, n: usize) -> Vec<String> {
    let data =
        std::env::temp_dir().join(format!("skirmish-cluster-bench-{}-{n}", std::process::id()));
    let mut flags: Vec<String> = [
        "--bot-fill",
        "0",
        "--record-matches",
        "false",
        "--reconnect-grace-ms",
        "0",
        "--empty-room-grace-ms",
        "600000",
        "--rooms-per-second",
        "1000",
        "--data-dir",
        &data.to_string_lossy(),
    ]
    .map(String::from)
    .to_vec();
    flags.extend(cluster_flags(redis));
    flags
}

fn measure(bin: &Path, runtime: &tokio::runtime::Runtime) -> Result<Vec<String>, String> {
    let redis = RedisProcess::start()?;
    let clients = JOINS + ROOMS_FOR_MEMORY + 100;
    let nodes = (0..3)
        .map(|n| SpawnedServer::start(bin, clients, &node_flags(&redis, n)))
        .collect::<Result<Vec<_>, _>>()?;
    runtime.block_on(async {
        let mut lines = Vec::new();
        let entry = format!("ws://{}/ws", nodes[0].addr());
        // Every node has read the others before placement is asked for.
        tokio::time::sleep(SETTLE).await;
        let (here, there, _creators) = pinned_rooms(&entry).await?;
        tokio::time::sleep(SETTLE).await;
        for (what, room) in [("same node", here), ("redirected", there)] {
            let (p50, p99, moved) = join_times(&entry, room).await?;
            lines.push(format!(
                "join {what}: p50={p50:.2}ms p99={p99:.2}ms joins={JOINS} redirected={moved}"
            ));
        }
        lines.push(refresh_cost(&redis, &nodes).await?);
        let (memory, _fillers) = memory_per_room(&redis, &entry).await?;
        lines.push(memory);
        // The refresh carries every room's listing: its cost again with the rooms just made.
        lines.push(refresh_cost(&redis, &nodes).await?);
        Ok::<_, String>(lines)
    })
}

/// A room on the entry node and one on another node, made through the entry node (placement
/// decides where each goes), and their creators' connections: a room closes when its creator's
/// connection ends empty.
async fn pinned_rooms(entry: &str) -> Result<(RoomId, RoomId, Vec<BotClient>), String> {
    let (mut here, mut there) = (None, None);
    let mut creators = Vec::new();
    for n in 0..30 {
        let mut creator = BotClient::connect(entry, &format!("maker{n}"))
            .await
            .map_err(|e| e.to_string())?;
        let joined = creator
            .create_room(&format!("bench {n}"), 100, true)
            .await
            .map_err(|e| e.to_string())?;
        let slot = if creator.url() == entry {
            &mut here
        } else {
            &mut there
        };
        if slot.is_none() {
            *slot = Some(joined.room.id);
        }
        creator.leave_room().await.map_err(|e| e.to_string())?;
        creators.push(creator);
        if let (Some(here), Some(there)) = (here, there) {
            return Ok((here, there, creators));
        }
    }
    Err("30 rooms were all placed on the same side".into())
}

/// `JOINS` joins of `room` through `entry`, one after another: p50 and p99 in ms (from the
/// request to `Joined`, a redirect included), and how many were redirected.
async fn join_times(entry: &str, room: RoomId) -> Result<(f64, f64, usize), String> {
    let mut times = Vec::with_capacity(JOINS);
    let mut redirected = 0;
    for n in 0..JOINS {
        let mut bot = BotClient::connect(entry, &format!("joiner{n}"))
            .await
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        bot.join_room(room).await.map_err(|e| e.to_string())?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
        redirected += usize::from(bot.url() != entry);
        bot.close().await.map_err(|e| e.to_string())?;
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok((at(0.5), at(0.99), redirected))
}

fn redis_info(redis: &RedisProcess, field: &str) -> Result<f64, String> {
    let client = redis::Client::open(redis.url()).map_err(|e| e.to_string())?;
    let mut conn = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .map_err(|e| e.to_string())?;
    let info: String = redis::cmd("INFO")
        .query(&mut conn)
        .map_err(|e| e.to_string())?;
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| format!("INFO has no {field}"))
}

/// A node's `skirmish_cluster_refresh_seconds` sum and count, and its Redis round trips.
async fn refresh_totals(node: &SpawnedServer) -> Result<(f64, f64, f64), String> {
    let body = report::http_get(node.operator_addr(), "/metrics").await?;
    let value = |name: &str| {
        body.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok((
        value("skirmish_cluster_refresh_seconds_sum "),
        value("skirmish_cluster_refresh_seconds_count "),
        value("skirmish_cluster_redis_round_trips_total "),
    ))
}

/// Per node over a window: the CPU of its refresh thread (the whole cost of the cluster when
/// nobody joins: sessions only read the copy it leaves), Redis round trips and commands a
/// second, the refresh's mean duration; and Redis's own CPU.
async fn refresh_cost(redis: &RedisProcess, nodes: &[SpawnedServer]) -> Result<String, String> {
    let refresh_cpu = |node: &SpawnedServer| {
        stats::thread_cpu_seconds(node.pid(), REFRESH_THREAD).unwrap_or(f64::NAN)
    };
    let commands_before = redis_info(redis, "total_commands_processed")?;
    let cpu_before: Vec<f64> = nodes.iter().map(refresh_cpu).collect();
    let redis_before = stats::cpu_seconds(&redis.pid().to_string()).unwrap_or(0.0);
    let mut refresh_before = Vec::new();
    for node in nodes {
        refresh_before.push(refresh_totals(node).await?);
    }
    tokio::time::sleep(IDLE_WINDOW).await;
    let window = IDLE_WINDOW.as_secs_f64();
    let per_node = |total: f64| total / window / nodes.len() as f64;
    let commands = redis_info(redis, "total_commands_processed")? - commands_before;
    let refresh_cpu_s: f64 = nodes
        .iter()
        .zip(&cpu_before)
        .map(|(node, before)| refresh_cpu(node) - before)
        .sum();
    let redis_cpu_s = stats::cpu_seconds(&redis.pid().to_string()).unwrap_or(0.0) - redis_before;
    let (mut took, mut count, mut trips) = (0.0, 0.0, 0.0);
    for (node, (sum, n, trips_before)) in nodes.iter().zip(refresh_before) {
        let (sum_after, n_after, trips_after) = refresh_totals(node).await?;
        took += sum_after - sum;
        count += n_after - n;
        trips += trips_after - trips_before;
    }
    let rooms = listed_rooms(&nodes[0]).await?;
    Ok(format!(
        "refresh, {rooms} rooms in the cluster: refresh_thread_cpu={:.2}ms/s \
         redis_round_trips={:.1}/s redis_commands={:.1}/s per node refresh_mean={:.3}ms \
         redis_cpu={:.2}ms/s",
        per_node(refresh_cpu_s) * 1e3,
        per_node(trips),
        per_node(commands),
        took * 1e3 / count.max(1.0),
        redis_cpu_s * 1e3 / window,
    ))
}

/// How many public rooms of the cluster `node` lists.
async fn listed_rooms(node: &SpawnedServer) -> Result<usize, String> {
    let body = report::http_get(node.addr(), "/api/rooms").await?;
    let rooms: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    rooms
        .as_array()
        .map(Vec::len)
        .ok_or_else(|| "/api/rooms is not a list".into())
}

/// Redis's memory before and after `ROOMS_FOR_MEMORY` more rooms are listed; their creators,
/// who keep them open.
async fn memory_per_room(
    redis: &RedisProcess,
    entry: &str,
) -> Result<(String, Vec<BotClient>), String> {
    let before = redis_info(redis, "used_memory")?;
    let mut creators = Vec::with_capacity(ROOMS_FOR_MEMORY);
    for n in 0..ROOMS_FOR_MEMORY {
        let mut creator = BotClient::connect(entry, &format!("filler{n}"))
            .await
            .map_err(|e| e.to_string())?;
        creator
            .create_room(&format!("room number {n}"), 50, true)
            .await
            .map_err(|e| e.to_string())?;
        creators.push(creator);
    }
    tokio::time::sleep(SETTLE).await;
    let after = redis_info(redis, "used_memory")?;
    let line = format!(
        "redis memory: {:.0} bytes per listed room ({ROOMS_FOR_MEMORY} rooms: {before:.0} → {after:.0} bytes)",
        (after - before) / ROOMS_FOR_MEMORY as f64
    );
    Ok((line, creators))
}
