//! Skirmish: a multiplayer game server with actor-based rooms.
pub mod bot;
pub mod game;
pub mod protocol;
