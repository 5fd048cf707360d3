//! The load tool's results: the server's own figures (`GET /api/stats`), and the one summary
//! line (or JSON object) of a run with the figures of its scenario ("arena v1" or "idle").

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use skirmish::bot::frames;
use tokio::net::TcpStream;

use crate::stats::Machine;

/// Every figure of one run. `None`: not measured (no `--server-pid`, no stats endpoint...).
#[derive(Debug, Serialize)]
pub struct Summary {
    pub clients: usize,
    pub joined: usize,
    pub failed: usize,
    pub window_s: f64,
    pub server_cpu_percent: Option<f64>,
    pub us_per_client_s: Option<f64>,
    pub rss_mb: Option<f64>,
    pub peak_rss_mb: Option<f64>,
    /// Snapshots per client per second, mean over all clients (failed ones count as 0).
    pub upd_rate: f64,
    /// Percent of all clients that received under 90 % of the tick rate.
    pub under90_percent: f64,
    pub lat_p50_ms: Option<f64>,
    pub lat_p99_ms: Option<f64>,
    pub latency_samples: u64,
    pub bytes_per_client_s: f64,
    pub tick_p99_ms: Option<f64>,
    pub load_cpu_percent: Option<f64>,
    /// CPU use of the whole machine, all cores (200 = both of two cores busy): near the
    /// maximum, the run was limited by the machine rather than by the server alone.
    pub machine_busy_percent: Option<f64>,
    pub tick_rate: u16,
}

fn figure(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "na".to_string(), |v| format!("{v:.decimals$}"))
}

impl Summary {
    /// The scenario's one summary line.
    pub fn line(&self) -> String {
        let mut line = format!("skirmish N={}", self.clients);
        let _ = write!(
            line,
            " cpu%={} us_per_client_s={} rss_mb={} peak_rss_mb={} upd_rate={:.2} under90={:.1}%",
            figure(self.server_cpu_percent, 1),
            figure(self.us_per_client_s, 0),
            figure(self.rss_mb, 1),
            figure(self.peak_rss_mb, 1),
            self.upd_rate,
            self.under90_percent,
        );
        let _ = write!(
            line,
            " lat_p50_ms={} lat_p99_ms={} bytes_per_client_s={:.0} tick_p99_ms={} load_cpu%={} \
             machine_busy%={}",
            figure(self.lat_p50_ms, 2),
            figure(self.lat_p99_ms, 2),
            self.bytes_per_client_s,
            figure(self.tick_p99_ms, 3),
            figure(self.load_cpu_percent, 1),
            figure(self.machine_busy_percent, 1),
        );
        line
    }
}

/// Every figure of one run of the "idle" scenario. `None`: not measured (no `--server-pid`...).
#[derive(Debug, Serialize)]
pub struct IdleSummary {
    pub clients: usize,
    /// Sessions that got their `Welcome`.
    pub connected: usize,
    pub failed: usize,
    /// Welcomed sessions whose connection was still open at the end of the window.
    pub open: usize,
    /// The server's own count of sessions in the lobby at the end of the window.
    pub server_lobby: Option<u64>,
    pub window_s: f64,
    /// Pings answered per open session per second over the window: the heartbeat at work.
    pub pongs_per_session_s: f64,
    /// The server's RSS before the first session connected.
    pub rss_before_mb: Option<f64>,
    /// The server's RSS at the end of the window, with the sessions connected.
    pub rss_mb: Option<f64>,
    pub peak_rss_mb: Option<f64>,
    /// (rss_mb - rss_before_mb) / connected, in KiB.
    pub kb_per_session: Option<f64>,
    pub server_cpu_percent: Option<f64>,
    pub load_cpu_percent: Option<f64>,
    pub load_rss_mb: Option<f64>,
    pub machine_busy_percent: Option<f64>,
}

impl IdleSummary {
    /// The scenario's one summary line.
    pub fn line(&self) -> String {
        let mut line = format!(
            "skirmish idle N={} connected={} open={} server_lobby={}",
            self.clients,
            self.connected,
            self.open,
            self.server_lobby
                .map_or_else(|| "na".to_string(), |n| n.to_string()),
        );
        let _ = write!(
            line,
            " rss_before_mb={} rss_mb={} peak_rss_mb={} kb_per_session={} cpu%={} \
             pongs_per_session_s={:.3} load_cpu%={} load_rss_mb={} machine_busy%={}",
            figure(self.rss_before_mb, 1),
            figure(self.rss_mb, 1),
            figure(self.peak_rss_mb, 1),
            figure(self.kb_per_session, 2),
            figure(self.server_cpu_percent, 1),
            self.pongs_per_session_s,
            figure(self.load_cpu_percent, 1),
            figure(self.load_rss_mb, 1),
            figure(self.machine_busy_percent, 1),
        );
        line
    }
}

pub fn machine_line(machine: &Machine) -> String {
    format!(
        "machine cpu={:?} cores={} kernel={}",
        machine.cpu, machine.cores, machine.kernel
    )
}

pub fn json(scenario: &str, summary: &impl Serialize, line: &str, machine: &Machine) -> String {
    serde_json::json!({
        "scenario": scenario,
        "machine": { "cpu": machine.cpu, "cores": machine.cores, "kernel": machine.kernel },
        "summary": summary,
        "line": line,
    })
    .to_string()
}

/// The largest `tick_p99_ms` over the server's rooms, from `GET /api/stats`.
pub async fn server_tick_p99_ms(addr: SocketAddr) -> Result<Option<f64>, String> {
    let stats = server_stats(addr).await?;
    let rooms = stats
        .get("rooms")
        .and_then(|r| r.as_array())
        .ok_or("/api/stats has no rooms array")?;
    Ok(rooms
        .iter()
        .filter_map(|room| room.get("tick_p99_ms").and_then(|v| v.as_f64()))
        .reduce(f64::max))
}

/// The server's count of sessions in `phase` ("lobby", "playing"...), from `GET /api/stats`.
pub async fn server_sessions_in(addr: SocketAddr, phase: &str) -> Result<Option<u64>, String> {
    let stats = server_stats(addr).await?;
    Ok(stats
        .get("sessions_by_state")
        .and_then(|phases| phases.get(phase))
        .and_then(|count| count.as_u64()))
}

/// The server's `GET /api/stats`.
async fn server_stats(addr: SocketAddr) -> Result<serde_json::Value, String> {
    let body = http_get(addr, "/api/stats").await?;
    serde_json::from_str(&body).map_err(|e| format!("/api/stats is not JSON: {e}"))
}

/// A plain HTTP/1.1 GET with `Connection: close`; returns the body of a 200 response.
pub async fn http_get(addr: SocketAddr, path: &str) -> Result<String, String> {
    let exchange = async {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connecting to {addr}: {e}"))?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        frames::write_all(&stream, request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match frames::read_some(&stream, &mut chunk).await {
                Ok(0) => break,
                Ok(n) => response.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok::<_, String>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .map_err(|_| format!("GET {path}: no answer within 5 s"))??;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path}: malformed response"))?;
    let status = head.lines().next().unwrap_or_default();
    if !status.contains(" 200 ") {
        return Err(format!("GET {path}: {status}"));
    }
    Ok(body.to_string())
}
