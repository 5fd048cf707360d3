//! One WebSocket connection as an actor: the handshake, heartbeat, decoding and checking every
//! client message, lobby requests (`lobby`), and forwarding inputs and chat to the player's room.
//!
//! It holds no game state: the room owns the match. Everything a client sends is checked here;
//! a bad message gets an `Error` with a code (and a close where going on makes no sense), never a
//! panic and never an effect on other players. actix-web-actors stays inside this module.
//! A connection in a room plays or watches (spectates) it through the same membership.

mod backlog;
mod guards;
mod lobby;
mod redirect;
mod resume;

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use actix_web_actors::ws;
use bytes::Bytes;
use tokio::sync::watch;

use crate::admission::Admission;
use crate::app::{AppState, NewRoom};
use crate::limits::{code_guess_bucket, room_creation_bucket, MessageLimiter, PlayerPermit};
use crate::lobby::Listed;
use crate::metrics::SessionPhase;
use crate::modes::Mode;
use crate::protocol::{
    check_chat_text, check_player_name, decode_client, encode_server, ClientMsg, CloseCode,
    DecodeError, ErrorCode, Fatal, InputMsg, PlayerId, RoomId, ServerMsg, Slot, HANDSHAKE_TIMEOUT,
    MAX_CLIENT_MESSAGE_BYTES, PROTOCOL_VERSION,
};
use crate::ratelimit::TokenBucket;
use crate::room::{
    ChatLine, CreatorLeft, InputCheck, Leave, MemberLink, Room, RoomToSession, SnapshotFeed,
    SnapshotFrame,
};
use crate::transport::ConnectionMeter;
use backlog::{Backlog, Stall, MAX_UNTAKEN_BYTES};
use lobby::{QuickJoin, Reach, Seat};

/// The server pings a connection this many times per client timeout, so one lost pong is no
/// reason to drop it.
const PINGS_PER_TIMEOUT: u32 = 3;
/// Chat: a burst of this many lines, then one per `1 / CHAT_PER_SECOND` seconds.
const CHAT_BURST: u32 = 5;
const CHAT_PER_SECOND: f64 = 1.0;
/// Messages (room events) a session's mailbox holds.
const MAILBOX_CAPACITY: usize = 256;
/// Rooms a connection remembers having created, to close them when it ends and they are empty.
const MAX_CREATED_KEPT: usize = 16;

