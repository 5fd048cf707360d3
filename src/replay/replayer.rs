//! Re-simulating a replay: the arena rebuilt from the header, stepped through the recorded
//! steps, each recorded digest checked against the re-simulated world.
//!
//! Owns: [`Replayer`] (the step-by-step API a viewer builds on: the game's state, its events
//! and the roster after every step) and [`verify`] (the whole file, with the summary the CLI
//! prints). Must not: write anything, or take a recorded input unchecked (each goes through
//! `arena::check_input`, as the room's would have).

use std::collections::BTreeMap;
use std::iter::Peekable;
use std::sync::Arc;

use crate::game::arena::{
    check_input, Arena, ArenaEvent, ArenaInput, ArenaState, Score, SIMULATION_REVISION,
};
use crate::game::map::Map;
use crate::game::{Game, StateDigest, StepInputs};
use crate::protocol::{GameWire, RosterEntry, Slot};

use super::format::{FormatError, Header, JoinRecord, MatchEnd, Record, Records, ReplayFile};

/// Why a replay does not reproduce, or cannot be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReplayError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("recorded with simulation revision {recorded}; this build runs revision {current} and cannot re-simulate it")]
    Revision { recorded: u32, current: u32 },
    #[error("mode \"{0}\" cannot be re-simulated (only \"arena\")")]
    Mode(String),
    #[error("the embedded map is invalid: {0}")]
    Map(String),
    #[error("tick {tick}: bad input for slot {slot}: {reason}")]
    BadInput {
        tick: u32,
        slot: Slot,
        reason: String,
    },
    #[error("tick {tick}: a digest of tick {claimed} is out of place")]
    MisplacedDigest { tick: u32, claimed: u32 },
    #[error("diverged at tick {tick} (last agreed at tick {last_agreed}): {what} differ (recorded: {recorded}; re-simulated: {replayed})")]
    Diverged {
        tick: u32,
        last_agreed: u32,
        what: String,
        recorded: Box<StateDigest>,
        replayed: Box<StateDigest>,
    },
    #[error("the end record says {claimed} steps, the file holds {found}")]
    TickCount { claimed: u32, found: u32 },
    #[error("final score of {name} (slot {slot}) differs: recorded {recorded_kills}/{recorded_deaths}, re-simulated {kills}/{deaths} (kills/deaths)")]
    Score {
        slot: Slot,
        name: String,
        recorded_kills: u16,
        recorded_deaths: u16,
        kills: u16,
        deaths: u16,
    },
}

/// What a whole verified replay was.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub ticks: u32,
    pub tick_rate: u16,
    /// Players who took part, bots included.
    pub players: usize,
    pub digests_checked: usize,
    pub truncated: bool,
    /// The end record: every player with its final kills and deaths.
    pub end: MatchEnd,
}

impl Summary {
    pub fn duration_seconds(&self) -> f64 {
        f64::from(self.ticks) / f64::from(self.tick_rate.max(1))
    }
}

impl std::fmt::Display for Summary {
    /// One line: `ok: 900 ticks, 4 players, 30.0 s, 30 digests; scores: Ada 3/1, ...`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ok: {} ticks, {} players, {:.1} s, {} digests checked{}; scores (kills/deaths): ",
            self.ticks,
            self.players,
            self.duration_seconds(),
            self.digests_checked,
            if self.truncated { ", TRUNCATED" } else { "" },
        )?;
        let scores: Vec<String> = self
            .end
            .players
            .iter()
            .map(|p| {
                let bot = if p.bot { " (bot)" } else { "" };
                format!("{}{bot} {}/{}", p.name, p.kills, p.deaths)
            })
            .collect();
        f.write_str(&scores.join(", "))
    }
}

/// A replay being re-simulated one step at a time. After each [`Replayer::step`], `game()`
/// holds the world as the match had it after that tick (`Game::state` draws it), `events()`
/// what happened in that step, and `roster()` who was in each slot.
pub struct Replayer<'a> {
    header: Header,
    arena: Arena,
    records: Peekable<Records<'a>>,
    inputs: StepInputs<ArenaInput>,
    events: Vec<ArenaEvent>,
    roster: BTreeMap<Slot, JoinRecord>,
    last_agreed: u32,
    digests_checked: usize,
    end: Option<MatchEnd>,
}

