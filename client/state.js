// state.js — what the client knows about the room it is in, and the netcode that turns the
// server's snapshots into something smooth to draw:
// - the state rebuilt from the delta snapshots (delta.js), and a buffer of those states with
//   the estimate of the server's tick clock (clock.js), so that remote players are drawn
//   interpolated ~100 ms in the past (more when snapshots come slower or less regularly), and
//   bullets where their straight flight puts them at that same moment;
// - the pacing of inputs, one per server step (clock.js), each carrying the tick the remote
//   players are drawn at (render_tick, for the server's lag compensation);
// - the own player predicted from its inputs and reconciled with each snapshot
//   (prediction.js), and its shots drawn at once (shots.js): both in the predicted present;
// - the roster, kills and deaths, the kill feed, chat lines and respawn times.
//
// Owns: room state and its time arithmetic. Must not: touch the DOM, the canvas or the socket;
// every function takes the current time (ms) as an argument so that tests can drive it. A
// snapshot that does not fit the state throws (delta.js's ProtocolError); the caller ends the
// connection, since every later delta would build on it.

import { applySnapshot, bulletPosition } from "./delta.js";
import { dequantizeAngle, dequantizePosition, PLAYER_ALIVE } from "./protocol.js";
import { InputPacer, ServerClock } from "./clock.js";
import { Prediction } from "./prediction.js";
import { OwnShots } from "./shots.js";

/** The least time the view is drawn behind the newest snapshot. */
export const MIN_INTERPOLATION_DELAY_MS = 100;
const MAX_INTERPOLATION_DELAY_MS = 400;
const SNAPSHOT_BUFFER_LIMIT = 64;
const KILL_FEED_MS = 6000;
const KILL_FEED_LIMIT = 5;
const CHAT_LIMIT = 50;

export class RoomState {
  /** @param joined the `Joined` message; @param tickRate from `Welcome`; @param now ms. */
  constructor(joined, tickRate, now) {
    this.room = joined.room;
    this.code = joined.code;
    this.you = joined.you;
    this.setup = joined.setup;
    this.tickRate = tickRate;
    this.tickMs = 1000 / tickRate;
    this.roster = new Map();
    for (const entry of joined.roster) this.roster.set(entry.slot, { ...entry });

    /** The state after the last snapshot (delta.js), the baseline of the next one. */
    this.received = null;
    /** Drawable states, oldest first: { tick, players (world units), bullets (delta.js's) }. */
    this.snapshots = [];
    this.latestTick = joined.tick;
    this.clock = new ServerClock(tickRate);
    this.pacer = new InputPacer(tickRate);
    this.snapshotIntervalMs = this.tickMs;
    this.snapshotJitterMs = 0;
    this.lastSnapshotAt = null;

    this.prediction = new Prediction(joined.setup, tickRate, now);
    this.shots = new OwnShots(joined.setup);

    this.respawnTicks = new Map();
    this.killFeed = [];
    this.chat = [];
    /** Counts every chat line ever added, so the page redraws the log only when it changed. */
    this.chatSerial = 0;
    this.stats = {
      snapshotsReceived: 0,
      inputsSent: 0,
      shotsSent: 0,
      ownBulletsSeen: 0,
      lastAck: 0,
      lastSeq: 0,
    };
    /** Every other player seen in a snapshot: slot -> name (kept after they leave). */
    this.peersSeen = new Map();
  }

  nameOf(slot) {
    return this.roster.get(slot)?.name ?? `player ${slot}`;
  }

  playerJoined(entry) {
    this.roster.set(entry.slot, { ...entry });
  }

  playerLeft(slot) {
    this.roster.delete(slot);
    this.respawnTicks.delete(slot);
  }

