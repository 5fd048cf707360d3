// spectate.js — watching a room without playing: whom the camera follows (one player, or the
// whole arena), the bar to choose that, and the `?watch=CODE` link that the monitor page's
// Watch button opens.
//
// Owns: the follow choice and the spectator bar's DOM. Must not: talk to the server or draw.
// A spectator's RoomState has `you === null`: every player is someone else.

/** How much closer than the whole arena the camera is when it follows a player. */
export const FOLLOW_ZOOM = 2.2;

/** The room code in a `?watch=CODE` address, or null. */
export function watchCodeFromSearch(search) {
  const code = new URLSearchParams(search).get("watch");
  return code && code.trim() ? code.trim() : null;
}

/**
 * The next choice when stepping by `step` (+1 or -1) through the whole arena (null) and the
 * players' slots in order. An unknown current choice counts as the whole arena.
 */
export function nextFollow(slots, current, step) {
  const order = [null, ...[...slots].sort((a, b) => a - b)];
  const at = Math.max(order.indexOf(current), 0);
  return order[(at + step + order.length) % order.length];
}

/** Where the camera looks: the followed player as drawn, or null for the whole arena. */
export function cameraFocus(view, following) {
  if (following === null) return null;
  const player = view.players.find((p) => p.slot === following);
  return player ? { x: player.x, y: player.y, zoom: FOLLOW_ZOOM } : null;
}

export class SpectatorBar {
  /** @param step(direction) called with -1 or +1 from the buttons and the arrow keys. */
  constructor(step) {
    this.bar = document.getElementById("spectate-bar");
    this.label = document.getElementById("follow-name");
    document.getElementById("follow-prev").addEventListener("click", () => step(-1));
    document.getElementById("follow-next").addEventListener("click", () => step(1));
    window.addEventListener("keydown", (event) => {
      if (this.bar.hidden || event.target instanceof HTMLInputElement) return;
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        step(event.key === "ArrowLeft" ? -1 : 1);
      }
    });
  }

  show(visible) {
    this.bar.hidden = !visible;
  }

  /** `name` of the followed player, or null for the whole arena. */
  setFollowing(name) {
    this.label.textContent = name === null ? "Whole arena" : `Following ${name}`;
  }
}
