//! Redirect tickets: what a node of a cluster hands a player it sends to another node
//! (`ServerMsg::Redirect`), and what the player gives that node in `ClientMsg::Redeem`.
//!
//! A ticket is the bincode of [`Ticket`] followed by its HMAC-SHA256 under the cluster's
//! shared secret, written as lowercase hex: clients pass it on untouched. Owns: the bytes and
//! the signature. Must not: decide whether a well-signed ticket is still good (expiry, node,
//! single use): that is the receiving node's business (`cluster::tickets`).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{decode_exact, encode, wire_config, RoomId};

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the signature at the end of a ticket.
pub const TICKET_MAC_BYTES: usize = 32;
/// The longest ticket text a node reads (a ticket's text is far shorter).
const MAX_TICKET_CHARS: usize = 2048;

/// What the player is sent over to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Intent {
    /// Play in the room with this id (public, or private by its code: the sender checked).
    Play { room: RoomId },
    /// Watch the room with this id.
    Watch { room: RoomId },
    /// Quick join: `room` first if it still has a seat, else the target's fullest room of
    /// `mode` with space, else a new one there.
    QuickJoin { mode: String, room: Option<RoomId> },
    /// Make a room with these settings on the target and join it.
    Create {
        name: String,
        capacity: u8,
        public: bool,
        bots: bool,
        mode: String,
    },
}

/// A signed permission to do `intent` on node `node` as `name`, once, before `expires_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The node id of the target (see `/api/stats`), fresh at each start of a node.
    pub node: String,
    pub intent: Intent,
    /// The player's name, as it said `Hello` to the node that issued the ticket.
    pub name: String,
    /// Milliseconds since the Unix epoch after which the ticket is refused.
    pub expires_ms: u64,
    /// Random: what makes each ticket single-use.
    pub nonce: u64,
}

/// Why a ticket's text is not a ticket of this cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("the ticket is not a ticket (not hex, too short or undecodable)")]
    Malformed,
    #[error("the ticket was not signed by this cluster, or was altered")]
    Forged,
}

fn mac(secret: &[u8], body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    mac
}

impl Ticket {
    /// The ticket's text, signed with `secret`.
    pub fn seal(&self, secret: &[u8]) -> String {
        let mut bytes = encode(self);
        let signature = mac(secret, &bytes).finalize().into_bytes();
        bytes.extend_from_slice(&signature);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The ticket in `text`, if `secret` signed exactly these bytes.
    pub fn open(text: &str, secret: &[u8]) -> Result<Ticket, TicketError> {
        if text.len() > MAX_TICKET_CHARS || !text.len().is_multiple_of(2) {
            return Err(TicketError::Malformed);
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|at| {
                text.get(at..at + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or(TicketError::Malformed)?;
        let split = bytes
            .len()
            .checked_sub(TICKET_MAC_BYTES)
            .ok_or(TicketError::Malformed)?;
        let (body, signature) = bytes.split_at(split);
        mac(secret, body)
            .verify_slice(signature)
            .map_err(|_| TicketError::Forged)?;
        decode_exact(body, wire_config().with_limit::<MAX_TICKET_CHARS>())
            .map_err(|_| TicketError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a cluster secret of some length";

    fn ticket() -> Ticket {
        Ticket {
            node: "0123456789abcdef".into(),
            intent: Intent::QuickJoin {
                mode: "arena".into(),
                room: Some(RoomId(7)),
            },
            name: "ada".into(),
            expires_ms: 1_800_000_000_000,
            nonce: 42,
        }
    }

    #[test]
    fn a_sealed_ticket_opens_with_its_secret_only() {
        let text = ticket().seal(SECRET);
        assert_eq!(Ticket::open(&text, SECRET), Ok(ticket()));
        assert_eq!(
            Ticket::open(&text, b"another secret"),
            Err(TicketError::Forged)
        );
    }

    #[test]
    fn any_changed_byte_is_refused() {
        let text = ticket().seal(SECRET);
        for at in (0..text.len()).step_by(2) {
            let mut bytes = text.clone().into_bytes();
            bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
            let altered = String::from_utf8(bytes).expect("hex");
            assert!(Ticket::open(&altered, SECRET).is_err(), "byte {}", at / 2);
        }
    }

    #[test]
    fn text_that_is_no_ticket_is_malformed() {
        for text in ["", "zz", "abc", "00", &"ab".repeat(2000)] {
            assert_eq!(Ticket::open(text, SECRET), Err(TicketError::Malformed));
        }
    }
}
