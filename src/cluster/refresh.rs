//! The refresh thread: once per `--cluster-refresh-ms` it writes this node's entry (rebuilt
//! from its live rooms), renews its join codes and tops up its pool of codes and its id
//! blocks, then reads every node's entry into the cache that the directory reads. On SIGTERM
//! it deletes this node's keys.
//!
//! Owns: the Redis connection of the cluster and every wait on it. Must not: be waited on by
//! anyone: sessions read the cache it leaves, and a Redis that hangs costs this thread its
//! time-outs and nothing else.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

use super::ids::{IdKind, CODE_POOL, ID_BLOCK};
use super::record::{self, NodeRecord};
use super::{lock, Cluster, View};
use crate::lobby::{HereRooms, Listed, NodeRef, CODE_ALPHABET, CODE_LENGTH};

/// The longest a connect, a write or a read may take: well under a refresh's lifetime.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

pub(super) struct Refresher {
    cluster: Arc<Cluster>,
    here: Arc<HereRooms>,
    client: redis::Client,
    connection: Option<redis::Connection>,
    /// The last problem logged, so that a Redis that stays away is logged once.
    logged: Option<String>,
    /// The codes held after the last refresh: released on leaving even if their rooms have
    /// closed since.
    held: Vec<String>,
}

impl Refresher {
    pub(super) fn new(cluster: Arc<Cluster>, here: Arc<HereRooms>, client: redis::Client) -> Self {
        Refresher {
            cluster,
            here,
            client,
            connection: None,
            logged: None,
            held: Vec::new(),
        }
    }

