//! The registry of open connections, so that the server can close any of them from outside:
//! every connection at shutdown, or the old connection of a player that resumed elsewhere.
//!
//! It knows connections only as `Recipient<CloseConnection>`, never the session type, and it
//! closes nothing itself: each session closes its own socket when told.

use std::sync::atomic::{AtomicU64, Ordering};

use actix::prelude::*;
use dashmap::DashMap;

use crate::protocol::{CloseCode, ErrorCode};

/// Tells a session to close its connection: send `error` (an `Error` message) if any, then
/// close with `close_code` and `reason`. The player leaves its room at once (no grace period).
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct CloseConnection {
    pub close_code: CloseCode,
    pub reason: String,
    pub error: Option<(ErrorCode, String)>,
}

/// Open connections by connection id.
#[derive(Default)]
pub struct Connections {
    open: DashMap<u64, Recipient<CloseConnection>>,
    next_id: AtomicU64,
}

impl Connections {
    /// A connection id no other connection of this server has had.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn insert(&self, id: u64, connection: Recipient<CloseConnection>) {
        self.open.insert(id, connection);
    }

    pub fn remove(&self, id: u64) {
        self.open.remove(&id);
    }

    pub fn close(&self, id: u64, close: CloseConnection) {
        if let Some(connection) = self.open.get(&id) {
            connection.do_send(close);
        }
    }

    pub fn close_all(&self, close: &CloseConnection) {
        for connection in self.open.iter() {
            connection.do_send(close.clone());
        }
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}
