// games/arena/shots.js — the own player's shots, drawn the moment they are fired instead of a
// round trip later. Each input sent runs the server's fire rule (the cooldown counts down by one,
// then a shot if fire is held, the player alive and the cooldown at zero; a shot sets the
// cooldown to fire_cooldown_ticks; a respawn resets it), and a shot becomes a predicted bullet at
// the predicted position, flying along the aim at bullet_speed. Like the server's, it first moves
// out by a player radius, then flies bullet_range; it stops where its line first meets a wall
// (grown by the bullet's radius) or the arena's edge, and where it touches another player as
// drawn (the server tests hits against players as the shooter saw them).
//
// When the server's bullet of the own player arrives, it is linked to the predicted one it
// matches and is not drawn a second time: own bullets stay in the predicted timeline,
// extrapolated from their spawn, so they neither double nor jump. A predicted bullet the
// server never confirms is dropped after about a round trip and a margin.
//
// Owns: the predicted bullets, the predicted cooldown and the shot counters. Must not: decode
// snapshots, send inputs or draw; every method takes the current time (ms).

import { dequantizePosition } from "../../wire.js";
import { dequantizeHeading } from "./codec.js";

/** How long a shot's muzzle flash is drawn. */
const FLASH_MS = 80;
/** A server bullet links to a predicted one whose spawn is this close (world units)... */
const LINK_DISTANCE = 4;
/** ...and whose heading is this close (radians; the wire has 65536ths of a turn). */
const LINK_HEADING = 0.02;
/** An unconfirmed bullet is dropped this long after a round trip (plus the input lead). */
const CONFIRM_MARGIN_MS = 250;

export class OwnShots {
  constructor(setup) {
    this.setup = setup;
    this.cooldown = 0;
    /** { firedAt, x, y, dirX, dirY, heading, stopAt (ms of flight), serverId, press, drawn } */
    this.bullets = [];
    this.counters = {
      predicted: 0,
      confirmed: 0,
      unconfirmed: 0,
      lastClickToDrawMs: null,
      lastClickToDrawFrames: null,
    };
  }

  /**
   * The fire rule for one input sent at `now`: `position` is where the own player is predicted
   * after that input's step (null when it is not alive), `press` the click or key press behind
   * a shot, if any: { at (ms), frame (the number of the frame that sent it) }. Returns whether
   * the input fires.
   */
  input(fire, position, aim, press, now) {
    this.cooldown = Math.max(0, this.cooldown - 1);
    if (!fire || position === null || this.cooldown > 0) return false;
    this.cooldown = this.setup.fire_cooldown_ticks;
    const heading = Math.fround(aim);
    const dirX = Math.cos(heading);
    const dirY = Math.sin(heading);
    const reach = Math.min(
      this.setup.player_radius + this.setup.bullet_range,
      this.distanceToCover(position.x, position.y, dirX, dirY),
    );
    this.bullets.push({
      firedAt: now,
      x: position.x,
      y: position.y,
      dirX,
      dirY,
      heading,
      stopAt: ((reach - this.setup.player_radius) / this.setup.bullet_speed) * 1000,
      serverId: null,
      press,
      drawn: false,
    });
    this.counters.predicted += 1;
    return true;
  }

  /** The server resets the cooldown on a respawn. */
  respawned() {
    this.cooldown = 0;
  }

  /**
   * The server's new bullets of the own player (a snapshot's added_bullets, repeats of a full
   * snapshot left out): each links to the oldest unlinked predicted bullet it matches.
   */
  serverFired(bullet) {
    const heading = dequantizeHeading(bullet.heading);
    const dirX = Math.cos(heading);
    const dirY = Math.sin(heading);
    // The server's bullet first shows a player radius out from where it was fired.
    const x = dequantizePosition(bullet.x) - dirX * this.setup.player_radius;
    const y = dequantizePosition(bullet.y) - dirY * this.setup.player_radius;
    const match = this.bullets.find(
      (b) =>
        b.serverId === null &&
        Math.hypot(b.x - x, b.y - y) < LINK_DISTANCE &&
        Math.abs(angleBetween(b.heading, heading)) < LINK_HEADING,
    );
    if (!match) return false;
    match.serverId = bullet.id;
    this.counters.confirmed += 1;
    return true;
  }

