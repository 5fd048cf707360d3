//! Startup: from a validated `Config` and a bound listener to a running server, so that tests
//! bind `127.0.0.1:0` and pass the listener in; plain or TLS, with the graceful shutdown armed.
//! Wiring only.

use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use actix::Arbiter;
use actix_http::error::DispatchError;
use actix_http::{HttpService, Protocol};
use actix_server::{Server, ServerBuilder};
use actix_service::{
    fn_service, map_config, IntoServiceFactory, ServiceFactory, ServiceFactoryExt,
};
use actix_tls::accept::rustls_0_23::{Acceptor, TlsStream};
use actix_web::dev::{AppConfig, ServerHandle};
use actix_web::rt::net::TcpStream;
use actix_web::{web, App};

use crate::app::AppState;
use crate::config::Config;
use crate::game::map::{Map, MapError};
use crate::lobby::Directory;
use crate::tls::{self, TlsError};
use crate::transport::{self, Transport};
use crate::{admin, routes, shutdown};

/// File descriptors a server needs besides one per player: the listener, epoll and event
/// descriptors of every thread, files being served, connections not yet welcomed.
const OPEN_FILES_BESIDES_PLAYERS: u64 = 256;

/// actix-web's own default for connections per worker thread; kept unless `--max-players` needs
/// more (workers take connections in turn, but one may end up holding most of them).
const DEFAULT_CONNECTIONS_PER_WORKER: usize = 25_000;
/// Connections a worker takes beyond the players: HTTP requests and connections still in the
/// handshake.
const CONNECTIONS_BESIDES_PLAYERS: usize = 1024;

/// The most a connection buffers in user space before it stops taking frames (actix-web's
/// default is 32 KiB).
const RESPONSE_BUFFER_BYTES: usize = 8 * 1024;

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
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Replays(#[from] crate::replay::StoreError),
}

/// How long the HTTP server waits for requests in flight once every connection was told to
/// close.
const HTTP_STOP_TIMEOUT_S: u64 = 1;

/// The two sockets a server listens on: the players' (the game, `/ws`, `/api/rooms`) and the
/// operator's (`/metrics`, `/api/stats`, the monitor).
pub struct Listeners {
    pub public: TcpListener,
    pub admin: TcpListener,
}

impl Listeners {
    /// Binds `--bind:--port` and `--admin-bind`.
    pub fn bind(config: &Config) -> std::io::Result<Listeners> {
        Listeners::with_public(TcpListener::bind((config.bind, config.port))?, config)
    }

    /// `public` as the caller made it (tests shape its socket options), and `--admin-bind`.
    pub fn with_public(public: TcpListener, config: &Config) -> std::io::Result<Listeners> {
        let admin = TcpListener::bind(config.admin_bind).map_err(|err| {
            std::io::Error::new(
                err.kind(),
                format!("--admin-bind {}: {err}", config.admin_bind),
            )
        })?;
        Ok(Listeners { public, admin })
    }
}

/// The shared state of a server for `config`, with its room threads started. Must run inside
/// an actix `System`.
pub fn build_app(config: Config) -> Result<AppState, StartupError> {
    config.validate().map_err(StartupError::Config)?;
    let map = load_map(&config)?;
    let (room_threads, _) = config.resolved_threads();
    let room_threads = (0..room_threads).map(|_| Arbiter::new().handle()).collect();
    let app = AppState::new(
        config,
        Arc::new(Directory::single()),
        Arc::new(map),
        room_threads,
    );
    let app = match app.config.cluster_secret.clone() {
        Some(secret) if app.config.redis_url.is_some() => app.with_cluster(&secret),
        _ => app,
    };
    let replays = crate::replay::Store::open(
        &app.config.data_dir,
        app.config.replay_retention(),
        app.metrics.replays(),
    )?;
    if !app.config.record_matches {
        return Ok(app);
    }
    let replays = match &app.config.redis_url {
        Some(url) => replays.with_feed(
            crate::replay::stream::MatchFeed::start(url, app.metrics.replays())
                .map_err(StartupError::Config)?,
        ),
        None => replays,
    };
    Ok(app.with_replays(crate::replay::ReplayWriter::spawn(replays)?))
}

