//! Session tokens: which connection owns which player, so that a player whose connection
//! dropped can come back on a new connection within a grace period, with the same player id,
//! room, slot, score and position.
//!
//! A token is issued with `Welcome` and replaced by a fresh one on every resume (an old token
//! never works twice). While its connection is open the token is *owned*; when the connection
//! drops it is *detached* and expires after the grace period. The room keeps the player's seat
//! for the same period (see `room::Detach`); this table only says who may claim it.
//!
//! Every change of ownership happens under the token's map entry lock, and the messages to the
//! room that go with it are sent under that lock too, so a room always sees a detach before the
//! reattach that follows it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix::Addr;
use dashmap::DashMap;
use rand::Rng;

use crate::protocol::{PlayerId, RoomId};
use crate::room::Room;

/// Random bytes in a token (shown as hex): unguessable.
const TOKEN_BYTES: usize = 16;
/// Every how many issued tokens the table drops the expired ones.
const SWEEP_EVERY: u64 = 256;

/// The room a player sits in, as its token remembers it.
#[derive(Clone)]
pub struct Seat {
    pub room: Addr<Room>,
    pub room_id: RoomId,
}

struct Claim {
    player_id: PlayerId,
    name: String,
    /// The connection holding the token, or `None` once it dropped.
    owner: Option<u64>,
    detached_at: Option<Instant>,
    seat: Option<Seat>,
}

/// A successful resume: who the player is and what it had.
pub struct Resumed {
    pub token: String,
    pub player_id: PlayerId,
    pub name: String,
    pub seat: Option<Seat>,
    /// The connection that still held the token (a drop the server had not noticed yet); it
    /// must be closed.
    pub replaced: Option<u64>,
}

/// The token table of one server.
pub struct Resumption {
    grace: Duration,
    /// Starts every token (`node.`): in a cluster, the node that holds the player.
    prefix: String,
    claims: DashMap<String, Claim>,
    issued: AtomicU64,
}

impl Resumption {
    pub fn new(grace: Duration) -> Resumption {
        Resumption {
            grace,
            prefix: String::new(),
            claims: DashMap::new(),
            issued: AtomicU64::new(0),
        }
    }

    /// Tokens start with `node` and a dot, so that any node of a cluster can tell whose a
    /// token is.
    pub fn with_prefix(mut self, node: &str) -> Resumption {
        self.prefix = format!("{node}.");
        self
    }

    /// Whether players can resume at all (a grace period of 0 turns it off).
    pub fn enabled(&self) -> bool {
        !self.grace.is_zero()
    }

    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// A new token for a player just welcomed on `connection`.
    pub fn issue(&self, player_id: PlayerId, name: &str, connection: u64) -> String {
        self.insert(Claim {
            player_id,
            name: name.to_string(),
            owner: Some(connection),
            detached_at: None,
            seat: None,
        })
    }

