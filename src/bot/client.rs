//! `GameClient`: one WebSocket connection to a Skirmish server, driven as a bot of one game
//! (`BotClient` is the arena's).
//!
//! It owns the socket and the bookkeeping that belongs to one connection (the handshake's
//! answer, the input sequence counter, the tracked [`RoomView`]). It does not decide what to
//! play (that is the game's brain) and has no timers of its own: callers pace their inputs.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::error::BotError;
use super::state::{JoinedRoom, RoomView};
use crate::game::arena::{Arena, ArenaInput};
use crate::protocol::{
    decode_server, encode_client, ClientMsg, GameWire, InputMsg, InputPayload, PlayerId, RoomId,
    RoomInfo, ServerMsg, MAX_SERVER_MESSAGE_BYTES, PROTOCOL_VERSION,
};

/// How long the request helpers (handshake, lobby requests, ping) wait for their answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Close code reported when the connection ends without a close frame (RFC 6455 "abnormal").
const ABNORMAL_CLOSURE: u16 = 1006;
/// Close code reported for a close frame without a status code (RFC 6455 "no status").
const NO_STATUS: u16 = 1005;
/// Snapshots of a full room are well under a kilobyte; a small buffer keeps many bots cheap
/// (tungstenite's default is 128 KiB per connection, zero-filled before every read).
const READ_BUFFER_BYTES: usize = 8 * 1024;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The server's answer to `Hello`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Welcome {
    pub protocol: u16,
    pub player_id: PlayerId,
    pub tick_rate: u16,
    pub max_message_bytes: u32,
}

impl Welcome {
    /// The fields of a `Welcome` message, or `None` for any other message.
    pub fn from_msg(msg: &ServerMsg) -> Option<Welcome> {
        match *msg {
            ServerMsg::Welcome {
                protocol,
                player_id,
                tick_rate,
                max_message_bytes,
            } => Some(Welcome {
                protocol,
                player_id,
                tick_rate,
                max_message_bytes,
            }),
            _ => None,
        }
    }
}

/// A connection to a Skirmish server, playing the game `G` (rooms of other games are refused
/// with `BotError::UnknownMode`).
pub struct GameClient<G: GameWire> {
    socket: Socket,
    /// The server (in a cluster: the node) this connection is to.
    url: String,
    welcome: Option<Welcome>,
    room: Option<RoomView<G>>,
    last_seq: u32,
    last_ping: u64,
    timeout: Duration,
    /// Set once the connection has ended, so that later calls report the same ending.
    ended: Option<(u16, String)>,
}

/// A client of the arena, the bundled game.
pub type BotClient = GameClient<Arena>;

impl<G: GameWire> GameClient<G> {
    /// Connects, sends `Hello` with this crate's `PROTOCOL_VERSION` and waits for `Welcome`.
    pub async fn connect(url: &str, name: &str) -> Result<GameClient<G>, BotError> {
        let mut client = GameClient::connect_raw(url).await?;
        client.hello(name, PROTOCOL_VERSION).await?;
        Ok(client)
    }

