//! The "idle" scenario: N sessions connect at a bounded rate, say `Hello`, get `Welcome`, and
//! stay in the lobby answering the server's WebSocket pings; they are held for a window. It
//! measures what a connected client costs the server at rest: memory per session (the
//! server's RSS growth from before the first connection to the end of the window, divided by
//! the sessions) and CPU.
//!
//! Each session is one tokio task with a small fixed read buffer and no timer: the server's
//! pings drive it. After `Welcome` only control frames are looked at. The WebSocket framing is
//! `skirmish::bot::frames`'s; messages are encoded and decoded by `skirmish::protocol`.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use skirmish::bot::frames::{self, Frame};
use skirmish::protocol::{decode_server, encode_client, ClientMsg, ServerMsg, PROTOCOL_VERSION};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::report::{self, IdleSummary};
use crate::{source_address, stats, Args, Target};

/// Holds the upgrade response head and any message an idle session gets (`Welcome`, an
/// `Error`, a close frame, pings); a larger frame ends the session as an error.
const READ_BUFFER_BYTES: usize = 512;

/// At most this many individual session errors are printed.
const ERRORS_SHOWN: usize = 10;

struct Shared {
    addr: SocketAddr,
    path: String,
    source_ips: u8,
    connect_timeout: Duration,
    connected: AtomicUsize,
    failed: AtomicUsize,
    dropped: AtomicUsize,
    pongs: AtomicU64,
    errors_shown: AtomicUsize,
}

impl Shared {
    fn report_error(&self, index: usize, what: &str, err: &str) {
        if self.errors_shown.fetch_add(1, Relaxed) < ERRORS_SHOWN {
            eprintln!("loadtest: session {index}: {what}: {err}");
        }
    }
}