  kill(msg, now) {
    const killer = this.roster.get(msg.killer);
    const victim = this.roster.get(msg.victim);
    if (killer && msg.killer !== msg.victim) killer.kills += 1;
    if (victim) victim.deaths += 1;
    this.respawnTicks.set(msg.victim, msg.respawn_tick);
    this.killFeed.push({
      killer: this.nameOf(msg.killer),
      victim: this.nameOf(msg.victim),
      byYou: msg.killer === this.you,
      ofYou: msg.victim === this.you,
      at: now,
    });
    if (this.killFeed.length > KILL_FEED_LIMIT) this.killFeed.shift();
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

  recentKills(now) {
    return this.killFeed.filter((k) => now - k.at < KILL_FEED_MS);
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
   * `early`, whether one more goes out at once for a shot just pressed.
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

  /** The netcode's counters, for the page's debug state and the tests. */
  netStats() {
    return {
      ...this.stats,
      ...this.prediction.counters,
      ...this.shots.counters,
      inputsSkipped: this.pacer.skipped,
    };
  }

  /** Whole seconds (rounded up) until `slot` respawns, or null if it is not waiting. */
  respawnSecondsLeft(slot, now) {
    const tick = this.respawnTicks.get(slot);
    if (tick === undefined) return null;
    const ticksLeft = tick - this.serverTickAt(now);
    return Math.max(0, Math.ceil(ticksLeft / this.tickRate));
  }

  /**
   * Applies a Snapshot to the state of the previous one and buffers the result for drawing.
   * Throws a ProtocolError, and changes nothing, when the snapshot does not fit that state.
   */
  snapshot(msg, now) {
    const previous = this.received;
    const state = applySnapshot(previous, msg);
    this.received = state;
    this.stats.snapshotsReceived += 1;
    for (const b of msg.added_bullets) {
      // A full snapshot repeats the bullets already in flight; they were counted when added.
      const repeated = msg.baseline_age === 0 && previous?.bullets.has(b.id);
      if (b.owner === this.you && !repeated) {
        this.stats.ownBulletsSeen += 1;
        this.shots.serverFired(b);
      }
    }
    this.shots.serverRemoved(msg.removed_bullets);

    const newest = this.snapshots.at(-1);
    if (newest && msg.tick <= newest.tick) {
      // Only a full snapshot from a restarted room clock (or a u32 tick wrapping around) gets
      // here: what is buffered belongs to another timeline, and so does the clock estimate.
      this.snapshots = [];
      this.clock.reset();
      this.lastSnapshotAt = null;
    }
    this.measureTiming(msg.tick, now);
    this.latestTick = msg.tick;

    const players = new Map();
    for (const [slot, p] of state.players) {
      const alive = (p.flags & PLAYER_ALIVE) !== 0;
      players.set(slot, {
        slot,
        x: dequantizePosition(p.x),
        y: dequantizePosition(p.y),
        aim: dequantizeAngle(p.aim),
        hp: p.hp,
        alive,
      });
      if (slot !== this.you) this.peersSeen.set(slot, this.nameOf(slot));
      if (alive) this.respawnTicks.delete(slot);
    }
    this.snapshots.push({ tick: msg.tick, players, bullets: state.bullets });
    if (this.snapshots.length > SNAPSHOT_BUFFER_LIMIT) this.snapshots.shift();

    const own = players.get(this.you);
    if (own) this.reconcile(own, msg.ack, msg.tick, now);
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

  /**
   * Records an input the client is sending now: its step predicted at once, and a shot drawn
   * at once when the predicted cooldown and aliveness allow (`press`: the click or key press
   * behind it, if any, as shots.js takes it).
   */
  localInput(input, press, now) {
    this.stats.inputsSent += 1;
    this.stats.lastSeq = input.seq;
    if (input.fire) this.stats.shotsSent += 1;
    this.prediction.input(input.seq, input.movement, now);
    this.shots.input(input.fire, this.prediction.present, input.aim, press, now);
  }

  /** `ack`: the last of the own inputs the server had consumed at the snapshot of `tick`. */
  reconcile(own, ack, tick, now) {
    this.stats.lastAck = ack;
    const wasAlive = this.prediction.alive;
    this.prediction.reconcile(own, ack, tick, now);
    if (own.alive && !wasAlive) this.shots.respawned();
  }

  /** Where the own player is drawn: the predicted present, or null while it is not alive. */
  displayedOwnPosition(now) {
    return this.prediction.displayed(now);
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

  /**
   * Everything to draw at time `now`: players (remote ones interpolated, the own one
   * predicted) and bullets (on their flight path at the render tick).
   */
  view(now, ownAim, rttMs = null, frame = 0) {
    const renderTick = this.renderTickAt(now);
    const span = this.bracket(renderTick);
    const players = [];
    const bullets = [];
    const flashes = [];
    if (span === null) return { players, bullets, flashes, renderTick };
    // Farther than a player can run between the two snapshots: a respawn, drawn as a jump.
    const ticks = Math.max(span.to.tick - span.from.tick, 1);
    const maxDistance = (this.setup.player_speed / this.tickRate) * ticks * 1.5 + 1;
    for (const [slot, to] of span.to.players) {
      if (slot === this.you) continue;
      const from = span.from.players.get(slot) ?? to;
      const jumped = Math.hypot(to.x - from.x, to.y - from.y) > maxDistance;
      let drawn;
      if (jumped || from.alive !== to.alive) {
        drawn = span.t < 0.5 ? from : to;
      } else {
        drawn = {
          x: from.x + (to.x - from.x) * span.t,
          y: from.y + (to.y - from.y) * span.t,
          aim: lerpAngle(from.aim, to.aim, span.t),
          alive: to.alive,
        };
      }
      players.push({
        slot,
        name: this.nameOf(slot),
        x: drawn.x,
        y: drawn.y,
        aim: drawn.aim,
        hp: to.hp,
        alive: drawn.alive,
        isYou: false,
      });
    }
    // The own player is drawn from the newest snapshot and the prediction, never from the past.
    const own = this.snapshots.at(-1).players.get(this.you);
    if (own) {
      const shown = (own.alive && this.displayedOwnPosition(now)) || own;
      players.push({
        slot: this.you,
        name: this.nameOf(this.you),
        x: shown.x,
        y: shown.y,
        aim: ownAim ?? own.aim,
        hp: own.hp,
        alive: own.alive,
        isYou: true,
      });
    }
    // A bullet the newer snapshot removed flies on until that snapshot's tick; one it added
    // appears at its own first tick.
    // Own bullets linked to predicted ones are drawn in the predicted present, below.
    const inFlight = new Map(span.to.bullets);
    if (renderTick < span.to.tick) {
      for (const [id, bullet] of span.from.bullets) if (!inFlight.has(id)) inFlight.set(id, bullet);
    }
    const linked = this.shots.linkedIds();
    for (const [id, bullet] of inFlight) {
      if (bullet.since > renderTick || linked.has(id)) continue;
      const at = bulletPosition(bullet, renderTick, this.setup.bullet_speed, this.tickRate);
      bullets.push({ owner: bullet.owner, x: at.x, y: at.y });
    }
    const others = players.filter((p) => !p.isYou && p.alive);
    const shots = this.shots.view(now, frame, others, rttMs);
    for (const at of shots.bullets) bullets.push({ owner: this.you, x: at.x, y: at.y });
    for (const flash of shots.flashes) flashes.push({ ...flash, owner: this.you });
    return { players, bullets, flashes, renderTick };
  }
}

function lerpAngle(a, b, t) {
  let delta = (b - a) % (2 * Math.PI);
  if (delta > Math.PI) delta -= 2 * Math.PI;
  if (delta < -Math.PI) delta += 2 * Math.PI;
  return a + delta * t;
}
