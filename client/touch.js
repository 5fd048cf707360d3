// touch.js — the two virtual sticks of a touch screen: a touch anywhere on the left half of
// the game screen moves (the stick centres where the finger came down), one anywhere on the
// right half aims the way it is pushed and shoots while pushed. Both sticks are drawn (DOM
// elements) at rest in the bottom corners and follow the finger while held.
//
// Owns: the touch listeners and the sticks' elements. Must not: send anything or know the
// world; input.js reads `movement()`, `aimAngle()` and `firing()` from it. Touches that begin
// on a button, a text box or the scoreboard (a tap shows it big) are left to them.

import { MOVE_DOWN, MOVE_LEFT, MOVE_RIGHT, MOVE_UP } from "./wire.js";

/** A stick pushed less than this many CSS pixels counts as released. */
const DEAD_ZONE = 12;
/** How far (CSS pixels) the knob may travel from the stick's centre. */
const KNOB_TRAVEL = 44;
/** Eight sectors of 45 degrees, like the keys: from +x clockwise (y grows down), and anticlockwise. */
const SECTORS_DOWN = [MOVE_RIGHT, MOVE_RIGHT | MOVE_DOWN, MOVE_DOWN, MOVE_DOWN | MOVE_LEFT, MOVE_LEFT];
const SECTORS_UP = [MOVE_RIGHT, MOVE_RIGHT | MOVE_UP, MOVE_UP, MOVE_UP | MOVE_LEFT, MOVE_LEFT];

/** The MOVE_* bits of a stick pushed by (dx, dy) CSS pixels. */
export function stickBits(dx, dy) {
  if (Math.hypot(dx, dy) <= DEAD_ZONE) return 0;
  const sector = Math.round(Math.atan2(dy, dx) / (Math.PI / 4));
  return sector >= 0 ? SECTORS_DOWN[sector] : SECTORS_UP[-sector];
}

class Stick {
  constructor(element) {
    this.element = element;
    this.knob = element.querySelector(".knob");
    this.touch = null;
  }

  press(id, x, y) {
    this.touch = { id, origin: { x, y }, at: { x, y } };
    const size = this.element.offsetWidth;
    Object.assign(this.element.style, {
      left: `${x - size / 2}px`,
      top: `${y - size / 2}px`,
      right: "auto",
      bottom: "auto",
    });
    this.element.classList.add("held");
    this.draw();
  }

  move(x, y) {
    this.touch.at = { x, y };
    this.draw();
  }

  release() {
    this.touch = null;
    this.element.removeAttribute("style");
    this.element.classList.remove("held");
    this.knob.removeAttribute("style");
  }

  push() {
    if (!this.touch) return null;
    return { dx: this.touch.at.x - this.touch.origin.x, dy: this.touch.at.y - this.touch.origin.y };
  }

  pushed() {
    const push = this.push();
    return push !== null && Math.hypot(push.dx, push.dy) > DEAD_ZONE;
  }

  draw() {
    const { dx, dy } = this.push();
    const length = Math.hypot(dx, dy);
    const k = length > KNOB_TRAVEL ? KNOB_TRAVEL / length : 1;
    this.knob.style.transform = `translate(${dx * k}px, ${dy * k}px)`;
  }
}

export class TouchSticks {
  /**
   * @param area the element whose halves take the touches (the game screen); @param onFire
   * called with the event's time when the aim stick is first pushed (a fire press).
   */
  constructor(area, onFire) {
    this.area = area;
    this.onFire = onFire;
    this.enabled = false;
    this.move = new Stick(document.getElementById("stick-move"));
    this.aim = new Stick(document.getElementById("stick-aim"));
    const coarse = window.matchMedia?.("(pointer: coarse)").matches;
    if (coarse || navigator.maxTouchPoints > 0) document.body.classList.add("touch");
    for (const type of ["touchstart", "touchmove", "touchend", "touchcancel"]) {
      area.addEventListener(type, (event) => this.touches(event), { passive: false });
    }
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    if (!enabled) this.releaseAll();
  }

  releaseAll() {
    this.move.release();
    this.aim.release();
  }

  touches(event) {
    document.body.classList.add("touch");
    if (!this.enabled) return;
    const own = [...event.changedTouches].filter((t) => !isControl(t.target));
    if (own.length === 0) return;
    event.preventDefault();
    for (const touch of own) {
      const stick = [this.move, this.aim].find((s) => s.touch?.id === touch.identifier);
      if (event.type === "touchstart") {
        const side = touch.clientX < window.innerWidth / 2 ? this.move : this.aim;
        if (!side.touch) side.press(touch.identifier, touch.clientX, touch.clientY);
      } else if (stick && event.type === "touchmove") {
        const wasPushed = stick.pushed();
        stick.move(touch.clientX, touch.clientY);
        if (stick === this.aim && !wasPushed && stick.pushed()) this.onFire(event.timeStamp);
      } else if (stick) {
        stick.release();
      }
    }
  }

  movement() {
    const push = this.move.push();
    return push ? stickBits(push.dx, push.dy) : 0;
  }

  /** The angle the aim stick is pushed towards, or null when it is not pushed. */
  aimAngle() {
    if (!this.aim.pushed()) return null;
    const { dx, dy } = this.aim.push();
    return Math.atan2(dy, dx);
  }

  firing() {
    return this.aim.pushed();
  }
}

function isControl(target) {
  return target instanceof Element && target.closest("button, input, form, a, .scoreboard") !== null;
}
