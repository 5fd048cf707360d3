//! Startup: from a validated `Config` and a bound listener to a running server, so that tests
//! bind `127.0.0.1:0` and pass the listener in. Wiring only.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix::Arbiter;
use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer};

use crate::app::AppState;
use crate::config::Config;
use crate::game::map::{Map, MapError};
use crate::lobby::LocalDirectory;
use crate::routes;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("bad configuration: {0}")]
    Config(String),
    #[error("cannot read map {path}: {source}")]
    MapFile {
        path: String,
        source: std::io::Error,
    },
    #[error("map {path}: {source}")]
    Map { path: String, source: MapError },
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds the server on `listener`. Must run inside an actix `System` (rooms get threads of
/// their own from it); the returned `Server` runs when awaited.
pub fn run(listener: TcpListener, config: Config) -> Result<Server, StartupError> {
    config.validate().map_err(StartupError::Config)?;
    let map = load_map(&config)?;
    let (room_threads, http_workers) = config.resolved_threads();
    let room_threads = (0..room_threads).map(|_| Arbiter::new().handle()).collect();
    let app = Arc::new(AppState::new(
        config,
        Arc::new(LocalDirectory::new()),
        Arc::new(map),
        room_threads,
    ));
    let server = HttpServer::new(move || App::new().configure(routes::configure(app.clone())))
        .workers(http_workers)
        .listen(listener)?
        .run();
    Ok(server)
}

fn load_map(config: &Config) -> Result<Map, StartupError> {
    let path = config.map_path();
    let text = std::fs::read_to_string(&path).map_err(|source| StartupError::MapFile {
        path: path.display().to_string(),
        source,
    })?;
    Map::from_json(&text).map_err(|source| StartupError::Map {
        path: path.display().to_string(),
        source,
    })
}

/// A server running on a thread of its own, for tests and tools. Stops when dropped.
pub struct RunningServer {
    pub addr: SocketAddr,
    handle: ServerHandle,
}

impl RunningServer {
    /// `ws://ADDR/ws`
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// `http://ADDR`
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        // The stop command is sent when `stop` is called; nothing needs to wait for it.
        drop(self.handle.stop(false));
    }
}

/// Binds `config.bind:config.port` and runs the server on a new thread with its own actix
/// `System`; returns once it is listening.
pub fn spawn(config: Config) -> Result<RunningServer, StartupError> {
    let listener = TcpListener::bind((config.bind, config.port))?;
    let addr = listener.local_addr()?;
    let (started, ready) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(format!("skirmish-{addr}"))
        .spawn(move || {
            let system = actix::System::new();
            system.block_on(async move {
                match run(listener, config) {
                    Ok(server) => {
                        let _ = started.send(Ok(server.handle()));
                        let _ = server.await;
                    }
                    Err(err) => {
                        let _ = started.send(Err(err));
                    }
                }
                actix::System::current().stop();
            });
        })?;
    let handle = ready
        .recv()
        .map_err(|_| StartupError::Config("the server thread ended before starting".into()))??;
    Ok(RunningServer { addr, handle })
}
