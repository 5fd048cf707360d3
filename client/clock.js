// clock.js — the client's estimate of the server's tick clock, and the pacing of inputs by it.
//
// ServerClock: each snapshot of tick T arriving at local time t says the server's clock reads
// at least T·tickMs − t ahead of ours (delay only ever adds), so the best estimate is the
// largest of those offsets over the last couple of seconds (a min-filter on the delay),
// followed smoothly so that the drawn time never jumps. `tickAt(now)` is then the tick whose
// snapshot arrives at `now`: the newest tick plus the time since it, at the tick rate.
//
// InputPacer: the server consumes one buffered input per step, so the client sends exactly
// one input per tick of that clock, its seq stream kept a little ahead of the server's tick
// (the round trip plus a margin, so an input is there before the step that consumes it). A
// frame catches up at most a few steps; after a long gap (a background tab, a stalled page)
// it skips ahead instead of bursting, and the server's player stood still meanwhile; far
// ahead of the clock (it jumped back: another timeline), it starts again from it.
//
// Owns: time arithmetic only. Must not: touch the socket, the DOM or the room state; every
// method takes the current time (ms) so that tests can drive it.

/** How long a delay sample counts towards the min-filter. */
const CLOCK_WINDOW_MS = 2000;
/** The share of the distance to the filtered offset covered per snapshot. */
const CLOCK_FOLLOW = 0.2;
/** An offset farther than this from the estimate is another timeline: start again. */
const CLOCK_RESET_MS = 1000;

/** The most inputs one frame sends to catch up with the clock. */
export const MAX_CATCH_UP_STEPS = 3;
/** Further behind than this many steps, the pacer skips ahead instead of catching up. */
export const SKIP_AFTER_STEPS = 8;
/** Inputs sent ahead of the server's tick beyond the round trip, against jitter. */
const LEAD_MARGIN_TICKS = 1;
/** The share of the distance to the wanted lead covered per frame: the RTT estimate wobbles. */
const LEAD_FOLLOW = 0.05;

export class ServerClock {
  constructor(tickRate) {
    this.tickMs = 1000 / tickRate;
    this.reset();
  }

  reset() {
    this.samples = [];
    this.offsetMs = null;
  }

  /** A snapshot of `tick` arrived at `now`. */
  observe(tick, now) {
    const offset = tick * this.tickMs - now;
    this.samples.push({ at: now, offset });
    while (this.samples[0].at < now - CLOCK_WINDOW_MS) this.samples.shift();
    const best = Math.max(...this.samples.map((s) => s.offset));
    if (this.offsetMs === null || Math.abs(best - this.offsetMs) > CLOCK_RESET_MS) {
      this.samples = [{ at: now, offset }];
      this.offsetMs = offset;
    } else {
      this.offsetMs += (best - this.offsetMs) * CLOCK_FOLLOW;
    }
  }

  known() {
    return this.offsetMs !== null;
  }

  /** The tick (a fraction) whose snapshot arrives at `now`; null before any snapshot. */
  tickAt(now) {
    return this.offsetMs === null ? null : (now + this.offsetMs) / this.tickMs;
  }
}

export class InputPacer {
  constructor(tickRate) {
    this.tickMs = 1000 / tickRate;
    /** The clock tick the last input sent was meant for; null before the first. */
    this.sentThrough = null;
    this.leadTicks = null;
    this.skipped = 0;
  }

  /** The tick the seq stream should have reached at clock tick `arrivalTick`. */
  target(arrivalTick, rttMs) {
    const wanted = (rttMs ?? 2 * this.tickMs) / this.tickMs + LEAD_MARGIN_TICKS;
    this.leadTicks = this.leadTicks === null ? wanted : this.leadTicks + (wanted - this.leadTicks) * LEAD_FOLLOW;
    return Math.floor(arrivalTick + this.leadTicks);
  }

  /**
   * How many inputs to send now, given the clock tick of the newest snapshot that arrives now
   * (ServerClock.tickAt) and the round trip; counts them as sent.
   */
  due(arrivalTick, rttMs) {
    const target = this.target(arrivalTick, rttMs);
    if (this.sentThrough === null) this.sentThrough = target - 1;
    let count = target - this.sentThrough;
    if (count > SKIP_AFTER_STEPS) {
      this.skipped += count - 1;
      this.sentThrough = target - 1;
      count = 1;
    } else if (count < -SKIP_AFTER_STEPS) {
      this.sentThrough = target - 1;
      count = 1;
    }
    count = Math.min(Math.max(count, 0), MAX_CATCH_UP_STEPS);
    this.sentThrough += count;
    return count;
  }

  /**
   * Sends the next step's input now rather than on its tick (a shot pressed between two
   * ticks shows at once); the step after it comes on its own tick, so the rate stays one a
   * tick. False when the stream is already a step ahead.
   */
  early(arrivalTick, rttMs) {
    const target = this.target(arrivalTick, rttMs);
    if (this.sentThrough === null || this.sentThrough > target) return false;
    this.sentThrough += 1;
    return true;
  }
}
