//! The room actor: the single owner of one match. It holds the members and their queued inputs,
//! runs the fixed-tick loop, and fans the snapshot of every tick out to its members.
//!
//! One tick, in order:
//! 1. take the ticks due from the schedule (at most `MAX_CATCH_UP` after a stall);
//! 2. move the inputs the sessions queued into each member's buffer, in seq order (older or
//!    repeated seqs are ignored);
//! 3. for each due tick: build the step's inputs (the leaves and joins since the last step,
//!    then each member's next buffered input in slot order, two when more than
//!    `JITTER_TARGET` are buffered and it has steps to make up, none when its buffer is
//!    empty, or a bot's decision in a bot's seat), record
//!    the last consumed seq as the member's ack, step the game (its recording, if any, hears
//!    the step first: see `recording`), and send the step's events stamped with that step's
//!    tick;
//! 4. encode the new state once in full and once as a change from each baseline its
//!    connections hold (nearly always just the previous tick), and publish these bytes with the
//!    members' acks to everyone at once through a latest-wins channel: each session picks the
//!    change from the last snapshot it sent and writes its own ack into it, and a member that
//!    has not sent the previous snapshot yet finds only the newest, never a backlog;
//! 5. remove members whose sessions have fallen more than the lag limit behind.
//!
//! A room knows sessions only as `Recipient<RoomToSession>`, never their type. It does no I/O and
//! never blocks; the game behind it is any [`crate::game::Game`], through the object-safe
//! [`HostedGame`] (`hosted`), so nothing here names a game's types.

mod bots;
mod creator;
mod guard;
mod hosted;
mod inputs;
mod inspect;
mod recording;
mod resume;
mod schedule;
mod snapshots;
mod spectators;
mod stats;

pub use creator::CreatorLeft;
pub use guard::{CloseRoom, FAILED_REASON};
pub use hosted::{Hosted, HostedGame, InputCheck, StepRecorder};
pub use inspect::{Inspect, RoomDetails};
pub use resume::{Detach, Reattach};
pub use schedule::{phased_start, Due, TickSchedule, MAX_CATCH_UP};
pub use snapshots::SnapshotFrame;
pub use spectators::Spectate;
pub use stats::{TickReport, TickStats};

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix::prelude::*;
use bytes::Bytes;
use tokio::sync::watch;

use crate::game::StepInputs;
use crate::metrics::RoomMetrics;
use crate::protocol::{
    encode_server, ErrorCode, InputMsg, InputPayload, PlayerId, RoomId, RoomInfo, RosterEntry,
    ServerMsg, Slot,
};

/// Inputs a member may have buffered; more are dropped. A client sending at the tick rate has
/// one or two; this leaves room for jitter and a short burst, not for floods.
const MAX_QUEUED_INPUTS: usize = 16;
/// What a member's session and the room share, so that the hottest traffic needs no actor
/// message at all: inputs wait here for the next tick (the room is not woken for each one),
/// and the session reports the tick of the last snapshot it wrote (the room drops members
/// that stop reporting).
#[derive(Default)]
pub struct MemberLink {
    inputs: Mutex<Vec<InputMsg>>,
    delivered: AtomicU32,
}

impl MemberLink {
    /// A link for a member or spectator starting at the room's `tick`: counted as having
    /// taken that tick's snapshot, so it is not behind before it had a chance.
    fn starting_at(tick: u32) -> Arc<MemberLink> {
        Arc::new(MemberLink {
            inputs: Mutex::default(),
            delivered: AtomicU32::new(tick),
        })
    }

    /// Queues an input for the next tick; drops it when the queue is full, so a client sending
    /// far faster than the tick rate loses only its excess.
    pub fn push_input(&self, input: InputMsg) {
        let mut inputs = self.inputs.lock().unwrap_or_else(PoisonError::into_inner);
        if inputs.len() < MAX_QUEUED_INPUTS {
            inputs.push(input);
        }
    }

