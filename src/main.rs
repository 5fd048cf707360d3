//! The `skirmish` server binary: configuration, logging, then `startup::run`. Wiring only.

use std::net::TcpListener;

use clap::Parser;
use skirmish::config::Config;
use skirmish::startup;

fn main() -> std::process::ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let config = Config::parse();
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
