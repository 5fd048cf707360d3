//! The server's Prometheus metrics: one registry per server, every series it exports (names,
//! help texts, labels, buckets), and cheap handles for the code that counts.
//!
//! Callers count with one method call per event; the label of every hot-path series is looked
//! up once (at construction, or when a room is made) so that counting is a relaxed atomic add.
//! A room counts its snapshot fan-out once per tick, not once per member (a snapshot counts as
//! sent when the next one is published and the sessions that took it are known). Gauges that the
//! directory already knows (rooms, players) are set when scraped rather than kept in step.
//! Nothing here does I/O, blocks, or decides anything: it only counts and renders.

use std::sync::Arc;
use std::time::Duration;

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::protocol::{ClientMsg, ErrorCode, ServerMsg, PROTOCOL_VERSION, SNAPSHOT_TAG};

/// Where a WebSocket session stands, as the `state` label of `skirmish_sessions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPhase {
    /// Connected, no `Hello` yet.
    Handshake,
    Lobby,
    /// A join or spectate request is under way.
    Joining,
    Playing,
    Spectating,
}

impl SessionPhase {
    pub const ALL: [SessionPhase; 5] = [
        SessionPhase::Handshake,
        SessionPhase::Lobby,
        SessionPhase::Joining,
        SessionPhase::Playing,
        SessionPhase::Spectating,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SessionPhase::Handshake => "handshake",
            SessionPhase::Lobby => "lobby",
            SessionPhase::Joining => "joining",
            SessionPhase::Playing => "playing",
            SessionPhase::Spectating => "spectating",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// `type` labels of client messages, in `ClientMsg` tag order, then frames that did not decode.
const CLIENT_TYPES: [&str; 15] = [
    "hello",
    "list_rooms",
    "create_room",
    "join_room",
    "join_by_code",
    "quick_join",
    "leave_room",
    "input",
    "chat",
    "ping",
    "spectate",
    "spectate_by_code",
    "resume",
    "redeem",
    "invalid",
];
const INVALID_CLIENT_FRAME: usize = CLIENT_TYPES.len() - 1;

/// `type` labels of server messages, in `ServerMsg` tag order.
const SERVER_TYPES: [&str; 15] = [
    "welcome",
    "error",
    "room_list",
    "joined",
    "left",
    "player_joined",
    "player_left",
    "snapshot",
    "game_event",
    "chat",
    "pong",
    "room_closed",
    "spectating",
    "session_token",
    "redirect",
];
const SNAPSHOT: usize = SNAPSHOT_TAG as usize;

fn client_type(msg: &ClientMsg) -> usize {
    msg.tag() as usize
}

fn server_type(msg: &ServerMsg) -> usize {
    msg.tag() as usize
}

/// Tick durations are a few hundred microseconds when healthy and a period (33 ms at 30 Hz)
/// when the room cannot keep up: the buckets resolve both ends.
const TICK_BUCKETS_SECONDS: [f64; 13] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.02, 0.033, 0.05, 0.1, 0.25,
];

/// Message and byte counts in both directions, for the monitor's rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Traffic {
    pub messages_in: u64,
    pub bytes_in: u64,
    pub messages_out: u64,
    pub bytes_out: u64,
}

pub struct Metrics {
    registry: Registry,
    connections: IntCounter,
    sessions: [IntGauge; SessionPhase::ALL.len()],
    rooms: IntGaugeVec,
    players: IntGaugeVec,
    received: [IntCounter; CLIENT_TYPES.len()],
    received_bytes: [IntCounter; CLIENT_TYPES.len()],
    sent: [IntCounter; SERVER_TYPES.len()],
    sent_bytes: [IntCounter; SERVER_TYPES.len()],
    tick_seconds: HistogramVec,
    ticks: IntCounterVec,
    overruns: IntCounterVec,
    snapshots_skipped: IntCounterVec,
    events_dropped: IntCounterVec,
    rate_limited: IntCounterVec,
    errors: IntCounterVec,
    replays: ReplayMetrics,
}

/// The replay writer's counts: matches filed by outcome, and matches the retention limits
/// deleted by the limit that did it.
#[derive(Clone)]
pub struct ReplayMetrics {
    recorded: IntCounterVec,
    deleted: IntCounterVec,
    streamed: IntCounterVec,
}

