//! The session's checks against abuse, made before the work they protect: the message rate
//! (before decoding), the join token and the player limit (before welcoming), the room limits
//! (before creating). Also the words of decode errors, which must not leak internals.

use std::time::Instant;

use actix_web_actors::ws;

use super::Session;
use crate::app::NewRoom;
use crate::auth::{unix_now, verify_join_token};
use crate::limits::{
    RoomRefusal, Verdict, CODE_GUESSES_PER_CONNECTION, CODE_GUESSES_PER_IP, CODE_GUESS_INTERVAL,
    CODE_GUESS_INTERVAL_PER_IP,
};
use crate::lobby::RoomHandle;
use crate::protocol::{DecodeError, ErrorCode, Fatal};

/// The first four bytes of every `ClientMsg::Input`: its tag, little-endian.
const INPUT_TAG: [u8; 4] = 7u32.to_le_bytes();

/// Whether a frame claims to be an input (by its tag alone, before any decoding), so that it
/// is counted against the input rate rather than the rate of other messages.
pub(super) fn is_input(frame: &[u8]) -> bool {
    frame.get(..4) == Some(&INPUT_TAG[..])
}

/// What the client hears about a frame that did not decode: what kind of problem it is, never
/// the decoder's own words (they name Rust types).
pub(super) fn describe_decode_error(err: &DecodeError) -> String {
    match err {
        DecodeError::TooLarge(len, limit) => {
            format!("a message of {len} bytes is over the limit of {limit} bytes")
        }
        DecodeError::TrailingBytes(extra) => {
            format!("the frame has {extra} bytes left over after its message")
        }
        DecodeError::Malformed(_) => "the frame is not a valid message: unknown tag, cut short, \
             a bool other than 0 or 1, invalid UTF-8, or a length past the end"
            .into(),
    }
}

