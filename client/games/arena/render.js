// games/arena/render.js — draws the arena on the shared canvas (canvas.js: floor, walls,
// arrows to players off screen, toasts): bullets with trails and muzzle flashes, players
// with their guns, names and health bars (the own player marked, protected players in a
// shield), hit flashes, hit markers and damage numbers, the kill toast, a red edge when the
// own player is hurt, and the crosshair.
//
// Owns: the arena's look. Must not: decide what is where (state.js does) or what happened
// (effects.js does), or read input.

import { loadImage, ready, Renderer, slotColor } from "../../canvas.js";

/** Bullets are drawn at least this big (CSS pixels), whatever the zoom. */
const MIN_BULLET_PX = 4;
const TRAIL_WIDTH_PX = 3;

export class ArenaRenderer extends Renderer {
  constructor(canvas) {
    super(canvas);
    this.images.player = loadImage("/assets/sprites/player.svg");
  }

  /**
   * Draws one frame. `view` comes from RoomState.view, `fx` from Effects.frame; `aimPoint`
   * (page pixels) is the crosshair, or null.
   */
  draw(setup, view, fx, aimPoint) {
    const { bullet_radius: bulletRadius, player_radius: playerRadius, max_hp: maxHp } = setup;
    this.drawMap(setup);
    const radius = Math.max(bulletRadius * 1.5, MIN_BULLET_PX / this.scale);
    for (const trail of fx.trails) this.drawTrail(trail, radius);
    for (const bullet of view.bullets) this.drawBullet(bullet, radius);
    for (const flash of fx.flashes) this.drawMuzzleFlash(flash, playerRadius);
    for (const flash of view.flashes) this.drawFlash(flash, radius);
    const ordered = [...view.players].sort((a, b) => Number(a.alive) - Number(b.alive));
    const hit = new Map(fx.hits.map((h) => [h.slot, h.age]));
    for (const player of ordered) {
      const shielded = player.alive && fx.protectedSlots.has(player.slot);
      this.drawPlayer(player, playerRadius, { shielded, hitAge: hit.get(player.slot) });
    }
    this.screenSpace();
    for (const player of ordered) {
      if (player.alive) this.drawLabel(player, playerRadius, maxHp, player.isYou ? fx.ownProtection : null);
    }
    for (const number of fx.numbers) this.drawNumber(number, playerRadius);
    this.drawOffscreenArrows(view.players);
    for (const marker of fx.markers) {
      const victim = view.players.find((p) => p.slot === marker.slot);
      const at = aimPoint ?? (victim ? this.worldToPage(victim.x, victim.y) : null);
      if (at) this.drawHitMarker(at, marker.age);
    }
    if (fx.hurt !== null) this.drawHurt(fx.hurt);
    if (fx.toast) this.drawToast(fx.toast);
    if (aimPoint) this.drawCrosshair(aimPoint);
  }

  drawTrail(trail, radius) {
    const { from, to } = trail;
    if (from === to || (from.x === to.x && from.y === to.y)) return;
    const ctx = this.context;
    const gradient = ctx.createLinearGradient(from.x, from.y, to.x, to.y);
    gradient.addColorStop(0, "rgba(255, 240, 180, 0)");
    gradient.addColorStop(1, slotColor(trail.owner, 75));
    ctx.save();
    ctx.strokeStyle = gradient;
    ctx.lineCap = "round";
    ctx.lineWidth = Math.max(radius * 1.2, TRAIL_WIDTH_PX / this.scale);
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    ctx.restore();
  }

