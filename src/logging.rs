//! The log format: one line per event, `TIME LEVEL MODULE: message`, with the time in UTC to the
//! millisecond and the crate's own name left off the module. `RUST_LOG` chooses what is logged
//! (default `info`: connections, rooms and players coming and going; `debug` adds every error
//! sent to a client, with its peer address and code). Nothing is logged per tick.

use std::io::Write;

/// Installs the logger for the server binary.
pub fn init() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let target = record.target();
            let module = target.strip_prefix("skirmish::").unwrap_or(target);
            writeln!(
                buf,
                "{} {:<5} {module}: {}",
                buf.timestamp_millis(),
                record.level(),
                record.args()
            )
        })
        .init();
}
