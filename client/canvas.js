// canvas.js — the canvas every game draws on and what their looks share: the canvas fills the
// window at the device's pixel ratio, camera.js says which part of the world it shows; the
// map (floor and walls, the same for every game on it), arrows towards players off screen,
// toasts, and a colour per slot.
//
// Owns: the canvas, its size and the world <-> page mapping of the current camera. Must not:
// know any game's rules or state, or read input. A game's renderer extends Renderer with a
// `draw(...)` of its own.

import { toScreen } from "./camera.js";

const SPRITES = {
  wall: "/assets/sprites/wall.svg",
  floor: "/assets/sprites/floor.svg",
};
const ARROW_INSET_PX = 48;

export function loadImage(url) {
  const image = new Image();
  image.src = url;
  return image;
}

export function ready(image) {
  return image.complete && image.naturalWidth > 0;
}

/** A colour per slot that stays the same for the whole match; far apart for nearby slots. */
export function slotColor(slot, lightness = 58) {
  const hue = (slot * 137.508 + 200) % 360;
  return `hsl(${hue.toFixed(1)} 75% ${lightness}%)`;
}

export class Renderer {
  constructor(canvas) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.images = Object.fromEntries(
      Object.entries(SPRITES).map(([name, url]) => [name, loadImage(url)]),
    );
    this.patterns = {};
    this.camera = { scale: 1, originX: 0, originY: 0 };
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
  }

  /** The canvas's size in CSS pixels: the whole window. */
  viewport() {
    return { width: window.innerWidth, height: window.innerHeight };
  }

  get scale() {
    return this.camera.scale;
  }

  /** Sizes the canvas to the window and takes `camera` ({scale, originX, originY}). */
  resize(camera) {
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = this.viewport();
    this.camera = camera;
    this.dpr = dpr;
    this.width = width;
    this.height = height;
    const style = this.canvas.style;
    style.width = `${width}px`;
    style.height = `${height}px`;
    const pixelWidth = Math.round(width * dpr);
    const pixelHeight = Math.round(height * dpr);
    if (this.canvas.width !== pixelWidth) this.canvas.width = pixelWidth;
    if (this.canvas.height !== pixelHeight) this.canvas.height = pixelHeight;
  }

  worldToPage(x, y) {
    return toScreen(this.camera, { x, y });
  }

  pattern(name) {
    if (!this.patterns[name] && ready(this.images[name])) {
      this.patterns[name] = this.context.createPattern(this.images[name], "repeat");
    }
    return this.patterns[name] ?? null;
  }

  /** Draws in CSS pixels from here on. */
  screenSpace() {
    this.context.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
  }

  /** Draws in world units from here on. */
  worldSpace() {
    const k = this.camera.scale * this.dpr;
    const { originX, originY } = this.camera;
    this.context.setTransform(k, 0, 0, k, originX * this.dpr, originY * this.dpr);
  }

  /** Clears the canvas and draws the map; leaves the context drawing in world units. */
  drawMap(setup) {
    const ctx = this.context;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#070a12";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.worldSpace();

    ctx.fillStyle = this.pattern("floor") ?? "#1d2436";
    ctx.fillRect(0, 0, setup.width, setup.height);
    ctx.fillStyle = this.pattern("wall") ?? "#4a5368";
    ctx.strokeStyle = "#0b0f18";
    ctx.lineWidth = 2;
    for (const wall of setup.walls) {
      ctx.fillRect(wall.x, wall.y, wall.w, wall.h);
      ctx.strokeRect(wall.x + 1, wall.y + 1, wall.w - 2, wall.h - 2);
    }
  }

  /**
   * An arrow towards each living enemy outside the window, on an ellipse inside the window's
   * edges (so that it stays out of the HUD in the corners).
   */
  drawOffscreenArrows(players) {
    const ctx = this.context;
    const cx = this.width / 2;
    const cy = this.height / 2;
    // Further in at the top and bottom, where the HUD's rows are.
    const rx = Math.max(cx - Math.max(ARROW_INSET_PX, this.width * 0.08), 0);
    const ry = Math.max(cy - Math.max(ARROW_INSET_PX, this.height * 0.2), 0);
    for (const player of players) {
      if (player.isYou || !player.alive) continue;
      const at = this.worldToPage(player.x, player.y);
      if (at.x >= 0 && at.x <= this.width && at.y >= 0 && at.y <= this.height) continue;
      const angle = Math.atan2(at.y - cy, at.x - cx);
      ctx.save();
      ctx.translate(cx + Math.cos(angle) * rx, cy + Math.sin(angle) * ry);
      ctx.rotate(angle);
      ctx.fillStyle = slotColor(player.slot);
      ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(12, 0);
      ctx.lineTo(-8, -9);
      ctx.lineTo(-4, 0);
      ctx.lineTo(-8, 9);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      ctx.restore();
    }
  }

  drawToast(toast) {
    const ctx = this.context;
    ctx.save();
    ctx.globalAlpha = toast.age < 0.8 ? 1 : (1 - toast.age) * 5;
    ctx.font = "bold 22px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineWidth = 4;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.85)";
    const y = this.height * 0.3;
    ctx.strokeText(toast.text, this.width / 2, y);
    ctx.fillStyle = "#ffcf4a";
    ctx.fillText(toast.text, this.width / 2, y);
    ctx.restore();
  }
}
