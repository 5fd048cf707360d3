//! The replay viewer in a real browser: a match played by the server's bots (and one person) is
//! recorded; the lobby lists it with a Watch replay button; its page plays it, pauses, seeks to
//! the middle (the scoreboard then is the re-simulated match's at that tick) and to the end (the
//! scoreboard then is the match's recorded result).

use std::collections::BTreeMap;

use fantoccini::{Client, Locator};
use serde_json::Value;
use skirmish::config::Config;
use skirmish::replay::Replayer;

use crate::common::{self, eventually, http_get, WAIT};
use crate::harness::{
    click, enter_lobby, number, open_browser, page_state, programs, wait_for_state, Driver,
    Profile, ONE_AT_A_TIME,
};

/// Ticks the person plays before leaving: long enough for the bots to score.
const PLAYED_TICKS: u32 = 360;

/// Name → (kills, deaths).
type Scores = BTreeMap<String, (u64, u64)>;

/// The scoreboard as the page shows it (`#score-rows`): each row's name, kills, deaths.
async fn shown_scores(client: &Client) -> Scores {
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#score-rows tr')].map((row) => \
               [row.cells[0].childNodes[1].textContent, row.cells[1].textContent, \
                row.cells[2].textContent]);",
            vec![],
        )
        .await
        .expect("the page answers a script");
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let cell = |i: usize| row[i].as_str().unwrap_or_default().to_string();
            let count = |i: usize| cell(i).parse::<u64>().expect("a count");
            (cell(0), (count(1), count(2)))
        })
        .collect()
}

/// The page's own roster (its RoomState), for a message when the shown rows disagree.
fn roster_scores(state: &Value) -> Scores {
    state["roster"]
        .as_array()
        .map(|players| {
            players
                .iter()
                .map(|p| {
                    let name = p["name"].as_str().unwrap_or_default().to_string();
                    (
                        name,
                        (number(&p["kills"]) as u64, number(&p["deaths"]) as u64),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Sets the timeline to `tick` as a person letting go of its thumb does.
async fn seek(client: &Client, tick: u32) {
    client
        .execute(
            "const seek = document.getElementById('replay-seek'); seek.value = arguments[0]; \
             seek.dispatchEvent(new Event('change'));",
            vec![Value::from(tick)],
        )
        .await
        .expect("the page answers a script");
}

/// The re-simulated match's scores after `tick`.
fn simulated_scores(replay: &[u8], tick: u32) -> Scores {
    let mut replayer = Replayer::new(replay).expect("the replay reads");
    while replayer.tick() < tick && replayer.step().expect("the replay re-simulates") {}
    replayer
        .roster_entries()
        .into_iter()
        .map(|p| (p.name, (p.score[0] as u64, p.score[1] as u64)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_match_plays_seeks_and_ends_with_its_result_in_chromium() {
    let Some((chromium, chromedriver)) = programs() else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = common::spawn_app_with(Config {
        bot_fill: 3,
        ..common::test_config()
    });

    // Ada plays with the bots for a while, then leaves: her room closes and its match is filed.
    let mut ada = common::connect(&server, "ada").await;
    ada.quick_join().await.expect("quick join");
    ada.wait_for_state(WAIT * 3, |view| {
        (view.state()?.tick >= PLAYED_TICKS).then_some(())
    })
    .await
    .expect("the match runs");
    ada.leave_room().await.expect("leave");
    eventually("the match is filed and listed", || async {
        http_get(&server, "/api/matches")
            .await
            .1
            .contains("\"id\":")
    })
    .await;
    let (_, listed) = http_get(&server, "/api/matches").await;
    let listed: Value = serde_json::from_str(&listed).expect("JSON");
    let recorded = &listed["matches"][0];
    let id = recorded["id"].as_i64().expect("a match id");
    let result: Scores = recorded["players"]
        .as_array()
        .expect("players")
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default().to_string();
            (
                name,
                (number(&p["kills"]) as u64, number(&p["deaths"]) as u64),
            )
        })
        .collect();
    let replay = common::http_get_bytes(&server, &format!("/api/matches/{id}/replay")).await;

    // The lobby lists it; its button opens the replay.
    let profile = Profile::new("replay");
    let driver = Driver::start(&chromedriver).await;
    let viewer = open_browser(&driver, &chromium, &profile).await;
    enter_lobby(&viewer, &server.http_url(), "viewer").await;
    let button = format!("#match-list a.watch-replay[data-match-id='{id}']");
    eventually("the lobby lists the match", || async {
        viewer.find(Locator::Css(&button)).await.is_ok()
    })
    .await;
    let listed_text = viewer
        .find(Locator::Id("match-list"))
        .await
        .expect("the match list")
        .text()
        .await
        .expect("its text");
    let winner = recorded["winner"].as_str().unwrap_or("no kills");
    assert!(listed_text.contains(winner), "{listed_text}");
    crate::save_screenshot(&viewer, "lobby-matches.png").await;
    viewer
        .find(Locator::Css(&button))
        .await
        .expect("the Watch replay button")
        .click()
        .await
        .expect("click Watch replay");

    let playing = wait_for_state(&viewer, "the replay plays", |s| {
        s["replay"]["playing"] == true && s["spectating"] == true && s["tick"].is_number()
    })
    .await;
    let first = number(&playing["replay"]["firstTick"]) as u32;
    let last = number(&playing["replay"]["lastTick"]) as u32;
    assert!(last > first + 200, "{first}..{last}");
    wait_for_state(&viewer, "the playback moves on", |s| {
        number(&s["replay"]["position"]) > f64::from(first) + 10.0
    })
    .await;

    // Paused, then at the middle: the screen shows that tick, with that tick's scores.
    click(&viewer, "replay-play").await;
    let middle = (first + last) / 2;
    seek(&viewer, middle).await;
    let at_middle = wait_for_state(&viewer, "the replay stands at the middle", |s| {
        s["replay"]["playing"] == false
            && (number(&s["replay"]["position"]) - f64::from(middle)).abs() < 0.5
            && number(&s["tick"]) >= f64::from(middle)
    })
    .await;
    // As for a spectator, events are taken as they arrive, the interpolation delay before the
    // drawing: the scores are those of the newest tick handed over.
    let expected = simulated_scores(&replay, number(&at_middle["tick"]) as u32);
    eventually("the scoreboard shows the middle's scores", || async {
        shown_scores(&viewer).await == expected
    })
    .await;
    assert_eq!(roster_scores(&at_middle), expected);
    crate::save_screenshot(&viewer, "replay.png").await;

    // At the end: the match's recorded result.
    seek(&viewer, last).await;
    wait_for_state(&viewer, "the replay is at its end", |s| {
        s["replay"]["ended"] == true
    })
    .await;
    let at_end = shown_scores(&viewer).await;
    assert!(!at_end.is_empty(), "the last players are shown");
    for (name, score) in &at_end {
        assert_eq!(
            result.get(name),
            Some(score),
            "{name}: {at_end:?} vs {result:?}"
        );
    }
    assert!(
        result.values().any(|(kills, _)| *kills > 0),
        "the bots scored in the recorded match: {result:?}"
    );
    let state = page_state(&viewer).await;
    assert_eq!(
        state["errors"],
        serde_json::json!([]),
        "{:?}",
        state["errors"]
    );
    viewer.close().await.expect("close the browser");
}