    /// Records that the session wrote the snapshot of `tick` to its socket.
    pub fn delivered(&self, tick: u32) {
        self.delivered.store(tick, Ordering::Relaxed);
    }

    /// Moves the queued inputs into `into` (emptied first), keeping both allocations.
    fn take_inputs(&self, into: &mut Vec<InputMsg>) {
        into.clear();
        // A panic while the lock was held (the room's guard closes such a room) leaves a plain
        // list of inputs behind: recovered, here and in `push_input` alike.
        let mut inputs = self.inputs.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut *inputs, into);
    }
}

/// A new member's connection to the room: the newest snapshot, and the shared link.
pub struct SnapshotFeed {
    pub snapshots: watch::Receiver<SnapshotFrame>,
    pub link: Arc<MemberLink>,
}

/// What a room sends to a session.
#[derive(Message)]
#[rtype(result = "()")]
pub enum RoomToSession {
    /// You are a member now: talk to `room` as `slot`, read snapshots from `feed`, check your
    /// inputs with `input_check`. `frame` is the encoded `Joined`.
    Joined {
        room: Addr<Room>,
        room_id: RoomId,
        slot: Slot,
        frame: Bytes,
        feed: SnapshotFeed,
        input_check: InputCheck,
    },
    /// An event for the members of `room_id`.
    Frame { room_id: RoomId, frame: Bytes },
    /// The room has closed; `frame` is the encoded `RoomClosed`.
    Closed { room_id: RoomId, frame: Bytes },
    /// The room removed you for falling too far behind its snapshots.
    Dropped { room_id: RoomId },
    /// You watch `room` now, reading snapshots from `feed`. `frame` is the encoded `Spectating`.
    Watching {
        room: Addr<Room>,
        room_id: RoomId,
        frame: Bytes,
        feed: SnapshotFeed,
    },
}

/// Asks for a seat. The room answers with `RoomToSession::Joined` to `session` before it replies,
/// so the session sees its membership before any snapshot.
#[derive(Message)]
#[rtype(result = "Result<(), JoinRefused>")]
pub struct Join {
    pub player_id: PlayerId,
    pub name: String,
    pub session: Recipient<RoomToSession>,
}

/// Why a room turned a join down: an error code and words for the player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRefused {
    pub code: ErrorCode,
    pub message: String,
}

/// The player leaves (or its connection ended).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave {
    pub player_id: PlayerId,
}

/// A chat line of the member in `slot`, already checked and rate-limited.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ChatLine {
    pub slot: Slot,
    pub player_id: PlayerId,
    pub text: String,
}

/// How a room is set up when it is created.
pub struct RoomSettings {
    pub id: RoomId,
    pub name: String,
    pub code: String,
    pub capacity: u8,
    pub public: bool,
    pub tick_rate: u16,
    /// Where the room's tick grid starts (tick 1 is due one period later).
    pub tick_start: Instant,
    pub empty_grace: Duration,
    /// A member whose session has not sent a snapshot for this long is removed.
    pub lag_limit: Duration,
    pub max_spectators: usize,
    /// How long the seat of a player whose connection dropped is kept (0: not at all).
    pub reconnect_grace: Duration,
    /// While people play, bots fill the room up to this many players (0: no bots).
    pub bot_fill: u8,
    /// The game's seed; the bots' choices are drawn from it too.
    pub seed: u64,
}

struct Member {
    player_id: PlayerId,
    name: String,
    session: Recipient<RoomToSession>,
    link: Arc<MemberLink>,
    /// The seq of the last input a step consumed.
    ack: u32,
    /// Inputs taken from the link and not consumed yet, in seq order, all above `ack`.
    buffered: VecDeque<InputMsg>,
    /// Steps the member stood still for want of an input, which a burst may make up.
    missed_steps: u32,
    /// Set while the member's connection is gone and its seat is kept (see `resume`).
    detached: Option<Instant>,
}

