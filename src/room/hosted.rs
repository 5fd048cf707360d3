//! The small object-safe layer between a room and its game: [`HostedGame`] is what the room
//! calls, [`Hosted`] implements it for any [`Game`], so the room never names a game's types.
//!
//! Owns: turning the room's opaque input payloads into the game's inputs, the server's bots'
//! brains (one per bot seat, deciding from the state as the last step left it), the game's
//! events as payload bytes, the snapshot history and encoding of the game's state, and the
//! hook a recording hears each step through. Must not: know members, sessions or the
//! schedule (the room's), or any particular game.

use std::sync::Arc;

use crate::game::{Brain, Game, MatchSettings, StepInputs};
use crate::protocol::{Held, InputPayload, PayloadError, Slot};
use crate::replay::recorder::Identity;

use super::snapshots::{SnapshotEncoder, SnapshotFrame};

/// Checks an input payload for the room's game, in the session, before it is queued: a bad
/// input is the sender's error, answered at once.
pub type InputCheck = fn(&[u8]) -> Result<(), PayloadError>;

/// What a room needs from its game, whatever the game.
pub trait HostedGame: Send {
    fn mode(&self) -> &'static str;
    /// The number of steps taken so far.
    fn tick(&self) -> u32;
    /// The game's setup as its codec encodes it (encoded once).
    fn setup(&self) -> &[u8];
    fn input_check(&self) -> InputCheck;
    /// The roster's score of the player in `slot` (a new player's if the game has none in
    /// the slot yet).
    fn score(&self, slot: Slot) -> Vec<i32>;
    /// The score of a player who has just joined: zeros.
    fn new_score(&self) -> Vec<i32>;
    /// A bot of `seed` plays the slot from the next step (the room adds the join).
    fn seat_bot(&mut self, slot: Slot, seed: u64);
    fn unseat_bot(&mut self, slot: Slot);
    /// Takes one step: the members' commands (checked by `input_check`; in slot order) and
    /// each bot's decision, told to the recording first. Appends each event's payload.
    fn step(
        &mut self,
        inputs: &StepInputs<InputPayload>,
        identity: &dyn Fn(Slot) -> Identity,
        events: &mut Vec<Vec<u8>>,
    );
    /// Encodes the current state for connections holding the baselines `held` (see
    /// `SnapshotEncoder::publish`).
    fn publish(&mut self, held: &[u32], acks: Arc<[u32]>) -> (SnapshotFrame, usize);
    /// The room has stopped: the recording, if any, ends here.
    fn finish(&mut self);
}

/// A recording of a game's match, hearing each step (see `crate::replay`).
pub trait StepRecorder<G: Game>: Send {
    fn before_step(
        &mut self,
        inputs: &StepInputs<G::Input>,
        game: &G,
        identity: &dyn Fn(Slot) -> Identity,
    );
    fn after_step(&mut self, game: &G);
    fn finish(self: Box<Self>, game: &G);
}

type Shared<G> = <<G as Game>::Brain as Brain<G>>::Shared;

/// A game behind [`HostedGame`].
pub struct Hosted<G: Game> {
    game: G,
    tick_rate: u16,
    setup: Vec<u8>,
    step: StepInputs<G::Input>,
    events: Vec<G::Event>,
    /// Made with the first bot.
    bots_shared: Option<Shared<G>>,
    /// In slot order.
    bots: Vec<(Slot, G::Brain)>,
    /// The state the bots decide from, reused every step.
    sight: G::State,
    encoder: SnapshotEncoder<G>,
    recorder: Option<Box<dyn StepRecorder<G>>>,
}

impl<G: Game> Hosted<G> {
    pub fn new(game: G, tick_rate: u16) -> Hosted<G> {
        let mut setup = Vec::new();
        G::encode_setup(&game.setup(), &mut setup);
        Hosted {
            game,
            tick_rate,
            setup,
            step: StepInputs::default(),
            events: Vec::new(),
            bots_shared: None,
            bots: Vec::new(),
            sight: G::State::default(),
            encoder: SnapshotEncoder::default(),
            recorder: None,
        }
    }

    /// A new match of `G`, ready for a room.
    pub fn start(settings: &MatchSettings) -> Box<dyn HostedGame> {
        Box::new(Hosted::new(G::new(settings), settings.tick_rate))
    }

    /// Lets `recorder` hear every step from the first on.
    pub fn with_recorder(mut self, recorder: Option<Box<dyn StepRecorder<G>>>) -> Hosted<G> {
        self.recorder = recorder;
        self
    }

    fn check_input(bytes: &[u8]) -> Result<(), PayloadError> {
        G::decode_input(bytes).map(|_| ())
    }
}

