// input.js — the player's controls: keyboard (WASD or arrows to move, space to shoot), mouse
// (aim at the cursor, hold a button to shoot) and touch (the two sticks of touch.js: move on
// the left half of the screen, aim-and-shoot on the right half), all at the same time.
//
// Owns: listening to input devices and reducing them to movement bits, an aim point in page
// pixels (or, from the touch aim stick, an angle), a fire flag and the time of the last fire
// press (so a quick tap between two inputs still fires, and the page can time how soon its
// shot shows). Must not: send anything or know the world; the caller turns the aim point
// into an angle because only it knows where the own player is drawn.

import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP } from "./wire.js";
import { TouchSticks } from "./touch.js";

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

export class Controls {
  /**
   * @param surface the element mouse input is read from (the canvas); @param touchArea the
   * element whose halves take the touch sticks (the game screen).
   */
  constructor(surface, touchArea) {
    this.surface = surface;
    this.enabled = false;
    this.keys = new Set();
    this.pointer = null;
    this.mouseFiring = false;
    /** When fire was last pressed (event time, ms), until takeFirePress() hands it out. */
    this.firePressAt = null;
    this.sticks = new TouchSticks(touchArea, (at) => {
      if (this.enabled) this.firePressAt = at;
    });

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
  }

  /** Turns controls on (in a game, not typing) or off (lobby, chat box open). */
  setEnabled(enabled) {
    this.enabled = enabled;
    this.sticks.setEnabled(enabled);
    if (!enabled) this.releaseAll();
  }

  releaseAll() {
    this.firePressAt = null;
    this.keys.clear();
    this.mouseFiring = false;
    this.sticks.releaseAll();
  }

  keyChanged(event, down) {
    if (!this.enabled) return;
    if (!KEY_BITS.has(event.code) && event.code !== FIRE_KEY) return;
    event.preventDefault();
    if (down && event.code === FIRE_KEY && !this.keys.has(FIRE_KEY)) this.firePressAt = event.timeStamp;
    if (down) this.keys.add(event.code);
    else this.keys.delete(event.code);
  }

  /** The held MOVE_* bits; opposite directions are both sent (the server cancels them). */
  movement() {
    if (!this.enabled) return 0;
    let bits = 0;
    for (const code of this.keys) bits |= KEY_BITS.get(code) ?? 0;
    bits |= this.sticks.movement();
    return bits;
  }

  firing() {
    if (!this.enabled) return false;
    return this.keys.has(FIRE_KEY) || this.mouseFiring || this.sticks.firing();
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

  /** The angle the touch aim stick is pushed towards, or null when it is not pushed. */
  aimAngle() {
    return this.enabled ? this.sticks.aimAngle() : null;
  }
}