    /// Opens the WebSocket and nothing more: the caller speaks first (tests use this to send
    /// wrong versions, garbage or text frames).
    pub async fn connect_raw(url: &str) -> Result<GameClient<G>, BotError> {
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER_BYTES)
            .max_message_size(Some(MAX_SERVER_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_SERVER_MESSAGE_BYTES));
        let connecting = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
        let (socket, _response) = tokio::time::timeout(DEFAULT_TIMEOUT, connecting)
            .await
            .map_err(|_| BotError::Connect {
                url: url.into(),
                reason: format!("no answer within {DEFAULT_TIMEOUT:?}"),
            })?
            .map_err(|e| BotError::Connect {
                url: url.into(),
                reason: e.to_string(),
            })?;
        Ok(GameClient {
            socket,
            url: url.into(),
            welcome: None,
            room: None,
            last_seq: 0,
            last_ping: 0,
            timeout: DEFAULT_TIMEOUT,
            ended: None,
        })
    }

    /// Sends `Hello` with any name and version and waits for the answer: `Welcome`, or the
    /// server's `Error` as `BotError::Server` (the close frame that follows it is left for
    /// the next `recv`).
    pub async fn hello(&mut self, name: &str, protocol: u16) -> Result<Welcome, BotError> {
        self.send(&ClientMsg::Hello {
            protocol,
            name: name.into(),
        })
        .await?;
        self.welcomed().await
    }

    /// Sends `Redeem` with a ticket of a `Redirect` as the first message, and waits for
    /// `Welcome` (or the refusal, as `BotError::Server`).
    pub async fn redeem(&mut self, ticket: &str) -> Result<Welcome, BotError> {
        self.send(&ClientMsg::Redeem {
            protocol: PROTOCOL_VERSION,
            ticket: ticket.into(),
        })
        .await?;
        self.welcomed().await
    }

    async fn welcomed(&mut self) -> Result<Welcome, BotError> {
        let welcome = self
            .answer("Welcome", |msg| {
                Some(
                    Welcome::from_msg(msg)
                        .ok_or_else(|| BotError::Unexpected(format!("{msg:?} before Welcome"))),
                )
            })
            .await?;
        self.welcome = Some(welcome);
        Ok(welcome)
    }

    /// The server this client is connected to: in a cluster, the node it was last sent to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's `Welcome`, once the handshake is done.
    pub fn welcome(&self) -> Option<&Welcome> {
        self.welcome.as_ref()
    }

    /// Your player id (0 before the handshake).
    pub fn player_id(&self) -> PlayerId {
        self.welcome.map_or(PlayerId(0), |w| w.player_id)
    }

    /// The server's ticks per second (0 before the handshake).
    pub fn tick_rate(&self) -> u16 {
        self.welcome.map_or(0, |w| w.tick_rate)
    }

    /// Changes how long the request helpers wait for their answer.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The room you are in, as tracked from every message received so far.
    pub fn room(&self) -> Option<&RoomView<G>> {
        self.room.as_ref()
    }

    /// The seq of the last input sent with `send_input` (0: none yet).
    pub fn last_seq(&self) -> u32 {
        self.last_seq
    }

    pub async fn send(&mut self, msg: &ClientMsg) -> Result<(), BotError> {
        self.send_message(Message::binary(encode_client(msg))).await
    }

    /// Sends any bytes as one binary frame.
    pub async fn send_raw_binary(&mut self, bytes: Vec<u8>) -> Result<(), BotError> {
        self.send_message(Message::binary(bytes)).await
    }

    /// Sends a text frame (the protocol has none; the server must refuse it).
    pub async fn send_text(&mut self, text: String) -> Result<(), BotError> {
        self.send_message(Message::text(text)).await
    }

    async fn send_message(&mut self, message: Message) -> Result<(), BotError> {
        if let Some((code, reason)) = &self.ended {
            return Err(BotError::Closed {
                code: *code,
                reason: reason.clone(),
            });
        }
        self.socket
            .send(message)
            .await
            .map_err(|e| BotError::Transport(e.to_string()))
    }

    /// The next message from the server, after updating the tracked room state with it.
    /// WebSocket pings are answered on the way; a close frame ends the connection as
    /// `BotError::Closed`.
    pub async fn recv(&mut self) -> Result<ServerMsg, BotError> {
        loop {
            if let Some((code, reason)) = &self.ended {
                return Err(BotError::Closed {
                    code: *code,
                    reason: reason.clone(),
                });
            }
            let frame = match self.socket.next().await {
                Some(Ok(frame)) => frame,
                Some(Err(
                    tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed,
                ))
                | None => {
                    self.ended = Some((ABNORMAL_CLOSURE, "connection ended".into()));
                    continue;
                }
                Some(Err(e)) => {
                    self.ended = Some((ABNORMAL_CLOSURE, e.to_string()));
                    return Err(BotError::Transport(e.to_string()));
                }
            };
            match frame {
                Message::Binary(bytes) => {
                    let msg = decode_server(&bytes)?;
                    RoomView::track(&mut self.room, &msg)?;
                    return Ok(msg);
                }
                Message::Text(text) => return Err(BotError::UnexpectedText(text.to_string())),
                Message::Close(frame) => {
                    self.ended = Some(match frame {
                        Some(frame) => (frame.code.into(), frame.reason.to_string()),
                        None => (NO_STATUS, String::new()),
                    });
                }
                // tungstenite queues the pong itself and sends it with the next read or write.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// `recv` with a deadline.
    pub async fn recv_timeout(&mut self, timeout: Duration) -> Result<ServerMsg, BotError> {
        tokio::time::timeout(timeout, self.recv())
            .await
            .map_err(|_| BotError::Timeout(timeout, "a message"))?
    }

    /// Receives until `pick` returns `Some` for a message, and returns that. Other messages
    /// are skipped (they still update the tracked room state).
    pub async fn wait_for<T>(
        &mut self,
        timeout: Duration,
        pick: impl FnMut(&ServerMsg) -> Option<T>,
    ) -> Result<T, BotError> {
        self.wait_for_what(timeout, "a matching message", pick)
            .await
    }

    /// Receives until `pick` finds what it wants in the room state a snapshot leaves (the
    /// tracked [`RoomView`], checked after every snapshot), and returns that.
    pub async fn wait_for_state<T>(
        &mut self,
        timeout: Duration,
        mut pick: impl FnMut(&RoomView<G>) -> Option<T>,
    ) -> Result<T, BotError> {
        self.wait_until(timeout, "a matching room state", |msg, room| match msg {
            ServerMsg::Snapshot(_) => room.and_then(&mut pick),
            _ => None,
        })
        .await
    }

    async fn wait_for_what<T>(
        &mut self,
        timeout: Duration,
        what: &'static str,
        mut pick: impl FnMut(&ServerMsg) -> Option<T>,
    ) -> Result<T, BotError> {
        self.wait_until(timeout, what, |msg, _| pick(msg)).await
    }

    /// Receives until `pick` returns `Some` for a message and the room state it left.
    async fn wait_until<T>(
        &mut self,
        timeout: Duration,
        what: &'static str,
        mut pick: impl FnMut(&ServerMsg, Option<&RoomView<G>>) -> Option<T>,
    ) -> Result<T, BotError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = tokio::time::timeout(left, self.recv())
                .await
                .map_err(|_| BotError::Timeout(timeout, what))??;
            if let Some(found) = pick(&msg, self.room.as_ref()) {
                return Ok(found);
            }
        }
    }

    /// Waits for the answer to a request: the first message `pick` accepts, or the server's
    /// `Error`.
    async fn answer<T>(
        &mut self,
        what: &'static str,
        mut pick: impl FnMut(&ServerMsg) -> Option<Result<T, BotError>>,
    ) -> Result<T, BotError> {
        let timeout = self.timeout;
        self.wait_for_what(timeout, what, |msg| match msg {
            ServerMsg::Error { code, message } => Some(Err(BotError::Server {
                code: *code,
                message: message.clone(),
            })),
            other => pick(other),
        })
        .await?
    }

    /// Sends a join request and waits for `Joined`. A `Redirect` (the room is on another node
    /// of a cluster) is followed: the connection is replaced by one to that node, where the
    /// ticket is redeemed (`url` tells where the client is now).
    async fn join_with(&mut self, request: ClientMsg) -> Result<JoinedRoom<G>, BotError> {
        self.send(&request).await?;
        let redirect = self
            .answer("Joined", |msg| match msg {
                ServerMsg::Redirect { url, ticket } => Some(Ok(Err((url.clone(), ticket.clone())))),
                msg => {
                    JoinedRoom::from_msg(msg).map(|joined| joined.map(Ok).map_err(BotError::from))
                }
            })
            .await?;
        let (url, ticket) = match redirect {
            Ok(joined) => return Ok(joined),
            Err(redirect) => redirect,
        };
        let mut moved = GameClient::connect_raw(&url).await?;
        moved.timeout = self.timeout;
        moved.redeem(&ticket).await?;
        let old = std::mem::replace(self, moved);
        // The old node keeps nothing of this player: closing is a courtesy.
        let _ = old.close().await;
        self.answer("Joined", |msg| {
            JoinedRoom::from_msg(msg).map(|joined| joined.map_err(BotError::from))
        })
        .await
    }

    /// The public rooms.
    pub async fn list_rooms(&mut self) -> Result<Vec<RoomInfo>, BotError> {
        self.send(&ClientMsg::ListRooms).await?;
        self.answer("RoomList", |msg| match msg {
            ServerMsg::RoomList { rooms } => Some(Ok(rooms.clone())),
            _ => None,
        })
        .await
    }

    /// Creates a room without the server's bots and joins it.
    pub async fn create_room(
        &mut self,
        name: &str,
        capacity: u8,
        public: bool,
    ) -> Result<JoinedRoom<G>, BotError> {
        self.create((name, capacity, public), false).await
    }

    /// Creates a room whose empty seats the server's bots fill, and joins it.
    pub async fn create_room_with_bots(
        &mut self,
        name: &str,
        capacity: u8,
        public: bool,
    ) -> Result<JoinedRoom<G>, BotError> {
        self.create((name, capacity, public), true).await
    }

    async fn create(
        &mut self,
        (name, capacity, public): (&str, u8, bool),
        bots: bool,
    ) -> Result<JoinedRoom<G>, BotError> {
        let msg = ClientMsg::CreateRoom {
            name: name.into(),
            capacity,
            public,
            bots,
            mode: G::MODE.into(),
        };
        self.join_with(msg).await
    }

    pub async fn join_room(&mut self, room: RoomId) -> Result<JoinedRoom<G>, BotError> {
        self.join_with(ClientMsg::JoinRoom { room }).await
    }

    pub async fn join_by_code(&mut self, code: &str) -> Result<JoinedRoom<G>, BotError> {
        self.join_with(ClientMsg::JoinByCode { code: code.into() })
            .await
    }

    /// Joins the fullest public room of the game with space, or a new one.
    pub async fn quick_join(&mut self) -> Result<JoinedRoom<G>, BotError> {
        self.join_with(ClientMsg::QuickJoin {
            mode: G::MODE.into(),
        })
        .await
    }

    /// Leaves the room; returns the id of the room left.
    pub async fn leave_room(&mut self) -> Result<RoomId, BotError> {
        self.send(&ClientMsg::LeaveRoom).await?;
        self.answer("Left", |msg| match msg {
            ServerMsg::Left { room } => Some(Ok(*room)),
            _ => None,
        })
        .await
    }

    /// Sends the next input (seq one above the last) and returns its seq. Each input is one
    /// step of the bot's player: send one per tick (`tick_rate` a second) to move at full
    /// speed.
    pub async fn send_game_input(&mut self, input: &G::Input) -> Result<u32, BotError> {
        let seq = self.last_seq.wrapping_add(1);
        self.send(&ClientMsg::Input(InputMsg {
            seq,
            payload: InputPayload::of::<G>(input),
        }))
        .await?;
        self.last_seq = seq;
        Ok(seq)
    }

    /// Measures one `Ping`/`Pong` round trip.
    pub async fn ping(&mut self) -> Result<Duration, BotError> {
        self.last_ping += 1;
        let t = self.last_ping;
        let started = Instant::now();
        self.send(&ClientMsg::Ping { t }).await?;
        self.answer("Pong", |msg| match msg {
            ServerMsg::Pong { t: answered } if *answered == t => Some(Ok(())),
            _ => None,
        })
        .await?;
        Ok(started.elapsed())
    }

    /// Says something to the room.
    pub async fn chat(&mut self, text: &str) -> Result<(), BotError> {
        self.send(&ClientMsg::Chat { text: text.into() }).await
    }

    /// Closes the connection politely: sends a close frame and waits (briefly) for the
    /// server's.
    pub async fn close(mut self) -> Result<(), BotError> {
        if self.ended.is_some() {
            return Ok(());
        }
        self.socket
            .close(None)
            .await
            .map_err(|e| BotError::Transport(e.to_string()))?;
        let drain = async { while let Some(Ok(_)) = self.socket.next().await {} };
        // The server may be gone already; a missing close answer is not an error here.
        let _ = tokio::time::timeout(self.timeout, drain).await;
        Ok(())
    }
}

