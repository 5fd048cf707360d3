// input.js — the player's controls: keyboard (WASD or arrows to move, space to shoot), mouse
// (aim at the cursor, hold a button to shoot) and touch (a stick on the left half of the
// screen, aim-and-shoot by touching the right half), all at the same time.
//
// Owns: listening to input devices and reducing them to movement bits, an aim point in page
// pixels, a fire flag and the time of the last fire press (so a quick tap between two inputs
// still fires, and the page can time how soon its shot shows). Must not: send anything or
// know the world; the caller turns the aim point into an angle because only it knows where
// the own player is drawn.

import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP } from "./protocol.js";

const KEY_BITS = new Map([
  ["KeyW", MOVE_UP],
  ["ArrowUp", MOVE_UP],
  ["KeyS", MOVE_DOWN],
  ["ArrowDown", MOVE_DOWN],
  ["KeyA", MOVE_LEFT],
  ["ArrowLeft", MOVE_LEFT],
  ["KeyD", MOVE_RIGHT],
  ["ArrowRight", MOVE_RIGHT],
]);
const FIRE_KEY = "Space";
/** A touch stick pushed less than this many CSS pixels counts as released. */
const STICK_DEAD_ZONE = 12;

export class Controls {
  /** @param surface the element mouse and touch input is read from (the canvas). */
  constructor(surface) {
    this.surface = surface;
    this.enabled = false;
    this.keys = new Set();
    this.pointer = null;
    this.mouseFiring = false;
    this.stick = null;
    this.aimTouch = null;
    /** When fire was last pressed (event time, ms), until takeFirePress() hands it out. */
    this.firePressAt = null;

    window.addEventListener("keydown", (e) => this.keyChanged(e, true));
    window.addEventListener("keyup", (e) => this.keyChanged(e, false));
    window.addEventListener("blur", () => this.releaseAll());
    surface.addEventListener("mousemove", (e) => {
      this.pointer = { x: e.clientX, y: e.clientY };
    });
    surface.addEventListener("mousedown", (e) => {
      this.pointer = { x: e.clientX, y: e.clientY };
      if (e.button === 0 && this.enabled) {
        this.mouseFiring = true;
        this.firePressAt = e.timeStamp;
      }
    });
    window.addEventListener("mouseup", (e) => {
      if (e.button === 0) this.mouseFiring = false;
    });
    surface.addEventListener("contextmenu", (e) => e.preventDefault());
    surface.addEventListener("touchstart", (e) => this.touches(e), { passive: false });
    surface.addEventListener("touchmove", (e) => this.touches(e), { passive: false });
    surface.addEventListener("touchend", (e) => this.touches(e), { passive: false });
    surface.addEventListener("touchcancel", (e) => this.touches(e), { passive: false });
  }

  /** Turns controls on (in a game, not typing) or off (lobby, chat box open). */
  setEnabled(enabled) {
    this.enabled = enabled;
    if (!enabled) this.releaseAll();
  }

  releaseAll() {
    this.firePressAt = null;
    this.keys.clear();
    this.mouseFiring = false;
    this.stick = null;
    this.aimTouch = null;
  }

  keyChanged(event, down) {
    if (!this.enabled) return;
    if (!KEY_BITS.has(event.code) && event.code !== FIRE_KEY) return;
    event.preventDefault();
    if (down && event.code === FIRE_KEY && !this.keys.has(FIRE_KEY)) this.firePressAt = event.timeStamp;
    if (down) this.keys.add(event.code);
    else this.keys.delete(event.code);
  }

  touches(event) {
    if (!this.enabled) return;
    event.preventDefault();
    const half = window.innerWidth / 2;
    let stickTouch = null;
    let aimTouch = null;
    for (const touch of event.touches) {
      const point = { id: touch.identifier, x: touch.clientX, y: touch.clientY };
      if (this.stick && this.stick.id === touch.identifier) stickTouch = point;
      else if (this.aimTouch && this.aimTouch.id === touch.identifier) aimTouch = point;
      else if (point.x < half && !stickTouch) stickTouch = point;
      else if (!aimTouch) aimTouch = point;
    }
    if (stickTouch) {
      const origin = this.stick && this.stick.id === stickTouch.id ? this.stick.origin : stickTouch;
      this.stick = { id: stickTouch.id, origin: { x: origin.x, y: origin.y }, at: stickTouch };
    } else {
      this.stick = null;
    }
    if (aimTouch && !this.aimTouch) this.firePressAt = event.timeStamp;
    this.aimTouch = aimTouch;
    if (aimTouch) this.pointer = { x: aimTouch.x, y: aimTouch.y };
  }

  /** The held MOVE_* bits; opposite directions are both sent (the server cancels them). */
  movement() {
    if (!this.enabled) return 0;
    let bits = 0;
    for (const code of this.keys) bits |= KEY_BITS.get(code) ?? 0;
    if (this.stick) {
      const dx = this.stick.at.x - this.stick.origin.x;
      const dy = this.stick.at.y - this.stick.origin.y;
      if (Math.hypot(dx, dy) > STICK_DEAD_ZONE) {
        // Eight sectors of 45 degrees, like the keys.
        const sector = Math.round(Math.atan2(dy, dx) / (Math.PI / 4));
        const sectorBits = [
          MOVE_RIGHT,
          MOVE_RIGHT | MOVE_DOWN,
          MOVE_DOWN,
          MOVE_DOWN | MOVE_LEFT,
          MOVE_LEFT,
        ];
        const negative = [MOVE_RIGHT, MOVE_RIGHT | MOVE_UP, MOVE_UP, MOVE_UP | MOVE_LEFT, MOVE_LEFT];
        bits |= sector >= 0 ? sectorBits[sector] : negative[-sector];
      }
    }
    return bits;
  }

  firing() {
    if (!this.enabled) return false;
    return this.keys.has(FIRE_KEY) || this.mouseFiring || this.aimTouch !== null;
  }

  /**
   * The time (ms, the page's clock) of a fire press not handed out yet, or null; the press
   * counts as firing for the next input even if it was already released (a quick tap).
   */
  takeFirePress() {
    const at = this.firePressAt;
    this.firePressAt = null;
    return at;
  }

  /** The point aimed at in page (CSS) pixels, or null before the pointer was ever seen. */
  aimPoint() {
    return this.pointer;
  }

  /** The touch stick to draw, in page pixels, or null. */
  touchStick() {
    return this.stick ? { origin: this.stick.origin, at: this.stick.at } : null;
  }
}
