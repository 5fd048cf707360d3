//! Telling other services about finished matches: with `--redis-url`, each filed match's
//! summary is added to the Redis stream `skirmish:matches` (capped near `STREAM_MAX_LEN`
//! entries), which any backend reads with `XREAD` or a consumer group (`XREADGROUP`).
//!
//! Owns: the publisher thread, its bounded queue and its Redis connection. Must not: make
//! anyone wait: the writer thread hands an entry over without blocking, a full queue drops it
//! (counted), and while Redis is unreachable the thread retries once a second, the entries
//! waiting in the queue meanwhile. Without Redis the SQLite index is the record.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::Duration;

use serde_json::json;

use super::index::MatchRow;
use crate::metrics::ReplayMetrics;

/// The stream's key.
pub const STREAM_KEY: &str = "skirmish:matches";
/// About how many entries the stream keeps (`XADD … MAXLEN ~`): the oldest go first.
pub const STREAM_MAX_LEN: u32 = 10_000;
/// Summaries waiting for Redis: minutes of matches on a busy server.
const QUEUE: usize = 1024;
/// The longest a connect, a write or a read may take.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the thread waits before trying an unreachable Redis again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// One stream entry: the match's fields, each a string (`players` as JSON).
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    id: i64,
    fields: Vec<(&'static str, String)>,
}

impl Entry {
    fn of(row: &MatchRow, public: bool) -> Entry {
        let players: Vec<_> = row
            .players
            .iter()
            .map(|p| json!({"name": p.name, "bot": p.bot, "kills": p.kills, "deaths": p.deaths}))
            .collect();
        let fields = vec![
            ("id", row.id.to_string()),
            ("room_id", row.room_id.to_string()),
            ("room_name", row.room_name.clone()),
            ("mode", row.mode.clone()),
            ("public", public.to_string()),
            ("started_ms", row.started_ms.to_string()),
            ("ended_ms", row.ended_ms.to_string()),
            ("ticks", row.ticks.to_string()),
            ("tick_rate", row.tick_rate.to_string()),
            ("truncated", row.truncated.to_string()),
            ("winner", row.winner.clone().unwrap_or_default()),
            ("players", serde_json::Value::from(players).to_string()),
            ("replay", format!("/api/matches/{}/replay", row.id)),
        ];
        Entry { id: row.id, fields }
    }
}

/// The sending end: cheap to hold, never blocks.
pub struct MatchFeed {
    queue: SyncSender<Entry>,
    metrics: ReplayMetrics,
}

/// Whether `url` is a Redis URL (`redis://`, `rediss://` or `redis+unix://`); the error says
/// what is wrong with it, without echoing it (it may hold a password).
pub fn check_url(url: &str) -> Result<(), String> {
    client(url).map(drop)
}

fn client(url: &str) -> Result<redis::Client, String> {
    redis::Client::open(url).map_err(|err| format!("--redis-url is not a Redis URL ({err})"))
}

impl MatchFeed {
    /// Starts the publisher for the Redis at `url`. Fails only on a URL that is not one; a
    /// Redis that does not answer is retried for as long as the server runs.
    pub fn start(url: &str, metrics: ReplayMetrics) -> Result<MatchFeed, String> {
        let client = client(url)?;
        let (queue, entries) = mpsc::sync_channel(QUEUE);
        let publisher = metrics.clone();
        std::thread::Builder::new()
            .name("skirmish-match-feed".into())
            .spawn(move || publish_all(&client, &entries, &publisher))
            .map_err(|err| format!("cannot start the match feed: {err}"))?;
        Ok(MatchFeed { queue, metrics })
    }

    /// Queues match `row`'s entry (`public`: whether its room was listed).
    pub fn publish(&self, row: &MatchRow, public: bool) {
        match self.queue.try_send(Entry::of(row, public)) {
            Ok(()) => {}
            Err(TrySendError::Full(entry)) => {
                log::warn!("match feed: queue full, match {} not published", entry.id);
                self.metrics.streamed("dropped");
            }
            // The thread ends only with the process.
            Err(TrySendError::Disconnected(_)) => self.metrics.streamed("dropped"),
        }
    }
}

