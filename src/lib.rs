//! Skirmish: a multiplayer game server with actor-based rooms, a bundled browser game and
//! first-class bots.
//!
//! # Architecture
//!
//! This is the one description of how the crate fits together; the README links here.
//!
//! ```text
//!  browser / bot ──binary WebSocket frames───▶ session (one actor per connection)
//!                                               │ decode + check every message (protocol)
//!  lobby (this node's rooms, ◀── lookup ────────┤ a room on another node:
//!   the cluster's read from Redis)              │   Redirect{url, ticket}
//!                                               ▼ Join / ChatLine / Leave; inputs via MemberLink
//!                                              room (one actor per room, fixed tick)
//!                                               │ one input per player per step → HostedGame
//!                                               │   (any Game: decodes its payloads, steps it)
//!                                               ▼ encoded once per baseline in use, shared
//!  browser / bot ◀─────────────────────────── session ◀── newest snapshot (watch); events
//!                  (the change from the last snapshot it sent, with its own ack)
//! ```
//!
//! | flow | owned by |
//! |---|---|
//! | bytes on the wire: the envelope every game shares (messages, the bincode config, limits) | `src/protocol.rs` |
//! | …error and close codes, their names, and which errors close the connection | `src/protocol/codes.rs` |
//! | …the snapshot's header and the rule a client applies one by; the boundary to a game's payload (`GameWire`, the inline input payload) | `src/protocol/snapshot.rs`, `payload.rs` |
//! | a connection: handshake, heartbeat, checks, lobby requests, forwarding | `src/session.rs` |
//! | …its lobby requests (create, quick join, find a room, ask for a seat), abuse checks, resuming a player, sending a player to another node and taking one in | `src/session/lobby.rs`, `guards.rs`, `resume.rs`, `redirect.rs` |
//! | every connection under HTTP: per-IP limits, socket options, read-ahead and backpressure, bytes a client has taken | `src/transport.rs` |
//! | the checks before a WebSocket upgrade (shutdown, Origin, join token) | `src/admission.rs`, `src/auth.rs`, `src/limits.rs` |
//! | the directory of rooms: plain listings of every room, the live handles of this node's, ids and codes (`Elsewhere` and `Allocator`: what a cluster adds) | `src/lobby/` (`mod.rs`, `here.rs`) |
//! | the cluster: this node's entry and the others' in Redis (refreshed on a thread of its own), placement, cluster-wide ids and codes, tickets | `src/cluster/` (`mod.rs`, `refresh.rs`, `record.rs`, `ids.rs`, `tickets.rs`); the ticket's bytes in `src/protocol/ticket.rs` |
//! | a match: members, input queues, the fixed-tick loop, snapshot fan-out, laggards | `src/room/mod.rs` |
//! | the object-safe layer between a room and any game: payloads to inputs, the bots' brains, events to bytes, the game's snapshot history | `src/room/hosted.rs` |
//! | the baselines a room keeps and the snapshot bytes it encodes once per baseline | `src/room/snapshots.rs` |
//! | when ticks are due (start + k·period, bounded catch-up, overruns) | `src/room/schedule.rs` |
//! | a room's tick timing (p50/p99, achieved rate) | `src/room/stats.rs` |
//! | spectators, kept seats for dropped players, panics and forced closes, operator views | `src/room/spectators.rs`, `resume.rs`, `guard.rs`, `inspect.rs` |
//! | the games: pure Rust, fixed step, deterministic for a seed and its step inputs | `src/game/` (`mod.rs`: the `Game` and `Brain` traits, `StepInputs`) |
//! | …the arena: its rules; its wire payloads and snapshot body; its bots' brain | `src/game/arena/` (`mod.rs`, `wire.rs`, `delta.rs`, `brain.rs`) |
//! | …tag, the second game: the same layout | `src/game/tag/` |
//! | …shared by games: the movement rule the browser predicts bit for bit; segment tests; way-finding; lag-compensation history; maps; the world's digest | `src/game/movement.rs`, `geometry.rs`, `path.rs`, `rewind.rs`, `map.rs`, `digest.rs` |
//! | the games a server runs, by mode name, and how a room's match of each starts | `src/modes.rs` |
//! | replays: the file format, the room's recording, the writer thread, the data directory and its SQLite index, re-simulation and `skirmish replay`, `/api/matches` | `src/replay/` (`format.rs`, `recorder.rs`, `writer.rs`, `store.rs`, `index.rs`, `replayer.rs`, `cli.rs`, `http.rs`); the room's hooks in `src/room/recording.rs` |
//! | session tokens, open connections, graceful shutdown | `src/reconnect.rs`, `src/connections.rs`, `src/shutdown.rs` |
//! | metrics; the operator's endpoints and monitor page, on their own listener (`--admin-bind`) | `src/metrics.rs`, `src/admin.rs` |
//! | shared state and how a room is created on a room thread | `src/app.rs` |
//! | settings (flags, environment, TOML file), logging, TLS | `src/config.rs`, `src/config/file.rs`, `src/logging.rs`, `src/tls.rs` |
//! | HTTP routes and static files; startup | `src/routes.rs`, `src/startup.rs`, `src/main.rs` |
//! | the Rust client of any game (`GameClient<G>`; `BotClient` is the arena's) used by bots, the load tool and the tests; lean load bots | `src/bot/` |
//! | binaries: the bot, the load tool, the join-token minter | `src/bin/` |
//! | the browser client: lobby, connection, envelope codec, chat, HUD, netcode shared by the games; each game's codec, room state, renderer and effects | `client/` (`main.js` wires the modules), `client/games/<mode>/` |
//!
//! One input's journey: the client sends `Input { seq, payload }` (the payload in its game's codec,
//! e.g. the arena's movement, aim, fire and render tick), one per simulation step it wants to
//! take; the session decodes the envelope, has the room's game check the payload, and puts it in
//! the member's input queue it shares with the room (no actor message and no wake-up per input);
//! on the next
//! tick the room moves the queued inputs into the member's buffer, and each step of the tick hands
//! the game the leaves and joins since the last step and, per member in slot order, the next
//! buffered input (two while more than three wait and it has steps to make up that it stood still
//! in, none when the buffer is empty: the player stands still), recording the consumed seq as the
//! member's ack; the game's layer decodes the payloads, adds its bots' decisions and steps the game
//! (`Game::step(&StepInputs)`, `src/game/mod.rs`; that record plus the seed is the whole match).
//! Events go out per step as `GameEvent` payloads, stamped with its tick. Then the room encodes the
//! new state
//! once in full and once as a change from each baseline its connections hold: nearly always only
//! the previous tick, so one encoding serves the whole room. Each session takes the change from the
//! last snapshot it wrote (TCP delivers in order, so the client has it) and writes its member's ack
//! into the header. Rooms run on their own threads (one per two cores by default), sessions on the
//! HTTP workers (one per core); the lobby is a concurrent map, not an actor, so no single mailbox
//! sits in front of every join.
//!
//! # Modules
//!
//! - [`protocol`]: the wire format; the only module that knows bytes.
//! - [`session`]: one connection: handshake, checks, lobby requests, forwarding.
//! - [`lobby`]: the directory of rooms: listings of all, handles of this node's.
//! - [`cluster`]: nodes sharing one directory in Redis; redirects' tickets.
//! - [`room`]: the room actor and its fixed-tick schedule.
//! - [`game`]: the pure, deterministic simulations a room runs (the arena shooter, tag), each with
//!   its wire payloads and its bots' brain; [`modes`]: which of them this server runs.
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
pub mod cluster;
pub mod config;
pub mod connections;
pub mod fdlimit;
pub mod game;
pub mod limits;
pub mod lobby;
pub mod logging;
pub mod metrics;
pub mod modes;
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
