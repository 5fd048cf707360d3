//! The index of recorded matches: an embedded SQLite database (`matches.sqlite3` in the data
//! directory) with one row per filed match and one per player of it.
//!
//! Owns: the schema and every SQL statement. Must not: run on a room thread or an actix
//! worker's hot path (the writer thread writes; HTTP handlers read inside `web::block`), or
//! hold a match whose replay file is not complete on disk (rows are added after the rename).

use crate::protocol::RoomId;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::format::MatchPlayer;

pub const DATABASE_FILE: &str = "matches.sqlite3";

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL,
    room_name TEXT NOT NULL,
    mode TEXT NOT NULL,
    public INTEGER NOT NULL,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER NOT NULL,
    ticks INTEGER NOT NULL,
    tick_rate INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    winner TEXT,
    replay_file TEXT NOT NULL,
    replay_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS matches_by_end ON matches (ended_ms);
CREATE TABLE IF NOT EXISTS match_players (
    match_id INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    slot INTEGER NOT NULL,
    player_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    bot INTEGER NOT NULL,
    kills INTEGER NOT NULL,
    deaths INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS match_players_by_name ON match_players (name);
CREATE INDEX IF NOT EXISTS match_players_by_match ON match_players (match_id);
";

/// A match as listed (`GET /api/matches`) and shown (`GET /api/matches/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchRow {
    pub id: i64,
    pub room_id: RoomId,
    pub room_name: String,
    pub mode: String,
    pub started_ms: u64,
    pub ended_ms: u64,
    pub ticks: u32,
    pub tick_rate: u16,
    pub truncated: bool,
    /// The name of the player with the most kills (fewest deaths on a tie), if anyone scored.
    pub winner: Option<String>,
    pub replay_bytes: u64,
    pub players: Vec<PlayerRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayerRow {
    pub slot: u8,
    pub name: String,
    pub bot: bool,
    pub kills: u16,
    pub deaths: u16,
}

/// A match to add: its row and the file its replay is in.
pub struct NewMatch<'a> {
    pub room_id: RoomId,
    pub room_name: &'a str,
    pub mode: &'a str,
    pub public: bool,
    pub started_ms: u64,
    pub ended_ms: u64,
    pub ticks: u32,
    pub tick_rate: u16,
    pub truncated: bool,
    pub players: &'a [MatchPlayer],
    pub replay_file: &'a str,
    pub replay_bytes: u64,
}

/// Opens (creating if need be) the index in `dir`.
pub fn open(dir: &Path) -> rusqlite::Result<Connection> {
    let db = Connection::open(dir.join(DATABASE_FILE))?;
    db.busy_timeout(std::time::Duration::from_secs(2))?;
    db.execute_batch(SCHEMA)?;
    Ok(db)
}

/// The winner: most kills, then fewest deaths, then the earliest to join; nobody without a kill.
pub fn winner(players: &[MatchPlayer]) -> Option<&MatchPlayer> {
    players
        .iter()
        .filter(|p| p.kills > 0)
        .min_by_key(|p| (std::cmp::Reverse(p.kills), p.deaths))
}

pub fn insert(db: &mut Connection, new: &NewMatch<'_>) -> rusqlite::Result<i64> {
    let tx = db.transaction()?;
    tx.execute(
        "INSERT INTO matches (room_id, room_name, mode, public, started_ms, ended_ms, ticks,
             tick_rate, truncated, winner, replay_file, replay_bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            new.room_id.get(),
            new.room_name,
            new.mode,
            new.public,
            new.started_ms as i64,
            new.ended_ms as i64,
            new.ticks,
            new.tick_rate,
            new.truncated,
            winner(new.players).map(|p| p.name.as_str()),
            new.replay_file,
            new.replay_bytes as i64,
        ],
    )?;
    let id = tx.last_insert_rowid();
    for p in new.players {
        tx.execute(
            "INSERT INTO match_players (match_id, slot, player_id, name, bot, kills, deaths)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                p.slot.get(),
                p.player_id.get(),
                p.name,
                p.bot,
                p.kills,
                p.deaths
            ],
        )?;
    }
    tx.commit()?;
    Ok(id)
}

