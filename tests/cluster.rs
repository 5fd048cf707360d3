//! A cluster of real server processes on a real Redis (tests/common/redis.rs: skipped loudly
//! without `redis-server` unless `REQUIRE_REDIS=1`): every node lists every room, joins reach
//! the node that runs the room through `Redirect`, new rooms go to the least-loaded node, dead
//! and paused nodes drop out within the bound, SIGTERM leaves at once, Redis trouble degrades a
//! node without stopping its rooms, tickets are good once, for their node, until they expire.

mod common;

use std::time::{Duration, Instant};

use common::cluster::{create_through, Node, REFRESH_MS, SECRET};
use common::redis::RedisServer;
use common::{eventually, next_snapshot, WAIT};
use skirmish::bot::{BotClient, BotError};
use skirmish::cluster::claim_codes;
use skirmish::protocol::{
    ClientMsg, CloseCode, ErrorCode, Intent, RoomId, ServerMsg, Ticket, PROTOCOL_VERSION,
};

/// The promise: a dead node's rooms leave every lobby within this.
const GONE_WITHIN: Duration = Duration::from_secs(5);

/// `count` nodes on `redis`.
fn nodes(redis: &RedisServer, count: usize, extra: &[&str]) -> Vec<Node> {
    (0..count).map(|_| Node::start(redis.port, extra)).collect()
}

/// Waits until every node lists `room` (run by `host`).
async fn listed_everywhere(nodes: &[&Node], room: RoomId, host: &str) {
    for node in nodes {
        eventually("every node lists the room", || async {
            node.listed()
                .await
                .contains(&(u64::from(room.get()), host.to_string()))
        })
        .await;
    }
}

/// A room made through `cluster[via]` and listed by every node: its creator, the room, the id
/// of the node that runs it and that node's index in `cluster`.
async fn a_listed_room(
    cluster: &[Node],
    via: usize,
    capacity: u8,
) -> (BotClient, RoomId, String, usize) {
    let (owner, joined) = create_through(&cluster[via], "ada", capacity).await;
    let room = joined.room.id;
    let index = cluster
        .iter()
        .position(|node| node.ws() == owner.url())
        .expect("the room's node is in the cluster");
    let host = cluster[index].id().await;
    let all: Vec<&Node> = cluster.iter().collect();
    listed_everywhere(&all, room, &host).await;
    (owner, room, host, index)
}

/// Every node of `cluster` but `cluster[index]`.
fn all_but(cluster: &[Node], index: usize) -> Vec<&Node> {
    cluster
        .iter()
        .enumerate()
        .filter_map(|(n, node)| (n != index).then_some(node))
        .collect()
}

/// Waits until no node of `nodes` lists `room`; how long that took from `since`.
async fn gone_everywhere(nodes: &[&Node], room: RoomId, since: Instant) -> Duration {
    for node in nodes {
        eventually("the room leaves every lobby", || async {
            !node
                .listed()
                .await
                .iter()
                .any(|(id, _)| *id == u64::from(room.get()))
        })
        .await;
    }
    since.elapsed()
}

/// The next `Redirect` to `client`.
async fn redirect(client: &mut BotClient) -> (String, String) {
    client
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Redirect { url, ticket } => Some((url.clone(), ticket.clone())),
            _ => None,
        })
        .await
        .expect("a Redirect")
}

#[tokio::test]
async fn rooms_are_listed_by_every_node_and_joined_through_any() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let cluster = nodes(&redis, 3, &[]);
    let (mut owner, room, _, host) = a_listed_room(&cluster, 0, 4).await;
    let host_node = &cluster[host];
    for (n, node) in cluster.iter().enumerate() {
        let mut guest = BotClient::connect(&node.ws(), &format!("guest{n}"))
            .await
            .expect("connects");
        let joined = guest.join_room(room).await.expect("joins through any node");
        assert_eq!(joined.room.id, room);
        assert_eq!(
            guest.url(),
            host_node.ws(),
            "the join lands on the room's node"
        );
        next_snapshot(&mut guest).await;
        guest.close().await.expect("closes");
    }
    next_snapshot(&mut owner).await;
    let stats = cluster[0].stats().await;
    let nodes_seen = stats["cluster"]["nodes"].as_array().expect("nodes").len();
    assert_eq!(nodes_seen, 3, "{stats}");
    // The two guests that came through other nodes were sent on, and the owner too if its
    // room was placed elsewhere: counted where they were sent from. Talk with Redis is counted.
    let metric = |text: &str, name: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let mut redirects = 0.0;
    for node in &cluster {
        let text = node.metrics().await;
        redirects += metric(&text, "skirmish_cluster_redirects_total ");
        assert!(metric(&text, "skirmish_cluster_redis_round_trips_total ") > 0.0);
        assert_eq!(metric(&text, "skirmish_cluster_nodes "), 3.0, "{text}");
    }
    let owner_sent_on = if host == 0 { 0.0 } else { 1.0 };
    assert_eq!(redirects, 2.0 + owner_sent_on);
}

