//! Runs the browser client's own tests (`client/*.test.js`: the JS protocol codec against the
//! golden vectors in `tests/vectors/`, and the netcode) with Node's test runner, so that
//! `cargo test` covers them. Node is required: without it this test fails and says so.

use std::path::Path;
use std::process::Command;

#[test]
fn client_javascript_tests_pass_under_node() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut test_files: Vec<String> = std::fs::read_dir(root.join("client"))
        .expect("client/ is readable")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.js"))
        .map(|name| format!("client/{name}"))
        .collect();
    test_files.sort();
    assert!(!test_files.is_empty(), "no client/*.test.js found");

    let output = Command::new("node")
        .arg("--test")
        .arg("--test-timeout=60000")
        .args(&test_files)
        .current_dir(root)
        .output()
        .unwrap_or_else(|e| {
            panic!("could not run `node` ({e}); install Node.js 20 or newer (apt-get install -y nodejs)")
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node --test {} failed ({}):\n{stdout}\n{stderr}",
        test_files.join(" "),
        output.status
    );
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("# pass") || line.starts_with("# fail"))
        .collect();
    println!(
        "node --test {}: {}",
        test_files.join(" "),
        summary.join(", ")
    );
    assert!(
        summary
            .iter()
            .any(|line| line.starts_with("# pass") && line != &"# pass 0"),
        "node ran no test:\n{stdout}"
    );
}
