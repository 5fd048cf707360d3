//! The processes of a run: the server the tool starts itself with `--spawn-server` (started on
//! free ports, its addresses read from its first lines, killed when dropped, and also when this
//! tool dies).
//!
//! Nothing here measures: the server's pid goes to `stats` like any `--server-pid`.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a starting server may take to print its listening address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);

/// What the server prints once it listens, before the players' address (see `src/main.rs`).
const LISTENING_PREFIX: &str = "listening on http://";
/// What the server prints before the address of its operator's endpoints, on the line before.
const OPERATOR_PREFIX: &str = "/monitor) on http://";

/// The address in the server's "Skirmish is listening on http://ADDR — ..." line.
pub fn listening_address(line: &str) -> Option<SocketAddr> {
    address_after(line, LISTENING_PREFIX)
}

/// The address in the server's "Operator endpoints (/metrics, /api/stats, /monitor) on
/// http://ADDR" line.
pub fn operator_address(line: &str) -> Option<SocketAddr> {
    address_after(line, OPERATOR_PREFIX)
}

fn address_after(line: &str, prefix: &str) -> Option<SocketAddr> {
    let after = &line[line.find(prefix)? + prefix.len()..];
    after.split_whitespace().next()?.parse().ok()
}

/// Where a started server listens.
#[derive(Debug, Clone, Copy)]
struct Addresses {
    players: SocketAddr,
    operator: SocketAddr,
}

/// The server binary to start: `given`, or else `skirmish` beside this tool's own executable
/// (both land in `target/release`). An error tells how to get one when it is missing.
pub fn server_bin(given: Option<&Path>) -> Result<PathBuf, String> {
    let bin = match given {
        Some(bin) => bin.to_path_buf(),
        None => {
            let exe =
                std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
            let dir = exe
                .parent()
                .ok_or_else(|| format!("{} has no directory", exe.display()))?;
            dir.join(format!("skirmish{}", std::env::consts::EXE_SUFFIX))
        }
    };
    if !bin.is_file() {
        return Err(format!(
            "no server binary at {}: build it with `cargo build --release` \
             (or name one with --server-bin)",
            bin.display()
        ));
    }
    Ok(bin)
}

/// A server this tool started and that listens. Dropping it kills the server.
pub struct SpawnedServer {
    process: ServerProcess,
    addresses: Addresses,
}

