// prediction.js — the own player, predicted from its inputs and reconciled with the server.
//
// Every input sent is recorded with the position it predicts (movement.js, bit for bit the
// server's rule, so a prediction is exact). A snapshot acknowledges input A with the server's
// position after it: that is compared with what was predicted for A (a difference is a
// "correction", counted with its size), the inputs before A are forgotten, and the ones after
// it are replayed from the server's position. The own player is drawn at the predicted
// present, eased across the tick between two predicted steps; a correction's visual error
// fades out instead of snapping (a respawn snaps).
//
// A step consumes at most two inputs, so an ack that runs further ahead than that shows inputs
// the server dropped (its buffer overflowed, say after the server stalled): a correction at
// such a snapshot is also counted apart, as the prediction was right about every input the
// server did use.
//
// The same for every game on the arena's movement rule: `setup` is the movement's world
// (map, radius, speed), which a game may swap (tag's it runs at it_speed) before an input or a
// reconcile; a game that holds its player still predicts movement 0 (`holdStill`).
//
// Owns: the input history, the predicted position and the correction counters. Must not:
// decode snapshots, send inputs or draw; every method takes the current time (ms).

import { stepMovement } from "./movement.js";

/** A prediction error larger than this (world units) is drawn as a jump, not faded. */
const SNAP_DISTANCE = 48;
/** How fast a smoothed correction fades: the remaining error halves every this many ms. */
const CORRECTION_HALF_LIFE_MS = 60;
/** The most inputs one step of the server consumes (PROTOCOL.md 4.3). */
const MAX_INPUTS_PER_STEP = 2;

export class Prediction {
  constructor(setup, tickRate, now) {
    this.setup = setup;
    this.tickRate = tickRate;
    this.tickMs = 1000 / tickRate;
    /** Inputs from the last acknowledged one on: { seq, movement, position | null }. */
    this.history = [];
    /** The position after the last input sent, or null while the own player is not alive. */
    this.present = null;
    this.previous = null;
    this.lastStepAt = now;
    this.correction = { x: 0, y: 0 };
    this.correctionAt = now;
    this.alive = false;
    this.counters = {
      corrections: 0,
      maxCorrectionPx: 0,
      totalCorrectionPx: 0,
      replayed: 0,
      /** At least this many inputs were never consumed: acks ran ahead of the steps. */
      inputsDroppedByServer: 0,
      /** Corrections at a snapshot whose ack passed over inputs the server dropped. */
      correctionsAfterDrops: 0,
    };
    /** The tick and ack of the previous snapshot, or null. */
    this.lastAcked = null;
  }

  /** Records input `seq` as sent now and, while the player is alive, predicts its step. */
  input(seq, movement, now) {
    if (this.present === null) {
      this.history.push({ seq, movement, position: null });
      return;
    }
    const shown = this.displayed(now);
    this.previous = { x: shown.x - this.correction.x, y: shown.y - this.correction.y };
    this.present = stepMovement(this.present, movement, this.tickRate, this.setup);
    this.lastStepAt = now;
    this.history.push({ seq, movement, position: this.present });
  }

  /**
   * The inputs sent but not yet acknowledged move nothing when replayed: the game holds the
   * player still while the server takes them (tag's frozen player).
   */
  holdStill() {
    for (const entry of this.history) entry.movement = 0;
  }

  /** A snapshot of `tick`: the server's own player `own` ({ x, y, alive }) after input `ack`. */
  reconcile(own, ack, tick, now) {
    const dropped = this.droppedSince(ack, tick);
    const wasAlive = this.alive;
    this.alive = own.alive;
    while (this.history.length > 0 && this.history[0].seq < ack) this.history.shift();
    const server = { x: own.x, y: own.y };
    if (!own.alive) {
      for (const entry of this.history) entry.position = null;
      this.present = null;
      this.previous = server;
      this.correction = { x: 0, y: 0 };
      return;
    }
    const acked = this.history[0]?.seq === ack ? this.history[0] : null;
    if (wasAlive && acked?.position) {
      const error = Math.hypot(acked.position.x - server.x, acked.position.y - server.y);
      if (error > 0) {
        this.counters.corrections += 1;
        this.counters.totalCorrectionPx += error;
        this.counters.maxCorrectionPx = Math.max(this.counters.maxCorrectionPx, error);
        if (dropped > 0) this.counters.correctionsAfterDrops += 1;
      }
    }
    if (acked) acked.position = server;
    let replayed = server;
    for (const entry of this.history) {
      if (entry === acked) continue;
      replayed = stepMovement(replayed, entry.movement, this.tickRate, this.setup);
      entry.position = replayed;
      this.counters.replayed += 1;
    }
    const before = this.present;
    this.present = replayed;
    if (before === null || !wasAlive) {
      this.previous = replayed;
      this.correction = { x: 0, y: 0 };
      return;
    }
    const errorX = before.x - replayed.x;
    const errorY = before.y - replayed.y;
    if (errorX === 0 && errorY === 0) return;
    const current = this.currentCorrection(now);
    if (Math.hypot(errorX, errorY) > SNAP_DISTANCE) {
      this.correction = { x: 0, y: 0 };
      this.previous = replayed;
    } else {
      // Keep what is on screen where it is and let the difference fade out.
      this.correction = { x: current.x + errorX, y: current.y + errorY };
      this.previous = { x: this.previous.x - errorX, y: this.previous.y - errorY };
    }
    this.correctionAt = now;
  }

  /** How many inputs at least the server skipped since the previous snapshot. */
  droppedSince(ack, tick) {
    const previous = this.lastAcked;
    this.lastAcked = { ack, tick };
    if (previous === null || ack <= previous.ack || tick <= previous.tick) return 0;
    const dropped = ack - previous.ack - MAX_INPUTS_PER_STEP * (tick - previous.tick);
    if (dropped <= 0) return 0;
    this.counters.inputsDroppedByServer += dropped;
    return dropped;
  }

  currentCorrection(now) {
    const fade = Math.pow(0.5, (now - this.correctionAt) / CORRECTION_HALF_LIFE_MS);
    return { x: this.correction.x * fade, y: this.correction.y * fade };
  }

  /** Where the own player is drawn: the prediction, eased across the tick of its last step. */
  displayed(now) {
    if (this.present === null) return null;
    const alpha = Math.min(Math.max((now - this.lastStepAt) / this.tickMs, 0), 1);
    const from = this.previous ?? this.present;
    const correction = this.currentCorrection(now);
    return {
      x: from.x + (this.present.x - from.x) * alpha + correction.x,
      y: from.y + (this.present.y - from.y) * alpha + correction.y,
    };
  }
}
