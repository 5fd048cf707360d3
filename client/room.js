// room.js — what every game's room state shares: the roster with its scores, chat lines and
// the event feed, and the netcode's timing, so that each game interpolates and paces the same
// way: a buffer of drawable states with the estimate of the server's tick clock (clock.js),
// the others drawn ~100 ms in the past (more when snapshots come slower or less regularly),
// and the inputs paced one per server step, each carrying the tick the others are drawn at.
//
// Owns: that shared state and its time arithmetic; turning an envelope's Snapshot and
// GameEvent into the game's own (its codec decodes the payload, the subclass applies it).
// Must not: know any game's rules or payloads, touch the DOM, the canvas or the socket; every
// function takes the current time (ms) as an argument so that tests can drive it.
//
// A game's room extends RoomBase and gives `snapshot(decoded, now)` (the header's tick, ack,
// baseline_age with the decoded body's fields) and `event(decoded, tick, now)`.

import { InputPacer, ServerClock } from "./clock.js";

/** The least time the view is drawn behind the newest snapshot. */
export const MIN_INTERPOLATION_DELAY_MS = 100;
const MAX_INTERPOLATION_DELAY_MS = 400;
const SNAPSHOT_BUFFER_LIMIT = 64;
const FEED_MS = 6000;
const FEED_LIMIT = 5;
const CHAT_LIMIT = 50;

export class RoomBase {
  /**
   * @param joined the `Joined` message (`you` null for a spectator) with its setup decoded;
   * @param codec the game's payload codec; @param tickRate from `Welcome`; @param now ms.
   */
  constructor(joined, codec, tickRate, now) {
    this.room = joined.room;
    this.code = joined.code;
    this.you = joined.you;
    this.setup = joined.setup;
    this.codec = codec;
    this.tickRate = tickRate;
    this.tickMs = 1000 / tickRate;
    this.roster = new Map();
    for (const entry of joined.roster) this.playerJoined(entry);

    /** Drawable states, oldest first, each with its `tick`; the game decides the rest. */
    this.snapshots = [];
    this.latestTick = joined.tick;
    this.clock = new ServerClock(tickRate);
    this.pacer = new InputPacer(tickRate);
    this.snapshotIntervalMs = this.tickMs;
    this.snapshotJitterMs = 0;
    this.lastSnapshotAt = null;

    /** What happened lately, for the feed: { text, mine, at }. */
    this.feed = [];
    this.chat = [];
    /** Counts every chat line ever added, so the page redraws the log only when it changed. */
    this.chatSerial = 0;
    /** Every other player seen in a snapshot: slot -> name (kept after they leave). */
    this.peersSeen = new Map();
  }

  nameOf(slot) {
    return this.roster.get(slot)?.name ?? `player ${slot}`;
  }

  playerJoined(entry) {
    this.roster.set(entry.slot, { ...entry, score: [...entry.score] });
  }

  playerLeft(slot) {
    this.roster.delete(slot);
  }

  /** An envelope Snapshot: its body decoded by the game's codec, then applied. */
  receiveSnapshot(msg, now) {
    const { tick, ack, baseline_age } = msg;
    this.snapshot({ tick, ack, baseline_age, ...this.codec.decodeSnapshot(msg.body) }, now);
  }

  /** An envelope GameEvent: decoded, applied, and returned for the game's effects. */
  receiveEvent(msg, now) {
    const event = this.codec.decodeEvent(msg.event);
    this.event(event, msg.tick, now);
    return event;
  }

  addFeed(text, mine, now) {
    this.feed.push({ text, mine, at: now });
    if (this.feed.length > FEED_LIMIT) this.feed.shift();
  }

  recentFeed(now) {
    return this.feed.filter((line) => now - line.at < FEED_MS);
  }

  addChat(msg) {
    this.addLine({ from: this.nameOf(msg.from), mine: msg.from === this.you, text: msg.text });
  }

