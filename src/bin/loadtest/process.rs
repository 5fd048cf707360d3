//! The processes of a run: the server the tool starts itself with `--spawn-server` (started on
//! a free port, its address read from its first line, killed when dropped, and also when this
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

/// What the server prints once it listens, before the address (see `src/main.rs`).
const LISTENING_PREFIX: &str = "listening on http://";

/// The address in the server's "Skirmish is listening on http://ADDR — ..." line.
pub fn listening_address(line: &str) -> Option<SocketAddr> {
    let after = &line[line.find(LISTENING_PREFIX)? + LISTENING_PREFIX.len()..];
    after.split_whitespace().next()?.parse().ok()
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
    addr: SocketAddr,
}

impl SpawnedServer {
    /// Starts `bin` on 127.0.0.1 and a free port, with warnings-only logging and room for
    /// `clients` bots, and waits for its listening address. The server's further output goes
    /// to this tool's stderr.
    pub fn start(bin: &Path, clients: usize) -> Result<SpawnedServer, String> {
        let mut command = Command::new(bin);
        command
            .args(["--bind", "127.0.0.1", "--port", "0"])
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
            Ok(addr) => {
                eprintln!("loadtest: started {} (pid {pid}) on {addr}", bin.display());
                Ok(SpawnedServer { process, addr })
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
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.process.0.id()
    }
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

/// Sends the listening address, once, then copies the server's other lines to stderr.
fn forward_output(stdout: impl io::Read, address: mpsc::Sender<SocketAddr>) {
    let mut announced = false;
    for line in BufReader::new(stdout).split(b'\n') {
        let Ok(line) = line else { return };
        let line = String::from_utf8_lossy(&line);
        match listening_address(&line) {
            Some(addr) if !announced => {
                announced = true;
                let _ = address.send(addr);
            }
            _ => eprintln!("skirmish: {line}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_comes_from_the_listening_line() {
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
    }
}
