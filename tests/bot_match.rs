//! The bundled bots' brain playing a whole match of the bundled arena, without a network: the
//! game steps at 30 Hz, every bot sees every snapshot and sends one input per step, as the
//! bot binary does. Seeded, so the match is the same on every run.

use std::sync::Arc;

use skirmish::bot::{JoinedRoom, RoomView};
use skirmish::game::arena::{is_alive, world_position, Arena, ArenaBrain, ArenaEvent, ArenaState};
use skirmish::game::map::Map;
use skirmish::game::{Brain, Game, StepInputs};
use skirmish::protocol::{GameWire, RoomId, RoomInfo, ServerMsg, Slot, Snapshot};

const BOTS: u8 = 6;
const TICK_RATE: u16 = 30;
const SECONDS: u32 = 60;

fn arena() -> Arena {
    Arena::new(Arc::new(Map::bundled()), TICK_RATE, 7)
}

fn view_of(game: &Arena, you: Slot) -> RoomView<Arena> {
    RoomView::new(JoinedRoom {
        room: RoomInfo {
            id: RoomId(1),
            name: "match".into(),
            mode: Arena::MODE.into(),
            players: BOTS,
            capacity: BOTS,
            public: false,
            bots: 0,
        },
        code: "MATCH".into(),
        you,
        tick: game.tick(),
        setup: game.setup(),
        roster: vec![],
    })
}

/// Per bot, its position at each decision while alive (`None` while dead).
struct Track {
    positions: Vec<Vec<Option<(f32, f32)>>>,
    kills: Vec<u32>,
}

fn play_match() -> Track {
    let mut game = arena();
    let mut inputs = StepInputs {
        joins: (0..BOTS).map(Slot).collect(),
        ..StepInputs::default()
    };
    game.step(&inputs, &mut Vec::new());
    inputs.clear();
    let mut views: Vec<RoomView<Arena>> =
        (0..BOTS).map(|slot| view_of(&game, Slot(slot))).collect();
    let shared = ArenaBrain::prepare(&game.setup(), TICK_RATE);
    let mut brains: Vec<ArenaBrain> = (0..BOTS)
        .map(|slot| <ArenaBrain as Brain<Arena>>::new(&shared, u64::from(slot) + 1))
        .collect();
    let mut track = Track {
        positions: vec![Vec::new(); BOTS.into()],
        kills: vec![0; BOTS.into()],
    };
    let mut previous: Option<ArenaState> = None;
    let mut events = Vec::new();
    for _ in 0..SECONDS * u32::from(TICK_RATE) {
        let mut state = ArenaState::default();
        game.state(&mut state);
        let baseline = previous.as_ref().map(|b: &ArenaState| (b.tick, b));
        let snapshot = Snapshot::between::<Arena>(baseline, (state.tick, &state), 0);
        previous = Some(state);
        let msg = ServerMsg::Snapshot(snapshot);
        for slot in 0..BOTS {
            let index = usize::from(slot);
            let view = &mut views[index];
            view.observe(&msg)
                .expect("each snapshot changes the previous one");
            let sight = view.state().expect("a state after a snapshot");
            let input = brains[index].decide(&shared, Slot(slot), sight);
            inputs.commands.push((Slot(slot), input));
            let own = view.own_state().filter(|p| is_alive(p)).map(world_position);
            track.positions[index].push(own);
        }
        events.clear();
        game.step(&inputs, &mut events);
        inputs.clear();
        for event in &events {
            let ArenaEvent::Kill { killer, .. } = event;
            track.kills[usize::from(*killer)] += 1;
        }
    }
    track
}

#[test]
fn bots_fight_and_keep_moving() {
    let track = play_match();
    let total_kills: u32 = track.kills.iter().sum();
    println!("kills per bot: {:?}", track.kills);
    assert!(
        total_kills >= 20,
        "six bots scored only {total_kills} kills in {SECONDS} s"
    );
    assert!(
        track.kills.iter().filter(|&&k| k > 0).count() >= 4,
        "most bots score: {:?}",
        track.kills
    );
    for (slot, positions) in track.positions.iter().enumerate() {
        // Whole seconds alive, and those in which the bot got nowhere.
        let seconds: Vec<_> = positions
            .chunks_exact(TICK_RATE.into())
            .filter_map(|second| second.iter().copied().collect::<Option<Vec<_>>>())
            .collect();
        let stuck = seconds
            .iter()
            .filter(|second| {
                let ((x0, y0), (x1, y1)) = (second[0], second[second.len() - 1]);
                (x1 - x0).hypot(y1 - y0) < 10.0
            })
            .count();
        println!(
            "bot {slot}: {stuck} of {} live seconds stuck",
            seconds.len()
        );
        assert!(
            stuck * 10 <= seconds.len(),
            "bot {slot} stood still in {stuck} of its {} live seconds",
            seconds.len()
        );
    }
}
