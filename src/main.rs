//! The `skirmish` server binary: configuration, logging, then `startup::run`; or, as
//! `skirmish replay ...`, the replay commands (`replay::cli`). Wiring only.

use std::net::TcpListener;

use skirmish::config::Config;
use skirmish::startup;

fn main() -> std::process::ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    if skirmish::replay::cli::is_replay_command(&args) {
        return skirmish::replay::cli::run(args);
    }
    skirmish::logging::init();
    let config = Config::load(args).unwrap_or_else(|err| err.exit());
    startup::raise_open_files_limit(&config);
    match serve(config) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            log::error!("{err}");
            eprintln!("skirmish: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> Result<(), startup::StartupError> {
    let listener = TcpListener::bind((config.bind, config.port))?;
    let addr = listener.local_addr()?;
    let scheme = if config.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    actix::System::new().block_on(async move {
        let server = startup::run(listener, config)?;
        println!("Skirmish is listening on {scheme}://{addr} — open it in a browser");
        server.await?;
        log::info!("stopped");
        Ok(())
    })
}
