//! Skirmish: a multiplayer game server with actor-based rooms, a bundled browser game and
//! first-class bots.
//!
//! ```text
//!  browser / bot ──binary WebSocket frames──▶ session (one actor per connection)
//!                                              │ decode + check (protocol)
//!            lobby (RoomDirectory) ◀── lookup ─┤
//!                                              ▼ Join / ChatLine / Leave; inputs via MemberLink
//!                                             room (one actor per room, fixed tick)
//!                                              │ one input per player per step → game.step
//!                                              ▼ one encoded frame, shared by every member
//!  browser / bot ◀─────────────────────────── session ◀── newest snapshot (watch); events
//! ```
//!
//! - [`protocol`]: the wire format; the only module that knows bytes.
//! - [`session`]: one connection: handshake, checks, lobby requests, forwarding.
//! - [`lobby`]: the directory of live rooms behind a small trait.
//! - [`room`]: the room actor and its fixed-tick schedule.
//! - [`game`]: the pure, deterministic simulations a room runs (the arena shooter).
//! - [`bot`]: the Rust client that bots, the load tool and the tests use.
//! - [`app`], [`config`], [`routes`], [`startup`]: shared state and wiring.
//! - [`ratelimit`]: token buckets for what clients may do per second.
//! - [`limits`], [`admission`], [`auth`], [`tls`], [`transport`]: who may connect and how much
//!   they may do.
//! - [`reconnect`], [`connections`], [`shutdown`]: resuming players, closing connections from
//!   outside, and the graceful shutdown.
//! - [`fdlimit`]: the open-files limit that thousands of connections need.
//! - [`metrics`], [`admin`], [`logging`]: what operators see: Prometheus metrics, the
//!   operator endpoints and monitor page, the log format.

pub mod admin;
pub mod admission;
pub mod app;
pub mod auth;
pub mod bot;
pub mod config;
pub mod connections;
pub mod fdlimit;
pub mod game;
pub mod limits;
pub mod lobby;
pub mod logging;
pub mod metrics;
pub mod protocol;
pub mod ratelimit;
pub mod reconnect;
pub mod replay;
pub mod room;
pub mod routes;
pub mod session;
pub mod shutdown;
pub mod startup;
pub mod tls;
pub mod transport;
