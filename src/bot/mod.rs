//! The Rust bot client: everything a program needs to play Skirmish over its WebSocket
//! protocol, for the bundled bot binary, the load tool and the end-to-end tests.
//!
//! - [`GameClient`] (in `client`) owns one connection playing one game (`BotClient` is the
//!   arena's): handshake, lobby requests that return their answers as values, inputs with their
//!   sequence numbers, pings, and a [`RoomView`] kept up to date from every message it receives.
//! - [`RoomView`] (in `state`) is that tracked state on its own, pure and testable: the room,
//!   the roster with its scores, the latest state, for the arena positions in world units.
//! - Each game's brain (`crate::game::Brain`, e.g. `game::arena::ArenaBrain`) decides what a
//!   bundled bot does with that state (pure, seeded).
//! - [`lean::LeanBot`] is the same protocol for thousands of bots in one process (the load
//!   tool): minimal framing of its own (`frames`), snapshots read by offset, no allocation
//!   per message.
//!
//! This module speaks the protocol only through `crate::protocol` and knows nothing about the
//! server's internals. It never panics on what the server sends: every surprise is a
//! [`BotError`].

mod client;
mod error;
pub mod frames;
pub mod lean;
mod state;

pub use client::{BotClient, GameClient, Welcome, DEFAULT_TIMEOUT};
pub use error::BotError;
pub use state::{decode_setup, JoinedRoom, RoomView, ViewError};