/// Serves `app` on `listeners` (the public one over TLS when the config names a certificate;
/// the operator's in plain HTTP), and shuts down gracefully on SIGTERM or ctrl-c. Every
/// connection runs through `transport` (per-IP limits, socket options, the read pause and the
/// byte count) under the HTTP/1 dispatcher.
pub fn run_app(listeners: Listeners, mut app: AppState) -> Result<Server, StartupError> {
    app.public_port = listeners.public.local_addr()?.port();
    if let (Some(cluster), Some(redis_url)) = (&app.cluster, &app.config.redis_url) {
        let url = app.config.node_url(app.public_port);
        log::info!("cluster: node {} at {url}", cluster.node_id());
        cluster
            .start(redis_url, url, app.directory.here().clone())
            .map_err(StartupError::Config)?;
    }
    let app = Arc::new(app);
    let (_, http_workers) = app.config.resolved_threads();
    let tls = match (&app.config.tls_cert, &app.config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let builder = Server::build()
        .workers(http_workers)
        .max_concurrent_connections(connections_per_worker(&app.config))
        // SIGTERM and ctrl-c run `shutdown::drain` instead of actix's own stop.
        .disable_signals()
        .shutdown_timeout(HTTP_STOP_TIMEOUT_S);
    let builder = listen_plain(
        builder,
        "skirmish-admin",
        listeners.admin,
        &app,
        admin::configure,
    )?;
    let name = "skirmish-http";
    let builder = match tls {
        None => listen_plain(builder, name, listeners.public, &app, routes::configure)?,
        Some(tls) => {
            let served = app.clone();
            builder.listen(name, listeners.public, move || {
                let (app, prepared) = (served.clone(), served.clone());
                fn_service(move |tcp: TcpStream| {
                    transport::prepare_socket(&tcp, prepared.config.client_timeout());
                    std::future::ready(Ok::<_, ()>(tcp))
                })
                .and_then(Acceptor::new(tls.clone()).map_err(|_| ()))
                .and_then(fn_service(move |tls: TlsStream<TcpStream>| {
                    let tcp = tls.get_ref().0;
                    let (fd, peer) = (tcp.as_raw_fd(), tcp.peer_addr().ok());
                    std::future::ready(Ok::<_, ()>((
                        admit(&app, tls, fd, peer),
                        Protocol::Http1,
                        peer,
                    )))
                }))
                .and_then(http_service(served.clone(), routes::configure).map_err(|_| ()))
            })?
        }
    };
    let server = builder.run();
    let handle = server.handle();
    actix::spawn(async move {
        let signal = shutdown::signal().await;
        log::info!("{signal}: shutting down");
        shutdown::drain(app, handle).await;
    });
    Ok(server)
}

/// The routes of one listener, registered on each worker's `App`.
type Routes = fn(Arc<AppState>, &mut web::ServiceConfig);

/// Serves `routes` over plain HTTP on `listener`.
fn listen_plain(
    builder: ServerBuilder,
    name: &str,
    listener: TcpListener,
    app: &Arc<AppState>,
    routes: Routes,
) -> std::io::Result<ServerBuilder> {
    let served = app.clone();
    builder.listen(name, listener, move || {
        let app = served.clone();
        fn_service(move |tcp: TcpStream| {
            let app = app.clone();
            async move {
                transport::prepare_socket(&tcp, app.config.client_timeout());
                let (fd, peer) = (tcp.as_raw_fd(), tcp.peer_addr().ok());
                Ok((admit(&app, tcp, fd, peer), Protocol::Http1, peer))
            }
        })
        .and_then(http_service(served.clone(), routes))
    })
}

/// Counts a new connection against the per-IP limits and wraps it.
fn admit<T>(app: &AppState, io: T, fd: RawFd, peer: Option<SocketAddr>) -> Transport<T> {
    let (transport, refused) = transport::wrap(io, fd, peer, &app.limits.ip);
    if refused {
        app.metrics.rate_limited("connection");
    }
    transport
}

/// The HTTP/1 service over a connection's `Transport`, with the app's routes.
fn http_service<T>(
    app: Arc<AppState>,
    routes: Routes,
) -> impl ServiceFactory<
    (Transport<T>, Protocol, Option<SocketAddr>),
    Config = (),
    Response = (),
    Error = DispatchError,
    InitError = (),
>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + 'static,
{
    let routes = App::new()
        .wrap_fn(routes::screen)
        .configure(|cfg| routes(app, cfg));
    HttpService::build()
        // A session's frames wait here when its socket is full. Snapshots are under a kilobyte
        // and stale ones are skipped upstream, so a few kilobytes is plenty; more would only
        // hold memory for clients that stopped reading.
        .h1_write_buffer_size(RESPONSE_BUFFER_BYTES)
        // Close as soon as the last response (or a WebSocket's close frame) is out, instead of
        // lingering for the client to close first (a client that echoed the close frame waits
        // for the server); the transport sees that the client still gets the end.
        .client_disconnect_timeout(Duration::ZERO)
        .on_connect_ext(|io: &Transport<T>, data| {
            data.insert(io.meter());
        })
        .finish(map_config(
            routes
                .into_factory()
                .map_err(|err: actix_web::Error| err.error_response()),
            |_| AppConfig::default(),
        ))
}

/// The connections one worker may hold: never fewer than the players the server admits, or
/// players beyond a worker's default share would wait in the kernel's accept queue.
fn connections_per_worker(config: &Config) -> usize {
    DEFAULT_CONNECTIONS_PER_WORKER.max(config.max_players + CONNECTIONS_BESIDES_PLAYERS)
}

/// Raises the process's soft limit on open files to its hard limit, and warns when that is
/// still too low for `--max-players` connections (each is a file descriptor). Call once,
/// before serving; a server inside tests or tools leaves the limit to its process.
pub fn raise_open_files_limit(config: &Config) {
    let needed = config.max_players as u64 + OPEN_FILES_BESIDES_PLAYERS;
    match crate::fdlimit::raise_to_hard() {
        Ok(limit) if limit.soft < needed => log::warn!(
            "the open files limit is {} (hard limit {}): too low for --max-players {}, which \
             needs about {needed}; raise it (`ulimit -Hn`, systemd's LimitNOFILE)",
            limit.soft,
            limit.hard,
            config.max_players
        ),
        Ok(limit) => log::debug!("open files limit: {}", limit.soft),
        Err(err) => log::warn!("cannot raise the open files limit: {err}"),
    }
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
    /// Where the operator's endpoints listen (`--admin-bind`).
    pub admin_addr: SocketAddr,
    pub tls: bool,
    handle: ServerHandle,
}

impl RunningServer {
    /// `ws://ADDR/ws` (`wss://` with TLS)
    pub fn ws_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/ws", self.addr)
    }

    /// `http://ADDR` (`https://` with TLS)
    pub fn http_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// `http://ADMIN_ADDR`: the operator's endpoints
    pub fn admin_url(&self) -> String {
        format!("http://{}", self.admin_addr)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        // The stop command is sent when `stop` is called; nothing needs to wait for it.
        drop(self.handle.stop(false));
    }
}