#[tokio::test]
async fn quick_join_places_new_rooms_on_the_least_loaded_nodes() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // One seat per room and four players per node: each player moves a node's load by a
    // quarter, far beyond the near-equal margin, so the least loaded node is always clear.
    let cluster = nodes(&redis, 3, &["--room-capacity", "1", "--max-players", "4"]);
    let mut players = Vec::new();
    let mut hosts = Vec::new();
    for n in 0..3 {
        let mut player = BotClient::connect(&cluster[0].ws(), &format!("p{n}"))
            .await
            .expect("connects");
        let joined = player.quick_join().await.expect("quick join");
        let host = player.url().to_string();
        // The next placement must see this room's player on its node.
        let all: Vec<&Node> = cluster.iter().collect();
        let node_id = node_by_ws(&cluster, &host).await;
        for node in &all {
            eventually("the new room's player is seen", || async {
                node.rooms().await.iter().any(|r| {
                    r["id"].as_u64() == Some(u64::from(joined.room.id.get()))
                        && r["players"].as_u64() == Some(1)
                        && r["node"].as_str() == Some(node_id.as_str())
                })
            })
            .await;
        }
        hosts.push(host);
        players.push(player);
    }
    hosts.sort();
    hosts.dedup();
    assert_eq!(hosts.len(), 3, "one new room on each node: {hosts:?}");
}

async fn node_by_ws(cluster: &[Node], ws: &str) -> String {
    for node in cluster {
        if node.ws() == ws {
            return node.id().await;
        }
    }
    panic!("no node at {ws}");
}

#[tokio::test]
async fn a_killed_node_leaves_every_lobby_within_the_bound() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // The default refresh: the bound is a promise to operators who change nothing.
    let cluster = nodes(&redis, 3, &["--cluster-refresh-ms", "1000"]);
    let (_owner, room, _, host) = a_listed_room(&cluster, 1, 4).await;
    cluster[host].signal("-KILL");
    let killed = Instant::now();
    let others = all_but(&cluster, host);
    let took = gone_everywhere(&others, room, killed).await;
    assert!(
        took < GONE_WITHIN,
        "the dead node's room was listed for {took:?}"
    );
}

#[tokio::test]
async fn a_paused_node_drops_out_and_comes_back() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let cluster = nodes(&redis, 2, &[]);
    let (_owner, room, host_id, host) = a_listed_room(&cluster, 0, 4).await;
    let paused = &cluster[host];
    let other = all_but(&cluster, host);
    paused.signal("-STOP");
    let stopped = Instant::now();
    let took = gone_everywhere(&other, room, stopped).await;
    paused.signal("-CONT");
    assert!(
        took < GONE_WITHIN,
        "the paused node was listed for {took:?}"
    );
    // Its next refresh rebuilds its entry from its live rooms.
    listed_everywhere(&other, room, &host_id).await;
}

#[tokio::test]
async fn sigterm_tells_the_players_and_leaves_the_directory_at_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mut cluster = nodes(&redis, 2, &[]);
    let (mut owner, _, host, index) = a_listed_room(&cluster, 0, 4).await;
    cluster[index].signal("-TERM");
    let closed = common::room_closed(&mut owner).await;
    assert!(closed.contains("restarting"), "{closed}");
    let status = cluster[index].wait_exit(WAIT).expect("the node exits");
    assert!(status.success(), "{status}");
    let mut redis_conn = redis.connection();
    let left: i64 = redis::cmd("EXISTS")
        .arg(skirmish::cluster::node_key(&host))
        .query(&mut redis_conn)
        .expect("EXISTS");
    assert_eq!(
        left, 0,
        "the node's entry outlived the node instead of being deleted"
    );
    let codes: Vec<String> = redis::cmd("KEYS")
        .arg("skirmish:code:*")
        .query(&mut redis_conn)
        .expect("KEYS");
    let held_by_gone: usize = codes
        .iter()
        .filter(|key| {
            let holder: Option<String> = redis::cmd("GET").arg(key).query(&mut redis_conn).ok();
            holder.as_deref() == Some(host.as_str())
        })
        .count();
    assert_eq!(held_by_gone, 0, "the node's codes were not released");
}

