// render.js — draws the arena on the canvas: floor, walls, bullets and muzzle flashes, players
// with names and health bars (the own player marked), the touch stick and a crosshair. The canvas fills the
// window while keeping the arena's aspect ratio, at the device's pixel ratio.
//
// Owns: the canvas, its size and the world <-> page coordinate mapping. Must not: decide
// what is where (state.js does) or read input devices.

const SPRITES = {
  player: "/assets/sprites/player.svg",
  wall: "/assets/sprites/wall.svg",
  floor: "/assets/sprites/floor.svg",
};

function loadImage(url) {
  const image = new Image();
  image.src = url;
  return image;
}

function ready(image) {
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
    this.scale = 1;
    this.left = 0;
    this.top = 0;
    // Where world (0, 0) is on the canvas, in CSS pixels: not 0 only when a camera follows.
    this.originX = 0;
    this.originY = 0;
    this.dpr = 1;
  }

  /**
   * Sizes the canvas to the window for a world of `width` x `height` units: the whole world,
   * or with `focus` ({x, y, zoom}, for spectators) the window's worth around that point.
   */
  resize(width, height, focus = null) {
    const dpr = window.devicePixelRatio || 1;
    const fit = Math.min(window.innerWidth / width, window.innerHeight / height);
    const scale = focus ? fit * focus.zoom : fit;
    const cssWidth = focus ? window.innerWidth : Math.floor(width * scale);
    const cssHeight = focus ? window.innerHeight : Math.floor(height * scale);
    this.scale = scale;
    this.dpr = dpr;
    this.left = Math.floor((window.innerWidth - cssWidth) / 2);
    this.top = Math.floor((window.innerHeight - cssHeight) / 2);
    // Centre the focus, but never show more than half a window beyond the world's edges.
    const centre = (at, size, view) =>
      Math.min(view / 2, Math.max(view / 2 - size * scale, view / 2 - at * scale));
    this.originX = focus ? centre(focus.x, width, cssWidth) : 0;
    this.originY = focus ? centre(focus.y, height, cssHeight) : 0;
    const style = this.canvas.style;
    style.width = `${cssWidth}px`;
    style.height = `${cssHeight}px`;
    style.left = `${this.left}px`;
    style.top = `${this.top}px`;
    const pixelWidth = Math.round(cssWidth * dpr);
    const pixelHeight = Math.round(cssHeight * dpr);
    if (this.canvas.width !== pixelWidth) this.canvas.width = pixelWidth;
    if (this.canvas.height !== pixelHeight) this.canvas.height = pixelHeight;
  }

  worldToPage(x, y) {
    return {
      x: this.left + this.originX + x * this.scale,
      y: this.top + this.originY + y * this.scale,
    };
  }

  pageToWorld(x, y) {
    return {
      x: (x - this.left - this.originX) / this.scale,
      y: (y - this.top - this.originY) / this.scale,
    };
  }

  pattern(name) {
    if (!this.patterns[name] && ready(this.images[name])) {
      this.patterns[name] = this.context.createPattern(this.images[name], "repeat");
    }
    return this.patterns[name] ?? null;
  }

  /**
   * Draws one frame. `view` comes from RoomState.view; `touchStick` (page pixels) and
   * `aimPoint` (page pixels) are optional overlays.
   */
  draw(setup, view, { bulletRadius, playerRadius, maxHp, touchStick, aimPoint }) {
    const ctx = this.context;
    const k = this.scale * this.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#0b0f18";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(k, 0, 0, k, this.originX * this.dpr, this.originY * this.dpr);

    ctx.fillStyle = this.pattern("floor") ?? "#1d2436";
    ctx.fillRect(0, 0, setup.width, setup.height);

    ctx.fillStyle = this.pattern("wall") ?? "#4a5368";
    ctx.strokeStyle = "#0b0f18";
    ctx.lineWidth = 2;
    for (const wall of setup.walls) {
      ctx.fillRect(wall.x, wall.y, wall.w, wall.h);
      ctx.strokeRect(wall.x + 1, wall.y + 1, wall.w - 2, wall.h - 2);
    }

    for (const bullet of view.bullets) this.drawBullet(bullet, bulletRadius);
    for (const flash of view.flashes) this.drawFlash(flash, bulletRadius);
    const ordered = [...view.players].sort((a, b) => Number(a.alive) - Number(b.alive));
    for (const player of ordered) this.drawPlayer(player, playerRadius, maxHp);

    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    if (touchStick) this.drawStick(touchStick);
    if (aimPoint) this.drawCrosshair(aimPoint);
  }

  drawBullet(bullet, radius) {
    const ctx = this.context;
    ctx.save();
    ctx.shadowColor = slotColor(bullet.owner, 70);
    ctx.shadowBlur = 8 * this.dpr;
    ctx.fillStyle = "#fff6c8";
    ctx.beginPath();
    ctx.arc(bullet.x, bullet.y, Math.max(radius, 2.5 / this.scale), 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
  }

  /** A muzzle flash fading out as its `age` goes from 0 to 1. */
  drawFlash(flash, bulletRadius) {
    const ctx = this.context;
    ctx.save();
    ctx.globalAlpha = 1 - flash.age;
    ctx.translate(flash.x, flash.y);
    ctx.rotate(flash.heading);
    ctx.fillStyle = "#ffe9a0";
    ctx.shadowColor = slotColor(flash.owner, 70);
    ctx.shadowBlur = 12 * this.dpr;
    ctx.beginPath();
    ctx.ellipse(bulletRadius, 0, bulletRadius * 3, bulletRadius * 1.6, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
  }

  drawPlayer(player, radius, maxHp) {
    const ctx = this.context;
    if (!player.alive) {
      ctx.save();
      ctx.globalAlpha = 0.35;
      ctx.strokeStyle = slotColor(player.slot);
      ctx.lineWidth = 4;
      const s = radius * 0.6;
      ctx.beginPath();
      ctx.moveTo(player.x - s, player.y - s);
      ctx.lineTo(player.x + s, player.y + s);
      ctx.moveTo(player.x + s, player.y - s);
      ctx.lineTo(player.x - s, player.y + s);
      ctx.stroke();
      ctx.restore();
      return;
    }
    if (player.isYou) {
      ctx.save();
      ctx.strokeStyle = "#ffcf4a";
      ctx.lineWidth = 3;
      ctx.setLineDash([6, 5]);
      ctx.beginPath();
      ctx.arc(player.x, player.y, radius + 7, 0, Math.PI * 2);
      ctx.stroke();
      ctx.restore();
    }
    ctx.fillStyle = slotColor(player.slot);
    ctx.strokeStyle = "#0b0f18";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.arc(player.x, player.y, radius, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();

    const sprite = this.images.player;
    ctx.save();
    ctx.translate(player.x, player.y);
    ctx.rotate(player.aim);
    if (ready(sprite)) {
      const size = radius * 2.6;
      ctx.drawImage(sprite, -size / 2, -size / 2, size, size);
    } else {
      ctx.fillStyle = "#2a2f3a";
      ctx.fillRect(radius * 0.3, -radius * 0.2, radius * 1.1, radius * 0.4);
    }
    ctx.restore();

    this.drawLabel(player, radius, maxHp);
  }

  /** Name and health bar, in CSS pixels so they stay readable however small the arena is. */
  drawLabel(player, radius, maxHp) {
    const ctx = this.context;
    ctx.save();
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const x = this.originX + player.x * this.scale;
    const top = this.originY + (player.y - radius) * this.scale;
    const barWidth = Math.max(radius * 2.4 * this.scale, 34);
    const barY = top - 9;
    const fraction = Math.max(0, Math.min(1, player.hp / maxHp));
    ctx.fillStyle = "rgba(0, 0, 0, 0.65)";
    ctx.fillRect(x - barWidth / 2 - 1, barY - 1, barWidth + 2, 6);
    ctx.fillStyle = fraction > 0.5 ? "#54d66b" : fraction > 0.25 ? "#f0c23b" : "#ef4b4b";
    ctx.fillRect(x - barWidth / 2, barY, barWidth * fraction, 4);

    ctx.font = `${player.isYou ? "bold " : ""}12px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
    const label = player.isYou ? `${player.name} (you)` : player.name;
    ctx.strokeText(label, x, barY - 2);
    ctx.fillStyle = player.isYou ? "#ffcf4a" : "#ffffff";
    ctx.fillText(label, x, barY - 2);
    ctx.restore();
  }

  /** The stick is drawn in page pixels, relative to the canvas. */
  drawStick(stick) {
    const ctx = this.context;
    const origin = { x: stick.origin.x - this.left, y: stick.origin.y - this.top };
    const at = { x: stick.at.x - this.left, y: stick.at.y - this.top };
    ctx.save();
    ctx.globalAlpha = 0.4;
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(origin.x, origin.y, 48, 0, Math.PI * 2);
    ctx.stroke();
    ctx.fillStyle = "#ffffff";
    ctx.beginPath();
    ctx.arc(at.x, at.y, 20, 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
  }

  drawCrosshair(point) {
    const ctx = this.context;
    const x = point.x - this.left;
    const y = point.y - this.top;
    ctx.save();
    ctx.strokeStyle = "#ffcf4a";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, 9, 0, Math.PI * 2);
    ctx.moveTo(x - 14, y);
    ctx.lineTo(x - 5, y);
    ctx.moveTo(x + 5, y);
    ctx.lineTo(x + 14, y);
    ctx.moveTo(x, y - 14);
    ctx.lineTo(x, y - 5);
    ctx.moveTo(x, y + 5);
    ctx.lineTo(x, y + 14);
    ctx.stroke();
    ctx.restore();
  }
}
