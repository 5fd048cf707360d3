// games/arena/state.js — the arena room as the client knows it, on the shared room state
// (room.js: roster, chat, feed, snapshot timing and input pacing):
// - the state rebuilt from the delta snapshots (delta.js), buffered so that remote players
//   are drawn interpolated in the past, and bullets where their straight flight puts them at
//   that same moment;
// - the own player predicted from its inputs and reconciled with each snapshot
//   (prediction.js), and its shots drawn at once (shots.js): both in the predicted present;
// - kills and deaths (RosterEntry.score [kills, deaths]), the kill feed and respawn times.
//
// Owns: the arena's room state and its time arithmetic. Must not: touch the DOM, the canvas or
// the socket; every function takes the current time (ms) as an argument so that tests can
// drive it. A snapshot that does not fit the state throws (delta.js's ProtocolError); the
// caller ends the connection, since every later delta would build on it.

import { applySnapshot, bulletPosition } from "./delta.js";
import * as codec from "./codec.js";
import { dequantizeAngle, PLAYER_ALIVE, PLAYER_PROTECTED } from "./codec.js";
import { dequantizePosition } from "../../wire.js";
import { RoomBase } from "../../room.js";
import { Prediction } from "../../prediction.js";
import { OwnShots } from "./shots.js";

/** The arena's scoreboard numbers: RosterEntry.score is [kills, deaths]. */
export const KILLS = 0;
export const DEATHS = 1;

/** How an arena event moves the roster's scores on: a kill is one more of each. */
export function scoreEvent(roster, event) {
  const { killer, victim } = event.Kill;
  if (killer !== victim && roster.has(killer)) roster.get(killer).score[KILLS] += 1;
  if (roster.has(victim)) roster.get(victim).score[DEATHS] += 1;
}

export class RoomState extends RoomBase {
  /** @param joined the `Joined` message, setup decoded; @param tickRate from `Welcome`; @param now ms. */
  constructor(joined, tickRate, now) {
    super(joined, codec, tickRate, now);
    /** The state after the last snapshot (delta.js), the baseline of the next one. */
    this.received = null;
    this.prediction = new Prediction(joined.setup, tickRate, now);
    this.shots = new OwnShots(joined.setup);
    this.respawnTicks = new Map();
    /** The own player's last death: the killer's name, or null when it shot itself. */
    this.lastDeath = null;
    this.stats = {
      snapshotsReceived: 0,
      inputsSent: 0,
      shotsSent: 0,
      ownBulletsSeen: 0,
      lastAck: 0,
      lastSeq: 0,
    };
  }

  playerLeft(slot) {
    super.playerLeft(slot);
    this.respawnTicks.delete(slot);
  }

  /** A decoded arena event of `tick`. */
  event(event, tick, now) {
    this.kill({ tick, ...event.Kill }, now);
  }

  /** A Kill: the scores, the feed and the victim's respawn time. */
  kill(msg, now) {
    scoreEvent(this.roster, { Kill: msg });
    this.respawnTicks.set(msg.victim, msg.respawn_tick);
    const byYou = msg.killer === this.you;
    const ofYou = msg.victim === this.you;
    const [killerName, victimName] = [this.nameOf(msg.killer), this.nameOf(msg.victim)];
    if (ofYou) this.lastDeath = msg.killer === msg.victim ? null : killerName;
    const text = ofYou
      ? `You were shot by ${killerName}`
      : byYou
        ? `You shot ${victimName}`
        : `${victimName} shot by ${killerName}`;
    this.addFeed(text, byYou || ofYou, now);
  }

  /** The banner over the arena: the own player's death and respawn countdown, or null. */
  banner(now) {
    const seconds = this.respawnSecondsLeft(this.you, now);
    if (seconds === null) return null;
    const by = this.lastDeath === null ? "You were shot" : `Shot by ${this.lastDeath}`;
    return { title: by, detail: `respawn in ${seconds} s` };
  }

  /** Nothing to say about the match as a whole: an arena match runs on. */
  status() {
    return null;
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
    this.bufferSnapshot({ tick: msg.tick, players, bullets: state.bullets }, now);

    const own = players.get(this.you);
    if (own) this.reconcile(own, msg.ack, msg.tick, now);
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
    const maxDistance = this.maxRunDistance(this.setup.player_speed, span.to.tick - span.from.tick);
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

  /** The page's debug state of this room (main.js's window.skirmish.state()). */
  debug(now) {
    const own = this.prediction.present;
    const latest = this.snapshots.at(-1);
    const server = latest?.players.get(this.you) ?? null;
    const flags = this.received?.players.get(this.you)?.flags ?? null;
    return {
      position: own ? { x: own.x, y: own.y } : null,
      drawnPosition: this.displayedOwnPosition(now),
      serverPosition: server ? { x: server.x, y: server.y } : null,
      alive: server?.alive ?? null,
      hp: server?.hp ?? null,
      protected: flags === null ? null : (flags & PLAYER_PROTECTED) !== 0,
      respawnIn: this.respawnSecondsLeft(this.you, now),
      // The other players as the newest snapshot has them (world units).
      others: latest
        ? [...latest.players.values()]
            .filter((p) => p.slot !== this.you)
            .map((p) => ({ name: this.nameOf(p.slot), x: p.x, y: p.y, alive: p.alive, hp: p.hp }))
        : [],
    };
  }
}

function lerpAngle(a, b, t) {
  let delta = (b - a) % (2 * Math.PI);
  if (delta > Math.PI) delta -= 2 * Math.PI;
  if (delta < -Math.PI) delta += 2 * Math.PI;
  return a + delta * t;
}
