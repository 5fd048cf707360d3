//! The operator's HTTP endpoints, on their own listener (`--admin-bind`, loopback by default)
//! so that nothing about private rooms or players reaches the players' port: `/metrics`
//! (Prometheus text format), `/api/stats` (JSON for the monitor page and the load tool),
//! `/readyz`, `/healthz`, and the monitor page at `/monitor` (`/` leads there).
//!
//! With `--admin-token` set, `/metrics` and `/api/stats` answer only requests that carry it
//! (`Authorization: Bearer TOKEN` or `?token=TOKEN`); the monitor page itself is static and asks
//! for the token. These handlers read shared state and change nothing.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::lobby::{RoomHandle, RoomListing};
use crate::metrics::{SessionPhase, Traffic};
use crate::protocol::{RoomId, PROTOCOL_VERSION};
use crate::room::{Inspect, RoomDetails, TickReport};

/// How long `/api/stats` waits for a busy room to describe itself before listing it without
/// its details.
const INSPECT_TIMEOUT: Duration = Duration::from_millis(500);

/// The operator's listener.
pub fn configure(app: Arc<AppState>, cfg: &mut web::ServiceConfig) {
    let client_dir = app.config.client_dir.clone();
    cfg.app_data(web::Data::from(app))
        .route("/metrics", web::get().to(metrics))
        .route("/api/stats", web::get().to(stats))
        .route("/readyz", web::get().to(readyz))
        .route("/healthz", web::get().to(crate::routes::healthz))
        .route("/monitor", web::get().to(monitor))
        .route("/", web::get().to(to_monitor));
    for file in MONITOR_FILES {
        let path = client_dir.join(file);
        cfg.route(
            &format!("/{file}"),
            web::get().to(move || {
                let path = path.clone();
                async move { actix_files::NamedFile::open_async(path).await }
            }),
        );
    }
}

/// The client files the monitor page loads besides itself: it shares nothing with the game's
/// client.
const MONITOR_FILES: [&str; 2] = ["monitor.js", "monitor.css"];

async fn to_monitor() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/monitor"))
        .finish()
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Compares in time that depends on the lengths only, so that the time of a refusal does not
/// tell how much of a guessed token was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Whether `req` may read the operator endpoints: always when no token is configured.
pub fn authorized(req: &HttpRequest, token: Option<&str>) -> bool {
    let Some(token) = token else {
        return true;
    };
    let from_header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    let from_query = web::Query::<TokenQuery>::from_query(req.query_string())
        .ok()
        .and_then(|query| query.into_inner().token);
    from_header
        .into_iter()
        .chain(from_query.as_deref())
        .any(|given| same_secret(given.as_bytes(), token.as_bytes()))
}

fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"skirmish\""))
        .content_type("text/plain")
        .body("this endpoint needs the admin token: Authorization: Bearer TOKEN, or ?token=TOKEN\n")
}

