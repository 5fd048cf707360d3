//! The numbers the server answers with: `ServerMsg::Error` codes, WebSocket close codes, and the
//! ways a connection ends with one of each. Every code carries its number and its name (for
//! logs, metrics and PROTOCOL.md) in one place, so that a number, its name and its pairing
//! cannot drift apart. Numbers only: nothing here sends or closes anything.
//!
//! On the wire `Error.code` stays a plain `u16` (a client must show the message of a code it
//! does not know), so a received code is compared with `code == ErrorCode::RoomFull`.

/// An enum of numbered codes with their names, the list of all of them, and the lookup from a
/// number.
macro_rules! numbered_codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$doc:meta])* $variant:ident = $number:literal $label:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$doc])* $variant,)+
        }

        impl $name {
            /// Every code, in the order of the table in PROTOCOL.md.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The number on the wire.
            pub const fn number(self) -> u16 {
                match self {
                    $($name::$variant => $number,)+
                }
            }

            /// The name PROTOCOL.md, the logs and the metrics use.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn from_number(number: u16) -> Option<$name> {
                $name::ALL.iter().copied().find(|code| code.number() == number)
            }
        }

        impl PartialEq<$name> for u16 {
            fn eq(&self, code: &$name) -> bool {
                *self == code.number()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {}", self.number(), self.name())
            }
        }
    };
}

numbered_codes! {
    /// `ServerMsg::Error` codes. Stable: a code's meaning never changes.
    pub enum ErrorCode {
        /// A text frame, or a binary frame that is not one well-formed `ClientMsg`.
        BadMessage = 1 "BAD_MESSAGE",
        /// A frame over `MAX_CLIENT_MESSAGE_BYTES`.
        MessageTooLarge = 2 "MESSAGE_TOO_LARGE",
        /// `Hello` with another protocol version.
        VersionMismatch = 3 "VERSION_MISMATCH",
        /// Empty, too long, or with control characters.
        BadName = 4 "BAD_NAME",
        /// The first message was not `Hello`, or `Hello` came twice.
        HandshakeRequired = 5 "HANDSHAKE_REQUIRED",
        /// No room with that id or code.
        RoomNotFound = 6 "ROOM_NOT_FOUND",
        RoomFull = 7 "ROOM_FULL",
        /// Input or chat while not playing in a room (in the lobby, or spectating); leave while
        /// neither playing nor spectating.
        NotInRoom = 8 "NOT_IN_ROOM",
        /// Join or create while already in a room (or while a join is under way).
        AlreadyInRoom = 9 "ALREADY_IN_ROOM",
        /// An input whose payload the room's game refuses (the arena's: NaN or infinite aim,
        /// unknown movement bits; any game's: bytes that do not decode).
        BadInput = 10 "BAD_INPUT",
        /// Room name empty, too long or with control characters; capacity out of range.
        BadRoomSettings = 11 "BAD_ROOM_SETTINGS",
        /// Chat text empty, too long or with control characters.
        BadChat = 12 "BAD_CHAT",
        /// Too many messages of a kind (chat, inputs, other messages, rooms created) in a short
        /// time; the message was dropped.
        RateLimited = 13 "RATE_LIMITED",
        /// The connection fell too far behind the room's snapshots (it did not read them).
        TooSlow = 14 "TOO_SLOW",
        /// The server has its maximum number of players (on `Hello`) or of rooms (on a create).
        ServerFull = 15 "SERVER_FULL",
        /// The server requires a join token and the connection's is missing, expired or wrong.
        Unauthorized = 16 "UNAUTHORIZED",
        /// `Resume` with a token that is unknown, expired or already used.
        BadSessionToken = 17 "BAD_SESSION_TOKEN",
        /// `CreateRoom` or `QuickJoin` named a game mode this server does not run.
        UnknownMode = 18 "UNKNOWN_MODE",
        /// `Redeem` with a ticket that is malformed, not signed by the cluster, expired, for
        /// another node or already used.
        BadTicket = 19 "BAD_TICKET",
    }
}

numbered_codes! {
    /// WebSocket close codes the server uses (besides 1000 for a normal close).
    pub enum CloseCode {
        /// The server is shutting down.
        GoingAway = 1001 "GOING_AWAY",
        /// A text frame.
        UnsupportedData = 1003 "UNSUPPORTED_DATA",
        /// A binary frame that does not decode.
        InvalidPayload = 1007 "INVALID_PAYLOAD",
        /// A frame over the size limit.
        MessageTooBig = 1009 "MESSAGE_TOO_BIG",
        /// `Hello` with another protocol version.
        VersionMismatch = 4001 "VERSION_MISMATCH",
        /// `Hello` with a bad name.
        BadName = 4002 "BAD_NAME",
        /// The first message was not `Hello`.
        HandshakeRequired = 4003 "HANDSHAKE_REQUIRED",
        /// No message or pong from the client for too long.
        Timeout = 4004 "TIMEOUT",
        /// The client did not read snapshots fast enough and fell behind.
        TooSlow = 4005 "TOO_SLOW",
        /// The server has its maximum number of players; try again later.
        TryAgainLater = 1013 "TRY_AGAIN_LATER",
        /// The client kept sending over its rate limits.
        Flooding = 4006 "FLOODING",
        /// The join token is missing, expired or wrong.
        Unauthorized = 4007 "UNAUTHORIZED",
        /// `Resume` with a bad session token.
        BadSessionToken = 4008 "BAD_SESSION_TOKEN",
        /// Another connection resumed this connection's player.
        Replaced = 4009 "REPLACED",
        /// No `Hello` (or `Resume`) within `HANDSHAKE_TIMEOUT` of the upgrade.
        HandshakeTimeout = 4010 "HANDSHAKE_TIMEOUT",
        /// `Redeem` with a bad ticket: connect to any node with `Hello` instead.
        BadTicket = 4011 "BAD_TICKET",
    }
}

