//! Replays: every match a room plays is recorded at the game boundary (the seed, and what each
//! step consumed: leaves, joins, inputs), with a digest of the world every second, so that it
//! can be re-simulated bit for bit, verified, listed and downloaded.
//!
//! Owns the replay file (`format`), the room's side of a recording (`recorder`), the writer
//! thread (`writer`), the data directory and its index (`store`, `index`), re-simulation
//! (`replayer`), the `skirmish replay` commands (`cli`) and the match routes (`http`). Must not: slow a room's tick (a
//! recording encodes in the room and writes on the writer thread, and is truncated rather than
//! waited for) or change what the game does.
//!
//! A viewer builds on [`Replayer`]: it steps the re-simulated arena one recorded tick at a
//! time, and after each step `state()` gives the `RoomState` a snapshot would carry,
//! `events()` the step's kills and `roster()` (or `roster_entries()`, as a `Joined` carries it)
//! who sits in each slot with their score.
//!
//! A match is a room's life, from tick 0 until the room stops: the arena has no rounds or time
//! limit, and a room ends only when its last person has gone (after the empty-room grace), when
//! it fails, or at shutdown.

pub mod cli;
pub mod format;
pub mod http;
pub mod index;
pub mod recorder;
pub mod replayer;
pub mod store;
pub mod stream;
pub mod track;
pub mod writer;

pub use format::{Header, MatchEnd, MatchPlayer};
pub use recorder::Recording;
pub use replayer::{verify, ReplayError, Replayer, Summary};
pub use store::{Retention, Store, StoreError};
pub use writer::ReplayWriter;
