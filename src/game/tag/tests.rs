//! The rules of tag, step by step.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::game::map::SPAWN_CLEARANCE;
use crate::game::movement::{MOVE_LEFT, MOVE_RIGHT};
use crate::game::Brain;
use crate::protocol::dequantize_position;
use crate::protocol::GameWire;

fn map(width: u16, height: u16, spawns: &[(f32, f32)]) -> Arc<Map> {
    let spawns: Vec<String> = spawns
        .iter()
        .map(|(x, y)| format!(r#"{{"x":{x},"y":{y}}}"#))
        .collect();
    let json = format!(
        r#"{{"width":{width},"height":{height},"walls":[],"spawns":[{}]}}"#,
        spawns.join(",")
    );
    Arc::new(Map::from_json(&json).expect("test map is valid"))
}

fn bundled_map() -> Arc<Map> {
    Arc::new(Map::bundled())
}

fn settings(map: Arc<Map>, seed: u64) -> MatchSettings {
    MatchSettings {
        map,
        tick_rate: 30,
        seed,
    }
}

/// A 2000 × 1000 field, room for players to stand far apart.
fn field(seed: u64) -> Tag {
    let spawns = [
        (100.0, 100.0),
        (1900.0, 900.0),
        (1900.0, 100.0),
        (100.0, 900.0),
    ];
    Tag::new(&settings(map(2000, 1000, &spawns), seed))
}

/// Steps `tag` once with these leaves, joins and commands; returns the step's events.
fn step(tag: &mut Tag, leaves: &[Slot], joins: &[Slot], commands: &[(Slot, u8)]) -> Vec<TagEvent> {
    let inputs = StepInputs {
        leaves: leaves.to_vec(),
        joins: joins.to_vec(),
        commands: commands
            .iter()
            .map(|&(slot, movement)| (slot, TagInput { movement }))
            .collect(),
    };
    let mut events = Vec::new();
    tag.step(&inputs, &mut events);
    events
}

/// Steps `tag` `steps` times with no one moving; returns every event.
fn run(tag: &mut Tag, steps: u32) -> Vec<TagEvent> {
    (0..steps).flat_map(|_| step(tag, &[], &[], &[])).collect()
}

fn player(tag: &Tag, slot: Slot) -> &Player {
    &tag.players[tag.index(slot).expect("player exists")]
}

fn place(tag: &mut Tag, slot: Slot, x: f32, y: f32) {
    let index = tag.index(slot).expect("player exists");
    tag.players[index].x = x;
    tag.players[index].y = y;
}

fn state(tag: &Tag) -> TagState {
    let mut out = TagState::default();
    tag.state(&mut out);
    out
}

fn flags(tag: &Tag, slot: Slot) -> u8 {
    let state = state(tag);
    state
        .players
        .iter()
        .find(|p| p.slot == slot)
        .expect("player in the state")
        .flags
}

/// A running round with players `0..count`, far apart; returns "it".
fn round(seed: u64, count: u8) -> (Tag, Slot) {
    let mut tag = field(seed);
    let slots: Vec<Slot> = (0..count).map(Slot).collect();
    let events = step(&mut tag, &[], &slots, &[]);
    let Some(&TagEvent::RoundStarted { it, .. }) = events.first() else {
        panic!("a round starts with {count} players: {events:?}");
    };
    (tag, it)
}

#[test]
fn one_player_waits_for_a_second() {
    let mut tag = field(1);
    assert!(step(&mut tag, &[], &[Slot(0)], &[]).is_empty());
    assert!(run(&mut tag, 100).is_empty());
    let seen = state(&tag);
    assert_eq!(
        (seen.phase, seen.phase_ends_tick, seen.it),
        (Phase::Waiting, 0, None)
    );
    assert_eq!(
        tag.score(Slot(0)),
        Some(vec![0, 0]),
        "no points while waiting"
    );
    assert_eq!(tag.score(Slot(1)), None);

    let events = step(&mut tag, &[], &[Slot(1)], &[]);
    let it = tag.it().expect("someone is it");
    assert_eq!(
        events,
        [TagEvent::RoundStarted {
            it,
            ends_tick: 102 + 900
        }]
    );
    assert_eq!((tag.phase(), tag.phase_ends_tick), (Phase::Playing, 1002));
}

#[test]
fn who_starts_as_it_is_seeded() {
    let its: Vec<Slot> = (0..20).map(|seed| round(seed, 2).1).collect();
    assert!(its.contains(&Slot(0)) && its.contains(&Slot(1)), "{its:?}");
    assert_eq!(round(7, 3).1, round(7, 3).1);
}

#[test]
fn touching_passes_it_on_freezes_the_new_it_and_no_tag_backs() {
    let (mut tag, first) = round(3, 3);
    let second = Slot((first.get() + 1) % 3);
    let bystander = Slot((first.get() + 2) % 3);
    place(&mut tag, first, 500.0, 500.0);
    place(&mut tag, second, 530.0, 500.0);
    // Both touch "it"; the nearer is tagged.
    place(&mut tag, bystander, 500.0, 531.0);
    let tagged_at = tag.tick() + 1;
    let events = step(&mut tag, &[], &[], &[]);
    assert_eq!(
        events,
        [TagEvent::Tagged {
            tagger: Some(first),
            tagged: second
        }]
    );
    assert_eq!(tag.it(), Some(second));
    assert_eq!(tag.score(first), Some(vec![0, 1]), "one tag");
    assert_eq!(flags(&tag, second), TAG_FROZEN);
    assert_eq!(flags(&tag, first), TAG_IMMUNE);

    // Frozen: the new it neither moves nor tags the bystander it touches, for 1 s.
    place(&mut tag, bystander, 530.0, 520.0);
    let freeze = u32::from(tag.freeze_ticks);
    assert_eq!(freeze, 30);
    for _ in 0..freeze {
        assert!(step(&mut tag, &[], &[], &[(second, MOVE_RIGHT)]).is_empty());
        assert_eq!(player(&tag, second).x, 530.0, "tick {}", tag.tick());
    }
    assert_eq!(flags(&tag, second), 0, "free in the next step");
    // Then it tags the bystander.
    let events = step(&mut tag, &[], &[], &[]);
    assert_eq!(tag.tick(), tagged_at + freeze + 1);
    assert_eq!(
        events,
        [TagEvent::Tagged {
            tagger: Some(second),
            tagged: bystander
        }]
    );
}

#[test]
fn the_old_it_is_immune_for_two_seconds() {
    let (mut tag, first) = round(4, 2);
    let second = Slot(1 - first.get());
    place(&mut tag, first, 500.0, 500.0);
    place(&mut tag, second, 520.0, 500.0);
    let tagged_at = tag.tick() + 1;
    assert_eq!(step(&mut tag, &[], &[], &[]).len(), 1);
    let immune = u32::from(tag.immune_ticks);
    assert_eq!(immune, 60);
    // They stay touching: no tag-back until the immunity is over.
    let events = run(&mut tag, immune);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(flags(&tag, first), 0);
    let events = step(&mut tag, &[], &[], &[]);
    assert_eq!(tag.tick(), tagged_at + immune + 1);
    assert_eq!(
        events,
        [TagEvent::Tagged {
            tagger: Some(second),
            tagged: first
        }]
    );
}

#[test]
fn everyone_but_it_scores_a_point_per_second() {
    let (mut tag, it) = round(5, 3);
    run(&mut tag, 29);
    assert!((0..3).all(|slot| tag.score(Slot(slot)) == Some(vec![0, 0])));
    run(&mut tag, 1);
    for slot in 0..3 {
        let points = if Slot(slot) == it { 0 } else { 1 };
        assert_eq!(tag.score(Slot(slot)), Some(vec![points, 0]), "slot {slot}");
    }
    run(&mut tag, 60);
    assert_eq!(tag.score(Slot((it.get() + 1) % 3)), Some(vec![3, 0]));
    assert_eq!(tag.score(it), Some(vec![0, 0]));
}

#[test]
fn a_round_ends_with_a_winner_and_the_next_starts_afresh() {
    let (mut tag, it) = round(6, 3);
    let started = tag.tick();
    let events = run(&mut tag, 899);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(tag.phase(), Phase::Playing);
    let events = step(&mut tag, &[], &[], &[]);
    let winner = (0..3).map(Slot).find(|&slot| slot != it);
    assert_eq!(
        events,
        [TagEvent::RoundOver {
            winner,
            next_round_tick: started + 900 + 90
        }]
    );
    assert_eq!(tag.score(winner.unwrap_or_default()), Some(vec![30, 0]));
    let seen = state(&tag);
    assert_eq!((seen.phase, seen.it), (Phase::Intermission, None));

    // Nobody tags or scores in the intermission, even touching.
    place(&mut tag, Slot(0), 500.0, 500.0);
    place(&mut tag, Slot(1), 505.0, 500.0);
    place(&mut tag, Slot(2), 510.0, 500.0);
    assert!(run(&mut tag, 89).is_empty());
    assert_eq!(tag.score(winner.unwrap_or_default()), Some(vec![30, 0]));
    let events = step(&mut tag, &[], &[], &[]);
    assert!(
        matches!(events[..], [TagEvent::RoundStarted { ends_tick, .. }] if ends_tick == tag.tick() + 900),
        "{events:?}"
    );
    assert!((0..3).all(|slot| tag.score(Slot(slot)) == Some(vec![0, 0])));
}

#[test]
fn the_winner_has_most_points_and_ties_go_to_the_lowest_slot() {
    let (mut tag, _) = round(1, 4);
    for (index, points) in [5, 7, 2, 7].into_iter().enumerate() {
        tag.players[index].points = points;
    }
    assert_eq!(tag.winner(), Some(Slot(1)));
    tag.players[3].points = 8;
    assert_eq!(tag.winner(), Some(Slot(3)));
}

#[test]
fn when_it_leaves_someone_else_is_it_frozen() {
    let (mut tag, it) = round(8, 3);
    let events = step(&mut tag, &[it], &[], &[]);
    let [TagEvent::Tagged {
        tagger: None,
        tagged,
    }] = events[..]
    else {
        panic!("a new it: {events:?}");
    };
    assert_ne!(tagged, it);
    assert_eq!(tag.it(), Some(tagged));
    assert_eq!(flags(&tag, tagged), TAG_FROZEN);
    assert_eq!(tag.phase(), Phase::Playing);

    // Down to one player: the round is off.
    let other = (0..3)
        .map(Slot)
        .find(|&s| s != it && s != tagged)
        .unwrap_or_default();
    assert!(step(&mut tag, &[tagged], &[], &[]).is_empty());
    let seen = state(&tag);
    assert_eq!(
        (seen.phase, seen.phase_ends_tick, seen.it),
        (Phase::Waiting, 0, None)
    );
    assert_eq!(seen.players.len(), 1);
    assert_eq!(flags(&tag, other), 0);
    // A newcomer starts the next round.
    let events = step(&mut tag, &[], &[tagged], &[]);
    assert!(
        matches!(events[..], [TagEvent::RoundStarted { .. }]),
        "{events:?}"
    );
}

#[test]
fn it_runs_a_tenth_faster() {
    let (mut tag, it) = round(9, 2);
    let runner = Slot(1 - it.get());
    place(&mut tag, it, 500.0, 300.0);
    place(&mut tag, runner, 500.0, 700.0);
    step(&mut tag, &[], &[], &[(it, MOVE_RIGHT), (runner, MOVE_LEFT)]);
    let it_step = player(&tag, it).x - 500.0;
    let runner_step = 500.0 - player(&tag, runner).x;
    assert!(
        (runner_step - 220.0 / 30.0).abs() <= 1.0 / 16.0,
        "{runner_step}"
    );
    assert!((it_step - 242.0 / 30.0).abs() <= 1.0 / 16.0, "{it_step}");
}

#[test]
fn slot_255_is_never_seated_and_unknown_slots_are_ignored() {
    let mut tag = field(1);
    step(
        &mut tag,
        &[],
        &[Slot(NO_SLOT), Slot(4), Slot(4)],
        &[(Slot(NO_SLOT), MOVE_LEFT), (Slot(9), MOVE_LEFT)],
    );
    assert_eq!(tag.players.len(), 1);
    assert_eq!(tag.score(Slot(NO_SLOT)), None);
    step(&mut tag, &[Slot(9), Slot(NO_SLOT)], &[], &[]);
    assert_eq!(tag.players.len(), 1);
}

#[test]
fn the_state_is_what_clients_see() {
    let (mut tag, it) = round(2, 2);
    place(&mut tag, Slot(0), 100.03, 200.5);
    let seen = state(&tag);
    assert_eq!(seen.tick, tag.tick());
    assert_eq!(seen.it, Some(it));
    assert_eq!(seen.phase, Phase::Playing);
    let first = seen.players[0];
    assert_eq!(first.slot, Slot(0));
    assert_eq!((first.x, first.y), (1600, 3208));
    assert_eq!(dequantize_position(first.y), 200.5);
    assert_eq!(seen.players.len(), 2);
    // Movement ends on the wire's grid, so the state is exactly where players stand.
    step(
        &mut tag,
        &[],
        &[],
        &[(Slot(1), MOVE_LEFT | crate::game::movement::MOVE_UP)],
    );
    let p = player(&tag, Slot(1));
    assert_eq!(
        (p.x, p.y),
        (
            dequantize_position(quantize_position(p.x)),
            dequantize_position(quantize_position(p.y))
        )
    );
}

#[test]
fn setup_carries_the_map_and_tuning() {
    let map = bundled_map();
    let tag = Tag::new(&settings(map.clone(), 1));
    let setup = tag.setup();
    assert_eq!((setup.width, setup.height), (map.width, map.height));
    assert_eq!(setup.walls, map.walls);
    assert_eq!((setup.player_radius, setup.player_speed), (16.0, 220.0));
    assert!((setup.it_speed / setup.player_speed - 1.1).abs() < 1e-6);
    assert_eq!(
        (
            setup.round_ticks,
            setup.intermission_ticks,
            setup.freeze_ticks,
            setup.immune_ticks
        ),
        (900, 90, 30, 60)
    );
    assert!(setup.player_radius <= SPAWN_CLEARANCE);
    assert_eq!(<Tag as GameWire>::MODE, "tag");
    assert_eq!(tag.state_digest(), None, "tag rooms are not recorded");
}

/// Plays a scripted match on the bundled map: joins, leaves, random keys; every state and
/// event.
fn scripted(seed: u64) -> (Vec<TagState>, Vec<TagEvent>) {
    let mut tag = Tag::new(&settings(bundled_map(), seed));
    let mut script = ChaCha8Rng::seed_from_u64(99);
    let (mut states, mut events) = (Vec::new(), Vec::new());
    let mut seated: Vec<Slot> = Vec::new();
    for tick in 0..1500u32 {
        let mut leaves = Vec::new();
        let mut joins = Vec::new();
        if tick % 97 == 0 && seated.len() < 6 {
            let slot = Slot(script.random_range(0..8));
            if !seated.contains(&slot) {
                joins.push(slot);
            }
        }
        if tick % 331 == 330 && !seated.is_empty() {
            leaves.push(seated.remove(script.random_range(0..seated.len())));
        }
        seated.extend(&joins);
        seated.sort_unstable();
        let commands: Vec<(Slot, u8)> = seated
            .iter()
            .map(|&slot| (slot, script.random_range(0..=MOVE_ALL)))
            .collect();
        events.extend(step(&mut tag, &leaves, &joins, &commands));
        states.push(state(&tag));
    }
    (states, events)
}

#[test]
fn the_same_seed_and_inputs_play_identically() {
    let (states, events) = scripted(42);
    assert_eq!((states.clone(), events.clone()), scripted(42));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TagEvent::RoundOver { .. })),
        "rounds were played: {events:?}"
    );
    assert_ne!(states, scripted(43).0, "another seed plays differently");
}

#[test]
fn bots_play_a_round_on_the_bundled_map() {
    let mut tag = Tag::new(&settings(bundled_map(), 12));
    let shared = TagBrain::prepare(&tag.setup(), 30);
    let slots: [Slot; 3] = [Slot(0), Slot(1), Slot(2)];
    let mut brains: Vec<TagBrain> = slots
        .iter()
        .map(|&s| TagBrain::seeded(u64::from(s.get())))
        .collect();
    let mut events = step(&mut tag, &[], &slots, &[]);
    let mut sight = state(&tag);
    for _ in 0..900 {
        let commands: Vec<(Slot, u8)> = slots
            .iter()
            .zip(&mut brains)
            .map(|(&slot, brain)| (slot, brain.decide(&shared, slot, &sight).movement))
            .collect();
        events.extend(step(&mut tag, &[], &[], &commands));
        tag.state(&mut sight);
    }
    let tags = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                TagEvent::Tagged {
                    tagger: Some(_),
                    ..
                }
            )
        })
        .count();
    assert!(tags >= 2, "bots tag each other: {events:?}");
    assert!(
        matches!(
            events.last(),
            Some(TagEvent::RoundOver {
                winner: Some(_),
                ..
            })
        ),
        "{events:?}"
    );
}