impl ReplayMetrics {
    /// A recording ended: `complete`, `truncated`, `empty` (nobody played) or `failed`.
    pub fn recorded(&self, outcome: &str) {
        self.recorded.with_label_values(&[outcome]).inc();
    }

    /// A match was deleted by the retention limit `reason`: `count`, `size` or `age`.
    pub fn deleted(&self, reason: &str) {
        self.deleted.with_label_values(&[reason]).inc();
    }

    /// A finished match's summary and the Redis stream (`replay::stream`): `published`,
    /// `failed` (an attempt Redis did not take; it is tried again), `rejected` (Redis refused
    /// it: dropped) or `dropped` (the queue was full).
    pub fn streamed(&self, outcome: &str) {
        self.streamed.with_label_values(&[outcome]).inc();
    }
}

/// Registers `collector` and hands it back. Registration fails only for a name or label that
/// is invalid or used twice, which the unit tests below would catch.
pub(crate) fn register<C: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    collector: C,
) -> C {
    registry
        .register(Box::new(collector.clone()))
        .expect("metric names are valid and unique");
    collector
}

fn counter_vec(registry: &Registry, name: &str, help: &str, label: &str) -> IntCounterVec {
    let vec = IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid metric options");
    register(registry, vec)
}

fn gauge_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let vec = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric options");
    register(registry, vec)
}

