//! What a node keeps in Redis, and the commands that read and write it.
//!
//! - `skirmish:node:{id}`: the node's [`NodeRecord`] as JSON, written every refresh with an
//!   expiry of three refreshes: a node that stops refreshing (dead, paused, cut off) drops out
//!   on its own, and a node's record is rebuilt from its live rooms each time.
//! - `skirmish:code:{CODE}`: the node id holding join code CODE, set only if absent and renewed
//!   by its holder with the same expiry: two nodes never hand out one code.
//! - `skirmish:ids:room`, `skirmish:ids:player`: counters that id blocks are leased from.
//!
//! Owns: the keys, the record's fields and the scripts. Must not: be called from anywhere but
//! the refresh thread (every call here waits on Redis).

use serde::{Deserialize, Serialize};

use crate::lobby::RoomListing;

const NODE_PREFIX: &str = "skirmish:node:";
const CODE_PREFIX: &str = "skirmish:code:";
/// SCAN's page size when reading the nodes' keys.
const SCAN_COUNT: usize = 512;

/// Takes or renews a code for a node: atomic in Redis, so of two nodes racing for one code
/// exactly one gets it.
const CLAIM_CODE: &str = "local holder = redis.call('GET', KEYS[1]) \
    if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end \
    if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end \
    return 0";
/// Deletes a key only if it still holds this node's id.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
    return redis.call('DEL', KEYS[1]) end return 0";

/// One node as every other node sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    pub id: String,
    /// Where its players connect (`ws://…/ws` or `wss://…/ws`).
    pub url: String,
    pub protocol: u16,
    /// Shutting down: listed no more, sent no one.
    pub draining: bool,
    /// People in its rooms.
    pub players: u32,
    /// Its `--max-players`: `players / max_players` is its load.
    pub max_players: u32,
    /// Its rooms, as they were at the refresh.
    pub rooms: Vec<RoomListing>,
}

pub fn node_key(id: &str) -> String {
    format!("{NODE_PREFIX}{id}")
}

pub fn code_key(code: &str) -> String {
    format!("{CODE_PREFIX}{code}")
}

/// Writes `record` to expire after `ttl_ms` unless written again.
pub fn publish(
    conn: &mut impl redis::ConnectionLike,
    record: &NodeRecord,
    ttl_ms: u64,
) -> redis::RedisResult<()> {
    let json = serde_json::to_string(record).unwrap_or_default();
    redis::cmd("SET")
        .arg(node_key(&record.id))
        .arg(json)
        .arg("PX")
        .arg(ttl_ms)
        .query(conn)
}

/// Claims or renews each of `codes` for `node` (one round trip): whether each is `node`'s now.
pub fn claim_codes(
    conn: &mut impl redis::ConnectionLike,
    node: &str,
    codes: &[String],
    ttl_ms: u64,
) -> redis::RedisResult<Vec<bool>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for code in codes {
        pipe.cmd("EVAL")
            .arg(CLAIM_CODE)
            .arg(1)
            .arg(code_key(code))
            .arg(node)
            .arg(ttl_ms);
    }
    let held: Vec<i64> = pipe.query(conn)?;
    Ok(held.into_iter().map(|h| h == 1).collect())
}

/// Deletes `node`'s record and those of `codes` still held by `node` (one round trip).
pub fn release(
    conn: &mut impl redis::ConnectionLike,
    node: &str,
    codes: &[String],
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    pipe.cmd("DEL").arg(node_key(node)).ignore();
    for code in codes {
        pipe.cmd("EVAL")
            .arg(RELEASE)
            .arg(1)
            .arg(code_key(code))
            .arg(node)
            .ignore();
    }
    pipe.query(conn)
}

/// `INCRBY key by`: the counter's new value.
pub fn lease(conn: &mut impl redis::ConnectionLike, key: &str, by: u32) -> redis::RedisResult<u32> {
    redis::cmd("INCRBY").arg(key).arg(by).query(conn)
}

/// Every live node's record (records that do not parse are skipped, with a warning).
pub fn read_nodes(conn: &mut impl redis::ConnectionLike) -> redis::RedisResult<Vec<NodeRecord>> {
    let mut keys: Vec<String> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, page): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{NODE_PREFIX}*"))
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query(conn)?;
        keys.extend(page);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query(conn)?;
    Ok(values
        .into_iter()
        .zip(&keys)
        .filter_map(|(value, key)| {
            // A key that expired between SCAN and MGET has no value.
            let value = value?;
            serde_json::from_str(&value)
                .map_err(|err| log::warn!("cluster: {key} is not a node record: {err}"))
                .ok()
        })
        .collect())
}