/// Binds `config.bind:config.port` and `--admin-bind`, and runs the server on a new thread
/// with its own actix `System`; returns once it is listening.
pub fn spawn(config: Config) -> Result<RunningServer, StartupError> {
    let listener = TcpListener::bind((config.bind, config.port))?;
    spawn_on(listener, config)
}

/// Like `spawn`, on a public listener the caller made (tests shape its socket options).
pub fn spawn_on(listener: TcpListener, config: Config) -> Result<RunningServer, StartupError> {
    spawn_with(listener, config, |app| app)
}

/// Like `spawn_on`, with a last change to the shared state before it serves (tests plug in
/// games of their own).
pub fn spawn_with(
    listener: TcpListener,
    config: Config,
    customize: impl FnOnce(AppState) -> AppState + Send + 'static,
) -> Result<RunningServer, StartupError> {
    let listeners = Listeners::with_public(listener, &config)?;
    let addr = listeners.public.local_addr()?;
    let admin_addr = listeners.admin.local_addr()?;
    let tls = config.tls_cert.is_some();
    let (started, ready) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(format!("skirmish-{addr}"))
        .spawn(move || {
            let system = actix::System::new();
            system.block_on(async move {
                match build_app(config).and_then(|app| run_app(listeners, customize(app))) {
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
    Ok(RunningServer {
        addr,
        admin_addr,
        tls,
        handle,
    })
}
