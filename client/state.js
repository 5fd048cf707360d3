// state.js — what the client knows about the room it is in, and the netcode that turns the
// server's snapshots into something smooth to draw:
// - the state rebuilt from the delta snapshots (delta.js), and a buffer of those states with a
//   clock estimate of the server's tick, so that remote players are drawn interpolated ~100 ms
//   in the past (more when snapshots come slower or less regularly), and bullets where their
//   straight flight puts them at that same moment;
// - prediction of the own player from local inputs (movement.js), reconciled with each
//   snapshot by replaying the inputs the server has not acknowledged yet, with the visual
//   error of a correction smoothed away instead of snapped;
// - the roster, kills and deaths, the kill feed, chat lines and respawn times.
//
// Owns: room state and its time arithmetic. Must not: touch the DOM, the canvas or the socket;
// every function takes the current time (ms) as an argument so that tests can drive it. A
// snapshot that does not fit the state throws (delta.js's ProtocolError); the caller ends the
// connection, since every later delta would build on it.

import { applySnapshot, bulletPosition } from "./delta.js";
import { dequantizeAngle, dequantizePosition, PLAYER_ALIVE } from "./protocol.js";
import { stepMovement } from "./movement.js";

/** The least time the view is drawn behind the newest snapshot. */
export const MIN_INTERPOLATION_DELAY_MS = 100;
const MAX_INTERPOLATION_DELAY_MS = 400;
const SNAPSHOT_BUFFER_LIMIT = 64;
/** A prediction error smaller than this fades out; a larger one (a respawn) snaps. */
const SNAP_DISTANCE = 48;
/** How fast a smoothed correction fades: the remaining error halves every this many ms. */
const CORRECTION_HALF_LIFE_MS = 60;
const QUANTIZATION_SLACK = 0.1;
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
    this.clockOffsetMs = null;
    this.snapshotIntervalMs = this.tickMs;
    this.snapshotJitterMs = 0;
    this.lastSnapshotAt = null;

    this.pendingInputs = [];
    this.predicted = null;
    this.previousPredicted = null;
    this.lastStepAt = now;
    this.correction = { x: 0, y: 0 };
    this.correctionAt = now;
    this.ownAlive = false;
    this.ownHp = joined.setup.max_hp;

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
      corrections: 0,
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

  /** Snapshots per second as measured, and the current interpolation delay. */
  snapshotRate() {
    return 1000 / this.snapshotIntervalMs;
  }

  interpolationDelayMs() {
    const wanted = 2 * this.snapshotIntervalMs + 2 * this.snapshotJitterMs;
    return Math.min(Math.max(MIN_INTERPOLATION_DELAY_MS, wanted), MAX_INTERPOLATION_DELAY_MS);
  }

  /** The server tick that is happening now, as a fraction, by the clock estimate. */
  serverTickAt(now) {
    if (this.clockOffsetMs === null) return this.latestTick;
    return (now + this.clockOffsetMs) / this.tickMs;
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
      if (b.owner === this.you && !repeated) this.stats.ownBulletsSeen += 1;
    }

    const newest = this.snapshots.at(-1);
    if (newest && msg.tick <= newest.tick) {
      // Only a full snapshot from a restarted room clock (or a u32 tick wrapping around) gets
      // here: what is buffered belongs to another timeline, and so does the clock estimate.
      this.snapshots = [];
      this.clockOffsetMs = null;
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
    if (own) this.reconcile(own, msg.ack, now);
  }

  measureTiming(tick, now) {
    const offset = tick * this.tickMs - now;
    if (this.clockOffsetMs === null) {
      this.clockOffsetMs = offset;
    } else if (offset > this.clockOffsetMs) {
      // A snapshot that came earlier than expected shows the true offset more closely than
      // the late ones (delay only ever adds), so follow it quickly.
      this.clockOffsetMs += (offset - this.clockOffsetMs) * 0.5;
    } else {
      this.clockOffsetMs += (offset - this.clockOffsetMs) * 0.05;
    }
    if (this.lastSnapshotAt !== null) {
      const interval = now - this.lastSnapshotAt;
      const deviation = Math.abs(interval - this.snapshotIntervalMs);
      this.snapshotIntervalMs += (interval - this.snapshotIntervalMs) * 0.1;
      this.snapshotJitterMs += (deviation - this.snapshotJitterMs) * 0.1;
    }
    this.lastSnapshotAt = now;
  }

  /** Records an input the client is sending now and predicts its movement at once. */
  localInput(input, now) {
    this.stats.inputsSent += 1;
    if (input.fire) this.stats.shotsSent += 1;
    if (!this.ownAlive || this.predicted === null) return;
    this.pendingInputs.push({ seq: input.seq, movement: input.movement });
    const shown = this.displayedOwnPosition(now);
    this.previousPredicted = { x: shown.x - this.correction.x, y: shown.y - this.correction.y };
    this.predicted = stepMovement(this.predicted, input.movement, 1 / this.tickRate, this.setup);
    this.lastStepAt = now;
  }

  /** `ack`: the last of the own inputs the server had applied at this snapshot. */
  reconcile(own, ack, now) {
    this.stats.lastAck = ack;
    this.ownHp = own.hp;
    const wasAlive = this.ownAlive;
    this.ownAlive = own.alive;
    this.pendingInputs = this.pendingInputs.filter((input) => input.seq > ack);
    if (!own.alive) {
      this.pendingInputs = [];
      this.predicted = { x: own.x, y: own.y };
      this.previousPredicted = this.predicted;
      this.correction = { x: 0, y: 0 };
      return;
    }
    let replayed = { x: own.x, y: own.y };
    const dt = 1 / this.tickRate;
    for (const input of this.pendingInputs) {
      replayed = stepMovement(replayed, input.movement, dt, this.setup);
    }
    if (this.predicted === null || !wasAlive) {
      this.predicted = replayed;
      this.previousPredicted = replayed;
      this.correction = { x: 0, y: 0 };
      return;
    }
    const errorX = this.predicted.x - replayed.x;
    const errorY = this.predicted.y - replayed.y;
    if (errorX === 0 && errorY === 0) return;
    // Positions travel in 1/16 units; a difference below that is rounding, not a misprediction.
    if (Math.hypot(errorX, errorY) > QUANTIZATION_SLACK) this.stats.corrections += 1;
    const current = this.currentCorrection(now);
    if (Math.hypot(errorX, errorY) > SNAP_DISTANCE) {
      this.correction = { x: 0, y: 0 };
      this.previousPredicted = replayed;
    } else {
      // Keep what is on screen where it is and let the difference fade out.
      this.correction = { x: current.x + errorX, y: current.y + errorY };
      this.previousPredicted = {
        x: this.previousPredicted.x - errorX,
        y: this.previousPredicted.y - errorY,
      };
    }
    this.correctionAt = now;
    this.predicted = replayed;
  }

  currentCorrection(now) {
    const fade = Math.pow(0.5, (now - this.correctionAt) / CORRECTION_HALF_LIFE_MS);
    return { x: this.correction.x * fade, y: this.correction.y * fade };
  }

  /** Where the own player is drawn: the prediction, smoothed between input steps. */
  displayedOwnPosition(now) {
    if (this.predicted === null) return null;
    const alpha = Math.min(Math.max((now - this.lastStepAt) / this.tickMs, 0), 1);
    const from = this.previousPredicted ?? this.predicted;
    const correction = this.currentCorrection(now);
    return {
      x: from.x + (this.predicted.x - from.x) * alpha + correction.x,
      y: from.y + (this.predicted.y - from.y) * alpha + correction.y,
    };
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
  view(now, ownAim) {
    const renderTick = this.serverTickAt(now) - this.interpolationDelayMs() / this.tickMs;
    const span = this.bracket(renderTick);
    const players = [];
    const bullets = [];
    if (span === null) return { players, bullets, renderTick };
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
    const inFlight = new Map(span.to.bullets);
    if (renderTick < span.to.tick) {
      for (const [id, bullet] of span.from.bullets) if (!inFlight.has(id)) inFlight.set(id, bullet);
    }
    for (const bullet of inFlight.values()) {
      if (bullet.since > renderTick) continue;
      const at = bulletPosition(bullet, renderTick, this.setup.bullet_speed, this.tickRate);
      bullets.push({ owner: bullet.owner, x: at.x, y: at.y });
    }
    return { players, bullets, renderTick };
  }
}

function lerpAngle(a, b, t) {
  let delta = (b - a) % (2 * Math.PI);
  if (delta > Math.PI) delta -= 2 * Math.PI;
  if (delta < -Math.PI) delta += 2 * Math.PI;
  return a + delta * t;
}