#[tokio::test]
async fn a_node_started_without_redis_serves_and_joins_once_it_is_there() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let port = redis.port;
    redis.stop();
    let node = Node::start(port, &[]);
    let (status, body) = node.readyz().await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("degraded"), "{body}");
    assert!(node.metrics().await.contains("skirmish_cluster_degraded 1"));
    let mut player = BotClient::connect(&node.ws(), "ada")
        .await
        .expect("connects");
    let joined = player
        .create_room("solo", 4, true)
        .await
        .expect("a room here");
    next_snapshot(&mut player).await;
    let _redis = RedisServer::start_on(port);
    eventually("the node is no longer degraded", || async {
        node.readyz().await.1 == "ready\n"
    })
    .await;
    let other = Node::start(port, &[]);
    let id = node.id().await;
    listed_everywhere(&[&other], joined.room.id, &id).await;
}

#[tokio::test]
async fn rooms_keep_ticking_while_redis_is_away_and_are_listed_again_after() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let cluster = nodes(&redis, 2, &[]);
    let (mut owner, room, host_id, host) = a_listed_room(&cluster, 0, 4).await;
    let (host_node, other) = (&cluster[host], &cluster[1 - host]);
    redis.stop();
    let before = newest_tick(&mut owner).await;
    // Long enough for every entry to have expired had Redis been there.
    tokio::time::sleep(Duration::from_millis(u64::from(REFRESH_MS) * 5)).await;
    let after = newest_tick(&mut owner).await;
    // 1.3 s at 30 ticks a second is 39 ticks.
    assert!(
        after > before + 25,
        "the room stalled without Redis: {before} → {after}"
    );
    eventually("the other node falls back to its own rooms", || async {
        other.listed().await.is_empty()
    })
    .await;
    assert!(host_node.readyz().await.1.contains("degraded"));
    // Restarted empty: the nodes' next refreshes write the directory again.
    let _redis = RedisServer::start_on(redis.port);
    listed_everywhere(&[other], room, &host_id).await;
    next_snapshot(&mut owner).await;
}

/// The tick of the newest snapshot: snapshots are read for 300 ms, by which time the ones
/// that waited in the socket are read and the last one is the room's present.
async fn newest_tick(client: &mut BotClient) -> u32 {
    let until = Instant::now() + Duration::from_millis(300);
    let mut tick = 0;
    while Instant::now() < until {
        tick = next_snapshot(client).await.tick;
    }
    tick
}

/// A ticket to room `room` of the node at `target`, issued by `via`.
async fn ticket_for(via: &Node, room: RoomId) -> (String, String) {
    let mut asker = BotClient::connect(&via.ws(), "bob")
        .await
        .expect("connects");
    asker
        .send(&ClientMsg::JoinRoom { room })
        .await
        .expect("sends");
    redirect(&mut asker).await
}

