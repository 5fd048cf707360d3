//! The cluster: with `--redis-url`, the nodes sharing one Redis list each other's rooms, send
//! players to the node that runs their room (`ServerMsg::Redirect` with a signed ticket), and
//! place new rooms on the least-loaded node. Rooms stay on the node that made them.
//!
//! Each node refreshes its own expiring entry and reads everyone's into a cache on a thread of
//! its own (`refresh`); sessions and routes read only that cache, so Redis is never waited on
//! by a room, a tick or a request. Without Redis (or while it is away) a node lists and serves
//! its own rooms and reports itself degraded.
//!
//! Owns: this node's id and address, the cache of the other nodes, placement, tickets and the
//! cluster's health. Must not: call Redis outside the refresh thread, or hold room handles.

mod ids;
mod record;
mod refresh;
mod tickets;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts};
use rand::seq::IndexedRandom;
use rand::Rng;
use serde::Serialize;

pub use ids::{ClusterIds, IdKind, CODE_POOL, ID_BLOCK};
pub use record::{claim_codes, code_key, node_key, read_nodes, NodeRecord};
pub use tickets::{Refusal, Tickets, TICKET_LIFETIME};

use crate::lobby::{Elsewhere, HereRooms, Listed, NodeRef};
use crate::protocol::{Intent, Ticket};

/// Nodes within this much load of the least loaded are equals: a new room goes to one of them
/// at random, so that nodes refreshed at the same moment do not all pick the same one.
const NEAR_EQUAL_LOAD: f64 = 0.01;
/// An entry lives this many refreshes unless renewed.
const TTL_REFRESHES: u32 = 3;

/// A node as this node last saw it, for the monitor and `/api/stats`.
#[derive(Debug, Clone, Serialize)]
pub struct NodeSeen {
    pub id: String,
    pub url: String,
    pub players: u32,
    pub max_players: u32,
    pub rooms: usize,
    pub draining: bool,
    /// This node itself.
    pub here: bool,
}

/// The other nodes as last read.
#[derive(Default)]
struct View {
    nodes: Vec<(Arc<NodeRef>, NodeRecord)>,
    rooms: Arc<Vec<Listed>>,
    read_at: Option<Instant>,
    /// Players this node has placed on each other node since the read (by node id): counted
    /// into that node's load, so that a burst of new rooms between two reads does not all go
    /// to the node that was least loaded at the read. The next read has them in its counts.
    placed: HashMap<String, u32>,
}

impl View {
    /// Whether this read is recent enough to trust: one older than an entry's lifetime (`ttl`)
    /// may list nodes that are gone, so it is not used at all.
    fn fresh(&self, ttl: Duration) -> bool {
        self.read_at.is_some_and(|at| at.elapsed() < ttl)
    }
}

/// Whether the last refresh worked, for operators.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Health {
    /// Redis was not reached (or refused) at the last refresh, or never yet.
    pub degraded: bool,
    /// What went wrong last, while degraded.
    pub problem: Option<String>,
    /// How long the last refresh took, in milliseconds.
    pub refresh_ms: f64,
    /// Milliseconds since the other nodes were last read (`None`: never).
    pub age_ms: Option<f64>,
}

/// The cluster's counters, on the server's registry.
struct ClusterMetrics {
    nodes: IntGauge,
    degraded: IntGauge,
    redirects: IntCounter,
    tickets: IntCounterVec,
    refresh_seconds: Histogram,
    round_trips: IntCounter,
    age_seconds: prometheus::Gauge,
}

