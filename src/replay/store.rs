//! The data directory: replay files, the index beside them, and the retention limits.
//!
//! Owns: where files go and what they are named, filing a finished match (rename from
//! `*.partial`, then index it), and deleting the oldest matches beyond the limits. Must not:
//! run anywhere but at startup and on the writer thread (it does file and database I/O).
//!
//! Crash safety: a file is indexed only after it was synced and renamed (and the rename
//! synced), and a match is removed from the index before its file is deleted, so the index
//! never names a file that is missing or incomplete. `*.partial` files left by a crash are
//! removed at the next start.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use super::format::{Header, MatchEnd};
use super::index::{self, NewMatch};
use super::stream::MatchFeed;
use super::writer::unix_ms;
use crate::metrics::ReplayMetrics;

pub const REPLAY_EXTENSION: &str = "skr";
const PARTIAL_EXTENSION: &str = "partial";

/// How many matches, how old and how many bytes of replays the data directory keeps (0: no
/// limit on that count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub max_matches: u64,
    pub max_age: Duration,
    pub max_bytes: u64,
}

/// Why the data directory cannot be used; the message names it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("data directory {dir}: {source}")]
    Io {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("data directory {dir} is not writable: {source}")]
    NotWritable {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("match index {path}: {source}")]
    Index {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// A match whose file is complete: what the index records of it.
pub struct FinishedMatch {
    pub header: Header,
    pub public: bool,
    pub end: MatchEnd,
    pub bytes: u64,
}

pub struct Store {
    dir: PathBuf,
    db: Connection,
    retention: Retention,
    metrics: ReplayMetrics,
    /// Where filed matches are announced (`--redis-url`), if anywhere.
    feed: Option<MatchFeed>,
}

impl Store {
    /// Creates `dir` if need be, checks that files can be written in it, opens the index and
    /// removes `*.partial` files a crash left.
    pub fn open(
        dir: &Path,
        retention: Retention,
        metrics: ReplayMetrics,
    ) -> Result<Store, StoreError> {
        let io = |source| StoreError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        // Named per process: two nodes started at once in one directory must not remove each
        // other's probe.
        let probe = dir.join(format!(".write-test-{}", std::process::id()));
        std::fs::write(&probe, b"")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|source| StoreError::NotWritable {
                dir: dir.to_path_buf(),
                source,
            })?;
        let db = index::open(dir).map_err(|source| StoreError::Index {
            path: dir.join(index::DATABASE_FILE),
            source,
        })?;
        let mut removed = 0;
        for entry in std::fs::read_dir(dir).map_err(io)?.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == PARTIAL_EXTENSION)
                && std::fs::remove_file(&path).is_ok()
            {
                removed += 1;
            }
        }
        if removed > 0 {
            log::warn!("removed {removed} unfinished replays left by an earlier run");
        }
        let mut store = Store {
            dir: dir.to_path_buf(),
            db,
            retention,
            metrics,
            feed: None,
        };
        // Limits lowered since the last run, or matches aged while it was down.
        store.enforce_retention();
        Ok(store)
    }

    /// Announces every match filed from now on on `feed`.
    pub fn with_feed(mut self, feed: MatchFeed) -> Store {
        self.feed = Some(feed);
        self
    }

    /// Where the replay of the match `header` starts is written while it is recorded.
    pub fn partial_path(&self, header: &Header) -> PathBuf {
        let name = format!(
            "{}-room{}.{REPLAY_EXTENSION}.{PARTIAL_EXTENSION}",
            header.started_unix_ms, header.room_id
        );
        self.dir.join(name)
    }

    /// Files a finished match: renames its replay, indexes it, then applies the retention
    /// limits. A match nobody played in is not kept.
    pub fn file_match(&mut self, partial: &Path, finished: FinishedMatch) {
        if finished.end.players.is_empty() {
            self.discard(partial);
            self.metrics.recorded("empty");
            return;
        }
        let final_path = partial.with_extension("");
        if let Err(err) = std::fs::rename(partial, &final_path) {
            log::error!("replay {}: {err}", partial.display());
            self.discard(partial);
            self.metrics.recorded("failed");
            return;
        }
        // The rename must be on disk before the index names the file, or a power cut could
        // leave a row whose file never arrived.
        if let Err(err) = std::fs::File::open(&self.dir).and_then(|dir| dir.sync_all()) {
            log::warn!("data directory {}: {err}", self.dir.display());
        }
        let file_name = final_path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let FinishedMatch {
            header,
            public,
            end,
            bytes,
        } = &finished;
        let new = NewMatch {
            room_id: header.room_id,
            room_name: &header.room_name,
            mode: &header.mode,
            public: *public,
            started_ms: header.started_unix_ms,
            ended_ms: end.ended_unix_ms,
            ticks: end.recorded_ticks,
            tick_rate: header.tick_rate,
            truncated: end.truncated,
            players: &end.players,
            replay_file: &file_name,
            replay_bytes: *bytes,
        };
        match index::insert(&mut self.db, &new) {
            Ok(id) => {
                log::info!(
                    "match {id} of room {} filed: {} ticks, {} players, {bytes} bytes{}",
                    header.room_id,
                    end.recorded_ticks,
                    end.players.len(),
                    if end.truncated { ", truncated" } else { "" }
                );
                self.metrics.recorded(if end.truncated {
                    "truncated"
                } else {
                    "complete"
                });
                self.announce(id, *public);
            }
            Err(err) => {
                log::error!("match index: {err}; removing {file_name}");
                self.discard(&final_path);
                self.metrics.recorded("failed");
            }
        }
        self.enforce_retention();
    }

    /// Tells the feed, if any, of match `id` as the index lists it.
    fn announce(&self, id: i64, public: bool) {
        let Some(feed) = &self.feed else {
            return;
        };
        match index::get(&self.db, id) {
            Ok(Some(row)) => feed.publish(&row, public),
            Ok(None) => log::error!("match {id} is not in the index it was just added to"),
            Err(err) => log::error!("match index: {err}; match {id} not announced"),
        }
    }

    /// Removes a file that will not be indexed.
    pub fn discard(&self, path: &Path) {
        if let Err(err) = std::fs::remove_file(path) {
            log::warn!("replay {}: {err}", path.display());
        }
    }

    /// Deletes the oldest matches while any limit is exceeded, index row first.
    pub(super) fn enforce_retention(&mut self) {
        let Retention {
            max_matches,
            max_age,
            max_bytes,
        } = self.retention;
        let max_age_ms = u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX);
        loop {
            let (count, bytes) = match index::totals(&self.db) {
                Ok(totals) => totals,
                Err(err) => return log::error!("match index: {err}"),
            };
            let oldest = match index::oldest(&self.db) {
                Ok(Some(oldest)) => oldest,
                Ok(None) => return,
                Err(err) => return log::error!("match index: {err}"),
            };
            let (id, ended_ms, file) = oldest;
            let reason = if max_matches > 0 && count > max_matches {
                "count"
            } else if max_bytes > 0 && bytes > max_bytes {
                "size"
            } else if max_age_ms > 0 && unix_ms().saturating_sub(ended_ms) > max_age_ms {
                "age"
            } else {
                return;
            };
            if let Err(err) = index::delete(&self.db, id) {
                return log::error!("match index: {err}");
            }
            self.discard(&self.dir.join(&file));
            self.metrics.deleted(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::arena::Tuning;
    use crate::metrics::Metrics;
    use crate::protocol::Slot;
    use crate::protocol::{PlayerId, RoomId};
    use crate::replay::format::{MapRecord, MatchPlayer};

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("skirmish-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn finished(n: u64, ended_unix_ms: u64) -> FinishedMatch {
        FinishedMatch {
            header: Header {
                protocol_version: 3,
                simulation_revision: 2,
                build: "test".into(),
                mode: "arena".into(),
                room_id: RoomId(n as u32),
                room_name: format!("room {n}"),
                started_unix_ms: n,
                tick_rate: 30,
                seed: n,
                tuning: Tuning::default(),
                map: MapRecord {
                    width: 640,
                    height: 480,
                    walls: Vec::new(),
                    spawns: Vec::new(),
                },
            },
            public: true,
            end: MatchEnd {
                recorded_ticks: 30,
                room_ticks: 30,
                truncated: false,
                ended_unix_ms,
                players: vec![MatchPlayer {
                    slot: Slot(0),
                    player_id: PlayerId(1),
                    name: "ada".into(),
                    bot: false,
                    joined_tick: 1,
                    left_tick: None,
                    kills: 1,
                    deaths: 0,
                }],
            },
            bytes: 100,
        }
    }

    /// Writes a 100-byte partial file for match `n` and files it.
    fn file(store: &mut Store, n: u64, ended_unix_ms: u64) -> PathBuf {
        let finished = finished(n, ended_unix_ms);
        let partial = store.partial_path(&finished.header);
        std::fs::write(&partial, [0u8; 100]).expect("write the partial file");
        store.file_match(&partial, finished);
        partial.with_extension("")
    }

    fn listed(dir: &Path) -> Vec<u32> {
        let db = index::open_read(dir).expect("the index opens");
        let rows = index::list(&db, None, 0, 100).expect("the index lists");
        rows.iter().map(|row| row.room_id.get()).collect()
    }

    fn open(dir: &Path, retention: Retention) -> Store {
        open_counted(dir, retention, &Metrics::new())
    }

    fn open_counted(dir: &Path, retention: Retention, metrics: &Metrics) -> Store {
        Store::open(dir, retention, metrics.replays()).expect("the store opens")
    }

    #[test]
    fn the_oldest_matches_beyond_a_limit_go_first_index_and_file() {
        let no_limits = Retention {
            max_matches: 0,
            max_age: Duration::ZERO,
            max_bytes: 0,
        };
        let dir = scratch("count");
        let metrics = Metrics::new();
        let mut store = open_counted(
            &dir,
            Retention {
                max_matches: 2,
                ..no_limits
            },
            &metrics,
        );
        let first = file(&mut store, 1, unix_ms());
        let second = file(&mut store, 2, unix_ms() + 1);
        assert_eq!(listed(&dir), [2, 1], "newest first");
        file(&mut store, 3, unix_ms() + 2);
        assert_eq!(listed(&dir), [3, 2]);
        assert!(!first.exists() && second.exists());
        let rendered = metrics.render(&[]);
        assert!(
            rendered.contains("skirmish_replays_deleted_total{reason=\"count\"} 1"),
            "{rendered}"
        );
        assert!(rendered.contains("skirmish_replays_recorded_total{outcome=\"complete\"} 3"));
        drop(store);
        let reopened = open(
            &dir,
            Retention {
                max_matches: 1,
                ..no_limits
            },
        );
        assert_eq!(
            listed(&dir),
            [3],
            "a lowered limit applies at the next start"
        );
        assert!(!second.exists());
        drop(reopened);

        let dir = scratch("size");
        let mut store = open(
            &dir,
            Retention {
                max_bytes: 250,
                ..no_limits
            },
        );
        for n in 1..=3 {
            file(&mut store, n, unix_ms() + n);
        }
        assert_eq!(listed(&dir), [3, 2]);

        let dir = scratch("age");
        let mut store = open(
            &dir,
            Retention {
                max_age: Duration::from_secs(3600),
                ..no_limits
            },
        );
        let old = file(&mut store, 1, unix_ms() - 7_200_000);
        assert!(!old.exists());
        file(&mut store, 2, unix_ms());
        assert_eq!(listed(&dir), [2]);
    }

    #[test]
    fn partial_files_of_a_crash_are_removed_and_empty_matches_not_kept() {
        let dir = scratch("partial");
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let left = dir.join("1-room1.skr.partial");
        std::fs::write(&left, b"half").expect("write");
        let retention = Retention {
            max_matches: 0,
            max_age: Duration::ZERO,
            max_bytes: 0,
        };
        let mut store = open(&dir, retention);
        assert!(!left.exists());
        let mut empty = finished(5, unix_ms());
        empty.end.players.clear();
        let partial = store.partial_path(&empty.header);
        std::fs::write(&partial, b"x").expect("write");
        store.file_match(&partial, empty);
        assert!(!partial.exists() && !partial.with_extension("").exists());
        assert!(listed(&dir).is_empty());
    }
}
