// games/tag/render.js — draws a tag room on the shared canvas (canvas.js: the arena's floor and
// walls, arrows to players off screen, toasts): the players as discs in their slot's colour,
// whoever is it in a pulsing red ring marked IT, a frozen player iced over, an immune one
// faded behind a white ring, the own player ringed in gold; names with points beneath.
//
// Owns: tag's look. Must not: decide what is where (state.js does) or what happened
// (effects.js does), or read input.

import { Renderer, slotColor } from "../../canvas.js";

const IT_COLOR = "#ff4d4d";
const FROZEN_COLOR = "rgba(150, 220, 255, 0.55)";

export class TagRenderer extends Renderer {
  /** Draws one frame: `view` from TagRoom.view, `fx` from TagEffects.frame. */
  draw(setup, view, fx) {
    const radius = setup.player_radius;
    this.drawMap(setup);
    // It on top: everyone looks for it.
    const ordered = [...view.players].sort((a, b) => Number(a.it) - Number(b.it));
    for (const player of ordered) this.drawPlayer(player, radius);
    this.screenSpace();
    for (const player of ordered) this.drawLabel(player, radius);
    this.drawOffscreenArrows(view.players);
    if (fx.toast) this.drawToast(fx.toast);
  }

  drawPlayer(player, radius) {
    const ctx = this.context;
    const { x, y } = player;
    ctx.save();
    if (player.immune) ctx.globalAlpha = 0.55;
    if (player.it) {
      const pulse = 0.5 + 0.5 * Math.sin(performance.now() / 110);
      ctx.shadowColor = IT_COLOR;
      ctx.shadowBlur = (10 + 10 * pulse) * this.dpr;
      ctx.strokeStyle = IT_COLOR;
      ctx.lineWidth = 4 + 2 * pulse;
      ctx.beginPath();
      ctx.arc(x, y, radius + 6, 0, Math.PI * 2);
      ctx.stroke();
      ctx.shadowBlur = 0;
    }
    if (player.isYou) {
      ctx.strokeStyle = "#ffcf4a";
      ctx.lineWidth = 3;
      ctx.setLineDash([6, 5]);
      ctx.beginPath();
      ctx.arc(x, y, radius + (player.it ? 13 : 7), 0, Math.PI * 2);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = slotColor(player.slot);
    ctx.strokeStyle = "#0b0f18";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.arc(x, y, radius, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    if (player.frozen) {
      ctx.fillStyle = FROZEN_COLOR;
      ctx.strokeStyle = "#dff4ff";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, Math.PI * 2);
      ctx.fill();
      // A snowflake's six spokes.
      for (let i = 0; i < 3; i++) {
        const angle = (i * Math.PI) / 3;
        const dx = Math.cos(angle) * radius * 0.7;
        const dy = Math.sin(angle) * radius * 0.7;
        ctx.moveTo(x - dx, y - dy);
        ctx.lineTo(x + dx, y + dy);
      }
      ctx.stroke();
    }
    if (player.immune) {
      ctx.globalAlpha = 0.9;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 2;
      ctx.setLineDash([3, 4]);
      ctx.beginPath();
      ctx.arc(x, y, radius + 4, 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.restore();
  }

  /** Name above (IT in front for it), points below, in CSS pixels to stay readable at any zoom. */
  drawLabel(player, radius) {
    const ctx = this.context;
    const { x, y } = this.worldToPage(player.x, player.y);
    const reach = radius * this.scale;
    ctx.font = `${player.isYou ? "bold " : ""}12px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
    const name = player.isYou ? `${player.name} (you)` : player.name;
    const label = player.it ? `IT · ${name}` : name;
    ctx.textBaseline = "bottom";
    ctx.strokeText(label, x, y - reach - 10);
    ctx.fillStyle = player.it ? IT_COLOR : player.isYou ? "#ffcf4a" : "#ffffff";
    ctx.fillText(label, x, y - reach - 10);
    const below = player.frozen ? "frozen" : player.immune ? "safe" : `${player.points} pts`;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "top";
    ctx.strokeText(below, x, y + reach + 8);
    ctx.fillStyle = player.frozen ? "#8fdcff" : "#d6dbe6";
    ctx.fillText(below, x, y + reach + 8);
  }
}
