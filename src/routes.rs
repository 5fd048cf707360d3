//! The HTTP routes: the WebSocket upgrade at `/ws`, the JSON endpoint `/api/rooms`, `/healthz`,
//! the operator's endpoints (`/api/stats`, `/metrics`, `/readyz`, `/monitor`, in `admin`), and
//! the static files (`assets/` at `/assets/`, `client/` at `/`).
//! Wiring only: each handler hands off to the module that owns the work.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::admission;
use crate::app::AppState;
use crate::lobby::RoomEntry;
use crate::protocol::RoomInfo;
use crate::{admin, session};

pub fn configure(app: Arc<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let client_dir = app.config.client_dir.clone();
        let assets_dir = app.config.assets_dir.clone();
        cfg.app_data(web::Data::from(app))
            .route("/ws", web::get().to(websocket))
            .route("/api/rooms", web::get().to(rooms))
            .route("/api/stats", web::get().to(admin::stats))
            .route("/metrics", web::get().to(admin::metrics))
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(admin::readyz))
            .route("/monitor", web::get().to(admin::monitor))
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

/// The public rooms, for REST callers: `[{"id", "name", "mode", "players", "capacity", "public", "bots"}]`.
async fn rooms(app: web::Data<AppState>) -> HttpResponse {
    let rooms: Vec<RoomInfo> = app
        .directory
        .public_rooms()
        .iter()
        .map(RoomEntry::info)
        .collect();
    HttpResponse::Ok().json(rooms)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}
