//! Fuzzing with proptest: arbitrary bytes and mutated valid messages fed to the decoders, and
//! as frames to the sessions of a live server, which must stay healthy throughout; and the
//! snapshot of any change between two random rooms, which must rebuild the second exactly.
//!
//! Bounded: a fixed number of cases (`PROPTEST_CASES` raises it, e.g. for a longer CI run) and
//! small frames, so the suite stays fast.

mod common;

use std::sync::OnceLock;

use common::raw::{RawClient, Watched};
use common::{spawn_app_with, test_config};
use proptest::prelude::*;
use skirmish::config::Config;
use skirmish::game::arena::{
    Arena, ArenaInput, ArenaState, BulletState, FlyingBullet, PlayerState,
};
use skirmish::protocol::{
    apply_snapshot, decode_client, decode_server, encode_client, encode_server, ClientMsg, Held,
    InputMsg, InputPayload, RoomId, ServerMsg, Slot, Snapshot, PROTOCOL_VERSION,
};
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
            bots: false,
            mode: "arena".into(),
        },
        ClientMsg::JoinRoom { room: RoomId(1) },
        ClientMsg::JoinByCode {
            code: "ABCDE".into(),
        },
        ClientMsg::QuickJoin { mode: "tag".into() },
        ClientMsg::LeaveRoom,
        ClientMsg::Input(InputMsg {
            seq: 1,
            payload: InputPayload::of::<Arena>(&ArenaInput {
                movement: 1,
                aim: 0.5,
                fire: true,
                render_tick: 0,
            }),
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

/// A room at `tick`: any players in slots 0 to 99, any bullets, everything in increasing order
/// as a room describes itself.
fn room_at(tick: u32) -> impl Strategy<Value = ArenaState> {
    let player = (any::<u16>(), any::<u16>(), any::<u8>(), any::<u8>(), 0u8..2);
    let players = proptest::collection::btree_map(0u8..100, player, 0..24);
    let bullet = (any::<u8>(), any::<u16>(), any::<u16>(), any::<u16>());
    let bullets = proptest::collection::btree_map(any::<u16>(), bullet, 0..24);
    (players, bullets).prop_map(move |(players, bullets)| ArenaState {
        tick,
        players: players
            .into_iter()
            .map(|(slot, (x, y, aim, hp, flags))| PlayerState {
                slot: Slot(slot),
                x,
                y,
                aim,
                hp,
                flags,
            })
            .collect(),
        bullets: bullets
            .into_iter()
            .map(|(id, (owner, x, y, heading))| FlyingBullet {
                since: tick,
                bullet: BulletState {
                    id,
                    owner: Slot(owner),
                    x,
                    y,
                    heading,
                },
            })
            .collect(),
    })
}

/// Two rooms a few ticks apart, the second often a small step from the first (as in play:
/// the same players, moved a little) and sometimes anything at all.
fn room_change() -> impl Strategy<Value = (ArenaState, ArenaState)> {
    (1u32..300, room_at(1000)).prop_flat_map(|(age, before)| {
        let stepped = {
            let before = before.clone();
            proptest::collection::vec((-130i32..130, -130i32..130), 24).prop_map(move |steps| {
                let mut after = before.clone();
                after.tick += age;
                for (player, (dx, dy)) in after.players.iter_mut().zip(steps) {
                    player.x = (i32::from(player.x) + dx).clamp(0, 65535) as u16;
                    player.y = (i32::from(player.y) + dy).clamp(0, 65535) as u16;
                }
                after
            })
        };
        let anything = room_at(1000 + age);
        (Just(before), prop_oneof![stepped, anything])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(4000)))]

    /// The change from any room to any later one, through the bytes, rebuilds the later room:
    /// its players exactly, its bullets by id.
    #[test]
    fn a_snapshot_rebuilds_any_change((before, after) in room_change(), ack in any::<u32>()) {
        let snapshot = Snapshot::between::<Arena>(Some((before.tick, &before)), (after.tick, &after), ack);
        prop_assert_eq!(snapshot.baseline_age != 0, after.tick - before.tick <= 255);
        let decoded = match decode_server(&encode_server(&ServerMsg::Snapshot(snapshot))) {
            Ok(ServerMsg::Snapshot(decoded)) => decoded,
            other => return Err(TestCaseError::fail(format!("decoded {other:?}"))),
        };
        prop_assert_eq!(decoded.ack, ack);
        let mut held = Some(Held { tick: before.tick, state: before });
        prop_assert!(apply_snapshot::<Arena>(&mut held, &decoded).is_ok());
        let held = held.expect("a state after a change that applies").state;
        prop_assert_eq!(held.tick, after.tick);
        prop_assert_eq!(&held.players, &after.players);
        let ids = |room: &ArenaState| room.bullets.iter().map(|b| b.bullet.id).collect::<Vec<_>>();
        prop_assert_eq!(ids(&held), ids(&after));
    }

    /// Mutated snapshots never panic the decoder nor a client applying what it accepts.
    #[test]
    fn snapshot_bytes_never_panic_a_client(
        (before, after) in room_change(),
        writes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in 0usize..3,
    ) {
        let snapshot = Snapshot::between::<Arena>(Some((before.tick, &before)), (after.tick, &after), 1);
        let mut bytes = encode_server(&ServerMsg::Snapshot(snapshot));
        for (at, byte) in writes {
            let i = 4 + at.index(bytes.len() - 4);
            bytes[i] = byte;
        }
        bytes.truncate(bytes.len() - cut);
        if let Ok(ServerMsg::Snapshot(mutated)) = decode_server(&bytes) {
            let mut held = Some(Held { tick: before.tick, state: before });
            if apply_snapshot::<Arena>(&mut held, &mutated).is_err() {
                prop_assert!(held.is_none(), "a failed apply leaves no state");
            }
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