/// Takes a room out of the directory that lists it, without the room knowing the directory.
pub type Unlist = Box<dyn FnOnce() + Send>;

pub struct Room {
    settings: RoomSettings,
    game: Box<dyn HostedGame>,
    /// Indexed by slot; `None` is a seat without a person.
    members: Vec<Option<Member>>,
    /// Indexed by slot like `members`; a seat holds a person or a bot, never both.
    bots: Vec<Option<bots::SeatBot>>,
    players: Arc<AtomicU8>,
    /// The number of bots, for listings.
    bots_listed: Arc<AtomicU8>,
    stats: Arc<TickStats>,
    /// Takes the room out of the directory; called once, as the room stops.
    unlist: Option<Unlist>,
    spectators: spectators::Spectators,
    metrics: RoomMetrics,
    schedule: TickSchedule,
    lag_limit_ticks: u32,
    snapshots: watch::Sender<SnapshotFrame>,
    close_timer: Option<SpawnHandle>,
    /// What the next step consumes: the leaves and joins gather here between steps.
    step_inputs: StepInputs<InputPayload>,
    // Reused every tick.
    events: Vec<Vec<u8>>,
    inputs: Vec<InputMsg>,
    /// The tick of the last snapshot each member's and spectator's session wrote.
    delivered: Vec<u32>,
    /// Whether members and spectators have been sent `RoomClosed` already.
    close_announced: bool,
}

impl Room {
    pub fn new(
        settings: RoomSettings,
        game: Box<dyn HostedGame>,
        (players, bots_listed): (Arc<AtomicU8>, Arc<AtomicU8>),
        stats: Arc<TickStats>,
        unlist: Unlist,
        metrics: RoomMetrics,
    ) -> Room {
        let schedule = TickSchedule::new(settings.tick_start, settings.tick_rate);
        let members = (0..settings.capacity).map(|_| None).collect();
        let bots = (0..settings.capacity).map(|_| None).collect();
        let lag_limit_ticks =
            (settings.lag_limit.as_secs_f64() * f64::from(settings.tick_rate)).ceil() as u32;
        let spectators = spectators::Spectators::new(settings.max_spectators);
        Room {
            lag_limit_ticks: lag_limit_ticks.max(1),
            snapshots: watch::Sender::new(SnapshotFrame::default()),
            settings,
            game,
            members,
            bots,
            players,
            bots_listed,
            stats,
            unlist: Some(unlist),
            spectators,
            metrics,
            schedule,
            close_timer: None,
            step_inputs: StepInputs::default(),
            events: Vec::new(),
            inputs: Vec::with_capacity(MAX_QUEUED_INPUTS),
            delivered: Vec::new(),
            close_announced: false,
        }
    }

    fn member_count(&self) -> usize {
        self.members.iter().flatten().count()
    }

    fn slot_of(&self, player_id: PlayerId) -> Option<Slot> {
        self.members
            .iter()
            .position(|m| m.as_ref().is_some_and(|m| m.player_id == player_id))
            .and_then(|slot| Slot::try_from(slot).ok())
    }

    fn member_in(&mut self, slot: Slot, player_id: PlayerId) -> Option<&mut Member> {
        self.members
            .get_mut(usize::from(slot))?
            .as_mut()
            .filter(|m| m.player_id == player_id)
    }

    /// The score of the player in `slot`. A slot joined since the last step may still hold its
    /// previous player in the game: that score is not the new player's.
    fn score_of(&self, slot: Slot) -> Vec<i32> {
        if self.step_inputs.joins.contains(&slot) {
            return self.game.new_score();
        }
        self.game.score(slot)
    }

    fn roster_entry(&self, slot: usize, member: &Member) -> RosterEntry {
        RosterEntry {
            slot: Slot(slot as u8),
            player_id: member.player_id,
            name: member.name.clone(),
            score: self.score_of(Slot(slot as u8)),
            bot: false,
        }
    }

