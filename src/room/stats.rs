//! A room's own timing figures: how long its recent ticks took, the rate it actually achieved,
//! and its overruns. Written by the room once per tick, read by the stats endpoint; the lock is
//! held for a few nanoseconds on either side, never across anything slow.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Ticks remembered: 20 s at 30 Hz, the length of a benchmark's measured window.
const WINDOW_TICKS: usize = 600;

pub struct TickStats {
    started: Instant,
    inner: Mutex<Window>,
}

struct Window {
    /// (when the tick ended, how long it took), oldest first once full.
    ticks: Vec<(Instant, Duration)>,
    next: usize,
    total_ticks: u64,
    overruns: u64,
}

/// The figures of one room at one moment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TickReport {
    pub ticks: u64,
    pub overruns: u64,
    /// Ticks per second over the remembered window.
    pub tick_rate_hz: f64,
    pub tick_p50_ms: f64,
    pub tick_p99_ms: f64,
    pub uptime_s: f64,
}

impl TickStats {
    pub fn new(started: Instant) -> TickStats {
        TickStats {
            started,
            inner: Mutex::new(Window {
                ticks: Vec::with_capacity(WINDOW_TICKS),
                next: 0,
                total_ticks: 0,
                overruns: 0,
            }),
        }
    }

    /// Records one tick (all the steps of one wake-up, the encoding and the fan-out).
    pub fn record(&self, ended: Instant, took: Duration, steps: u64, overruns: u64) {
        let Ok(mut window) = self.inner.lock() else {
            return;
        };
        if window.ticks.len() < WINDOW_TICKS {
            window.ticks.push((ended, took));
        } else {
            let next = window.next;
            window.ticks[next] = (ended, took);
        }
        window.next = (window.next + 1) % WINDOW_TICKS;
        window.total_ticks += steps;
        window.overruns = overruns;
    }

    pub fn report(&self) -> TickReport {
        let uptime_s = self.started.elapsed().as_secs_f64();
        let Ok(window) = self.inner.lock() else {
            return TickReport {
                ticks: 0,
                overruns: 0,
                tick_rate_hz: 0.0,
                tick_p50_ms: 0.0,
                tick_p99_ms: 0.0,
                uptime_s,
            };
        };
        let mut durations: Vec<Duration> = window.ticks.iter().map(|&(_, took)| took).collect();
        durations.sort_unstable();
        let percentile = |p: f64| -> f64 {
            if durations.is_empty() {
                return 0.0;
            }
            let rank = ((durations.len() as f64 * p).ceil() as usize).clamp(1, durations.len());
            durations[rank - 1].as_secs_f64() * 1000.0
        };
        let first = window.ticks.iter().map(|&(at, _)| at).min();
        let last = window.ticks.iter().map(|&(at, _)| at).max();
        let tick_rate_hz = match (first, last) {
            (Some(first), Some(last)) if last > first => {
                (window.ticks.len() - 1) as f64 / (last - first).as_secs_f64()
            }
            _ => 0.0,
        };
        TickReport {
            ticks: window.total_ticks,
            overruns: window.overruns,
            tick_rate_hz,
            tick_p50_ms: percentile(0.50),
            tick_p99_ms: percentile(0.99),
            uptime_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_rate_come_from_the_window() {
        let start = Instant::now();
        let stats = TickStats::new(start);
        for k in 0..1000u64 {
            let ended = start + Duration::from_millis(10 * k);
            // 1% of ticks take 5 ms, the rest 1 ms.
            let took = Duration::from_millis(if k % 100 == 99 { 5 } else { 1 });
            stats.record(ended, took, 1, 0);
        }
        let report = stats.report();
        assert_eq!(report.ticks, 1000);
        assert!((report.tick_rate_hz - 100.0).abs() < 0.01, "{report:?}");
        assert_eq!(report.tick_p50_ms, 1.0);
        assert_eq!(report.tick_p99_ms, 1.0);
        stats.record(
            start + Duration::from_secs(11),
            Duration::from_millis(9),
            1,
            4,
        );
        let report = stats.report();
        assert_eq!(report.overruns, 4);
        assert_eq!(report.tick_p99_ms, 5.0);
    }

    #[test]
    fn an_empty_window_reports_zeros() {
        let report = TickStats::new(Instant::now()).report();
        assert_eq!(report.ticks, 0);
        assert_eq!(report.tick_rate_hz, 0.0);
        assert_eq!(report.tick_p99_ms, 0.0);
    }
}