/// Redeems `ticket` at `url`; the client once welcomed, or the refusal's error code.
async fn redeem(url: &str, ticket: &str) -> Result<BotClient, u16> {
    let mut client = BotClient::connect_raw(url).await.expect("connects");
    match client.redeem(ticket).await {
        Ok(_) => Ok(client),
        Err(BotError::Server { code, .. }) => {
            assert_eq!(
                common::close_code(&mut client).await,
                CloseCode::BadTicket.number()
            );
            Err(code)
        }
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn tickets_are_good_once_on_their_node_until_they_expire() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let cluster = nodes(&redis, 2, &[]);
    let (mut owner, room, host_id, host) = a_listed_room(&cluster, 0, 1).await;
    let (host_node, other) = (&cluster[host], &cluster[1 - host]);
    owner
        .leave_room()
        .await
        .expect("leaves, so the room has a seat");

    let (url, ticket) = ticket_for(other, room).await;
    assert_eq!(url, host_node.ws());
    let bad_ticket = ErrorCode::BadTicket.number();
    assert_eq!(
        redeem(&other.ws(), &ticket).await.err(),
        Some(bad_ticket),
        "wrong node"
    );
    let mut tampered = ticket.clone().into_bytes();
    tampered[10] = if tampered[10] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).expect("hex");
    assert_eq!(
        redeem(&url, &tampered).await.err(),
        Some(bad_ticket),
        "tampered"
    );
    let mut guest = redeem(&url, &ticket).await.expect("a good ticket");
    let joined = guest
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Joined { room, .. } => Some(room.id),
            _ => None,
        })
        .await
        .expect("Joined");
    assert_eq!(joined, room);
    assert_eq!(
        redeem(&url, &ticket).await.err(),
        Some(bad_ticket),
        "reused"
    );
    let expired = Ticket {
        node: host_id.clone(),
        intent: Intent::Play { room },
        name: "eve".into(),
        expires_ms: 1,
        nonce: 7,
    }
    .seal(SECRET.as_bytes());
    assert_eq!(
        redeem(&url, &expired).await.err(),
        Some(bad_ticket),
        "expired"
    );

    // The room is full now (capacity 1): the room, not the ticket, says so.
    let (_, late) = ticket_for(other, room).await;
    let mut late_guest = redeem(&url, &late).await.expect("a good ticket");
    let (code, message) = common::next_error(&mut late_guest).await;
    assert_eq!(code, ErrorCode::RoomFull.number(), "{message}");
    let metrics = host_node.metrics().await;
    for outcome in ["accepted", "reused", "forged", "expired"] {
        assert!(
            metrics.contains(&format!(
                "skirmish_cluster_tickets_total{{outcome=\"{outcome}\"}}"
            )),
            "{outcome} is not counted:\n{metrics}"
        );
    }
    assert!(other.metrics().await.contains("outcome=\"wrong_node\""));
}

#[tokio::test]
async fn a_resume_at_the_wrong_node_is_sent_to_the_right_one() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let cluster = nodes(&redis, 2, &["--reconnect-grace-ms", "5000"]);
    for node in &cluster {
        eventually("the nodes see each other", || async {
            node.stats().await["cluster"]["nodes"]
                .as_array()
                .map(Vec::len)
                == Some(2)
        })
        .await;
    }
    let (home, elsewhere) = (&cluster[0], &cluster[1]);
    let mut first = BotClient::connect_raw(&home.ws()).await.expect("connects");
    let welcome = first.hello("ada", PROTOCOL_VERSION).await.expect("Welcome");
    let token = first
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::SessionToken { token, .. } => Some(token.clone()),
            _ => None,
        })
        .await
        .expect("a session token");
    assert!(
        token.starts_with(&format!("{}.", home.id().await)),
        "{token}"
    );
    drop(first);
    let mut wrong = BotClient::connect_raw(&elsewhere.ws())
        .await
        .expect("connects");
    let resume = ClientMsg::Resume {
        protocol: PROTOCOL_VERSION,
        token: token.clone(),
    };
    wrong.send(&resume).await.expect("sends");
    let (url, again) = redirect(&mut wrong).await;
    assert_eq!((url, again), (home.ws(), token));
    let mut right = BotClient::connect_raw(&home.ws()).await.expect("connects");
    right.send(&resume).await.expect("sends");
    let resumed = right
        .wait_for(WAIT, |msg| match msg {
            ServerMsg::Welcome { player_id, .. } => Some(*player_id),
            _ => None,
        })
        .await
        .expect("resumed");
    assert_eq!(resumed, welcome.player_id);
}

#[test]
fn two_nodes_racing_for_one_code_get_it_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for round in 0..50 {
        let code = vec![format!("RACE{round:04}")];
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = ["node-a", "node-b"]
            .into_iter()
            .map(|node| {
                let (mut conn, barrier, code) = (redis.connection(), barrier.clone(), code.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    claim_codes(&mut conn, node, &code, 10_000).expect("EVAL")[0]
                })
            })
            .collect();
        let won: Vec<bool> = racers
            .into_iter()
            .map(|r| r.join().expect("a racer"))
            .collect();
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "round {round}: {won:?}"
        );
        // The holder renews it; the other still cannot take it.
        let holder = if won[0] { "node-a" } else { "node-b" };
        let loser = if won[0] { "node-b" } else { "node-a" };
        let mut conn = redis.connection();
        assert_eq!(
            claim_codes(&mut conn, holder, &code, 10_000).expect("EVAL"),
            [true]
        );
        assert_eq!(
            claim_codes(&mut conn, loser, &code, 10_000).expect("EVAL"),
            [false]
        );
    }
}