/// A close frame's payload is at most 125 bytes, two of them the code.
const MAX_CLOSE_REASON_BYTES: usize = 123;

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn truncate_to_boundary(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Where the connection stands.
enum State {
    /// Connected; the first message must be `Hello`.
    AwaitingHello,
    /// Welcomed, in no room.
    Lobby,
    /// A join was sent to `room`; the answer has not come yet.
    Joining { room: Addr<Room> },
    /// Playing in a room as `slot`.
    InRoom {
        membership: Membership,
        slot: Slot,
        /// The room's game's check of an input payload.
        input_check: InputCheck,
    },
    /// Watching a room without playing; the feed is as for a player.
    Spectating(Membership),
}

/// A connection's place in a room, playing or watching.
struct Membership {
    room: Addr<Room>,
    room_id: RoomId,
    /// The subscription to the room's snapshots, cancelled on leaving.
    feed: SpawnHandle,
    link: Arc<MemberLink>,
    /// The tick of the last snapshot written: the baseline of the next one.
    last_snapshot: Option<u32>,
}

impl State {
    fn membership(&self) -> Option<&Membership> {
        match self {
            State::InRoom { membership, .. } | State::Spectating(membership) => Some(membership),
            _ => None,
        }
    }

    fn phase(&self) -> SessionPhase {
        match self {
            State::AwaitingHello => SessionPhase::Handshake,
            State::Lobby => SessionPhase::Lobby,
            State::Joining { .. } => SessionPhase::Joining,
            State::InRoom { .. } => SessionPhase::Playing,
            State::Spectating(_) => SessionPhase::Spectating,
        }
    }
}

pub struct Session {
    app: Arc<AppState>,
    peer: String,
    state: State,
    player_id: PlayerId,
    name: String,
    last_heard: Instant,
    chat: TokenBucket,
    /// This connection's id in `app.connections`.
    connection: u64,
    messages: MessageLimiter,
    room_creations: TokenBucket,
    /// The rooms this connection created (the latest `MAX_CREATED_KEPT`): told when it ends.
    created_rooms: Vec<Addr<Room>>,
    /// Wrong room codes this connection may still send (its address has a budget too).
    code_guesses: TokenBucket,
    ip: Option<std::net::IpAddr>,
    join_token: Option<String>,
    /// The token that resumes this player on another connection (see `resume`).
    session_token: Option<String>,
    /// Whether the player keeps its seat for the grace period when the connection ends: yes
    /// for a connection the client closed or lost, no when the server threw it out.
    linger: bool,
    /// Held for its `Drop`: the player's place in the limits.
    player_permit: Option<PlayerPermit>,
    /// What the client has not taken yet.
    backlog: Backlog,
    /// The connection under the session (frame headers the WebSocket layer does not show).
    meter: Option<Rc<ConnectionMeter>>,
    /// Closed for not taking what it was sent (once is enough).
    stalled: bool,
}

impl Session {
    pub fn new(
        app: Arc<AppState>,
        peer: String,
        admission: Admission,
        meter: Option<Rc<ConnectionMeter>>,
    ) -> Session {
        let now = Instant::now();
        Session {
            backlog: Backlog::new(meter.clone(), now),
            meter,
            stalled: false,
            connection: app.connections.next_id(),
            messages: MessageLimiter::new(&app.config, now),
            room_creations: room_creation_bucket(&app.config, now),
            code_guesses: code_guess_bucket(now),
            created_rooms: Vec::new(),
            ip: admission.ip,
            join_token: admission.join_token,
            session_token: None,
            linger: true,
            player_permit: None,
            app,
            peer,
            state: State::AwaitingHello,
            player_id: PlayerId(0),
            name: String::new(),
            last_heard: now,
            chat: TokenBucket::new(CHAT_BURST, CHAT_PER_SECOND, now),
        }
    }

    fn set_state(&mut self, state: State) {
        self.app
            .metrics
            .session_moved(self.state.phase(), state.phase());
        self.state = state;
    }

    fn send(&self, ctx: &mut ws::WebsocketContext<Self>, msg: &ServerMsg) {
        let frame = encode_server(msg);
        self.app.metrics.sent(msg, frame.len(), 1);
        self.write(ctx, frame);
    }

    /// Hands a frame to the connection, counting it in the backlog.
    fn write(&self, ctx: &mut ws::WebsocketContext<Self>, frame: impl Into<Bytes>) {
        let frame = frame.into();
        self.backlog.wrote(frame.len());
        ctx.binary(frame);
    }

    /// Closes the connection (4005) when its client stopped taking what it is sent: the
    /// oldest snapshot it has not taken is older than the lag limit, or too much waits for it.
    /// A player closed so leaves its room at once, without a kept seat.
    fn check_backlog(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let lag_limit = self.app.config.lag_limit();
        let Some(stall) = self.backlog.check(Instant::now(), lag_limit) else {
            return;
        };
        if std::mem::replace(&mut self.stalled, true) {
            return;
        }
        log::info!(
            "{}: the client is not reading ({stall:?}), closing",
            self.peer
        );
        let message = match stall {
            Stall::Snapshots { behind } => format!(
                "you took no snapshot for {:.1} s (the limit is {:.1} s)",
                behind.as_secs_f64(),
                lag_limit.as_secs_f64()
            ),
            Stall::Bytes { untaken } => format!(
                "{untaken} bytes sent to you wait unread (the limit is {MAX_UNTAKEN_BYTES})"
            ),
        };
        self.fail(ctx, Fatal::TooSlow, message);
    }

    fn send_error(&self, ctx: &mut ws::WebsocketContext<Self>, code: ErrorCode, message: String) {
        log::debug!("{}: error {code}: {message}", self.peer);
        self.app.metrics.error(code);
        let code = code.number();
        self.send(ctx, &ServerMsg::Error { code, message });
    }

    /// Sends `how`'s `Error` with `message`, then closes the connection with its close code.
    fn fail(&mut self, ctx: &mut ws::WebsocketContext<Self>, how: Fatal, message: String) {
        self.linger = false;
        let description = truncate_to_boundary(&message, MAX_CLOSE_REASON_BYTES).to_string();
        self.send_error(ctx, how.error(), message);
        ctx.close(Some(ws::CloseReason {
            code: ws::CloseCode::from(how.close().number()),
            description: Some(description),
        }));
        ctx.stop();
    }

    fn heartbeat(&self, ctx: &mut ws::WebsocketContext<Self>) {
        let timeout = self.app.config.client_timeout();
        ctx.run_interval(timeout / PINGS_PER_TIMEOUT, move |session, ctx| {
            if session.last_heard.elapsed() > timeout {
                log::info!("{}: no message for {timeout:?}, closing", session.peer);
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::from(CloseCode::Timeout.number()),
                    description: Some("no message or pong for too long".into()),
                }));
                ctx.stop();
            } else {
                session.backlog.wrote(0);
                ctx.ping(b"");
                session.check_backlog(ctx);
            }
        });
    }

    fn on_binary(&mut self, bytes: &[u8], ctx: &mut ws::WebsocketContext<Self>) {
        if !self.within_rate(guards::is_input(bytes), ctx) {
            return;
        }
        let decoded = decode_client(bytes);
        match &decoded {
            Ok(msg) => self.app.metrics.received(msg, bytes.len()),
            Err(_) => self.app.metrics.received_invalid(bytes.len()),
        }
        match decoded {
            Ok(msg) => self.on_message(msg, ctx),
            Err(DecodeError::TooLarge(len, limit)) => self.fail(
                ctx,
                Fatal::TooLarge,
                format!("a message of {len} bytes is over the limit of {limit} bytes"),
            ),
            Err(err) => {
                log::debug!("{}: undecodable frame: {err}", self.peer);
                self.fail(ctx, Fatal::Undecodable, guards::describe_decode_error(&err))
            }
        }
    }

    fn on_message(&mut self, msg: ClientMsg, ctx: &mut ws::WebsocketContext<Self>) {
        if let State::AwaitingHello = self.state {
            return match msg {
                ClientMsg::Resume { protocol, token } => self.on_resume(protocol, token, ctx),
                ClientMsg::Redeem { protocol, ticket } => self.on_redeem(protocol, ticket, ctx),
                msg => self.on_hello(msg, ctx),
            };
        }
        match msg {
            ClientMsg::Hello { .. } | ClientMsg::Resume { .. } | ClientMsg::Redeem { .. } => self
                .send_error(
                    ctx,
                    ErrorCode::HandshakeRequired,
                    "Hello was already received on this connection".into(),
                ),
            ClientMsg::Ping { t } => self.send(ctx, &ServerMsg::Pong { t }),
            ClientMsg::ListRooms => {
                let rooms = self
                    .app
                    .directory
                    .public_rooms()
                    .iter()
                    .map(|listed: &Listed| listed.room.info())
                    .collect();
                self.send(ctx, &ServerMsg::RoomList { rooms });
            }
            ClientMsg::CreateRoom {
                name,
                capacity,
                public,
                bots,
                mode,
            } => match Mode::named(&mode) {
                Ok(mode) => self.on_create_room(
                    NewRoom {
                        name,
                        capacity,
                        public,
                        bots,
                        mode,
                    },
                    Reach::Cluster,
                    ctx,
                ),
                Err(problem) => self.send_error(ctx, ErrorCode::UnknownMode, problem),
            },
            ClientMsg::JoinRoom { room } => {
                if let Some(listed) = self.find_public_room(room, ctx) {
                    self.go_to(listed, Seat::Player, None, ctx);
                }
            }
            ClientMsg::JoinByCode { code } => {
                if let Some(listed) = self.find_room_by_code(&code, ctx) {
                    self.go_to(listed, Seat::Player, None, ctx);
                }
            }
            ClientMsg::QuickJoin { mode } => match Mode::named(&mode) {
                Ok(mode) => self.quick_join(
                    QuickJoin {
                        mode,
                        attempt: 1,
                        reach: Reach::Cluster,
                    },
                    ctx,
                ),
                Err(problem) => self.send_error(ctx, ErrorCode::UnknownMode, problem),
            },
            ClientMsg::LeaveRoom => self.on_leave(ctx),
            ClientMsg::Input(input) => self.on_input(input, ctx),
            ClientMsg::Chat { text } => self.on_chat(text, ctx),
            ClientMsg::Spectate { room } => {
                if let Some(listed) = self.find_public_room(room, ctx) {
                    self.go_to(listed, Seat::Spectator, None, ctx);
                }
            }
            ClientMsg::SpectateByCode { code } => {
                if let Some(listed) = self.find_room_by_code(&code, ctx) {
                    self.go_to(listed, Seat::Spectator, None, ctx);
                }
            }
        }
    }

    /// Makes this connection player `player_id` in the lobby and sends `Welcome`.
    fn welcome(
        &mut self,
        player_id: PlayerId,
        name: String,
        how: &str,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        self.player_id = player_id;
        self.name = name;
        self.set_state(State::Lobby);
        log::info!(
            "{}: player {} \"{}\" {how}",
            self.peer,
            self.player_id,
            self.name
        );
        self.send(
            ctx,
            &ServerMsg::Welcome {
                protocol: PROTOCOL_VERSION,
                player_id: self.player_id,
                tick_rate: self.app.config.tick_rate,
                max_message_bytes: MAX_CLIENT_MESSAGE_BYTES as u32,
            },
        );
    }

    /// Whether `protocol` (of `Hello` or `Resume`) is this server's; if not, the connection
    /// is refused.
    fn speaks_our_protocol(&mut self, protocol: u16, ctx: &mut ws::WebsocketContext<Self>) -> bool {
        if protocol != PROTOCOL_VERSION {
            self.fail(
                ctx,
                Fatal::VersionMismatch,
                format!("this server speaks protocol {PROTOCOL_VERSION}, not {protocol}"),
            );
        }
        protocol == PROTOCOL_VERSION
    }

    fn on_hello(&mut self, msg: ClientMsg, ctx: &mut ws::WebsocketContext<Self>) {
        let ClientMsg::Hello { protocol, name } = msg else {
            return self.fail(
                ctx,
                Fatal::NoHello,
                "the first message must be Hello".into(),
            );
        };
        if !self.speaks_our_protocol(protocol, ctx) {
            return;
        }
        if let Err(problem) = check_player_name(&name) {
            return self.fail(ctx, Fatal::BadName, problem);
        }
        if !self.check_join_token(&name, ctx) || !self.admit_player(false, ctx) {
            return;
        }
        let player_id = self.app.next_player_id();
        self.welcome(player_id, name.trim().to_string(), "connected", ctx);
        self.issue_session_token(ctx);
    }

    fn on_leave(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let Some(membership) = self.state.membership() else {
            return self.send_error(ctx, ErrorCode::NotInRoom, "you are not in a room".into());
        };
        membership.room.do_send(Leave {
            player_id: self.player_id,
        });
        let room_id = membership.room_id;
        self.back_to_lobby(ctx);
        self.remember_seat();
        self.send(ctx, &ServerMsg::Left { room: room_id });
    }

    /// Leaves the room state (the room has been told or already knows) and stops its snapshots.
    fn back_to_lobby(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let previous = std::mem::replace(&mut self.state, State::Lobby);
        self.app
            .metrics
            .session_moved(previous.phase(), SessionPhase::Lobby);
        if let Some(membership) = previous.membership() {
            ctx.cancel_future(membership.feed);
        }
    }

    fn on_input(&mut self, input: InputMsg, ctx: &mut ws::WebsocketContext<Self>) {
        let State::InRoom {
            membership,
            input_check,
            ..
        } = &self.state
        else {
            return self.send_error(
                ctx,
                ErrorCode::NotInRoom,
                "inputs are only accepted in a room".into(),
            );
        };
        if let Err(problem) = input_check(input.payload.as_slice()) {
            return self.send_error(ctx, ErrorCode::BadInput, problem.0);
        }
        // A full queue means the client sends far faster than the tick rate: dropping the excess
        // loses nothing, as the next input carries the same held keys.
        membership.link.push_input(input);
    }

    fn on_chat(&mut self, text: String, ctx: &mut ws::WebsocketContext<Self>) {
        let State::InRoom {
            membership, slot, ..
        } = &self.state
        else {
            return self.send_error(
                ctx,
                ErrorCode::NotInRoom,
                "chat is only possible in a room".into(),
            );
        };
        if let Err(problem) = check_chat_text(&text) {
            return self.send_error(ctx, ErrorCode::BadChat, problem);
        }
        let (room, slot) = (membership.room.clone(), *slot);
        if !self.chat.try_take(Instant::now()) {
            self.app.metrics.rate_limited("chat");
            return self.send_error(
                ctx,
                ErrorCode::RateLimited,
                format!("too many chat lines: at most {CHAT_BURST} at once, then one a second"),
            );
        }
        room.do_send(ChatLine {
            slot,
            player_id: self.player_id,
            text,
        });
    }
}

