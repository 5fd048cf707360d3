//! Fuzzing with proptest: arbitrary bytes and mutated valid messages fed to the decoder, and
//! as frames to the sessions of a live server, which must stay healthy throughout.
//!
//! Bounded: a fixed number of cases (`PROPTEST_CASES` raises it, e.g. for a longer CI run) and
//! small frames, so the suite stays fast.

mod common;

use std::sync::OnceLock;

use common::raw::{RawClient, Watched};
use common::{spawn_app_with, test_config};
use proptest::prelude::*;
use skirmish::config::Config;
use skirmish::protocol::{decode_client, encode_client, ClientMsg, Input, PROTOCOL_VERSION};
use skirmish::startup::RunningServer;

/// `default` cases, or `PROPTEST_CASES` for a longer run. The live property runs a sixteenth of
/// that: each of its cases is a connection.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// One valid message of every kind, to mutate: random bytes alone rarely get past the tag.
fn seeds() -> Vec<Vec<u8>> {
    [
        ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            name: "fuzz".into(),
        },
        ClientMsg::ListRooms,
        ClientMsg::CreateRoom {
            name: "fuzzed".into(),
            capacity: 4,
            public: false,
        },
        ClientMsg::JoinRoom { room: 1 },
        ClientMsg::JoinByCode {
            code: "ABCDE".into(),
        },
        ClientMsg::QuickJoin,
        ClientMsg::LeaveRoom,
        ClientMsg::Input(Input {
            seq: 1,
            movement: 1,
            aim: 0.5,
            fire: true,
        }),
        ClientMsg::Chat { text: "hi".into() },
        ClientMsg::Ping { t: 1 },
        ClientMsg::Resume {
            protocol: PROTOCOL_VERSION,
            token: "00".into(),
        },
    ]
    .iter()
    .map(encode_client)
    .collect()
}

/// A frame: random bytes, or a valid message with a few bytes overwritten, cut or extended.
fn frame() -> impl Strategy<Value = Vec<u8>> {
    let random = proptest::collection::vec(any::<u8>(), 0..96);
    let mutated = (
        proptest::sample::select(seeds()),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        0usize..4,
        proptest::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(mut bytes, writes, cut, tail)| {
            for (at, byte) in writes {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            bytes.truncate(bytes.len().saturating_sub(cut));
            bytes.extend(tail);
            bytes
        });
    prop_oneof![random, mutated]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(4000)))]

    /// The decoder never panics, and whatever it accepts re-encodes to the very same bytes
    /// (nothing is skipped, defaulted or normalised on the way in).
    #[test]
    fn the_decoder_takes_any_bytes(bytes in frame()) {
        if let Ok(msg) = decode_client(&bytes) {
            prop_assert_eq!(encode_client(&msg), bytes);
        }
    }
}

struct LiveServer {
    app: RunningServer,
    runtime: tokio::runtime::Runtime,
    code: String,
}

/// One server for every case, with a room that a watcher plays in the background.
fn live() -> &'static LiveServer {
    static LIVE: OnceLock<LiveServer> = OnceLock::new();
    LIVE.get_or_init(|| {
        // No seats kept for dropped fuzzers: they would fill the watched room.
        let app = spawn_app_with(Config {
            reconnect_grace_ms: 0,
            max_rooms: 1000,
            rooms_per_connection: 1000,
            rooms_per_second: 1000,
            ..test_config()
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let watched = runtime.block_on(Watched::new(&app));
        let code = watched.code.clone();
        runtime.spawn(async move {
            let mut watched = watched;
            loop {
                watched.assert_still_ticking().await;
            }
        });
        LiveServer { app, runtime, code }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(4000) / 16))]

    /// Sessions take any sequence of frames, welcomed and in a room or not, without harm: the
    /// server keeps welcoming new players and the watched room keeps ticking.
    #[test]
    fn sessions_take_any_frames(welcomed in any::<bool>(), frames in proptest::collection::vec(frame(), 1..12)) {
        let live = live();
        live.runtime.block_on(async {
            let mut client = RawClient::connect(&live.app).await;
            if welcomed {
                client.hello("fuzzer").await;
                client.join(&live.code).await;
            }
            for bytes in frames {
                // The server may close the connection at any frame; later sends then fail.
                use futures_util::SinkExt;
                if client
                    .ws
                    .send(tokio_tungstenite::tungstenite::Message::binary(bytes))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            drop(client);
            let mut fresh = RawClient::connect(&live.app).await;
            fresh.hello("checker").await;
            assert!(fresh.is_open().await, "the server still answers");
        });
    }
}