  addSystemLine(text) {
    this.addLine({ from: null, mine: false, text });
  }

  addLine(line) {
    this.chat.push(line);
    this.chatSerial += 1;
    if (this.chat.length > CHAT_LIMIT) this.chat.shift();
  }

  /** How far behind the newest snapshot remote players are drawn. */
  interpolationDelayMs() {
    const wanted = 2 * this.snapshotIntervalMs + 2 * this.snapshotJitterMs;
    return Math.min(Math.max(MIN_INTERPOLATION_DELAY_MS, wanted), MAX_INTERPOLATION_DELAY_MS);
  }

  /** The tick whose snapshot arrives now, as a fraction, by the clock estimate. */
  serverTickAt(now) {
    return this.clock.tickAt(now) ?? this.latestTick;
  }

  /** The tick the remote players are drawn at (their interpolation time). */
  renderTickAt(now) {
    return this.serverTickAt(now) - this.interpolationDelayMs() / this.tickMs;
  }

  /**
   * How many inputs to send now (one per server step, paced by the clock estimate) and, with
   * `early`, whether one more goes out at once (the arena's shot just pressed).
   */
  inputsDue(now, rttMs, early) {
    const tick = this.clock.tickAt(now);
    if (tick === null) return 0;
    const count = this.pacer.due(tick, rttMs);
    if (count > 0 || !early) return count;
    return this.pacer.early(tick, rttMs) ? 1 : 0;
  }

  /** The render tick sent with an input: drawn time rounded, never past the newest snapshot. */
  inputRenderTick(now) {
    if (!this.clock.known()) return this.latestTick;
    return Math.max(0, Math.min(Math.round(this.renderTickAt(now)), this.latestTick));
  }

  /**
   * Buffers a drawable state (`{ tick, ... }`) of a snapshot that arrived at `now`, and
   * measures the snapshots' timing.
   */
  bufferSnapshot(drawable, now) {
    const newest = this.snapshots.at(-1);
    if (newest && drawable.tick <= newest.tick) {
      // Only a full snapshot from a restarted room clock (or a u32 tick wrapping around) gets
      // here: what is buffered belongs to another timeline, and so does the clock estimate.
      this.snapshots = [];
      this.clock.reset();
      this.lastSnapshotAt = null;
    }
    this.measureTiming(drawable.tick, now);
    this.latestTick = drawable.tick;
    this.snapshots.push(drawable);
    if (this.snapshots.length > SNAPSHOT_BUFFER_LIMIT) this.snapshots.shift();
  }

  measureTiming(tick, now) {
    this.clock.observe(tick, now);
    if (this.lastSnapshotAt !== null) {
      const interval = now - this.lastSnapshotAt;
      const deviation = Math.abs(interval - this.snapshotIntervalMs);
      this.snapshotIntervalMs += (interval - this.snapshotIntervalMs) * 0.1;
      this.snapshotJitterMs += (deviation - this.snapshotJitterMs) * 0.1;
    }
    this.lastSnapshotAt = now;
  }

  /** The two buffered snapshots around `renderTick` and how far between them it is. */
  bracket(renderTick) {
    const list = this.snapshots;
    if (list.length === 0) return null;
    if (renderTick <= list[0].tick) return { from: list[0], to: list[0], t: 0 };
    for (let i = list.length - 1; i > 0; i--) {
      const from = list[i - 1];
      const to = list[i];
      if (from.tick <= renderTick && renderTick <= to.tick) {
        return { from, to, t: (renderTick - from.tick) / (to.tick - from.tick) };
      }
    }
    const newest = list[list.length - 1];
    return { from: newest, to: newest, t: 0 };
  }

  /** The furthest a player can run between two snapshots `ticks` apart (farther: a jump). */
  maxRunDistance(speed, ticks) {
    return (speed / this.tickRate) * Math.max(ticks, 1) * 1.5 + 1;
  }
}