/// The number of matches and the bytes of their replays.
pub fn totals(db: &Connection) -> rusqlite::Result<(u64, u64)> {
    db.query_row(
        "SELECT COUNT(*), COALESCE(SUM(replay_bytes), 0) FROM matches",
        [],
        |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
    )
}

/// The oldest match (by end): its id, end and replay file.
pub fn oldest(db: &Connection) -> rusqlite::Result<Option<(i64, u64, String)>> {
    db.query_row(
        "SELECT id, ended_ms, replay_file FROM matches ORDER BY ended_ms, id LIMIT 1",
        [],
        |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64, row.get(2)?)),
    )
    .optional()
}

pub fn delete(db: &Connection, id: i64) -> rusqlite::Result<()> {
    db.execute("DELETE FROM matches WHERE id = ?1", [id])
        .map(drop)
}

/// Public matches, newest first, `per_page` from `page` (0-based), of `player` if given.
pub fn list(
    db: &Connection,
    player: Option<&str>,
    page: u32,
    per_page: u32,
) -> rusqlite::Result<Vec<MatchRow>> {
    let mut query = db.prepare_cached(
        "SELECT id FROM matches
         WHERE public AND (?1 IS NULL
             OR id IN (SELECT match_id FROM match_players WHERE name = ?1))
         ORDER BY ended_ms DESC, id DESC LIMIT ?2 OFFSET ?3",
    )?;
    let offset = i64::from(page) * i64::from(per_page);
    let ids = query
        .query_map(params![player, per_page, offset], |row| {
            row.get::<_, i64>(0)
        })?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.extend(get(db, id)?);
    }
    Ok(rows)
}

/// The public match `id`, with its players in slot order.
pub fn get(db: &Connection, id: i64) -> rusqlite::Result<Option<MatchRow>> {
    let row = db
        .query_row(
            "SELECT id, room_id, room_name, mode, started_ms, ended_ms, ticks, tick_rate,
                 truncated, winner, replay_bytes
             FROM matches WHERE id = ?1 AND public",
            [id],
            |row| {
                Ok(MatchRow {
                    id: row.get(0)?,
                    room_id: RoomId(row.get(1)?),
                    room_name: row.get(2)?,
                    mode: row.get(3)?,
                    started_ms: row.get::<_, i64>(4)? as u64,
                    ended_ms: row.get::<_, i64>(5)? as u64,
                    ticks: row.get(6)?,
                    tick_rate: row.get(7)?,
                    truncated: row.get(8)?,
                    winner: row.get(9)?,
                    replay_bytes: row.get::<_, i64>(10)? as u64,
                    players: Vec::new(),
                })
            },
        )
        .optional()?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    let mut players = db.prepare_cached(
        "SELECT slot, name, bot, kills, deaths FROM match_players
         WHERE match_id = ?1 ORDER BY slot, rowid",
    )?;
    row.players = players
        .query_map([id], |p| {
            Ok(PlayerRow {
                slot: p.get(0)?,
                name: p.get(1)?,
                bot: p.get(2)?,
                kills: p.get(3)?,
                deaths: p.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(row))
}

/// The replay file of the public match `id`.
pub fn replay_file(db: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    db.query_row(
        "SELECT replay_file FROM matches WHERE id = ?1 AND public",
        [id],
        |row| row.get(0),
    )
    .optional()
}

/// Opens the index in `dir` for reading only (the HTTP handlers' connections).
pub fn open_read(dir: &Path) -> rusqlite::Result<Connection> {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(dir.join(DATABASE_FILE), flags)?;
    db.busy_timeout(std::time::Duration::from_secs(2))?;
    Ok(db)
}