impl ClusterMetrics {
    fn new(registry: &prometheus::Registry) -> ClusterMetrics {
        use crate::metrics::register;
        let gauge = |name: &str, help: &str| {
            register(registry, IntGauge::new(name, help).expect("valid metric"))
        };
        ClusterMetrics {
            nodes: gauge(
                "skirmish_cluster_nodes",
                "Nodes in the directory, this one included.",
            ),
            degraded: gauge(
                "skirmish_cluster_degraded",
                "1 while Redis is unreachable: this node lists its own rooms only.",
            ),
            redirects: register(
                registry,
                IntCounter::new(
                    "skirmish_cluster_redirects_total",
                    "Players sent to another node with a ticket.",
                )
                .expect("valid metric"),
            ),
            tickets: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "skirmish_cluster_tickets_total",
                        "Tickets given to this node, by outcome (accepted, or why refused).",
                    ),
                    &["outcome"],
                )
                .expect("valid metric"),
            ),
            refresh_seconds: register(
                registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "skirmish_cluster_refresh_seconds",
                        "Time one refresh of this node's entry and of the directory took.",
                    )
                    .buckets(vec![
                        0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 0.5, 2.0,
                    ]),
                )
                .expect("valid metric"),
            ),
            round_trips: register(
                registry,
                IntCounter::new(
                    "skirmish_cluster_redis_round_trips_total",
                    "Requests to Redis answered or failed (a pipeline of commands is one).",
                )
                .expect("valid metric"),
            ),
            age_seconds: register(
                registry,
                prometheus::Gauge::new(
                    "skirmish_cluster_directory_age_seconds",
                    "Seconds since the other nodes were last read.",
                )
                .expect("valid metric"),
            ),
        }
    }
}

/// This node's part in the cluster.
pub struct Cluster {
    node_id: String,
    url: OnceLock<String>,
    max_players: u32,
    refresh: Duration,
    ids: Arc<ClusterIds>,
    tickets: Tickets,
    view: RwLock<View>,
    health: Mutex<Health>,
    draining: AtomicBool,
    metrics: ClusterMetrics,
    leave: Mutex<Option<std::sync::mpsc::Sender<std::sync::mpsc::Sender<()>>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Cluster {
    /// A node with a fresh id; nothing is sent to Redis before `start`.
    pub fn new(
        secret: &str,
        max_players: u32,
        refresh: Duration,
        registry: &prometheus::Registry,
    ) -> Cluster {
        let node_id = format!("{:016x}", rand::rng().random::<u64>());
        let metrics = ClusterMetrics::new(registry);
        metrics.degraded.set(1);
        Cluster {
            tickets: Tickets::new(node_id.clone(), secret.as_bytes().to_vec()),
            node_id,
            url: OnceLock::new(),
            max_players: max_players.max(1),
            refresh,
            ids: Arc::default(),
            view: RwLock::default(),
            health: Mutex::new(Health {
                degraded: true,
                problem: Some("not started".into()),
                ..Health::default()
            }),
            draining: AtomicBool::new(false),
            metrics,
            leave: Mutex::new(None),
        }
    }

    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    pub fn ids(&self) -> Arc<ClusterIds> {
        self.ids.clone()
    }

    /// How long an entry lives unless renewed.
    fn ttl(&self) -> Duration {
        self.refresh * TTL_REFRESHES
    }

    /// Starts refreshing this node (reachable at `url`) and reading the others, on a thread of
    /// its own; the first refresh is done before this returns (bounded by Redis's time-outs),
    /// so that a node that can reach Redis starts with ids leased and the directory read.
    pub fn start(
        self: &Arc<Self>,
        redis_url: &str,
        url: String,
        here: Arc<HereRooms>,
    ) -> Result<(), String> {
        let client = redis::Client::open(redis_url)
            .map_err(|err| format!("--redis-url is not a Redis URL ({err})"))?;
        let _ = self.url.set(url);
        let (leave, requests) = std::sync::mpsc::channel();
        *lock(&self.leave) = Some(leave);
        let mut refresher = refresh::Refresher::new(self.clone(), here, client);
        refresher.round();
        std::thread::Builder::new()
            .name("skirmish-cluster".into())
            .spawn(move || refresher.run(&requests))
            .map_err(|err| format!("cannot start the cluster's refresh: {err}"))?;
        Ok(())
    }

    /// From now on this node is listed as draining: no one is sent here.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Deletes this node's entry and codes from Redis now (waiting at most `within`), and
    /// stops refreshing.
    pub fn leave(&self, within: Duration) {
        let Some(leave) = lock(&self.leave).take() else {
            return;
        };
        let (done, finished) = std::sync::mpsc::channel();
        if leave.send(done).is_ok() {
            let _ = finished.recv_timeout(within);
        }
    }

    pub fn health(&self) -> Health {
        let mut health = lock(&self.health).clone();
        health.age_ms = self.read_at().map(|at| at.elapsed().as_secs_f64() * 1e3);
        health
    }

    fn read_at(&self) -> Option<Instant> {
        self.view.read().map_or(None, |view| view.read_at)
    }

    /// Sets the gauges that are read off the cache, before `/metrics` renders.
    pub fn update_gauges(&self) {
        let age = self.read_at().map_or(0.0, |at| at.elapsed().as_secs_f64());
        self.metrics.age_seconds.set(age);
    }

    /// Every node seen (this one first), for operators.
    pub fn nodes(&self, here: &HereRooms) -> Vec<NodeSeen> {
        let record = self.record(here);
        let mut seen = vec![NodeSeen {
            id: record.id,
            url: record.url,
            players: record.players,
            max_players: record.max_players,
            rooms: record.rooms.len(),
            draining: record.draining,
            here: true,
        }];
        if let Some(view) = self.fresh_view() {
            seen.extend(view.nodes.iter().map(|(_, r)| NodeSeen {
                id: r.id.clone(),
                url: r.url.clone(),
                players: r.players,
                max_players: r.max_players,
                rooms: r.rooms.len(),
                draining: r.draining,
                here: false,
            }));
        }
        seen
    }

    /// The last read of the other nodes, if it is recent enough to trust (`View::fresh`).
    fn fresh_view(&self) -> Option<RwLockReadGuard<'_, View>> {
        self.view.read().ok().filter(|view| view.fresh(self.ttl()))
    }

