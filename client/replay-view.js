// replay-view.js — watching a recorded match (`/?replay=ID`): loads its track, runs the playback
// (replay.js) every frame, and the bar under it: play/pause, the speed (¼× to 4×), the timeline
// to seek with, and the time played of the whole. The messages it hands over go to the page's
// room state like a spectator's connection's (main.js).
//
// Owns: the playback and the bar's DOM. Must not: hold the room state or draw.

import { formatClock, REPLAY_SPEEDS, ReplayPlayer, ReplayTrack } from "./replay.js";

export class ReplayView {
  /**
   * @param actions { deliver(msg, at): a message due at `at` on the playback clock,
   *   restart(): drop the room state (a seek plays again from a keyframe) }
   */
  constructor(actions) {
    this.actions = actions;
    this.player = null;
    this.bar = document.getElementById("replay-bar");
    this.play = document.getElementById("replay-play");
    this.speed = document.getElementById("replay-speed");
    this.timeline = document.getElementById("replay-seek");
    this.time = document.getElementById("replay-time");
    this.dragging = false;
    for (const value of REPLAY_SPEEDS) {
      const option = document.createElement("option");
      option.value = String(value);
      option.textContent = value === 0.25 ? "¼×" : value === 0.5 ? "½×" : `${value}×`;
      option.selected = value === 1;
      this.speed.append(option);
    }
    this.play.addEventListener("click", () => this.player?.toggle(performance.now()));
    this.speed.addEventListener("change", () =>
      this.player?.setSpeed(Number(this.speed.value), performance.now()),
    );
    // While the thumb is held the playback follows it, and the bar stops moving it.
    this.timeline.addEventListener("input", () => {
      this.dragging = true;
      this.seek(Number(this.timeline.value));
    });
    this.timeline.addEventListener("change", () => {
      this.dragging = false;
      this.seek(Number(this.timeline.value));
    });
    window.addEventListener("keydown", (event) => {
      if (this.bar.hidden || event.target instanceof HTMLInputElement) return;
      if (event.key === " ") {
        event.preventDefault();
        this.player?.toggle(performance.now());
      }
    });
  }

  /** Loads match `id`'s track; resolves to its Welcome, or throws an Error in words. */
  async load(id) {
    const response = await fetch(`/api/matches/${id}/track`, { cache: "no-store" });
    if (response.status === 404) throw new Error("there is no such match (it may have been deleted)");
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const track = ReplayTrack.parse(await response.arrayBuffer());
    this.player = new ReplayPlayer(track, performance.now());
    this.timeline.min = String(track.firstTick);
    this.timeline.max = String(track.lastTick);
    this.bar.hidden = false;
    return track.welcome;
  }

  active() {
    return this.player !== null;
  }

  /** The playback clock for the page's time `now` (the time the room state lives in). */
  clock(now) {
    return this.player.clock(now);
  }

  seek(tick) {
    if (!this.player) return;
    this.actions.restart();
    this.player.seek(tick, performance.now());
    this.frame(performance.now());
  }

  /** Hands over what is due by the page's time `now`, and shows where the playback is. */
  frame(now) {
    const player = this.player;
    for (const { msg, at } of player.due(now)) this.actions.deliver(msg, at);
    this.play.textContent = player.playing ? "❚❚" : "▶";
    this.play.setAttribute("aria-label", player.playing ? "Pause" : "Play");
    if (!this.dragging) this.timeline.value = String(Math.round(player.position(now)));
    const played = formatClock(player.elapsedSeconds(now));
    this.time.textContent = `${played} / ${formatClock(player.durationSeconds())}`;
  }

  /** For the page's debug state and the tests. */
  state(now) {
    const player = this.player;
    return {
      position: player.position(now),
      playing: player.playing,
      speed: player.speed,
      ended: player.ended(now),
      firstTick: player.track.firstTick,
      lastTick: player.track.lastTick,
    };
  }
}