  /** Ids of server bullets drawn as predicted ones (not to be drawn again). */
  linkedIds() {
    return new Set(this.bullets.filter((b) => b.serverId !== null).map((b) => b.serverId));
  }

  /** The server removed these bullets (a hit, the wall, the end of their range). */
  serverRemoved(ids) {
    const removed = new Set(ids);
    this.bullets = this.bullets.filter((b) => b.serverId === null || !removed.has(b.serverId));
  }

  /**
   * The bullets and muzzle flashes to draw at `now` in frame number `frame`, world units;
   * `others` are the other living players as drawn ({ x, y }). Forgets bullets that ended or
   * went unconfirmed.
   */
  view(now, frame, others, rttMs) {
    const bullets = [];
    const flashes = [];
    const confirmBy = (rttMs ?? 0) + CONFIRM_MARGIN_MS;
    const reach = this.setup.player_radius + this.setup.bullet_radius;
    const kept = [];
    for (const b of this.bullets) {
      const flying = now - b.firedAt;
      if (b.serverId === null && flying > confirmBy) {
        this.counters.unconfirmed += 1;
        continue;
      }
      if (flying < FLASH_MS) {
        const r = this.setup.player_radius;
        flashes.push({ x: b.x + b.dirX * r, y: b.y + b.dirY * r, heading: b.heading, age: flying / FLASH_MS });
      }
      if (flying > b.stopAt) {
        // Ended here; kept a while so that the server's bullet still finds it, and a linked
        // one until the server removes it (or, should that never come, as long again).
        if (flying < b.stopAt + confirmBy) kept.push(b);
        continue;
      }
      const distance = this.setup.player_radius + (this.setup.bullet_speed * flying) / 1000;
      const at = { x: b.x + b.dirX * distance, y: b.y + b.dirY * distance };
      if (others.some((p) => Math.hypot(p.x - at.x, p.y - at.y) < reach)) {
        b.stopAt = flying;
        kept.push(b);
        continue;
      }
      kept.push(b);
      bullets.push(at);
      if (!b.drawn) {
        b.drawn = true;
        if (b.press !== null) {
          this.counters.lastClickToDrawMs = now - b.press.at;
          // 1: drawn in the first frame that began after the press.
          this.counters.lastClickToDrawFrames = frame - b.press.frame + 1;
        }
      }
    }
    this.bullets = kept;
    return { bullets, flashes };
  }

  /** Flight distance (world units) from (x, y) along the unit (dirX, dirY) to cover. */
  distanceToCover(x, y, dirX, dirY) {
    const grow = this.setup.bullet_radius;
    let nearest = rayToBox(x, y, dirX, dirY, grow, grow, this.setup.width - grow, this.setup.height - grow, true);
    for (const w of this.setup.walls) {
      const t = rayToBox(x, y, dirX, dirY, w.x - grow, w.y - grow, w.x + w.w + grow, w.y + w.h + grow, false);
      nearest = Math.min(nearest, t);
    }
    return nearest;
  }
}

/**
 * How far along the ray from (x, y) the box [minX, maxX] × [minY, maxY] is entered (or, with
 * `leaving`, left: the arena's edge); Infinity when never.
 */
function rayToBox(x, y, dirX, dirY, minX, minY, maxX, maxY, leaving) {
  let enter = 0;
  let exit = Infinity;
  for (const [origin, dir, min, max] of [[x, dirX, minX, maxX], [y, dirY, minY, maxY]]) {
    if (Math.abs(dir) < 1e-12) {
      if (origin < min || origin > max) return leaving ? 0 : Infinity;
      continue;
    }
    const a = (min - origin) / dir;
    const b = (max - origin) / dir;
    enter = Math.max(enter, Math.min(a, b));
    exit = Math.min(exit, Math.max(a, b));
  }
  if (leaving) return Math.max(exit, 0);
  return enter <= exit ? enter : Infinity;
}

function angleBetween(a, b) {
  let delta = (b - a) % (2 * Math.PI);
  if (delta > Math.PI) delta -= 2 * Math.PI;
  if (delta < -Math.PI) delta += 2 * Math.PI;
  return delta;
}
