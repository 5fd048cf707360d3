//! `skirmish replay verify FILE` and `skirmish replay info FILE`: the command line of replays.
//!
//! Owns: parsing those arguments, reading the file, and what is printed and returned. Must
//! not: start a server or write anything (a replay is only read).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::format::ReplayFile;
use super::replayer::verify;

/// Reads and checks replay files.
#[derive(Debug, Parser)]
#[command(name = "skirmish replay", version)]
struct ReplayArgs {
    #[command(subcommand)]
    command: ReplayCommand,
}

#[derive(Debug, Subcommand)]
enum ReplayCommand {
    /// Re-simulates FILE and checks every recorded digest: exit 0 with a summary, or 1 naming
    /// the first tick that diverged and what differed.
    Verify { file: PathBuf },
    /// Prints FILE's header.
    Info { file: PathBuf },
}

/// Whether `args` (as the process got them) ask for a replay command rather than the server.
pub fn is_replay_command(args: &[OsString]) -> bool {
    args.get(1).is_some_and(|arg| arg == "replay")
}

/// Runs `skirmish replay ...` (`args` as the process got them, program name first).
pub fn run(args: Vec<OsString>) -> ExitCode {
    let args = std::iter::once(OsString::from("skirmish replay")).chain(args.into_iter().skip(2));
    let parsed = ReplayArgs::try_parse_from(args).unwrap_or_else(|err| err.exit());
    let (ReplayCommand::Verify { file } | ReplayCommand::Info { file }) = &parsed.command;
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("skirmish replay: {}: {err}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let outcome = match parsed.command {
        ReplayCommand::Verify { .. } => verify(&bytes).map(|summary| summary.to_string()),
        ReplayCommand::Info { .. } => ReplayFile::parse(&bytes)
            .map(|file| format!("{:#?}", file.header))
            .map_err(Into::into),
    };
    match outcome {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("skirmish replay: {}: {err}", file.display());
            ExitCode::FAILURE
        }
    }
}
