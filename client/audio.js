// audio.js — the game's sounds, made on the spot with the Web Audio API (no sound files): a
// shot, a hit on someone else, being hit, a kill, a death and a respawn; and the mute switch,
// remembered in localStorage.
//
// Owns: the AudioContext (created on the first user gesture, as browsers require) and the
// muted setting. Must not: decide when a sound plays (effects.js does) or touch the DOM
// beyond listening for that first gesture.

const MUTED_KEY = "skirmish.muted";

/** Each sound: a list of tones { type, from, to (Hz), ms, gain, delay?, noise? }. */
const SOUNDS = {
  fire: [
    { noise: true, ms: 70, gain: 0.35 },
    { type: "square", from: 660, to: 220, ms: 70, gain: 0.12 },
  ],
  hit: [{ type: "triangle", from: 1400, to: 1800, ms: 60, gain: 0.35 }],
  hurt: [
    { type: "sawtooth", from: 220, to: 120, ms: 120, gain: 0.2 },
    { noise: true, ms: 60, gain: 0.2 },
  ],
  kill: [
    { type: "square", from: 660, to: 660, ms: 80, gain: 0.16 },
    { type: "square", from: 990, to: 990, ms: 140, gain: 0.16, delay: 80 },
  ],
  death: [{ type: "sawtooth", from: 440, to: 70, ms: 600, gain: 0.22 }],
  respawn: [{ type: "sine", from: 300, to: 900, ms: 260, gain: 0.25 }],
};

export function rememberedMuted() {
  try {
    return localStorage.getItem(MUTED_KEY) === "1";
  } catch {
    return false;
  }
}

export class Sounds {
  constructor() {
    this.muted = rememberedMuted();
    /** Sounds played so far, by name (for tests and debugging). */
    this.played = {};
    this.context = null;
    this.noise = null;
    const unlock = () => this.unlock();
    for (const type of ["pointerdown", "keydown", "touchstart"]) {
      window.addEventListener(type, unlock, { capture: true, passive: true });
    }
  }

  unlock() {
    if (this.context) {
      if (this.context.state === "suspended") this.context.resume();
      return;
    }
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!Context) return;
    this.context = new Context();
    const length = Math.floor(this.context.sampleRate * 0.2);
    this.noise = this.context.createBuffer(1, length, this.context.sampleRate);
    const data = this.noise.getChannelData(0);
    for (let i = 0; i < length; i++) data[i] = Math.random() * 2 - 1;
  }

  setMuted(muted) {
    this.muted = muted;
    try {
      localStorage.setItem(MUTED_KEY, muted ? "1" : "0");
    } catch {
      // Storage can be off (private windows): the switch then lasts for this page only.
    }
  }

  /** Plays `name` at `volume` (0..1), unless muted or before the first user gesture. */
  play(name, volume = 1) {
    const ctx = this.context;
    const tones = SOUNDS[name];
    if (this.muted || !ctx || ctx.state !== "running" || !tones) return;
    this.played[name] = (this.played[name] ?? 0) + 1;
    for (const tone of tones) {
      const start = ctx.currentTime + (tone.delay ?? 0) / 1000;
      const end = start + tone.ms / 1000;
      const gain = ctx.createGain();
      gain.gain.setValueAtTime(tone.gain * volume, start);
      gain.gain.exponentialRampToValueAtTime(0.0001, end);
      gain.connect(ctx.destination);
      let source;
      if (tone.noise) {
        source = ctx.createBufferSource();
        source.buffer = this.noise;
      } else {
        source = ctx.createOscillator();
        source.type = tone.type;
        source.frequency.setValueAtTime(tone.from, start);
        source.frequency.exponentialRampToValueAtTime(tone.to, end);
      }
      source.connect(gain);
      source.start(start);
      source.stop(end);
    }
  }
}
