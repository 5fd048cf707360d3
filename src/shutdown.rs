//! The graceful shutdown on SIGTERM or ctrl-c: stop taking players, close every room after the tick
//! it is in (members get `RoomClosed`), close every connection with 1001 "server restarting",
//! wait for the closed rooms' matches to be filed (see `replay`), then stop the HTTP server, all
//! within the configured bound.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;

use crate::app::AppState;
use crate::connections::CloseConnection;
use crate::protocol::CloseCode;
use crate::room::CloseRoom;

/// What clients are told.
pub const RESTARTING: &str = "server restarting";
/// How often the drain checks whether every connection has closed.
const POLL: Duration = Duration::from_millis(20);
/// The longest the drain waits for Redis to forget this node.
const CLUSTER_LEAVE_WAIT: Duration = Duration::from_secs(1);

/// Resolves on the first SIGTERM or SIGINT (ctrl-c) and names it.
pub async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "ctrl-c",
            },
            Err(err) => {
                log::warn!("cannot listen for SIGTERM ({err}); ctrl-c still shuts down");
                let _ = tokio::signal::ctrl_c().await;
                "ctrl-c"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "ctrl-c"
    }
}

/// Shuts the server down gracefully. Every step is bounded so that the whole takes at most
/// about `app.config.shutdown_timeout()`.
pub async fn drain(app: Arc<AppState>, server: ServerHandle) {
    let deadline = tokio::time::Instant::now() + app.config.shutdown_timeout();
    // From here `/ws` answers 503 and `/readyz` reports the shutdown; the listener stays open
    // so that load balancers can see that.
    app.stop_accepting();
    if let Some(cluster) = &app.cluster {
        cluster.drain();
    }
    let rooms = app.directory.here().handles();
    log::info!(
        "shutting down: closing {} rooms and {} connections",
        rooms.len(),
        app.connections.len()
    );
    let closing = rooms.iter().map(|room| {
        room.addr.send(CloseRoom {
            reason: RESTARTING.into(),
        })
    });
    // A room answers once its current tick is over and it has begun to stop.
    let _ = tokio::time::timeout_at(deadline, futures_util::future::join_all(closing)).await;
    app.connections.close_all(&CloseConnection {
        close_code: CloseCode::GoingAway,
        reason: RESTARTING.into(),
        error: None,
    });
    while !app.connections.is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
    }
    if !app.connections.is_empty() {
        log::warn!(
            "shutting down: {} connections did not close in time",
            app.connections.len()
        );
    }
    // The players have been told: the other nodes may forget this one now, not in seconds.
    if let Some(cluster) = app.cluster.clone() {
        let _ =
            actix_web::rt::task::spawn_blocking(move || cluster.leave(CLUSTER_LEAVE_WAIT)).await;
    }
    // The closed rooms' matches are on their way to the disk; unfiled, they would be lost.
    while app.unfiled_replays() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
    }
    if app.unfiled_replays() > 0 {
        log::warn!(
            "shutting down: {} matches were not filed in time",
            app.unfiled_replays()
        );
    }
    server.stop(false).await;
}