  drawBullet(bullet, radius) {
    const ctx = this.context;
    ctx.save();
    ctx.shadowColor = slotColor(bullet.owner, 70);
    ctx.shadowBlur = 12 * this.dpr;
    ctx.fillStyle = "#fff6c8";
    ctx.beginPath();
    ctx.arc(bullet.x, bullet.y, radius, 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
  }

  drawMuzzleFlash(flash, playerRadius) {
    const ctx = this.context;
    const size = playerRadius * (1.1 - flash.age * 0.5);
    const glow = ctx.createRadialGradient(flash.x, flash.y, 0, flash.x, flash.y, size);
    glow.addColorStop(0, `rgba(255, 250, 220, ${0.95 * (1 - flash.age)})`);
    glow.addColorStop(0.4, `rgba(255, 190, 70, ${0.7 * (1 - flash.age)})`);
    glow.addColorStop(1, "rgba(255, 120, 30, 0)");
    ctx.fillStyle = glow;
    ctx.beginPath();
    ctx.arc(flash.x, flash.y, size, 0, Math.PI * 2);
    ctx.fill();
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

  drawPlayer(player, radius, { shielded, hitAge }) {
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

    if (hitAge !== undefined) {
      ctx.save();
      ctx.globalAlpha = 0.85 * (1 - hitAge);
      ctx.fillStyle = "#ffffff";
      ctx.beginPath();
      ctx.arc(player.x, player.y, radius + 2, 0, Math.PI * 2);
      ctx.fill();
      ctx.restore();
    }
    if (shielded) {
      const pulse = 0.5 + 0.5 * Math.sin(performance.now() / 120);
      ctx.save();
      ctx.strokeStyle = `rgba(120, 210, 255, ${0.55 + 0.35 * pulse})`;
      ctx.fillStyle = "rgba(120, 210, 255, 0.14)";
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(player.x, player.y, radius + 12, 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
      ctx.restore();
    }
  }

  /**
   * Name and health bar, in CSS pixels so they stay readable at any zoom; under the own
   * player's name, while it is protected, the protection left (`protection`, 1 to 0).
   */
  drawLabel(player, radius, maxHp, protection) {
    const ctx = this.context;
    const { x, y: centreY } = this.worldToPage(player.x, player.y);
    const top = centreY - radius * this.scale;
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
    if (protection !== null) {
      const below = centreY + radius * this.scale + 16;
      ctx.textBaseline = "top";
      ctx.font = "bold 11px system-ui, sans-serif";
      ctx.strokeText("PROTECTED", x, below);
      ctx.fillStyle = "#8fdcff";
      ctx.fillText("PROTECTED", x, below);
      ctx.fillRect(x - 24, below + 14, 48 * protection, 3);
    }
  }

  drawNumber(number, playerRadius) {
    const ctx = this.context;
    const at = this.worldToPage(number.x, number.y);
    // Beside the player, clear of its name, drifting up.
    const rise = number.age * 28;
    ctx.save();
    ctx.globalAlpha = 1 - number.age * number.age;
    ctx.font = `bold ${number.mine ? 17 : 14}px system-ui, sans-serif`;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.85)";
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const x = at.x + Math.max(playerRadius * this.scale + 10, 44);
    ctx.strokeText(number.text, x, at.y - rise);
    ctx.fillStyle = number.mine ? "#ffcf4a" : "#ff7a7a";
    ctx.fillText(number.text, x, at.y - rise);
    ctx.restore();
  }

  drawHitMarker(at, age) {
    const ctx = this.context;
    const inner = 7 + age * 4;
    const outer = 15 + age * 4;
    ctx.save();
    ctx.globalAlpha = 1 - age;
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    for (const [sx, sy] of [[1, 1], [1, -1], [-1, 1], [-1, -1]]) {
      ctx.moveTo(at.x + sx * inner, at.y + sy * inner);
      ctx.lineTo(at.x + sx * outer, at.y + sy * outer);
    }
    ctx.stroke();
    ctx.restore();
  }

  drawHurt(age) {
    const ctx = this.context;
    const edge = Math.max(this.width, this.height) * 0.75;
    const glow = ctx.createRadialGradient(
      this.width / 2, this.height / 2, edge * 0.45,
      this.width / 2, this.height / 2, edge,
    );
    glow.addColorStop(0, "rgba(255, 40, 40, 0)");
    glow.addColorStop(1, `rgba(255, 40, 40, ${0.45 * (1 - age)})`);
    ctx.fillStyle = glow;
    ctx.fillRect(0, 0, this.width, this.height);
  }

  drawCrosshair(point) {
    const ctx = this.context;
    const { x, y } = point;
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
