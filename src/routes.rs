//! The HTTP routes: the WebSocket upgrade at `/ws`, the JSON endpoints `/api/rooms` and
//! `/api/stats`, `/healthz`, and the static files (`assets/` at `/assets/`, `client/` at `/`).
//! Wiring only: each handler hands off to the module that owns the work.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::admission;
use crate::app::AppState;
use crate::lobby::RoomEntry;
use crate::protocol::RoomInfo;
use crate::room::TickReport;
use crate::session;

pub fn configure(app: Arc<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let client_dir = app.config.client_dir.clone();
        let assets_dir = app.config.assets_dir.clone();
        cfg.app_data(web::Data::from(app))
            .route("/ws", web::get().to(websocket))
            .route("/api/rooms", web::get().to(rooms))
            .route("/api/stats", web::get().to(stats))
            .route("/healthz", web::get().to(healthz))
            .service(actix_files::Files::new("/assets", assets_dir))
            .service(actix_files::Files::new("/", client_dir).index_file("index.html"));
    }
}

async fn websocket(
    req: HttpRequest,
    stream: web::Payload,
    app: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    match admission::admit(&app, &req) {
        Ok(admitted) => session::start(app.into_inner(), &req, stream, admitted),
        Err(refusal) => Ok(refusal.response()),
    }
}

/// The public rooms, for REST callers: `[{"id", "name", "mode", "players", "capacity", "public"}]`.
async fn rooms(app: web::Data<AppState>) -> HttpResponse {
    let rooms: Vec<RoomInfo> = app
        .directory
        .public_rooms()
        .iter()
        .map(RoomEntry::info)
        .collect();
    HttpResponse::Ok().json(rooms)
}

#[derive(Serialize)]
struct ServerStats {
    uptime_s: f64,
    sessions: usize,
    players: usize,
    dropped_messages: u64,
    refused_connections: u64,
    rooms: Vec<RoomStats>,
}

#[derive(Serialize)]
struct RoomStats {
    id: u32,
    name: String,
    players: u8,
    capacity: u8,
    #[serde(flatten)]
    ticks: TickReport,
}

/// Every room's tick timing, for operators and the load tool.
async fn stats(app: web::Data<AppState>) -> HttpResponse {
    let rooms = app
        .directory
        .all_rooms()
        .into_iter()
        .map(|room| RoomStats {
            id: room.id,
            name: room.name.clone(),
            players: room.players.load(Ordering::Relaxed),
            capacity: room.capacity,
            ticks: room.stats.report(),
        })
        .collect();
    HttpResponse::Ok().json(ServerStats {
        uptime_s: app.started.elapsed().as_secs_f64(),
        sessions: app.sessions.load(Ordering::Relaxed),
        players: app.limits.players(),
        dropped_messages: app.limits.dropped_messages.load(Ordering::Relaxed),
        refused_connections: app.limits.refused_connections.load(Ordering::Relaxed),
        rooms,
    })
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}
