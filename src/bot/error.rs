//! What can go wrong for a bot: every failure of the connection, of the server's answers and
//! of waiting, as a value.

use std::time::Duration;

use super::state::ViewError;
use crate::protocol::{DecodeError, PayloadError, SnapshotError};

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The URL is not a WebSocket URL, or the TCP connection or the upgrade failed.
    #[error("could not connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    /// The connection broke (I/O or WebSocket protocol error) after it was open.
    #[error("connection failed: {0}")]
    Transport(String),
    /// The server closed the connection with this close code and reason.
    #[error("connection closed by the server: code {code}, reason {reason:?}")]
    Closed { code: u16, reason: String },
    /// The server answered a request with `ServerMsg::Error`.
    #[error("server refused: error {code}: {message}")]
    Server { code: u16, message: String },
    /// A binary frame from the server that is not one `ServerMsg`.
    #[error("undecodable message from the server: {0}")]
    Decode(#[from] DecodeError),
    /// A snapshot that does not fit the room state it changes.
    #[error("{0}")]
    Snapshot(#[from] SnapshotError),
    /// The room runs a game this client has no codec for.
    #[error(
        "the room runs the game \"{mode}\", which this client cannot play (it plays \"{plays}\")"
    )]
    UnknownMode { mode: String, plays: &'static str },
    /// A game payload (setup, event) that does not decode with the game's codec.
    #[error("undecodable game payload from the server: {0}")]
    Payload(#[from] PayloadError),
    /// A text frame: the server only ever sends binary frames.
    #[error("the server sent a text frame: {0:?}")]
    UnexpectedText(String),
    /// A well-formed message that makes no sense at this point of the conversation.
    #[error("unexpected message from the server: {0}")]
    Unexpected(String),
    /// Nothing (or nothing wanted) arrived in time.
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, &'static str),
}

impl From<ViewError> for BotError {
    fn from(error: ViewError) -> BotError {
        match error {
            ViewError::Snapshot(e) => BotError::Snapshot(e),
            ViewError::UnknownMode { mode, plays } => BotError::UnknownMode { mode, plays },
            ViewError::Payload(e) => BotError::Payload(e),
        }
    }
}
