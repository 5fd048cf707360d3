//! `LeanBot`: a frugal bot connection for load generation, for thousands of bots in one
//! process.
//!
//! It speaks the same protocol as `BotClient` but pays as little as possible per message: a
//! 4 KiB read buffer per connection, frames parsed in place (`frames`), snapshots read by
//! their header for the own ack instead of decoded and applied, inputs written into a reused buffer.
//! Only the few setup messages (Welcome, Joined) are decoded in full. It keeps no room state
//! and has no timers: the caller paces inputs and watches acks.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;

use tokio::net::{TcpSocket, TcpStream};

use super::client::Welcome;
use super::error::BotError;
use super::frames::{self, Frame};
use super::state::JoinedRoom;
use crate::game::arena::{Arena, ArenaInput};
use crate::protocol::{
    decode_server, encode_client, ClientMsg, GameWire, ServerMsg, Slot, MAX_SERVER_MESSAGE_BYTES,
    PROTOCOL_VERSION, SNAPSHOT_ACK_OFFSET, SNAPSHOT_TAG,
};

/// Enough for the upgrade's answer and a few change snapshots; grown only for a larger frame
/// (a full snapshot, `Joined`), so that an idle connection costs the load tool little.
const READ_BUFFER_BYTES: usize = 512;
/// The largest frame header (2 bytes, 8 length bytes).
const MAX_FRAME_HEADER: usize = 10;

/// The bytes of `ClientMsg::Input` of the arena: u32 tag, u32 seq, then the arena's payload:
/// u8 movement, f32 aim, u8 fire, u32 render_tick.
mod input_layout {
    pub const TAG: u32 = 7;
    pub const LEN: usize = 18;
}
/// Where the tick sits in an encoded snapshot, right after the tag.
const SNAPSHOT_TICK_OFFSET: usize = 4;

/// What a message received in a room was, as far as load generation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// A snapshot of `tick` carrying this bot's ack.
    Snapshot { tick: u32, ack: u32 },
    /// Anything else (joins, kills, chat...), not decoded.
    Other,
}

/// Reads a snapshot's tick and ack by their offsets. `None` if `payload` is not a snapshot.
pub fn peek_snapshot(payload: &[u8]) -> Option<Incoming> {
    let u32_at = |offset: usize| {
        let bytes = payload.get(offset..offset + 4)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?))
    };
    if u32_at(0)? != SNAPSHOT_TAG {
        return None;
    }
    Some(Incoming::Snapshot {
        tick: u32_at(SNAPSHOT_TICK_OFFSET)?,
        ack: u32_at(SNAPSHOT_ACK_OFFSET)?,
    })
}

/// Writes the frame payload of an arena `ClientMsg::Input` without allocating.
pub fn input_payload(seq: u32, input: &ArenaInput) -> [u8; input_layout::LEN] {
    let mut bytes = [0u8; input_layout::LEN];
    bytes[..4].copy_from_slice(&input_layout::TAG.to_le_bytes());
    bytes[4..8].copy_from_slice(&seq.to_le_bytes());
    bytes[8] = input.movement;
    bytes[9..13].copy_from_slice(&input.aim.to_le_bytes());
    bytes[13] = u8::from(input.fire);
    bytes[14..18].copy_from_slice(&input.render_tick.to_le_bytes());
    bytes
}

/// One step of reading the buffer.
enum Step {
    /// No complete frame at this point yet.
    Incomplete,
    /// A control frame, handled; consume this many bytes.
    Control(usize),
    /// A binary message's payload at this range of the buffer; consume this many bytes.
    Binary(Range<usize>, usize),
}

pub struct LeanBot {
    stream: TcpStream,
    buf: Vec<u8>,
    filled: usize,
    /// Bytes waiting to be written: pongs and inputs.
    out: Vec<u8>,
    mask_state: u32,
    you: Slot,
    seq: u32,
    payload_bytes: u64,
    pongs: u64,
    /// Whether the join went through a `Redirect` to another node of a cluster.
    redirected: bool,
}

