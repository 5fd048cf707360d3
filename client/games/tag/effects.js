// games/tag/effects.js — tag's feedback, from its events: a toast and a sound when the own
// player tags someone (a sound only when it is tagged: the room's banner says it), when a
// round starts and when it ends. They show one interpolation delay later, when the drawn
// world reaches the moment they happened.
//
// Owns: those short-lived toasts and the sounds they make. Must not: touch the DOM, the canvas
// or the audio device (it names sounds through `onSound`: audio.js's fire, hit, hurt, kill,
// death, respawn); every function takes the time (ms) so that tests can drive it.

import { NO_SLOT } from "./codec.js";

const TOAST_MS = 1800;

export class TagEffects {
  constructor(onSound) {
    this.onSound = onSound;
    this.reset();
  }

  /** Forgets everything (a new room). */
  reset() {
    this.toasts = [];
    this.scheduledSounds = [];
  }

  /** Tag draws everything a snapshot says from the room's view: no effect comes of one. */
  snapshot() {}

  /** After the room took a decoded tag event (room.js's receiveEvent). */
  event(room, event, now) {
    const shownAt = now + room.interpolationDelayMs();
    const show = (text, sound) => {
      this.toasts.push({ text, at: shownAt });
      this.scheduledSounds.push({ at: shownAt, name: sound, volume: 0.8 });
    };
    if ("Tagged" in event) {
      const { tagger, tagged } = event.Tagged;
      // The own player tagged says so in the banner over the map (state.js): a sound only.
      if (tagged === room.you) this.scheduledSounds.push({ at: shownAt, name: "hurt", volume: 0.8 });
      else if (tagger === room.you) show(`You tagged ${room.nameOf(tagged)}`, "kill");
    } else if ("RoundStarted" in event) {
      const youAreIt = event.RoundStarted.it === room.you;
      show(youAreIt ? "Round started: you are it!" : "Round started: run!", "respawn");
    } else if ("RoundOver" in event) {
      const { winner } = event.RoundOver;
      if (winner === room.you) show("You won the round!", "kill");
      else show(winner === NO_SLOT ? "Round over" : `${room.nameOf(winner)} won the round`, "death");
    }
  }

  /** Once per drawn frame: plays the sounds that are due; returns the toast to draw, or null. */
  frame(_view, now) {
    const due = this.scheduledSounds.filter((s) => s.at <= now);
    this.scheduledSounds = this.scheduledSounds.filter((s) => s.at > now);
    for (const sound of due) this.onSound(sound.name, sound.volume);
    this.toasts = this.toasts.filter((t) => now < t.at + TOAST_MS);
    const shown = this.toasts.filter((t) => t.at <= now).at(-1);
    return { toast: shown ? { ...shown, age: (now - shown.at) / TOAST_MS } : null };
  }
}