    /// Refreshes every period until told to leave (or the server is gone).
    pub(super) fn run(mut self, leave: &Receiver<Sender<()>>) {
        loop {
            let started = Instant::now();
            let wait = self.cluster.refresh.saturating_sub(started.elapsed());
            match leave.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => self.round(),
                Ok(done) => {
                    self.release();
                    let _ = done.send(());
                    return;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// One refresh; failures leave the node degraded until one works again.
    pub(super) fn round(&mut self) {
        let started = Instant::now();
        let outcome = self.try_round();
        let took = started.elapsed();
        let cluster = &self.cluster;
        cluster.metrics.refresh_seconds.observe(took.as_secs_f64());
        let mut health = lock(&cluster.health);
        health.refresh_ms = took.as_secs_f64() * 1e3;
        match outcome {
            Ok(nodes) => {
                if self.logged.take().is_some() {
                    log::info!("cluster: Redis is back; {nodes} nodes in the directory");
                }
                health.degraded = false;
                health.problem = None;
                cluster.metrics.degraded.set(0);
                cluster.metrics.nodes.set(nodes as i64);
            }
            Err(err) => {
                self.connection = None;
                let problem = format!("Redis: {err}");
                if self.logged.as_ref() != Some(&problem) {
                    log::warn!("cluster: {problem}; serving this node's rooms only, retrying");
                    self.logged = Some(problem.clone());
                }
                health.degraded = true;
                health.problem = Some(problem);
                cluster.metrics.degraded.set(1);
            }
        }
    }

    /// The connection to Redis (opened if need be), counting its round trips.
    fn connection(&mut self) -> redis::RedisResult<Counted<'_>> {
        if self.connection.is_none() {
            let connection = self.client.get_connection_with_timeout(REDIS_TIMEOUT)?;
            connection.set_read_timeout(Some(REDIS_TIMEOUT))?;
            connection.set_write_timeout(Some(REDIS_TIMEOUT))?;
            self.connection = Some(connection);
        }
        let conn = self
            .connection
            .as_mut()
            .ok_or_else(|| redis::RedisError::from((redis::ErrorKind::Io, "no connection")))?;
        Ok(Counted {
            conn,
            trips: &self.cluster.metrics.round_trips,
        })
    }

    /// Writes, renews, leases and reads; the number of nodes seen.
    fn try_round(&mut self) -> redis::RedisResult<usize> {
        let cluster = self.cluster.clone();
        let ttl_ms = u64::try_from(cluster.ttl().as_millis()).unwrap_or(u64::MAX);
        let record = cluster.record(&self.here);
        let rooms = self.here.codes();
        let pooled = cluster.ids.pooled_codes();
        let fresh = fresh_codes(CODE_POOL.saturating_sub(pooled.len()));
        let node = cluster.node_id.clone();
        let here = self.here.clone();
        let conn = &mut self.connection()?;
        record::publish(conn, &record, ttl_ms)?;
        let codes: Vec<String> = rooms.iter().chain(&pooled).chain(&fresh).cloned().collect();
        let held = record::claim_codes(conn, &node, &codes, ttl_ms)?;
        let now_held: Vec<String> = codes
            .iter()
            .zip(&held)
            .filter(|(_, held)| **held)
            .map(|(code, _)| code.clone())
            .collect();
        for (code, _) in codes
            .iter()
            .zip(&held)
            .take(rooms.len())
            .filter(|(_, h)| !**h)
        {
            log::warn!("cluster: join code {code} of a room here is held by another node");
        }
        let pool = codes
            .into_iter()
            .zip(held)
            .skip(rooms.len())
            .filter_map(|(code, held)| held.then_some(code))
            // A pooled code may have gone to a room between reading the pool and now.
            .filter(|code| here.by_code(code).is_none());
        cluster.ids.set_pool(pool.take(CODE_POOL).collect());
        for kind in IdKind::ALL {
            if cluster.ids.wants_block(kind) {
                let end = record::lease(conn, kind.key(), ID_BLOCK)?;
                cluster.ids.add_block(kind, end);
            }
        }
        let records = record::read_nodes(conn)?;
        let seen = records.len();
        store(&cluster, records);
        self.held = now_held;
        Ok(seen.max(1))
    }

    /// Deletes this node's keys, once its players have been told it is shutting down.
    fn release(&mut self) {
        let node = self.cluster.node_id.clone();
        let mut codes = std::mem::take(&mut self.held);
        codes.extend(self.here.codes());
        codes.extend(self.cluster.ids.pooled_codes());
        codes.sort();
        codes.dedup();
        let released = self
            .connection()
            .and_then(|mut conn| record::release(&mut conn, &node, &codes));
        match released {
            Ok(()) => log::info!("cluster: node {node} left the directory"),
            Err(err) => log::warn!("cluster: could not leave the directory ({err}); it expires"),
        }
    }
}

/// The refresh's connection, counting its round trips (a pipeline is one) for the metric.
struct Counted<'a> {
    conn: &'a mut redis::Connection,
    trips: &'a prometheus::IntCounter,
}

impl redis::ConnectionLike for Counted<'_> {
    fn req_packed_command(&mut self, cmd: &[u8]) -> redis::RedisResult<redis::Value> {
        self.trips.inc();
        self.conn.req_packed_command(cmd)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> redis::RedisResult<Vec<redis::Value>> {
        self.trips.inc();
        self.conn.req_packed_commands(cmd, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }

    fn check_connection(&mut self) -> bool {
        self.conn.check_connection()
    }

    fn is_open(&self) -> bool {
        self.conn.is_open()
    }
}

fn fresh_codes(count: usize) -> Vec<String> {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| {
            (0..CODE_LENGTH)
                .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
                .collect()
        })
        .collect()
}

/// Replaces the cache with the other nodes of `records` that speak this protocol.
pub(super) fn store(cluster: &Cluster, records: Vec<NodeRecord>) {
    let protocol = crate::protocol::PROTOCOL_VERSION;
    let mut nodes = Vec::new();
    let mut rooms = Vec::new();
    for record in records {
        if record.id == cluster.node_id {
            continue;
        }
        if record.protocol != protocol {
            log::debug!(
                "cluster: node {} speaks protocol {}",
                record.id,
                record.protocol
            );
            continue;
        }
        let node = Arc::new(NodeRef {
            id: record.id.clone(),
            url: record.url.clone(),
        });
        if !record.draining {
            rooms.extend(record.rooms.iter().map(|room| Listed {
                room: room.clone(),
                node: Some(node.clone()),
            }));
        }
        nodes.push((node, record));
    }
    nodes.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    if let Ok(mut view) = cluster.view.write() {
        *view = View {
            nodes,
            rooms: Arc::new(rooms),
            read_at: Some(Instant::now()),
            placed: HashMap::new(),
        };
    }
}
