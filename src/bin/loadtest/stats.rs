//! Measurement helpers of the load tool: a lock-free latency histogram shared by all client
//! tasks, and readers of /proc for CPU time (of a process and of the whole machine, and their
//! use over a window), memory and the machine's description.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Linux reports process CPU time in USER_HZ ticks, which is 100 on every architecture the
/// kernel ships today (it is part of the user-space ABI, unlike the kernel's own HZ).
const USER_HZ: f64 = 100.0;

/// Values below this many microseconds get a bucket each.
const EXACT_BELOW: u64 = 128;
/// Sub-buckets per power of two above that: under 1.6 % relative error.
const SUB_BITS: u32 = 6;
const OCTAVES: usize = 64 - 7;
const BUCKETS: usize = EXACT_BELOW as usize + OCTAVES * (1 << SUB_BITS);

/// Latencies in microseconds, log-linear buckets, recorded from any thread.
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
}

impl Histogram {
    pub fn new() -> Histogram {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    pub fn record(&self, micros: u64) {
        self.buckets[bucket_of(micros)].fetch_add(1, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }

    /// The value (microseconds, bucket midpoint) below which `quantile` of the samples lie.
    pub fn quantile(&self, quantile: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((quantile * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Relaxed);
            if seen >= rank {
                return Some(bucket_midpoint(index));
            }
        }
        None
    }
}

fn bucket_of(micros: u64) -> usize {
    if micros < EXACT_BELOW {
        return micros as usize;
    }
    let octave = 63 - micros.leading_zeros();
    let sub = (micros >> (octave - SUB_BITS)) & ((1 << SUB_BITS) - 1);
    let index = EXACT_BELOW as usize + (octave as usize - 7) * (1 << SUB_BITS) + sub as usize;
    index.min(BUCKETS - 1)
}

fn bucket_midpoint(index: usize) -> f64 {
    if index < EXACT_BELOW as usize {
        return index as f64;
    }
    let above = index - EXACT_BELOW as usize;
    let octave = (above >> SUB_BITS) as u32 + 7;
    let sub = (above & ((1 << SUB_BITS) - 1)) as u64;
    let width = 1u64 << (octave - SUB_BITS);
    let low = (1u64 << octave) + sub * width;
    low as f64 + width as f64 / 2.0
}

/// A process's user plus system CPU time in seconds, all threads (`pid` "self" or a number).
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses; the fields follow the last ')'.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    // Counting from `state` (field 3 of proc(5)): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / USER_HZ)
}

/// The CPU time in seconds of the thread of process `pid` named `name` (as /proc has it),
/// from the scheduler's nanoseconds (`schedstat`): a thread that runs a millisecond now and
/// then is below the 10 ms clock tick of `stat`.
pub fn thread_cpu_seconds(pid: u32, name: &str) -> Option<f64> {
    let task = std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .find(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })?;
    let schedstat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
    let on_cpu_ns: u64 = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(on_cpu_ns as f64 / 1e9)
}

/// The CPU clocks a window is measured between: the server's (when its pid is known), this
/// tool's and the whole machine's busy time.
pub struct CpuClocks {
    at: std::time::Instant,
    server_s: Option<f64>,
    own_s: Option<f64>,
    machine_busy_s: Option<f64>,
}

/// CPU use over a window, in percent of one core.
pub struct CpuUse {
    pub seconds: f64,
    pub server_percent: Option<f64>,
    pub own_percent: Option<f64>,
    pub machine_busy_percent: Option<f64>,
}

impl CpuClocks {
    pub fn read(server_pid: Option<&str>) -> CpuClocks {
        CpuClocks {
            at: std::time::Instant::now(),
            server_s: server_pid.and_then(cpu_seconds),
            own_s: cpu_seconds("self"),
            machine_busy_s: machine_busy_seconds(),
        }
    }

    /// The CPU used from `before` to these clocks.
    pub fn since(&self, before: &CpuClocks) -> CpuUse {
        let seconds = (self.at - before.at).as_secs_f64();
        let percent = |now: Option<f64>, then: Option<f64>| Some((now? - then?) * 100.0 / seconds);
        CpuUse {
            seconds,
            server_percent: percent(self.server_s, before.server_s),
            own_percent: percent(self.own_s, before.own_s),
            machine_busy_percent: percent(self.machine_busy_s, before.machine_busy_s),
        }
    }
}

/// VmRSS and VmHWM of a process, in MiB.
pub fn memory_mb(pid: &str) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU seconds all CPUs of the machine spent busy (everything but idle and iowait) since
/// boot, from the first line of /proc/stat. Over a window, 100 % per fully busy core.
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    busy_seconds_of(stat.lines().next()?)
}

/// The busy time in the aggregate `cpu` line of /proc/stat: user, nice, system, irq, softirq
/// and steal (guest time is already counted in user and nice).
fn busy_seconds_of(cpu_line: &str) -> Option<f64> {
    let mut fields = cpu_line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let ticks: Vec<u64> = fields.map(|f| f.parse().ok()).collect::<Option<_>>()?;
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = ticks[..] else {
        return None;
    };
    Some((user + nice + system + irq + softirq + steal) as f64 / USER_HZ)
}

/// The machine: CPU model, logical cores, kernel.
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub kernel: String,
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".to_string(), |s| s.trim().to_string());
    Machine {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_close() {
        let mut last = 0;
        for micros in (0..2_000_000u64).step_by(97) {
            let bucket = bucket_of(micros);
            assert!(bucket >= last);
            last = bucket;
            let mid = bucket_midpoint(bucket);
            assert!((mid - micros as f64).abs() <= (micros as f64 * 0.016).max(0.5));
        }
    }

    #[test]
    fn quantiles_of_a_known_spread() {
        let histogram = Histogram::new();
        assert_eq!(histogram.quantile(0.5), None);
        for micros in 1..=1000 {
            histogram.record(micros * 100);
        }
        let p50 = histogram.quantile(0.5).expect("samples");
        let p99 = histogram.quantile(0.99).expect("samples");
        assert!((p50 - 50_000.0).abs() < 800.0, "{p50}");
        assert!((p99 - 99_000.0).abs() < 1600.0, "{p99}");
    }

    #[test]
    fn busy_time_leaves_out_idle_and_iowait() {
        let line = "cpu  100 20 30 5000 70 1 2 3 50 0";
        assert_eq!(busy_seconds_of(line), Some(1.56));
        assert_eq!(busy_seconds_of("cpu0 100 20 30 5000 70 1 2 3 0 0"), None);
        assert_eq!(busy_seconds_of("cpu  100 20"), None);
        assert!(machine_busy_seconds().is_some());
    }

    #[test]
    fn reads_its_own_process() {
        assert!(cpu_seconds("self").is_some());
        let (rss, peak) = memory_mb("self").expect("status");
        assert!(rss > 0.0 && peak >= rss);
    }
}
