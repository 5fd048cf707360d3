// games/arena/effects.js — the arena's feedback, worked out from what the client already
// receives: bullet trails, shot sounds and the other players' muzzle flashes (from the bullets
// as drawn), hits with their damage and shooter (from the snapshots: a player's hit points
// dropped and one of the bullets that vanished was next to it), kills and deaths (from the
// Kill event), respawns and spawn protection (from the flags); and which sound each makes.
//
// Owns: short-lived effects and their timing. Effects seen in snapshots are shown one
// interpolation delay later, when the drawn world reaches them. Must not: touch the DOM, the
// canvas or the audio device (it names sounds through `onSound`); every function takes the
// time (ms) so that tests can drive it.

import { bulletPosition } from "./delta.js";
import { dequantizePosition } from "../../wire.js";
import { PLAYER_ALIVE, PLAYER_PROTECTED } from "./codec.js";

const TRAIL_MS = 90;
const MUZZLE_MS = 90;
const HIT_FLASH_MS = 160;
const HIT_MARKER_MS = 220;
const NUMBER_MS = 800;
const TOAST_MS = 1800;
const HURT_MS = 350;
/** A drawn bullet further than this from any bullet of its owner last frame is a new one. */
const TRACK_UNITS = 90;
/** Slack, in world units, when looking for the vanished bullet that hit a player. */
const HIT_SLACK_UNITS = 24;

export class Effects {
  /** @param onSound(name, volume) names: fire, hit, hurt, kill, death, respawn. */
  constructor(onSound) {
    this.onSound = onSound;
    this.reset();
  }

  /** Forgets everything (a new room). */
  reset() {
    this.previous = null;
    this.tracked = [];
    this.flashes = [];
    this.hits = [];
    this.numbers = [];
    this.toasts = [];
    this.markers = [];
    this.hurtAt = null;
    this.protectedSlots = new Set();
    this.ownProtectedSince = null;
    /** How long the own protection lasts, from the match's setup. */
    this.ownProtectionMs = 0;
    this.scheduledSounds = [];
  }

  /** After `room.snapshot(...)`: hits, shots, respawns and protection from the new state. */
  snapshot(room, now) {
    const state = room.received;
    const previous = this.previous;
    this.previous = state;
    const shownAt = now + room.interpolationDelayMs();
    this.protectedSlots = new Set();
    for (const [slot, p] of state.players) {
      if ((p.flags & PLAYER_PROTECTED) !== 0) this.protectedSlots.add(slot);
    }
    const ownProtected = this.protectedSlots.has(room.you);
    if (!ownProtected) this.ownProtectedSince = null;
    else if (this.ownProtectedSince === null) {
      this.ownProtectedSince = now;
      this.ownProtectionMs = (room.setup.spawn_protection_ticks * 1000) / room.tickRate;
    }
    if (!previous) return;

    const vanished = [...previous.bullets]
      .filter(([id]) => !state.bullets.has(id))
      .map(([, bullet]) => bullet);
    for (const [slot, p] of state.players) {
      const before = previous.players.get(slot);
      if (!before) continue;
      const wasAlive = (before.flags & PLAYER_ALIVE) !== 0;
      const alive = (p.flags & PLAYER_ALIVE) !== 0;
      if (slot === room.you && alive && !wasAlive) this.onSound("respawn", 0.6);
      if (!wasAlive || p.hp >= before.hp) continue;
      const at = { x: dequantizePosition(p.x), y: dequantizePosition(p.y) };
      const shooter = shooterOf(vanished, at, [previous.tick, state.tick], room);
      this.hit(room, slot, shooter, before.hp - p.hp, at, shownAt, now);
    }
  }

  hit(room, victim, shooter, damage, at, shownAt, now) {
    this.hits.push({ slot: victim, at: shownAt });
    // Hits in a row on one player spread up and down instead of piling up.
    const stacked = this.numbers.filter((n) => n.slot === victim).length;
    this.numbers.push({
      slot: victim,
      x: at.x,
      y: at.y + ((stacked % 3) - 1) * 12,
      text: `-${damage}`,
      mine: shooter === room.you,
      at: shownAt,
    });
    if (victim === room.you) {
      this.hurtAt = now;
      this.onSound("hurt", 0.6);
    } else if (shooter === room.you) {
      this.markers.push({ slot: victim, at: shownAt });
      this.scheduledSounds.push({ at: shownAt, name: "hit", volume: 0.8 });
    }
  }

  /** After the room took a decoded arena event (`{ Kill }`, room.js's receiveEvent). */
  event(room, event, now) {
    this.kill(room, event.Kill, now);
  }

