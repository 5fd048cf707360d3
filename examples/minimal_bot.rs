//! The smallest Skirmish bot in Rust: quick-joins a room, then on every snapshot turns a little
//! and fires while walking. `cargo run --release --example minimal_bot -- ws://127.0.0.1:8080/ws`

use std::time::Duration;

use skirmish::bot::{BotClient, BotError};
use skirmish::game::movement::{MOVE_RIGHT, MOVE_UP};
use skirmish::protocol::ServerMsg;

#[tokio::main]
async fn main() -> Result<(), BotError> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:8080/ws".into());
    let mut bot = BotClient::connect(&url, "tiny").await?;
    let joined = bot.quick_join().await?;
    println!(
        "joined \"{}\" (code {}) in slot {}",
        joined.room.name, joined.code, joined.you
    );
    let mut aim = 0.0f32;
    loop {
        let is_snapshot = |msg: &ServerMsg| matches!(msg, ServerMsg::Snapshot(_)).then_some(());
        bot.wait_for(Duration::from_secs(5), is_snapshot).await?;
        aim += 0.1;
        bot.send_input(MOVE_UP | MOVE_RIGHT, aim, true).await?;
    }
}