    /// This node's entry, from its rooms as they are now.
    fn record(&self, here: &HereRooms) -> NodeRecord {
        let rooms = here.listings();
        NodeRecord {
            id: self.node_id.clone(),
            url: self.url.get().cloned().unwrap_or_default(),
            protocol: crate::protocol::PROTOCOL_VERSION,
            draining: self.draining.load(Ordering::Relaxed),
            players: rooms.iter().map(|r| u32::from(r.players)).sum(),
            max_players: self.max_players,
            rooms,
        }
    }

    /// Where a new room goes: `None` for this node, or the other node to send the player to.
    /// The least loaded node (people in rooms / its --max-players), at random among those
    /// within `NEAR_EQUAL_LOAD` of it; draining nodes never.
    pub fn place(&self, here: &HereRooms) -> Option<Arc<NodeRef>> {
        let load = |players: u32, max: u32| f64::from(players) / f64::from(max.max(1));
        let own = self.record(here);
        let mut candidates: Vec<(Option<Arc<NodeRef>>, f64)> = Vec::new();
        if !own.draining {
            candidates.push((None, load(own.players, own.max_players)));
        }
        // Written to: the node chosen is counted in `placed`.
        let ttl = self.ttl();
        let mut view = self.view.write().ok().filter(|view| view.fresh(ttl));
        if let Some(view) = &view {
            candidates.extend(
                view.nodes
                    .iter()
                    .filter(|(_, r)| !r.draining)
                    .map(|(node, r)| {
                        let players = r.players + view.placed.get(&node.id).copied().unwrap_or(0);
                        (Some(node.clone()), load(players, r.max_players))
                    }),
            );
        }
        let least = candidates
            .iter()
            .map(|(_, l)| *l)
            .fold(f64::INFINITY, f64::min);
        let equals: Vec<_> = candidates
            .into_iter()
            .filter(|(_, l)| *l <= least + NEAR_EQUAL_LOAD)
            .collect();
        let chosen = equals
            .choose(&mut rand::rng())
            .and_then(|(node, _)| node.clone());
        if let (Some(node), Some(view)) = (&chosen, &mut view) {
            *view.placed.entry(node.id.clone()).or_default() += 1;
        }
        chosen
    }