    /// What the member in `slot` needs to start playing: the room, the map, everyone in it.
    fn joined(&self, slot: Slot) -> ServerMsg {
        ServerMsg::Joined {
            room: self.info(),
            code: self.settings.code.clone(),
            you: slot,
            tick: self.game.tick(),
            setup: self.game.setup().to_vec(),
            roster: self.roster(),
        }
    }

    /// Every player, person or bot, in slot order, with its score.
    fn roster(&self) -> Vec<RosterEntry> {
        self.members
            .iter()
            .enumerate()
            .filter_map(|(slot, m)| match m {
                Some(member) => Some(self.roster_entry(slot, member)),
                None => self.bot_roster_entry(slot),
            })
            .collect()
    }

    fn info(&self) -> RoomInfo {
        RoomInfo {
            id: self.settings.id,
            name: self.settings.name.clone(),
            mode: self.game.mode().to_string(),
            players: self.member_count() as u8,
            capacity: self.settings.capacity,
            public: self.settings.public,
            bots: self.bot_count() as u8,
        }
    }

    /// Sends an event every member must see (never dropped for being behind).
    fn broadcast_event(&mut self, msg: &ServerMsg) {
        self.send_to_everyone(msg, |room_id, frame| RoomToSession::Frame {
            room_id,
            frame,
        });
    }

    /// Encodes `msg` once and sends it to every member and spectator, as `wrap` makes it.
    fn send_to_everyone(&mut self, msg: &ServerMsg, wrap: impl Fn(RoomId, Bytes) -> RoomToSession) {
        let frame = Bytes::from(encode_server(msg));
        let room_id = self.settings.id;
        // Within the mailboxes' bounds: a session that stopped taking its messages loses
        // events (counted) rather than piling them up.
        let mut dropped = 0;
        for member in self.members.iter().flatten() {
            if member
                .session
                .try_send(wrap(room_id, frame.clone()))
                .is_err()
            {
                dropped += 1;
            }
        }
        let (watchers, watchers_dropped) =
            self.spectators.send_all(|| wrap(room_id, frame.clone()));
        let copies = self.member_count() as u64 - dropped + watchers;
        self.metrics.sent(msg, frame.len(), copies);
        self.metrics.events_dropped(dropped + watchers_dropped);
    }

    fn remove_member(&mut self, slot: usize, ctx: &mut Context<Self>) {
        let Some(member) = self.members.get_mut(slot).and_then(Option::take) else {
            return;
        };
        log::info!(
            "room {}: player {} ({}) left",
            self.settings.id,
            member.player_id,
            member.name
        );
        let slot = Slot(slot as u8);
        self.leave_game(slot);
        self.players
            .store(self.member_count() as u8, Ordering::Relaxed);
        self.broadcast_event(&ServerMsg::PlayerLeft { slot });
        self.rebalance_bots();
        if self.member_count() == 0 {
            self.start_close_timer(ctx);
        }
    }

    /// Takes the player in `slot` out of the game at the next step.
    fn leave_game(&mut self, slot: Slot) {
        let joins = &mut self.step_inputs.joins;
        match joins.iter().position(|&joining| joining == slot) {
            // Never in the game: it goes before it came.
            Some(at) => {
                joins.remove(at);
            }
            None => self.step_inputs.leaves.push(slot),
        }
    }

    fn start_close_timer(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.close_timer.take() {
            ctx.cancel_future(timer);
        }
        self.close_timer = Some(ctx.run_later(self.settings.empty_grace, |room, ctx| {
            if room.member_count() == 0 {
                ctx.stop();
            }
        }));
    }

    fn schedule_tick(&self, ctx: &mut Context<Self>) {
        let delay = self
            .schedule
            .next_deadline()
            .saturating_duration_since(Instant::now());
        ctx.run_later(delay, |room, ctx| {
            if room.guarded_tick(ctx) {
                room.schedule_tick(ctx);
            }
        });
    }

