//! `mint-token`: prints a join token for a player name, for servers started with a join
//! secret. The secret comes from the environment (never the command line, where `ps` shows it).
//!
//! ```sh
//! SKIRMISH_JOIN_SECRET=... mint-token --name ada --ttl 3600
//! ```
//!
//! Connect with `ws://HOST/ws?token=<printed token>` and `Hello { name: "ada" }`.

use clap::Parser;
use skirmish::auth::{mint_join_token, unix_now};

/// Prints a join token for NAME, valid for TTL seconds.
#[derive(Parser)]
#[command(name = "mint-token", version, about)]
struct Args {
    /// The player name the token is for, exactly as the client will send it in Hello.
    #[arg(long)]
    name: String,
    /// Seconds the token stays valid.
    #[arg(long, default_value_t = 3600)]
    ttl: u64,
    /// The server's join secret.
    #[arg(long, env = "SKIRMISH_JOIN_SECRET", hide_env_values = true)]
    secret: String,
}

fn main() {
    let args = Args::parse();
    let expires = unix_now().saturating_add(args.ttl);
    println!(
        "{}",
        mint_join_token(args.secret.as_bytes(), &args.name, expires)
    );
}