impl Actor for Session {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Rooms send events within this bound (and count what a full mailbox drops): a burst
        // of events in one tick fits, a session that stopped running does not grow.
        ctx.set_mailbox_capacity(MAILBOX_CAPACITY);
        self.app.sessions.fetch_add(1, Ordering::Relaxed);
        self.app
            .connections
            .insert(self.connection, ctx.address().recipient());
        self.app.metrics.session_opened();
        self.heartbeat(ctx);
        ctx.run_later(HANDSHAKE_TIMEOUT, |session, ctx| {
            if let State::AwaitingHello = session.state {
                session.fail(
                    ctx,
                    Fatal::HandshakeTimeout,
                    format!("no Hello within {} s", HANDSHAKE_TIMEOUT.as_secs()),
                );
            }
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.app.sessions.fetch_sub(1, Ordering::Relaxed);
        self.app.connections.remove(self.connection);
        self.app.metrics.session_closed(self.state.phase());
        self.release_player();
        for room in self.created_rooms.drain(..) {
            // A room that is gone or busy needs no word: it closes when empty anyway.
            let _ = room.try_send(CreatorLeft);
        }
        log::info!("{}: player {} disconnected", self.peer, self.player_id);
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for Session {
    fn handle(&mut self, item: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.last_heard = Instant::now();
        if self.meter.as_ref().is_some_and(|m| m.reserved_bits_seen()) {
            // Checked before the frame is used: the transport saw its header first. Said once:
            // the connection closes.
            self.meter = None;
            return self.fail(
                ctx,
                Fatal::Undecodable,
                "a frame has reserved bits (RSV1-RSV3) set, and no extension was agreed".into(),
            );
        }
        match item {
            Ok(ws::Message::Binary(bytes)) => {
                self.on_binary(&bytes, ctx);
                self.check_backlog(ctx);
            }
            Ok(ws::Message::Text(_)) => self.fail(
                ctx,
                Fatal::UnsupportedFrame,
                "text frames are not part of the protocol: send binary frames".into(),
            ),
            Ok(ws::Message::Continuation(_)) => self.fail(
                ctx,
                Fatal::UnsupportedFrame,
                "fragmented messages are not accepted: send each message in one frame".into(),
            ),
            Ok(ws::Message::Ping(payload)) => {
                if self.within_rate(false, ctx) {
                    self.backlog.wrote(payload.len());
                    ctx.pong(&payload);
                }
            }
            Ok(ws::Message::Pong(_)) | Ok(ws::Message::Nop) => {}
            Ok(ws::Message::Close(reason)) => {
                // A close frame is not a request to leave (browsers send one when a page's
                // socket drops, reloads or is closed): the seat is kept for the grace period
                // like after any other lost connection. Only `LeaveRoom` gives it up at once.
                ctx.close(reason);
                ctx.stop();
            }
            Err(ws::ProtocolError::Overflow) => self.fail(
                ctx,
                Fatal::TooLarge,
                format!("a frame is over the limit of {MAX_CLIENT_MESSAGE_BYTES} bytes"),
            ),
            Err(ws::ProtocolError::Io(err)) => {
                // The connection is gone (reset, or ended without a close frame): nobody is
                // left to tell, and the player keeps its seat for a resume.
                log::debug!("{}: connection lost: {err}", self.peer);
                ctx.stop();
            }
            Err(err) => {
                log::debug!("{}: WebSocket protocol error: {err}", self.peer);
                self.fail(
                    ctx,
                    Fatal::Undecodable,
                    "the WebSocket frames break the WebSocket protocol".into(),
                )
            }
        }
    }
}

impl Handler<RoomToSession> for Session {
    type Result = ();

    fn handle(&mut self, msg: RoomToSession, ctx: &mut Self::Context) {
        let current_room = self.state.membership().map(|m| m.room_id);
        match msg {
            RoomToSession::Joined {
                room,
                room_id,
                slot,
                frame,
                feed,
                input_check,
            } => {
                if let Some(membership) = self.enter(room, room_id, frame, feed, ctx) {
                    self.set_state(State::InRoom {
                        membership,
                        slot,
                        input_check,
                    });
                    self.remember_seat();
                }
            }
            RoomToSession::Frame { room_id, frame } => {
                if current_room == Some(room_id) {
                    self.write(ctx, frame);
                    self.check_backlog(ctx);
                }
            }
            RoomToSession::Closed { room_id, frame } => {
                if current_room == Some(room_id) {
                    self.back_to_lobby(ctx);
                    self.remember_seat();
                    self.write(ctx, frame);
                }
            }
            RoomToSession::Dropped { room_id } => {
                if current_room == Some(room_id) {
                    self.back_to_lobby(ctx);
                    self.fail(
                        ctx,
                        Fatal::TooSlow,
                        "your connection fell too far behind the game".into(),
                    );
                }
            }
            RoomToSession::Watching {
                room,
                room_id,
                frame,
                feed,
            } => {
                if let Some(membership) = self.enter(room, room_id, frame, feed, ctx) {
                    self.set_state(State::Spectating(membership));
                }
            }
        }
    }
}

impl Session {
    /// Takes the place `room` granted in answer to the pending join or watch: sends the room's
    /// `frame` and starts its snapshots. `None`, after telling the room, when the connection
    /// moved on while the request was under way.
    fn enter(
        &mut self,
        room: Addr<Room>,
        room_id: RoomId,
        frame: Bytes,
        feed: SnapshotFeed,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> Option<Membership> {
        if !matches!(&self.state, State::Joining { room: pending } if *pending == room) {
            room.do_send(Leave {
                player_id: self.player_id,
            });
            return None;
        }
        self.write(ctx, frame);
        Some(Membership {
            room,
            room_id,
            feed: ctx.add_stream(newest_snapshots(feed.snapshots)),
            link: feed.link,
            last_snapshot: None,
        })
    }
}

/// The room's snapshots as a stream that yields only the newest one each time it is polled:
/// a session that falls behind skips stale snapshots instead of queueing them.
fn newest_snapshots(
    snapshots: watch::Receiver<SnapshotFrame>,
) -> impl futures_util::Stream<Item = SnapshotFrame> {
    // The end of the stream (the room dropped its sender) needs nothing: the room's `Closed`
    // message ends the membership.
    futures_util::stream::unfold(snapshots, |mut snapshots| async move {
        snapshots.changed().await.ok()?;
        let newest = snapshots.borrow_and_update().clone();
        Some((newest, snapshots))
    })
}

impl StreamHandler<SnapshotFrame> for Session {
    fn handle(&mut self, frame: SnapshotFrame, ctx: &mut Self::Context) {
        let (membership, slot) = match &mut self.state {
            State::InRoom {
                membership, slot, ..
            } => (membership, Some(*slot)),
            State::Spectating(membership) => (membership, None),
            _ => return,
        };
        if let Some(bytes) = frame.bytes_for(membership.last_snapshot, slot) {
            membership.last_snapshot = Some(frame.tick);
            membership.link.delivered(frame.tick);
            self.backlog.wrote_snapshot(bytes.len(), Instant::now());
            ctx.binary(bytes);
            self.check_backlog(ctx);
        }
    }

    fn finished(&mut self, _ctx: &mut Self::Context) {
        // Unlike the socket's stream, the end of a room's snapshots does not end the session.
    }
}

/// Starts a session actor for an upgraded HTTP request.
pub fn start(
    app: Arc<AppState>,
    req: &actix_web::HttpRequest,
    stream: actix_web::web::Payload,
    admission: Admission,
) -> Result<actix_web::HttpResponse, actix_web::Error> {
    let peer = req
        .peer_addr()
        .map_or_else(|| "unknown peer".to_string(), |addr| addr.to_string());
    let meter = req.conn_data::<Rc<ConnectionMeter>>().cloned();
    let session = Session::new(app, peer, admission, meter.clone());
    let upgrade = ws::WsResponseBuilder::new(session, req, stream)
        .frame_size(MAX_CLIENT_MESSAGE_BYTES)
        .start();
    if let (Ok(_), Some(meter)) = (&upgrade, &meter) {
        meter.upgraded();
    }
    upgrade
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_are_cut_on_character_boundaries() {
        assert_eq!(truncate_to_boundary("short", 123), "short");
        let long = "é".repeat(100);
        let cut = truncate_to_boundary(&long, MAX_CLOSE_REASON_BYTES);
        assert_eq!(cut.len(), 122);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
