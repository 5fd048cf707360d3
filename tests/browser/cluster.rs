//! The browser client in a cluster: a room's shared link opened on a node that does not run the
//! room. The page follows the node's `Redirect` by itself (a new socket to the room's node,
//! `Redeem` with the ticket), lands in the room and plays there: the room's own player sees it
//! join and move. The monitor of a node shows both nodes, their load and rooms. Needs
//! `redis-server` too (skipped loudly without it unless `REQUIRE_REDIS=1`).

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::Value;
use skirmish::bot::RoomView;
use skirmish::protocol::ServerMsg;

use crate::common::cluster::{another_listing, create_through, Node};
use crate::common::redis::RedisServer;
use crate::common::WAIT;
use crate::harness::{
    click, fill, open_browser, page_state, position_of, programs, wait_for_script, wait_for_state,
    wait_for_text, Driver, Profile, ONE_AT_A_TIME,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_follows_the_redirect_to_the_node_running_the_room() {
    let Some((chromium, chromedriver)) = programs() else {
        return;
    };
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().await;
    let cluster = [Node::start(redis.port, &[]), Node::start(redis.port, &[])];
    let (mut host, room) = create_through(&cluster[0], "host", 4).await;
    let host_url = host.url().to_string();
    let other = another_listing(&cluster, &host_url, u64::from(room.room.id.get())).await;

    let driver = Driver::start(&chromedriver).await;
    let profile = Profile::new("cluster");
    let client = open_browser(&driver, &chromium, &profile).await;
    client
        .goto(&format!("http://{}/#/room/{}", other.addr, room.code))
        .await
        .expect("the page loads from the node without the room");
    fill(&client, "name-input", "traveller").await;
    click(&client, "name-submit").await;
    let joined = wait_for_state(&client, "in the room, on the other node", |s: &Value| {
        s["screen"] == "game" && s["room"]["code"] == room.code.as_str()
    })
    .await;
    assert_eq!(joined["room"]["id"], room.room.id.get(), "{joined:#}");

    let slot = host
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::PlayerJoined { player } if player.name == "traveller" => Some(player.slot),
            _ => None,
        })
        .await
        .expect("the room's node sees the page's player join");
    let start = host
        .wait_for_state(WAIT, |view: &RoomView<_>| view.position_of(slot))
        .await
        .expect("the page's player is in the room's snapshots");
    let before = position_of(&page_state(&client).await, "serverPosition");
    for key in ['d', 'a'] {
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Pause {
                duration: std::time::Duration::from_millis(600),
            })
            .then(KeyAction::Up { value: key });
        client.perform_actions(actions).await.expect("a key held");
        let now = position_of(&page_state(&client).await, "position");
        if (now.0 - before.0).abs() > 20.0 {
            break;
        }
    }
    host.wait_for_state(WAIT, |view: &RoomView<_>| {
        let (x, y) = view.position_of(slot)?;
        ((x - start.0).hypot(y - start.1) > 20.0).then_some(())
    })
    .await
    .expect("the page's inputs reach the room's node: its player moves there");

    // The operator's monitor on the node without the room shows both nodes, with the room and
    // the two players on the other.
    client
        .goto(&format!("http://{}/monitor", other.admin))
        .await
        .expect("the monitor loads");
    wait_for_script(
        &client,
        "the monitor lists both nodes with their load",
        "return [...document.querySelectorAll('#node-rows tr')].map((row) => row.textContent);",
        |rows| {
            let rows: Vec<&str> = rows
                .as_array()
                .map(|rows| rows.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            rows.len() == 2
                && rows
                    .iter()
                    .any(|row| row.contains("this node") && row.contains("alive"))
                && rows
                    .iter()
                    .any(|row| row.contains(&host_url) && row.contains("2 / "))
        },
    )
    .await;
    wait_for_text(
        &client,
        "the monitor reads the directory",
        "cluster-health",
        |t| t.starts_with("Cluster directory read"),
    )
    .await;
    client.close().await.expect("the browser closes");
}