impl Session {
    /// Counts one incoming frame against the connection's rates. False when the frame must be
    /// dropped (the client hears `RATE_LIMITED` at most once a second) or the connection was
    /// closed for flooding.
    pub(super) fn within_rate(
        &mut self,
        is_input: bool,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> bool {
        match self.messages.check(is_input, Instant::now()) {
            Verdict::Accept => true,
            Verdict::Drop { warn } => {
                self.app
                    .metrics
                    .rate_limited(if is_input { "input" } else { "message" });
                if warn {
                    let what = if is_input { "inputs" } else { "messages" };
                    let per_second = if is_input {
                        self.app.config.inputs_per_second
                    } else {
                        self.app.config.messages_per_second
                    };
                    self.send_error(
                        ctx,
                        ErrorCode::RateLimited,
                        format!("too many {what}: at most {per_second} per second; the excess is dropped"),
                    );
                }
                false
            }
            Verdict::Disconnect => {
                log::info!("{}: closed for flooding", self.peer);
                self.app.metrics.rate_limited("flood");
                self.fail(
                    ctx,
                    Fatal::Flooding,
                    "too many messages over the rate limits".into(),
                );
                false
            }
        }
    }

    /// With a join secret configured, the connection's token must be signed for `name` and
    /// not expired; otherwise the connection is closed.
    pub(super) fn check_join_token(
        &mut self,
        name: &str,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> bool {
        let Some(secret) = &self.app.config.join_secret else {
            return true;
        };
        let checked = match &self.join_token {
            Some(token) => verify_join_token(secret.as_bytes(), token, name, unix_now()),
            None => Err(crate::auth::TokenError::Missing),
        };
        match checked {
            Ok(()) => true,
            Err(problem) => {
                self.fail(ctx, Fatal::Unauthorized, problem.to_string());
                false
            }
        }
    }

    /// Counts the player against the server's maximum (`resuming` players always get back
    /// in); when the server is full, says so and closes.
    pub(super) fn admit_player(
        &mut self,
        resuming: bool,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> bool {
        match self.app.limits.admit_player(resuming) {
            Some(permit) => {
                self.player_permit = Some(permit);
                true
            }
            None => {
                let max = self.app.limits.max_players();
                self.fail(
                    ctx,
                    Fatal::ServerFull,
                    format!("the server is full ({max} players); try again later"),
                );
                false
            }
        }
    }

    /// Whether this connection and its address have wrong room codes to spare; if not, the
    /// client hears so (and no code is looked up).
    pub(super) fn may_try_code(&mut self, ctx: &mut ws::WebsocketContext<Self>) -> bool {
        let now = Instant::now();
        let address_may = self
            .ip
            .is_none_or(|ip| self.app.limits.code_guesses.has_token(ip, now));
        if self.code_guesses.has_token(now) && address_may {
            return true;
        }
        self.app.metrics.rate_limited("room_code");
        let (burst, interval) = (CODE_GUESSES_PER_CONNECTION, CODE_GUESS_INTERVAL.as_secs());
        let (ip_burst, ip_interval) = (CODE_GUESSES_PER_IP, CODE_GUESS_INTERVAL_PER_IP.as_secs());
        self.send_error(
            ctx,
            ErrorCode::RateLimited,
            format!(
                "too many wrong room codes: at most {burst}, then one every {interval} s \
                 ({ip_burst}, then one every {ip_interval} s, from one address)"
            ),
        );
        false
    }

    /// Spends one wrong code of this connection's and its address's budgets.
    pub(super) fn wrong_code(&mut self) {
        let now = Instant::now();
        self.code_guesses.try_take(now);
        if let Some(ip) = self.ip {
            self.app.limits.code_guesses.try_take(ip, now);
        }
    }

    /// Makes a room if this connection's, its address's and the server's room limits allow;
    /// otherwise tells the client why.
    pub(super) fn create_room(
        &mut self,
        room: NewRoom,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> Option<RoomHandle> {
        let now = Instant::now();
        if let Some(ip) = self.ip.filter(|_| self.room_creations.has_token(now)) {
            if !self.app.limits.room_creations.try_take(ip, now) {
                self.app.metrics.rate_limited("room");
                let burst = self.app.config.rooms_per_ip;
                self.send_error(
                    ctx,
                    ErrorCode::RateLimited,
                    format!(
                        "too many rooms created from your address: at most {burst}, then one \
                         every 10 seconds"
                    ),
                );
                return None;
            }
        }
        if !self.room_creations.try_take(now) {
            self.app.metrics.rate_limited("room");
            let burst = self.app.config.rooms_per_connection;
            self.send_error(
                ctx,
                ErrorCode::RateLimited,
                format!(
                    "too many rooms created: at most {burst} at once, then one every 10 seconds"
                ),
            );
            return None;
        }
        match self.app.create_room_within_limits(room) {
            Ok(entry) => {
                if self.created_rooms.len() >= super::MAX_CREATED_KEPT {
                    self.created_rooms.remove(0);
                }
                self.created_rooms.push(entry.addr.clone());
                Some(entry)
            }
            Err(RoomRefusal::ServerFull { max_rooms }) => {
                self.send_error(
                    ctx,
                    ErrorCode::ServerFull,
                    format!("the server has its maximum of {max_rooms} rooms; join one of them"),
                );
                None
            }
            Err(RoomRefusal::TooFast) => {
                self.app.metrics.rate_limited("room");
                self.send_error(
                    ctx,
                    ErrorCode::RateLimited,
                    "rooms are being created too fast on this server; try again in a moment".into(),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::arena::ArenaInput;
    use crate::protocol::{decode_client, encode_client, ClientMsg};

    #[test]
    fn inputs_are_recognised_by_their_tag() {
        let input = encode_client(
            &ArenaInput {
                movement: 0,
                aim: 0.0,
                fire: false,
                render_tick: 0,
            }
            .message(1),
        );
        assert!(is_input(&input));
        assert!(is_input(&input[..4]));
        assert!(!is_input(&encode_client(&ClientMsg::ListRooms)));
        assert!(!is_input(&[7, 0, 0]));
    }

    #[test]
    fn decode_errors_are_described_without_internals() {
        for frame in [
            vec![99, 0, 0, 0],
            vec![0xff; 4],
            vec![2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 4, 2],
            vec![7, 0, 0, 0],
        ] {
            let err = decode_client(&frame).unwrap_err();
            let words = describe_decode_error(&err);
            assert!(
                !words.contains("::") && !words.contains('{') && !words.contains("ClientMsg"),
                "{words}"
            );
        }
    }
}