    /// A ticket for `name` to do `intent` on `node`, counted as a redirect.
    pub fn ticket_for(&self, node: &NodeRef, intent: Intent, name: &str) -> String {
        self.metrics.redirects.inc();
        self.tickets.issue(&node.id, intent, name)
    }

    /// The ticket in `text`, if it is good on this node now (once).
    pub fn accept_ticket(&self, text: &str) -> Result<Ticket, Refusal> {
        let outcome = self.tickets.accept(text);
        let label = outcome.as_ref().map_or_else(|r| r.label(), |_| "accepted");
        self.metrics.tickets.with_label_values(&[label]).inc();
        outcome
    }

    /// The live node whose id starts a session token (`node.rest`), if it is another one.
    pub fn node_of_token(&self, token: &str) -> Option<Arc<NodeRef>> {
        let (node, _) = token.split_once('.')?;
        if node == self.node_id {
            return None;
        }
        self.fresh_view()?
            .nodes
            .iter()
            .find(|(n, _)| n.id == node)
            .map(|(n, _)| n.clone())
    }
}

impl Elsewhere for Cluster {
    fn rooms(&self) -> Arc<Vec<Listed>> {
        self.fresh_view()
            .map_or_else(Arc::default, |view| view.rooms.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, players: u32, draining: bool) -> NodeRecord {
        NodeRecord {
            id: id.into(),
            url: format!("ws://{id}/ws"),
            protocol: crate::protocol::PROTOCOL_VERSION,
            draining,
            players,
            max_players: 100,
            rooms: Vec::new(),
        }
    }

    /// A node that has read nothing yet, refreshing once a second.
    fn new_node() -> Cluster {
        let registry = prometheus::Registry::new();
        Cluster::new(
            "a test secret, long",
            100,
            Duration::from_secs(1),
            &registry,
        )
    }

    /// A cluster node that has just read `others`, and is itself draining, so that every room
    /// it places goes to one of them.
    fn draining_node_seeing(others: Vec<NodeRecord>) -> Cluster {
        let cluster = new_node();
        cluster.drain();
        refresh::store(&cluster, others);
        cluster
    }

    fn place_many(cluster: &Cluster, count: usize) -> Vec<String> {
        let here = HereRooms::default();
        (0..count)
            .map(|_| cluster.place(&here).map_or("here".into(), |n| n.id.clone()))
            .collect()
    }

    #[test]
    fn a_burst_of_new_rooms_fills_the_least_loaded_node_up_to_the_others_then_spreads() {
        let cluster = draining_node_seeing(vec![node("a", 0, false), node("b", 10, false)]);
        // Loads within one player (NEAR_EQUAL_LOAD of 100) of each other are equals.
        let placed = place_many(&cluster, 8);
        assert_eq!(
            placed, ["a"; 8],
            "a is the least loaded until it nears b's 10"
        );
        let placed = place_many(&cluster, 40);
        let to = |id: &str| placed.iter().filter(|p| *p == id).count();
        assert_eq!(to("a") + to("b"), 40, "{placed:?}");
        let (a, b) = (8 + to("a"), 10 + to("b"));
        assert!(a.abs_diff(b) <= 2, "loads drift apart: a {a}, b {b}");
    }

    #[test]
    fn draining_nodes_get_no_one_and_a_new_read_replaces_the_counts() {
        let cluster = draining_node_seeing(vec![node("a", 0, false), node("b", 0, true)]);
        assert_eq!(place_many(&cluster, 10), ["a"; 10]);
        assert_eq!(
            cluster.place(&HereRooms::default()).map(|n| n.id.clone()),
            Some("a".into())
        );
        // The next read carries the nodes' own counts; this node's tally of 11 on a is gone
        // with the read it corrected (with it, a would count 11 and c be chosen).
        refresh::store(&cluster, vec![node("a", 0, false), node("c", 5, false)]);
        assert_eq!(place_many(&cluster, 1), ["a"]);
    }

    #[test]
    fn with_nothing_read_every_room_is_made_here() {
        assert_eq!(place_many(&new_node(), 3), ["here"; 3]);
    }
}