/// One run with `n` sessions. Every task it starts ends when it returns or is dropped.
pub async fn run(args: &Args, n: usize, target: &Target) -> Result<IdleSummary, String> {
    let server_pid = target.pid.map(|pid| pid.to_string());
    let server_pid = server_pid.as_deref();
    // The server as it is before the first session: the baseline of the growth.
    let rss_before_mb = server_pid.and_then(stats::memory_mb).map(|m| m.0);
    let shared = Arc::new(Shared {
        addr: target.addr,
        path: target.path.clone(),
        source_ips: crate::source_ips(args, n),
        connect_timeout: Duration::from_secs_f64(args.join_timeout.max(1.0)),
        connected: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        dropped: AtomicUsize::new(0),
        pongs: AtomicU64::new(0),
        errors_shown: AtomicUsize::new(0),
    });

    // Dropping the set closes every session and ends the progress lines.
    let mut tasks = JoinSet::new();
    tasks.spawn(print_progress(shared.clone(), server_pid.map(String::from)));
    let started = Instant::now();
    let ramp_period = Duration::from_secs_f64(1.0 / args.ramp_rate.max(1.0));
    for index in 0..n {
        tokio::time::sleep_until(started + ramp_period.mul_f64(index as f64)).await;
        tasks.spawn(run_session(index, shared.clone()));
    }
    let all_in = async {
        while shared.connected.load(Relaxed) + shared.failed.load(Relaxed) < n {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(shared.connect_timeout, all_in)
        .await
        .is_err()
    {
        eprintln!(
            "loadtest: only {} of {n} sessions were welcomed within {:?} after the ramp; \
             measuring those",
            shared.connected.load(Relaxed),
            shared.connect_timeout
        );
    }
    let connected = shared.connected.load(Relaxed);
    if connected == 0 {
        return Err("no session was welcomed; nothing to measure".into());
    }
    tokio::time::sleep(Duration::from_secs_f64(args.settle.max(0.0))).await;

    let window = Duration::from_secs_f64(args.window.max(1.0));
    let before = Sample::take(&shared, server_pid);
    tokio::time::sleep(window).await;
    let after = Sample::take(&shared, server_pid);
    let server_lobby = match report::server_sessions_in(target.addr, "lobby").await {
        Ok(count) => count,
        Err(err) => {
            eprintln!("loadtest: no session count from the server: {err}");
            None
        }
    };
    // Before the server is stopped: the sessions close their connections and end.
    tasks.shutdown().await;

    let seconds = (after.at - before.at).as_secs_f64();
    let cpu_percent = |a: Option<f64>, b: Option<f64>| Some((a? - b?) * 100.0 / seconds);
    let server_memory = server_pid.and_then(stats::memory_mb);
    let rss_mb = server_memory.map(|m| m.0);
    let open = connected - after.dropped;
    Ok(IdleSummary {
        clients: n,
        connected,
        failed: shared.failed.load(Relaxed),
        open,
        server_lobby,
        window_s: seconds,
        pongs_per_session_s: (after.pongs - before.pongs) as f64 / open.max(1) as f64 / seconds,
        rss_before_mb,
        rss_mb,
        peak_rss_mb: server_memory.map(|m| m.1),
        kb_per_session: rss_before_mb
            .zip(rss_mb)
            .map(|(before, with)| (with - before) * 1024.0 / connected as f64),
        server_cpu_percent: cpu_percent(after.server_cpu_s, before.server_cpu_s),
        load_cpu_percent: cpu_percent(after.own_cpu_s, before.own_cpu_s),
        load_rss_mb: stats::memory_mb("self").map(|m| m.0),
        machine_busy_percent: cpu_percent(after.machine_busy_s, before.machine_busy_s),
    })
}

/// Counters and CPU times at one instant.
struct Sample {
    at: Instant,
    dropped: usize,
    pongs: u64,
    server_cpu_s: Option<f64>,
    own_cpu_s: Option<f64>,
    machine_busy_s: Option<f64>,
}

impl Sample {
    fn take(shared: &Shared, server_pid: Option<&str>) -> Sample {
        Sample {
            at: Instant::now(),
            dropped: shared.dropped.load(Relaxed),
            pongs: shared.pongs.load(Relaxed),
            server_cpu_s: server_pid.and_then(stats::cpu_seconds),
            own_cpu_s: stats::cpu_seconds("self"),
            machine_busy_s: stats::machine_busy_seconds(),
        }
    }
}

/// One line on stderr per second while the tool runs.
async fn print_progress(shared: Arc<Shared>, server_pid: Option<String>) {
    let started = Instant::now();
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await;
    loop {
        every.tick().await;
        let rss = server_pid.as_deref().and_then(stats::memory_mb);
        eprintln!(
            "[{:5.1}s] welcomed {} failed {} dropped {} pongs {} server rss_mb {}",
            started.elapsed().as_secs_f64(),
            shared.connected.load(Relaxed),
            shared.failed.load(Relaxed),
            shared.dropped.load(Relaxed),
            shared.pongs.load(Relaxed),
            rss.map_or_else(|| "na".into(), |m| format!("{:.1}", m.0)),
        );
    }
}

async fn run_session(index: usize, shared: Arc<Shared>) {
    let source = source_address(index, shared.source_ips);
    let opened = tokio::time::timeout(
        shared.connect_timeout,
        IdleSession::open(&shared, source, index),
    )
    .await
    .unwrap_or_else(|_| Err("no Welcome within the join timeout".into()));
    let mut session = match opened {
        Ok(session) => session,
        Err(err) => {
            shared.failed.fetch_add(1, Relaxed);
            shared.report_error(index, "connect", &err);
            return;
        }
    };
    shared.connected.fetch_add(1, Relaxed);
    let err = session.hold(&shared.pongs).await;
    shared.dropped.fetch_add(1, Relaxed);
    shared.report_error(index, "connection lost", &err);
}

/// One idle client connection.
struct IdleSession {
    stream: TcpStream,
    buf: [u8; READ_BUFFER_BYTES],
    filled: usize,
    /// Pongs waiting to be written.
    out: Vec<u8>,
    mask_state: u32,
}

impl IdleSession {
    /// Connects from `source` (any local address if `None`), upgrades, says `Hello` and waits
    /// for `Welcome`.
    async fn open(
        shared: &Shared,
        source: Option<IpAddr>,
        index: usize,
    ) -> Result<IdleSession, String> {
        let socket = match shared.addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(|e| format!("socket: {e}"))?;
        if let Some(ip) = source {
            socket
                .bind(SocketAddr::new(ip, 0))
                .map_err(|e| format!("binding {ip}: {e}"))?;
        }
        let stream = socket
            .connect(shared.addr)
            .await
            .map_err(|e| format!("connecting to {}: {e}", shared.addr))?;
        let mut session = IdleSession {
            stream,
            buf: [0; READ_BUFFER_BYTES],
            filled: 0,
            out: Vec::new(),
            mask_state: index as u32 | 1,
        };
        session.filled = frames::upgrade(
            &session.stream,
            &shared.addr.to_string(),
            &shared.path,
            &mut session.buf,
        )
        .await?;
        let hello = encode_client(&ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            name: format!("idle-{index}"),
        });
        let mask = session.next_mask();
        frames::write_masked(frames::OPCODE_BINARY, &hello, mask, &mut session.out);
        session.flush().await?;
        loop {
            let (opcode, payload, len) = session.next_frame().await?;
            if opcode == frames::OPCODE_BINARY {
                let decoded = decode_server(&session.buf[payload]).map_err(|e| e.to_string());
                match decoded? {
                    ServerMsg::Welcome { .. } => {
                        session.consume(len);
                        return Ok(session);
                    }
                    ServerMsg::Error { code, message } => {
                        return Err(format!("refused with error {code}: {message}"))
                    }
                    _ => {}
                }
            }
            session.consume(len);
            session.flush().await?;
        }
    }

    /// Answers pings until the connection ends; returns why it ended.
    async fn hold(&mut self, pongs: &AtomicU64) -> String {
        loop {
            let (opcode, _, len) = match self.next_frame().await {
                Ok(frame) => frame,
                Err(err) => return err,
            };
            self.consume(len);
            if opcode == frames::OPCODE_PING {
                if let Err(err) = self.flush().await {
                    return err;
                }
                pongs.fetch_add(1, Relaxed);
            }
        }
    }

    /// Reads until a whole frame is at the start of the buffer: its opcode, payload range and
    /// length. A ping's pong is queued for `flush`; a close frame or a text frame is an error.
    async fn next_frame(&mut self) -> Result<(u8, Range<usize>, usize), String> {
        loop {
            let parsed = frames::parse(&self.buf[..self.filled], READ_BUFFER_BYTES)
                .map_err(|e| e.to_string())?;
            let Some(Frame {
                opcode,
                payload,
                len,
            }) = parsed
            else {
                if self.filled == self.buf.len() {
                    return Err("a frame larger than an idle session reads".into());
                }
                let read = frames::read_some(&self.stream, &mut self.buf[self.filled..])
                    .await
                    .map_err(|e| format!("reading: {e}"))?;
                if read == 0 {
                    return Err("the server closed the connection without a close frame".into());
                }
                self.filled += read;
                continue;
            };
            match opcode {
                frames::OPCODE_PING => {
                    let mask = self.next_mask();
                    let ping = &self.buf[payload.clone()];
                    frames::write_masked(frames::OPCODE_PONG, ping, mask, &mut self.out);
                }
                frames::OPCODE_CLOSE => {
                    let body = &self.buf[payload];
                    let code = match body {
                        [high, low, ..] => u16::from_be_bytes([*high, *low]),
                        _ => 1005,
                    };
                    let reason = String::from_utf8_lossy(body.get(2..).unwrap_or_default());
                    return Err(format!("closed by the server with {code} {reason:?}"));
                }
                frames::OPCODE_TEXT => return Err("a text frame".into()),
                _ => {}
            }
            return Ok((opcode, payload, len));
        }
    }

    fn consume(&mut self, len: usize) {
        self.buf.copy_within(len..self.filled, 0);
        self.filled -= len;
    }

    /// Writes what is queued. Not cancel-safe: await it to the end.
    async fn flush(&mut self) -> Result<(), String> {
        if self.out.is_empty() {
            return Ok(());
        }
        frames::write_all(&self.stream, &self.out)
            .await
            .map_err(|e| format!("writing: {e}"))?;
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