impl GameClient<Arena> {
    /// Sends the next arena input (see `send_game_input`). Its `render_tick` is the tick of
    /// the newest state the bot has seen, so its shots are judged against the world it aimed
    /// in.
    pub async fn send_input(
        &mut self,
        movement: u8,
        aim: f32,
        fire: bool,
    ) -> Result<u32, BotError> {
        let render_tick = self.room.as_ref().and_then(RoomView::tick).unwrap_or(0);
        self.send_game_input(&ArenaInput {
            movement,
            aim,
            fire,
            render_tick,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{decode_client, encode_server, ErrorCode};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;

    /// A one-connection WebSocket peer standing in for the server, run by `script`.
    async fn fake_server<F, Fut>(script: F) -> String
    where
        F: FnOnce(WebSocketStream<TcpStream>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("accept");
            let ws = tokio_tungstenite::accept_async(tcp).await.expect("upgrade");
            script(ws).await;
        });
        format!("ws://{addr}/ws")
    }

    async fn next_client_msg(ws: &mut WebSocketStream<TcpStream>) -> ClientMsg {
        loop {
            match ws.next().await {
                Some(Ok(Message::Binary(bytes))) => {
                    return decode_client(&bytes).expect("a client message")
                }
                Some(Ok(_)) => continue,
                other => panic!("connection ended: {other:?}"),
            }
        }
    }

    async fn send_server(ws: &mut WebSocketStream<TcpStream>, msg: &ServerMsg) {
        ws.send(Message::binary(encode_server(msg)))
            .await
            .expect("send");
    }

    #[tokio::test]
    async fn handshake_pings_and_requests() {
        let url = fake_server(|mut ws| async move {
            match next_client_msg(&mut ws).await {
                ClientMsg::Hello { protocol, name } => {
                    assert_eq!((protocol, name.as_str()), (PROTOCOL_VERSION, "ada"))
                }
                other => panic!("expected Hello, got {other:?}"),
            }
            send_server(
                &mut ws,
                &ServerMsg::Welcome {
                    protocol: PROTOCOL_VERSION,
                    player_id: PlayerId(42),
                    tick_rate: 30,
                    max_message_bytes: 4096,
                },
            )
            .await;
            ws.send(Message::Ping(vec![1, 2, 3].into()))
                .await
                .expect("ping");
            assert_eq!(next_client_msg(&mut ws).await, ClientMsg::ListRooms);
            // The client reads the ping while it waits for the room list, and answers it.
            match ws.next().await {
                Some(Ok(Message::Pong(payload))) => assert_eq!(&payload[..], [1, 2, 3]),
                other => panic!("expected the pong, got {other:?}"),
            }
            send_server(&mut ws, &ServerMsg::RoomList { rooms: vec![] }).await;
            assert!(matches!(
                next_client_msg(&mut ws).await,
                ClientMsg::JoinByCode { .. }
            ));
            send_server(
                &mut ws,
                &ServerMsg::Error {
                    code: ErrorCode::RoomNotFound.number(),
                    message: "no such room".into(),
                },
            )
            .await;
            let ClientMsg::Ping { t } = next_client_msg(&mut ws).await else {
                panic!("expected Ping");
            };
            send_server(&mut ws, &ServerMsg::Pong { t: t + 1 }).await;
            send_server(&mut ws, &ServerMsg::Pong { t }).await;
            ws.send(Message::binary(vec![0xff; 3])).await.expect("send");
            ws.close(Some(CloseFrame {
                code: CloseCode::from(4004),
                reason: "idle".into(),
            }))
            .await
            .expect("close");
        })
        .await;

        let mut bot = BotClient::connect(&url, "ada").await.expect("connect");
        assert_eq!((bot.player_id(), bot.tick_rate()), (PlayerId(42), 30));
        assert_eq!(bot.list_rooms().await.expect("rooms"), vec![]);
        match bot.join_by_code("NOPE").await {
            Err(BotError::Server { code, .. }) => assert_eq!(code, ErrorCode::RoomNotFound),
            other => panic!("expected a server error, got {other:?}"),
        }
        bot.ping().await.expect("the matching pong");
        assert!(matches!(bot.recv().await, Err(BotError::Decode(_))));
        match bot.recv().await {
            Err(BotError::Closed { code, reason }) => {
                assert_eq!((code, reason.as_str()), (4004, "idle"))
            }
            other => panic!("expected the close, got {other:?}"),
        }
        assert!(
            matches!(bot.recv().await, Err(BotError::Closed { code: 4004, .. })),
            "the ending is reported again"
        );
    }

    #[tokio::test]
    async fn inputs_count_up_and_waiting_times_out() {
        let url = fake_server(|mut ws| async move {
            for expected in 1..=3 {
                match next_client_msg(&mut ws).await {
                    ClientMsg::Input(input) => assert_eq!(input.seq, expected),
                    other => panic!("expected Input, got {other:?}"),
                }
            }
            // Stay silent until the client goes away.
            while let Some(Ok(_)) = ws.next().await {}
        })
        .await;
        let mut bot = BotClient::connect_raw(&url).await.expect("connect");
        for expected in 1..=3 {
            assert_eq!(bot.send_input(0, 0.0, false).await.expect("send"), expected);
        }
        assert_eq!(bot.last_seq(), 3);
        let waited = bot.wait_for(Duration::from_millis(50), |_| Some(())).await;
        assert!(matches!(waited, Err(BotError::Timeout(..))));
        bot.close().await.expect("close");
    }
}
