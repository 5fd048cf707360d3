//! What this connection's client has not taken yet, counting what waits in the kernel's send
//! queue: the bytes the session wrote less those the client's TCP stack acknowledged
//! (`ConnectionMeter`). A room notices a session that stops writing its snapshots; this notices
//! a client that stopped reading while the kernel still absorbs what the session writes (with
//! default socket buffers, megabytes), so that a stalled client is closed with 4005 at the lag
//! limit, and a lobby client that requests and never reads is closed once a bounded amount
//! waits for it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::transport::ConnectionMeter;

/// How often the kernel is asked (one `ioctl`): often enough for the lag limit's precision.
const CHECK_EVERY: Duration = Duration::from_millis(250);
/// The most a connection may leave untaken, whatever it is (lobby answers, events, snapshots).
pub const MAX_UNTAKEN_BYTES: u64 = 256 * 1024;
/// Snapshots remembered while untaken; beyond, the newest replaces the last (the oldest, which
/// decides, is kept).
const MAX_PENDING: usize = 1024;

/// Why a connection counts as stalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// The oldest snapshot not taken was written longer ago than the lag limit.
    Snapshots { behind: Duration },
    /// More than `MAX_UNTAKEN_BYTES` wait for the client.
    Bytes { untaken: u64 },
}

pub struct Backlog {
    meter: Option<Rc<ConnectionMeter>>,
    /// Bytes this session handed to its connection, WebSocket frame headers included.
    produced: Cell<u64>,
    /// The meter's count when the session started: what the connection carried before.
    base: u64,
    /// Snapshots written and not known to be taken: when each was written, and where it ends.
    pending: RefCell<VecDeque<(Instant, u64)>>,
    last_check: Cell<Instant>,
}

/// The bytes of an unmasked server frame with `payload` bytes.
fn frame_len(payload: usize) -> u64 {
    let header = match payload {
        0..=125 => 2,
        126..=65_535 => 4,
        _ => 10,
    };
    (header + payload) as u64
}

impl Backlog {
    pub fn new(meter: Option<Rc<ConnectionMeter>>, now: Instant) -> Backlog {
        Backlog {
            base: meter.as_ref().map_or(0, |meter| meter.written()),
            meter,
            produced: Cell::new(0),
            pending: RefCell::new(VecDeque::new()),
            last_check: Cell::new(now),
        }
    }

    /// Counts a frame of `payload` bytes handed to the connection.
    pub fn wrote(&self, payload: usize) {
        self.produced.set(self.produced.get() + frame_len(payload));
    }

    /// Counts a snapshot frame of `payload` bytes, written at `now`.
    pub fn wrote_snapshot(&self, payload: usize, now: Instant) {
        self.wrote(payload);
        let mut pending = self.pending.borrow_mut();
        if pending.len() >= MAX_PENDING {
            pending.pop_back();
        }
        pending.push_back((now, self.produced.get()));
    }

    /// Bytes written that the client has not acknowledged (approximately: the bytes before the
    /// session that were still unwritten when it started count as taken; for TLS, the bytes the
    /// TLS layer buffers count as taken).
    fn untaken(&self, meter: &ConnectionMeter) -> u64 {
        let taken = meter
            .written()
            .saturating_sub(meter.unacknowledged())
            .saturating_sub(self.base);
        self.produced.get().saturating_sub(taken)
    }

    /// Whether the client has stalled: checked at most every `CHECK_EVERY`.
    pub fn check(&self, now: Instant, lag_limit: Duration) -> Option<Stall> {
        if now.duration_since(self.last_check.get()) < CHECK_EVERY {
            return None;
        }
        self.last_check.set(now);
        let meter = self.meter.as_ref()?;
        let untaken = self.untaken(meter);
        let taken_to = self.produced.get() - untaken;
        let mut pending = self.pending.borrow_mut();
        while pending.front().is_some_and(|(_, end)| *end <= taken_to) {
            pending.pop_front();
        }
        if untaken > MAX_UNTAKEN_BYTES {
            return Some(Stall::Bytes { untaken });
        }
        let behind = now.duration_since(pending.front()?.0);
        (behind > lag_limit).then_some(Stall::Snapshots { behind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_count_their_headers() {
        assert_eq!(frame_len(0), 2);
        assert_eq!(frame_len(125), 127);
        assert_eq!(frame_len(126), 130);
        assert_eq!(frame_len(70_000), 70_010);
    }

    #[test]
    fn without_a_meter_nothing_stalls() {
        let start = Instant::now();
        let backlog = Backlog::new(None, start);
        backlog.wrote_snapshot(100, start);
        let later = start + Duration::from_secs(60);
        assert_eq!(backlog.check(later, Duration::from_secs(5)), None);
    }
}
