// games/tag/state.js — the tag room as the client knows it, on the shared room state (room.js:
// roster, chat, feed, snapshot timing and input pacing):
// - the state rebuilt from the delta snapshots (delta.js), buffered so that the others are
//   drawn interpolated in the past, as in the arena;
// - the own player predicted with the arena's movement rule (prediction.js, movement.js) at
//   it_speed while it is it and standing still while frozen, reconciled with each snapshot;
// - the round: its phase and timer, who is it, and the scores (RosterEntry.score [points,
//   tags]), which every snapshot carries whole and events move on in between.
//
// Owns: the tag room's state and its time arithmetic. Must not: touch the DOM, the canvas or
// the socket; every function takes the current time (ms). A snapshot that does not fit the
// state throws (delta.js's ProtocolError); the caller ends the connection.

import { applySnapshot } from "./delta.js";
import * as codec from "./codec.js";
import {
  NO_SLOT,
  PHASE_INTERMISSION,
  PHASE_PLAYING,
  PLAYER_FROZEN,
  PLAYER_IMMUNE,
} from "./codec.js";
import { dequantizePosition } from "../../wire.js";
import { RoomBase } from "../../room.js";
import { Prediction } from "../../prediction.js";

/** Tag's scoreboard numbers: RosterEntry.score is [points, tags]. */
export const POINTS = 0;
export const TAGS = 1;

/** How a tag event moves the roster's scores on (the next snapshot carries them whole). */
export function scoreEvent(roster, event) {
  if ("Tagged" in event) {
    const tagger = roster.get(event.Tagged.tagger);
    if (tagger) tagger.score[TAGS] += 1;
  } else if ("RoundStarted" in event) {
    for (const entry of roster.values()) entry.score = [0, 0];
  }
}

export class TagRoom extends RoomBase {
  /** @param joined the `Joined` message, setup decoded; @param tickRate from `Welcome`; @param now ms. */
  constructor(joined, tickRate, now) {
    super(joined, codec, tickRate, now);
    /** The state after the last snapshot (delta.js), the baseline of the next one. */
    this.received = null;
    this.prediction = new Prediction(this.movementSetup(false), tickRate, now);
    /** The tick the own player may move again after being tagged, or null. */
    this.frozenUntil = null;
    /** Who tagged the own player last (null: nobody, "it" left). */
    this.taggedBy = null;
    /** The last round's winner's slot, for the intermission's text. */
    this.winner = NO_SLOT;
    this.stats = { snapshotsReceived: 0, inputsSent: 0, lastAck: 0, lastSeq: 0 };
  }

  /** The movement rule's world for a player that is (or is not) it: it runs at it_speed. */
  movementSetup(it) {
    const speed = it ? this.setup.it_speed : this.setup.player_speed;
    return { ...this.setup, player_speed: speed };
  }

  /** A decoded tag event of `tick`: the scores, the feed, and the own freeze. */
  event(event, tick, now) {
    scoreEvent(this.roster, event);
    if ("Tagged" in event) {
      const { tagger, tagged } = event.Tagged;
      const [taggerName, taggedName] = [this.nameOf(tagger), this.nameOf(tagged)];
      if (tagged === this.you) {
        this.frozenUntil = tick + this.setup.freeze_ticks;
        this.taggedBy = tagger === NO_SLOT ? null : taggerName;
      }
      const mine = tagger === this.you || tagged === this.you;
      if (tagger === NO_SLOT) {
        const who = tagged === this.you ? "you are" : `${taggedName} is`;
        this.addFeed(`It left: ${who} it now`, mine, now);
      } else if (tagger === this.you) {
        this.addFeed(`You tagged ${taggedName}`, mine, now);
      } else if (tagged === this.you) {
        this.addFeed(`${taggerName} tagged you: you are it`, mine, now);
      } else {
        this.addFeed(`${taggerName} tagged ${taggedName}`, mine, now);
      }
    } else if ("RoundStarted" in event) {
      const { it } = event.RoundStarted;
      const who = it === this.you ? "you are" : `${this.nameOf(it)} is`;
      this.addFeed(`Round started: ${who} it`, it === this.you, now);
    } else if ("RoundOver" in event) {
      const { winner } = event.RoundOver;
      this.winner = winner;
      const who = winner === this.you ? "You" : this.nameOf(winner);
      this.addFeed(winner === NO_SLOT ? "Round over" : `${who} won the round`, winner === this.you, now);
    }
  }

