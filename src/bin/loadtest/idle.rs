//! The "idle" scenario: N sessions connect at a bounded rate, say `Hello`, get `Welcome`, and
//! stay in the lobby answering the server's WebSocket pings; they are held for a window. It
//! measures what a connected client costs the server at rest: memory per session (the
//! server's RSS growth from before the first connection to the end of the window, divided by
//! the sessions) and CPU.
//!
//! Each session is one tokio task around a `LeanBot` (a small read buffer, no timer): the
//! server's pings drive it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use skirmish::bot::lean::LeanBot;
use skirmish::bot::BotError;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::report::{self, IdleSummary};
use crate::{all_settled, ramp, source_address, stats, Args, Target};

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
    fn fail(&self, index: usize, err: &str) {
        self.failed.fetch_add(1, Relaxed);
        self.report_error(index, "connect", err);
    }

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
    ramp(&mut tasks, n, args.ramp_rate, |index| {
        run_session(index, shared.clone())
    })
    .await;
    let settled = || shared.connected.load(Relaxed) + shared.failed.load(Relaxed);
    if !all_settled(n, shared.connect_timeout, settled).await {
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
    let server_lobby = match report::server_sessions_in(target.admin, "lobby").await {
        Ok(count) => count,
        Err(err) => {
            eprintln!("loadtest: no session count from the server: {err}");
            None
        }
    };
    // Before the server is stopped: the sessions close their connections and end.
    tasks.shutdown().await;

    let cpu = after.clocks.since(&before.clocks);
    let seconds = cpu.seconds;
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
        server_cpu_percent: cpu.server_percent,
        load_cpu_percent: cpu.own_percent,
        load_rss_mb: stats::memory_mb("self").map(|m| m.0),
        machine_busy_percent: cpu.machine_busy_percent,
    })
}

/// Counters and CPU clocks at one instant.
struct Sample {
    clocks: stats::CpuClocks,
    dropped: usize,
    pongs: u64,
}

impl Sample {
    fn take(shared: &Shared, server_pid: Option<&str>) -> Sample {
        Sample {
            clocks: stats::CpuClocks::read(server_pid),
            dropped: shared.dropped.load(Relaxed),
            pongs: shared.pongs.load(Relaxed),
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
    let name = format!("idle-{index}");
    let connecting = LeanBot::connect(shared.addr, source, &shared.path, &name, index as u32);
    let mut bot = match tokio::time::timeout(shared.connect_timeout, connecting).await {
        Ok(Ok((bot, _welcome))) => bot,
        Ok(Err(err)) => return shared.fail(index, &err.to_string()),
        Err(_) => return shared.fail(index, "no Welcome within the join timeout"),
    };
    shared.connected.fetch_add(1, Relaxed);
    let err = hold(&mut bot, &shared.pongs).await;
    shared.dropped.fetch_add(1, Relaxed);
    shared.report_error(index, "connection lost", &err.to_string());
}

/// Answers the server's pings until the connection ends; returns why it ended.
async fn hold(bot: &mut LeanBot, pongs: &AtomicU64) -> BotError {
    loop {
        let answered = bot.pongs();
        let step = async {
            bot.fill().await?;
            bot.drain(|_| {})?;
            bot.flush().await
        };
        if let Err(err) = step.await {
            return err;
        }
        pongs.fetch_add(bot.pongs() - answered, Relaxed);
    }
}
