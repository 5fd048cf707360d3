//! A WebSocket client without the bot's manners, for hostile-input tests: it sends any frame
//! (text, fragments, raw bytes on the socket) and reports everything the server answers up to
//! its close code.

use futures_util::{SinkExt, StreamExt};
use skirmish::bot::{BotClient, JoinedRoom, Welcome};
use skirmish::game::arena::{Arena, ArenaState};
use skirmish::protocol::Held;
use skirmish::protocol::{
    apply_snapshot, decode_server, encode_client, ClientMsg, ServerMsg, PROTOCOL_VERSION,
};
use skirmish::startup::RunningServer;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::WAIT;

pub struct RawClient {
    pub ws: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    /// The room as the snapshots read by `expect` left it, and this connection's ack.
    pub room: Option<Held<ArenaState>>,
    pub ack: u32,
}

/// What the server said before it closed the connection.
#[derive(Debug)]
pub struct Ending {
    pub messages: Vec<ServerMsg>,
    /// The close frame's code; 1006 when the connection ended without one.
    pub code: u16,
    pub reason: String,
}

impl Ending {
    /// The codes of the `Error` messages, in order.
    pub fn error_codes(&self) -> Vec<u16> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                ServerMsg::Error { code, .. } => Some(*code),
                _ => None,
            })
            .collect()
    }

    pub fn error_messages(&self) -> Vec<String> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                ServerMsg::Error { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }
}

impl RawClient {
    pub async fn connect(app: &RunningServer) -> RawClient {
        RawClient::connect_with(app, &[]).await.expect("upgrade")
    }

