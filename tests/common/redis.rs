//! A `redis-server` of the test's own, on a free loopback port, with nothing persisted
//! (`--save '' --appendonly no`), stopped by its PID when dropped. Where `redis-server` is not
//! installed, `start` says so loudly and gives `None` (the test then passes as skipped), unless
//! `REQUIRE_REDIS=1`, which makes that a failure (CI sets it). `REDIS_SERVER` names another
//! program.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting `redis-server` may take to answer `PING`.
const STARTUP: Duration = Duration::from_secs(10);

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

fn program() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into())
}

impl RedisServer {
    /// A new server on a free port, or `None` (said on stderr) without `redis-server`.
    pub fn start() -> Option<RedisServer> {
        let found = Command::new(program())
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            assert!(
                std::env::var("REQUIRE_REDIS").as_deref() != Ok("1"),
                "REQUIRE_REDIS=1 but `{}` cannot be run (apt-get install -y redis-server)",
                program()
            );
            eprintln!(
                "SKIPPED: `{}` is not installed, so this Redis test did not run \
                 (apt-get install -y redis-server; REQUIRE_REDIS=1 makes this a failure)",
                program()
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Some(RedisServer::start_on(port))
    }

    /// A new server on `port` (e.g. again on the port of one that was stopped).
    pub fn start_on(port: u16) -> RedisServer {
        let child = Command::new(program())
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let server = RedisServer {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + STARTUP;
        while server.ping().is_err() {
            assert!(Instant::now() < deadline, "redis-server answered no PING");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn connection(&self) -> redis::Connection {
        let client = redis::Client::open(self.url()).expect("a Redis URL");
        client
            .get_connection_with_timeout(Duration::from_secs(2))
            .expect("connects to the test's Redis")
    }

    fn ping(&self) -> redis::RedisResult<String> {
        let client = redis::Client::open(self.url())?;
        let mut connection = client.get_connection_with_timeout(Duration::from_millis(200))?;
        redis::cmd("PING").query(&mut connection)
    }

    /// Stops the server (by its PID) and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