impl<'a> Replayer<'a> {
    /// Reads the header of `bytes` and builds the arena it describes, at tick 0.
    pub fn new(bytes: &'a [u8]) -> Result<Replayer<'a>, ReplayError> {
        let file = ReplayFile::parse(bytes)?;
        let header = file.header.clone();
        if header.simulation_revision != SIMULATION_REVISION {
            return Err(ReplayError::Revision {
                recorded: header.simulation_revision,
                current: SIMULATION_REVISION,
            });
        }
        if header.mode != Arena::MODE {
            return Err(ReplayError::Mode(header.mode));
        }
        let map = &header.map;
        let map = Map::from_parts(map.width, map.height, map.walls.clone(), map.spawns.clone())
            .map_err(|err| ReplayError::Map(err.to_string()))?;
        let arena = Arena::with_tuning(Arc::new(map), header.tick_rate, header.seed, header.tuning);
        Ok(Replayer {
            header,
            arena,
            records: file.records().peekable(),
            inputs: StepInputs::default(),
            events: Vec::new(),
            roster: BTreeMap::new(),
            last_agreed: 0,
            digests_checked: 0,
            end: None,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The re-simulated game (`tick()`, `state()`, `score()`).
    pub fn game(&self) -> &Arena {
        &self.arena
    }

    /// The tick of the last step taken (0 before the first).
    pub fn tick(&self) -> u32 {
        self.arena.tick()
    }

    /// What happened in the last step.
    pub fn events(&self) -> &[ArenaEvent] {
        &self.events
    }

    /// Who plays in each slot after the last step.
    pub fn roster(&self) -> impl Iterator<Item = (&JoinRecord, Score)> + use<'_, 'a> {
        self.roster.values().map(|player| {
            let score = self.arena.tally(player.slot).unwrap_or_default();
            (player, score)
        })
    }

    /// The roster as a spectator's `Joined` carries it, so a viewer can reuse its drawing.
    pub fn roster_entries(&self) -> Vec<RosterEntry> {
        self.roster()
            .map(|(player, score)| RosterEntry {
                slot: player.slot,
                player_id: player.player_id,
                name: player.name.clone(),
                score: vec![i32::from(score.kills), i32::from(score.deaths)],
                bot: player.bot,
            })
            .collect()
    }

    /// The end record, once the last step has been taken.
    pub fn end(&self) -> Option<&MatchEnd> {
        self.end.as_ref()
    }

    /// Writes the world after the last step into `out` (see `Game::state`).
    pub fn state(&self, out: &mut ArenaState) {
        self.arena.state(out);
    }

    /// Takes the next recorded step and checks the digest recorded after it, if any. `Ok(false)`
    /// when the file has ended (then `end()` is set).
    pub fn step(&mut self) -> Result<bool, ReplayError> {
        self.inputs.clear();
        self.events.clear();
        loop {
            let Some(item) = self.records.next() else {
                return Ok(false);
            };
            let (_, record) = item?;
            match record {
                Record::Leave(slot) => {
                    self.roster.remove(&slot);
                    self.inputs.leaves.push(slot);
                }
                Record::Join(join) => {
                    let join = join.into_owned();
                    self.inputs.joins.push(join.slot);
                    self.roster.insert(join.slot, join);
                }
                Record::Step(commands) => {
                    let tick = self.arena.tick().wrapping_add(1);
                    for command in commands.to_vec() {
                        let input = command.input(tick);
                        check_input(&input).map_err(|reason| ReplayError::BadInput {
                            tick,
                            slot: command.slot,
                            reason,
                        })?;
                        self.inputs.commands.push((command.slot, input));
                    }
                    self.arena.step(&self.inputs, &mut self.events);
                    self.check_digest_if_recorded()?;
                    return Ok(true);
                }
                Record::Checkpoint(claimed) => {
                    return Err(ReplayError::MisplacedDigest {
                        tick: self.arena.tick(),
                        claimed: claimed.tick,
                    });
                }
                Record::End(end) => {
                    if end.recorded_ticks != self.arena.tick() {
                        return Err(ReplayError::TickCount {
                            claimed: end.recorded_ticks,
                            found: self.arena.tick(),
                        });
                    }
                    self.end = Some(end);
                    return Ok(false);
                }
            }
        }
    }

    fn check_digest_if_recorded(&mut self) -> Result<(), ReplayError> {
        let Some(Ok((_, Record::Checkpoint(recorded)))) = self.records.peek() else {
            return Ok(());
        };
        let recorded = recorded.clone();
        self.records.next();
        let tick = self.arena.tick();
        if recorded.tick != tick {
            return Err(ReplayError::MisplacedDigest {
                tick,
                claimed: recorded.tick,
            });
        }
        let replayed = self.arena.state_digest().unwrap_or_default();
        let roster = &self.roster;
        let name = |slot: Slot| {
            roster
                .get(&slot)
                .map_or_else(String::new, |p| p.name.clone())
        };
        let differences = recorded.differences(&replayed, name);
        if !differences.is_empty() {
            return Err(ReplayError::Diverged {
                tick,
                last_agreed: self.last_agreed,
                what: differences.join(", "),
                recorded: Box::new(recorded),
                replayed: Box::new(replayed),
            });
        }
        self.last_agreed = tick;
        self.digests_checked += 1;
        Ok(())
    }
}

/// Re-simulates the whole of `bytes`, checking every digest and the final scores of the
/// players still in the match at its end.
pub fn verify(bytes: &[u8]) -> Result<Summary, ReplayError> {
    let mut replayer = Replayer::new(bytes)?;
    while replayer.step()? {}
    let Some(end) = replayer.end.clone() else {
        return Err(FormatError::Unfinished { records: 0 }.into());
    };
    for player in end.players.iter().filter(|p| p.left_tick.is_none()) {
        let score = replayer.arena.tally(player.slot).unwrap_or_default();
        if !end.truncated && (score.kills, score.deaths) != (player.kills, player.deaths) {
            return Err(ReplayError::Score {
                slot: player.slot,
                name: player.name.clone(),
                recorded_kills: player.kills,
                recorded_deaths: player.deaths,
                kills: score.kills,
                deaths: score.deaths,
            });
        }
    }
    Ok(Summary {
        ticks: end.recorded_ticks,
        tick_rate: replayer.header.tick_rate,
        players: end.players.len(),
        digests_checked: replayer.digests_checked,
        truncated: end.truncated,
        end,
    })
}