    fn on_tick_timer(&mut self, ctx: &mut Context<Self>) {
        let woke = Instant::now();
        let due = self.schedule.take_due(woke);
        if due.steps == 0 {
            return;
        }
        self.buffer_queued_inputs();
        for _ in 0..due.steps {
            self.take_step_commands();
            self.step_inputs.leaves.sort_unstable();
            self.step_inputs.joins.sort_unstable();
            self.step_game();
            self.step_inputs.clear();
            self.publish_events();
        }
        self.publish_snapshot();
        self.drop_laggards(ctx);
        let ended = Instant::now();
        self.stats
            .record(ended, ended - woke, due.steps, self.schedule.overruns());
        self.metrics.tick(ended - woke, due.steps, due.dropped);
    }

    fn publish_events(&mut self) {
        let mut events = std::mem::take(&mut self.events);
        for event in events.drain(..) {
            self.broadcast_event(&ServerMsg::GameEvent {
                tick: self.game.tick(),
                event,
            });
        }
        self.events = events;
    }

    fn publish_snapshot(&mut self) {
        if self.member_count() == 0 && self.spectators.count() == 0 {
            return;
        }
        let acks: Arc<[u32]> = self
            .members
            .iter()
            .map(|m| m.as_ref().map_or(0, |m| m.ack))
            .collect();
        self.delivered.clear();
        self.delivered.extend(
            self.members
                .iter()
                .flatten()
                .map(|m| m.link.delivered.load(Ordering::Relaxed))
                .chain(self.spectators.delivered()),
        );
        // A session that has not taken the previous snapshot yet never will: this one
        // replaces it.
        let previous = self.snapshots.borrow().tick;
        let behind = self
            .delivered
            .iter()
            .filter(|tick| **tick < previous)
            .count();
        let (frame, typical_bytes) = self.game.publish(&self.delivered, acks);
        self.snapshots.send_replace(frame);
        let recipients = self.member_count() + self.spectators.count();
        self.metrics
            .snapshot_published(typical_bytes, recipients as u64, behind as u64);
    }

    /// Removes members whose sessions stopped taking snapshots: a client that does not read
    /// stalls its session, and it must cost the others nothing.
    fn drop_laggards(&mut self, ctx: &mut Context<Self>) {
        let tick = self.game.tick();
        self.spectators
            .drop_laggards(tick, self.lag_limit_ticks, self.settings.id);
        let lagging: Vec<usize> = self
            .members
            .iter()
            .enumerate()
            .filter_map(|(slot, member)| {
                // A detached member has no session to deliver to; its grace timer decides.
                let member = member.as_ref().filter(|m| m.detached.is_none())?;
                let delivered = member.link.delivered.load(Ordering::Relaxed);
                (tick.saturating_sub(delivered) > self.lag_limit_ticks).then_some(slot)
            })
            .collect();
        for slot in lagging {
            if let Some(Some(member)) = self.members.get(slot) {
                log::info!(
                    "room {}: player {} is {} ticks behind, removing it",
                    self.settings.id,
                    member.player_id,
                    tick.saturating_sub(member.link.delivered.load(Ordering::Relaxed))
                );
                // A full mailbox: the session is stalled, and its connection's own checks or
                // the kernel end it.
                let _ = member.session.try_send(RoomToSession::Dropped {
                    room_id: self.settings.id,
                });
            }
            self.remove_member(slot, ctx);
        }
    }
}