/// Prometheus metrics in the text exposition format.
pub async fn metrics(req: HttpRequest, app: web::Data<AppState>) -> HttpResponse {
    if !authorized(&req, app.config.admin_token.as_deref()) {
        return unauthorized();
    }
    if let Some(cluster) = &app.cluster {
        cluster.update_gauges();
    }
    let listings = app.directory.here().listings();
    let counts: Vec<_> = listings.iter().map(RoomListing::count).collect();
    let body = app.metrics.render(&counts);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

#[derive(Serialize)]
struct ServerStats {
    version: &'static str,
    protocol: u16,
    uptime_s: f64,
    ready: bool,
    /// The configured tick rate; each room reports the rate it achieved.
    tick_rate: u16,
    sessions: usize,
    sessions_by_state: BTreeMap<&'static str, i64>,
    players: u64,
    spectators: i64,
    /// Totals since the start; the monitor turns two readings into rates.
    traffic: Traffic,
    rooms: Vec<RoomStats>,
    /// Where players reach the game, for the monitor's Watch links: `--public-url` when set,
    /// else the players' port and scheme on the host the monitor was opened at.
    public_url: Option<String>,
    public_port: u16,
    public_scheme: &'static str,
    /// This node's part in a cluster; absent on a single node.
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<ClusterStats>,
}

#[derive(Serialize)]
struct ClusterStats {
    node: String,
    #[serde(flatten)]
    health: crate::cluster::Health,
    /// Every node seen, this one first.
    nodes: Vec<crate::cluster::NodeSeen>,
}

#[derive(Serialize)]
struct RoomStats {
    id: RoomId,
    name: String,
    mode: &'static str,
    public: bool,
    /// Private rooms' codes only for callers that showed the admin token.
    code: Option<String>,
    players: u8,
    capacity: u8,
    #[serde(flatten)]
    ticks: TickReport,
    /// Missing when the room did not answer in time (or closed meanwhile).
    #[serde(flatten)]
    details: Option<RoomDetails>,
}

/// Every room's figures (public and private), with its players, for operators and the load tool.
pub async fn stats(req: HttpRequest, app: web::Data<AppState>) -> HttpResponse {
    let token = app.config.admin_token.as_deref();
    if !authorized(&req, token) {
        return unauthorized();
    }
    let rooms = app.directory.here().handles();
    let details = join_all(
        rooms
            .iter()
            .map(|room| room.addr.send(Inspect).timeout(INSPECT_TIMEOUT)),
    )
    .await;
    let rooms: Vec<RoomStats> = rooms
        .iter()
        .zip(details)
        .map(|(room, details)| room_stats(room, details.ok(), token.is_some()))
        .collect();
    HttpResponse::Ok().json(ServerStats {
        version: env!("CARGO_PKG_VERSION"),
        protocol: PROTOCOL_VERSION,
        uptime_s: app.started.elapsed().as_secs_f64(),
        ready: app.is_ready(),
        tick_rate: app.config.tick_rate,
        sessions: app.sessions.load(std::sync::atomic::Ordering::Relaxed),
        sessions_by_state: SessionPhase::ALL
            .iter()
            .map(|phase| (phase.label(), app.metrics.sessions_in(*phase)))
            .collect(),
        players: rooms.iter().map(|room| u64::from(room.players)).sum(),
        spectators: app.metrics.sessions_in(SessionPhase::Spectating),
        traffic: app.metrics.traffic(),
        rooms,
        public_url: app.config.public_url.clone(),
        public_port: app.public_port,
        public_scheme: if app.config.tls_cert.is_some() {
            "https"
        } else {
            "http"
        },
        cluster: app.cluster.as_ref().map(|cluster| ClusterStats {
            node: cluster.node_id().to_string(),
            health: cluster.health(),
            nodes: cluster.nodes(app.directory.here()),
        }),
    })
}

fn room_stats(room: &RoomHandle, details: Option<RoomDetails>, admin: bool) -> RoomStats {
    RoomStats {
        id: room.id,
        name: room.name.clone(),
        mode: room.mode,
        public: room.public,
        code: (room.public || admin).then(|| room.code.clone()),
        players: room.players.load(std::sync::atomic::Ordering::Relaxed),
        capacity: room.capacity,
        ticks: room.stats.report(),
        details,
    }
}

/// 200 while the server takes players, 503 once it is shutting down. A node of a cluster that
/// cannot reach Redis still serves its own rooms: 200, saying it is degraded and why.
pub async fn readyz(app: web::Data<AppState>) -> HttpResponse {
    let degraded = app
        .cluster
        .as_ref()
        .map(|cluster| cluster.health())
        .filter(|health| health.degraded);
    if app.is_ready() {
        let body = match degraded {
            Some(health) => format!(
                "ready, degraded: {}; this node lists its own rooms only\n",
                health.problem.unwrap_or_default()
            ),
            None => "ready\n".into(),
        };
        HttpResponse::Ok().content_type("text/plain").body(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("shutting down\n")
    }
}

/// The monitor page, `monitor.html` of the client directory.
pub async fn monitor(app: web::Data<AppState>) -> actix_web::Result<actix_files::NamedFile> {
    Ok(actix_files::NamedFile::open(
        app.config.client_dir.join("monitor.html"),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;
    use actix_web::test::TestRequest;
    use std::sync::Arc;

    use crate::config::Config;
    use crate::game::map::Map;
    use crate::lobby::Directory;

    #[actix_web::test]
    async fn readyz_turns_to_503_when_the_server_stops_accepting() {
        let config = Config::defaults();
        let map = Map::from_json(&std::fs::read_to_string(config.map_path()).unwrap()).unwrap();
        let app = Arc::new(AppState::new(
            config,
            Arc::new(Directory::single()),
            Arc::new(map),
            Vec::new(),
        ));
        let answer = readyz(web::Data::from(app.clone())).await;
        assert_eq!(answer.status(), 200);
        app.stop_accepting();
        let answer = readyz(web::Data::from(app.clone())).await;
        assert_eq!(answer.status(), 503);
        let body = answer.into_body().try_into_bytes().unwrap();
        assert_eq!(&body[..], b"shutting down\n");
    }

    #[test]
    fn the_token_is_taken_from_the_header_or_the_query() {
        let token = Some("s3cret");
        assert!(authorized(&TestRequest::default().to_http_request(), None));
        assert!(!authorized(
            &TestRequest::default().to_http_request(),
            token
        ));
        let header = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer s3cret"))
            .to_http_request();
        assert!(authorized(&header, token));
        let query = TestRequest::with_uri("/api/stats?x=1&token=s3cret").to_http_request();
        assert!(authorized(&query, token));
        for wrong in ["Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret"] {
            let request = TestRequest::default()
                .insert_header((header::AUTHORIZATION, wrong))
                .to_http_request();
            assert!(!authorized(&request, token), "{wrong}");
        }
        let query = TestRequest::with_uri("/metrics?token=S3CRET").to_http_request();
        assert!(!authorized(&query, token));
    }
}