    /// Connects with extra request headers and `query` after `/ws`; the error is the HTTP
    /// status of a refused upgrade.
    pub async fn connect_with(
        app: &RunningServer,
        headers: &[(&'static str, &str)],
    ) -> Result<RawClient, u16> {
        RawClient::connect_url(&app.ws_url(), headers).await
    }

    pub async fn connect_url(
        url: &str,
        headers: &[(&'static str, &str)],
    ) -> Result<RawClient, u16> {
        let mut request = url.into_client_request().expect("a request");
        // Appended: a name given twice is sent twice.
        for (name, value) in headers {
            request
                .headers_mut()
                .append(*name, value.parse().expect("a header value"));
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(RawClient {
                ws,
                room: None,
                ack: 0,
            }),
            Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(other) => panic!("connect failed: {other}"),
        }
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        self.send_bytes(encode_client(msg)).await;
    }

    pub async fn send_bytes(&mut self, bytes: Vec<u8>) {
        self.ws.send(Message::binary(bytes)).await.expect("send");
    }

    pub async fn send_frame(&mut self, opcode: OpCode, payload: Vec<u8>, is_final: bool) {
        let frame = Frame::message(payload, opcode, is_final);
        self.ws
            .send(Message::Frame(frame))
            .await
            .expect("send a frame");
    }

    pub async fn send_fragment(&mut self, first: bool, payload: Vec<u8>, is_final: bool) {
        let opcode = if first {
            OpCode::Data(Data::Binary)
        } else {
            OpCode::Data(Data::Continue)
        };
        self.send_frame(opcode, payload, is_final).await;
    }

    /// Writes bytes straight onto the socket, under the WebSocket framing.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        match self.ws.get_mut() {
            MaybeTlsStream::Plain(tcp) => tcp.write_all(bytes).await.expect("raw write"),
            _ => panic!("raw writes need a plain connection"),
        }
    }

    /// Sends `Hello` with `name` and this build's protocol version, without waiting for the
    /// answer.
    pub async fn send_hello(&mut self, name: &str) {
        self.send(&ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            name: name.into(),
        })
        .await;
    }

    /// Says `Hello` and waits for the `Welcome`.
    pub async fn hello(&mut self, name: &str) -> Welcome {
        self.send_hello(name).await;
        self.expect(Welcome::from_msg).await
    }

    /// Joins the room with `code` and waits for the `Joined`.
    pub async fn join(&mut self, code: &str) -> JoinedRoom<Arena> {
        self.send(&ClientMsg::JoinByCode { code: code.into() })
            .await;
        self.expect(JoinedRoom::from_msg)
            .await
            .expect("an arena room")
    }

    /// The code of the next `Error` (skipping anything else).
    pub async fn next_error_code(&mut self) -> u16 {
        self.expect(|m| match m {
            ServerMsg::Error { code, .. } => Some(*code),
            _ => None,
        })
        .await
    }

    /// Reads until a snapshot acknowledges exactly `seq` as this connection's last input.
    pub async fn expect_ack(&mut self, seq: u32) {
        self.expect(|m| match m {
            ServerMsg::Snapshot(s) => (s.ack == seq).then_some(()),
            _ => None,
        })
        .await;
    }

    /// The next message `pick` accepts, skipping others; panics after `WAIT`.
    pub async fn expect<T>(&mut self, mut pick: impl FnMut(&ServerMsg) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("an answer in time");
            match frame {
                Some(Ok(Message::Binary(bytes))) => {
                    let msg = decode_server(&bytes).expect("the server's frames decode");
                    self.track(&msg);
                    if let Some(found) = pick(&msg) {
                        return found;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("the connection ended while waiting: {other:?}"),
            }
        }
    }

    fn track(&mut self, msg: &ServerMsg) {
        match msg {
            ServerMsg::Snapshot(snapshot) => {
                apply_snapshot::<Arena>(&mut self.room, snapshot).expect("each snapshot applies");
                self.ack = snapshot.ack;
            }
            ServerMsg::Joined { .. } | ServerMsg::Left { .. } | ServerMsg::RoomClosed { .. } => {
                self.room = None;
            }
            _ => {}
        }
    }

    /// Reads until `pick` finds what it wants in the room state and own ack a snapshot leaves;
    /// panics after `WAIT`.
    pub async fn expect_state<T>(
        &mut self,
        mut pick: impl FnMut(&ArenaState, u32) -> Option<T>,
    ) -> T {
        let waiting = async {
            loop {
                self.expect(|m| matches!(m, ServerMsg::Snapshot(_)).then_some(()))
                    .await;
                if let Some(found) = self
                    .room
                    .as_ref()
                    .and_then(|room| pick(&room.state, self.ack))
                {
                    return found;
                }
            }
        };
        tokio::time::timeout(WAIT, waiting)
            .await
            .expect("the room state looked for in time")
    }

    /// Reads until the server closes the connection.
    pub async fn ending(&mut self) -> Ending {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut messages = Vec::new();
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "no close within {WAIT:?} ({} messages before)",
                        messages.len()
                    )
                });
            match frame {
                Some(Ok(Message::Binary(bytes))) => {
                    messages.push(decode_server(&bytes).expect("the server's frames decode"));
                }
                Some(Ok(Message::Close(close))) => {
                    let (code, reason) = close.map_or((1005, String::new()), |c| {
                        (c.code.into(), c.reason.to_string())
                    });
                    return Ending {
                        messages,
                        code,
                        reason,
                    };
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    return Ending {
                        messages,
                        code: 1006,
                        reason: String::new(),
                    }
                }
            }
        }
    }

    /// True if a `Ping` is answered within `within` (false also if the ping was dropped).
    pub async fn pong_within(&mut self, within: std::time::Duration) -> bool {
        tokio::time::timeout(within, self.is_open())
            .await
            .unwrap_or(false)
    }

    /// True if the connection is still open: a `Ping` is answered with its `Pong`.
    pub async fn is_open(&mut self) -> bool {
        if self
            .ws
            .send(Message::binary(encode_client(&ClientMsg::Ping { t: 77 })))
            .await
            .is_err()
        {
            return false;
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Ok(Some(Ok(Message::Binary(bytes)))) => {
                    if decode_server(&bytes) == Ok(ServerMsg::Pong { t: 77 }) {
                        return true;
                    }
                }
                Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) | Err(_) => {
                    return false
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

/// A room with a player in it who only watches: tests check that it keeps getting snapshots
/// whatever another connection does.
pub struct Watched {
    pub observer: BotClient,
    pub code: String,
    last_tick: u32,
}

/// Ticks that must pass for "kept getting snapshots": half a second at 30 Hz.
const TICKS_TO_PROVE_LIFE: u32 = 15;

impl Watched {
    pub async fn new(app: &RunningServer) -> Watched {
        let mut observer = super::connect(app, "observer").await;
        let joined = observer
            .create_room("watched", 16, true)
            .await
            .expect("the room is made");
        let mut watched = Watched {
            observer,
            code: joined.code,
            last_tick: 0,
        };
        watched.last_tick = super::next_snapshot(&mut watched.observer).await.tick;
        watched
    }

    /// Runs `until` while the observer reads on (and so answers the server's pings): for waits
    /// longer than the client timeout.
    pub async fn reading_while<F: std::future::Future>(&mut self, until: F) -> F::Output {
        tokio::pin!(until);
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            tokio::select! {
                done = &mut until => return done,
                read = tokio::time::timeout_at(deadline, self.observer.recv()) => {
                    read.expect("the wait ends in time").expect("the observer stays connected");
                }
            }
        }
    }

    /// Waits until the observer has seen the room tick on by half a second since the last
    /// check: the room kept running and kept sending to its other players.
    pub async fn assert_still_ticking(&mut self) {
        let target = self.last_tick + TICKS_TO_PROVE_LIFE;
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let tick = tokio::time::timeout_at(deadline, super::next_snapshot(&mut self.observer))
                .await
                .expect("the room keeps ticking")
                .tick;
            if tick >= target {
                self.last_tick = tick;
                return;
            }
        }
    }
}
