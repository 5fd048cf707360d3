//! Admission and rate limits: how many connections one IP address may hold and open per
//! second, how many messages one connection may send, how many players and rooms the server
//! holds and how fast rooms are made.
//!
//! Pure bookkeeping on token buckets and counters, cheap enough to run before any decoding or
//! allocation. It decides only; the callers (the `/ws` route, the session) send the refusals
//! and count them in the metrics (`skirmish_rate_limited_total{kind}`).

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dashmap::DashMap;

use crate::config::Config;
use crate::ratelimit::TokenBucket;

/// Every how many admissions the per-IP table drops addresses that hold nothing.
const SWEEP_EVERY: u64 = 1024;
/// Dropped messages refill the flood allowance over this long.
const FLOOD_WINDOW: Duration = Duration::from_secs(10);
/// A connection hears "rate limited" at most this often, however much it floods.
const WARN_EVERY: Duration = Duration::from_secs(1);
/// After its burst, a connection (or an address) may create one room per this long.
const ROOM_CREATION_INTERVAL: Duration = Duration::from_secs(10);
/// Wrong room codes (`JoinByCode`, `SpectateByCode`) a connection may send in a burst, then one
/// per `CODE_GUESS_INTERVAL`; an address has `CODE_GUESSES_PER_IP`, then one per
/// `CODE_GUESS_INTERVAL_PER_IP`.
pub const CODE_GUESSES_PER_CONNECTION: u32 = 10;
pub const CODE_GUESS_INTERVAL: Duration = Duration::from_secs(6);
pub const CODE_GUESSES_PER_IP: u32 = 30;
pub const CODE_GUESS_INTERVAL_PER_IP: Duration = Duration::from_secs(2);

/// Why a connection was refused before its upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpRefusal {
    TooManyOpen { limit: usize },
    TooManyNew { per_second: u32 },
}

impl std::fmt::Display for IpRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IpRefusal::TooManyOpen { limit } => {
                write!(
                    f,
                    "too many open connections from your address (at most {limit})"
                )
            }
            IpRefusal::TooManyNew { per_second } => write!(
                f,
                "too many new connections from your address (at most {per_second} per second)"
            ),
        }
    }
}

struct IpState {
    open: usize,
    new: TokenBucket,
    last_admitted: Instant,
}

/// Connections per IP address: open at once, and opened per second.
pub struct IpLimiter {
    per_ip: DashMap<IpAddr, IpState>,
    max_open: usize,
    new_per_second: u32,
    admissions: AtomicU64,
}

/// One admitted connection; gives its place back when dropped.
pub struct ConnectionPermit {
    limiter: Arc<IpLimiter>,
    ip: IpAddr,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        if let Some(mut state) = self.limiter.per_ip.get_mut(&self.ip) {
            state.open = state.open.saturating_sub(1);
        }
    }
}

impl IpLimiter {
    /// `max_open` or `new_per_second` 0 turns that limit off.
    pub fn new(max_open: usize, new_per_second: u32) -> IpLimiter {
        IpLimiter {
            per_ip: DashMap::new(),
            max_open,
            new_per_second,
            admissions: AtomicU64::new(0),
        }
    }

    pub fn admit(
        self: &Arc<Self>,
        ip: IpAddr,
        now: Instant,
    ) -> Result<ConnectionPermit, IpRefusal> {
        if self.admissions.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(now);
        }
        let mut state = self.per_ip.entry(ip).or_insert_with(|| IpState {
            open: 0,
            new: TokenBucket::new(
                self.new_per_second.saturating_mul(2),
                f64::from(self.new_per_second),
                now,
            ),
            last_admitted: now,
        });
        if self.max_open > 0 && state.open >= self.max_open {
            return Err(IpRefusal::TooManyOpen {
                limit: self.max_open,
            });
        }
        if self.new_per_second > 0 && !state.new.try_take(now) {
            return Err(IpRefusal::TooManyNew {
                per_second: self.new_per_second,
            });
        }
        state.open += 1;
        state.last_admitted = now;
        Ok(ConnectionPermit {
            limiter: self.clone(),
            ip,
        })
    }

    /// Forgets addresses with no open connection whose bucket has refilled: they are exactly
    /// as a new entry would be.
    fn sweep(&self, now: Instant) {
        let refill = if self.new_per_second == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs(2)
        };
        self.per_ip
            .retain(|_, state| state.open > 0 || now.duration_since(state.last_admitted) < refill);
    }

    /// Addresses tracked now (for tests of the sweep).
    pub fn tracked_addresses(&self) -> usize {
        self.per_ip.len()
    }
}

/// A token bucket per IP address (for what one address may do however many connections it
/// opens), made on first use and forgotten once refilled.
pub struct PerAddress {
    buckets: DashMap<IpAddr, TokenBucket>,
    burst: u32,
    per_second: f64,
    uses: AtomicU64,
}

impl PerAddress {
    pub fn new(burst: u32, interval: Duration) -> PerAddress {
        PerAddress {
            buckets: DashMap::new(),
            burst,
            per_second: 1.0 / interval.as_secs_f64(),
            uses: AtomicU64::new(0),
        }
    }

