//! `GET /api/matches`, `GET /api/matches/{id}`, `GET /api/matches/{id}/replay` and
//! `GET /api/matches/{id}/track`: the recorded public matches, newest first, as JSON, their
//! replay files, and the tracks a browser plays them from (`track`).
//!
//! Owns: the query parameters, paging and the answers. Must not: query the index on an actix
//! worker's thread (every query runs in `web::block`), or show a private room's match (those
//! are kept, for the operator, but not listed or served).

use actix_web::http::header::ContentDisposition;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::index;
use crate::app::AppState;

const DEFAULT_PER_PAGE: u32 = 20;
const MAX_PER_PAGE: u32 = 100;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Only matches this player (by name) played in.
    player: Option<String>,
    /// 0-based.
    page: Option<u32>,
    per_page: Option<u32>,
}

fn unavailable(err: impl std::fmt::Display) -> HttpResponse {
    log::error!("match index: {err}");
    HttpResponse::ServiceUnavailable().body("the match index cannot be read now\n")
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound().body("no such match\n")
}

/// `GET /api/matches?player=NAME&page=0&per_page=20`.
pub async fn list(app: web::Data<AppState>, query: web::Query<ListQuery>) -> HttpResponse {
    let dir = app.config.data_dir.clone();
    let ListQuery {
        player,
        page,
        per_page,
    } = query.into_inner();
    let page = page.unwrap_or(0);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
    let found = web::block(move || {
        let db = index::open_read(&dir)?;
        index::list(&db, player.as_deref(), page, per_page)
    })
    .await;
    match found {
        Ok(Ok(matches)) => HttpResponse::Ok().json(serde_json::json!({
            "page": page,
            "per_page": per_page,
            "matches": matches,
        })),
        Ok(Err(err)) => unavailable(err),
        Err(err) => unavailable(err),
    }
}

async fn find<T: Send + 'static>(
    app: &AppState,
    query: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<Option<T>> + Send + 'static,
) -> Result<Option<T>, HttpResponse> {
    let dir = app.config.data_dir.clone();
    match web::block(move || query(&index::open_read(&dir)?)).await {
        Ok(Ok(found)) => Ok(found),
        Ok(Err(err)) => Err(unavailable(err)),
        Err(err) => Err(unavailable(err)),
    }
}

/// `GET /api/matches/{id}`.
pub async fn show(app: web::Data<AppState>, id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    match find(&app, move |db| index::get(db, id)).await {
        Ok(Some(row)) => HttpResponse::Ok().json(row),
        Ok(None) => not_found(),
        Err(response) => response,
    }
}

/// Runs `use_file` on match `id`'s replay (its file's name and bytes) on a blocking thread;
/// `None` when there is no such match, or when retention deleted its file meanwhile.
async fn with_replay<T: Send + 'static>(
    app: &AppState,
    id: i64,
    use_file: impl FnOnce(String, Vec<u8>) -> T + Send + 'static,
) -> Result<Option<T>, HttpResponse> {
    let dir = app.config.data_dir.clone();
    find(app, move |db| {
        let Some(file) = index::replay_file(db, id)? else {
            return Ok(None);
        };
        Ok(std::fs::read(dir.join(&file))
            .ok()
            .map(|bytes| use_file(file, bytes)))
    })
    .await
}

/// `GET /api/matches/{id}/replay`: the file, as an attachment.
pub async fn replay(app: web::Data<AppState>, id: web::Path<i64>) -> HttpResponse {
    match with_replay(&app, id.into_inner(), |name, bytes| (name, bytes)).await {
        Ok(Some((name, bytes))) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .insert_header(ContentDisposition::attachment(name))
            .body(bytes),
        Ok(None) => not_found(),
        Err(response) => response,
    }
}

/// `GET /api/matches/{id}/track`: the match re-simulated into what a spectator would have
/// received (`track`), for the browser's replay viewer.
pub async fn track(app: web::Data<AppState>, id: web::Path<i64>) -> HttpResponse {
    let id = id.into_inner();
    let Ok(match_id) = u32::try_from(id) else {
        return not_found();
    };
    let built = with_replay(&app, id, move |_, bytes| {
        super::track::track(&bytes, match_id)
    })
    .await;
    match built {
        Ok(Some(Ok(track))) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(track),
        Ok(Some(Err(err))) => {
            log::warn!("match {id}: its replay does not play: {err}");
            HttpResponse::UnprocessableEntity().body(format!("this replay does not play: {err}\n"))
        }
        Ok(None) => not_found(),
        Err(response) => response,
    }
}