fn resolve<const N: usize>(vec: &IntCounterVec, labels: [&str; N]) -> [IntCounter; N] {
    labels.map(|label| vec.with_label_values(&[label]))
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("process metrics register once");
        let build_info = gauge_vec(
            &registry,
            "skirmish_build_info",
            "Always 1; the labels tell the server version, protocol version and build profile.",
            &["version", "protocol", "profile"],
        );
        build_info
            .with_label_values(&[
                env!("CARGO_PKG_VERSION"),
                &PROTOCOL_VERSION.to_string(),
                if cfg!(debug_assertions) {
                    "debug"
                } else {
                    "release"
                },
            ])
            .set(1);
        let connections = register(
            &registry,
            IntCounter::new(
                "skirmish_connections_total",
                "WebSocket connections accepted.",
            )
            .expect("valid metric options"),
        );
        let sessions = gauge_vec(
            &registry,
            "skirmish_sessions",
            "Open WebSocket sessions by state (handshake, lobby, joining, playing, spectating).",
            &["state"],
        );
        let received = counter_vec(
            &registry,
            "skirmish_messages_received_total",
            "Client messages received, by type (`invalid`: frames that did not decode).",
            "type",
        );
        let received_bytes = counter_vec(
            &registry,
            "skirmish_received_bytes_total",
            "Bytes of client messages received, by type.",
            "type",
        );
        let sent = counter_vec(
            &registry,
            "skirmish_messages_sent_total",
            "Server messages handed to sessions for sending, by type.",
            "type",
        );
        let sent_bytes = counter_vec(
            &registry,
            "skirmish_sent_bytes_total",
            "Bytes of server messages handed to sessions for sending, by type.",
            "type",
        );
        let tick_seconds = register(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "skirmish_tick_duration_seconds",
                    "Time a room takes for one tick: inputs, game steps, encoding and fan-out.",
                )
                .buckets(TICK_BUCKETS_SECONDS.to_vec()),
                &["mode"],
            )
            .expect("valid metric options"),
        );
        Metrics {
            connections,
            sessions: SessionPhase::ALL.map(|phase| sessions.with_label_values(&[phase.label()])),
            rooms: gauge_vec(
                &registry,
                "skirmish_rooms",
                "Live rooms, by game mode and visibility.",
                &["mode", "visibility"],
            ),
            players: gauge_vec(
                &registry,
                "skirmish_players",
                "Players seated in rooms, by game mode.",
                &["mode"],
            ),
            received: resolve(&received, CLIENT_TYPES),
            received_bytes: resolve(&received_bytes, CLIENT_TYPES),
            sent: resolve(&sent, SERVER_TYPES),
            sent_bytes: resolve(&sent_bytes, SERVER_TYPES),
            tick_seconds,
            ticks: counter_vec(
                &registry,
                "skirmish_ticks_total",
                "Game steps run by rooms, by game mode.",
                "mode",
            ),
            overruns: counter_vec(
                &registry,
                "skirmish_tick_overruns_total",
                "Ticks that ran late or were dropped because a room fell behind its schedule.",
                "mode",
            ),
            snapshots_skipped: counter_vec(
                &registry,
                "skirmish_snapshots_skipped_total",
                "Snapshots a member or spectator never got because its session was behind and a newer one replaced them.",
                "mode",
            ),
            events_dropped: counter_vec(
                &registry,
                "skirmish_events_dropped_total",
                "Room events (joins, leaves, kills, chat, closes) a session never got because its mailbox was full.",
                "mode",
            ),
            rate_limited: counter_vec(
                &registry,
                "skirmish_rate_limited_total",
                "Client actions dropped by a rate limit, by kind.",
                "kind",
            ),
            errors: counter_vec(
                &registry,
                "skirmish_errors_total",
                "Error messages sent to clients, by error code name (see PROTOCOL.md).",
                "code",
            ),
            replays: ReplayMetrics {
                recorded: counter_vec(
                    &registry,
                    "skirmish_replays_recorded_total",
                    "Recordings ended, by outcome (complete, truncated, empty, failed).",
                    "outcome",
                ),
                deleted: counter_vec(
                    &registry,
                    "skirmish_replays_deleted_total",
                    "Recorded matches deleted by the retention limits, by limit (count, size, age).",
                    "reason",
                ),
                streamed: counter_vec(
                    &registry,
                    "skirmish_match_stream_total",
                    "Finished matches' summaries and the Redis stream, by outcome (published, \
                     failed, rejected, dropped).",
                    "outcome",
                ),
            },
            registry,
        }
    }

    /// The handles the replay writer counts with.
    pub fn replays(&self) -> ReplayMetrics {
        self.replays.clone()
    }

    /// A WebSocket connection was accepted; its session starts in the handshake.
    pub fn session_opened(&self) {
        self.connections.inc();
        self.sessions[SessionPhase::Handshake.index()].inc();
    }

    pub fn session_moved(&self, from: SessionPhase, to: SessionPhase) {
        if from != to {
            self.sessions[from.index()].dec();
            self.sessions[to.index()].inc();
        }
    }

    pub fn session_closed(&self, last: SessionPhase) {
        self.sessions[last.index()].dec();
    }

    /// Sessions open now in `phase`.
    pub fn sessions_in(&self, phase: SessionPhase) -> i64 {
        self.sessions[phase.index()].get()
    }

    /// A client message of `bytes` bytes arrived.
    pub fn received(&self, msg: &ClientMsg, bytes: usize) {
        self.count_received(client_type(msg), bytes);
    }

    /// A binary frame that is not a client message arrived.
    pub fn received_invalid(&self, bytes: usize) {
        self.count_received(INVALID_CLIENT_FRAME, bytes);
    }

    fn count_received(&self, index: usize, bytes: usize) {
        self.received[index].inc();
        self.received_bytes[index].inc_by(bytes as u64);
    }

    /// `copies` copies of `msg`, `bytes` long each, were handed to sessions.
    pub fn sent(&self, msg: &ServerMsg, bytes: usize, copies: u64) {
        let index = server_type(msg);
        self.sent[index].inc_by(copies);
        self.sent_bytes[index].inc_by(bytes as u64 * copies);
    }

    /// An `Error` with `code` was sent to a client.
    pub fn error(&self, code: ErrorCode) {
        self.errors.with_label_values(&[code.name()]).inc();
    }

    /// A client action of `kind` (e.g. `"chat"`, `"messages"`, `"connections"`) was dropped by
    /// a rate limit.
    pub fn rate_limited(&self, kind: &str) {
        self.rate_limited.with_label_values(&[kind]).inc();
    }

    /// Message and byte totals in both directions since the start.
    pub fn traffic(&self) -> Traffic {
        let sum = |counters: &[IntCounter]| counters.iter().map(IntCounter::get).sum();
        Traffic {
            messages_in: sum(&self.received),
            bytes_in: sum(&self.received_bytes),
            messages_out: sum(&self.sent),
            bytes_out: sum(&self.sent_bytes),
        }
    }

    /// The handles of a new room running `mode`.
    pub fn room(self: &Arc<Self>, mode: &str) -> RoomMetrics {
        RoomMetrics {
            tick_seconds: self.tick_seconds.with_label_values(&[mode]),
            ticks: self.ticks.with_label_values(&[mode]),
            overruns: self.overruns.with_label_values(&[mode]),
            snapshots_skipped: self.snapshots_skipped.with_label_values(&[mode]),
            events_dropped: self.events_dropped.with_label_values(&[mode]),
            server: self.clone(),
            previous_snapshot: (0, 0),
            frames_sent: 0,
            bytes_sent: 0,
        }
    }

    /// Where other parts of the server (the cluster) register their own series.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The text exposition of every series, with the room and player gauges set from `rooms`.
    pub fn render(&self, rooms: &[RoomCount]) -> String {
        self.rooms.reset();
        self.players.reset();
        for room in rooms {
            let visibility = if room.public { "public" } else { "private" };
            self.rooms.with_label_values(&[room.mode, visibility]).inc();
            self.players
                .with_label_values(&[room.mode])
                .add(i64::from(room.players));
        }
        // Encoding in-memory families into a String cannot fail.
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// What the room and player gauges count of one room: plain values, so that metrics depends on
/// neither the lobby nor the rooms.
pub struct RoomCount<'a> {
    pub mode: &'a str,
    pub public: bool,
    pub players: u8,
}

