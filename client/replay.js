// replay.js — a recorded match played back in the page: the track the server re-simulated from
// the match's replay file (`GET /api/matches/{id}/track`, PROTOCOL.md "Replay tracks": server
// messages as a spectator receives them, with a keyframe every few seconds), and the playback
// clock that runs it paused, at a speed, or from any tick. The page hands the messages that are
// due to the same room state, HUD and drawing as a spectator's (main.js): the arena's, as only
// arena matches are replayed (a track of another game is refused when it is read).
//
// Owns: the track and the playback clock. Must not: touch the DOM or the network; every
// function takes the page's time (ms), so that tests drive it.

import { decodeServer, ProtocolError } from "./protocol.js";
import { MIN_INTERPOLATION_DELAY_MS } from "./room.js";

export const REPLAY_SPEEDS = Object.freeze([0.25, 0.5, 1, 2, 4]);
/** The games whose matches the server records and this page replays. */
const REPLAY_MODES = Object.freeze(["arena"]);

/** The match id in a `?replay=ID` address, or null. */
export function replayIdFromSearch(search) {
  const id = new URLSearchParams(search).get("replay");
  return id && /^[1-9][0-9]{0,15}$/.test(id.trim()) ? id.trim() : null;
}

/** `m:ss` for a number of seconds. */
export function formatClock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export class ReplayTrack {
  /**
   * @param welcome the track's `Welcome` (its tick rate); @param frames `{ tick, msg }` in
   * order, each message carrying the tick of the snapshot it comes with; @param keyframes the
   * indexes of the frames where playback may start (each a `Spectating`).
   */
  constructor(welcome, frames, keyframes) {
    this.welcome = welcome;
    this.tickRate = welcome.tick_rate;
    this.tickMs = 1000 / welcome.tick_rate;
    this.frames = frames;
    this.keyframes = keyframes;
    this.firstTick = frames[keyframes[0]].tick;
    this.lastTick = frames.at(-1).tick;
  }

  /** Reads a track: each message is a u32 (little-endian) length and that many bytes. */
  static parse(buffer) {
    const bytes = new Uint8Array(buffer);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const messages = [];
    for (let at = 0; at < bytes.length; ) {
      if (at + 4 > bytes.length) throw new ProtocolError("the track ends inside a length");
      const length = view.getUint32(at, true);
      const end = at + 4 + length;
      if (end > bytes.length) throw new ProtocolError("the track ends inside a message");
      messages.push(decodeServer(bytes.subarray(at + 4, end)));
      at = end;
    }
    const [welcome, ...rest] = messages;
    if (welcome?.type !== "Welcome") throw new ProtocolError("a track starts with Welcome");
    const frames = [];
    const keyframes = [];
    let waiting = [];
    for (const msg of rest) {
      if (msg.type === "Spectating") {
        keyframes.push(frames.length);
        frames.push({ tick: msg.tick, msg });
      } else if (msg.type === "Snapshot") {
        // Events of a step come before its snapshot and belong to its tick.
        for (const event of waiting) frames.push({ tick: msg.tick, msg: event });
        waiting = [];
        frames.push({ tick: msg.tick, msg });
      } else {
        waiting.push(msg);
      }
    }
    if (keyframes.length === 0 || keyframes[0] !== 0) {
      throw new ProtocolError("a track's first message after Welcome is a keyframe (Spectating)");
    }
    const { mode } = frames[0].msg.room;
    if (!REPLAY_MODES.includes(mode)) {
      throw new ProtocolError(`the match ran the game "${mode}": only arena matches can be replayed`);
    }
    return new ReplayTrack(welcome, frames, keyframes);
  }

  /** The index of the last keyframe at or before `tick` (the first one before the start). */
  keyframeBefore(tick) {
    let chosen = this.keyframes[0];
    for (const index of this.keyframes) {
      if (this.frames[index].tick > tick) break;
      chosen = index;
    }
    return chosen;
  }

  /** When the message of frame `index` arrives on the playback's clock (ms). */
  arrival(index) {
    return this.frames[index].tick * this.tickMs;
  }
}

/**
 * The playback: a clock of "arrival time" (ms) that runs at `speed` times the page's while
 * playing, and the next frame due. Messages arrive at their tick's time, and the room state
 * draws the other players `MIN_INTERPOLATION_DELAY_MS` behind the newest arrival, so the tick
 * on the screen (`position`) trails the clock by that delay.
 */
export class ReplayPlayer {
  constructor(track, now) {
    this.track = track;
    this.speed = 1;
    this.playing = true;
    this.leadMs = MIN_INTERPOLATION_DELAY_MS;
    this.seek(track.firstTick, now);
  }

  /** The arrival clock now. */
  clock(now) {
    const end = this.track.arrival(this.track.frames.length - 1) + this.leadMs;
    const running = this.playing ? (now - this.anchorNow) * this.speed : 0;
    return Math.min(this.anchorClock + running, end);
  }

  /** The tick on the screen now (a fraction between ticks). */
  position(now) {
    return (this.clock(now) - this.leadMs) / this.track.tickMs;
  }

  ended(now) {
    return this.position(now) >= this.track.lastTick;
  }

  /** Seconds from the start of the match to `position`. */
  elapsedSeconds(now) {
    return Math.max(0, this.position(now) - this.track.firstTick) / this.track.tickRate;
  }

  durationSeconds() {
    return (this.track.lastTick - this.track.firstTick) / this.track.tickRate;
  }

  /** Keeps the clock where it is from `now` on, e.g. before a change of speed or a pause. */
  reanchor(now) {
    this.anchorClock = this.clock(now);
    this.anchorNow = now;
  }

  setSpeed(speed, now) {
    if (!REPLAY_SPEEDS.includes(speed)) throw new RangeError(`speed ${speed} is not offered`);
    this.reanchor(now);
    this.speed = speed;
  }

  /** Pauses, or plays on (from the start again once the end was reached). */
  toggle(now) {
    if (!this.playing && this.ended(now)) {
      this.seek(this.track.firstTick, now);
      this.playing = true;
      return;
    }
    this.reanchor(now);
    this.playing = !this.playing;
  }

  /**
   * Moves the screen to `tick`. Playback starts again from the keyframe before it: the caller
   * drops its room state, and the next `due` hands over everything from that keyframe on.
   */
  seek(tick, now) {
    const target = Math.min(Math.max(tick, this.track.firstTick), this.track.lastTick);
    this.next = this.track.keyframeBefore(target);
    this.startsAtKeyframe = true;
    this.anchorClock = target * this.track.tickMs + this.leadMs;
    this.anchorNow = now;
  }

  /**
   * The messages due by `now`, in order, each with its arrival time (ms on the playback's
   * clock, the `now` to hand it over at). Keyframes other than the one a playback starts from
   * are skipped: their full snapshot follows and fits the state as it is.
   */
  due(now) {
    const clock = this.clock(now);
    const out = [];
    const { frames } = this.track;
    while (this.next < frames.length && this.track.arrival(this.next) <= clock) {
      const frame = frames[this.next];
      if (frame.msg.type !== "Spectating" || this.startsAtKeyframe) {
        out.push({ msg: frame.msg, at: this.track.arrival(this.next) });
      }
      this.startsAtKeyframe = false;
      this.next += 1;
    }
    if (this.playing && this.ended(now)) {
      this.reanchor(now);
      this.playing = false;
    }
    return out;
  }
}