/// The publisher thread: each entry is added once Redis takes it, in order.
fn publish_all(client: &redis::Client, entries: &Receiver<Entry>, metrics: &ReplayMetrics) {
    let mut connection: Option<redis::Connection> = None;
    for entry in entries {
        loop {
            let added = connection
                .take()
                .map_or_else(|| connect(client), Ok)
                .and_then(|mut open| add(&mut open, &entry).map(|()| open));
            match added {
                Ok(open) => {
                    connection = Some(open);
                    metrics.streamed("published");
                    break;
                }
                Err(err) if unreachable(&err) => {
                    log::warn!("match feed: {err}; trying again in {RETRY_AFTER:?}");
                    metrics.streamed("failed");
                    std::thread::sleep(RETRY_AFTER);
                }
                Err(err) => {
                    log::error!("match feed: Redis refused match {}: {err}", entry.id);
                    metrics.streamed("rejected");
                    break;
                }
            }
        }
    }
}

/// Whether Redis could not be reached (then the same entry is tried again), as opposed to
/// Redis refusing the command (e.g. the key holds something else than a stream).
fn unreachable(err: &redis::RedisError) -> bool {
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
}

fn connect(client: &redis::Client) -> redis::RedisResult<redis::Connection> {
    let connection = client.get_connection_with_timeout(REDIS_TIMEOUT)?;
    connection.set_read_timeout(Some(REDIS_TIMEOUT))?;
    connection.set_write_timeout(Some(REDIS_TIMEOUT))?;
    Ok(connection)
}

fn add(connection: &mut redis::Connection, entry: &Entry) -> redis::RedisResult<()> {
    let mut command = redis::cmd("XADD");
    command
        .arg(STREAM_KEY)
        .arg("MAXLEN")
        .arg("~")
        .arg(STREAM_MAX_LEN)
        .arg("*");
    for (field, value) in &entry.fields {
        command.arg(*field).arg(value);
    }
    command.query::<String>(connection).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RoomId;
    use crate::replay::index::PlayerRow;

    #[test]
    fn urls_are_checked_without_echoing_them() {
        assert_eq!(check_url("redis://127.0.0.1:6379"), Ok(()));
        assert_eq!(check_url("redis://:s3cret@127.0.0.1:6379/2"), Ok(()));
        for bad in ["http://user:s3cret@example.com", "s3cret", ""] {
            let err = check_url(bad).unwrap_err();
            assert!(err.starts_with("--redis-url"), "{err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn a_match_is_one_stream_entry_of_named_fields() {
        let row = MatchRow {
            id: 12,
            room_id: RoomId(3),
            room_name: "duel".into(),
            mode: "arena".into(),
            started_ms: 1_000,
            ended_ms: 61_000,
            ticks: 1_800,
            tick_rate: 30,
            truncated: false,
            winner: Some("ada".into()),
            replay_bytes: 900,
            players: vec![PlayerRow {
                slot: 0,
                name: "ada".into(),
                bot: false,
                kills: 3,
                deaths: 1,
            }],
        };
        let entry = Entry::of(&row, true);
        let value = |name: &str| {
            entry
                .fields
                .iter()
                .find(|(field, _)| *field == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(value("id"), Some("12"));
        assert_eq!(value("public"), Some("true"));
        assert_eq!(value("winner"), Some("ada"));
        assert_eq!(value("replay"), Some("/api/matches/12/replay"));
        let players: serde_json::Value = serde_json::from_str(value("players").unwrap()).unwrap();
        assert_eq!(
            players,
            json!([{"name": "ada", "bot": false, "kills": 3, "deaths": 1}])
        );
    }
}