  /** After `room.kill(msg, now)`: the death sound, or the kill toast and its sound. */
  kill(room, msg, now) {
    const shownAt = now + room.interpolationDelayMs();
    if (msg.victim === room.you) {
      this.onSound("death", 0.8);
    } else if (msg.killer === room.you) {
      this.toasts.push({ text: `You shot ${room.nameOf(msg.victim)}`, at: shownAt });
      this.scheduledSounds.push({ at: shownAt, name: "kill", volume: 0.9 });
    }
  }

  /**
   * Once per drawn frame with the view being drawn: follows the bullets for their trails,
   * starts a muzzle flash for each new one, plays the sounds that are due and drops what is
   * over. Returns what to draw now.
   */
  frame(view, now) {
    const own = view.players.find((p) => p.isYou)?.slot ?? null;
    this.trackBullets(view.bullets, own, now);
    const due = this.scheduledSounds.filter((s) => s.at <= now);
    this.scheduledSounds = this.scheduledSounds.filter((s) => s.at > now);
    for (const sound of due) this.onSound(sound.name, sound.volume);
    const live = (list, ms) => list.filter((e) => now < e.at + ms);
    this.flashes = live(this.flashes, MUZZLE_MS);
    this.hits = live(this.hits, HIT_FLASH_MS);
    this.markers = live(this.markers, HIT_MARKER_MS);
    this.numbers = live(this.numbers, NUMBER_MS);
    this.toasts = live(this.toasts, TOAST_MS);
    const shown = (list, ms) =>
      list.filter((e) => e.at <= now).map((e) => ({ ...e, age: (now - e.at) / ms }));
    return {
      trails: this.tracked.map((t) => ({ owner: t.owner, from: t.points[0], to: t.points.at(-1) })),
      flashes: shown(this.flashes, MUZZLE_MS),
      hits: shown(this.hits, HIT_FLASH_MS),
      markers: shown(this.markers, HIT_MARKER_MS),
      numbers: shown(this.numbers, NUMBER_MS),
      toast: shown(this.toasts, TOAST_MS).at(-1) ?? null,
      hurt: this.hurtAt !== null && now - this.hurtAt < HURT_MS ? (now - this.hurtAt) / HURT_MS : null,
      protectedSlots: this.protectedSlots,
      ownProtection:
        this.ownProtectedSince === null
          ? null
          : Math.max(0, 1 - (now - this.ownProtectedSince) / Math.max(1, this.ownProtectionMs)),
    };
  }

  /**
   * Follows the drawn bullets; a new one makes its shot sound and, unless it is the own
   * player's (state.js flashes those), a muzzle flash.
   */
  trackBullets(bullets, own, now) {
    const unmatched = new Set(this.tracked);
    const next = [];
    for (const b of bullets) {
      let best = null;
      let bestDistance = TRACK_UNITS;
      for (const t of unmatched) {
        if (t.owner !== b.owner) continue;
        const head = t.points.at(-1);
        const distance = Math.hypot(head.x - b.x, head.y - b.y);
        if (distance < bestDistance) {
          best = t;
          bestDistance = distance;
        }
      }
      if (best) {
        unmatched.delete(best);
        best.points.push({ x: b.x, y: b.y, t: now });
        while (best.points.length > 2 && now - best.points[1].t > TRAIL_MS) best.points.shift();
        next.push(best);
      } else {
        next.push({ owner: b.owner, points: [{ x: b.x, y: b.y, t: now }] });
        this.onSound("fire", b.owner === own ? 0.7 : 0.25);
        if (b.owner !== own) this.flashes.push({ owner: b.owner, x: b.x, y: b.y, at: now });
      }
    }
    this.tracked = next;
  }
}

/**
 * The owner of the vanished bullet whose path between the two ticks passed nearest to `at`,
 * if one came close enough to have hit there.
 */
function shooterOf(vanished, at, [fromTick, toTick], room) {
  const { setup, tickRate } = room;
  const reach = setup.player_radius + setup.bullet_radius + HIT_SLACK_UNITS;
  let shooter = null;
  let nearest = reach;
  for (const bullet of vanished) {
    const a = bulletPosition(bullet, Math.max(fromTick, bullet.since), setup.bullet_speed, tickRate);
    const b = bulletPosition(bullet, toTick, setup.bullet_speed, tickRate);
    const distance = distanceToSegment(at, a, b);
    if (distance < nearest) {
      nearest = distance;
      shooter = bullet.owner;
    }
  }
  return shooter;
}

function distanceToSegment(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSq = dx * dx + dy * dy;
  const t = lengthSq === 0 ? 0 : Math.min(Math.max(((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSq, 0), 1);
  return Math.hypot(a.x + dx * t - p.x, a.y + dy * t - p.y);
}