    /// Whether `ip` has a token now (none is taken).
    pub fn has_token(&self, ip: IpAddr, now: Instant) -> bool {
        self.buckets
            .get_mut(&ip)
            .is_none_or(|mut bucket| bucket.has_token(now))
    }

    /// Takes one of `ip`'s tokens; false when it has none left.
    pub fn try_take(&self, ip: IpAddr, now: Instant) -> bool {
        if self.uses.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.buckets.retain(|_, bucket| !bucket.is_full(now));
        }
        self.buckets
            .entry(ip)
            .or_insert_with(|| TokenBucket::new(self.burst, self.per_second, now))
            .try_take(now)
    }
}

/// What to do with one incoming message of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// Dropped; `warn` says whether to tell the client (at most once a second).
    Drop {
        warn: bool,
    },
    /// The connection kept flooding: close it.
    Disconnect,
}

/// The message budget of one connection: inputs and other messages in buckets of their own, and
/// an allowance of dropped messages that, once spent, closes the connection.
pub struct MessageLimiter {
    inputs: TokenBucket,
    others: TokenBucket,
    flood: TokenBucket,
    last_warned: Option<Instant>,
}

impl MessageLimiter {
    pub fn new(config: &Config, now: Instant) -> MessageLimiter {
        MessageLimiter {
            inputs: TokenBucket::new(
                config.inputs_per_second,
                f64::from(config.inputs_per_second),
                now,
            ),
            others: TokenBucket::new(
                config.messages_per_second.saturating_mul(2),
                f64::from(config.messages_per_second),
                now,
            ),
            flood: TokenBucket::new(
                config.flood_tolerance,
                f64::from(config.flood_tolerance) / FLOOD_WINDOW.as_secs_f64(),
                now,
            ),
            last_warned: None,
        }
    }

    pub fn check(&mut self, is_input: bool, now: Instant) -> Verdict {
        let bucket = if is_input {
            &mut self.inputs
        } else {
            &mut self.others
        };
        if bucket.try_take(now) {
            return Verdict::Accept;
        }
        if !self.flood.try_take(now) {
            return Verdict::Disconnect;
        }
        let warn = self
            .last_warned
            .is_none_or(|at| now.duration_since(at) >= WARN_EVERY);
        if warn {
            self.last_warned = Some(now);
        }
        Verdict::Drop { warn }
    }
}

/// A bucket of wrong room codes for one connection.
pub fn code_guess_bucket(now: Instant) -> TokenBucket {
    TokenBucket::new(
        CODE_GUESSES_PER_CONNECTION,
        1.0 / CODE_GUESS_INTERVAL.as_secs_f64(),
        now,
    )
}

/// A bucket of room creations for one connection.
pub fn room_creation_bucket(config: &Config, now: Instant) -> TokenBucket {
    TokenBucket::new(
        config.rooms_per_connection,
        1.0 / ROOM_CREATION_INTERVAL.as_secs_f64(),
        now,
    )
}

/// Why a room may not be made now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomRefusal {
    ServerFull { max_rooms: usize },
    TooFast,
}

/// The server-wide limits and the counters operators read.
pub struct Limits {
    pub ip: Arc<IpLimiter>,
    /// Wrong room codes per address.
    pub code_guesses: PerAddress,
    /// Rooms created per address.
    pub room_creations: PerAddress,
    max_players: usize,
    players: AtomicUsize,
    max_rooms: usize,
    rooms: Mutex<TokenBucket>,
}

/// One welcomed player counted against `max_players`; gives its place back when dropped.
pub struct PlayerPermit {
    limits: Arc<Limits>,
}

impl Drop for PlayerPermit {
    fn drop(&mut self) {
        self.limits.players.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Limits {
    pub fn new(config: &Config) -> Limits {
        Limits {
            ip: Arc::new(IpLimiter::new(
                config.max_connections_per_ip,
                config.new_connections_per_ip,
            )),
            code_guesses: PerAddress::new(CODE_GUESSES_PER_IP, CODE_GUESS_INTERVAL_PER_IP),
            room_creations: PerAddress::new(config.rooms_per_ip, ROOM_CREATION_INTERVAL),
            max_players: config.max_players,
            players: AtomicUsize::new(0),
            max_rooms: config.max_rooms,
            rooms: Mutex::new(TokenBucket::new(
                config.rooms_per_second.saturating_mul(2),
                f64::from(config.rooms_per_second),
                Instant::now(),
            )),
        }
    }

    /// A place for one more player, unless the server has `max_players` already. `force`
    /// counts the player even then (a resumed player keeps the place it had).
    pub fn admit_player(self: &Arc<Self>, force: bool) -> Option<PlayerPermit> {
        let max = self.max_players;
        let admitted = self
            .players
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (force || n < max).then_some(n + 1)
            })
            .is_ok();
        admitted.then(|| PlayerPermit {
            limits: self.clone(),
        })
    }

    pub fn max_players(&self) -> usize {
        self.max_players
    }

    pub fn players(&self) -> usize {
        self.players.load(Ordering::Relaxed)
    }

