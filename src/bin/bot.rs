//! `bot`: plays Skirmish with one or more bundled bots until stopped, in any game the server
//! runs (`--mode`), each with its game's brain (`skirmish::game::Brain`).
//!
//! Wiring only: flags, one task per bot, printing what happens. The client lives in
//! `skirmish::bot`, the play in each game's module.

use std::time::Duration;

use clap::Parser;
use skirmish::bot::{BotError, GameClient, JoinedRoom};
use skirmish::game::arena::Arena;
use skirmish::game::tag::Tag;
use skirmish::game::{Brain, Game};
use skirmish::protocol::{GameWire, ServerMsg, MAX_NAME_CHARS};
use tokio::time::{Instant, MissedTickBehavior};

/// Bots that play Skirmish: in the arena they chase, aim, shoot and steer around walls; in tag
/// they chase when they are it and run when they are not.
#[derive(Debug, Parser)]
#[command(name = "bot", version, about)]
struct Args {
    /// The server's WebSocket URL.
    #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// Join the room with this code; without it, quick join.
    #[arg(long)]
    room: Option<String>,
    /// The game to play (a room joined by code must run it).
    #[arg(long, value_enum, default_value_t = Mode::Arena)]
    mode: Mode,
    /// How many bots to run.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    count: u32,
    /// The bots' name (numbered when there are several).
    #[arg(long, default_value = "bot")]
    name: String,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    seconds: Option<f64>,
    /// Seed of the bots' random choices (each bot adds its number).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The games the bot has a client and a brain for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Mode {
    Arena,
    Tag,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let deadline = args
        .seconds
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut bots = tokio::task::JoinSet::new();
    for number in 1..=args.count {
        let name = bot_name(&args.name, number, args.count);
        let settings = BotSettings {
            url: args.url.clone(),
            room: args.room.clone(),
            seed: args.seed.wrapping_add(u64::from(number)),
            deadline,
        };
        let mode = args.mode;
        bots.spawn(async move {
            let outcome = match mode {
                Mode::Arena => play::<Arena>(&name, &settings).await,
                Mode::Tag => play::<Tag>(&name, &settings).await,
            };
            (name, outcome)
        });
    }
    let mut failed = 0;
    loop {
        tokio::select! {
            finished = bots.join_next() => match finished {
                None => break,
                Some(Ok((name, Ok(())))) => println!("{name}: done"),
                Some(Ok((name, Err(err)))) => {
                    eprintln!("{name}: {err}");
                    failed += 1;
                }
                Some(Err(panicked)) => {
                    eprintln!("a bot task failed: {panicked}");
                    failed += 1;
                }
            },
            _ = tokio::signal::ctrl_c() => {
                println!("stopping");
                break;
            }
        }
    }
    if failed > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

struct BotSettings {
    url: String,
    room: Option<String>,
    seed: u64,
    deadline: Option<Instant>,
}

fn bot_name(base: &str, number: u32, count: u32) -> String {
    if count == 1 {
        return base.chars().take(MAX_NAME_CHARS).collect();
    }
    let suffix = format!("-{number}");
    let keep = MAX_NAME_CHARS.saturating_sub(suffix.chars().count());
    base.chars().take(keep).chain(suffix.chars()).collect()
}

async fn play<G: Game>(name: &str, settings: &BotSettings) -> Result<(), BotError> {
    let mut client = GameClient::<G>::connect(&settings.url, name).await?;
    let joined = match &settings.room {
        Some(code) => client.join_by_code(code).await?,
        None => client.quick_join().await?,
    };
    announce_join(name, &joined);
    let shared = G::Brain::prepare(&joined.setup, client.tick_rate());
    let mut brain = G::Brain::new(&shared, settings.seed);
    // One input per simulation step: each input is one step of the bot's player.
    let step = Duration::from_secs_f64(1.0 / f64::from(client.tick_rate().max(1)));
    let mut inputs = tokio::time::interval(step);
    inputs.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let far_future = Instant::now() + Duration::from_secs(86_400 * 365);
    let stop = tokio::time::sleep_until(settings.deadline.unwrap_or(far_future));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            msg = client.recv() => report(name, &client, &msg?),
            _ = inputs.tick() => {
                let Some(view) = client.room() else {
                    println!("{name}: no longer in a room");
                    return Ok(());
                };
                // Nothing to decide from before the first snapshot.
                let Some(sight) = view.state() else {
                    continue;
                };
                let input = brain.decide(&shared, view.you, sight);
                client.send_game_input(&input).await?;
            }
            _ = &mut stop => {
                // A close alone keeps the seat for the reconnect grace: leave first.
                client.leave_room().await?;
                client.close().await?;
                return Ok(());
            }
        }
    }
}

fn announce_join<G: GameWire>(name: &str, joined: &JoinedRoom<G>) {
    let others: Vec<&str> = joined
        .roster
        .iter()
        .filter(|entry| entry.slot != joined.you)
        .map(|entry| entry.name.as_str())
        .collect();
    println!(
        "{name}: joined {} room {} {:?} (code {}) in slot {} with {} other(s) {:?}",
        joined.room.mode,
        joined.room.id,
        joined.room.name,
        joined.code,
        joined.you,
        others.len(),
        others
    );
}

/// Prints the events worth reading; snapshots and pongs are silent.
fn report<G: GameWire>(name: &str, client: &GameClient<G>, msg: &ServerMsg) {
    let Some(view) = client.room() else {
        if let ServerMsg::RoomClosed { reason } = msg {
            println!("{name}: room closed: {reason}");
        }
        return;
    };
    let name_of = |slot| {
        view.roster_entry(slot)
            .map_or_else(|| format!("slot {slot}"), |e| e.name.clone())
    };
    match msg {
        ServerMsg::PlayerJoined { player } => println!("{name}: {} joined", player.name),
        ServerMsg::PlayerLeft { slot } => println!("{name}: slot {slot} left"),
        ServerMsg::GameEvent { event, .. } => {
            if let Ok(event) = G::decode_event(event) {
                let score = view.roster_entry(view.you).map(|e| e.score.clone());
                println!(
                    "{name}: {event:?} (my score {:?})",
                    score.unwrap_or_default()
                );
            }
        }
        ServerMsg::Chat { from, text, .. } => println!("{name}: <{}> {text}", name_of(*from)),
        ServerMsg::Error { code, message } => println!("{name}: server error {code}: {message}"),
        _ => {}
    }
}