impl<G: Game> HostedGame for Hosted<G> {
    fn mode(&self) -> &'static str {
        G::MODE
    }

    fn tick(&self) -> u32 {
        self.game.tick()
    }

    fn setup(&self) -> &[u8] {
        &self.setup
    }

    fn input_check(&self) -> InputCheck {
        Self::check_input
    }

    fn score(&self, slot: Slot) -> Vec<i32> {
        self.game.score(slot).unwrap_or_else(|| self.new_score())
    }

    fn new_score(&self) -> Vec<i32> {
        vec![0; G::SCORE_COLUMNS]
    }

    fn seat_bot(&mut self, slot: Slot, seed: u64) {
        let (game, tick_rate) = (&self.game, self.tick_rate);
        let shared = self
            .bots_shared
            .get_or_insert_with(|| G::Brain::prepare(&game.setup(), tick_rate));
        let brain = G::Brain::new(shared, seed);
        self.unseat_bot(slot);
        let at = self.bots.partition_point(|(seated, _)| *seated < slot);
        self.bots.insert(at, (slot, brain));
    }

    fn unseat_bot(&mut self, slot: Slot) {
        self.bots.retain(|(seated, _)| *seated != slot);
    }

    fn step(
        &mut self,
        inputs: &StepInputs<InputPayload>,
        identity: &dyn Fn(Slot) -> Identity,
        events: &mut Vec<Vec<u8>>,
    ) {
        self.step.clear();
        self.step.leaves.extend_from_slice(&inputs.leaves);
        self.step.joins.extend_from_slice(&inputs.joins);
        for (slot, payload) in &inputs.commands {
            // Checked in the session already; an input that fails here is a bug, and the
            // player stands still for the step rather than the room failing.
            match G::decode_input(payload.as_slice()) {
                Ok(input) => self.step.commands.push((*slot, input)),
                Err(e) => log::warn!("slot {slot}: a checked input does not decode: {e}"),
            }
        }
        if let (Some(shared), false) = (&self.bots_shared, self.bots.is_empty()) {
            self.game.state(&mut self.sight);
            for (slot, brain) in &mut self.bots {
                let input = brain.decide(shared, *slot, &self.sight);
                self.step.commands.push((*slot, input));
            }
            // Stable: one member's inputs stay in seq order.
            self.step.commands.sort_by_key(|(slot, _)| *slot);
        }
        if let Some(recorder) = &mut self.recorder {
            recorder.before_step(&self.step, &self.game, identity);
        }
        self.game.step(&self.step, &mut self.events);
        if let Some(recorder) = &mut self.recorder {
            recorder.after_step(&self.game);
        }
        for event in self.events.drain(..) {
            let mut bytes = Vec::new();
            G::encode_event(&event, &mut bytes);
            events.push(bytes);
        }
    }

    fn publish(&mut self, held: &[u32], acks: Arc<[u32]>) -> (SnapshotFrame, usize) {
        let mut state = self.encoder.recycled_state();
        self.game.state(&mut state);
        let now = Held {
            tick: self.game.tick(),
            state,
        };
        self.encoder.publish(now, held, acks)
    }

    fn finish(&mut self) {
        if let Some(recorder) = self.recorder.take() {
            recorder.finish(&self.game);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::game::arena::{Arena, ArenaInput};
    use crate::game::map::Map;
    use crate::game::movement::MOVE_RIGHT;
    use crate::protocol::{GameWire, PlayerId};

    /// Hears what each step consumed.
    struct Seen(Arc<Mutex<Vec<StepInputs<ArenaInput>>>>);

    impl StepRecorder<Arena> for Seen {
        fn before_step(
            &mut self,
            inputs: &StepInputs<ArenaInput>,
            _: &Arena,
            _: &dyn Fn(Slot) -> Identity,
        ) {
            self.0.lock().unwrap().push(inputs.clone());
        }
        fn after_step(&mut self, _: &Arena) {}
        fn finish(self: Box<Self>, _: &Arena) {}
    }

    fn hosted() -> Hosted<Arena> {
        Hosted::new(Arena::new(Arc::new(Map::bundled()), 30, 7), 30)
    }

    fn payload(movement: u8) -> InputPayload {
        InputPayload::of::<Arena>(&ArenaInput {
            movement,
            aim: 0.0,
            fire: false,
            render_tick: 0,
        })
    }

    #[test]
    fn members_and_bots_step_in_slot_order_and_a_bad_payload_stands_still() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut game = hosted().with_recorder(Some(Box::new(Seen(seen.clone()))));
        game.seat_bot(Slot(1), 42);
        let mut inputs = StepInputs {
            joins: vec![Slot(0), Slot(1), Slot(2)],
            commands: vec![
                (Slot(0), payload(MOVE_RIGHT)),
                (Slot(2), InputPayload::new(&[0xff]).unwrap()),
                (Slot(2), payload(0)),
            ],
            ..StepInputs::default()
        };
        let nobody = |_: Slot| (PlayerId(0), String::new(), false);
        let mut events = Vec::new();
        game.step(&inputs, &nobody, &mut events);
        inputs.clear();
        game.step(&inputs, &nobody, &mut events);
        game.unseat_bot(Slot(1));
        game.step(&inputs, &nobody, &mut events);
        let steps = seen.lock().unwrap();
        let slots = |step: &StepInputs<ArenaInput>| -> Vec<Slot> {
            step.commands.iter().map(|(slot, _)| *slot).collect()
        };
        assert_eq!(
            slots(&steps[0]),
            [Slot(0), Slot(1), Slot(2)],
            "the bot's decision between the members'"
        );
        assert_eq!(slots(&steps[1]), [Slot(1)], "then only the bot decides");
        assert!(
            steps[2].commands.is_empty(),
            "an unseated bot decides nothing"
        );
        assert_eq!(game.tick(), 3);
    }

    #[test]
    fn a_new_player_scores_zeros_and_the_setup_is_the_games() {
        let game = hosted();
        assert_eq!(game.score(Slot(3)), vec![0, 0]);
        let setup = Arena::decode_setup(game.setup()).expect("the arena's setup");
        assert!(!setup.walls.is_empty(), "the bundled map has walls");
        assert!((game.input_check())(payload(MOVE_RIGHT).as_slice()).is_ok());
        assert!((game.input_check())(&[0xff]).is_err());
    }
}