    /// Runs `create` if the server has fewer than `max_rooms` rooms (`live_rooms` counts them)
    /// and the server-wide creation rate allows it. Checking and creating under one lock keeps
    /// simultaneous creations from overshooting the maximum.
    pub fn create_room<T>(
        &self,
        live_rooms: impl FnOnce() -> usize,
        create: impl FnOnce() -> T,
    ) -> Result<T, RoomRefusal> {
        let mut bucket = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if live_rooms() >= self.max_rooms {
            return Err(RoomRefusal::ServerFull {
                max_rooms: self.max_rooms,
            });
        }
        if !bucket.try_take(Instant::now()) {
            return Err(RoomRefusal::TooFast);
        }
        Ok(create())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn open_connections_per_ip_are_capped_and_given_back() {
        let limiter = Arc::new(IpLimiter::new(2, 0));
        let now = Instant::now();
        let first = limiter.admit(ip(1), now).unwrap();
        let _second = limiter.admit(ip(1), now).unwrap();
        assert_eq!(
            limiter.admit(ip(1), now).err(),
            Some(IpRefusal::TooManyOpen { limit: 2 })
        );
        assert!(
            limiter.admit(ip(2), now).is_ok(),
            "other addresses are apart"
        );
        drop(first);
        assert!(limiter.admit(ip(1), now).is_ok());
    }

    #[test]
    fn new_connections_per_ip_follow_the_rate() {
        let limiter = Arc::new(IpLimiter::new(0, 5));
        let now = Instant::now();
        let admitted: Vec<_> = (0..20)
            .filter_map(|_| limiter.admit(ip(1), now).ok())
            .collect();
        assert_eq!(admitted.len(), 10, "a burst of twice the rate");
        assert!(limiter
            .admit(ip(1), now + Duration::from_millis(250))
            .is_ok());
    }

    #[test]
    fn idle_addresses_are_forgotten() {
        let limiter = Arc::new(IpLimiter::new(4, 5));
        let start = Instant::now();
        for last in 0..=255 {
            drop(limiter.admit(ip(last), start));
        }
        let kept = limiter.admit(ip(7), start).unwrap();
        assert_eq!(limiter.tracked_addresses(), 256);
        limiter.sweep(start + Duration::from_secs(3));
        assert_eq!(
            limiter.tracked_addresses(),
            1,
            "only the address with a connection"
        );
        drop(kept);
    }

    #[test]
    fn a_flood_is_dropped_with_one_warning_a_second_then_disconnected() {
        let config = Config {
            inputs_per_second: 10,
            messages_per_second: 5,
            flood_tolerance: 20,
            ..Config::defaults()
        };
        let now = Instant::now();
        let mut limiter = MessageLimiter::new(&config, now);
        let verdicts: Vec<Verdict> = (0..40).map(|_| limiter.check(true, now)).collect();
        assert!(verdicts[..10].iter().all(|v| *v == Verdict::Accept));
        assert_eq!(verdicts[10], Verdict::Drop { warn: true });
        assert!(verdicts[11..30]
            .iter()
            .all(|v| *v == Verdict::Drop { warn: false }));
        assert_eq!(verdicts[30], Verdict::Disconnect);
        // Other messages have a budget of their own.
        let mut limiter = MessageLimiter::new(&config, now);
        for _ in 0..10 {
            assert_eq!(limiter.check(true, now), Verdict::Accept);
        }
        assert_eq!(limiter.check(false, now), Verdict::Accept);
    }

    #[test]
    fn rooms_stop_at_the_maximum_and_the_rate() {
        let config = Config {
            max_rooms: 3,
            rooms_per_second: 1,
            ..Config::defaults()
        };
        let limits = Limits::new(&config);
        assert_eq!(
            limits.create_room(|| 3, || ()),
            Err(RoomRefusal::ServerFull { max_rooms: 3 })
        );
        assert_eq!(limits.create_room(|| 0, || 1), Ok(1));
        assert_eq!(limits.create_room(|| 1, || 2), Ok(2));
        assert_eq!(limits.create_room(|| 2, || 3), Err(RoomRefusal::TooFast));
    }

    #[test]
    fn addresses_have_buckets_of_their_own() {
        let per_address = PerAddress::new(2, Duration::from_secs(10));
        let now = Instant::now();
        assert!(per_address.try_take(ip(1), now));
        assert!(per_address.try_take(ip(1), now));
        assert!(!per_address.has_token(ip(1), now));
        assert!(!per_address.try_take(ip(1), now));
        assert!(
            per_address.has_token(ip(2), now),
            "other addresses are apart"
        );
        assert!(per_address.has_token(ip(1), now + Duration::from_secs(10)));
    }

    #[test]
    fn players_stop_at_the_maximum_unless_resuming() {
        let limits = Arc::new(Limits::new(&Config {
            max_players: 1,
            ..Config::defaults()
        }));
        let first = limits.admit_player(false).expect("room for one");
        assert!(limits.admit_player(false).is_none());
        let resumed = limits
            .admit_player(true)
            .expect("a resumed player is let in");
        assert_eq!(limits.players(), 2);
        drop((first, resumed));
        assert_eq!(limits.players(), 0);
    }
}
