//! The load tool end to end: with `--spawn-server` it starts the real server binary itself,
//! runs a short "arena v1" with a few bots (or a short "idle" with a few lobby sessions),
//! prints the machine line and one well-formed summary line, and leaves no server behind.

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Ramp, settle and a one-second window take about three seconds; this bounds a hung run.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Runs the tool to its end, or kills it after `RUN_LIMIT`.
fn run_loadtest(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the loadtest binary starts");
    let started = Instant::now();
    while child
        .try_wait()
        .expect("the child can be waited on")
        .is_none()
    {
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("loadtest did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().expect("the output is collected")
}

/// The `key=value` figures of a summary line, `%` signs kept in the keys.
fn figures(line: &str) -> HashMap<&str, &str> {
    line.split_whitespace()
        .filter_map(|field| field.split_once('='))
        .collect()
}

fn number(figures: &HashMap<&str, &str>, key: &str) -> f64 {
    let value = figures
        .get(key)
        .unwrap_or_else(|| panic!("the line has {key}"));
    value
        .trim_end_matches('%')
        .parse()
        .unwrap_or_else(|_| panic!("{key}={value} is a number"))
}

/// Runs `scenario` with `args` against a server the tool spawns; checks that it succeeded,
/// printed the machine line and one summary line, and stopped the server. Returns the summary.
fn spawned_run(scenario: &str, args: &[&str]) -> String {
    let binary = env!("CARGO_BIN_EXE_skirmish");
    let spawn = [scenario, "--spawn-server", "--server-bin", binary];
    let short = ["--window", "1", "--settle", "0.5"];
    let output = run_loadtest(&[&spawn[..], args, &short[..]].concat());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "loadtest failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a machine line and one summary:\n{stdout}");
    assert!(lines[0].starts_with("machine cpu="), "{}", lines[0]);
    let pid = spawned_pid(&stderr);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the server (pid {pid}) is stopped with the tool"
    );
    lines[1].to_string()
}

/// The pid of the server the tool says it started.
fn spawned_pid(stderr: &str) -> &str {
    stderr
        .lines()
        .find_map(|line| line.split_once("(pid ")?.1.split_once(')'))
        .map(|(pid, _)| pid)
        .unwrap_or_else(|| panic!("the tool names the server it started:\n{stderr}"))
}

#[test]
fn the_tool_spawns_its_own_server_and_prints_one_line_per_n() {
    let line = spawned_run("arena-v1", &["--clients", "20"]);
    assert!(line.starts_with("skirmish N=20 "), "{line}");
    let summary = figures(&line);
    for key in [
        "cpu%",
        "us_per_client_s",
        "rss_mb",
        "peak_rss_mb",
        "under90",
        "lat_p50_ms",
        "lat_p99_ms",
        "bytes_per_client_s",
        "tick_p99_ms",
        "load_cpu%",
        "machine_busy%",
    ] {
        // Each is measured: the spawned server's pid and stats endpoint are known.
        assert!(number(&summary, key) >= 0.0, "{key} in {line}");
    }
    let upd_rate = number(&summary, "upd_rate");
    assert!(
        (20.0..=40.0).contains(&upd_rate),
        "about 30 snapshots a second per bot, got {upd_rate}"
    );
}

#[test]
fn idle_sessions_are_welcomed_and_stay_open_in_the_lobby() {
    let line = spawned_run("idle", &["--clients", "50", "--source-ips", "2"]);
    assert!(line.starts_with("skirmish idle N=50 "), "{line}");
    let summary = figures(&line);
    for key in ["connected", "open", "server_lobby"] {
        assert_eq!(number(&summary, key), 50.0, "{key} in {line}");
    }
    for key in [
        "rss_before_mb",
        "rss_mb",
        "peak_rss_mb",
        "cpu%",
        "pongs_per_session_s",
        "load_cpu%",
        "load_rss_mb",
        "machine_busy%",
    ] {
        assert!(number(&summary, key) >= 0.0, "{key} in {line}");
    }
    // Fifty sessions take some memory.
    assert!(number(&summary, "kb_per_session") > 0.0, "{line}");
}

#[test]
fn a_missing_server_binary_is_explained() {
    let output = run_loadtest(&[
        "arena-v1",
        "--spawn-server",
        "--server-bin",
        "/nonexistent/skirmish",
        "--clients",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cargo build --release"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing is measured");
}