    fn insert(&self, claim: Claim) -> String {
        if self.issued.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(Instant::now());
        }
        let mut rng = rand::rng();
        loop {
            let token: String = std::iter::once(self.prefix.clone())
                .chain((0..TOKEN_BYTES).map(|_| format!("{:02x}", rng.random::<u8>())))
                .collect();
            if let dashmap::Entry::Vacant(slot) = self.claims.entry(token.clone()) {
                slot.insert(claim);
                return token;
            }
        }
    }

    /// Remembers the room the token's player is in now (`None`: the lobby).
    pub fn set_seat(&self, token: &str, connection: u64, seat: Option<Seat>) {
        if let Some(mut claim) = self.claims.get_mut(token) {
            if claim.owner == Some(connection) {
                claim.seat = seat;
            }
        }
    }

    /// `connection` ended. If it still owns `token`: with `linger` the token stays claimable
    /// for the grace period, otherwise it is forgotten; either way `tell_room` runs under the
    /// entry's lock with whether the player lingers (so it can tell the room before anyone can
    /// resume). If another connection took the token over, nothing happens and `tell_room`
    /// does not run: the player is not this connection's any more.
    pub fn release(
        &self,
        token: &str,
        connection: u64,
        linger: bool,
        tell_room: impl FnOnce(bool),
    ) {
        let lingering = linger && self.enabled();
        if let dashmap::Entry::Occupied(mut claim) = self.claims.entry(token.to_string()) {
            if claim.get().owner != Some(connection) {
                return;
            }
            tell_room(lingering);
            if lingering {
                let claim = claim.get_mut();
                claim.owner = None;
                claim.detached_at = Some(Instant::now());
            } else {
                claim.remove();
            }
        }
    }

    /// Hands the player of `token` to `connection`, under a fresh token. Fails for unknown,
    /// used and expired tokens.
    pub fn take_over(&self, token: &str, connection: u64, now: Instant) -> Option<Resumed> {
        let (_, claim) = self.claims.remove_if(token, |_, claim| {
            claim
                .detached_at
                .is_none_or(|at| now.duration_since(at) < self.grace)
        })?;
        let replaced = claim.owner;
        let (player_id, name, seat) = (claim.player_id, claim.name.clone(), claim.seat.clone());
        let token = self.insert(Claim {
            owner: Some(connection),
            detached_at: None,
            ..claim
        });
        Some(Resumed {
            token,
            player_id,
            name,
            seat,
            replaced,
        })
    }

    fn sweep(&self, now: Instant) {
        self.claims.retain(|_, claim| {
            claim
                .detached_at
                .is_none_or(|at| now.duration_since(at) < self.grace)
        });
    }

    /// Tokens held now (for tests of the sweep).
    pub fn len(&self) -> usize {
        self.claims.len()
    }

    pub fn is_empty(&self) -> bool {
        self.claims.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_resumes_once_and_is_replaced() {
        let table = Resumption::new(Duration::from_secs(15));
        let token = table.issue(PlayerId(7), "ada", 1);
        let resumed = table.take_over(&token, 2, Instant::now()).expect("resumes");
        assert_eq!(
            (resumed.player_id, resumed.name.as_str()),
            (PlayerId(7), "ada")
        );
        assert_eq!(
            resumed.replaced,
            Some(1),
            "the first connection still held it"
        );
        assert_ne!(resumed.token, token);
        assert!(table.take_over(&token, 3, Instant::now()).is_none());
        assert!(table.take_over(&resumed.token, 3, Instant::now()).is_some());
    }

    #[test]
    fn a_released_token_lingers_for_the_grace_period_only() {
        let table = Resumption::new(Duration::from_secs(15));
        let token = table.issue(PlayerId(7), "ada", 1);
        let mut told = None;
        table.release(&token, 1, true, |lingering| told = Some(lingering));
        assert_eq!(told, Some(true));
        let late = Instant::now() + Duration::from_secs(16);
        assert!(table.take_over(&token, 2, late).is_none());
        let token = table.issue(PlayerId(8), "bob", 3);
        table.release(&token, 3, true, |_| {});
        let resumed = table.take_over(&token, 4, Instant::now()).expect("in time");
        assert_eq!(resumed.replaced, None);
    }

    #[test]
    fn a_connection_that_lost_its_token_releases_nothing() {
        let table = Resumption::new(Duration::from_secs(15));
        let token = table.issue(PlayerId(7), "ada", 1);
        let resumed = table.take_over(&token, 2, Instant::now()).unwrap();
        let mut told = false;
        table.release(&token, 1, false, |_| told = true);
        table.release(&resumed.token, 1, false, |_| told = true);
        assert!(!told);
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn leaving_without_linger_forgets_the_token_and_sweeps_drop_expired_ones() {
        let table = Resumption::new(Duration::from_secs(15));
        let token = table.issue(PlayerId(7), "ada", 1);
        table.release(&token, 1, false, |lingering| assert!(!lingering));
        assert!(table.is_empty());
        let token = table.issue(PlayerId(8), "bob", 2);
        table.release(&token, 2, true, |_| {});
        table.sweep(Instant::now() + Duration::from_secs(16));
        assert!(table.is_empty());
    }

    #[test]
    fn without_a_grace_period_nothing_lingers() {
        let table = Resumption::new(Duration::ZERO);
        assert!(!table.enabled());
        let token = table.issue(PlayerId(7), "ada", 1);
        table.release(&token, 1, true, |lingering| assert!(!lingering));
        assert!(table.is_empty());
    }
}
