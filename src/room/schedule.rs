//! The fixed-tick schedule: when each tick is due and how many steps a late wake-up runs.
//!
//! Tick k is due at `start + k * period`, computed from `start` every time, so the schedule never
//! drifts however late single wake-ups are. A wake-up that finds several ticks due runs at most
//! `MAX_CATCH_UP` of them and drops the rest; every tick run or dropped late counts as an overrun.
//! Rooms on one thread tick at phases of their own (`phased_start`), so that they do not all
//! wake at the same instant and queue behind each other.
//! Pure arithmetic on `Instant`s: no timers, so tests step time by hand.

use std::time::{Duration, Instant};

/// At most this many steps run back to back after a stall; older ticks are dropped rather than
/// burst through, so a stalled room recovers at once instead of spinning.
pub const MAX_CATCH_UP: u64 = 3;

#[derive(Debug, Clone)]
pub struct TickSchedule {
    start: Instant,
    tick_rate: u64,
    /// The index of the first tick not yet run or dropped.
    next: u64,
    overruns: u64,
}

/// What a wake-up should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Steps to run now (0 when woken early).
    pub steps: u64,
    /// Ticks given up on because they were more than `MAX_CATCH_UP` behind.
    pub dropped: u64,
}

impl TickSchedule {
    /// A schedule whose tick 1 is due one period after `start`.
    pub fn new(start: Instant, tick_rate: u16) -> TickSchedule {
        TickSchedule {
            start,
            tick_rate: u64::from(tick_rate.max(1)),
            next: 1,
            overruns: 0,
        }
    }