/// The ways the server ends a connection after telling why: each sends one `Error` code and
/// then closes with one close code. Every other error leaves the connection open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fatal {
    /// A text frame or a fragmented message.
    UnsupportedFrame,
    /// A binary frame that does not decode, or frames that break the WebSocket protocol.
    Undecodable,
    TooLarge,
    VersionMismatch,
    BadName,
    /// The first message was not `Hello` (or `Resume`).
    NoHello,
    /// No `Hello` within `HANDSHAKE_TIMEOUT`.
    HandshakeTimeout,
    TooSlow,
    /// Rate limits exceeded for longer than the flood tolerance.
    Flooding,
    Unauthorized,
    /// `Hello` when the server has its maximum of players.
    ServerFull,
    BadSessionToken,
    BadTicket,
}

impl Fatal {
    pub const fn error(self) -> ErrorCode {
        match self {
            Fatal::UnsupportedFrame | Fatal::Undecodable => ErrorCode::BadMessage,
            Fatal::TooLarge => ErrorCode::MessageTooLarge,
            Fatal::VersionMismatch => ErrorCode::VersionMismatch,
            Fatal::BadName => ErrorCode::BadName,
            Fatal::NoHello | Fatal::HandshakeTimeout => ErrorCode::HandshakeRequired,
            Fatal::TooSlow => ErrorCode::TooSlow,
            Fatal::Flooding => ErrorCode::RateLimited,
            Fatal::Unauthorized => ErrorCode::Unauthorized,
            Fatal::ServerFull => ErrorCode::ServerFull,
            Fatal::BadSessionToken => ErrorCode::BadSessionToken,
            Fatal::BadTicket => ErrorCode::BadTicket,
        }
    }

    pub const fn close(self) -> CloseCode {
        match self {
            Fatal::UnsupportedFrame => CloseCode::UnsupportedData,
            Fatal::Undecodable => CloseCode::InvalidPayload,
            Fatal::TooLarge => CloseCode::MessageTooBig,
            Fatal::VersionMismatch => CloseCode::VersionMismatch,
            Fatal::BadName => CloseCode::BadName,
            Fatal::NoHello => CloseCode::HandshakeRequired,
            Fatal::HandshakeTimeout => CloseCode::HandshakeTimeout,
            Fatal::TooSlow => CloseCode::TooSlow,
            Fatal::Flooding => CloseCode::Flooding,
            Fatal::Unauthorized => CloseCode::Unauthorized,
            Fatal::ServerFull => CloseCode::TryAgainLater,
            Fatal::BadSessionToken => CloseCode::BadSessionToken,
            Fatal::BadTicket => CloseCode::BadTicket,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_unique_and_round_trip() {
        for (numbers, names) in [
            (
                ErrorCode::ALL
                    .iter()
                    .map(|c| c.number())
                    .collect::<Vec<_>>(),
                ErrorCode::ALL.iter().map(|c| c.name()).collect::<Vec<_>>(),
            ),
            (
                CloseCode::ALL.iter().map(|c| c.number()).collect(),
                CloseCode::ALL.iter().map(|c| c.name()).collect(),
            ),
        ] {
            let distinct: std::collections::HashSet<_> = numbers.iter().collect();
            assert_eq!(distinct.len(), numbers.len(), "{numbers:?}");
            let distinct: std::collections::HashSet<_> = names.iter().collect();
            assert_eq!(distinct.len(), names.len(), "{names:?}");
        }
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_number(code.number()), Some(*code));
        }
        for code in CloseCode::ALL {
            assert_eq!(CloseCode::from_number(code.number()), Some(*code));
        }
        assert_eq!(ErrorCode::from_number(0), None);
        assert!(7u16 == ErrorCode::RoomFull);
        assert_eq!(CloseCode::TooSlow.to_string(), "4005 TOO_SLOW");
    }

    /// The `| NUMBER | `NAME` |` rows of the PROTOCOL.md section that starts with `heading`.
    fn documented(heading: &str) -> Vec<(u16, String)> {
        let spec = include_str!("../../PROTOCOL.md");
        let section = spec.split(heading).nth(1).expect("the section");
        let section = section.split("\n## ").next().unwrap_or_default();
        section
            .lines()
            .filter_map(|line| {
                let mut cells = line.split('|').map(str::trim).skip(1);
                let number = cells.next()?.parse().ok()?;
                let name = cells.next()?.trim_matches('`').to_string();
                Some((number, name))
            })
            .collect()
    }

    #[test]
    fn protocol_md_lists_exactly_these_codes() {
        let errors: Vec<_> = ErrorCode::ALL
            .iter()
            .map(|c| (c.number(), c.name().to_string()))
            .collect();
        assert_eq!(documented("## 7. Error codes"), errors);
        let mut closes: Vec<_> = CloseCode::ALL
            .iter()
            .map(|c| (c.number(), c.name().to_string()))
            .collect();
        closes.insert(0, (1000, "normal".into()));
        assert_eq!(documented("## 8. Close codes"), closes);
    }
}