impl LeanBot {
    /// Connects from `source` (any local address if `None`) to `server`, upgrades at `path`,
    /// and says `Hello`. `seed` varies the frame masks between bots.
    pub async fn connect(
        server: SocketAddr,
        source: Option<IpAddr>,
        path: &str,
        name: &str,
        seed: u32,
    ) -> Result<(LeanBot, Welcome), BotError> {
        let hello = ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            name: name.into(),
        };
        LeanBot::open(server, source, path, seed, &hello).await
    }

    /// Opens a connection and sends `first` (`Hello` or `Redeem`); waits for `Welcome`.
    async fn open(
        server: SocketAddr,
        source: Option<IpAddr>,
        path: &str,
        seed: u32,
        first: &ClientMsg,
    ) -> Result<(LeanBot, Welcome), BotError> {
        let connect_error = |reason: String| BotError::Connect {
            url: format!("ws://{server}{path}"),
            reason,
        };
        let socket = match server {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(|e| connect_error(e.to_string()))?;
        if let Some(ip) = source {
            socket
                .bind(SocketAddr::new(ip, 0))
                .map_err(|e| connect_error(format!("binding {ip}: {e}")))?;
        }
        let stream = socket
            .connect(server)
            .await
            .map_err(|e| connect_error(e.to_string()))?;
        stream
            .set_nodelay(true)
            .map_err(|e| connect_error(e.to_string()))?;
        let mut buf = vec![0u8; READ_BUFFER_BYTES];
        let filled = frames::upgrade(&stream, &server.to_string(), path, &mut buf)
            .await
            .map_err(connect_error)?;
        let mut bot = LeanBot {
            stream,
            buf,
            filled,
            out: Vec::with_capacity(64),
            mask_state: seed | 1,
            you: Slot(0),
            seq: 0,
            payload_bytes: 0,
            pongs: 0,
            redirected: false,
        };
        let welcome = bot.request(first, |msg| Welcome::from_msg(&msg)).await?;
        Ok((bot, welcome))
    }

    pub async fn create_room(
        &mut self,
        name: &str,
        capacity: u8,
        public: bool,
    ) -> Result<JoinedRoom<Arena>, BotError> {
        self.join_with(&ClientMsg::CreateRoom {
            name: name.into(),
            capacity,
            public,
            bots: false,
            mode: Arena::MODE.into(),
        })
        .await
    }

    pub async fn join_by_code(&mut self, code: &str) -> Result<JoinedRoom<Arena>, BotError> {
        self.join_with(&ClientMsg::JoinByCode { code: code.into() })
            .await
    }

    /// Sends a join and waits for `Joined`; a `Redirect` is followed: this connection is
    /// replaced by one to the node named, which the ticket is redeemed at.
    async fn join_with(&mut self, msg: &ClientMsg) -> Result<JoinedRoom<Arena>, BotError> {
        let answer = self
            .request(msg, |msg| match msg {
                ServerMsg::Redirect { url, ticket } => Some(Err((url, ticket))),
                msg => JoinedRoom::<Arena>::from_msg(&msg).map(Ok),
            })
            .await?;
        let joined = match answer {
            Ok(joined) => joined?,
            Err((url, ticket)) => self.follow(&url, ticket).await?,
        };
        self.you = joined.you;
        Ok(joined)
    }

    /// Moves to the node at `url` (`ws://IP:PORT/PATH`) with `ticket`, from the same local
    /// address, and waits for the ticket's `Joined`.
    async fn follow(&mut self, url: &str, ticket: String) -> Result<JoinedRoom<Arena>, BotError> {
        let bad_url = || BotError::Unexpected(format!("a redirect to {url:?}, not ws://IP:PORT/…"));
        let rest = url.strip_prefix("ws://").ok_or_else(bad_url)?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let server: SocketAddr = authority.parse().map_err(|_| bad_url())?;
        let source = self.stream.local_addr().ok().map(|a| a.ip());
        let redeem = ClientMsg::Redeem {
            protocol: PROTOCOL_VERSION,
            ticket,
        };
        let path = if path.is_empty() { "/" } else { path };
        let (mut moved, _) = LeanBot::open(server, source, path, self.mask_state, &redeem).await?;
        let joined = moved
            .request_answer(|msg| JoinedRoom::<Arena>::from_msg(&msg))
            .await??;
        moved.redirected = true;
        *self = moved;
        Ok(joined)
    }

    /// Whether this bot reached its room through a redirect.
    pub fn redirected(&self) -> bool {
        self.redirected
    }

    /// Sends `msg` and decodes messages until `pick` accepts one or the server answers with
    /// `Error`. For the few setup messages only: this allocates.
    async fn request<T>(
        &mut self,
        msg: &ClientMsg,
        pick: impl FnMut(ServerMsg) -> Option<T>,
    ) -> Result<T, BotError> {
        let mask = self.next_mask();
        frames::write_masked(
            frames::OPCODE_BINARY,
            &encode_client(msg),
            mask,
            &mut self.out,
        );
        self.flush().await?;
        self.request_answer(pick).await
    }

    /// Decodes messages until `pick` accepts one or the server answers with `Error`.
    async fn request_answer<T>(
        &mut self,
        mut pick: impl FnMut(ServerMsg) -> Option<T>,
    ) -> Result<T, BotError> {
        loop {
            match self.step(0)? {
                Step::Incomplete => {
                    self.flush().await?;
                    self.fill().await?;
                    continue;
                }
                Step::Control(len) => self.consume(len),
                Step::Binary(payload, len) => {
                    let decoded = decode_server(&self.buf[payload]);
                    self.consume(len);
                    match decoded? {
                        ServerMsg::Error { code, message } => {
                            return Err(BotError::Server { code, message })
                        }
                        other => {
                            if let Some(found) = pick(other) {
                                return Ok(found);
                            }
                        }
                    }
                }
            }
        }
    }

    /// This bot's slot in its room.
    pub fn slot(&self) -> Slot {
        self.you
    }

    /// WebSocket payload bytes received so far (every message, from the first `Welcome`).
    pub fn payload_bytes(&self) -> u64 {
        self.payload_bytes
    }

    /// Pings answered so far (the pongs are queued for `flush`).
    pub fn pongs(&self) -> u64 {
        self.pongs
    }

    /// Waits for bytes from the server and reads once. Cancel-safe.
    pub async fn fill(&mut self) -> Result<(), BotError> {
        if self.filled == self.buf.len() {
            let needed = frames::needed(&self.buf[..self.filled])
                .unwrap_or(self.filled + 1)
                .min(MAX_SERVER_MESSAGE_BYTES + MAX_FRAME_HEADER);
            if needed <= self.filled {
                return Err(BotError::Transport("read buffer overflow".into()));
            }
            self.buf.resize(needed, 0);
        }
        let read = frames::read_some(&self.stream, &mut self.buf[self.filled..])
            .await
            .map_err(|e| BotError::Transport(e.to_string()))?;
        if read == 0 {
            return Err(BotError::Closed {
                code: 1006,
                reason: "the server closed the connection without a close frame".into(),
            });
        }
        self.filled += read;
        Ok(())
    }

    /// Handles every complete message in the buffer, telling `each` what it was. Pings are
    /// answered (the pong waits in the output for `flush`); a close frame is
    /// `BotError::Closed`.
    pub fn drain(&mut self, mut each: impl FnMut(Incoming)) -> Result<(), BotError> {
        let mut at = 0;
        let result = loop {
            match self.step(at) {
                Ok(Step::Incomplete) => break Ok(()),
                Ok(Step::Control(len)) => at += len,
                Ok(Step::Binary(payload, len)) => {
                    each(peek_snapshot(&self.buf[payload]).unwrap_or(Incoming::Other));
                    at += len;
                }
                Err(err) => break Err(err),
            }
        };
        self.consume(at);
        result
    }

    /// Parses the frame at `at` and handles control frames.
    fn step(&mut self, at: usize) -> Result<Step, BotError> {
        let max_payload = MAX_SERVER_MESSAGE_BYTES;
        let Some(Frame {
            opcode,
            payload,
            len,
        }) = frames::parse(&self.buf[at..self.filled], max_payload)
            .map_err(|e| BotError::Transport(e.to_string()))?
        else {
            return Ok(Step::Incomplete);
        };
        let payload = at + payload.start..at + payload.end;
        self.payload_bytes += payload.len() as u64;
        match opcode {
            frames::OPCODE_BINARY => Ok(Step::Binary(payload, len)),
            frames::OPCODE_PING => {
                let mask = self.next_mask();
                frames::write_masked(frames::OPCODE_PONG, &self.buf[payload], mask, &mut self.out);
                self.pongs += 1;
                Ok(Step::Control(len))
            }
            frames::OPCODE_PONG => Ok(Step::Control(len)),
            frames::OPCODE_CLOSE => {
                let body = &self.buf[payload];
                let code = match body {
                    [high, low, ..] => u16::from_be_bytes([*high, *low]),
                    _ => 1005,
                };
                let reason = String::from_utf8_lossy(body.get(2..).unwrap_or_default()).into();
                Err(BotError::Closed { code, reason })
            }
            frames::OPCODE_TEXT => Err(BotError::UnexpectedText(
                String::from_utf8_lossy(&self.buf[payload]).into(),
            )),
            other => Err(BotError::Transport(format!("unknown opcode {other:#x}"))),
        }
    }

    fn consume(&mut self, len: usize) {
        self.buf.copy_within(len..self.filled, 0);
        self.filled -= len;
    }

    /// Queues the next input (seq one above the last) for `flush`; returns its seq. Its
    /// `render_tick` is `seen_tick`, the newest snapshot the caller has seen.
    pub fn queue_input(&mut self, movement: u8, aim: f32, fire: bool, seen_tick: u32) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        let payload = input_payload(
            self.seq,
            &ArenaInput {
                movement,
                aim,
                fire,
                render_tick: seen_tick,
            },
        );
        let mask = self.next_mask();
        frames::write_masked(frames::OPCODE_BINARY, &payload, mask, &mut self.out);
        self.seq
    }

    /// Whether pongs or inputs wait to be written.
    pub fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    /// Writes what is queued. Not cancel-safe: await it to the end.
    pub async fn flush(&mut self) -> Result<(), BotError> {
        if self.out.is_empty() {
            return Ok(());
        }
        frames::write_all(&self.stream, &self.out)
            .await
            .map_err(|e| BotError::Transport(e.to_string()))?;
        self.out.clear();
        Ok(())
    }

    /// xorshift32: masks only need to vary, not to be secret.
    fn next_mask(&mut self) -> [u8; 4] {
        self.mask_state ^= self.mask_state << 13;
        self.mask_state ^= self.mask_state >> 17;
        self.mask_state ^= self.mask_state << 5;
        self.mask_state.to_le_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{encode_server, InputMsg, InputPayload, Snapshot};

    #[test]
    fn the_ack_is_read_from_the_header_of_an_encoded_snapshot() {
        let snapshot = Snapshot {
            tick: 77,
            ack: 0x0102_0304,
            baseline_age: 0,
            body: vec![1, 2, 3],
        };
        let bytes = encode_server(&ServerMsg::Snapshot(snapshot));
        assert_eq!(
            peek_snapshot(&bytes),
            Some(Incoming::Snapshot {
                tick: 77,
                ack: 0x0102_0304
            })
        );
        assert_eq!(peek_snapshot(&bytes[..10]), None, "cut before the ack");
        assert_eq!(
            peek_snapshot(&encode_server(&ServerMsg::Pong { t: 7 })),
            None
        );
        assert_eq!(
            peek_snapshot(&encode_server(&ServerMsg::PlayerLeft { slot: Slot(0) })),
            None
        );
    }

    #[test]
    fn the_input_payload_is_what_the_protocol_encodes() {
        for (seq, movement, aim, fire) in [(1, 8, 0.0, false), (u32::MAX, 5, -2.5, true)] {
            let input = ArenaInput {
                movement,
                aim,
                fire,
                render_tick: seq / 3,
            };
            let msg = ClientMsg::Input(InputMsg {
                seq,
                payload: InputPayload::of::<Arena>(&input),
            });
            assert_eq!(input_payload(seq, &input).to_vec(), encode_client(&msg));
        }
    }
}