    /// When tick `k` is due: computed from the start, so rounding never accumulates (rounded up to
    /// the nanosecond, so that a wake-up at `due_at(k)` finds tick k due).
    pub fn due_at(&self, k: u64) -> Instant {
        let nanos = (u128::from(k) * 1_000_000_000).div_ceil(u128::from(self.tick_rate));
        self.start + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// When the next wake-up should happen.
    pub fn next_deadline(&self) -> Instant {
        self.due_at(self.next)
    }

    /// Ticks run late or dropped so far.
    pub fn overruns(&self) -> u64 {
        self.overruns
    }

    /// Takes the ticks due at `now` off the schedule.
    pub fn take_due(&mut self, now: Instant) -> Due {
        let elapsed = now.saturating_duration_since(self.start).as_nanos();
        let latest_due =
            u64::try_from(elapsed * u128::from(self.tick_rate) / 1_000_000_000).unwrap_or(u64::MAX);
        if latest_due < self.next {
            return Due {
                steps: 0,
                dropped: 0,
            };
        }
        let behind = latest_due - self.next + 1;
        let steps = behind.min(MAX_CATCH_UP);
        let dropped = behind - steps;
        // A wake-up that finds one tick due is on time; every tick beyond it was late.
        self.overruns += behind - 1;
        self.next = latest_due + 1;
        Due { steps, dropped }
    }
}

/// The start of a tick grid at or after `now` whose phase (its offset from `epoch`, modulo the
/// period) is the `nth` point of the golden-ratio sequence: however many rooms a thread gets
/// and whenever they are made, consecutive ones tick far apart. (A quick-join ramp makes rooms
/// every few periods exactly, so starting each grid at its creation put them all in step.)
pub fn phased_start(epoch: Instant, now: Instant, tick_rate: u16, nth: u64) -> Instant {
    const GOLDEN_FRACTION: f64 = 0.618_033_988_749_895;
    let period = 1_000_000_000u128 / u128::from(tick_rate.max(1));
    let phase = ((nth as f64 * GOLDEN_FRACTION).fract() * period as f64) as u128;
    let since_epoch = now.saturating_duration_since(epoch).as_nanos();
    let periods = since_epoch.saturating_sub(phase).div_ceil(period);
    let offset = phase + periods * period;
    epoch + Duration::from_nanos(u64::try_from(offset).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phased_starts_are_on_their_grid_soon_after_now_and_far_apart() {
        let epoch = Instant::now();
        let period = Duration::from_nanos(1_000_000_000 / 30);
        let now = epoch + Duration::from_millis(1234);
        let mut phases = Vec::new();
        for nth in 0..8 {
            let start = phased_start(epoch, now, 30, nth);
            assert!(
                start >= now && start < now + period,
                "room {nth}: {start:?}"
            );
            phases.push((start - epoch).as_nanos() % period.as_nanos());
            let later = phased_start(epoch, now + Duration::from_millis(777), 30, nth);
            assert_eq!(
                (later - epoch).as_nanos() % period.as_nanos(),
                phases[nth as usize],
                "the phase depends on the room, not on when it is made"
            );
        }
        phases.sort_unstable();
        let closest = phases.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(0);
        assert!(
            closest >= period.as_nanos() / 16,
            "8 rooms spread over the period: {phases:?}"
        );
    }

    #[test]
    fn ten_thousand_punctual_ticks_do_not_drift() {
        let start = Instant::now();
        let mut schedule = TickSchedule::new(start, 30);
        let mut steps = 0;
        for _ in 0..10_000 {
            // Wake exactly at the deadline each time, as a perfect timer would.
            let now = schedule.next_deadline();
            steps += schedule.take_due(now).steps;
        }
        assert_eq!(steps, 10_000);
        assert_eq!(schedule.overruns(), 0);
        // 10,000 ticks at 30 Hz end exactly 333.333… s after the start, to the nanosecond.
        let expected = start + Duration::from_nanos((10_000 * 1_000_000_000u64).div_ceil(30));
        assert_eq!(schedule.due_at(10_000), expected);
        assert_eq!(schedule.next_deadline(), schedule.due_at(10_001));
    }

    #[test]
    fn late_wake_ups_keep_the_original_grid() {
        let start = Instant::now();
        let mut schedule = TickSchedule::new(start, 30);
        let mut steps = 0;
        for k in 1..=10_000u64 {
            // Every wake-up is 20 ms late (under one period): each still runs exactly one tick
            // and the next deadline stays on the grid instead of sliding by 20 ms each time.
            let now = schedule.due_at(k) + Duration::from_millis(20);
            steps += schedule.take_due(now).steps;
            assert_eq!(schedule.next_deadline(), schedule.due_at(k + 1));
        }
        assert_eq!(steps, 10_000);
        assert_eq!(schedule.overruns(), 0);
    }

    #[test]
    fn an_early_wake_up_runs_nothing() {
        let start = Instant::now();
        let mut schedule = TickSchedule::new(start, 30);
        let due = schedule.take_due(start + Duration::from_millis(10));
        assert_eq!(
            due,
            Due {
                steps: 0,
                dropped: 0
            }
        );
        assert_eq!(schedule.next_deadline(), schedule.due_at(1));
    }

    #[test]
    fn catch_up_after_a_stall_is_bounded_and_counted() {
        let start = Instant::now();
        let mut schedule = TickSchedule::new(start, 30);
        // Woken one second late: 30 ticks are due, only MAX_CATCH_UP run.
        let due = schedule.take_due(schedule.due_at(30));
        assert_eq!(due.steps, MAX_CATCH_UP);
        assert_eq!(due.dropped, 30 - MAX_CATCH_UP);
        assert_eq!(schedule.overruns(), 29);
        // After the stall the schedule is back on its grid.
        assert_eq!(schedule.next_deadline(), schedule.due_at(31));
        assert_eq!(schedule.take_due(schedule.due_at(31)).steps, 1);
        assert_eq!(schedule.overruns(), 29);
    }

    #[test]
    fn two_ticks_due_run_both() {
        let start = Instant::now();
        let mut schedule = TickSchedule::new(start, 30);
        let due = schedule.take_due(schedule.due_at(2) + Duration::from_millis(1));
        assert_eq!(
            due,
            Due {
                steps: 2,
                dropped: 0
            }
        );
        assert_eq!(schedule.overruns(), 1);
    }
}