impl SpawnedServer {
    /// Starts `bin` on 127.0.0.1 and free ports, with warnings-only logging and room for
    /// `clients` bots, and `extra` flags; waits for its listening addresses. The server's
    /// further output goes to this tool's stderr.
    pub fn start(bin: &Path, clients: usize, extra: &[String]) -> Result<SpawnedServer, String> {
        let mut command = Command::new(bin);
        command
            .args(["--bind", "127.0.0.1", "--port", "0"])
            .args(["--admin-bind", "127.0.0.1:0"])
            // Every bot comes from this machine: the per-address limits would refuse them, and
            // the server-wide maxima must fit the run.
            .args([
                "--max-connections-per-ip",
                "0",
                "--new-connections-per-ip",
                "0",
            ])
            .args(["--max-players", &(clients + 100).to_string()])
            .args(["--max-rooms", &(clients / 10 + 100).to_string()])
            .args(["--rooms-per-ip", &(clients / 10 + 100).to_string()])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // Its own process group: a Ctrl-C in the terminal reaches only this tool, which
            // then stops the server itself after ending the run.
            .process_group(0);
        // SAFETY: the closure runs in the child between fork and exec and only calls prctl,
        // which is async-signal-safe. The signal is tied to the thread that spawns, which is
        // the main thread: it lives as long as this tool.
        unsafe {
            command.pre_exec(|| {
                // The server must not outlive this tool, even when the tool is SIGKILLed.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or("the server's stdout is not captured")?;
        let pid = child.id();
        let mut process = ServerProcess(child);
        let (address_tx, address_rx) = mpsc::channel();
        std::thread::spawn(move || forward_output(stdout, address_tx));
        match address_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(addresses) => {
                eprintln!(
                    "loadtest: started {} (pid {pid}) on {} (operator: {})",
                    bin.display(),
                    addresses.players,
                    addresses.operator
                );
                Ok(SpawnedServer { process, addresses })
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "{} printed no listening address within {STARTUP_TIMEOUT:?}",
                bin.display()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = process
                    .0
                    .wait()
                    .map_or_else(|e| e.to_string(), |s| s.to_string());
                Err(format!(
                    "{} exited before listening ({status})",
                    bin.display()
                ))
            }
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addresses.players
    }

    pub fn operator_addr(&self) -> SocketAddr {
        self.addresses.operator
    }

    pub fn pid(&self) -> u32 {
        self.process.0.id()
    }
}

/// A `redis-server` of this tool's own on a free loopback port, persisting nothing, stopped by
/// its pid when dropped (`--cluster` and the cluster scenario).
pub struct RedisProcess {
    process: ServerProcess,
    pub port: u16,
}

/// How long a starting `redis-server` may take to listen.
const REDIS_STARTUP: Duration = Duration::from_secs(10);

impl RedisProcess {
    pub fn start() -> Result<RedisProcess, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free port for Redis: {e}"))?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                format!("cannot start redis-server (apt-get install redis-server): {e}")
            })?;
        let redis = RedisProcess {
            process: ServerProcess(child),
            port,
        };
        let deadline = std::time::Instant::now() + REDIS_STARTUP;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if std::time::Instant::now() > deadline {
                return Err(format!("redis-server did not listen on {port}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.process.0.id()
    }
}

/// The flags that make a server a node of the cluster on `redis`.
pub fn cluster_flags(redis: &RedisProcess) -> Vec<String> {
    [
        "--redis-url",
        &redis.url(),
        "--cluster-secret",
        "the load tool's cluster secret",
    ]
    .map(String::from)
    .to_vec()
}

/// The server's process, killed and reaped when dropped: whether the run ends, fails, is
/// interrupted, or the server never got to listen.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Killing fails only when it has already exited; wait reaps it either way.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends the listening addresses, once, then copies the server's other lines to stderr. A
/// server that prints no operator line (one from before `--admin-bind`) serves its operator's
/// endpoints on the players' port.
fn forward_output(stdout: impl io::Read, addresses: mpsc::Sender<Addresses>) {
    let mut announced = false;
    let mut operator = None;
    for line in BufReader::new(stdout).split(b'\n') {
        let Ok(line) = line else { return };
        let line = String::from_utf8_lossy(&line);
        if announced {
            eprintln!("skirmish: {line}");
        } else if let Some(players) = listening_address(&line) {
            announced = true;
            let operator = operator.unwrap_or(players);
            let _ = addresses.send(Addresses { players, operator });
        } else if let Some(addr) = operator_address(&line) {
            operator = Some(addr);
        } else {
            eprintln!("skirmish: {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_addresses_come_from_the_listening_lines() {
        let line = "Skirmish is listening on http://127.0.0.1:43521 — open it in a browser";
        assert_eq!(
            listening_address(line),
            Some("127.0.0.1:43521".parse().expect("address"))
        );
        assert_eq!(
            listening_address("Skirmish is listening on http://[::1]:8080"),
            Some("[::1]:8080".parse().expect("address"))
        );
        assert_eq!(listening_address("2024-01-01 WARN something else"), None);
        assert_eq!(listening_address("listening on http://localhost:80"), None);
        assert_eq!(listening_address("listening on http://"), None);
        let line = "Operator endpoints (/metrics, /api/stats, /monitor) on http://127.0.0.1:9091";
        assert_eq!(
            operator_address(line),
            Some("127.0.0.1:9091".parse().expect("address"))
        );
        assert_eq!(listening_address(line), None);
    }
}
