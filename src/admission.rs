//! The checks a `/ws` request passes before its WebSocket upgrade, cheapest first: the server
//! is not shutting down, the (single) Origin is allowed, and a join token is present when one is
//! required. (The per-IP connection limits apply to every connection, in `transport`.)
//!
//! Nothing is decoded or allocated for a refused request beyond its HTTP response, which names
//! the reason in plain text (browsers do not show it to scripts, so the checks that need the
//! client's attention, like the token's signature, are made after the upgrade instead).

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::auth::{origin_allowed, parse_join_token, TokenError};
use crate::limits::IpRefusal;

/// What an admitted connection carries into its session.
pub struct Admission {
    /// The `token` query parameter, checked against the name in `Hello`.
    pub join_token: Option<String>,
    /// The client's address, for the per-address budgets.
    pub ip: Option<IpAddr>,
}

/// Why a request was not upgraded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    ShuttingDown,
    Origin,
    /// More than one `Origin` header: which one a check would read is a guess.
    TwoOrigins,
    /// `Sec-WebSocket-Version` other than 13 (RFC 6455's only version).
    WebSocketVersion,
    /// `Sec-WebSocket-Key` that is not 16 bytes in base64.
    WebSocketKey,
    Token(TokenError),
    Ip(IpRefusal),
}

impl Refusal {
    /// The HTTP answer: 503, 403, 400, 426, 401 or 429, with the reason as plain text.
    pub fn response(&self) -> HttpResponse {
        match self {
            Refusal::ShuttingDown => HttpResponse::ServiceUnavailable()
                .insert_header((header::RETRY_AFTER, "5"))
                .body("the server is restarting\n"),
            Refusal::Origin => {
                HttpResponse::Forbidden().body("connections from this origin are not allowed\n")
            }
            Refusal::WebSocketVersion => HttpResponse::UpgradeRequired()
                .insert_header((header::SEC_WEBSOCKET_VERSION, "13"))
                .body("only WebSocket version 13 is supported\n"),
            Refusal::WebSocketKey => HttpResponse::BadRequest()
                .body("Sec-WebSocket-Key must be 16 bytes in base64 (24 characters)\n"),
            Refusal::TwoOrigins => {
                HttpResponse::BadRequest().body("a request may carry one Origin header only\n")
            }
            Refusal::Token(problem) => HttpResponse::Unauthorized().body(format!("{problem}\n")),
            Refusal::Ip(refusal) => HttpResponse::TooManyRequests()
                .insert_header((header::RETRY_AFTER, "1"))
                .body(format!("{refusal}\n")),
        }
    }
}

/// Admits the request or says why not.
pub fn admit(app: &AppState, req: &HttpRequest) -> Result<Admission, Refusal> {
    let admitted = check(app, req);
    if let Err(refusal) = &admitted {
        log::debug!("refused a WebSocket upgrade: {refusal:?}");
    }
    admitted
}

fn check(app: &AppState, req: &HttpRequest) -> Result<Admission, Refusal> {
    if !app.is_ready() {
        return Err(Refusal::ShuttingDown);
    }
    // actix's handshake checks that these are present; RFC 6455 says what they must be.
    let headers = req.headers();
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|version| version.as_bytes() != b"13")
    {
        return Err(Refusal::WebSocketVersion);
    }
    if headers
        .get(header::SEC_WEBSOCKET_KEY)
        .is_some_and(|key| !is_websocket_key(key.as_bytes()))
    {
        return Err(Refusal::WebSocketKey);
    }
    let mut origins = req.headers().get_all(header::ORIGIN);
    let origin = origins.next().map(|v| v.to_str().unwrap_or(""));
    if origins.next().is_some() {
        return Err(Refusal::TwoOrigins);
    }
    let own = app.config.public_origin();
    if !origin_allowed(origin, own.as_deref(), &app.config.allowed_origins) {
        return Err(Refusal::Origin);
    }
    let join_token = query_param(req.query_string(), "token").map(str::to_string);
    if app.config.join_secret.is_some() {
        match &join_token {
            None => return Err(Refusal::Token(TokenError::Missing)),
            Some(token) => {
                parse_join_token(token).map_err(Refusal::Token)?;
            }
        }
    }
    Ok(Admission {
        join_token,
        ip: req.peer_addr().map(|peer| peer.ip()),
    })
}

/// Whether `key` is 16 bytes in base64: 22 characters of the base64 alphabet and `==`.
fn is_websocket_key(key: &[u8]) -> bool {
    key.len() == 24
        && key[22..] == *b"=="
        && key[..22]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

/// The value of `name` in a query string, as sent (tokens need no percent-decoding).
fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_keys_are_16_bytes_in_base64() {
        assert!(is_websocket_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!is_websocket_key(b"abc"));
        assert!(!is_websocket_key(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!is_websocket_key(b"dGhlIHNhbXBsZSBub25j!Q=="));
    }

    #[test]
    fn query_parameters_are_found_by_name() {
        assert_eq!(query_param("token=1.ab&x=2", "token"), Some("1.ab"));
        assert_eq!(query_param("x=2&token=3", "token"), Some("3"));
        assert_eq!(query_param("tokens=3&token", "token"), None);
        assert_eq!(query_param("", "token"), None);
    }
}
