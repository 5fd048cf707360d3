//! The tickets a node issues for players it sends elsewhere, and the checks a node makes of
//! the tickets it is given: signed by the cluster, for this node, not expired, not used before.
//!
//! Owns: the used tickets of this node (kept until they expire). Must not: touch Redis: a
//! ticket names its node, so only that node ever checks it, and no other node needs to know.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dashmap::DashMap;
use rand::Rng;

use crate::protocol::{Intent, Ticket, TicketError};

/// How long a ticket is good for: a reconnect takes well under a second; this leaves room for
/// a slow phone network without letting tickets pile up.
pub const TICKET_LIFETIME: Duration = Duration::from_secs(20);
/// Every how many accepted tickets the used ones that expired are forgotten.
const SWEEP_EVERY: u64 = 256;

/// Why a ticket was refused; the label is the metric's `outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the ticket is not a ticket")]
    Malformed,
    #[error("the ticket was not signed by this cluster, or was altered")]
    Forged,
    #[error("the ticket has expired: go back to the lobby")]
    Expired,
    #[error("the ticket is for another node")]
    WrongNode,
    #[error("the ticket was used already")]
    Reused,
}

impl Refusal {
    pub const ALL: [Refusal; 5] = [
        Refusal::Malformed,
        Refusal::Forged,
        Refusal::Expired,
        Refusal::WrongNode,
        Refusal::Reused,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::Forged => "forged",
            Refusal::Expired => "expired",
            Refusal::WrongNode => "wrong_node",
            Refusal::Reused => "reused",
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One node's ticket office.
pub struct Tickets {
    node: String,
    secret: Vec<u8>,
    /// Nonces of accepted tickets, with their expiry.
    used: DashMap<u64, u64>,
    accepted: AtomicU64,
}

impl Tickets {
    pub fn new(node: String, secret: Vec<u8>) -> Tickets {
        Tickets {
            node,
            secret,
            used: DashMap::new(),
            accepted: AtomicU64::new(0),
        }
    }

    /// A ticket for `name` to do `intent` on node `node`.
    pub fn issue(&self, node: &str, intent: Intent, name: &str) -> String {
        Ticket {
            node: node.to_string(),
            intent,
            name: name.to_string(),
            expires_ms: now_ms() + TICKET_LIFETIME.as_millis() as u64,
            nonce: rand::rng().random(),
        }
        .seal(&self.secret)
    }

    /// The ticket in `text` if it is good here, now; it is good only once.
    pub fn accept(&self, text: &str) -> Result<Ticket, Refusal> {
        let ticket = Ticket::open(text, &self.secret).map_err(|err| match err {
            TicketError::Malformed => Refusal::Malformed,
            TicketError::Forged => Refusal::Forged,
        })?;
        if ticket.node != self.node {
            return Err(Refusal::WrongNode);
        }
        let now = now_ms();
        if ticket.expires_ms <= now {
            return Err(Refusal::Expired);
        }
        if self.accepted.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.used.retain(|_, expires| *expires > now);
        }
        match self.used.entry(ticket.nonce) {
            dashmap::Entry::Occupied(_) => Err(Refusal::Reused),
            dashmap::Entry::Vacant(slot) => {
                slot.insert(ticket.expires_ms);
                Ok(ticket)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RoomId;

    const SECRET: &[u8] = b"a cluster secret of some length";

    fn office(node: &str) -> Tickets {
        Tickets::new(node.into(), SECRET.to_vec())
    }

    #[test]
    fn a_ticket_is_good_once_on_its_node_only() {
        let (a, b) = (office("a"), office("b"));
        let ticket = b.issue("a", Intent::Play { room: RoomId(3) }, "ada");
        assert_eq!(b.accept(&ticket), Err(Refusal::WrongNode));
        let accepted = a.accept(&ticket).expect("good on a");
        assert_eq!(accepted.intent, Intent::Play { room: RoomId(3) });
        assert_eq!(accepted.name, "ada");
        assert_eq!(a.accept(&ticket), Err(Refusal::Reused));
    }

    #[test]
    fn expired_and_foreign_tickets_are_refused() {
        let a = office("a");
        let expired = Ticket {
            node: "a".into(),
            intent: Intent::Watch { room: RoomId(1) },
            name: "ada".into(),
            expires_ms: now_ms() - 1,
            nonce: 1,
        };
        assert_eq!(a.accept(&expired.seal(SECRET)), Err(Refusal::Expired));
        assert_eq!(
            a.accept(&expired.seal(b"some other cluster")),
            Err(Refusal::Forged)
        );
        assert_eq!(a.accept("not a ticket"), Err(Refusal::Malformed));
    }
}
