//! The server binary's configuration as an operator meets it: `--help` with defaults and
//! environment variables, bad values refused at start with a message naming them, and a TOML
//! config file whose values apply (under flags and environment variables). Runs the built
//! binary; the one server started listens on 127.0.0.1:0 and is killed at the end.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use common::WAIT;
use skirmish::bot::BotClient;

fn skirmish() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_skirmish"));
    // The test's own environment must not leak settings into the server.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SKIRMISH_") {
            command.env_remove(name);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

fn run(args: &[&str]) -> Output {
    skirmish()
        .args(args)
        .output()
        .expect("the server binary runs")
}

fn config_file(name: &str, text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("skirmish-cli-{}-{name}.toml", std::process::id()));
    std::fs::write(&path, text).expect("write the config file");
    path
}

fn refused(output: &Output) -> String {
    assert!(!output.status.success(), "accepted: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_documents_every_flag_with_its_default_and_variable() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--port <PORT>",
        "[default: 8080]",
        "[env: SKIRMISH_PORT=]",
        "--tick-rate <TICK_RATE>",
        "[default: 30]",
        "--max-spectators <MAX_SPECTATORS>",
        "[env: SKIRMISH_ADMIN_TOKEN]",
        "--config <CONFIG>",
        "[env: SKIRMISH_CONFIG=]",
    ] {
        assert!(
            help.contains(expected),
            "{expected:?} missing from:\n{help}"
        );
    }
}

#[test]
fn bad_flags_and_variables_are_refused_naming_the_value() {
    let stderr = refused(&run(&["--tick-rate", "500"]));
    assert!(
        stderr.contains("'500'") && stderr.contains("--tick-rate"),
        "{stderr}"
    );
    let stderr = refused(&run(&["--bind", "nowhere"]));
    assert!(stderr.contains("'nowhere'"), "{stderr}");
    let output = skirmish()
        .env("SKIRMISH_ROOM_CAPACITY", "0")
        .output()
        .expect("runs");
    let stderr = refused(&output);
    assert!(
        stderr.contains("'0'") && stderr.contains("--room-capacity"),
        "{stderr}"
    );
}

#[test]
fn bad_settings_found_at_startup_are_refused_naming_them() {
    let stderr = refused(&run(&["--port", "0", "--map", "maps/missing.json"]));
    assert!(stderr.contains("maps/missing.json"), "{stderr}");
    let stderr = refused(&run(&["--port", "0", "--admin-token", " "]));
    assert!(stderr.contains("admin token"), "{stderr}");
}

#[test]
fn bad_config_files_are_refused_naming_file_key_and_value() {
    let path = config_file("bad-value", "tick_rate = 0\n");
    let stderr = refused(&run(&["--config", path.to_str().unwrap()]));
    assert!(stderr.contains(path.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("tick_rate = 0"), "{stderr}");
    let path = config_file("bad-key", "tickrate = 30\n");
    let stderr = refused(&run(&["--config", path.to_str().unwrap()]));
    assert!(stderr.contains("unknown setting `tickrate`"), "{stderr}");
    let stderr = refused(&run(&["--config", "/nonexistent/skirmish.toml"]));
    assert!(stderr.contains("/nonexistent/skirmish.toml"), "{stderr}");
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn config_file_values_apply_under_flags_and_variables() {
    let path = config_file(
        "good",
        "port = 0\nbind = \"127.0.0.1\"\ntick-rate = 20\nroom_capacity = 9\nmap = \"maps/open.json\"\nadmin_token = \"from-file\"\nadmin-bind = \"127.0.0.1:0\"\n",
    );
    let mut child = skirmish()
        .args(["--config", path.to_str().unwrap(), "--room-capacity", "3"])
        .env("SKIRMISH_ADMIN_TOKEN", "from-env")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let server = Server(child);
    // The operator's line, then the players'.
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut two = || lines.next().and_then(Result::ok).unwrap_or_default();
        (two(), two())
    });
    let (admin_line, line) = tokio::time::timeout(WAIT, lines)
        .await
        .expect("the server says where it listens in time")
        .expect("reader thread");
    let address_in = |line: &str| {
        line.split_whitespace()
            .find_map(|word| word.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string()
    };
    let (admin_addr, addr) = (address_in(&admin_line), address_in(&line));
    assert!(admin_line.starts_with("Operator endpoints"), "{admin_line}");
    assert!(line.contains("listening on"), "{line}");

    // From the file: the tick rate. From the flag, over the file: the quick-join capacity.
    let mut ada = BotClient::connect(&format!("ws://{addr}/ws"), "ada")
        .await
        .expect("connects");
    assert_eq!(ada.tick_rate(), 20);
    let joined = ada.quick_join().await.unwrap();
    assert_eq!(joined.room.capacity, 3);
    // From the environment, over the file: the admin token.
    let stats = |token: &'static str| {
        let addr = admin_addr.clone();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let request = format!(
                "GET /api/stats?token={token} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).await.unwrap();
            response
        }
    };
    assert!(stats("from-env").await.starts_with("HTTP/1.1 200"));
    assert!(stats("from-file").await.starts_with("HTTP/1.1 401"));
    drop(server);
}
