//! The `skirmish` server binary: configuration, logging, then `startup::build_app` and
//! `run_app`; or, as `skirmish replay ...`, the replay commands (`replay::cli`). Wiring only.

use skirmish::config::Config;
use skirmish::startup::{self, Listeners};

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
    actix::System::new().block_on(async move {
        // Checked and set up before anything is bound: a refused setting is named even when a
        // port is taken.
        let app = startup::build_app(config)?;
        let listeners = Listeners::bind(&app.config)?;
        let addr = listeners.public.local_addr()?;
        let admin = listeners.admin.local_addr()?;
        let scheme = if app.config.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        let server = startup::run_app(listeners, app)?;
        // The operator's line comes first: tools wait for the players' line and then know both.
        println!("Operator endpoints (/metrics, /api/stats, /monitor) on http://{admin}");
        println!("Skirmish is listening on {scheme}://{addr} — open it in a browser");
        server.await?;
        log::info!("stopped");
        Ok(())
    })
}