  /**
   * Applies a snapshot to the state of the previous one and buffers the result for drawing.
   * Throws a ProtocolError, and changes nothing, when the snapshot does not fit that state.
   */
  snapshot(msg, now) {
    const state = applySnapshot(this.received, msg);
    this.received = state;
    this.stats.snapshotsReceived += 1;
    const players = new Map();
    for (const [slot, p] of state.players) {
      players.set(slot, {
        slot,
        x: dequantizePosition(p.x),
        y: dequantizePosition(p.y),
        it: slot === state.it,
        frozen: (p.flags & PLAYER_FROZEN) !== 0,
        immune: (p.flags & PLAYER_IMMUNE) !== 0,
        points: p.points,
      });
      const entry = this.roster.get(slot);
      if (entry) entry.score = [p.points, p.tags];
      if (slot !== this.you) this.peersSeen.set(slot, this.nameOf(slot));
    }
    const { phase, phase_ends_tick, it } = state;
    this.bufferSnapshot({ tick: msg.tick, phase, phase_ends_tick, it, players }, now);

    const own = players.get(this.you);
    if (!own) return;
    if (!own.frozen) this.frozenUntil = null;
    this.stats.lastAck = msg.ack;
    // The inputs not yet acknowledged are replayed as the server will most likely take them:
    // at the speed the own player has now, and not at all while it is frozen (a freeze lasts
    // longer than a round trip).
    this.prediction.setup = this.movementSetup(own.it);
    if (own.frozen) this.prediction.holdStill();
    this.prediction.reconcile({ x: own.x, y: own.y, alive: true }, msg.ack, msg.tick, now);
  }

  /** The own player as the newest snapshot has it, or null. */
  ownNow() {
    return this.snapshots.at(-1)?.players.get(this.you) ?? null;
  }

  /**
   * Records an input the client is sending now and predicts its step (none while frozen).
   * Tag has no shots: the press behind an input (the arena's) does not matter.
   */
  localInput(input, _press, now) {
    this.stats.inputsSent += 1;
    this.stats.lastSeq = input.seq;
    const frozen = this.ownNow()?.frozen ?? false;
    this.prediction.input(input.seq, frozen ? 0 : input.movement, now);
  }

  /** Where the own player is drawn: the predicted present, or null before it is known. */
  displayedOwnPosition(now) {
    return this.prediction.displayed(now);
  }

  netStats() {
    return { ...this.stats, ...this.prediction.counters, inputsSkipped: this.pacer.skipped };
  }

  /** Whole seconds (rounded up) until `tick` by the clock estimate, never below 0. */
  secondsUntil(tick, now) {
    return Math.max(0, Math.ceil((tick - this.serverTickAt(now)) / this.tickRate));
  }

  /** The banner over the map while the own player is frozen, or null. */
  banner(now) {
    if (this.frozenUntil === null || !this.ownNow()?.frozen) return null;
    const title = this.taggedBy === null ? "You are it" : `Tagged by ${this.taggedBy}: you are it`;
    return { title, detail: `you can move in ${this.secondsUntil(this.frozenUntil, now)} s` };
  }

  /** The round in words: its phase, who is it and the time left (the HUD's status line). */
  status(now) {
    const latest = this.snapshots.at(-1);
    if (!latest) return null;
    const left = this.secondsUntil(latest.phase_ends_tick, now);
    const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (latest.phase === PHASE_PLAYING) {
      const it = latest.it === this.you ? "You are it" : `${this.nameOf(latest.it)} is it`;
      return `${it} · ${clock} left`;
    }
    if (latest.phase === PHASE_INTERMISSION) {
      const won = this.winner === NO_SLOT ? "Round over" : `${this.nameOf(this.winner)} won`;
      return `${won} · next round in ${left} s`;
    }
    return "Waiting for a second player";
  }

  /**
   * Everything to draw at time `now`: the others interpolated between the snapshots around
   * the render tick, the own player predicted, with who is it, frozen and immune.
   */
  view(now) {
    const renderTick = this.renderTickAt(now);
    const span = this.bracket(renderTick);
    const players = [];
    if (span === null) return { players, renderTick };
    const fastest = Math.max(this.setup.player_speed, this.setup.it_speed);
    const maxDistance = this.maxRunDistance(fastest, span.to.tick - span.from.tick);
    for (const [slot, to] of span.to.players) {
      if (slot === this.you) continue;
      const from = span.from.players.get(slot) ?? to;
      // Farther than anyone can run between the two snapshots: a new round's spawn, a jump.
      const jumped = Math.hypot(to.x - from.x, to.y - from.y) > maxDistance;
      const t = jumped ? Math.round(span.t) : span.t;
      const x = from.x + (to.x - from.x) * t;
      const y = from.y + (to.y - from.y) * t;
      players.push({ ...to, name: this.nameOf(slot), x, y, alive: true, isYou: false });
    }
    const own = this.ownNow();
    if (own) {
      const shown = this.displayedOwnPosition(now) ?? own;
      players.push({ ...own, name: this.nameOf(this.you), x: shown.x, y: shown.y, alive: true, isYou: true });
    }
    return { players, renderTick };
  }

  /** The page's debug state of this room (main.js's window.skirmish.state()). */
  debug(now) {
    const own = this.ownNow();
    const latest = this.snapshots.at(-1);
    return {
      position: this.prediction.present,
      drawnPosition: this.displayedOwnPosition(now),
      serverPosition: own ? { x: own.x, y: own.y } : null,
      phase: latest?.phase ?? null,
      it: latest ? (latest.it === NO_SLOT ? null : latest.it) : null,
      frozen: own?.frozen ?? null,
      immune: own?.immune ?? null,
      others: latest
        ? [...latest.players.values()]
            .filter((p) => p.slot !== this.you)
            .map((p) => ({ name: this.nameOf(p.slot), x: p.x, y: p.y, it: p.it }))
        : [],
    };
  }
}