/// What one room counts, with its labels resolved. Owned by the room actor, so its own totals
/// are plain integers.
pub struct RoomMetrics {
    tick_seconds: Histogram,
    ticks: IntCounter,
    overruns: IntCounter,
    snapshots_skipped: IntCounter,
    events_dropped: IntCounter,
    server: Arc<Metrics>,
    /// Sessions the last snapshot went to, and its size, counted at the next one.
    previous_snapshot: (u64, u64),
    frames_sent: u64,
    bytes_sent: u64,
}

impl RoomMetrics {
    /// `dropped` events were not delivered: the sessions' mailboxes were full.
    pub fn events_dropped(&self, dropped: u64) {
        if dropped > 0 {
            self.events_dropped.inc_by(dropped);
        }
    }

    /// One wake-up of the room that ran `steps` steps in `took` and gave up `dropped` ticks.
    pub fn tick(&self, took: Duration, steps: u64, dropped: u64) {
        self.tick_seconds.observe(took.as_secs_f64());
        self.ticks.inc_by(steps);
        // Like the schedule's own count: every tick beyond the first of a wake-up was late.
        let late = (steps + dropped).saturating_sub(1);
        if late > 0 {
            self.overruns.inc_by(late);
        }
    }

    /// A snapshot of `bytes` bytes was published to `recipients` sessions; `behind` of the
    /// sessions that the previous snapshot was published to had not taken it, and never will
    /// (a session only ever takes the newest). So the previous one counts as sent to the others
    /// and as skipped for those: one add per tick for the whole room, none per member. `bytes`
    /// is the size nearly every recipient gets (the change from the previous tick); the few
    /// full snapshots (a new member's first) count at that size too.
    pub fn snapshot_published(&mut self, bytes: usize, recipients: u64, behind: u64) {
        let (previous_recipients, previous_bytes) = self.previous_snapshot;
        let taken = previous_recipients.saturating_sub(behind);
        if taken > 0 {
            self.server.sent[SNAPSHOT].inc_by(taken);
            self.server.sent_bytes[SNAPSHOT].inc_by(previous_bytes * taken);
        }
        if behind > 0 {
            self.snapshots_skipped.inc_by(behind);
        }
        self.frames_sent += taken;
        self.bytes_sent += previous_bytes * taken;
        self.previous_snapshot = (recipients, bytes as u64);
    }

    /// `copies` copies of `msg`, encoded in `bytes` bytes, were handed to sessions.
    pub fn sent(&mut self, msg: &ServerMsg, bytes: usize, copies: u64) {
        self.server.sent(msg, bytes, copies);
        self.frames_sent += copies;
        self.bytes_sent += bytes as u64 * copies;
    }