impl Actor for Room {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        log::info!(
            "room {} \"{}\" created (code {}, capacity {}, {})",
            self.settings.id,
            self.settings.name,
            self.settings.code,
            self.settings.capacity,
            if self.settings.public {
                "public"
            } else {
                "private"
            }
        );
        self.schedule_tick(ctx);
        self.start_close_timer(ctx);
    }

    fn stopping(&mut self, _ctx: &mut Context<Self>) -> Running {
        // Leave the directory before anything else, so the list never shows a closing room.
        if let Some(unlist) = self.unlist.take() {
            unlist();
        }
        Running::Stop
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if !self.close_announced {
            self.announce_close("the room has closed".into());
        }
        self.game.finish();
        log::info!("room {} closed", self.settings.id);
    }
}

impl Handler<Join> for Room {
    type Result = Result<(), JoinRefused>;

    fn handle(&mut self, join: Join, ctx: &mut Context<Self>) -> Self::Result {
        self.guarded(ctx, |room, ctx| room.join(join, ctx))
            .unwrap_or_else(|| Err(guard::failed_seat()))
    }
}

impl Room {
    fn join(&mut self, join: Join, ctx: &mut Context<Self>) -> Result<(), JoinRefused> {
        if self.slot_of(join.player_id).is_some() {
            return Err(JoinRefused {
                code: ErrorCode::AlreadyInRoom,
                message: "you are already in this room".into(),
            });
        }
        let free = (0..self.members.len()).find(|&slot| self.seat_is_free(slot));
        let Some(free) = free.or_else(|| self.seat_from_a_bot()) else {
            return Err(JoinRefused {
                code: ErrorCode::RoomFull,
                message: format!(
                    "room \"{}\" is full ({} of {} players)",
                    self.settings.name,
                    self.member_count(),
                    self.settings.capacity
                ),
            });
        };
        if let Some(timer) = self.close_timer.take() {
            ctx.cancel_future(timer);
        }
        let slot = Slot(free as u8);
        self.step_inputs.joins.push(slot);
        log::info!(
            "room {}: player {} ({}) joined in slot {slot}",
            self.settings.id,
            join.player_id,
            join.name
        );
        let member = Member {
            player_id: join.player_id,
            name: join.name,
            session: join.session,
            link: MemberLink::starting_at(self.game.tick()),
            ack: 0,
            buffered: VecDeque::new(),
            missed_steps: 0,
            detached: None,
        };
        self.broadcast_event(&ServerMsg::PlayerJoined {
            player: self.roster_entry(free, &member),
        });
        let session = member.session.clone();
        let feed = SnapshotFeed {
            snapshots: self.snapshots.subscribe(),
            link: member.link.clone(),
        };
        self.members[free] = Some(member);
        self.players
            .store(self.member_count() as u8, Ordering::Relaxed);
        let joined = self.joined(slot);
        let frame = Bytes::from(encode_server(&joined));
        self.metrics.sent(&joined, frame.len(), 1);
        session.do_send(RoomToSession::Joined {
            room: ctx.address(),
            room_id: self.settings.id,
            slot,
            frame,
            feed,
            input_check: self.game.input_check(),
        });
        // After `Joined`: the newcomer hears of the bots added for it as of everyone else.
        self.rebalance_bots();
        Ok(())
    }
}

impl Handler<Leave> for Room {
    type Result = ();

    fn handle(&mut self, leave: Leave, ctx: &mut Context<Self>) {
        if let Some(slot) = self.slot_of(leave.player_id) {
            self.guarded(ctx, |room, ctx| room.remove_member(usize::from(slot), ctx));
        } else if self.spectators.remove(leave.player_id) {
            log::info!(
                "room {}: player {} stopped watching",
                self.settings.id,
                leave.player_id
            );
        }
    }
}

impl Handler<ChatLine> for Room {
    type Result = ();

    fn handle(&mut self, msg: ChatLine, _ctx: &mut Context<Self>) {
        if self.member_in(msg.slot, msg.player_id).is_some() {
            self.broadcast_event(&ServerMsg::Chat {
                tick: self.game.tick(),
                from: msg.slot,
                text: msg.text,
            });
        }
    }
}
