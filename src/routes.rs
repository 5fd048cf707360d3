//! The players' HTTP routes: the WebSocket upgrade at `/ws`, the JSON endpoints `/api/rooms`
//! (what the lobby shows anyone) and `/api/matches` (recorded public matches, in
//! `replay::http`), `/healthz`, `/readyz`, and the static files (`assets/` at `/assets/`,
//! `client/` at `/`); and the gate in front of every listener's routes. The operator's
//! endpoints are not here: they have a listener of their own (`admin`).
//! Wiring only: each handler hands off to the module that owns the work.

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::future::Either;

use crate::admission::{self, Refusal};
use crate::app::AppState;
use crate::protocol::RoomInfo;
use crate::transport::{ConnectionMeter, MAX_REQUESTS_PER_CONNECTION};
use crate::{admin, replay, session};

/// The players' listener.
pub fn configure(app: Arc<AppState>, cfg: &mut web::ServiceConfig) {
    let client_dir = app.config.client_dir.clone();
    let assets_dir = app.config.assets_dir.clone();
    cfg.app_data(web::Data::from(app))
        .route("/ws", web::get().to(websocket))
        .route("/api/rooms", web::get().to(rooms))
        .route("/api/matches", web::get().to(replay::http::list))
        .route("/api/matches/{id}", web::get().to(replay::http::show))
        .route(
            "/api/matches/{id}/replay",
            web::get().to(replay::http::replay),
        )
        .route(
            "/api/matches/{id}/track",
            web::get().to(replay::http::track),
        )
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(admin::readyz))
        .service(actix_files::Files::new("/assets", assets_dir))
        .service(actix_files::Files::new("/", client_dir).index_file("index.html"));
}

/// The gate in front of every route: a connection over the per-IP limits gets its refusal
/// (429), a connection past `MAX_REQUESTS_PER_CONNECTION` requests too, and the last request
/// it may make is answered with `Connection: close`. A request waits while the connection's
/// previous answers are not being taken.
pub fn screen<S>(
    req: ServiceRequest,
    routes: &S,
) -> impl Future<Output = Result<ServiceResponse, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    let meter = req.conn_data::<Rc<ConnectionMeter>>().cloned();
    let refusal = meter.as_ref().and_then(|meter| match &meter.refused {
        Some(refusal) => Some(Refusal::Ip(refusal.clone()).response()),
        None if !meter.count_request(request_length(&req)) => {
            Some(HttpResponse::TooManyRequests().body(format!(
                "at most {MAX_REQUESTS_PER_CONNECTION} requests per connection\n"
            )))
        }
        None => None,
    });
    if let Some(mut refused) = refusal {
        refused
            .head_mut()
            .set_connection_type(ConnectionType::Close);
        return Either::Left(std::future::ready(Ok(req.into_response(refused))));
    }
    let last = meter.as_ref().is_some_and(|meter| meter.is_last_request());
    let answer = routes.call(req);
    Either::Right(async move {
        if let Some(meter) = meter {
            meter.writable().await;
        }
        let mut response = answer.await?;
        if last {
            response
                .response_mut()
                .head_mut()
                .set_connection_type(ConnectionType::Close);
        }
        Ok(response)
    })
}

/// The bytes `req` took on the wire, or a little more: its request line, headers and body.
fn request_length(req: &ServiceRequest) -> u64 {
    let line = req.method().as_str().len() + req.uri().to_string().len() + " HTTP/1.1\r\n".len();
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + ": \r\n".len())
        .sum();
    let body = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(0);
    (line + headers + "\r\n".len()) as u64 + body
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

/// A public room for REST callers, with the node that runs it in a cluster.
#[derive(serde::Serialize)]
struct ListedRoom {
    #[serde(flatten)]
    room: RoomInfo,
    /// The id of the node that runs the room (absent on a single node).
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<String>,
}

/// The public rooms of every node, for REST callers: `[{"id", "name", "mode", "players",
/// "capacity", "public", "bots", "node"}]`.
async fn rooms(app: web::Data<AppState>) -> HttpResponse {
    let here = app.cluster.as_ref().map(|c| c.node_id().to_string());
    let rooms: Vec<ListedRoom> = app
        .directory
        .public_rooms()
        .into_iter()
        .map(|listed| ListedRoom {
            room: listed.room.info(),
            node: listed
                .node
                .map_or_else(|| here.clone(), |n| Some(n.id.clone())),
        })
        .collect();
    HttpResponse::Ok().json(rooms)
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}