    /// Messages and bytes this room has handed to sessions since it started.
    pub fn totals(&self) -> (u64, u64) {
        (self.frames_sent, self.bytes_sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RoomId;
    use crate::protocol::Slot;

    fn series<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
        text.lines().filter(|l| l.starts_with(prefix)).collect()
    }

    #[test]
    fn every_series_is_exported_with_help() {
        let metrics = Arc::new(Metrics::new());
        // Vectors appear in the exposition once one of their label sets exists.
        metrics.error(ErrorCode::RoomFull);
        metrics.rate_limited("chat");
        metrics.room("arena").tick(Duration::from_millis(1), 1, 0);
        let text = metrics.render(&[]);
        for name in [
            "skirmish_build_info",
            "skirmish_connections_total",
            "skirmish_sessions",
            "skirmish_messages_received_total",
            "skirmish_received_bytes_total",
            "skirmish_messages_sent_total",
            "skirmish_sent_bytes_total",
            "skirmish_tick_duration_seconds",
            "skirmish_ticks_total",
            "skirmish_tick_overruns_total",
            "skirmish_snapshots_skipped_total",
            "skirmish_rate_limited_total",
            "skirmish_errors_total",
        ] {
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "{name} missing from:\n{text}"
            );
        }
        assert!(text.contains("skirmish_errors_total{code=\"ROOM_FULL\"} 1"));
        assert!(text.contains("skirmish_rate_limited_total{kind=\"chat\"} 1"));
    }

    #[test]
    fn session_states_move_between_gauges() {
        let metrics = Metrics::new();
        metrics.session_opened();
        metrics.session_moved(SessionPhase::Handshake, SessionPhase::Lobby);
        metrics.session_moved(SessionPhase::Lobby, SessionPhase::Lobby);
        assert_eq!(metrics.sessions_in(SessionPhase::Handshake), 0);
        assert_eq!(metrics.sessions_in(SessionPhase::Lobby), 1);
        metrics.session_closed(SessionPhase::Lobby);
        assert_eq!(metrics.sessions_in(SessionPhase::Lobby), 0);
        let text = metrics.render(&[]);
        assert_eq!(
            series(&text, "skirmish_connections_total "),
            ["skirmish_connections_total 1"]
        );
    }

    #[test]
    fn a_fan_out_counts_messages_bytes_and_skips_in_one_go() {
        let metrics = Arc::new(Metrics::new());
        let mut room = metrics.room("arena");
        // Nine sessions get a 100-byte snapshot; two of them had not taken it when the next
        // one (of 90 bytes, to eight) replaced it.
        room.snapshot_published(100, 9, 0);
        room.snapshot_published(90, 8, 2);
        room.sent(&ServerMsg::PlayerLeft { slot: Slot(1) }, 5, 7);
        assert_eq!(room.totals(), (14, 735));
        let traffic = metrics.traffic();
        assert_eq!((traffic.messages_out, traffic.bytes_out), (14, 735));
        let text = metrics.render(&[]);
        assert!(text.contains("skirmish_messages_sent_total{type=\"snapshot\"} 7"));
        assert!(text.contains("skirmish_sent_bytes_total{type=\"snapshot\"} 700"));
        assert!(text.contains("skirmish_snapshots_skipped_total{mode=\"arena\"} 2"));
    }

    #[test]
    fn late_wake_ups_count_as_overruns() {
        let metrics = Arc::new(Metrics::new());
        let room = metrics.room("arena");
        room.tick(Duration::from_millis(40), 3, 27);
        let text = metrics.render(&[]);
        assert!(text.contains("skirmish_ticks_total{mode=\"arena\"} 3"));
        assert!(text.contains("skirmish_tick_overruns_total{mode=\"arena\"} 29"));
    }

    #[test]
    fn labels_follow_the_protocol_tags() {
        assert_eq!(client_type(&ClientMsg::Ping { t: 0 }), 9);
        assert_eq!(
            CLIENT_TYPES[client_type(&ClientMsg::Spectate { room: RoomId(1) })],
            "spectate"
        );
        assert_eq!(
            SERVER_TYPES[server_type(&ServerMsg::Snapshot(Default::default()))],
            "snapshot"
        );
    }
}
